from tests.conftest import suggestion_body


def test_suggestion_is_stored_and_repeat_grouped(post_suggestion):
    first = post_suggestion()
    second = post_suggestion(body=suggestion_body())
    assert first.status_code == 201 and second.status_code == 201
    assert first.json["status"] == "received"
