"""Intake under real concurrency, side by side with bare Flask and Isso, in one run.

    .venv/bin/python -m tests.bench.intake [--seconds 10] [--warmup 2] [--generator wrk|python]
                                           [--only bare sqlite-new ...] [--isso-venv DIR]

Every contender is served by gunicorn with the same settings (SERVER_SETTINGS: 2 sync workers)
on 127.0.0.1 and driven by the same load: 8 concurrent clients, each request with a body of its
own, for a fixed time after a warm-up. One request per article first, one at a time, so every
article (Isso: every thread) exists before the clients start. Contenders:

- bare Flask parsing the same JSON and answering 201: the baseline every ratio is against;
- corrections `POST /api/v1/suggestions` on SQLite and on PostgreSQL (a scratch database made and
  dropped here): new requests (every body a different suggestion) and grouped repeats (bodies
  repeat 50 suggestions, so each groups with its first report; the reader's comment still
  differs). Rate limits are off; the site emails a desk address and an editor. The intake
  writes no email: every new request stores one event for the mail worker (and so does a
  repeat, as its reader asks to hear the outcome), which is not running here;
- Isso 0.14 `POST /new` with moderation on, its own SQLite file, its guard (rate limits) off and
  its default stdout notifications, installed into a scratch virtualenv now. Its [general] host is
  a small page served here, so its start-up check stays on 127.0.0.1. If it cannot be installed
  or started, the reason is printed and the rest goes on.

For each: 2xx answers per second, p50 and p99 latency, non-2xx answers and failed requests
(a contender with any is flagged: its figures are not comparable), server CPU per request
(gunicorn's processes, plus PostgreSQL's backends serving them, as SQLite works inside the
workers), and the CPU the rest of the machine used meanwhile (others' work on a shared machine
skews a run).
After each run the rows stored are checked against the answers given.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.bench import load as loadgen

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
CONNECTIONS = 8
# No --preload, although Isso's guide shows it: isso.run builds a threaded app (its
# multiprocessing flag loses to threading=True), so preloading shares nothing and lets each worker
# inherit the lock of the master's purge thread, which can hang a worker's first comment.
SERVER_SETTINGS = ["--workers", str(WORKERS), "--worker-class", "sync",
                   "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
ISSO_VERSION = "0.14.0"
SITE_ORIGIN = "https://news.example.org"
NOTIFY = ["desk@news.example.org", "editor@news.example.org"]  # the second has an editor account
TICK = os.sysconf("SC_CLK_TCK")
BUSY = 0.25  # cores used by others during a run above which its figures are marked as noisy


def _suggestion(passage: str) -> str:
    return json.dumps({
        "site": "news", "url": f"{SITE_ORIGIN}/2026/11/story-{{a}}", "title": "A story",
        "kind": "typo", "quote": {"exact": f"passage number {passage}", "prefix": "before the ",
                                  "suffix": " and after"},
        "suggestion": f"fixed wording {passage}", "comment": "Comment {n} from a reader.",
        "email": "reader@example.net", "notify": True})


JSON_HEADERS = {"Content-Type": "application/json", "Origin": SITE_ORIGIN}
NEW = loadgen.Load("/api/v1/suggestions", _suggestion("{n}"), JSON_HEADERS)
GROUPED = loadgen.Load("/api/v1/suggestions", _suggestion("{a}"), JSON_HEADERS)


def isso_load(origin: str) -> loadgen.Load:
    body = json.dumps({"text": "In story {a}, passage number {n} should read fixed wording {n}. "
                               "Comment {n} from a reader.",
                       "author": "A. Reader", "email": "reader@example.net", "website": None,
                       "parent": None, "title": "A story", "notification": 0})
    return loadgen.Load("/new?uri=%2F2026%2F11%2Fstory-{a}", body,
                        {"Content-Type": "application/json", "Origin": origin})


def bare_app():
    """The baseline: Flask parsing the same JSON body and answering 201, nothing else."""
    from flask import Flask, request
    app = Flask("bare")

    @app.post("/api/v1/suggestions")
    def create():
        data = request.get_json()
        return {"id": 1, "reference": "ABCD-EFGH", "status": "received", "n": len(data)}, 201
    return app


# --- contenders ---------------------------------------------------------------------------

@dataclass
class Contender:
    key: str
    label: str
    load: loadgen.Load | None = None
    result: loadgen.Result | None = None
    server_cpu: float = 0.0       # CPU seconds of gunicorn (and PostgreSQL's backends) measured
    others_cores: float = 0.0     # cores the rest of the machine used meanwhile
    skipped: str = ""             # why it was not measured
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # its figures are wrong: errors, lost rows
    warnings: list[str] = field(default_factory=list)   # its figures are noisy: a busy machine

    @property
    def flagged(self) -> bool:
        return bool(self.problems)


CONTENDERS = {
    "bare": "bare Flask, same JSON, 201",
    "sqlite-new": "corrections SQLite, new",
    "sqlite-grouped": "corrections SQLite, grouped",
    "postgresql-new": "corrections PostgreSQL, new",
    "postgresql-grouped": "corrections PostgreSQL, grouped",
    "isso": f"Isso {ISSO_VERSION.rsplit('.', 1)[0]} POST /new, moderated",
}


# --- processes and CPU --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from "state" on; the name may hold spaces


def process_cpu(pid: int) -> float:
    fields = _proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _proc_stat(int(entry))
            if fields and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICK  # less idle and iowait


def wait_for_quiet(limit: float) -> tuple[float, float]:
    """Wait up to `limit` seconds for the rest of the machine to use at most BUSY cores (others
    share it); return how long it waited and the cores last seen in use."""
    start = time.monotonic()
    while True:
        busy = machine_busy()
        time.sleep(1)
        others = machine_busy() - busy
        waited = time.monotonic() - start
        if others <= BUSY or waited >= limit:
            return waited - 1, others


class Server:
    """One gunicorn, in its own process group so that stopping it stops every worker."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log: Path):
        self.port = free_port()
        self.log = log
        self.database_processes: Callable[[], list[int]] = list  # PostgreSQL's backends for it
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [*command[:-1], "--bind", f"127.0.0.1:{self.port}", *SERVER_SETTINGS, command[-1]],
                env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}): {self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                if len(children(self.process.pid)) >= WORKERS:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.log_tail()}")

    def processes(self) -> list[int]:
        """gunicorn's master and workers, and the database server's processes serving them."""
        return [self.process.pid, *children(self.process.pid), *self.database_processes()]

    def log_tail(self) -> str:
        """The last errors the server logged, else its last lines."""
        lines = [line.strip() for line in self.log.read_text(errors="replace").splitlines()
                 if line.strip()]
        errors = [line for line in lines if "Error" in line or "Exception" in line]
        return " | ".join((errors or lines)[-2:]) or "(nothing logged)"

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any worker left behind
        self.process.wait()


def server_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment without the developer's own CORRECTIONS_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRECTIONS_")}
    return {**env, **extra}


def probe(server: Server, load: loadgen.Load, article: int = 0) -> tuple[int, str]:
    """One request, alone: its status (0 for no answer) and the start of its answer."""
    path, body = load.request(f"probe-{article}", article)
    request = urllib.request.Request(server.url + path, data=body, headers=load.headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=loadgen.TIMEOUT) as response:
            return response.status, response.read(300).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(300).decode(errors="replace")
    except OSError as error:
        return 0, f"no answer within {loadgen.TIMEOUT} s ({error})"


# --- the apps under test ------------------------------------------------------------------

def scratch_database(database: str, sqlite_path: Path,
                     stack: contextlib.ExitStack) -> tuple[str | None, str | None]:
    """A database for one run: (url, None), or (None, why there is none). PostgreSQL's is
    made for the run and dropped when `stack` closes."""
    if database == "sqlite":
        return f"sqlite:///{sqlite_path}", None
    from sqlalchemy.exc import OperationalError

    from tests.helpers import create_scratch_postgresql
    try:
        url, drop = create_scratch_postgresql("corrections_bench")
    except OperationalError as error:
        return None, f"PostgreSQL is not reachable: {str(error.orig).splitlines()[0]}"
    stack.callback(drop)
    return url, None


class Corrections:
    """A migrated database with one site, set up through the app's own command line."""

    def __init__(self, url: str, instance: Path):
        self.url, self.instance = url, instance
        self.settings = {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
                         "RATELIMIT_ENABLED": False}

    @contextlib.contextmanager
    def app(self):
        from corrections import create_app
        from corrections.extensions import db
        saved = os.environ.get("CORRECTIONS_INSTANCE_PATH")
        os.environ["CORRECTIONS_INSTANCE_PATH"] = str(self.instance)  # leave the real instance/ alone
        try:
            app = create_app(self.settings)
        finally:
            if saved is None:
                del os.environ["CORRECTIONS_INSTANCE_PATH"]
            else:
                os.environ["CORRECTIONS_INSTANCE_PATH"] = saved
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()

    def set_up(self) -> None:
        commands = [(["db", "upgrade"], None),
                    (["site", "add", "news", "--name", "The Example News", "--origin", SITE_ORIGIN,
                      *[arg for address in NOTIFY for arg in ("--notify", address)]], None),
                    (["editor", "add", NOTIFY[1], "--role", "editor", "--password-stdin"],
                     "a long bench password\n")]
        with self.app() as app:
            runner = app.test_cli_runner()
            for args, stdin in commands:
                noise = io.StringIO()  # Alembic logs each migration on stderr
                with contextlib.redirect_stderr(noise):
                    result = runner.invoke(args=args, input=stdin)
                if result.exit_code != 0:
                    raise RuntimeError(f"flask {' '.join(args[:2])} failed: "
                                       f"{(result.output + noise.getvalue()).strip()[-300:]}")

    def counts(self) -> dict[str, int]:
        from tests.helpers import row_counts
        with self.app() as app:
            return row_counts(app)

    def server(self, folder: Path) -> Server:
        env = server_env({"CORRECTIONS_SECRET_KEY": self.settings["SECRET_KEY"],
                          "CORRECTIONS_SQLALCHEMY_DATABASE_URI": self.url,
                          "CORRECTIONS_RATELIMIT_ENABLED": "false",
                          "CORRECTIONS_INSTANCE_PATH": str(self.instance)})
        server = Server([sys.executable, "-m", "gunicorn", "corrections:create_app()"],
                        env, ROOT, folder / "gunicorn.log")
        if self.url.startswith("postgresql"):
            server.database_processes = self.backends
        return server

    def backends(self) -> list[int]:
        """PostgreSQL's processes serving this database: SQLite's work is done inside the
        workers, so on PostgreSQL the server's CPU must include the database's to compare."""
        import sqlalchemy as sa

        from tests.helpers import PG_ADMIN_URL
        engine = sa.create_engine(PG_ADMIN_URL)
        try:
            with engine.connect() as connection:
                return list(connection.scalars(
                    sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                    {"name": sa.make_url(self.url).database}))
        finally:
            engine.dispose()


class _Article(BaseHTTPRequestHandler):
    """Isso's [general] host: it checks the site answers when it starts."""

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()

    def do_GET(self):
        body = b"<!doctype html><title>A story</title><p>passage number 1</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Isso:
    """Isso in a virtualenv of its own, with the same gunicorn as ours."""

    def __init__(self, venv: Path):
        self.venv = venv
        self.python = venv / "bin" / "python"

    def install(self) -> None:
        from importlib.metadata import version
        if not self.python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True,
                           capture_output=True, timeout=120)
        done = subprocess.run(
            [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             f"isso=={ISSO_VERSION}", f"gunicorn=={version('gunicorn')}"],
            capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            lines = [line for line in (done.stderr + done.stdout).splitlines()
                     if line.strip() and not line.startswith("WARNING")]
            raise RuntimeError(f"pip install isso=={ISSO_VERSION} failed: "
                               f"{' | '.join(lines[-2:]) or done.returncode}")

    def server(self, folder: Path, site: str) -> Server:
        self.database = folder / "isso.sqlite3"
        config = folder / "isso.cfg"
        config.write_text(f"""\
[general]
dbpath = {self.database}
host = {site}
notify = stdout
gravatar = false

[moderation]
enabled = true
purge-after = 30d

[guard]
enabled = false

[hash]
salt = {os.urandom(12).hex()}
algorithm = pbkdf2
""")
        return Server([str(self.python), "-m", "gunicorn", "isso.run:application"],
                      server_env({"ISSO_SETTINGS": str(config)}), folder, folder / "gunicorn.log")

    def counts(self) -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(self.database)) as connection:
            total, moderated = connection.execute(
                "SELECT count(*), count(*) FILTER (WHERE mode = 2) FROM comments").fetchone()
        return {"comments": total, "awaiting moderation": moderated}


# --- one run ------------------------------------------------------------------------------

def measure(contender: Contender, server: Server, options) -> int:
    """Warm up, then measure; return how many 2xx answers the server gave in all."""
    server.wait_ready()
    # One request per article, one at a time: concurrent first comments on one thread make Isso
    # answer 500 (each worker checks and creates the thread under its own process's lock).
    for article in range(loadgen.ARTICLES):
        status, text = probe(server, contender.load, article)
        if not 200 <= status < 300:
            contender.problems.append(f"a request alone answered {status or 'nothing'}: "
                                      f"{' '.join(text.split())[:200]} (log: {server.log_tail()[-300:]})")
            contender.skipped = f"a request alone answered {status or 'nothing'}"
            return 0
    waited, others = wait_for_quiet(options.settle)
    if waited >= 1:
        state = "quiet" if others <= BUSY else f"still busy ({others:.2f} cores)"
        print(f"(waited {waited:.0f} s for a quiet machine: {state})", end=" ", flush=True)
    tag = f"r{os.getpid()}{int(time.time())}"
    warm = loadgen.run(options.generator, server.url, contender.load, connections=CONNECTIONS,
                       seconds=options.warmup, tag=tag + "w")
    processes = server.processes()
    cpu, busy = sum(map(process_cpu, processes)), machine_busy()
    result = loadgen.run(options.generator, server.url, contender.load, connections=CONNECTIONS,
                         seconds=options.seconds, tag=tag + "m")
    contender.server_cpu = sum(map(process_cpu, processes)) - cpu
    others = machine_busy() - busy - contender.server_cpu - result.generator_cpu
    contender.others_cores = max(0.0, others / result.seconds)
    contender.result = result
    for name, run in (("warm-up", warm), ("measured run", result)):
        if run.non_2xx or run.failed:
            contender.problems.append(f"{name}: {run.non_2xx} non-2xx, {run.failed} failed"
                                      + (f"; first: {run.sample[:200]}" if run.sample else ""))
    generator = result.generator_cpu / result.seconds
    if contender.key == "bare" and generator > 0.5:
        contender.warnings.append(f"the load generator used {generator:.2f} cores: it may have "
                                  f"held the baseline back (install wrk)")
    if contender.others_cores > BUSY:
        contender.warnings.append(f"the rest of the machine used {contender.others_cores:.2f} "
                                  f"cores meanwhile: its figures are low by up to that share")
    if contender.problems:
        contender.problems.append(f"server log: {server.log_tail()[-300:]}")
    return loadgen.ARTICLES + warm.ok + result.ok


def check_stored(contender: Contender, answered: int, stored: int, what: str) -> None:
    """Every 2xx answer stored; a few more may be stored for requests cut off at a run's end."""
    in_flight = 2 * CONNECTIONS
    note = f"{stored} {what} stored for {answered} answers 2xx"
    if not answered <= stored <= answered + in_flight:
        contender.problems.append(f"{note}: not every answer matches a stored row")
    contender.checks.append(note)


def run_contender(contender: Contender, options, stack: contextlib.ExitStack, isso: Isso | None,
                  site: str) -> None:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{contender.key}-")))
    if contender.key == "bare":
        contender.load = NEW
        server = Server([sys.executable, "-m", "gunicorn", "tests.bench.intake:bare_app()"],
                        server_env({}), ROOT, folder / "gunicorn.log")
        stack.callback(server.stop)
        measure(contender, server, options)
        return
    if contender.key == "isso":
        contender.load = isso_load(site)
        server = isso.server(folder, site)
        stack.callback(server.stop)
        answered = measure(contender, server, options)
        if contender.result:
            server.stop()  # every request finished before counting
            counts = isso.counts()
            check_stored(contender, answered, counts["comments"], "comments")
            if counts["awaiting moderation"] != counts["comments"]:
                contender.problems.append("some comments were published without moderation")
            contender.checks.append(f"{counts['awaiting moderation']} awaiting moderation")
        return
    database, kind = contender.key.split("-")
    contender.load = NEW if kind == "new" else GROUPED
    url, contender.skipped = scratch_database(database, folder / "bench.sqlite3", stack)
    if url is None:
        return
    app = Corrections(url, folder / "instance")
    app.set_up()
    server = app.server(folder)
    stack.callback(server.stop)
    answered = measure(contender, server, options)
    if contender.result:
        server.stop()  # every request finished before counting
        counts = app.counts()
        check_stored(contender, answered, counts["submission"], "submissions")
        groups = counts["correction_request"]
        # New: each submission its own request. Grouped: one request per repeated suggestion.
        expected = "= submissions" if kind == "new" else f"<= {loadgen.ARTICLES} suggestions"
        if groups != counts["submission"] if kind == "new" else groups > loadgen.ARTICLES:
            contender.problems.append(f"{groups} correction requests, expected {expected}")
        contender.checks.append(f"{groups} correction requests ({expected}), "
                                f"{counts['event']} events for the mail worker, "
                                f"{counts['outbox_message']} messages written by the intake")


# --- the report ---------------------------------------------------------------------------

def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def report(contenders: dict[str, Contender]) -> None:
    bare = contenders.get("bare")
    bare_rate = bare.result.rate if bare and bare.result else None
    bare_p99 = bare.result.p99_ms if bare and bare.result else None
    isso = contenders.get("isso")
    isso_rate = isso.result.rate if isso and isso.result else None
    print()
    print(f"{'':<33}{'':>7}{'':>8}{'':>8}{'':>8}{'':>7}{'':>11}{'-- cores used --':>21}")
    print(f"{'contender':<33}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}{'failed':>7}"
          f"{'CPU ms/req':>11}{'server':>7}{'gen':>6}{'others':>8}{'vs bare':>8}{'p99/bare':>9}"
          f"{'vs Isso':>8}{'CPU vs bare':>12}")
    for c in contenders.values():
        r = c.result
        mark = (" !" if c.flagged else "") + (" ~" if c.warnings else "")
        if r is None:
            print(f"{c.label:<33}  not measured: {c.skipped}{mark}")
            continue
        cpu_ms = 1000 * c.server_cpu / r.requests if r.requests else 0
        # Answers per CPU-second against bare Flask's: steadier than req/s when others share
        # the machine, but blind to time spent waiting (a database lock, say).
        vs_bare_cpu = _ratio(bare.server_cpu / bare.result.requests, c.server_cpu / r.requests) \
            if bare and bare.result and bare.result.requests and r.requests and c.server_cpu else "-"
        vs_isso = _ratio(r.rate, isso_rate) if c.key not in ("bare", "isso") else ""
        print(f"{c.label:<33}{r.rate:>7.0f}{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}{r.non_2xx:>8}"
              f"{r.failed:>7}{cpu_ms:>11.2f}{c.server_cpu / r.seconds:>7.2f}"
              f"{r.generator_cpu / r.seconds:>6.2f}{c.others_cores:>8.2f}{_ratio(r.rate, bare_rate):>8}"
              f"{_ratio(r.p99_ms, bare_p99):>9}{vs_isso:>8}{vs_bare_cpu:>12}{mark}")

    print("req/s counts 2xx answers only; CPU ms/req: the server's CPU per answer (gunicorn, and "
          "PostgreSQL's backends for it); cores used during the run by the server, the load "
          "generator and the rest of the machine; "
          "p99/bare: this p99 over bare Flask's; CPU vs bare: answers per CPU-second against "
          "bare Flask's (steadier on a shared machine, blind to waiting); "
          "! had errors, ~ noisy (see checks)")

    def rate(key):
        c = contenders.get(key)
        return c.result.rate if c and c.result else None

    def p99(key):
        c = contenders.get(key)
        return c.result.p99_ms if c and c.result else None

    def ratio(a, b):
        return a / b if a and b else None

    goals = [  # (what, value, met when value >= or <= the target, the target, contenders involved)
        ("SQLite new vs bare Flask", ratio(rate("sqlite-new"), bare_rate), ">=", 0.5,
         ["sqlite-new", "bare"]),
        ("SQLite new vs Isso", ratio(rate("sqlite-new"), isso_rate), ">=", 5, ["sqlite-new", "isso"]),
        ("SQLite grouped vs SQLite new", ratio(rate("sqlite-grouped"), rate("sqlite-new")), ">=", 1,
         ["sqlite-grouped", "sqlite-new"]),
        ("PostgreSQL new vs bare Flask", ratio(rate("postgresql-new"), bare_rate), ">=", 0.35,
         ["postgresql-new", "bare"]),
    ]
    for key in ("sqlite-new", "sqlite-grouped", "postgresql-new", "postgresql-grouped"):
        goals.append((f"p99 of {key} vs bare's p99", ratio(p99(key), bare_p99), "<=", 3, [key, "bare"]))
    print("\ngoals (issue 11):")
    for name, value, sense, target, keys in goals:
        wanted = f"{sense} {target:g}x"
        if value is None:
            print(f"  {name:<40} {wanted:>8} {'-':>8}  not measured")
            continue
        met = value >= target if sense == ">=" else value <= target
        verdict = "met" if met else "MISSED"
        flagged = [k for k in keys if contenders[k].flagged]
        if flagged:
            verdict += f" (but {', '.join(flagged)} had errors: not comparable)"
        elif busy := [k for k in keys if contenders[k].warnings]:
            verdict += f" (machine busy during {', '.join(busy)})"
        print(f"  {name:<40} {wanted:>8} {value:>7.2f}x  {verdict}")
    print("\nchecks:")
    for c in contenders.values():
        for line in c.checks:
            print(f"  {c.key}: {line}")
        for line in c.problems:
            print(f"  {c.key}: ! {line}")
        for line in c.warnings:
            print(f"  {c.key}: ~ {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Intake throughput under real concurrency.")
    parser.add_argument("--seconds", type=float, default=10, help="measured time per contender")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up time per contender")
    parser.add_argument("--generator", choices=["wrk", "python"],
                        default="wrk" if loadgen.wrk_path() else "python")
    parser.add_argument("--settle", type=float, default=15,
                        help="wait up to this long before each run for others' work to pause")
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS))
    parser.add_argument("--isso-venv", type=Path,
                        help="install Isso here and keep it (default: a scratch one, removed after)")
    options = parser.parse_args([] if argv is None else argv)
    if options.generator == "wrk" and not loadgen.wrk_path():
        parser.error("wrk is not installed (apt-get install wrk), use --generator python")

    from importlib.metadata import version
    print(f"intake under load: gunicorn {version('gunicorn')} ({' '.join(SERVER_SETTINGS)}), "
          f"{CONNECTIONS} concurrent clients, unique bodies, {options.warmup:g} s warm-up + "
          f"{options.seconds:g} s each, 127.0.0.1", flush=True)
    print(f"load generator: {loadgen.describe(options.generator)}; "
          f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    contenders = {key: Contender(key, CONTENDERS[key]) for key in CONTENDERS if key in options.only}
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop every server
    try:
        with contextlib.ExitStack() as stack:
            isso = site = None
            if "isso" in contenders:
                venv = options.isso_venv or Path(stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="bench-isso-"))) / "venv"
                isso = Isso(venv)
                try:
                    print(f"installing Isso {ISSO_VERSION} into {'a scratch virtualenv' if not options.isso_venv else venv} ...",
                          flush=True)
                    isso.install()
                except (RuntimeError, subprocess.SubprocessError, OSError) as error:
                    contenders["isso"].skipped = f"cannot install Isso: {error}"
                    print(f"  {contenders['isso'].skipped}", flush=True)
                else:
                    page = ThreadingHTTPServer(("127.0.0.1", 0), _Article)
                    threading.Thread(target=page.serve_forever, daemon=True).start()
                    stack.callback(page.server_close)
                    stack.callback(page.shutdown)
                    site = f"http://127.0.0.1:{page.server_port}"
            for contender in contenders.values():
                if contender.skipped:
                    continue
                print(f"  {contender.label} ...", end=" ", flush=True)
                try:
                    with contextlib.ExitStack() as inner:
                        run_contender(contender, options, inner, isso, site)
                except Exception as error:  # noqa: BLE001 (report it, stop its server, go on)
                    contender.skipped = f"{type(error).__name__}: {error}"
                    if contender.key != "isso":
                        contender.problems.append(contender.skipped)
                r = contender.result
                print(f"{r.rate:.0f} req/s" if r else f"not measured: {contender.skipped}", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    report(contenders)


if __name__ == "__main__":
    main(sys.argv[1:])
