"""GET /api/v1/corrections: an article's published corrections, public, cached, open to any origin."""
import pytest

from tests.helpers import ORIGIN, get_request, passage, publish

ARTICLE = f"{ORIGIN}/2026/11/city-library-reopens"


def corrections(client, url=ARTICLE, site="news", **headers):
    return client.get("/api/v1/corrections", query_string={"site": site, "url": url}, headers=headers)


def article_id(app, request_id: int) -> int:
    return get_request(app, request_id).article_id


def test_an_article_without_corrections_gets_a_tiny_empty_answer(client, site):
    response = corrections(client)
    assert response.status_code == 200
    assert response.get_json() == {"corrections": [], "next": None}
    assert len(response.data) < 40
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"]


def test_a_published_correction_is_listed_with_its_passage_and_a_link_to_its_article_page(
        app, client, report):
    request_id = report(title="City library reopens")
    publish(app, request_id, "We wrote “more then two hundred”; it was more than two hundred.")
    [entry] = corrections(client).get_json()["corrections"]
    assert entry["published_at"].endswith("Z") and len(entry["published_at"]) == 20
    del entry["published_at"]
    assert entry == {
        "id": request_id, "type": "correction", "state": "published",
        "note": "We wrote “more then two hundred”; it was more than two hundred.",
        "updated_at": None, "withdrawn_at": None, "withdrawal_reason": None,
        "quote": {"exact": "more then two hundred", "prefix": "Monday morning, and ",
                  "suffix": " readers were waiting"},
        "position": {"start": 120, "end": 141},
        "article": {"url": ARTICLE, "title": "City library reopens"},
        "link": f"http://corrections.test/corrections/news/articles/1#correction-{request_id}"
        .replace("/1#", f"/{article_id(app, request_id)}#"),
    }


def test_the_link_points_at_an_anchor_on_the_public_record(app, client, report):
    request_id = report()
    publish(app, request_id, "Fixed.")
    link = corrections(client).get_json()["corrections"][0]["link"]
    page = client.get(link.removeprefix("http://corrections.test")).get_data(as_text=True)
    assert f'id="{link.split("#")[1]}"' in page
    assert f'id="{link.split("#")[1]}"' in client.get("/corrections/news").get_data(as_text=True)


def test_no_reader_data_is_ever_in_the_answer(app, client, report):
    publish(app, report(name="Ada Reader", email="ada@example.net", comment="secret remark"), "Fixed.")
    text = corrections(client).get_data(as_text=True)
    for private in ("Ada Reader", "ada@example.net", "secret remark", "more than two hundred"):
        assert private not in text


def test_only_published_corrections_are_listed(app, client, report):
    published = report(**passage(1))
    report(**passage(2))  # still new
    publish(app, published, "Fixed.")
    assert [e["id"] for e in corrections(client).get_json()["corrections"]] == [published]


def test_newest_first(app, client, report):
    first, second = report(**passage(1)), report(**passage(2))
    publish(app, first, "First.")
    publish(app, second, "Second.", "clarification")
    entries = corrections(client).get_json()["corrections"]
    assert [(e["id"], e["type"]) for e in entries] == [(second, "clarification"), (first, "correction")]


def test_only_the_article_asked_about(app, client, report):
    publish(app, report(url=f"{ORIGIN}/another-story"), "Fixed elsewhere.")
    assert corrections(client).get_json()["corrections"] == []


def test_the_url_is_normalised_as_at_intake(app, client, report):
    publish(app, report(), "Fixed.")
    messy = "HTTPS://News.Example.org:443/2026/11/city-library-reopens?utm_source=x&fbclid=y#top"
    assert len(corrections(client, url=messy).get_json()["corrections"]) == 1


def test_a_position_less_passage_has_a_null_position(app, client, report):
    publish(app, report(position=None), "Fixed.")
    assert corrections(client).get_json()["corrections"][0]["position"] is None


def test_a_cached_answer_is_revalidated_with_its_etag(app, client, report):
    etag = corrections(client).headers["ETag"]
    assert corrections(client, **{"If-None-Match": etag}).status_code == 304
    publish(app, report(), "Fixed.")  # the answer changed, so the old validator no longer matches
    response = corrections(client, **{"If-None-Match": etag})
    assert response.status_code == 200 and len(response.get_json()["corrections"]) == 1


def test_an_unknown_site_is_404_in_the_error_shape(client, site):
    response = corrections(client, site="nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("query, field", [
    ({"url": ARTICLE}, "site"),
    ({"site": "", "url": ARTICLE}, "site"),
    ({"site": "news", "url": "   "}, "url"),
    ({"site": "news\x00", "url": ARTICLE}, "site"),
    ({"site": "n" * 65, "url": ARTICLE}, "site"),
    ({"site": "news", "url": "javascript:alert(1)"}, "url"),
    ({"site": "news", "url": "/relative/path"}, "url"),
    ({"site": "news", "url": "https://news.example.org/\x00"}, "url"),
    ({"site": "news", "url": "https://news.example.org/" + "a" * 2000}, "url"),
    ({"site": ["news", "other"], "url": ARTICLE}, "site"),
])
def test_bad_parameters_are_400_with_the_field_named(client, site, query, field):
    response = client.get("/api/v1/corrections", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "malformed" and list(error["fields"]) == [field]
    assert error["message"] == error["fields"][field]


def test_the_widget_can_read_it_from_any_page(client, site):
    preflight = client.options("/api/v1/corrections", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    response = corrections(client, Origin="https://elsewhere.example")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_reading_does_not_touch_the_intake_cors_rules(client, site):
    response = client.options("/api/v1/suggestions", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 403


# --- the public record: amended and withdrawn, whole sites, pages, since, JSON-LD, the cache -----

def test_an_amended_correction_shows_its_new_note_and_when_it_was_updated(app, client, report):
    from corrections.workflow.transitions import Action
    request_id = report()
    publish(app, request_id, "First wording.")
    apply_action(app, request_id, Action.AMEND, public_note="Second wording.")
    [entry] = corrections(client).get_json()["corrections"]
    assert entry["note"] == "Second wording." and entry["state"] == "published"
    assert entry["updated_at"] >= entry["published_at"]


def test_a_withdrawn_correction_is_listed_as_withdrawn_with_why(app, client, report):
    from corrections.workflow.transitions import Action
    request_id = report()
    publish(app, request_id, "Fixed.")
    apply_action(app, request_id, Action.WITHDRAW, public_note="the original was right")
    [entry] = corrections(client).get_json()["corrections"]
    assert entry["state"] == "withdrawn" and entry["note"] == "Fixed."
    assert entry["withdrawal_reason"] == "the original was right" and entry["withdrawn_at"]


def test_without_a_url_the_whole_site_is_listed_in_keyset_pages(app, client, report, monkeypatch):
    from corrections.public import record
    monkeypatch.setattr(record, "PAGE_SIZE", 2)
    ids = [report(url=f"{ORIGIN}/story-{n}") for n in range(3)]
    for request_id in ids:
        publish(app, request_id, f"Fixed {request_id}.")
    first = client.get("/api/v1/corrections", query_string={"site": "news"}).get_json()
    assert [e["id"] for e in first["corrections"]] == [ids[2], ids[1]] and first["next"]
    second = client.get("/api/v1/corrections",
                        query_string={"site": "news", "cursor": first["next"]}).get_json()
    assert [e["id"] for e in second["corrections"]] == [ids[0]] and second["next"] is None


def test_since_gives_what_changed_at_or_after_it(app, client, report):
    from corrections.workflow.transitions import Action
    old, new = report(**passage(1)), report(**passage(2))
    publish(app, old, "Old.")
    publish(app, new, "New.")
    changed = corrections(client).get_json()["corrections"][0]["published_at"]
    assert next(e["id"] for e in client.get("/api/v1/corrections", query_string={
        "site": "news", "since": changed}).get_json()["corrections"]) == new
    assert client.get("/api/v1/corrections", query_string={
        "site": "news", "since": "2999-01-01T00:00:00Z"}).get_json()["corrections"] == []
    apply_action(app, old, Action.AMEND, public_note="Old, amended.")
    assert client.get("/api/v1/corrections", query_string={
        "site": "news", "since": "2000-01-01T00:00:00+02:00"}).get_json()["corrections"][0]["id"] == old


@pytest.mark.parametrize("query, field", [
    ({"cursor": "yesterday,abc"}, "cursor"),
    ({"cursor": "2026-11-30T10:00:00,99999999999999999999999"}, "cursor"),
    ({"cursor": ","}, "cursor"),
    ({"since": "last week"}, "since"),
    ({"since": "2026-02-30"}, "since"),
    ({"format": "xml"}, "format"),
    ({"url": ""}, "url"),
])
def test_bad_cursors_and_options_are_400_with_the_field_named(client, site, query, field):
    response = client.get("/api/v1/corrections", query_string={"site": "news", **query})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_jsonld_gives_the_schema_org_block(app, client, report):
    request_id = report(title="City library reopens")
    publish(app, request_id, "Fixed.")
    response = client.get("/api/v1/corrections", query_string={"site": "news", "url": ARTICLE,
                                                                "format": "jsonld"})
    assert response.mimetype == "application/ld+json"
    block = response.get_json(force=True)
    assert block["@context"] == "https://schema.org" and block["@type"] == "NewsArticle"
    assert block["headline"] == "City library reopens"
    assert [c["text"] for c in block["correction"]] == ["Fixed."]
    assert block["correction"][0]["@type"] == "CorrectionComment"


def test_a_change_made_by_another_process_is_seen_at_once(app_factory, report, app):
    """Two apps on one database stand for two server processes, each with its own cache."""
    from corrections.workflow.transitions import Action
    reader = app_factory().test_client()
    request_id = report()
    publish(app, request_id, "First.")
    assert corrections(reader).get_json()["corrections"][0]["note"] == "First."
    etag = corrections(reader).headers["ETag"]
    apply_action(app, request_id, Action.AMEND, public_note="Second.")  # the other process
    response = corrections(reader, **{"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["corrections"][0]["note"] == "Second."
    apply_action(app, request_id, Action.WITHDRAW, public_note="wrong")
    assert corrections(reader).get_json()["corrections"][0]["state"] == "withdrawn"


def test_an_unchanged_record_is_served_from_the_cache(app, client, report, monkeypatch):
    from corrections.public import record
    publish(app, report(), "Fixed.")
    first = corrections(client).data
    monkeypatch.setattr(record, "entries", lambda *a, **k: pytest.fail("not cached"))
    assert corrections(client).data == first


def apply_action(app, request_id, action, **details):
    from corrections.extensions import db
    from corrections.models import CorrectionRequest
    from corrections.workflow.transitions import Details, transition
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        transition(item, action, editor=None, version=item.version, details=Details(**details))


def test_a_repeated_question_is_answered_before_flask_while_nothing_changed(app, client, report):
    from flask import request_started
    publish(app, report(), "Fixed.")
    first = corrections(client)
    reached_flask = []
    listener = lambda sender, **extra: reached_flask.append(1)  # noqa: E731
    request_started.connect(listener, app)
    try:
        again = corrections(client)
        assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        assert again.headers["Cache-Control"] == "public, max-age=60"
        assert corrections(client, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
        assert reached_flask == []
        publish(app, report(**passage(2)), "Fixed again.")  # the site's version changes
        reached_flask.clear()  # the report went through Flask, as it should
        changed = corrections(client)
        assert reached_flask == [1] and len(changed.get_json()["corrections"]) == 2
    finally:
        request_started.disconnect(listener, app)


def test_a_new_title_of_a_corrected_article_is_seen_at_once(app, client, editor_client, report):
    from tests.helpers import csrf_token
    request_id = report(title="Old title")
    publish(app, request_id, "Fixed.")
    assert corrections(client).get_json()["corrections"][0]["article"]["title"] == "Old title"
    page = editor_client.get(f"/dashboard/requests/{request_id}")
    response = editor_client.post(f"/dashboard/requests/{request_id}/title", data={
        "csrf_token": csrf_token(editor_client, f"/dashboard/requests/{request_id}"),
        "title": "New title", "shown": "Old title"})
    assert page.status_code == 200 and response.status_code in (302, 303)
    assert corrections(client).get_json()["corrections"][0]["article"]["title"] == "New title"
