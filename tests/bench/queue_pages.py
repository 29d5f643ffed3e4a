"""How the queue page's time grows with the queue: 10,000 requests against 1,000,000.

Seeds two fresh databases with bulk INSERT … SELECT (temporary SQLite files, and temporary
PostgreSQL databases when PostgreSQL is reachable), one with 10,000 correction requests and
one with 1,000,000, then times the queue page through the Flask test client as a signed-in
editor: the same filters on both, the first page and a deep keyset page, requested in turn,
median of several runs. Prints each time and the ratio (time at 1,000,000 / time at 10,000);
the goal is a ratio of at most 1.5, text search (first page) included.

    .venv/bin/python -c 'from tests.bench.queue_pages import main; raise SystemExit(main())'
    ... main(["--large", "200000", "--backends", "sqlite", "--runs", "9"])   # a quick look
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from dataclasses import dataclass

import flask_migrate
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from corrections import create_app
from corrections.dashboard import queries
from corrections.extensions import db
from corrections.models import Editor, Role, Site
from tests.helpers import create_scratch_postgresql, csrf_token_in

GOAL = 1.5
PASSWORD = "benchmark password"
ARTICLE_SIZE = 20  # requests per article
#: The oldest this many reports mention a lighthouse keeper: text search finds the same
#: requests (several pages, deep in the queue) however many there are.
SEARCHED = 200


@dataclass(frozen=True)
class Case:
    name: str
    query: str  # the filters, as in the queue's URL
    deep_sql: str | None  # finds the cursor of the row at 90% depth; None: first page only
    goal: bool = True  # counts towards the goal
    runs: int | None = None


def cases(site_id: int, editor_id: int) -> list[Case]:
    open_states = "('new', 'in_review', 'accepted')"
    return [
        Case("open · all sites · newest", "",
             f"SELECT id FROM correction_request WHERE state IN {open_states} ORDER BY id DESC"),
        Case("new · one site · most reported", f"state=new&site={site_id}&sort=reports",
             f"SELECT submission_count, id FROM correction_request WHERE state = 'new' "
             f"AND site_id = {site_id} ORDER BY submission_count DESC, id DESC"),
        Case("all states · kind factual · newest", "state=all&kind=factual",
             "SELECT id FROM correction_request WHERE kind = 'factual' ORDER BY id DESC"),
        Case("open · assigned to me · newest", "assignee=me",
             f"SELECT id FROM correction_request WHERE state IN {open_states} "
             f"AND assignee_id = {editor_id} ORDER BY id DESC"),
        # Trigram indexes (migration 0004): pg_trgm on PostgreSQL, FTS5 on SQLite.
        Case("all states · text search", "state=all&q=lighthouse%20keeper", None),
    ]


# --- seeding ------------------------------------------------------------------------------------

def _series(dialect: str, start: int, end: int) -> tuple[str, str]:
    """(WITH prefix, FROM clause) that yield n = start..end."""
    if dialect == "postgresql":
        return "", f"generate_series({start}, {end}) AS seq(n)"
    return (f"WITH RECURSIVE seq(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM seq "
            f"WHERE n < {end}) ", "seq")


def _timestamp(dialect: str, seconds: str) -> str:
    if dialect == "postgresql":
        return f"(TIMESTAMP '2024-01-01' + ({seconds}) * INTERVAL '1 second')"
    return f"datetime('2024-01-01', '+' || ({seconds}) || ' seconds')"


def seed(connection, dialect: str, start: int, end: int, site_ids: list[int],
         editor_ids: list[int]) -> None:
    """Requests start..end (1-based), their articles and one submission each."""
    sites = len(site_ids)
    site_of = "CASE " + " ".join(f"WHEN ({{a}}) % {sites} = {i} THEN {sid}"
                                 for i, sid in enumerate(site_ids)) + " END"
    first_article = (start - 1) // ARTICLE_SIZE + 1
    last_article = (end - 1) // ARTICLE_SIZE + 1
    existing = connection.execute(sa.text("SELECT max(id) FROM article")).scalar() or 0
    if last_article > existing:
        with_, from_ = _series(dialect, max(first_article, existing + 1), last_article)
        connection.execute(sa.text(
            f"{with_}INSERT INTO article (id, site_id, url, url_hash, title, created_at, "
            f"last_submission_at) SELECT n, {site_of.format(a='n')}, "
            f"'https://news.example.org/story/' || n, 'hash' || n, 'Story number ' || n, "
            f"{_timestamp(dialect, 'n * 20')}, {_timestamp(dialect, 'n * 20')} FROM {from_}"))
    article = f"((n - 1) / {ARTICLE_SIZE} + 1)"
    # Spread states like a desk that has worked for a while: most requests are closed.
    bucket = "((n % 100) * 19 % 100)"  # a permutation of 0..99: states interleave by id
    state = (f"CASE WHEN {bucket} < 5 THEN 'new' WHEN {bucket} < 8 THEN 'in_review' "
             f"WHEN {bucket} < 10 THEN 'accepted' WHEN {bucket} < 50 THEN 'published' "
             f"WHEN {bucket} < 80 THEN 'rejected' WHEN {bucket} < 95 THEN 'spam' ELSE 'duplicate' END")
    kinds = ("typo", "factual", "clarification", "broken_link", "other")
    kind = ("CASE " + " ".join(f"WHEN n % 7 = {i} THEN '{k}'" for i, k in enumerate(kinds))
            + " ELSE 'typo' END")
    editors = len(editor_ids)
    assignee = ("CASE WHEN n % 4 = 0 THEN NULL " + " ".join(
        f"WHEN n % {editors} = {i} THEN {eid}" for i, eid in enumerate(editor_ids)) + " END")
    reports = "CASE WHEN n % 1000 = 0 THEN 40 + n % 17 WHEN n % 10 = 0 THEN 2 + n % 5 ELSE 1 END"
    created = _timestamp(dialect, "n")
    with_, from_ = _series(dialect, start, end)
    connection.execute(sa.text(
        f"{with_}INSERT INTO correction_request (id, site_id, article_id, quote_exact, quote_prefix, "
        f"quote_suffix, kind, proposed, state, version, submission_count, assignee_id, "
        f"publication_type, public_note, published_at, created_at, updated_at, last_submission_at) "
        f"SELECT n, {site_of.format(a=article)}, {article}, 'the passage number ' || n, 'Before ', "
        f"' after', {kind}, 'the proposal ' || n, {state}, 1, {reports}, {assignee}, "
        f"CASE WHEN {state} = 'published' THEN 'correction' END, "
        f"CASE WHEN {state} = 'published' THEN 'Corrected.' END, "
        f"CASE WHEN {state} = 'published' THEN {created} END, {created}, {created}, {created} "
        f"FROM {from_}"))
    connection.execute(sa.text(
        "INSERT INTO submission (id, request_id, reference, article_url, comment, name, email, "
        "notify, client_hash, user_agent, created_at) "
        "SELECT id, id, 'R' || id, 'https://news.example.org/story/' || article_id, "
        f"'A comment about ' || id || CASE WHEN id <= {SEARCHED} THEN ' and the lighthouse keeper' "
        "ELSE '' END, '', '', false, 'client' || (id % 5000), '', created_at "
        f"FROM correction_request WHERE id BETWEEN {start} AND {end}"))


def grow(app, start: int, end: int, site_ids, editor_ids, chunk: int = 100_000) -> float:
    began = time.perf_counter()
    with app.app_context():
        dialect = db.engine.dialect.name
        for low in range(start, end + 1, chunk):
            with db.engine.begin() as connection:
                seed(connection, dialect, low, min(end, low + chunk - 1), site_ids, editor_ids)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Let the load settle before timing: PostgreSQL's autovacuum would analyse after
            # such a load (SQLite gets no ANALYZE, as in a default install), and the write-ahead
            # logs are checkpointed so no background flush lands in the measurements.
            if dialect == "postgresql":
                connection.execute(sa.text("VACUUM ANALYZE"))
                connection.execute(sa.text("CHECKPOINT"))
            else:
                connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return time.perf_counter() - began


# --- timing ---------------------------------------------------------------------------------------

def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token_in(page)
    response = client.post("/login", data={"csrf_token": token, "email": "bench@example.org",
                                           "password": PASSWORD})
    assert response.status_code == 303, "the benchmark editor could not sign in"
    return client


def deep_cursor(app, case: Case) -> str:
    """The cursor 90% of the way down, but with a full page still after it."""
    with app.app_context():
        total = db.session.scalar(sa.text(f"SELECT count(*) FROM ({case.deep_sql}) AS rows"))
        offset = max(0, min(int(total * 0.9), total - queries.PAGE_SIZE - 1))
        row = db.session.execute(sa.text(f"{case.deep_sql} LIMIT 1 OFFSET {offset}")).one()
    return ".".join(str(v) for v in row)


def timed_ms(client, url: str) -> float:
    gc.collect()  # not inside the timing
    began = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (url, response.status_code)
    assert b'class="queue-row"' in response.data, f"{url} listed nothing"
    return took


def measure(small, large, runs: int) -> list[tuple[str, str, float, float, bool]]:
    """Median times of the same pages on both databases, requested in turn.

    Alternating small and large makes anything else running on the machine slow both alike,
    so the ratio stays meaningful on a busy computer.
    """
    results = []
    for case in cases(small.site_id, small.editor_id):
        base = f"/dashboard/?{case.query}"
        pages = [("first page", base, base)]
        if case.deep_sql:
            pages.append(("deep page", f"{base}&after={deep_cursor(small.app, case)}",
                          f"{base}&after={deep_cursor(large.app, case)}"))
        for page, small_url, large_url in pages:
            for _ in range(2):  # warm caches, like a page an editor keeps open
                small.client.get(small_url)
                large.client.get(large_url)
            times = {"small": [], "large": []}
            for _ in range(case.runs or runs):
                times["small"].append(timed_ms(small.client, small_url))
                times["large"].append(timed_ms(large.client, large_url))
            results.append((case.name, page, statistics.median(times["small"]),
                            statistics.median(times["large"]), case.goal))
    return results


# --- databases --------------------------------------------------------------------------------------

def make_app(url: str, instance: str):
    os.environ["CORRECTIONS_INSTANCE_PATH"] = instance
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                       "RATELIMIT_STORAGE_URI": "memory://", "PUBLIC_URL": "http://bench.test"})


def prepare(app) -> tuple[list[int], list[int], int]:
    with app.app_context():
        flask_migrate.upgrade()
        sites = [Site(key=f"site{i}", name=f"Site {i}", origins=[f"https://site{i}.example.org"],
                      notify_emails=[]) for i in range(3)]
        bench = Editor(email="bench@example.org", password_hash=generate_password_hash(PASSWORD),
                       role=Role.EDITOR)
        others = [Editor(email=f"editor{i}@example.org", password_hash="x") for i in range(4)]
        db.session.add_all([*sites, bench, *others])
        db.session.commit()
        return [s.id for s in sites], [bench.id] + [e.id for e in others], bench.id


@dataclass
class Desk:
    """One seeded database and a signed-in editor's client on it."""
    app: object
    client: object
    site_id: int
    editor_id: int


def seeded(name: str, url: str, instance: str, size: int) -> Desk:
    app = make_app(url, instance)
    site_ids, editor_ids, bench_id = prepare(app)
    took = grow(app, 1, size, site_ids, editor_ids)
    print(f"[{name}] seeded {size:,} requests in {took:.1f} s", flush=True)
    return Desk(app, signed_in_client(app), site_ids[0], bench_id)


def run_backend(name: str, urls: tuple[str, str], small: int, large: int, runs: int) -> list[tuple]:
    with tempfile.TemporaryDirectory() as instance:
        desks = [seeded(name, urls[0], instance, small), seeded(name, urls[1], instance, large)]
        try:
            return [(name, *row) for row in measure(*desks, runs)]
        finally:
            for desk in desks:
                with desk.app.app_context():
                    db.session.remove()
                    db.engine.dispose()


def postgresql_database():
    """A fresh PostgreSQL database URL and a function that drops it, or (None, reason)."""
    try:
        return create_scratch_postgresql("corrections_bench"), None
    except sa.exc.OperationalError as error:
        return None, str(error.orig).splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="queue_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=31, help="timed runs per page (median)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)

    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                urls = (f"sqlite:///{folder}/small.sqlite3", f"sqlite:///{folder}/large.sqlite3")
                rows += run_backend("sqlite", urls, args.small, args.large, args.runs)
        elif backend == "postgresql":
            made = [postgresql_database() for _ in range(2)]
            reasons = [reason for database, reason in made if database is None]
            try:
                if reasons:
                    print(f"[postgresql] skipped: not reachable ({reasons[0]})")
                    continue
                rows += run_backend("postgresql", tuple(database[0] for database, _ in made),
                                    args.small, args.large, args.runs)
            finally:
                for database, _ in made:
                    if database is not None:
                        database[1]()
        else:
            parser.error(f"unknown backend {backend!r}")

    print()
    print(f"Queue page time, median of {args.runs} runs (ms), at {args.small:,} and "
          f"{args.large:,} requests")
    header = f"{'database':<11} {'filters':<44} {'page':<11} {args.small:>10,} {args.large:>11,}  ratio"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for backend, case, page, before, after, counts in rows:
        ratio = after / before
        if counts:
            worst = max(worst, ratio)
        print(f"{backend:<11} {case:<44} {page:<11} {before:>10.1f} {after:>11.1f}  {ratio:5.2f}")
    print()
    met = worst <= GOAL
    print(f"Worst ratio over the goal's pages: {worst:.2f} (goal: at most {GOAL}) — "
          f"{'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
