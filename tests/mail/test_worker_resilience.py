"""The worker outlives any error: it logs it with its traceback, backs off, and delivers on."""
import logging
import threading

import sqlalchemy as sa

from corrections.extensions import db
from corrections.mail import worker
from corrections.notifications import digests
from corrections.operations.models import ProcessStatus
from tests.mail.conftest import queue_messages
from tests.mail_fixtures import PATIENCE


def run_worker(app, stop, said):
    with app.app_context():
        worker.run(stop, poll_seconds=0.01, say=said.append)


def test_worker_logs_an_unexpected_error_backs_off_and_keeps_delivering(
        app, smtp_server, monkeypatch, caplog):
    real = digests.send_due_digests
    calls = {"n": 0}

    def failing_twice():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise KeyError("a template variable nobody expected")
        return real()

    monkeypatch.setattr(digests, "send_due_digests", failing_twice)
    [message_id] = queue_messages(app, 1)
    stop, said = threading.Event(), []
    thread = threading.Thread(target=run_worker, args=(app, stop, said), daemon=True)
    with caplog.at_level(logging.ERROR, logger="corrections"):
        thread.start()
        try:
            smtp_server.wait_for(1)
        finally:
            stop.set()
            thread.join(PATIENCE)
    assert not thread.is_alive()
    assert smtp_server.message_ids == [message_id]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(errors) == 2 and errors[0].exc_info[0] is KeyError
    # One line for the problem, with the wait doubling while it lasts, then recovery.
    assert said[0] == ("Mail worker: KeyError: 'a template variable nobody expected'; "
                       "retrying in 0.01 s (longer while it lasts).")
    assert "Mail worker: working again." in said


def test_worker_writes_its_heartbeat_on_every_poll(app, smtp_server):
    stop, said = threading.Event(), []
    thread = threading.Thread(target=run_worker, args=(app, stop, said), daemon=True)
    thread.start()
    seen = []
    try:
        with app.app_context():
            for _ in range(PATIENCE * 20):
                value = db.session.scalar(sa.select(ProcessStatus.seen_at)
                                          .where(ProcessStatus.role == "mail-worker"))
                db.session.rollback()
                if value is not None and value not in seen:
                    seen.append(value)
                if len(seen) >= 3:
                    break
                stop.wait(0.05)
    finally:
        stop.set()
        thread.join(PATIENCE)
    assert len(seen) >= 3 and seen == sorted(seen)
