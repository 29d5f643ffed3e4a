"""Bad input to the JSON intake: a clear 4xx in the JSON error shape, and nothing stored."""
import pytest

from tests.helpers import NOTHING, ORIGIN, row_counts, suggestion_body

ZERO_WIDTH = "\u200b\u200d\u2060\ufeff\u202e"


def quote(exact="teh", prefix="", suffix=""):
    return {"exact": exact, "prefix": prefix, "suffix": suffix}


INVALID_FIELDS = {
    "unknown site": ({"site": "nope"}, "site"),
    "missing site": ({"site": None}, "site"),
    "site not text": ({"site": 5}, "site"),
    "url on another host": ({"url": "https://evil.example/2026/a"}, "url"),
    "url on another port": ({"url": "https://news.example.org:8443/a"}, "url"),
    "url over http instead of https": ({"url": "http://news.example.org/a"}, "url"),
    "javascript url": ({"url": "javascript:alert(1)//news.example.org"}, "url"),
    "data url": ({"url": "data:text/html,<script>alert(1)</script>"}, "url"),
    "url with userinfo": ({"url": "https://news.example.org@evil.example/"}, "url"),
    "url with user and password": ({"url": "https://a:b@news.example.org/"}, "url"),
    "url over 2000 chars": ({"url": f"{ORIGIN}/{'a' * 2000}"}, "url"),
    "url with a newline": ({"url": f"{ORIGIN}/a\nb"}, "url"),
    "url missing": ({"url": None}, "url"),
    "title over 300": ({"title": "t" * 301}, "title"),
    "quote is a number": ({"quote": 5}, "quote"),
    "quote is a string": ({"quote": "teh"}, "quote"),
    "quote missing": ({"quote": None}, "quote"),
    "exact empty": ({"quote": quote("")}, "quote.exact"),
    "exact whitespace only": ({"quote": quote(" \n\t ")}, "quote.exact"),
    "exact zero-width only": ({"quote": quote(ZERO_WIDTH)}, "quote.exact"),
    "exact over 1000": ({"quote": quote("x" * 1001)}, "quote.exact"),
    "exact not text": ({"quote": quote(12)}, "quote.exact"),
    "prefix over 64": ({"quote": quote(prefix="p" * 65)}, "quote.prefix"),
    "suffix over 64": ({"quote": quote(suffix="s" * 65)}, "quote.suffix"),
    "position not an object": ({"position": [1, 2]}, "position"),
    "position start negative": ({"position": {"start": -1, "end": 4}}, "position.start"),
    "position end not a number": ({"position": {"start": 1, "end": "4"}}, "position.end"),
    "position boolean": ({"position": {"start": True, "end": 4}}, "position.start"),
    "position end before start": ({"position": {"start": 9, "end": 4}}, "position.end"),
    "unknown kind": ({"kind": "opinion"}, "kind"),
    "missing kind": ({"kind": None}, "kind"),
    "suggestion over 2000": ({"suggestion": "s" * 2001}, "suggestion"),
    "comment over 2000": ({"comment": "c" * 2001}, "comment"),
    "comment not text": ({"comment": ["a"]}, "comment"),
    "name over 200": ({"name": "n" * 201}, "name"),
    "invalid email": ({"email": "not-an-address"}, "email"),
    "email with CR LF": ({"email": "a@example.net\r\nBcc: victim@example.org"}, "email"),
    "notify is a string": ({"notify": "yes"}, "notify"),
    "notify without email": ({"notify": True, "email": ""}, "email"),
    "NUL byte in comment": ({"comment": "a\x00b"}, "comment"),
    "NUL byte in exact": ({"quote": quote("te\x00h")}, "quote.exact"),
}


@pytest.mark.parametrize("changes, field", INVALID_FIELDS.values(), ids=INVALID_FIELDS.keys())
def test_invalid_field_is_refused_with_422_naming_the_field(app, post_suggestion, changes, field):
    response = post_suggestion(**changes)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid" and error["message"]
    assert field in error["fields"] and error["fields"][field]
    assert row_counts(app) == NOTHING


def test_every_invalid_field_is_reported_at_once(post_suggestion):
    response = post_suggestion(kind="opinion", email="nope", title="t" * 301)
    assert set(response.json["error"]["fields"]) == {"kind", "email", "title"}


MALFORMED_BODIES = {
    "malformed json": b'{"site": "news",',
    "json array": b'[{"site": "news"}]',
    "json string": b'"news"',
    "json null": b"null",
    "invalid utf-8": b'{"site": "\xff\xfe news"}',
    "deeply nested": b"[" * 30_000 + b"]" * 30_000,
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_body_is_refused_with_400(app, client, site, body):
    response = client.post("/api/v1/suggestions", data=body, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"
    assert row_counts(app) == NOTHING


def test_body_that_is_not_json_is_refused_with_415(app, client, site):
    response = client.post("/api/v1/suggestions", data={"site": "news"}, headers={"Origin": ORIGIN})
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert row_counts(app) == NOTHING


def test_one_mebibyte_body_is_refused_with_413(app, client, site):
    body = suggestion_body(comment="x" * (1 << 20))
    response = client.post("/api/v1/suggestions", json=body, headers={"Origin": ORIGIN})
    assert response.status_code == 413
    assert response.json["error"] == {"code": "too_large", "message": "The request is too large."}
    assert row_counts(app) == NOTHING


def test_unknown_api_path_answers_404_in_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_answers_405_in_json(client):
    response = client.get("/api/v1/suggestions")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
