"""Events into emails under faults: a worker killed between taking an event and sending its
messages loses none and duplicates none (real worker process, real SMTP)."""
import collections
import time

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Event, OutboxMessage
from tests.helpers import ORIGIN, SECRET, suggestion_body
from tests.mail_fixtures import PATIENCE, SilentServer, finish, flask_command

EDITOR, DESK, READER = "editor@news.example.org", "desk@news.example.org", "reader@example.net"


def worker_env(app, tmp_path, smtp_port, **settings) -> dict[str, str]:
    values = {
        "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "worker-instance"), "PUBLIC_URL": "http://corrections.test",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT": 30,
        "MAIL_RETRY_BASE_SECONDS": 0, "MAIL_POLL_SECONDS": 0.05, "MAIL_BATCH_SIZE": 10,
        "NOTIFY_RATE_LIMIT": "1000 per hour",  # the cap is tested elsewhere (test_digests)
    } | settings
    return {f"CORRECTIONS_{name}": str(value) for name, value in values.items()}


def post_reports(app, count: int) -> None:
    client = app.test_client()
    for number in range(count):
        response = client.post("/api/v1/suggestions", headers={"Origin": ORIGIN}, json=suggestion_body(
            notify=True, email=READER, position=None,
            quote={"exact": f"passage number {number}", "prefix": "", "suffix": ""}))
        assert response.status_code == 201, response.json


def wait_until_every_event_is_written(app) -> None:
    deadline = time.monotonic() + PATIENCE
    with app.app_context():
        while db.session.scalar(sa.select(sa.func.count()).where(Event.mail_due.is_(True))):
            db.session.rollback()
            assert time.monotonic() < deadline, "the worker never wrote the events' emails"
            time.sleep(0.05)


def test_sigkill_between_writing_an_events_emails_and_sending_them_loses_none_and_repeats_none(
        app, make_site, make_editor, smtp_server, tmp_path):
    make_editor(EDITOR)
    make_site(notify=(EDITOR, DESK))
    post_reports(app, 5)
    hanging = SilentServer()  # the worker takes the events, then waits for SMTP's greeting
    worker = flask_command("mail", "worker", env=worker_env(app, tmp_path, hanging.port,
                                                             MAIL_LEASE_SECONDS=1))
    try:
        wait_until_every_event_is_written(app)
        worker.kill()
        finish(worker)
    finally:
        hanging.close()
    time.sleep(1.1)  # the killed worker's lease on what it claimed runs out

    restart = flask_command("mail", "send", env=worker_env(app, tmp_path, smtp_server.port))
    output = finish(restart)
    assert restart.returncode == 0, output
    copies = collections.Counter(m.message_id for m in smtp_server.received)
    assert set(copies.values()) == {1}  # none sent twice
    recipients = collections.Counter(m.recipients[0] for m in smtp_server.received)
    assert recipients == {EDITOR: 5, DESK: 5, READER: 1}  # none lost
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 11


def test_two_workers_write_each_events_emails_once(app, make_site, make_editor, smtp_server,
                                                   tmp_path):
    make_editor(EDITOR)
    make_site(notify=(EDITOR, DESK))
    post_reports(app, 40)
    workers = [flask_command("mail", "send", env=worker_env(app, tmp_path, smtp_server.port))
               for _ in range(2)]
    outputs = [finish(worker) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    recipients = collections.Counter(m.recipients[0] for m in smtp_server.received)
    assert recipients == {EDITOR: 40, DESK: 40, READER: 1}
