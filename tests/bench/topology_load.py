"""A load run through the production topology (not a timed test):

    .venv/bin/python -m tests.bench topology_load

nginx -> gunicorn (two workers) -> PostgreSQL, limits in Redis, the mail worker running:
2,000 suggestions from 50 clients at once, one of them flooding (and forging X-Forwarded-For).
Reports: accepted, stored exactly once, the flooding client's 429s against its limit (counted
once across both workers, not once per worker), 5xx answers (must be 0), throughput.
Needs nginx, PostgreSQL and Redis on 127.0.0.1 (CORRECTIONS_TEST_REDIS_URL, default DB 15).
"""
import json
import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from tests.helpers import create_scratch_postgresql
from tests.mail_fixtures import SMTPServer
from tests.topology import ORIGIN, Topology
from tests.web import WebClient

TOTAL, CLIENTS, FLOOD = 2000, 50, 383
LIMIT = 40  # per client per 10 minutes: more than any ordinary client sends here
REDIS_URL = os.environ.get("CORRECTIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def plan() -> list[tuple[str, int, bool]]:
    """(source address, suggestions to send, floods?) for each client."""
    ordinary = CLIENTS - 1
    share, extra = divmod(TOTAL - FLOOD, ordinary)
    clients = [(f"127.0.1.{10 + i}", share + (i < extra), False) for i in range(ordinary)]
    return [*clients, ("127.0.2.1", FLOOD, True)]


def body(client: int, n: int) -> dict:
    return {"site": "news", "url": f"{ORIGIN}/2026/12/story-{client}", "kind": "typo",
            "quote": {"exact": f"client {client} passage {n}", "prefix": "", "suffix": ""},
            "suggestion": f"corrected {client}/{n}", "comment": "Load run.",
            "email": "reader@example.net", "notify": False}


def main() -> None:
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    url, drop = create_scratch_postgresql("corrections_load")
    smtp = SMTPServer().start()
    with tempfile.TemporaryDirectory() as folder:
        topology = Topology(Path(folder), database_url=url, redis_url=REDIS_URL, smtp_port=smtp.port,
                            INTAKE_RATE_LIMIT=f"{LIMIT} per 10 minutes").start()
        try:
            results = run(topology)
            time.sleep(1)
            report(topology, url, results)
        finally:
            topology.stop()
            smtp.stop()
            drop()
            redis.Redis.from_url(REDIS_URL).flushdb()


def run(topology: Topology) -> dict:
    results = {"statuses": Counter(), "flood": Counter(), "references": [], "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

    def client(number: int, source: str, count: int, floods: bool) -> None:
        web = WebClient(topology.url, source=source)
        start.wait()
        for n in range(count):
            headers = {"Origin": ORIGIN}
            if floods:
                headers["X-Forwarded-For"] = f"198.51.100.{n % 250}"  # forged: must change nothing
            try:
                reply = web.post("/api/v1/suggestions", json=body(number, n), headers=headers)
            except OSError:
                with lock:
                    results["errors"] += 1
                continue
            with lock:
                results["statuses"][reply.status] += 1
                if floods:
                    results["flood"][reply.status] += 1
                if reply.status == 201:
                    results["references"].append(reply.json()["reference"])
        web.close()

    threads = [threading.Thread(target=client, args=(i, source, count, floods))
               for i, (source, count, floods) in enumerate(plan())]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    results["seconds"] = time.perf_counter() - began
    return results


def report(topology: Topology, url: str, results: dict) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        stored = connection.scalar(sa.text("SELECT count(*) FROM submission"))
        references = set(connection.scalars(sa.text("SELECT reference FROM submission")))
    engine.dispose()
    per_worker = Counter()
    for line in topology.log_lines("gunicorn"):
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("path") == "/api/v1/suggestions":
                per_worker[entry["process"]] += 1
    statuses, flood = results["statuses"], results["flood"]
    accepted = statuses[201]
    five_xx = sum(count for status, count in statuses.items() if status >= 500)
    print(f"topology load run: nginx -> gunicorn ({len(per_worker)} workers) -> PostgreSQL, "
          f"limits in Redis; {TOTAL} suggestions from {CLIENTS} clients at once")
    print(f"  answers                {dict(sorted(statuses.items()))}, connection errors {results['errors']}")
    print(f"  accepted (201)         {accepted}")
    print(f"  stored                 {stored} rows; every accepted reference stored once: "
          f"{sorted(results['references']) == sorted(references) and stored == accepted}")
    print(f"  flooding client        {FLOOD} sent, {flood[201]} accepted, {flood[429]} refused (429); "
          f"limit {LIMIT}: limited once across the workers: {flood[201] == LIMIT}")
    print(f"  ordinary clients       {accepted - flood[201]} accepted of {TOTAL - FLOOD}")
    print(f"  5xx answers            {five_xx}")
    print(f"  per worker (requests)  {dict(per_worker)}")
    print(f"  throughput             {TOTAL / results['seconds']:.0f} requests/s "
          f"({results['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
