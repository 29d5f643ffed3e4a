"""Choosing a password by emailed link: reset and invitation links are single-use and expire."""
import re
import time

import itsdangerous
import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Editor, OutboxMessage
from tests.helpers import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "a brand new long password"
SENT = "a link to choose a new password is on its way"


def ask_for_reset(client, email="editor@news.example.org"):
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"csrf_token": token, "email": email})


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def link_path(message: OutboxMessage) -> str:
    url = re.search(r"http://corrections\.test(/\S+)", message.body_text).group(1)
    assert url in message.body_html
    return url


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "password": password,
                                   "confirm": password if confirm is None else confirm})


def test_forgotten_password_sends_a_link_through_the_outbox(app, client, editor):
    response = ask_for_reset(client)
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    [message] = outbox(app)
    assert (message.kind, message.recipient) == ("password_reset", "editor@news.example.org")
    assert link_path(message).startswith("/password/reset/")


def test_unknown_address_gets_the_same_answer_and_no_email(app, client, editor):
    response = ask_for_reset(client, "stranger@news.example.org")
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    assert outbox(app) == []


def test_deactivated_account_gets_no_reset_email(app, client, make_editor):
    make_editor(active=False)
    ask_for_reset(client)
    assert outbox(app) == []


def test_reset_link_sets_a_new_password(app, client, editor):
    ask_for_reset(client)
    response = choose(client, link_path(outbox(app)[0]))
    assert response.status_code == 303 and response.location == "/login"
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), password=PASSWORD).status_code == 200


def test_reset_link_works_only_once(app, client, editor):
    ask_for_reset(client)
    path = link_path(outbox(app)[0])
    choose(client, path)
    response = client.get(path)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)


def test_expired_reset_link_is_refused(app, client, editor, monkeypatch):
    two_hours_ago = int(time.time()) - 2 * 3600
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
    ask_for_reset(client)
    monkeypatch.undo()
    response = client.get(link_path(outbox(app)[0]))
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_forged_reset_link_is_refused(client, editor):
    response = client.get("/password/reset/WzEsImFiYyJd.forged.signature")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_invitation_link_does_not_reset_passwords(app, client, editor):
    ask_for_reset(client)
    reset_token = link_path(outbox(app)[0]).rsplit("/", 1)[1]
    assert client.get(f"/welcome/{reset_token}").status_code == 400


@pytest.mark.parametrize("password,confirm,message", [
    ("short", "short", "at least 12 characters"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "not the same"),
])
def test_unsuitable_new_password_is_refused_and_nothing_changes(app, client, editor, password,
                                                                 confirm, message):
    ask_for_reset(client)
    path = link_path(outbox(app)[0])
    with app.app_context():
        before = db.session.get(Editor, editor).password_hash
    response = choose(client, path, password, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Editor, editor).password_hash == before


def test_reset_requests_are_throttled(app_factory, make_editor):
    app = app_factory(PASSWORD_RESET_RATE_LIMIT="2 per hour")
    make_editor()
    client = app.test_client()
    for _ in range(2):
        assert ask_for_reset(client).status_code == 200
    response = ask_for_reset(client)
    assert response.status_code == 429
    assert len(outbox(app)) == 2
