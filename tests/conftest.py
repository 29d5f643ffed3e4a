"""Fixtures: every test that uses `app` runs once on SQLite and once on PostgreSQL.

PostgreSQL, Redis, Chromium and nginx are skipped with a reason when unreachable, unless named
in CORRECTIONS_TEST_REQUIRE (comma-separated: postgresql,redis,chromium,nginx), as .ci/run does.
"""
import functools
import os

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from corrections import create_app
from corrections.extensions import db
from corrections.models import Editor, Role, Site, Submission
from corrections.notifications import events
from corrections.urls import origin_of
from tests.helpers import (
    ORIGIN,
    PASSWORD,
    REDIS_URL,
    SECRET,
    create_scratch_postgresql,
    sign_in,
    suggestion_body,
    unavailable,
)

# Made afresh for each test session: a key shipped in the repository would be public.


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite,postgresql",
                     help="comma-separated database backends to run the suite on")
    parser.addoption("--database-tests-only", action="store_true",
                     help="leave out the tests that use no database (another run has them)")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("db").split(",")
        metafunc.parametrize("backend", backends, scope="session")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("database_tests_only"):
        return
    without = [item for item in items if "backend" not in getattr(item, "fixturenames", ())]
    if without:
        config.hook.pytest_deselected(items=without)
        items[:] = [item for item in items if "backend" in getattr(item, "fixturenames", ())]


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """A migrated database for the whole session: a file for SQLite, a new database for PostgreSQL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
        _migrate(url)
        yield url
        return
    try:
        url, drop = create_scratch_postgresql("corrections_test")
    except sa.exc.OperationalError as error:
        unavailable("postgresql", str(error.orig).splitlines()[0])
    try:
        _migrate(url)
        yield url
    finally:
        drop()


def _clear_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CORRECTIONS_") and not name.startswith("CORRECTIONS_TEST_"):
            monkeypatch.delenv(name)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):  # the command line's language
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app_factory(database_url, tmp_path, monkeypatch):
    """Make apps on the session's database; tables are emptied after the test."""
    _clear_environment(monkeypatch)
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def make(**overrides):
        config = {
            "TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_URL": "http://corrections.test", "INTAKE_RATE_LIMIT": "1000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1,
            # Tests send at machine speed; the limits and guards have tests of their own.
            "INTAKE_SITE_RATE_LIMIT": "1000 per minute", "NOTIFY_RATE_LIMIT": "1000 per hour",
            "FORM_MIN_SECONDS": 0, "API_MIN_ELAPSED_MS": 0,
        }
        config.update(overrides)
        made = create_app(config)
        apps.append(made)
        return made

    yield make
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def redis_url():
    """The tests' own Redis database, emptied before and after the test."""
    try:
        import redis
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.flushdb()
    except Exception as error:  # noqa: BLE001 - any failure means Redis is not usable here
        unavailable("redis", str(error))
    yield REDIS_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def make_site(app):
    """Factory: a site, committed. Defaults: key 'news' on https://news.example.org."""
    def make(key="news", name="The Example News", origins=(ORIGIN,),
             notify=("desk@news.example.org",), **fields) -> Site:
        with app.app_context():
            site = Site(key=key, name=name, origins=list(origins), notify_emails=list(notify),
                        **fields)
            db.session.add(site)
            db.session.commit()
            db.session.refresh(site)
            db.session.expunge(site)
            return site
    return make


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def post_suggestion(client, site):
    """Post to the JSON intake from the site's own origin."""
    def post(body=None, origin=ORIGIN, **overrides):
        headers = {"Origin": origin} if origin else {}
        return client.post("/api/v1/suggestions", json=body or suggestion_body(**overrides),
                           headers=headers)
    return post


# --- the editors' side: accounts, signing in through the real form, queue items ----------


@pytest.fixture
def make_editor(app):
    """Factory: an editor account, committed; returns its id."""
    def make(email="editor@news.example.org", password=PASSWORD, role=Role.EDITOR,
             active=True, language="en", time_zone="UTC") -> int:
        with app.app_context():
            account = Editor(email=email, password_hash=generate_password_hash(password),
                             role=role, active=active, language=language, time_zone=time_zone)
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


@pytest.fixture
def report(app, site):
    """Factory: a reader's report through the real JSON intake, then the mail worker's step
    that writes the emails it calls for; returns its request's id."""
    client = app.test_client()

    def send(ip: str = "192.0.2.1", **overrides) -> int:
        body = suggestion_body(**overrides)
        response = client.post("/api/v1/suggestions", json=body,
                               headers={"Origin": origin_of(body["url"])},
                               environ_base={"REMOTE_ADDR": ip})
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            events.write_due_emails()
            return db.session.get(Submission, response.get_json()["id"]).request_id
    return send


# --- every /api/v1 answer the tests produce is checked against the OpenAPI document -------------

_API_ANSWERS_OFF_THE_DOCUMENT: list[str] = []


def _check_api_answer(sender, response, **extra):
    """Flask's request_finished: an /api/v1 answer that the OpenAPI document does not describe
    is remembered (an assertion here would turn into the app's own 500) and fails the test."""
    from flask import request
    if not request.path.startswith("/api/v1/"):
        return
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
    try:
        _openapi().validate_response(_AnswerOnly(request), WerkzeugOpenAPIResponse(response))
    except PathNotFound:
        return  # no such address: the document describes the API, not every 404
    except OperationNotFound:
        if response.status_code != 405:
            raise
    except Exception as error:  # noqa: BLE001 - every kind of mismatch is reported the same way
        causes = getattr(error, "__cause__", None)
        details = getattr(causes, "schema_errors", None) or [causes or error]
        _API_ANSWERS_OFF_THE_DOCUMENT.append(
            f"{request.method} {request.full_path} → {response.status}: {error} "
            f"{'; '.join(str(d)[:300] for d in details)}")


@functools.cache
def _openapi():
    import json

    from openapi_core import Config, OpenAPI

    from corrections.public.openapi import document
    return OpenAPI.from_dict(document("http://corrections.test"), config=Config(
        extra_media_type_deserializers={"application/ld+json": json.loads}))


def _AnswerOnly(request):
    """The request as openapi-core sees it, without its body: only the answer is checked (the
    tests send bad requests on purpose), and a body too large to read is no test failure."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

    class AnswerOnly(WerkzeugOpenAPIRequest):
        @property
        def body(self):
            return None
    return AnswerOnly(request)


@pytest.fixture(autouse=True)
def api_answers_match_the_openapi_document():
    from flask import request_finished
    _API_ANSWERS_OFF_THE_DOCUMENT.clear()
    request_finished.connect(_check_api_answer)
    yield
    request_finished.disconnect(_check_api_answer)
    found = list(_API_ANSWERS_OFF_THE_DOCUMENT)
    assert not found, "API answers the OpenAPI document does not describe:\n" + "\n".join(found)
