"""CORS: answered only for the sites' own origins, never with credentials."""
from tests.helpers import NOTHING, ORIGIN, row_counts

PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def test_allowed_origin_gets_its_origin_back(post_suggestion):
    response = post_suggestion(origin=ORIGIN)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_validation_errors_are_readable_by_the_allowed_origin(post_suggestion):
    response = post_suggestion(kind="opinion")
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_other_origin_is_refused_with_403_and_no_cors_headers(app, post_suggestion):
    response = post_suggestion(origin="https://evil.example")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert row_counts(app) == NOTHING


def test_origin_of_another_site_is_refused_for_this_site(app, make_site, post_suggestion):
    make_site(key="other", origins=["https://other.example"])
    response = post_suggestion(origin="https://other.example")
    assert response.status_code == 403
    assert row_counts(app) == NOTHING


def test_null_origin_is_refused(app, post_suggestion):
    response = post_suggestion(origin="null")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert row_counts(app) == NOTHING


def test_origin_differing_only_in_scheme_or_port_is_refused(post_suggestion):
    assert post_suggestion(origin="http://news.example.org").status_code == 403
    assert post_suggestion(origin="https://news.example.org:444").status_code == 403


def test_preflight_from_allowed_origin_allows_post_with_json(client, site):
    response = client.options("/api/v1/suggestions", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_from_other_origin_is_refused(client, site):
    response = client.options("/api/v1/suggestions",
                              headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_from_null_origin_is_refused(client, site):
    response = client.options("/api/v1/suggestions", headers={"Origin": "null", **PREFLIGHT})
    assert response.status_code == 403
