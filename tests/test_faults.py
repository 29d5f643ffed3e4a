"""Faults answered, nothing lost: a database that cannot be used answers 503 with Retry-After
(never 500), the app serves again when it comes back, and Redis going away falls back to
per-process limits. Each against the real service: a held SQLite lock, a relay in front of
PostgreSQL that the test cuts, killed server connections, a redis-server of the test's own."""
import logging
import shutil
import sqlite3

import flask_migrate
import pytest
import sqlalchemy as sa

from corrections import create_app
from corrections.extensions import db
from corrections.models import Site
from tests.faults import RedisServer, Relay
from tests.helpers import (
    NOTHING,
    ORIGIN,
    PASSWORD,
    SECRET,
    create_scratch_postgresql,
    csrf_token_in,
    row_counts,
    suggestion_body,
)


def make_app(url: str, **settings):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                       "INTAKE_RATE_LIMIT": "1000 per minute", "RATELIMIT_STORAGE_URI": "memory://",
                       **settings})


def add_site(app) -> None:
    with app.app_context():
        db.session.add(Site(key="news", name="News", origins=[ORIGIN], notify_emails=["d@x.example"]))
        db.session.commit()


def post_api(client):
    return client.post("/api/v1/suggestions", json=suggestion_body(), headers={"Origin": ORIGIN})


FORM = {"site": "news", "url": f"{ORIGIN}/2026/11/city-library-reopens", "kind": "factual",
        "quote": "more then two hundred", "suggestion": "more than two hundred",
        "comment": "Counted them myself <b>twice</b>", "name": "A. Reader",
        "email": "reader@example.net"}


def post_form(client, token: str):
    return client.post("/suggest", data={**FORM, "csrf_token": token})


def form_token(client) -> str:
    return csrf_token_in(client.get("/suggest?site=news").data)


def assert_unavailable_json(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "unavailable"
    assert "try again" in response.json["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0


def assert_form_kept_the_typing(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "kept what you typed" in page
    for value in ("more then two hundred", "more than two hundred", "A. Reader",
                  "reader@example.net", f"{ORIGIN}/2026/11/city-library-reopens"):
        assert value in page
    assert "Counted them myself &lt;b&gt;twice&lt;/b&gt;" in page  # kept, and still escaped
    assert 'value="news" selected' in page or 'selected value="news"' in page


# --- SQLite held busy past its timeout ----------------------------------------------------------

@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path / "instance"))
    path = tmp_path / "busy.sqlite3"
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT=0.2)
    with app.app_context():
        flask_migrate.upgrade()
    add_site(app)
    app.database_path = path
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def write_lock(sqlite_app):
    """Another connection holds SQLite's write lock (as a long write would) until released."""
    holder = sqlite3.connect(sqlite_app.database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.close()


def test_sqlite_busy_past_its_timeout_answers_503_in_the_api_shape(sqlite_app, write_lock):
    response = post_api(sqlite_app.test_client())
    assert_unavailable_json(response)
    write_lock.rollback()
    assert row_counts(sqlite_app) == NOTHING
    assert post_api(sqlite_app.test_client()).status_code == 201  # the retry is stored


def test_sqlite_busy_form_answers_503_and_keeps_everything_the_reader_typed(sqlite_app, write_lock):
    client = sqlite_app.test_client()
    token = form_token(client)  # reading works while another connection writes (WAL)
    response = post_form(client, token)
    assert_form_kept_the_typing(response)
    write_lock.rollback()
    assert row_counts(sqlite_app) == NOTHING
    assert post_form(client, csrf_token_in(response.data)).status_code == 303


def test_sqlite_busy_timeout_is_the_setting(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 200


# --- PostgreSQL unreachable, and back -----------------------------------------------------------

@pytest.fixture
def postgresql():
    """A scratch PostgreSQL database, migrated, reached through a relay the test can cut."""
    try:
        url, drop = create_scratch_postgresql("corrections_fault")
    except sa.exc.OperationalError as error:
        from tests.helpers import unavailable
        unavailable("postgresql", str(error.orig).splitlines()[0])
    direct = make_app(url)
    with direct.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    add_site(direct)
    parts = sa.engine.make_url(url)
    relay = Relay(parts.port or 5432, parts.host)
    relayed = parts.set(port=relay.port).render_as_string(hide_password=False)
    yield relayed, parts.database, relay
    relay.close()
    drop()


@pytest.fixture
def pg_app(postgresql, tmp_path, monkeypatch):
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path / "instance"))
    url, _, _ = postgresql
    app = make_app(url, DATABASE_CONNECT_TIMEOUT=2)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_postgresql_unreachable_answers_503_then_serves_again_without_a_restart(postgresql, pg_app):
    _, _, relay = postgresql
    client = pg_app.test_client()
    token = form_token(client)
    assert post_api(client).status_code == 201

    relay.cut()
    refused = post_api(client)
    assert_unavailable_json(refused)
    # The widget on the article's page may read the answer and its Retry-After.
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    page = client.get("/suggest?site=news")
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert_form_kept_the_typing(post_form(client, token))
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unreachable"
    assert client.get("/corrections/news").status_code == 503

    relay.restore()
    assert client.get("/suggest?site=news").status_code == 200
    assert post_api(client).status_code == 201
    assert client.get("/healthz").status_code == 200
    assert row_counts(pg_app)["submission"] == 2


def test_app_serves_on_after_postgresql_drops_its_connections(postgresql, pg_app):
    """What a PostgreSQL restart does to the pool: every pooled connection is dead. Pre-ping
    notices and reconnects, so even the first request afterwards succeeds."""
    _, name, _ = postgresql
    client = pg_app.test_client()
    assert post_api(client).status_code == 201
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar()
    admin.dispose()
    assert killed >= 1
    assert post_api(client).status_code == 201
    assert client.get("/suggest?site=news").status_code == 200


# --- Redis unreachable ------------------------------------------------------------------------

@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        from tests.helpers import unavailable
        unavailable("redis", "redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_limited_app(app_factory, make_site, redis_server):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_server.url, INTAKE_RATE_LIMIT="2 per minute")
    make_site()
    yield app
    # The limiter is one object per process (as in production); the next test's app must not
    # inherit "storage dead" from this one.
    from corrections.extensions import limiter
    limiter._storage_dead = False


def send(client, ip="198.51.100.9"):
    return client.post("/api/v1/suggestions", json=suggestion_body(), headers={"Origin": ORIGIN},
                       environ_base={"REMOTE_ADDR": ip})


def test_redis_unreachable_falls_back_to_limits_in_memory_with_a_warning(
        redis_limited_app, redis_server, caplog):
    client = redis_limited_app.test_client()
    assert send(client).status_code == 201  # counted in Redis
    redis_server.stop()
    with caplog.at_level(logging.WARNING):
        statuses = [send(client).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]  # the same limit, now counted in this process
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)


def test_sign_in_works_while_redis_is_unreachable(redis_limited_app, redis_server, make_editor):
    make_editor()
    redis_server.stop()
    from tests.helpers import sign_in
    client = redis_limited_app.test_client()
    wrong = sign_in(client, password="not the password at all")
    assert wrong.status_code == 200 and "not right" in wrong.get_data(as_text=True)
    assert sign_in(client, password=PASSWORD).status_code == 303
