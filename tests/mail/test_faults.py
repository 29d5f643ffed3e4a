"""Faults to survive, against a real SMTP server: an outage, killed workers, two workers at once."""
import signal
import time

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, OutboxMessage, OutboxStatus, utcnow
from tests.helpers import SECRET
from tests.mail.conftest import BOTH_KINDS_OF_SERVER, outbox, queue_messages
from tests.mail_fixtures import finish, flask_command


@pytest.fixture
def worker_env(app, smtp_server, tmp_path):
    """Environment for `flask --app corrections mail …` in its own process, on the test database."""
    def env(**settings) -> dict[str, str]:
        values = {
            "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(tmp_path / "worker-instance"), "PUBLIC_URL": "http://corrections.test",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_TIMEOUT": 5,
            "MAIL_RETRY_BASE_SECONDS": 0, "MAIL_POLL_SECONDS": 0.05, "MAIL_BATCH_SIZE": 10,
        } | settings
        return {f"CORRECTIONS_{name}": str(value) for name, value in values.items()}
    return env

# The worker sends differently to a server with PIPELINING: every fault, both ways.
pytestmark = BOTH_KINDS_OF_SERVER


def test_smtp_down_while_100_suggestions_arrive_loses_none_and_sends_none_twice(
        app, site, suggest, runner, smtp_server):
    smtp_server.stop()
    for number in range(100):
        suggest(quote={"exact": f"passage number {number}", "prefix": "", "suffix": ""},
                position=None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest)) == 100
    outage = runner.invoke(args=["mail", "send"])
    assert outage.exit_code == 1 and "refused the connection" in outage.output
    assert {row.status for row in outbox(app)} == {OutboxStatus.PENDING}

    smtp_server.start()
    back = runner.invoke(args=["mail", "send"])
    assert back.exit_code == 0, back.output
    rows = outbox(app)
    assert len(rows) == 100 and {row.status for row in rows} == {OutboxStatus.SENT}
    assert sorted(smtp_server.message_ids) == sorted(row.message_id for row in rows)
    runner.invoke(args=["mail", "send"])
    assert len(smtp_server.received) == 100


def test_sigterm_stops_the_worker_after_the_message_in_hand(app, smtp_server, worker_env):
    queue_messages(app, 20)
    smtp_server.pause_at(3)
    worker = flask_command("mail", "worker", env=worker_env())
    try:
        smtp_server.wait_until_paused()
        worker.send_signal(signal.SIGTERM)
    finally:
        smtp_server.resume()
    output = finish(worker)
    assert worker.returncode == 0, output
    assert "Mail worker: stopped." in output
    rows = outbox(app)
    sent = [row for row in rows if row.status is OutboxStatus.SENT]
    assert len(sent) == 3 and sorted(smtp_server.message_ids) == sorted(r.message_id for r in sent)
    # The rest of its batch is handed back at once, not left to a lease.
    assert all(row.lease_until is None for row in rows if row.status is OutboxStatus.PENDING)


def test_sigkill_mid_batch_loses_nothing_and_repeats_only_the_message_in_flight(
        app, smtp_server, worker_env):
    message_ids = queue_messages(app, 20)
    smtp_server.pause_at(3)
    worker = flask_command("mail", "worker", env=worker_env(MAIL_LEASE_SECONDS=1))
    try:
        smtp_server.wait_until_paused()
        worker.kill()
        finish(worker)
    finally:
        smtp_server.resume()
    in_flight = smtp_server.received[2].message_id
    with app.app_context():
        lease = db.session.scalar(sa.select(sa.func.max(OutboxMessage.lease_until)))
    assert lease is not None  # the killed worker's batch is still leased to it
    while utcnow() <= lease:  # the lease is one second; wait for it to run out
        time.sleep(0.05)

    restart = flask_command("mail", "send", env=worker_env())
    output = finish(restart)
    assert restart.returncode == 0, output
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}
    received = smtp_server.message_ids
    assert set(received) == set(message_ids)
    assert len(received) == 21
    assert [m for m in set(received) if received.count(m) > 1] == [in_flight]


def test_two_workers_never_send_the_same_message(app, smtp_server, worker_env):
    message_ids = queue_messages(app, 200)
    # Hold every message until both workers are sending, so they really run side by side.
    smtp_server.hold_until_connections(2)
    workers = [flask_command("mail", "send", env=worker_env(MAIL_BATCH_SIZE=5)) for _ in range(2)]
    outputs = [finish(worker) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert len(smtp_server.connections) >= 2
    assert sorted(smtp_server.message_ids) == sorted(message_ids)  # each exactly once
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}


def test_an_idle_worker_stops_on_sigterm_without_finishing_its_wait(app, worker_env):
    worker = flask_command("mail", "worker", "--poll", "600", env=worker_env())
    assert "Mail worker: delivering" in worker.stdout.readline()
    worker.send_signal(signal.SIGTERM)
    output = finish(worker)  # well before the 600-second wait would end
    assert worker.returncode == 0 and "Mail worker: stopped." in output
