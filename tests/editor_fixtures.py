"""Fixtures for the editors' side: accounts, signing in through the real form, queue items.

Test modules import what they use: `from tests.editor_fixtures import *  # noqa: F403`.
"""
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from corrections.extensions import db
from corrections.models import CorrectionRequest, Editor, Event, Role, Submission
from corrections.urls import origin_of
from tests.conftest import suggestion_body

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*?value="([^"]+)"')

__all__ = ["PASSWORD", "csrf_token", "make_editor", "editor", "admin", "sign_in", "editor_client",
           "admin_client", "passage", "report", "get_request", "events_of", "act"]


def csrf_token(client, path: str = "/login") -> str:
    """A CSRF token for this client's session, read from a page's form."""
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


@pytest.fixture
def make_editor(app):
    """Factory: an editor account, committed; returns its id."""
    def make(email="editor@news.example.org", password=PASSWORD, role=Role.EDITOR,
             active=True) -> int:
        with app.app_context():
            account = Editor(email=email, password_hash=generate_password_hash(password),
                             role=role, active=active)
            db.session.add(account)
            db.session.commit()
            return account.id
    return make


@pytest.fixture
def editor(make_editor):
    return make_editor()


@pytest.fixture
def admin(make_editor):
    return make_editor(email="admin@news.example.org", role=Role.ADMIN)


def sign_in(client, email="editor@news.example.org", password=PASSWORD, next_path=None):
    """Sign in through the real form; returns the response (303 on success)."""
    token = csrf_token(client, "/login")
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def editor_client(app, editor):
    client = app.test_client()
    assert sign_in(client).status_code == 303
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert sign_in(client, "admin@news.example.org").status_code == 303
    return client


def passage(n: int, **overrides) -> dict:
    """Intake fields for the n-th distinct passage of the article (never grouped with another)."""
    fields = {"quote": {"exact": f"passage number {n}", "prefix": "", "suffix": ""},
              "position": {"start": n * 1000, "end": n * 1000 + 17},
              "suggestion": f"corrected passage {n}"}
    fields.update(overrides)
    return fields


@pytest.fixture
def report(app, site):
    """Factory: a reader's report through the real JSON intake; returns its request's id."""
    client = app.test_client()

    def send(ip: str = "192.0.2.1", **overrides) -> int:
        body = suggestion_body(**overrides)
        response = client.post("/api/v1/suggestions", json=body,
                               headers={"Origin": origin_of(body["url"])},
                               environ_base={"REMOTE_ADDR": ip})
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            return db.session.get(Submission, response.get_json()["id"]).request_id
    return send


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
