"""Mail tests: the app sends to a real SMTP server on 127.0.0.1 that the test controls."""
import uuid

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import OutboxMessage
from corrections.notifications import events
from tests.mail_fixtures import SMTPServer


@pytest.fixture
def smtp_server(request):
    """The SMTP server; parametrize it indirectly with True for one that offers PIPELINING."""
    server = SMTPServer(pipelining=getattr(request, "param", False)).start()
    yield server
    server.stop()


#: For `pytestmark`: run a module's tests against a server without and with PIPELINING,
#: since the worker sends differently to each.
BOTH_KINDS_OF_SERVER = pytest.mark.parametrize(
    "smtp_server", [False, True], ids=["one-by-one", "pipelining"], indirect=True)


MAIL_CONFIG = {
    "MAIL_SUPPRESS_SEND": False,   # TESTING would otherwise make Flask-Mail send nothing
    "MAIL_TIMEOUT": 5,
    "MAIL_MAX_ATTEMPTS": 3,
    "MAIL_RETRY_BASE_SECONDS": 0,  # retries are due at once, so tests need not wait
    "MAIL_RETRY_MAX_SECONDS": 0,
    "MAIL_BATCH_SIZE": 10,
}


@pytest.fixture
def app(app_factory, smtp_server):
    """The app, sending to `smtp_server`."""
    return app_factory(MAIL_PORT=smtp_server.port, **MAIL_CONFIG)


def queue_messages(app, count: int, **fields) -> list[str]:
    """Put `count` plain messages in the outbox; return their Message-IDs."""
    with app.app_context():
        ids = [f"<{uuid.uuid4().hex}@corrections.test>" for _ in range(count)]
        db.session.add_all(OutboxMessage(**({
            "kind": "test", "recipient": f"r{n}@example.net", "subject": f"Message {n}",
            "body_text": f"Body {n}", "body_html": f"<p>Body {n}</p>", "message_id": message_id,
        } | fields)) for n, message_id in enumerate(ids))
        db.session.commit()
        return ids


def worker_writes_due_emails(app) -> int:
    """The mail worker's first step: turn due intake events into outbox messages."""
    with app.app_context():
        return events.write_due_emails()


def outbox(app) -> list[OutboxMessage]:
    """The outbox as the mail worker leaves it once it has written the due events' emails."""
    worker_writes_due_emails(app)
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def part(email, subtype: str) -> str:
    """The text/<subtype> part of a received email, decoded."""
    for piece in email.walk():
        if piece.get_content_type() == f"text/{subtype}":
            return piece.get_content().replace("\r\n", "\n")
    raise AssertionError(f"no text/{subtype} part")


@pytest.fixture
def suggest(client):
    """Post a suggestion to the JSON intake for whatever site the test made (key 'news'), and
    let the mail worker write the emails it calls for.
    The reader does not ask for the outcome unless `notify=True` is given: editors' mail is
    what most tests here look at, and a reader who asks gets an email of their own."""
    from tests.helpers import ORIGIN, suggestion_body

    def post(**overrides):
        overrides.setdefault("notify", False)
        response = client.post("/api/v1/suggestions", json=suggestion_body(**overrides),
                               headers={"Origin": ORIGIN})
        assert response.status_code == 201, response.json
        worker_writes_due_emails(client.application)
        return response
    return post
