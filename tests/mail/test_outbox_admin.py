"""/dashboard/outbox: admins see failed messages and send them again."""
import pytest

from corrections.mail import delivery
from corrections.models import OutboxStatus, Role
from tests.helpers import csrf_token_in, sign_in
from tests.mail.conftest import outbox, queue_messages


@pytest.fixture
def signed_in_admin(client, admin):
    assert sign_in(client, "admin@news.example.org").status_code == 303


def failed_message(app, error="550 5.1.1 <r0@example.net>: no such user") -> None:
    queue_messages(app, 1, status=OutboxStatus.FAILED, attempts=3, last_error=error)


def test_signed_out_visitors_are_not_let_in(app, client):
    failed_message(app)
    response = client.get("/dashboard/outbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "r0@example.net" not in response.text


def test_editors_who_are_not_admins_are_forbidden(client, make_editor):
    make_editor(role=Role.EDITOR)
    assert sign_in(client).status_code == 303
    assert client.get("/dashboard/outbox").status_code == 403


def test_admins_see_failed_messages_with_their_error(app, client, signed_in_admin):
    failed_message(app, error="550 5.1.1 <x@example.net>: <b>no</b> such user")
    page = client.get("/dashboard/outbox")
    assert page.status_code == 200
    assert "r0@example.net" in page.text and "Message 0" in page.text
    assert "&lt;b&gt;no&lt;/b&gt; such user" in page.text  # the server's words are escaped too
    assert "Retry now" in page.text


def test_retry_now_puts_the_message_back_in_the_queue(app, client, signed_in_admin):
    failed_message(app)
    [row] = outbox(app)
    page = client.get("/dashboard/outbox")
    response = client.post(f"/dashboard/outbox/{row.id}/retry",
                           data={"csrf_token": csrf_token_in(page.text)})
    assert response.status_code == 303
    [row] = outbox(app)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert "will be sent again" in client.get("/dashboard/outbox").text


def test_retry_all_puts_every_failed_message_back(app, client, signed_in_admin):
    failed_message(app)
    failed_message(app)
    page = client.get("/dashboard/outbox")
    client.post("/dashboard/outbox/retry-all", data={"csrf_token": csrf_token_in(page.text)})
    assert {row.status for row in outbox(app)} == {OutboxStatus.PENDING}


def test_retrying_without_a_csrf_token_changes_nothing(app, client, signed_in_admin):
    failed_message(app)
    [row] = outbox(app)
    assert client.post(f"/dashboard/outbox/{row.id}/retry").status_code == 400
    assert outbox(app)[0].status is OutboxStatus.FAILED


def test_retrying_an_unknown_message_is_not_found(app, client, signed_in_admin):
    page = client.get("/suggest")  # any form of ours gives this session a CSRF token
    response = client.post("/dashboard/outbox/999999/retry", data={"csrf_token": csrf_token_in(page.text)})
    assert response.status_code == 404


def test_a_message_that_failed_permanently_is_listed_and_then_delivered(app, client, signed_in_admin,
                                                                      smtp_server):
    [message_id] = queue_messages(app, 1)
    smtp_server.answer_always("554 5.7.1 Rejected by policy")
    with app.app_context():
        for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
            delivery.send_due()
    page = client.get("/dashboard/outbox")
    assert "554 5.7.1 Rejected by policy" in page.text
    smtp_server.answer_always(None)
    client.post("/dashboard/outbox/retry-all", data={"csrf_token": csrf_token_in(page.text)})
    with app.app_context():
        delivery.send_due()
    assert smtp_server.message_ids == [message_id]
    assert "No failed messages" in client.get("/dashboard/outbox").text


def test_admins_hear_why_messages_are_held_back(app, client, signed_in_admin, smtp_server):
    queue_messages(app, 2)
    smtp_server.stop()
    with app.app_context():
        delivery.send_due()
    page = client.get("/dashboard/outbox")
    assert "Waiting messages are held back" in page.text
    assert "The SMTP server refused the connection" in page.text


def test_nothing_is_said_to_be_held_back_while_all_goes_well(app, client, signed_in_admin):
    queue_messages(app, 2)
    assert "held back" not in client.get("/dashboard/outbox").text
