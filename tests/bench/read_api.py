"""The read API for one article under real concurrency, side by side with bare Flask, in one run.

    .venv/bin/python -m tests.bench.read_api [--seconds 10] [--warmup 2] [--generator wrk|python]
                                             [--only bare sqlite postgresql] [--corrections 3]

`GET /api/v1/corrections?site=news&url=…` is what the widget asks on every article page view.
Every contender is served by gunicorn with the intake bench's settings (SERVER_SETTINGS: 2 sync
workers) on 127.0.0.1 and driven by the same load (8 concurrent clients, the intake bench's wrk
machinery, GET the one article's corrections for a fixed time after a warm-up):

- bare Flask answering the same path with jsonify() of a JSON document of the same size (the
  very answer corrections gives, read once at start): the baseline;
- corrections on SQLite and on PostgreSQL (a scratch database made and dropped here), the
  article having `--corrections` published corrections (one of them amended), so its answer is
  a real one. Each answer still looks the site's version stamp up in the database.

For each: 2xx answers per second, p50 and p99, errors, server CPU per answer; the goal is the
read API at >= 0.8x bare Flask's rate.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from tests.bench import load as loadgen
from tests.bench.intake import (
    BUSY,
    CONNECTIONS,
    ROOT,
    SERVER_SETTINGS,
    SITE_ORIGIN,
    WORKERS,
    Contender,
    Corrections,
    Server,
    machine_busy,
    process_cpu,
    scratch_database,
    server_env,
    wait_for_quiet,
)

ARTICLE = f"{SITE_ORIGIN}/2026/11/city-library-reopens"
PATH = "/api/v1/corrections?" + urlencode({"site": "news", "url": ARTICLE})
LOAD = loadgen.Load(PATH, "", {"Accept": "application/json"}, method="GET")
GOAL = 0.8
CONTENDERS = {"bare": "bare Flask, same-size JSON",
              "sqlite": "corrections read API, SQLite",
              "postgresql": "corrections read API, PostgreSQL"}


def bare_app():
    """The baseline: Flask answering the path with jsonify() of a same-size document."""
    from flask import Flask, jsonify
    app = Flask("bare")
    document = json.loads(Path(os.environ["BENCH_READ_ANSWER"]).read_text())

    @app.get("/api/v1/corrections")
    def corrections():
        return jsonify(document)
    return app


def publish_corrections(app: Corrections, count: int) -> bytes:
    """`count` published corrections of ARTICLE, the first amended; the API's answer for it."""
    from corrections.extensions import db
    from corrections.models import CorrectionRequest, PublicationType
    from corrections.workflow.transitions import Action, Details, transition
    with app.app() as flask_app:
        client = flask_app.test_client()
        for n in range(count):
            response = client.post("/api/v1/suggestions", headers={"Origin": SITE_ORIGIN}, json={
                "site": "news", "url": ARTICLE, "title": "City library reopens", "kind": "typo",
                "quote": {"exact": f"passage number {n} of the story", "prefix": "In the ",
                          "suffix": " we wrote"},
                "position": {"start": 100 * n, "end": 100 * n + 30}})
            if response.status_code != 201:
                raise RuntimeError(f"the intake answered {response.status_code}: {response.data[:200]}")
        with flask_app.app_context():
            for request in db.session.scalars(db.select(CorrectionRequest)).all():
                transition(request, Action.ACCEPT, editor=None, version=request.version)
                transition(request, Action.PUBLISH, editor=None, version=request.version,
                           details=Details(publication_type=PublicationType.CORRECTION,
                                           public_note=f"We misquoted passage {request.id}; "
                                                       "it now reads as the council said."))
            first = db.session.scalars(db.select(CorrectionRequest)).first()
            transition(first, Action.AMEND, editor=None, version=first.version,
                       details=Details(public_note="We misquoted this passage twice; it now "
                                                   "reads as the council said."))
        answer = client.get(PATH)
        if answer.status_code != 200 or len(answer.get_json()["corrections"]) != count:
            raise RuntimeError(f"the read API answered {answer.status_code}: {answer.data[:200]}")
        return answer.data


def probe(server: Server, timeout: float = loadgen.TIMEOUT) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(server.url + PATH, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read(300)
    except OSError as error:
        return 0, str(error).encode()


def measure(contender: Contender, server: Server, options, expected: bytes) -> None:
    server.wait_ready()
    # A worker's first answer can take seconds (on PostgreSQL, some 8 s on a busy machine):
    # one unhurried request per worker before judging, as the warm-up would otherwise.
    for _ in range(WORKERS):
        status, body = probe(server, timeout=60)
    if status != 200 or abs(len(body) - len(expected)) > 1:  # jsonify() ends with a newline
        contender.problems.append(f"a request alone answered {status or 'nothing'} with "
                                  f"{len(body)} bytes (expected {len(expected)}): {body[:200]!r} "
                                  f"(log: {server.log_tail()[-300:]})")
        contender.skipped = "a request alone went wrong"
        return
    contender.checks.append(f"answer of {len(body)} bytes")
    waited, others = wait_for_quiet(options.settle)
    if waited >= 1:
        print(f"(waited {waited:.0f} s for a quiet machine)", end=" ", flush=True)
    tag = f"r{os.getpid()}{int(time.time())}"
    loadgen.run(options.generator, server.url, LOAD, connections=CONNECTIONS,
                seconds=options.warmup, tag=tag + "w")
    processes = server.processes()
    cpu, busy = sum(map(process_cpu, processes)), machine_busy()
    result = loadgen.run(options.generator, server.url, LOAD, connections=CONNECTIONS,
                         seconds=options.seconds, tag=tag + "m")
    contender.server_cpu = sum(map(process_cpu, processes)) - cpu
    others = machine_busy() - busy - contender.server_cpu - result.generator_cpu
    contender.others_cores = max(0.0, others / result.seconds)
    contender.result = result
    if result.non_2xx or result.failed:
        contender.problems.append(f"{result.non_2xx} non-2xx, {result.failed} failed; "
                                  f"first: {result.sample[:200]}")
    if contender.others_cores > BUSY:
        contender.warnings.append(f"the rest of the machine used {contender.others_cores:.2f} "
                                  "cores meanwhile")


def run(options) -> dict[str, Contender]:
    contenders = {key: Contender(key, CONTENDERS[key]) for key in CONTENDERS if key in options.only}
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-read-")))
        answer = None
        apps: dict[str, Corrections] = {}
        for key in ("sqlite", "postgresql"):
            if key not in contenders and not (key == "sqlite" and answer is None):
                continue
            url, skipped = scratch_database(key, folder / "read.sqlite3", stack)
            if url is None:
                contenders[key].skipped = skipped
                continue
            app = Corrections(url, folder / f"instance-{key}")
            app.set_up()
            made = publish_corrections(app, options.corrections)
            answer = answer or made
            apps[key] = app
        answer_file = folder / "answer.json"
        answer_file.write_bytes(answer)
        for contender in contenders.values():
            if contender.skipped:
                continue
            print(f"  {contender.label} ...", end=" ", flush=True)
            with contextlib.ExitStack() as inner:
                if contender.key == "bare":
                    server = Server([sys.executable, "-m", "gunicorn", "tests.bench.read_api:bare_app()"],
                                    server_env({"BENCH_READ_ANSWER": str(answer_file)}), ROOT,
                                    folder / "bare.log")
                else:
                    server = apps[contender.key].server(folder)
                inner.callback(server.stop)
                try:
                    measure(contender, server, options, answer)
                except Exception as error:  # noqa: BLE001 (report it, stop its server, go on)
                    contender.skipped = f"{type(error).__name__}: {error}"
                    contender.problems.append(contender.skipped)
            r = contender.result
            print(f"{r.rate:.0f} req/s" if r else f"not measured: {contender.skipped}", flush=True)
    return contenders


def report(contenders: dict[str, Contender]) -> None:
    bare = contenders.get("bare")
    bare_rate = bare.result.rate if bare and bare.result else None
    print(f"\n{'contender':<36}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}{'failed':>7}"
          f"{'CPU ms/req':>11}{'others':>8}{'vs bare':>8}")
    for c in contenders.values():
        r = c.result
        mark = (" !" if c.problems else "") + (" ~" if c.warnings else "")
        if r is None:
            print(f"{c.label:<36}  not measured: {c.skipped}{mark}")
            continue
        cpu_ms = 1000 * c.server_cpu / r.requests if r.requests else 0
        ratio = f"{r.rate / bare_rate:.2f}x" if bare_rate else "-"
        print(f"{c.label:<36}{r.rate:>8.0f}{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}{r.non_2xx:>8}"
              f"{r.failed:>7}{cpu_ms:>11.2f}{c.others_cores:>8.2f}{ratio:>8}{mark}")
    print(f"\ngoals (issue 14): the read API for one url >= {GOAL:g}x bare Flask")
    for key in ("sqlite", "postgresql"):
        c = contenders.get(key)
        if not (c and c.result and bare_rate):
            print(f"  {key:<12} not measured")
            continue
        value = c.result.rate / bare_rate
        verdict = "met" if value >= GOAL else "MISSED"
        if c.problems or bare.problems:
            verdict += " (but there were errors: not comparable)"
        elif c.warnings or bare.warnings:
            verdict += " (machine busy)"
        print(f"  {key:<12} {value:.2f}x  {verdict}")
    print("\nchecks:")
    for c in contenders.values():
        for line in c.checks + [f"! {p}" for p in c.problems] + [f"~ {w}" for w in c.warnings]:
            print(f"  {c.key}: {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Read API throughput under real concurrency.")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--generator", choices=["wrk", "python"],
                        default="wrk" if loadgen.wrk_path() else "python")
    parser.add_argument("--settle", type=float, default=15)
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS))
    parser.add_argument("--corrections", type=int, default=3,
                        help="published corrections of the article asked about")
    options = parser.parse_args([] if argv is None else argv)
    from importlib.metadata import version
    print(f"read API under load: gunicorn {version('gunicorn')} ({' '.join(SERVER_SETTINGS)}), "
          f"{CONNECTIONS} concurrent clients, GET {PATH}, {options.warmup:g} s warm-up + "
          f"{options.seconds:g} s each, 127.0.0.1; {loadgen.describe(options.generator)}",
          flush=True)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        contenders = run(options)
    finally:
        signal.signal(signal.SIGTERM, previous)
    report(contenders)


if __name__ == "__main__":
    main(sys.argv[1:])
