"""Small helpers shared by tests and benchmarks."""
import os
import re
import uuid

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import (
    Article,
    CorrectionRequest,
    Event,
    OutboxMessage,
    Submission,
)
from corrections.notifications import events


def row_counts(app) -> dict[str, int]:
    """How many rows the intake's tables hold: proof that a refused request changed nothing."""
    with app.app_context():
        return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Article, CorrectionRequest, Submission, Event, OutboxMessage)}


NOTHING = {"article": 0, "correction_request": 0, "submission": 0, "event": 0, "outbox_message": 0}


def csrf_token_in(html: bytes | str) -> str:
    """The CSRF token of the form in a page."""
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def publish(app, request_id: int, note: str, publication_type="correction") -> None:
    """Take a request through accept and publish with the real transition function."""
    from corrections.models import PublicationType
    from corrections.workflow.transitions import Action, Details, transition
    with app.app_context():
        request = db.session.get(CorrectionRequest, request_id)
        transition(request, Action.ACCEPT, editor=None, version=request.version)
        transition(request, Action.PUBLISH, editor=None, version=request.version,
                   details=Details(public_note=note,
                                   publication_type=PublicationType(publication_type)))


def confirm_addresses(app) -> list[str]:
    """Follow every confirmation link in the outbox as its reader would: open the page, press
    the button. Returns the addresses, in order."""
    with app.app_context():
        events.write_due_emails()  # the mail worker's step that writes them
        rows = db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.body_text)
                                  .where(OutboxMessage.kind == "reader_confirm")
                                  .order_by(OutboxMessage.id)).all()
    for _, body in rows:
        path = re.search(r"https?://[^/\s]+(/mail/confirm/\S+)", body).group(1)
        client = app.test_client()
        page = client.get(path)
        assert page.status_code == 200, page.get_data(as_text=True)
        done = client.post(path, data={"csrf_token": csrf_token_in(page.data)})
        assert done.status_code == 200, done.get_data(as_text=True)
    return [recipient for recipient, _ in rows]


def request_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(CorrectionRequest.id).order_by(CorrectionRequest.id)))


PG_ADMIN_URL = os.environ.get("CORRECTIONS_TEST_POSTGRESQL_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def create_scratch_postgresql(prefix: str):
    """Make a new, empty PostgreSQL database; return its URL and a function that drops it.

    Raises sqlalchemy.exc.OperationalError when the server cannot be reached.
    """
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        raise

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False), drop
