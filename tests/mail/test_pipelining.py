"""Delivery to a server that advertises PIPELINING (RFC 2920): same outcomes as without it."""
import pytest

from corrections.mail import delivery
from corrections.models import OutboxStatus
from tests.mail.conftest import MAIL_CONFIG, outbox, part, queue_messages
from tests.mail_fixtures import SMTPServer


@pytest.fixture
def pipelining_server():
    server = SMTPServer(pipelining=True).start()
    yield server
    server.stop()


@pytest.fixture
def pipelining_app(app_factory, pipelining_server):
    return app_factory(MAIL_PORT=pipelining_server.port, **MAIL_CONFIG)


def send_due(app):
    with app.app_context():
        return delivery.send_due()


def test_a_pipelined_batch_arrives_intact_over_one_connection(pipelining_app, pipelining_server):
    text = "First line\n.a line starting with a dot\n.\nlast line\n"
    message_ids = queue_messages(pipelining_app, 8, body_text=text)
    report = send_due(pipelining_app)
    assert report.sent == 8
    assert sorted(pipelining_server.message_ids) == sorted(message_ids)
    assert len(pipelining_server.connections) == 1
    assert {part(message.email, "plain") for message in pipelining_server.received} == {text}


def test_a_pipelined_refusal_after_the_data_fails_only_that_message(pipelining_app, pipelining_server):
    queue_messages(pipelining_app, 5)
    pipelining_server.answer_next(1, "452 4.2.2 Mailbox full")
    report = send_due(pipelining_app)
    assert (report.sent, report.retrying) == (4, 1)
    assert len(pipelining_server.connections) == 1


def test_a_pipelined_refused_recipient_fails_only_that_message(pipelining_app, pipelining_server):
    queue_messages(pipelining_app, 4)
    pipelining_server.refused_recipients.add("r1@example.net")
    report = send_due(pipelining_app)
    rows = {row.recipient: row for row in outbox(pipelining_app)}
    assert (report.sent, report.retrying) == (3, 1)
    assert rows["r1@example.net"].status == OutboxStatus.PENDING
    assert rows["r1@example.net"].last_error.startswith("r1@example.net: 550")
    assert len(pipelining_server.received) == 3
