"""The real topology: nginx (the shipped site file) -> gunicorn (two workers, the shipped
configuration) -> PostgreSQL, with Redis for limits and the mail worker as its unit runs it."""
import hashlib
import hmac
import json
import shutil
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.helpers import create_scratch_postgresql, unavailable
from tests.mail_fixtures import SMTPServer
from tests.topology import ADMIN, ADMIN_PASSWORD, NGINX, ORIGIN, SECRET, Topology
from tests.web import WebClient

pytestmark = pytest.mark.topology
LIMIT = 5


def client_hash(ip: str) -> str:
    """The keyed hash the app stores for a client address (corrections.intake.suggestions.client_hash)."""
    key = hmac.new(SECRET.encode(), b"client-ip", hashlib.sha256).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def body(n: int, **changes) -> dict:
    return {"site": "news", "url": f"{ORIGIN}/2026/12/story-{n}", "kind": "typo",
            "quote": {"exact": f"passage number {n}", "prefix": "", "suffix": ""},
            "suggestion": f"corrected passage {n}", "comment": "Seen through nginx.", **changes}


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    if not shutil.which(NGINX) and not shutil.os.path.exists(NGINX):
        unavailable("nginx", "the nginx binary is not installed (apt-get install nginx)")
    from tests.helpers import REDIS_URL
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except Exception as error:  # noqa: BLE001
        unavailable("redis", str(error))
    try:
        url, drop = create_scratch_postgresql("corrections_topology")
    except sa.exc.OperationalError as error:
        unavailable("postgresql", str(error.orig).splitlines()[0])
    smtp = SMTPServer().start()
    running = Topology(tmp_path_factory.mktemp("topology"), database_url=url, redis_url=REDIS_URL,
                       smtp_port=smtp.port, INTAKE_RATE_LIMIT=f"{LIMIT} per 10 minutes").start()
    running.smtp, running.database = smtp, sa.create_engine(url)
    yield running
    running.stop()
    smtp.stop()
    running.database.dispose()
    drop()
    redis.Redis.from_url(REDIS_URL).flushdb()


def stored_hash(topology, reference: str) -> str:
    with topology.database.connect() as connection:
        return connection.scalar(sa.text("SELECT client_hash FROM submission WHERE reference = :r"),
                                 {"r": reference})


def test_a_suggestion_through_nginx_reaches_the_queue_and_the_mail_sink(topology):
    reader = WebClient(topology.url, source="127.0.0.2")
    sent = reader.post("/api/v1/suggestions", json=body(1), headers={"Origin": ORIGIN})
    assert sent.status == 201, sent.text
    assert sent.header("Access-Control-Allow-Origin") == ORIGIN
    reference = sent.json()["reference"]
    # The client address the app used is the one nginx saw.
    assert stored_hash(topology, reference) == client_hash("127.0.0.2")
    topology.smtp.wait_for(1)
    [mail] = [m for m in topology.smtp.received if "desk@news.example.org" in m.recipients]
    assert "passage number 1" in mail.email.get_body(("plain",)).get_content()


def test_a_forged_x_forwarded_for_changes_nothing(topology):
    reader = WebClient(topology.url, source="127.0.0.3")
    sent = reader.post("/api/v1/suggestions", json=body(2),
                       headers={"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.9"})
    assert sent.status == 201, sent.text
    assert stored_hash(topology, sent.json()["reference"]) == client_hash("127.0.0.3")


def test_https_is_recognised_from_x_forwarded_proto(topology):
    reader = WebClient(topology.url, source="127.0.0.4")
    page = reader.get("/login")
    assert page.status == 200
    assert page.header("Strict-Transport-Security", ) and "max-age=" in page.header("Strict-Transport-Security")
    assert any("Secure" in cookie for cookie in reader.set_cookie_headers)
    # The request id nginx made ($request_id) is the one the app logs and answers with.
    assert len(page.header("X-Request-Id")) == 32
    plain = WebClient(f"http://127.0.0.1:{topology.http_port}").get("/login")
    assert plain.status == 301 and plain.header("Location").startswith("https://")


def test_the_intake_limit_holds_once_across_both_workers(topology):
    statuses: list[int] = []
    lock = threading.Lock()

    def flood(n: int) -> None:
        # A new connection each time, and a different forged X-Forwarded-For each time.
        reader = WebClient(topology.url, source="127.0.0.5")
        for i in range(4):
            reply = reader.post("/api/v1/suggestions", json=body(100 + 10 * n + i),
                                headers={"Origin": ORIGIN, "X-Forwarded-For": f"198.51.100.{n * 10 + i}",
                                         "Connection": "close"})
            with lock:
                statuses.append(reply.status)
            reader.close()

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert Counter(statuses) == {201: LIMIT, 429: 24 - LIMIT}
    # Both workers answered the flood: the limit is counted once, in Redis, not per process.
    answered_by = Counter()
    for line in topology.log_lines("gunicorn"):
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("path") == "/api/v1/suggestions" and entry.get("status") in (201, 429):
                answered_by[entry["process"]] += 1
    assert len(answered_by) == 2, answered_by


def test_the_shipped_configuration_raises_no_warning_for_admins(topology):
    admin = WebClient(topology.url, source="127.0.0.6")
    assert admin.sign_in(ADMIN, ADMIN_PASSWORD).status == 303
    page = admin.get("/dashboard/")
    assert page.status == 200
    assert "admin-warning" not in page.text, page.text
    health = admin.get("/healthz").json()
    assert health == {**health, "status": "ok", "database": "ok", "mail_worker": "ok"}
