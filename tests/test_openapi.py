"""The OpenAPI document: served, valid OpenAPI 3.1, and true to the answers (conftest checks every
/api/v1 answer the tests produce against it)."""
from openapi_spec_validator import validate

from corrections.errors import CODES
from corrections.public.openapi import ERROR_CODES


def test_the_document_is_served_as_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any fault


def test_it_describes_the_intake_and_the_read_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/suggestions"] and "get" in paths["/api/v1/corrections"]


def test_every_documented_error_answer_has_the_error_shape_and_an_example(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if int(status) < 400:
                    continue
                content = answer["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, status)
                assert content["example"]["error"]["code"] in ERROR_CODES, (path, status)


def test_every_error_code_the_app_gives_is_documented():
    assert set(CODES.values()) | {"invalid", "origin_not_allowed", "unavailable"} <= set(ERROR_CODES)


def test_the_intake_documents_every_refusal_status(client):
    answers = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/suggestions"]["post"]
    assert {"201", "400", "403", "413", "415", "422", "429", "503"} <= set(answers["responses"])


def test_an_answer_off_the_document_would_be_caught(app, client, site):
    """The conftest hook is not asleep: a made-up answer to a documented call is reported."""
    from flask import request_finished

    from tests import conftest
    with app.test_request_context("/api/v1/corrections?site=news"):
        response = app.response_class('{"corrections": "not a list"}', mimetype="application/json")
        conftest._check_api_answer(app, response)
    found = list(conftest._API_ANSWERS_OFF_THE_DOCUMENT)
    conftest._API_ANSWERS_OFF_THE_DOCUMENT.clear()  # reported here, not as this test's failure
    assert len(found) == 1 and "/api/v1/corrections" in found[0]
    assert request_finished.has_receivers_for(app)
