"""Small helpers shared by tests and benchmarks."""
import os
import re
import secrets
import uuid

import pytest
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


_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*?value="([^"]+)"')


def csrf_token_in(html: bytes | str) -> str:
    """The CSRF token of the (first) form in a page: the one scraper every test uses."""
    text = html.decode() if isinstance(html, bytes) else html
    match = _TOKEN.search(text)
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


# --- moved from conftest: plain helpers, imported by tests and fixtures alike ------------

REDIS_URL = os.environ.get("CORRECTIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


REQUIRED = {s.strip() for s in os.environ.get("CORRECTIONS_TEST_REQUIRE", "").split(",") if s.strip()}


SECRET = secrets.token_hex(32)


def unavailable(service: str, reason: str):
    """Skip, or fail when the service was declared mandatory."""
    if service in REQUIRED:
        pytest.fail(f"{service} is required here (CORRECTIONS_TEST_REQUIRE) but {reason}",
                    pytrace=False)
    pytest.skip(f"{service} is not reachable ({reason}); "
                f"set CORRECTIONS_TEST_REQUIRE={service} to make this a failure")


ORIGIN = "https://news.example.org"


def suggestion_body(**overrides) -> dict:
    """A valid intake request, as the README shows it; keyword arguments replace fields."""
    body = {
        "site": "news",
        "url": f"{ORIGIN}/2026/11/city-library-reopens",
        "title": "City library reopens",
        "quote": {"exact": "more then two hundred", "prefix": "Monday morning, and ",
                  "suffix": " readers were waiting"},
        "position": {"start": 120, "end": 141},
        "kind": "typo",
        "suggestion": "more than two hundred",
        "comment": "“then” should be “than”.",
        "name": "A. Reader",
        "email": "reader@example.net",
        "notify": True,
        "website": "",
    }
    body.update(overrides)
    return body


PASSWORD = "correct horse battery staple"


def csrf_token(client, path: str = "/login") -> str:
    """A CSRF token for this client's session, read from a page's form."""
    page = client.get(path)
    assert page.status_code < 400, f"no page at {path} ({page.status_code})"
    return csrf_token_in(page.get_data(as_text=True))


def sign_in(client, email="editor@news.example.org", password=PASSWORD, next_path=None):
    """Sign in through the real form; returns the response (303 on success)."""
    token = csrf_token(client, "/login")
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


def passage(n: int, **overrides) -> dict:
    """Intake fields for the n-th distinct passage of the article (never grouped with another)."""
    fields = {"quote": {"exact": f"passage number {n}", "prefix": "", "suffix": ""},
              "position": {"start": n * 1000, "end": n * 1000 + 17},
              "suggestion": f"corrected passage {n}"}
    fields.update(overrides)
    return fields


def get_request(app, request_id: int) -> CorrectionRequest:
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        db.session.expunge(item)
        return item


def events_of(app, request_id: int) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        return [(e.action, e.from_state and e.from_state.value, e.to_state.value)
                for e in db.session.scalars(sa.select(Event).where(Event.request_id == request_id)
                                            .order_by(Event.id))]


def act(client, request_id: int, action: str, version: int | None = None, **fields):
    """POST an action from the request's page, with its CSRF token and the version shown."""
    page = client.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    token = _TOKEN.search(page).group(1)
    if version is None:
        found = re.search(r'name="[\w-]*version" type="hidden" value="(\d+)"', page)
        version = int(found.group(1)) if found else 1
    data = {f"{action}-csrf_token": token, f"{action}-version": str(version)}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/dashboard/requests/{request_id}/{action}", data=data)
