"""Benchmark: turn 10,000 intake events into editor notifications and drain them into a local
SMTP sink, batched vs one connection each.

    python -m tests.bench mail_drain
    python -m tests.bench.mail_drain [--count N] [--sink plain|tls|both]
                   [--database sqlite|postgresql] [--no-pipelining] [--line-by-line]

Both runs use the real worker code (`delivery.send_due`) on the same rows in the same database,
starting from what the intake leaves: one "created" event per new request, no email yet. The
worker writes each event's notification (recipients, signed one-click links for the editor
account, text and HTML rendered from the templates), then delivers: first with
MAIL_BATCH_SIZE=100 (one SMTP connection per batch), then, after putting the events back, with
MAIL_BATCH_SIZE=1 (one claim and one SMTP connection per message, the naive way). Rendering is
inside both times. The worker's resident memory (VmRSS) is printed before and after the
batched drain: it must not grow with the number of messages.

The sink is aiosmtpd in its own process, accepting and discarding, and advertising PIPELINING
as Postfix and Exim do (`--no-pipelining`: it does not). A sink must be cheaper than what it
measures: aiosmtpd reads a message's data line by line in Python (about 1.4 ms of its CPU for a
143-line notification, more than the worker spends sending it), so this sink reads the data in
one piece, as an MTA written in C effectively does; `--line-by-line` keeps aiosmtpd's own reader.
The sink's CPU per message is printed with each rate. Two kinds are measured:
`plain` (no TLS, no password: connecting costs little more than one message on loopback) and
`tls` (STARTTLS with the test certificate, then a password, the way a production submission
server on port 587 is used). Default database: a temporary SQLite file.
"""
import argparse
import asyncio
import logging
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class _Discard:
    def __init__(self, pipelining: bool):
        self.count = 0
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        from tests.mail_fixtures import advertise_pipelining
        session.host_name = hostname
        return advertise_pipelining(responses) if self.pipelining else responses

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _whole_data_smtp():
    """aiosmtpd's SMTP server with a DATA command that reads the message in one piece."""
    from aiosmtpd.smtp import SMTP

    class WholeDataSMTP(SMTP):
        # The stream's limit is also the longest line it can search; commands keep their own.
        line_length_limit = 1 << 20

        async def smtp_DATA(self, arg: str) -> None:
            if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
                return
            if not self.envelope.rcpt_tos or arg:
                await self.push("503 Error: need RCPT command" if arg == "" else "501 Syntax: DATA")
                return
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            data = await self._reader.readuntil(b"\r\n.\r\n")
            self.envelope.content = self.envelope.original_content = data[:-3]
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            await self.push(status)

    return WholeDataSMTP


def serve(port: int, tls: bool, pipelining: bool, line_by_line: bool) -> None:
    """The sink: accept and discard until SIGTERM, then print how many messages arrived and
    the CPU seconds it used."""
    from aiosmtpd.controller import Controller

    from tests.mail_fixtures import check_password, tls_server_context
    # aiosmtpd logs a warning about its own use of a deprecated attribute on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    handler = _Discard(pipelining)
    secure = ({"tls_context": tls_server_context(), "require_starttls": True,
               "authenticator": check_password, "auth_required": True} if tls else {})
    smtp_class = None if line_by_line else _whole_data_smtp()

    class Sink(Controller):
        def factory(self):
            return smtp_class(self.handler, **self.SMTP_kwargs) if smtp_class else super().factory()

    controller = Sink(handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop(),
                      **secure)
    controller.start()
    started = time.process_time()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(3600)  # a bench never runs an hour; the parent stops us long before
    controller.stop()
    print(handler.count, time.process_time() - started, flush=True)


class _Sink:
    """The sink in its own process, for one drain."""

    def __init__(self, tls: bool, pipelining: bool, line_by_line: bool):
        from tests.mail_fixtures import free_port
        self.port = free_port()
        arguments = ["--serve", str(self.port), "--sink", "tls" if tls else "plain",
                     *([] if pipelining else ["--no-pipelining"]),
                     *(["--line-by-line"] if line_by_line else [])]
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from tests.bench.mail_drain import main; main({arguments!r})"],
            cwd=ROOT, text=True, stdout=subprocess.PIPE)
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            raise SystemExit("the SMTP sink did not start")

    def stop(self) -> tuple[int, float]:
        """Messages received and CPU seconds used."""
        self.process.send_signal(signal.SIGTERM)
        received, cpu_seconds = self.process.communicate(timeout=60)[0].split()
        return int(received), float(cpu_seconds)


EDITOR = "editor@news.example.org"


def _queue(app, count: int) -> None:
    """What the intake leaves for `count` new requests: one site telling an editor account,
    and per request its submission and its "created" event, due for mail."""
    import sqlalchemy as sa

    from corrections.extensions import db
    from corrections.models import (
        Article,
        CorrectionRequest,
        Editor,
        Event,
        Kind,
        Site,
        State,
        Submission,
        utcnow,
    )
    now = utcnow()
    with app.app_context():
        db.session.add(Editor(email=EDITOR, password_hash="!"))
        site = Site(key="news", name="The Example News", language="en",
                    origins=["https://news.example.org"], notify_emails=[EDITOR])
        article = Article(site=site, url="https://news.example.org/2026/11/city-library-reopens",
                          url_hash="0" * 64, title="City library reopens after two-year renovation")
        db.session.add_all([site, article])
        db.session.flush()
        for start in range(0, count, 1000):
            numbers = range(start, min(count, start + 1000))
            request_ids = db.session.scalars(sa.insert(CorrectionRequest).returning(
                CorrectionRequest.id, sort_by_parameter_order=True), [{
                    "site_id": site.id, "article_id": article.id, "kind": Kind.TYPO,
                    "state": State.NEW, "quote_exact": f"more then two hundred ({n})",
                    "quote_prefix": "Monday morning, and ", "quote_suffix": " readers were",
                    "proposed": "more than two hundred", "submission_count": 1,
                    "created_at": now, "updated_at": now, "last_submission_at": now}
                    for n in numbers]).all()
            submission_ids = db.session.scalars(sa.insert(Submission).returning(
                Submission.id, sort_by_parameter_order=True), [{
                    "request_id": request_id, "reference": f"B{n:07d}",
                    "article_url": article.url, "comment": "“then” should be “than”.",
                    "name": "A. Reader", "email": "reader@example.net", "notify": False,
                    "client_hash": "0" * 64, "created_at": now}
                    for n, request_id in zip(numbers, request_ids, strict=True)]).all()
            db.session.execute(sa.insert(Event), [{
                "request_id": request_id, "submission_id": submission_id, "action": "created",
                "to_state": State.NEW, "note": "Reported by a reader.", "created_at": now,
                "mail_due": True} for request_id, submission_id in zip(request_ids, submission_ids,
                                                                       strict=True)])
        db.session.commit()


def _put_back(app) -> None:
    """The events as the intake left them, and no email: the naive run writes them again."""
    import sqlalchemy as sa

    from corrections.extensions import db
    from corrections.models import CorrectionRequest, Event, OutboxMessage
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.execute(sa.update(Event).values(mail_due=True))
        db.session.execute(sa.update(CorrectionRequest).values(notified_at=None))
        db.session.commit()


def rss_mib() -> float:
    """This process's resident memory now (not its peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _last_error(app) -> str:
    import sqlalchemy as sa

    from corrections.extensions import db
    from corrections.models import OutboxMessage
    with app.app_context():
        return db.session.scalar(sa.select(OutboxMessage.last_error).limit(1)) or ""


def _drain(config: dict, count: int, sink: _Sink) -> tuple[float, float, float, float]:
    """Seconds the worker code takes to write and deliver all `count` messages into `sink`,
    the sink's CPU milliseconds per message, and the worker's RSS (MiB) before and after."""
    import gc

    from corrections import create_app
    from corrections.extensions import db
    from corrections.mail import delivery
    app = create_app(config | {"MAIL_PORT": sink.port})
    try:
        with app.app_context():
            gc.collect()
            rss_before = rss_mib()
            started = time.perf_counter()
            report = delivery.send_due()
            elapsed = time.perf_counter() - started
            db.session.remove()
            gc.collect()
            rss_after = rss_mib()
            db.engine.dispose()
    finally:
        received, sink_cpu = sink.stop()
    if report.sent != count or received != count:
        raise SystemExit(f"{report.sent} of {count} messages were sent and {received} received: "
                         f"{report}; {_last_error(app)}")
    return elapsed, 1000 * sink_cpu / count, rss_before, rss_after


def measure(count: int, tls: bool, database: str = "sqlite", pipelining: bool = True,
            line_by_line: bool = False) -> dict:
    """Drain `count` messages batched, then naively, each into a fresh sink; return the rates."""
    import flask_migrate

    from corrections import create_app
    from corrections.extensions import db
    from tests.helpers import create_scratch_postgresql
    from tests.mail_fixtures import PASSWORD, TLS_CERTIFICATE, USERNAME

    drop_database = None
    with tempfile.TemporaryDirectory() as directory:
        try:
            # Always a database of its own: the bench empties the outbox it works on.
            if database == "postgresql":
                url, drop_database = create_scratch_postgresql("corrections_bench")
            else:
                url = f"sqlite:///{directory}/bench.sqlite3"
            config = {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_SUPPRESS_SEND": False,
                      "PUBLIC_URL": "http://corrections.test",
                      # every event is mailed at once: the cap is not what this measures
                      "NOTIFY_RATE_LIMIT": "", "RATELIMIT_STORAGE_URI": "memory://"}
            if tls:
                config |= {"MAIL_USE_TLS": True, "MAIL_USERNAME": USERNAME,
                           "MAIL_PASSWORD": PASSWORD, "MAIL_TLS_CA_FILE": str(TLS_CERTIFICATE)}
            setup = create_app(config)
            with setup.app_context():
                flask_migrate.upgrade()
                db.engine.dispose()
            _queue(setup, count)
            batched, batched_sink_ms, rss_before, rss_after = _drain(
                config | {"MAIL_BATCH_SIZE": 100}, count, _Sink(tls, pipelining, line_by_line))
            _put_back(setup)
            naive, naive_sink_ms, _, _ = _drain(config | {"MAIL_BATCH_SIZE": 1}, count,
                                                _Sink(tls, pipelining, line_by_line))
            with setup.app_context():
                db.engine.dispose()
        finally:
            if drop_database:
                drop_database()
    return {"sink": "tls" if tls else "plain", "count": count,
            "batched_per_second": count / batched, "naive_per_second": count / naive,
            "ratio": naive / batched, "batched_sink_ms": batched_sink_ms,
            "naive_sink_ms": naive_sink_ms, "rss_before_mib": rss_before,
            "rss_after_mib": rss_after}


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description="Outbox drain rate: batched vs naive SMTP.")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sink", choices=["plain", "tls", "both"], default="both")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite",
                        help="a temporary database of this kind (PostgreSQL: a scratch database)")
    parser.add_argument("--no-pipelining", dest="pipelining", action="store_false",
                        help="the sink does not advertise PIPELINING (four round trips a message)")
    parser.add_argument("--line-by-line", action="store_true",
                        help="the sink reads DATA with aiosmtpd's own line-by-line reader")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: be the sink
    options = parser.parse_args([] if argv is None else argv)
    if options.serve:
        serve(options.serve, tls=options.sink == "tls", pipelining=options.pipelining,
              line_by_line=options.line_by_line)
        return []

    print(f"mail drain: {options.count} intake events written into editor notifications and "
          f"delivered, {options.database}, "
          f"aiosmtpd sink in its own process reading DATA "
          f"{'line by line' if options.line_by_line else 'whole'}, "
          f"{'' if options.pipelining else 'no '}PIPELINING", flush=True)
    results = []
    for tls in {"plain": [False], "tls": [True], "both": [False, True]}[options.sink]:
        result = measure(options.count, tls, options.database, options.pipelining,
                         options.line_by_line)
        results.append(result)
        label = "STARTTLS + password" if tls else "plain SMTP (no TLS)"
        print(f"  {label:20}  batched (100 per connection) {result['batched_per_second']:6.0f}/s"
              f"  naive (1 per connection) {result['naive_per_second']:6.0f}/s"
              f"  ratio {result['ratio']:4.1f}x  (sink CPU per message: batched "
              f"{result['batched_sink_ms']:.2f} ms, naive {result['naive_sink_ms']:.2f} ms)",
              flush=True)
        print(f"  {'':20}  worker RSS before the batched drain {result['rss_before_mib']:.1f} MiB,"
              f" after {result['rss_after_mib']:.1f} MiB"
              f" ({result['rss_after_mib'] / result['rss_before_mib']:.2f}x)", flush=True)
    print("  goals: batched at least 5x the naive rate over plain SMTP, rendering included; "
          "worker RSS after at most 2x before", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
