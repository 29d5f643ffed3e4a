"""Delivery from the outbox against a real SMTP server: batching, retries, failures, leases."""
import random
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.mail import delivery, failures, smtp
from corrections.models import OutboxMessage, OutboxStatus, utcnow
from tests.mail.conftest import (
    BOTH_KINDS_OF_SERVER,
    MAIL_CONFIG,
    outbox,
    part,
    queue_messages,
)
from tests.mail_fixtures import (
    PASSWORD,
    TLS_CERTIFICATE,
    USERNAME,
    SilentServer,
    SMTPServer,
    TurnCounter,
)


def send_due(app):
    with app.app_context():
        return delivery.send_due()


@BOTH_KINDS_OF_SERVER
def test_due_messages_are_delivered_once_each_with_their_stored_message_id(app, smtp_server):
    message_ids = queue_messages(app, 25)
    report = send_due(app)
    assert report.sent == 25
    assert sorted(smtp_server.message_ids) == sorted(message_ids)
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}


@BOTH_KINDS_OF_SERVER
def test_one_smtp_connection_carries_a_whole_batch(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False, MAIL_BATCH_SIZE=50)
    queue_messages(app, 30)
    send_due(app)
    assert len(smtp_server.received) == 30
    assert len(smtp_server.connections) == 1


def test_a_second_pass_sends_nothing_again(app, smtp_server):
    queue_messages(app, 5)
    send_due(app)
    report = send_due(app)
    assert report.sent == 0 and len(smtp_server.received) == 5


def test_messages_carry_text_and_html_parts_and_stored_headers(app, smtp_server):
    queue_messages(app, 1, headers={"List-Unsubscribe": "<https://corrections.test/u>"})
    send_due(app)
    email = smtp_server.received[0].email
    assert email["List-Unsubscribe"] == "<https://corrections.test/u>"
    types = {part.get_content_type() for part in email.walk()}
    assert {"text/plain", "text/html"} <= types


@BOTH_KINDS_OF_SERVER
def test_a_4xx_answer_is_retried_and_then_delivered(app, smtp_server):
    [message_id] = queue_messages(app, 1)
    smtp_server.answer_next(1, "451 4.3.0 Mailbox busy, try again later")
    first = send_due(app)
    [row] = outbox(app)
    assert (first.retrying, row.status, row.attempts) == (1, OutboxStatus.PENDING, 1)
    assert row.last_error.startswith("451")
    second = send_due(app)
    [row] = outbox(app)
    assert (second.sent, row.status, row.attempts) == (1, OutboxStatus.SENT, 2)
    assert smtp_server.message_ids == [message_id]


@BOTH_KINDS_OF_SERVER
def test_a_refused_message_does_not_stop_the_rest_of_the_batch(app, smtp_server):
    queue_messages(app, 5)
    smtp_server.answer_next(1, "452 4.2.2 Mailbox full")
    report = send_due(app)
    assert (report.sent, report.retrying) == (4, 1)
    assert len(smtp_server.connections) == 1


@BOTH_KINDS_OF_SERVER
def test_lines_starting_with_a_dot_arrive_intact(app, smtp_server):
    text = "First line\n.a line starting with a dot\n.\nlast line\n"
    queue_messages(app, 3, body_text=text)
    assert send_due(app).sent == 3
    assert [part(message.email, "plain") for message in smtp_server.received] == [text] * 3


UKRAINIAN = "Редакція виправила статтю.\n"


@BOTH_KINDS_OF_SERVER
def test_8bit_text_goes_as_it_is_declared_body_8bitmime(app, smtp_server):
    queue_messages(app, 2, body_text=UKRAINIAN)
    assert send_due(app).sent == 2
    for message in smtp_server.received:
        assert "BODY=8BITMIME" in message.mail_options
        assert UKRAINIAN.encode() in message.raw.replace(b"\r\n", b"\n")
        assert part(message.email, "plain") == UKRAINIAN


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelining"])
def test_a_server_without_8bitmime_gets_7bit_text(app_factory, pipelining):
    server = SMTPServer(pipelining=pipelining, eight_bit=False).start()
    try:
        app = app_factory(**(MAIL_CONFIG | {"MAIL_PORT": server.port}))
        queue_messages(app, 2, body_text=UKRAINIAN)
        assert send_due(app).sent == 2
    finally:
        server.stop()
    for message in server.received:
        assert "BODY=8BITMIME" not in message.mail_options and message.raw.isascii()
        assert part(message.email, "plain") == UKRAINIAN


@BOTH_KINDS_OF_SERVER
def test_a_refused_recipient_fails_only_that_message(app, smtp_server):
    queue_messages(app, 4)
    smtp_server.refused_recipients.add("r1@example.net")
    report = send_due(app)
    rows = {row.recipient: row for row in outbox(app)}
    assert (report.sent, report.retrying) == (3, 1)
    assert rows["r1@example.net"].status == OutboxStatus.PENDING
    assert rows["r1@example.net"].last_error.startswith("r1@example.net: 550")
    assert len(smtp_server.received) == 3 and len(smtp_server.connections) == 1


@BOTH_KINDS_OF_SERVER
def test_a_connection_lost_after_a_message_counts_a_try_for_it_alone(app, smtp_server):
    message_ids = queue_messages(app, 6)
    smtp_server.drop_connection_at(3)
    report = send_due(app)
    assert report.sent == 2 and "SMTPServerDisconnected" in report.connection_error
    rows = outbox(app)
    assert [row.status for row in rows] == [OutboxStatus.SENT] * 2 + [OutboxStatus.PENDING] * 4
    assert [row.attempts for row in rows] == [1, 1, 1, 0, 0, 0]
    assert rows[2].last_error == report.connection_error
    assert all(row.lease_until is None for row in rows[3:])  # handed back, not left to a lease
    assert send_due(app).sent == 4
    assert sorted(smtp_server.message_ids) == sorted(message_ids)  # each exactly once


@pytest.mark.parametrize("smtp_server", [True], ids=["pipelining"], indirect=True)
def test_with_pipelining_each_message_costs_one_round_trip(app_factory, smtp_server):
    relay = TurnCounter(smtp_server.port)
    app = app_factory(**(MAIL_CONFIG | {"MAIL_PORT": relay.port, "MAIL_BATCH_SIZE": 20}))
    queue_messages(app, 20)
    assert send_due(app).sent == 20
    relay.join()
    # EHLO, the first MAIL/RCPT/DATA and QUIT; then each message's body, followed unasked by
    # its end of data and the next message's MAIL/RCPT/DATA.
    assert relay.turns == 3 + 20


def test_the_smtp_connection_sends_small_writes_at_once(app, smtp_server):
    # A body and then its end of data are two writes; Nagle's algorithm would hold the second
    # until the server's delayed ACK, some 40 ms a message.
    with app.app_context():
        connection = smtp.SMTPConnection(app.extensions["mail"])
        with connection:
            assert connection.host.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@BOTH_KINDS_OF_SERVER
def test_a_connection_lost_while_starting_a_message_counts_a_try_for_it_alone(app, smtp_server):
    message_ids = queue_messages(app, 5)
    smtp_server.hang_up_at_recipients.add("r2@example.net")
    report = send_due(app)
    assert report.sent == 2 and "SMTPServerDisconnected" in report.connection_error
    rows = outbox(app)
    assert [row.attempts for row in rows] == [1, 1, 1, 0, 0]
    assert [row.status for row in rows[2:]] == [OutboxStatus.PENDING] * 3
    assert all(row.lease_until is None for row in rows[2:])
    smtp_server.hang_up_at_recipients.clear()
    assert send_due(app).sent == 3
    assert sorted(smtp_server.message_ids) == sorted(message_ids)


@BOTH_KINDS_OF_SERVER
def test_a_421_closes_the_connection_after_a_try_for_that_message_alone(app, smtp_server):
    message_ids = queue_messages(app, 5)
    smtp_server.answer_next(1, "421 4.3.2 Service shutting down")
    report = send_due(app)
    assert report.sent == 0 and report.connection_error.startswith("421")
    rows = outbox(app)
    assert [row.attempts for row in rows] == [1, 0, 0, 0, 0]
    assert all(row.lease_until is None for row in rows)  # the rest handed back
    assert smtp_server.received == []
    assert send_due(app).sent == 5
    assert sorted(smtp_server.message_ids) == sorted(message_ids)


@BOTH_KINDS_OF_SERVER
def test_a_message_that_cannot_be_built_fails_alone(app, smtp_server):
    queue_messages(app, 2)
    queue_messages(app, 1, headers={"X-Broken": "one\nline too many"})
    queue_messages(app, 2)
    report = send_due(app)
    assert (report.sent, report.retrying) == (4, 1)
    rows = outbox(app)
    assert [row.status for row in rows].count(OutboxStatus.SENT) == 4
    assert "line break" in rows[2].last_error and rows[2].lease_until is None
    assert len(smtp_server.received) == 4


@BOTH_KINDS_OF_SERVER
def test_a_permanent_5xx_is_marked_failed_after_the_last_try(app, smtp_server):
    queue_messages(app, 1)
    smtp_server.answer_always("550 5.1.1 No such user here")
    statuses = []
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        send_due(app)
        statuses.append(outbox(app)[0].status)
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED]
    [row] = outbox(app)
    assert row.attempts == 3 and row.last_error.startswith("550")
    assert send_due(app).sent == 0  # failed messages are left alone until someone retries them
    assert smtp_server.received == []


def test_retry_now_puts_a_failed_message_back_and_it_is_delivered(app, smtp_server):
    [message_id] = queue_messages(app, 1, status=OutboxStatus.FAILED, attempts=3,
                                  last_error="550 No such user")
    with app.app_context():
        assert failures.retry_now() == 1
    send_due(app)
    assert smtp_server.message_ids == [message_id]
    assert outbox(app)[0].status is OutboxStatus.SENT


def test_server_down_leaves_messages_pending_with_a_clear_error(app, smtp_server):
    queue_messages(app, 3)
    smtp_server.stop()
    report = send_due(app)
    assert report.sent == 0 and "refused" in report.connection_error
    rows = outbox(app)
    assert {row.status for row in rows} == {OutboxStatus.PENDING}
    assert all("refused" in row.last_error for row in rows)
    assert all(row.lease_until is None for row in rows)


def test_an_outage_longer_than_every_retry_fails_no_message(app, smtp_server):
    [message_id] = queue_messages(app, 1)
    smtp_server.stop()
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"] + 2):
        assert send_due(app).connection_error
    [row] = outbox(app)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)  # the server, not the message
    smtp_server.start()
    assert send_due(app).sent == 1
    assert smtp_server.message_ids == [message_id]


def test_an_outage_puts_messages_off_for_as_long_again_as_they_have_waited(app_factory,
                                                                           smtp_server):
    smtp_server.stop()
    app = app_factory(**(MAIL_CONFIG | {"MAIL_PORT": smtp_server.port,
                                        "MAIL_RETRY_BASE_SECONDS": 60,
                                        "MAIL_RETRY_MAX_SECONDS": 3600}))
    created = utcnow() - timedelta(minutes=20)
    queue_messages(app, 1, created_at=created)
    queue_messages(app, 1, created_at=created - timedelta(days=1))
    started = utcnow()
    send_due(app)
    young, old = (row.next_attempt_at - started for row in outbox(app))
    assert timedelta(minutes=10) <= young <= timedelta(minutes=21)
    assert timedelta(minutes=30) <= old <= timedelta(minutes=61)  # never more than the cap


def test_a_server_that_never_answers_times_out(app_factory):
    silent = SilentServer()
    try:
        app = app_factory(MAIL_PORT=silent.port, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=0.5)
        queue_messages(app, 1)
        report = send_due(app)
    finally:
        silent.close()
    assert report.sent == 0 and "did not answer in time" in report.connection_error
    assert outbox(app)[0].status is OutboxStatus.PENDING


@BOTH_KINDS_OF_SERVER
def test_a_batch_ends_early_rather_than_outlast_its_lease(app_factory, smtp_server):
    # Each answer may take MAIL_TIMEOUT: no message starts later than two of them before the
    # lease ends. Here that moment has passed at once, so each batch carries one message.
    app = app_factory(**(MAIL_CONFIG | {"MAIL_PORT": smtp_server.port, "MAIL_TIMEOUT": 5,
                                        "MAIL_LEASE_SECONDS": 9}))
    message_ids = queue_messages(app, 4)
    assert send_due(app).sent == 4
    assert len(smtp_server.connections) == 4
    assert sorted(smtp_server.message_ids) == sorted(message_ids)


@pytest.mark.parametrize("public_url, name", [
    ("https://corrections.example.org", "corrections.example.org"),
    ("http://127.0.0.1:5000", "[127.0.0.1]"),
    ("http://[::1]:5000", "[IPv6:::1]")])
def test_ehlo_names_the_app_host_or_its_address_literal(app_factory, smtp_server, public_url, name):
    app = app_factory(**(MAIL_CONFIG | {"MAIL_PORT": smtp_server.port, "PUBLIC_URL": public_url}))
    queue_messages(app, 1)
    assert send_due(app).sent == 1
    assert smtp_server.ehlo_names[-1] == name


def test_a_leased_message_waits_for_its_lease_to_expire(app, smtp_server):
    [message_id] = queue_messages(app, 1)
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(lease_until=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    assert send_due(app).sent == 0
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert send_due(app).sent == 1
    assert smtp_server.message_ids == [message_id]


def test_messages_not_yet_due_are_not_sent(app, smtp_server):
    queue_messages(app, 1, next_attempt_at=utcnow() + timedelta(minutes=5))
    assert send_due(app).sent == 0 and smtp_server.received == []


def test_claimed_messages_are_not_claimed_again(app):
    queue_messages(app, 4)
    with app.app_context():
        first, _ = delivery.claim(3, due_by=utcnow())
        second, _ = delivery.claim(3, due_by=utcnow())
    assert len(first) == 3 and len(second) == 1 and not set(first) & set(second)


def test_retry_delays_double_up_to_the_cap_with_jitter():
    rng = random.Random(4)
    for attempts, ceiling in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (12, 3600)]:
        delays = [delivery.retry_delay(attempts, base=60, cap=3600, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered, not all the same


def test_failures_back_off_by_the_configured_delay(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                      MAIL_RETRY_BASE_SECONDS=600, MAIL_RETRY_MAX_SECONDS=600)
    queue_messages(app, 1)
    smtp_server.answer_next(1, "451 later")
    before = utcnow()
    send_due(app)
    [row] = outbox(app)
    assert before + timedelta(seconds=300) <= row.next_attempt_at <= utcnow() + timedelta(seconds=600)


def test_starttls_and_a_password_deliver_to_a_server_with_a_trusted_certificate(app_factory):
    server = SMTPServer(tls=True).start()
    try:
        app = app_factory(MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False, MAIL_USE_TLS=True,
                          MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD,
                          MAIL_TLS_CA_FILE=str(TLS_CERTIFICATE))
        [message_id] = queue_messages(app, 1)
        report = send_due(app)
    finally:
        server.stop()
    assert report.sent == 1 and server.message_ids == [message_id]


def test_a_server_certificate_nobody_vouches_for_is_refused(app_factory):
    server = SMTPServer(tls=True).start()
    try:
        app = app_factory(MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False, MAIL_USE_TLS=True,
                          MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
        queue_messages(app, 1)
        report = send_due(app)
    finally:
        server.stop()
    assert report.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in report.connection_error
    assert server.received == []


def test_a_wrong_smtp_password_is_reported(app_factory):
    server = SMTPServer(tls=True).start()
    try:
        app = app_factory(MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False, MAIL_USE_TLS=True,
                          MAIL_USERNAME=USERNAME, MAIL_PASSWORD="wrong",
                          MAIL_TLS_CA_FILE=str(TLS_CERTIFICATE))
        queue_messages(app, 1)
        report = send_due(app)
    finally:
        server.stop()
    assert report.sent == 0 and report.connection_error.startswith("535")
