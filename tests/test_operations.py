"""Running for real: one log line per request, heartbeats, and the warnings admins see about
X-Forwarded-For without ProxyFix, limits counted in several processes' memory, a silent worker."""
import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import utcnow
from corrections.operations.models import ProcessStatus
from corrections.operations.status import record_mail_worker
from tests.helpers import ORIGIN, sign_in, suggestion_body

ROOT = Path(__file__).resolve().parents[1]


def get(client, path, **kwargs):
    """A request whose response is closed, as a WSGI server closes it after sending."""
    response = client.get(path, **kwargs)
    response.close()
    return response


def rows(app):
    with app.app_context():
        found = db.session.scalars(sa.select(ProcessStatus).order_by(ProcessStatus.id)).all()
        db.session.expunge_all()
        return found


def dashboard_text(app, admin_client) -> str:
    return admin_client.get("/dashboard/").get_data(as_text=True)


# --- request logs ---------------------------------------------------------------------------

def request_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "corrections.requests" in line]


def test_each_request_logs_one_line_without_query_or_client_address(client, site, capsys):
    capsys.readouterr()
    response = get(client, "/suggest?site=news&quote=secret+reader+words&url=https://x.example/",
                   environ_base={"REMOTE_ADDR": "203.0.113.77"})
    lines = request_lines(capsys)
    assert len(lines) == 1
    line = lines[0]
    assert "GET /suggest 200 " in line
    assert f"request_id={response.headers['X-Request-Id']}" in line
    assert "secret" not in line and "reader" not in line and "site=news" not in line
    assert "203.0.113.77" not in line


def test_request_log_escapes_cr_and_lf(client, capsys):
    capsys.readouterr()
    get(client, "/no/such%0D%0A2026-01-01 00:00:00 INFO forged: line")
    lines = request_lines(capsys)
    assert len(lines) == 1
    assert "/no/such\\r\\n2026-01-01 00:00:00 INFO forged: line 404 " in lines[0]
    assert not any(line.startswith("2026-01-01") for line in capsys.readouterr().err.splitlines())


def test_json_log_format_gives_one_json_object_per_request(app_factory, capsys):
    client = app_factory(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    response = client.post("/api/v1/suggestions?x=reader+text", data="{",
                           content_type="application/json", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    response.close()
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()
               if line.startswith("{")]
    request = [entry for entry in entries if entry["logger"] == "corrections.requests"]
    assert len(request) == 1
    entry = request[0]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/api/v1/suggestions", 400)
    assert entry["request_id"] == response.headers["X-Request-Id"]
    assert isinstance(entry["duration_ms"], float) and entry["level"] == "INFO"
    assert "reader" not in json.dumps(entries) and "203.0.113.5" not in json.dumps(entries)


def test_request_id_from_a_trusted_proxy_is_kept(app_factory):
    client = app_factory(PROXY_FIX_X_FOR=1).test_client()
    assert get(client, "/healthz", headers={"X-Request-Id": "abc123"}).headers["X-Request-Id"] == "abc123"
    forged = get(client, "/healthz", headers={"X-Request-Id": "a b;c"}).headers["X-Request-Id"]
    assert forged != "a b;c" and len(forged) == 16


def test_request_id_from_a_client_is_ignored_without_a_proxy(client):
    assert get(client, "/healthz", headers={"X-Request-Id": "abc123"}).headers["X-Request-Id"] != "abc123"


# --- heartbeats: cheap for requests ---------------------------------------------------------

def test_a_web_process_records_itself_once_per_interval_not_per_request(app, client):
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cursor, sql, *a: statements.append(sql))
    for _ in range(20):
        get(client, "/healthz")
    writes = [sql for sql in statements if "process_status" in sql and "SELECT" not in sql.upper()[:8]]
    assert len(writes) == 2  # one upsert and the clean-up of old rows, after the first request
    [row] = rows(app)
    assert (row.role, row.pid, row.limiter_storage) == ("web", os.getpid(), "memory")


# --- X-Forwarded-For while PROXY_FIX_X_FOR = 0 ----------------------------------------------

def test_forwarded_for_without_proxy_fix_is_logged_once_and_shown_to_admins(app, admin_client, caplog):
    client = app.test_client()
    for _ in range(3):
        get(client, "/suggest", headers={"X-Forwarded-For": "198.51.100.4"})
    logged = [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelname == "WARNING"
    assert rows(app)[0].forwarded_for_seen_at is not None
    assert "PROXY_FIX_X_FOR is 0" in dashboard_text(app, admin_client)


def test_forwarded_for_is_expected_with_proxy_fix(app_factory, admin, make_editor):
    app = app_factory(PROXY_FIX_X_FOR=1)
    get(app.test_client(), "/suggest", headers={"X-Forwarded-For": "198.51.100.4"})
    admin_client = app.test_client()
    assert sign_in(admin_client, "admin@news.example.org").status_code == 303
    assert "PROXY_FIX_X_FOR is 0" not in dashboard_text(app, admin_client)


def test_editors_who_are_not_admins_see_no_operations_warnings(app, editor_client):
    get(app.test_client(), "/suggest", headers={"X-Forwarded-For": "198.51.100.4"})
    assert "PROXY_FIX_X_FOR" not in editor_client.get("/dashboard/").get_data(as_text=True)


# --- limits in memory, several processes ----------------------------------------------------

SERVE_ONE_REQUEST = """
import sys, time
from corrections import create_app
client = create_app().test_client()
client.get("/healthz").close()
time.sleep(float(sys.argv[1]))
client.get("/healthz").close()
"""


def serve_in_another_process(app, tmp_path, storage: str, linger: float = 0.0) -> subprocess.Popen:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CORRECTIONS_")
           or name.startswith("CORRECTIONS_TEST_")}
    env.update({"CORRECTIONS_SECRET_KEY": secrets.token_hex(32), "CORRECTIONS_INSTANCE_PATH": str(tmp_path / "other"),
                "CORRECTIONS_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "CORRECTIONS_RATELIMIT_STORAGE_URI": storage,
                "CORRECTIONS_PROCESS_STATUS_SECONDS": "0"})
    return subprocess.Popen([sys.executable, "-c", SERVE_ONE_REQUEST, str(linger)], env=env, cwd=ROOT)


def test_two_processes_counting_limits_in_memory_are_shown_to_admins(app, admin_client, tmp_path):
    first = serve_in_another_process(app, tmp_path, "memory://", linger=3)
    second = serve_in_another_process(app, tmp_path, "memory://", linger=0)
    assert second.wait(60) == 0 and first.wait(60) == 0
    assert len({row.pid for row in rows(app)}) == 2
    text = dashboard_text(app, admin_client)
    assert "2 processes serve the app and each counts rate limits in its own memory" in text


def test_processes_one_after_another_are_not_a_memory_problem(app, admin_client, tmp_path):
    for _ in range(2):
        assert serve_in_another_process(app, tmp_path, "memory://").wait(60) == 0
    assert len({row.pid for row in rows(app)}) == 2
    assert "in its own memory" not in dashboard_text(app, admin_client)


def test_processes_sharing_redis_are_not_a_memory_problem(app, admin_client, tmp_path, redis_url):
    first = serve_in_another_process(app, tmp_path, redis_url, linger=3)
    second = serve_in_another_process(app, tmp_path, redis_url)
    assert second.wait(60) == 0 and first.wait(60) == 0
    assert "in its own memory" not in dashboard_text(app, admin_client)


# --- the mail worker's heartbeat ------------------------------------------------------------

def backdate_worker(app, seconds: float) -> None:
    with app.app_context():
        db.session.execute(sa.update(ProcessStatus).where(ProcessStatus.role == "mail-worker")
                           .values(seen_at=utcnow() - timedelta(seconds=seconds)))
        db.session.commit()


def test_healthz_reports_a_mail_worker_never_seen(client):
    health = client.get("/healthz")
    assert health.status_code == 200
    assert (health.json["status"], health.json["mail_worker"]) == ("degraded", "never_seen")


def test_healthz_reports_a_running_mail_worker(app, client):
    with app.app_context():
        record_mail_worker()
    health = client.get("/healthz").json
    assert (health["status"], health["mail_worker"]) == ("ok", "ok")
    assert health["mail_worker_seen_at"].endswith("Z")


def test_healthz_and_outbox_report_a_silent_mail_worker(app, client, admin_client):
    with app.app_context():
        record_mail_worker()
    backdate_worker(app, app.config["MAIL_WORKER_SILENT_SECONDS"] + 1)
    health = client.get("/healthz").json
    assert (health["status"], health["mail_worker"]) == ("degraded", "silent")
    page = admin_client.get("/dashboard/outbox").get_data(as_text=True)
    assert "Mail worker: not running" in page
    assert "The mail worker was last seen" in page


def test_outbox_page_shows_a_running_mail_worker(app, admin_client):
    with app.app_context():
        record_mail_worker()
    page = admin_client.get("/dashboard/outbox").get_data(as_text=True)
    assert "Mail worker: running" in page and "The mail worker was last seen" not in page


def test_intake_answers_through_the_logging_middleware(post_suggestion):
    response = post_suggestion(body=suggestion_body(), origin=ORIGIN)
    assert response.status_code == 201 and len(response.headers["X-Request-Id"]) == 16


def test_a_rate_limited_client_is_not_logged_by_its_address(app_factory, make_site, capsys):
    app = app_factory(INTAKE_RATE_LIMIT="1 per minute")
    make_site()
    client = app.test_client()
    capsys.readouterr()
    statuses = []
    for _ in range(2):
        response = client.post("/api/v1/suggestions", json=suggestion_body(), headers={"Origin": ORIGIN},
                               environ_base={"REMOTE_ADDR": "203.0.113.44"})
        response.close()
        statuses.append(response.status_code)
    assert statuses == [201, 429]
    logged = capsys.readouterr().err
    assert "POST /api/v1/suggestions 429" in logged
    assert "203.0.113.44" not in logged
