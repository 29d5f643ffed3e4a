"""Delivery from the outbox: claim due messages under a lease, send them over one SMTP connection.

Delivery is at least once. A worker claims a batch by setting `lease_until` (PostgreSQL:
`SELECT … FOR UPDATE SKIP LOCKED`; SQLite: an immediate write transaction), so two workers
never hold the same message. Each message is marked sent right after the server accepts it,
so a crash repeats at most the message in hand, with the same Message-ID, once its lease
expires. Failures are retried with exponential backoff and jitter, then marked failed.
"""
from __future__ import annotations

import random
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..database import lease_due
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow
from .mime import address, render
from .smtp import MESSAGE_ERRORS, SMTPConnection, describe

#: Where features register what must happen before each delivery pass (see before_delivery).
BEFORE_DELIVERY = "corrections.mail.before_delivery"


def before_delivery(app, step: Callable[[], object]) -> None:
    """Run `step` at the start of every delivery pass: how notifications turn due events into
    outbox rows without this transport knowing what an event is."""
    steps = app.extensions.setdefault(BEFORE_DELIVERY, [])
    if step not in steps:
        steps.append(step)


@dataclass
class Report:
    """What one delivery pass did."""
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Why the SMTP server could not be used, if it could not.
    connection_error: str | None = None
    #: Messages tried in vain during this pass; the pass does not try them again.
    unsuccessful_ids: set[int] = field(default_factory=set)

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.connection_error = other.connection_error or self.connection_error
        self.unsuccessful_ids |= other.unsuccessful_ids

    def __str__(self) -> str:
        text = _("sent %(sent)d, to retry %(retrying)d, failed %(failed)d", sent=self.sent,
                 retrying=self.retrying, failed=self.failed)
        return f"{text} ({self.connection_error})" if self.connection_error else text


def retry_delay(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed try: doubling from `base` up to `cap`,
    then jittered into its upper half so that many messages do not come back at once."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


def claim(limit: int, *, due_by: datetime, exclude: set[int] = frozenset()) -> tuple[list[int], datetime]:
    """Lease up to `limit` due messages to this worker; return their ids and the lease's end."""
    lease_until = utcnow() + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    ids = lease_due(OutboxMessage, OutboxStatus.PENDING, limit=limit, due_by=due_by,
                    exclude=exclude, lease_until=lease_until)
    return ids, lease_until


def send_due(*, stop: threading.Event | None = None,
             between_batches: Callable[[], None] | None = None) -> Report:
    """Run the registered steps (notifications write the emails of due events), then deliver every message due now,
    batch by batch, and return; call `between_batches` after each batch (the worker's heartbeat).

    Stops early when the SMTP server cannot be used (the worker tries again later) or when
    `stop` is set (after the message in hand). Messages that fail during this pass are not
    tried again in it, so the pass always ends.
    """
    for step in current_app.extensions.get(BEFORE_DELIVERY, ()):
        step()
    due_by = utcnow()
    batch_size = current_app.config["MAIL_BATCH_SIZE"]
    report = Report()
    while not (stop and stop.is_set()):
        ids, lease_until = claim(batch_size, due_by=due_by, exclude=report.unsuccessful_ids)
        if not ids:
            break
        batch = send_batch(ids, lease_until, stop=stop)
        report.add(batch)
        if between_batches is not None:
            between_batches()
        if batch.connection_error:
            break
    return report


def send_batch(ids: list[int], lease_until: datetime, *, stop: threading.Event | None = None) -> Report:
    """Send the claimed messages over one SMTP connection, marking each as soon as it is sent."""
    report = Report()
    # Every statement here is a transaction of its own: autocommit saves a BEGIN and a COMMIT
    # per message (on PostgreSQL, two round trips).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as database:
        ledger = _Ledger(database, lease_until, report)
        rows = database.execute(
            sa.select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject,
                      OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.headers,
                      OutboxMessage.message_id, OutboxMessage.attempts, OutboxMessage.created_at)
            .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
        mail = current_app.extensions["mail"]
        sender = address(mail.default_sender)
        connection = SMTPConnection(mail)
        try:
            connection.__enter__()
        except OSError as error:  # smtplib's errors are OSErrors too
            report.connection_error = describe(error)
            ledger.deferred(rows, report.connection_error)
            return report
        try:
            if connection.host is not None and connection.host.has_extn("pipelining"):
                _send_pipelined(connection, rows, sender, ledger, stop)
            else:
                _send_one_by_one(connection, rows, sender, ledger, stop)
        finally:
            connection.__exit__(None, None, None)
    return report


def _send_one_by_one(connection: SMTPConnection, rows, sender: str, ledger: _Ledger,
                     stop: threading.Event | None) -> None:
    """Send each message with smtplib's `sendmail`: four round trips a message."""
    for index, row in enumerate(rows):
        # The first message always goes, so that every batch makes progress.
        if stop is not None and stop.is_set() or index and ledger.lease_running_out():
            ledger.release(rows[index:])
            return
        try:
            data = render(row, sender, eight_bit=connection.eight_bit)
            if connection.host is not None:  # None while sending is suppressed
                connection.host.sendmail(sender, [address(row.recipient)], data,
                                         ["BODY=8BITMIME"] if connection.eight_bit else [])
        except MESSAGE_ERRORS as error:
            ledger.failed(row, describe(error))
            if connection.host.sock is None:  # a 421: smtplib hung up, as the server does
                ledger.report.connection_error = describe(error)
                ledger.release(rows[index + 1:])
                return
        except OSError as error:
            # The connection broke: this message counts a try; the rest wait for the next pass.
            ledger.report.connection_error = describe(error)
            ledger.failed(row, ledger.report.connection_error)
            ledger.release(rows[index + 1:])
            return
        except Exception as error:  # noqa: BLE001 - one unsendable message must not stop the rest
            ledger.failed(row, describe(error))
        else:
            ledger.sent(row)


def _send_pipelined(connection: SMTPConnection, rows, sender: str, ledger: _Ledger,
                    stop: threading.Event | None) -> None:
    """Send the messages with one round trip each, keeping the worker busy while the server
    works: the next message is built, and the last outcome recorded, while the server reads.

    A message is in hand once its body is on the wire: a stop lets it finish, and a crash
    repeats only it, because the one before was recorded before its end of data went out. By
    then the next message's envelope may be accepted too; on a stop, its DATA is abandoned.
    """
    waiting = list(reversed(rows))  # popped from the end, so in order

    def next_message():
        """The next message that can be built, as (row, data); None when none is left."""
        while waiting:
            row = waiting.pop()
            try:
                return row, render(row, sender, eight_bit=connection.eight_bit)
            except Exception as error:  # noqa: BLE001 - one unsendable message must not stop the rest
                ledger.failed(row, describe(error))
        return None

    def stopping() -> bool:
        return stop is not None and stop.is_set()

    upcoming = next_message()
    in_hand = None    # its body is on the wire; its end of data goes out with the next envelope
    ending = None     # its end of data is on the wire, unanswered: it may have been delivered
    starting = None   # its envelope is on the wire
    first = True
    try:
        # The first message always goes, so that every batch makes progress.
        while upcoming is not None and not stopping() and (first or not ledger.lease_running_out()):
            (row, data), upcoming, first = upcoming, None, False
            ending, in_hand, starting = in_hand, None, row
            connection.start(sender, address(row.recipient), len(data), end_data=ending is not None)
            upcoming = next_message()
            if ending is not None:
                answer = connection.reply()
                ledger.record(ending, answer)  # while the server reads the envelope
                ending = None
                if connection.closed:  # after a 421: the rest wait for the next pass
                    ledger.report.connection_error = describe(smtplib.SMTPResponseException(*answer))
                    waiting.append(row)
                    starting = None
                    break
            refusal = connection.envelope_refusal(sender, address(row.recipient))
            if refusal is not None:
                ledger.failed(row, describe(refusal))
                if connection.closed:
                    ledger.report.connection_error = describe(refusal)
                    starting = None
                    break
            elif stopping():
                connection.abandon()
                waiting.append(row)
            else:
                connection.send_data(data)
                in_hand = row
            starting = None
        if in_hand is not None:
            ending, in_hand = in_hand, None
            answer = connection.end_data()
            ledger.record(ending, answer)
            ending = None
            if connection.closed:
                ledger.report.connection_error = describe(smtplib.SMTPResponseException(*answer))
    except OSError as error:  # smtplib's errors included: the connection broke
        ledger.report.connection_error = describe(error)
        # One message counts a try: the one that may have been delivered, else the one being
        # started. Nothing else was sent; it waits for the next pass.
        if ending is not None:
            ledger.failed(ending, ledger.report.connection_error)
            if starting is not None:
                waiting.append(starting)
        elif starting is not None:
            ledger.failed(starting, ledger.report.connection_error)
        connection.abandon()
    except BaseException:
        connection.abandon()  # a QUIT now might be read as part of a message
        raise
    if upcoming is not None:
        waiting.append(upcoming[0])
    ledger.release(waiting)


_outbox = OutboxMessage.__table__.c

#: Marking a message sent happens once per message: one statement, built once.
MARK_SENT = (sa.update(OutboxMessage)
             .where(_outbox.id == sa.bindparam("row_id"),
                    _outbox.lease_until == sa.bindparam("lease", type_=_outbox.lease_until.type))
             .values(status=OutboxStatus.SENT, attempts=sa.bindparam("new_attempts"),
                     sent_at=sa.bindparam("sent_at", type_=_outbox.sent_at.type),
                     lease_until=None, last_error=None))


class _Ledger:
    """Records each message's outcome at once, one statement (and transaction) each, on one
    connection in autocommit mode.

    Every update names the lease: if it ran out and another worker took the message over,
    that worker records the outcome instead.
    """

    def __init__(self, database: sa.Connection, lease_until: datetime, report: Report):
        self.database, self.lease_until, self.report = database, lease_until, report
        # Start no message after this: its answers could then come after the lease is over,
        # when another worker may have taken the message (each answer waits MAIL_TIMEOUT).
        self.last_start = lease_until - timedelta(seconds=2 * current_app.config["MAIL_TIMEOUT"])

    def lease_running_out(self) -> bool:
        return utcnow() >= self.last_start

    def _update(self, ids: list[int], **values) -> None:
        self.database.execute(sa.update(OutboxMessage)
                              .where(OutboxMessage.id.in_(ids),
                                     OutboxMessage.lease_until == self.lease_until)
                              .values(**values))

    def sent(self, row) -> None:
        self.database.execute(MARK_SENT, {"row_id": row.id, "lease": self.lease_until,
                                          "sent_at": utcnow(), "new_attempts": row.attempts + 1})
        self.report.sent += 1

    def record(self, row, reply: tuple[int, bytes]) -> None:
        """Record the server's answer to a message's end of data."""
        if reply[0] == 250:
            self.sent(row)
        else:
            self.failed(row, describe(smtplib.SMTPDataError(*reply)))

    def failed(self, row, error: str) -> None:
        config = current_app.config
        attempts = row.attempts + 1
        changes: dict = {"attempts": attempts, "lease_until": None, "last_error": error[:2000]}
        if attempts >= config["MAIL_MAX_ATTEMPTS"]:
            changes["status"] = OutboxStatus.FAILED
            self.report.failed += 1
        else:
            delay = retry_delay(attempts, base=config["MAIL_RETRY_BASE_SECONDS"],
                                cap=config["MAIL_RETRY_MAX_SECONDS"])
            changes["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
            self.report.retrying += 1
        self.report.unsuccessful_ids.add(row.id)
        self._update([row.id], **changes)

    def deferred(self, rows, error: str) -> None:
        """The SMTP server could not be used at all: try again later without spending a try,
        for an outage says nothing about the messages, and a long one must not fail them all.
        Each waits as long again as it has waited so far, between the retry base and cap."""
        config = current_app.config
        now = utcnow()
        for row in rows:
            waited = (now - row.created_at).total_seconds()
            delay = retry_delay(1, base=max(config["MAIL_RETRY_BASE_SECONDS"], waited),
                                cap=config["MAIL_RETRY_MAX_SECONDS"])
            self._update([row.id], lease_until=None, last_error=error[:2000],
                         next_attempt_at=now + timedelta(seconds=delay))
        self.report.retrying += len(rows)
        self.report.unsuccessful_ids.update(row.id for row in rows)

    def release(self, rows) -> None:
        """Give unsent messages back at once, so another worker need not wait for the lease."""
        if rows:
            self._update([row.id for row in rows], lease_until=None)


#: SMTP allows 998 bytes per line, CRLF excluded.
