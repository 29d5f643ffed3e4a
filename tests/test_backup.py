"""Moving house: `export` writes every table as JSON lines; `import` reads it into an empty
database of either kind. SQLite -> PostgreSQL -> SQLite, compared row by row."""
import json

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from corrections import create_app
from corrections.extensions import db
from corrections.models import (
    CorrectionRequest,
    Editor,
    OutboxMessage,
    QueueCount,
    Role,
    Site,
)
from corrections.notifications import events
from corrections.notifications.models import MailUnsubscribe, UsedActionToken
from corrections.operations import backup
from corrections.operations.status import record_mail_worker
from corrections.workflow.transitions import Action, Details, transition
from tests.helpers import (
    SECRET,
    create_scratch_postgresql,
    passage,
    publish,
    suggestion_body,
)


def make_app(url: str, tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                       "RATELIMIT_ENABLED": False, "PUBLIC_URL": "http://corrections.test"})


def migrated(url: str, tmp_path):
    app = make_app(url, tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def sqlite_url(tmp_path, instance):
    def make(name: str) -> str:
        return f"sqlite:///{tmp_path / name}"
    return make


@pytest.fixture
def postgresql_url(instance):
    try:
        url, drop = create_scratch_postgresql("corrections_backup")
    except sa.exc.OperationalError as error:
        from tests.helpers import unavailable
        unavailable("postgresql", str(error.orig).splitlines()[0])
    yield url
    drop()


def fill(app) -> None:
    """A desk that has been used: every table with rows, through the app's own services."""
    with app.app_context():
        db.session.add_all([
            Site(key="news", name="The News", origins=["https://news.example.org"],
                 notify_emails=["desk@news.example.org"]),
            Site(key="daily", name="Daily “Ünïcode”", origins=["https://daily.example.org"],
                 notify_emails=["ed@daily.example.org"], language="uk", notify_mode="hourly"),
            Editor(email="admin@example.org", role=Role.ADMIN,
                   password_hash=generate_password_hash("an old long password")),
            Editor(email="ed@example.org", password_hash=generate_password_hash("x" * 12)),
        ])
        db.session.commit()
    client = app.test_client()
    for n, ip in ((1, "192.0.2.1"), (1, "192.0.2.2"), (2, "192.0.2.3"), (3, "192.0.2.4"),
                  (4, "192.0.2.5")):
        body = suggestion_body(**passage(n), comment=f"line one\nline two <b>{n}</b>\u2028end")
        response = client.post("/api/v1/suggestions", json=body,
                               headers={"Origin": "https://news.example.org"},
                               environ_base={"REMOTE_ADDR": ip})
        assert response.status_code == 201, response.json
    with app.app_context():
        ids = list(db.session.scalars(sa.select(CorrectionRequest.id).order_by(CorrectionRequest.id)))
        admin = db.session.scalar(sa.select(Editor).where(Editor.role == Role.ADMIN))
        # An earlier request marked a duplicate of a later one: a reference forward in its table.
        first = db.session.get(CorrectionRequest, ids[0])
        transition(first, Action.DUPLICATE, editor=admin, version=first.version,
                   details=Details(duplicate_of_id=ids[2]))
        admin_id = admin.id
    publish(app, ids[1], "We corrected the number.")
    with app.app_context():
        events.write_due_emails()  # the mail worker writes the reports' emails
        messages = list(db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)))
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == messages[0])
                           .values(status="sent"))
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == messages[1])
                           .values(status="failed", last_error="550 no such user", attempts=12))
        db.session.add(UsedActionToken(nonce="n" * 32, request_id=ids[1], editor_id=admin_id,
                                       action="accept"))
        db.session.add(MailUnsubscribe(site_id=1, email="reader@example.net"))
        db.session.commit()
        record_mail_worker()  # runtime state, left out


def tables(app) -> dict[str, list[dict]]:
    """Every exported table's exported rows, as the export sees them."""
    with app.app_context(), db.engine.connect() as connection:
        return {table.name: list(backup.rows_of(connection, table)) for table in backup._tables()}


def queue_counts(app) -> list[tuple]:
    with app.app_context():
        return sorted((c.site_id, c.state.value, c.request_count)
                      for c in db.session.scalars(sa.select(QueueCount)) if c.request_count)



def export_to(app, path):
    result = app.test_cli_runner().invoke(args=["export"])
    assert result.exit_code == 0, result.output
    path.write_text(result.stdout)
    return path


def import_from(app, path):
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    return result


def test_round_trip_sqlite_to_postgresql_to_sqlite_keeps_every_row(sqlite_url, postgresql_url, tmp_path):
    source = migrated(sqlite_url("source.sqlite3"), tmp_path)
    fill(source)
    original = tables(source)
    assert all(original[name] for name in ("site", "article", "correction_request", "submission",
                                           "event", "editor", "outbox_message",
                                           "used_action_token", "mail_unsubscribe"))

    postgres = migrated(postgresql_url, tmp_path)
    imported = import_from(postgres, export_to(source, tmp_path / "desk.jsonl"))
    assert "2 editor accounts have no password here yet" in imported.output
    assert tables(postgres) == original
    assert queue_counts(postgres) == queue_counts(source)

    back = migrated(sqlite_url("back.sqlite3"), tmp_path)
    import_from(back, export_to(postgres, tmp_path / "again.jsonl"))
    assert tables(back) == tables(postgres) == original
    assert queue_counts(back) == queue_counts(source)
    with back.app_context():  # the text search index was rebuilt as rows arrived
        found = db.session.execute(sa.text(
            "SELECT count(*) FROM request_search WHERE request_search MATCH '\"passage number 2\"'"))
        assert found.scalar() == 1

    # PostgreSQL's sequences continue after the imported ids: new rows go in.
    response = postgres.test_client().post(
        "/api/v1/suggestions", json=suggestion_body(**passage(9)),
        headers={"Origin": "https://news.example.org"})
    assert response.status_code == 201, response.json
    with postgres.app_context():
        db.session.add(Site(key="third", name="Third", origins=["https://third.example"]))
        db.session.commit()


def test_export_leaves_out_password_hashes_and_delivered_mail_and_says_so(sqlite_url, tmp_path):
    app = migrated(sqlite_url("desk.sqlite3"), tmp_path)
    fill(app)
    lines = export_to(app, tmp_path / "desk.jsonl").read_text().splitlines()
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == "corrections-export" and header["schema"] == "0011"
    assert {"editor.password_hash", "outbox_message rows", "queue_count",
            "process_status"} <= set(header["left_out"])
    assert "scrypt" not in "\n".join(lines) and "password_hash" not in "\n".join(lines[1:])
    rows = [json.loads(line) for line in lines[1:-1]]
    assert not any(r["table"] == "outbox_message" and r["row"]["status"] == "sent" for r in rows)
    assert not any(r["table"] in ("process_status", "queue_count") for r in rows)
    assert sum(trailer["end"]["rows"].values()) == len(rows)


def test_imported_editors_cannot_sign_in_with_their_old_password(sqlite_url, tmp_path):
    source = migrated(sqlite_url("a.sqlite3"), tmp_path)
    fill(source)
    target = migrated(sqlite_url("b.sqlite3"), tmp_path)
    import_from(target, export_to(source, tmp_path / "desk.jsonl"))
    with target.app_context():
        hashes = {e.email: e.password_hash for e in db.session.scalars(sa.select(Editor))}
    from werkzeug.security import check_password_hash
    assert not check_password_hash(hashes["admin@example.org"], "an old long password")


def test_import_refuses_a_database_that_is_not_empty_in_one_line(sqlite_url, tmp_path):
    source = migrated(sqlite_url("a.sqlite3"), tmp_path)
    fill(source)
    path = export_to(source, tmp_path / "desk.jsonl")
    before = tables(source)
    result = source.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: This database is not empty (editor has 2 rows): import only into a new, migrated database."]
    assert tables(source) == before


def test_import_refuses_a_file_cut_short_and_writes_nothing(sqlite_url, tmp_path):
    source = migrated(sqlite_url("a.sqlite3"), tmp_path)
    fill(source)
    lines = export_to(source, tmp_path / "desk.jsonl").read_text().splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:-3]) + "\n")
    target = migrated(sqlite_url("b.sqlite3"), tmp_path)
    result = target.test_cli_runner().invoke(args=["import", str(cut)])
    assert result.exit_code == 1 and "cut short" in result.output
    assert all(rows == [] for rows in tables(target).values())


def test_import_into_a_database_without_tables_says_to_migrate_first(sqlite_url, tmp_path):
    source = migrated(sqlite_url("a.sqlite3"), tmp_path)
    path = export_to(source, tmp_path / "desk.jsonl")
    empty = make_app(sqlite_url("new.sqlite3"), tmp_path)
    result = empty.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "db upgrade" in result.output


def test_import_refuses_a_file_that_is_not_an_export(sqlite_url, tmp_path):
    target = migrated(sqlite_url("b.sqlite3"), tmp_path)
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": "world"}\n')
    result = target.test_cli_runner().invoke(args=["import", str(other)])
    assert result.exit_code == 1 and "not a corrections export header" in result.output
