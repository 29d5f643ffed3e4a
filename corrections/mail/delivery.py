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
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.policy import Compat32
from urllib.parse import urlsplit

import flask_mail
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow

#: Errors about one message; the connection stays usable for the next one.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


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
        text = f"sent {self.sent}, to retry {self.retrying}, failed {self.failed}"
        return f"{text} ({self.connection_error})" if self.connection_error else text


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection with what it lacks: a timeout (MAIL_TIMEOUT, for connecting and
    for every answer, so a silent server cannot hang the worker) and TLS that checks the
    server's certificate (Flask-Mail's STARTTLS accepts any certificate)."""

    def configure_host(self) -> smtplib.SMTP:
        config = current_app.config
        # Our own name for EHLO: smtplib would otherwise look up the host's FQDN on every connect.
        local_hostname = urlsplit(config["PUBLIC_URL"]).hostname or "localhost"
        options = {"local_hostname": local_hostname, "timeout": config["MAIL_TIMEOUT"]}
        tls = (ssl.create_default_context(cafile=config.get("MAIL_TLS_CA_FILE"))
               if self.mail.use_ssl or self.mail.use_tls else None)
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, context=tls, **options)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, **options)
        try:
            if self.mail.use_tls:
                host.starttls(context=tls)
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, *exc_info) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except OSError:  # smtplib's errors included
            self.host.close()  # the server is gone already; nothing to be polite to
        self.host = None


def retry_delay(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed try: doubling from `base` up to `cap`,
    then jittered into its upper half so that many messages do not come back at once."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


def claim(limit: int, *, due_by: datetime, exclude: set[int] = frozenset()) -> tuple[list[int], datetime]:
    """Lease up to `limit` due messages to this worker; return their ids and the lease's end."""
    lease_until = utcnow() + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    due = (sa.select(OutboxMessage.id)
           .where(OutboxMessage.status == OutboxStatus.PENDING,
                  OutboxMessage.next_attempt_at <= due_by,
                  sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= due_by))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
           .limit(limit))
    if exclude:
        due = due.where(OutboxMessage.id.not_in(exclude))
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Take the write lock before reading, so no other worker reads the same rows.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            due = due.with_for_update(skip_locked=True)
        ids = list(connection.scalars(due))
        if ids:
            connection.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                               .values(lease_until=lease_until))
        connection.commit()
    return ids, lease_until


def send_due(*, stop: threading.Event | None = None) -> Report:
    """Deliver every message due now, batch by batch, then return.

    Stops early when the SMTP server cannot be used (the worker tries again later) or when
    `stop` is set (after the message in hand). Messages that fail during this pass are not
    tried again in it, so the pass always ends.
    """
    due_by = utcnow()
    batch_size = current_app.config["MAIL_BATCH_SIZE"]
    report = Report()
    while not (stop and stop.is_set()):
        ids, lease_until = claim(batch_size, due_by=due_by, exclude=report.unsuccessful_ids)
        if not ids:
            break
        batch = send_batch(ids, lease_until, stop=stop)
        report.add(batch)
        if batch.connection_error:
            break
    return report


def send_batch(ids: list[int], lease_until: datetime, *, stop: threading.Event | None = None) -> Report:
    """Send the claimed messages over one SMTP connection, marking each as soon as it is sent."""
    report = Report()
    with db.engine.connect() as database:
        ledger = _Ledger(database, lease_until, report)
        rows = database.execute(
            sa.select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject,
                      OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.headers,
                      OutboxMessage.message_id, OutboxMessage.attempts)
            .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
        database.commit()
        connection = SMTPConnection(current_app.extensions["mail"])
        try:
            connection.__enter__()
        except OSError as error:  # smtplib's errors are OSErrors too
            report.connection_error = describe(error)
            for row in rows:
                ledger.failed(row, report.connection_error)
            return report
        try:
            for index, row in enumerate(rows):
                if stop is not None and stop.is_set():
                    ledger.release(rows[index:])
                    break
                try:
                    connection.send(_message(row))
                except MESSAGE_ERRORS as error:
                    ledger.failed(row, describe(error))
                except OSError as error:
                    # The connection broke: this message counts a try; the rest wait for the next pass.
                    report.connection_error = describe(error)
                    ledger.failed(row, report.connection_error)
                    ledger.release(rows[index + 1:])
                    break
                except Exception as error:  # noqa: BLE001 - one unsendable message must not stop the rest
                    ledger.failed(row, describe(error))
                else:
                    ledger.sent(row)
        finally:
            connection.__exit__(None, None, None)
    return report


class _Ledger:
    """Records each message's outcome at once, in its own small transaction on one connection.

    Every update names the lease: if it ran out and another worker took the message over,
    that worker records the outcome instead.
    """

    def __init__(self, database: sa.Connection, lease_until: datetime, report: Report):
        self.database, self.lease_until, self.report = database, lease_until, report

    def _update(self, ids: list[int], **values) -> None:
        self.database.execute(sa.update(OutboxMessage)
                              .where(OutboxMessage.id.in_(ids),
                                     OutboxMessage.lease_until == self.lease_until)
                              .values(**values))
        self.database.commit()

    def sent(self, row) -> None:
        self._update([row.id], status=OutboxStatus.SENT, sent_at=utcnow(),
                     attempts=row.attempts + 1, lease_until=None, last_error=None)
        self.report.sent += 1

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

    def release(self, rows) -> None:
        """Give unsent messages back at once, so another worker need not wait for the lease."""
        if rows:
            self._update([row.id for row in rows], lease_until=None)


#: SMTP allows 998 bytes per line, CRLF excluded.
MAX_LINE_BYTES = 998


def _charset(body_encoding) -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = body_encoding
    return charset


#: 8bit keeps mail readable as it is; quoted-printable when a line is too long for SMTP.
UTF8_8BIT, UTF8_QUOTED_PRINTABLE = _charset(None), _charset(QP)


class _AsEncoded(Compat32):
    """Write headers as they are. Flask-Mail has already RFC 2047-encoded and folded every
    header into ASCII, so encoding them again (as the generator would) only costs time."""

    def _fold(self, name, value, sanitize):
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


FLATTEN_POLICY = _AsEncoded(linesep="\r\n", max_line_length=MAX_LINE_BYTES)


class _Message(flask_mail.Message):
    """Flask-Mail's message with a body encoding SMTP always accepts: Flask-Mail sends 8bit, so
    a reader's long one-line comment (over 998 bytes) would be refused as "line too long"."""

    def _mimetext(self, text, subtype="plain"):
        text = text or ""
        too_long = any(len(line.encode()) > MAX_LINE_BYTES for line in text.splitlines())
        return MIMEText(text, subtype, UTF8_QUOTED_PRINTABLE if too_long else UTF8_8BIT)

    def as_bytes(self) -> bytes:
        return self._message().as_bytes(policy=FLATTEN_POLICY)


def _message(row) -> flask_mail.Message:
    message = _Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                       html=row.body_html, extra_headers=dict(row.headers or {}))
    message.msgId = row.message_id  # stable: a repeated delivery is recognisably the same mail
    return message


def describe(error: BaseException) -> str:
    """One line an admin can act on: the SMTP code and answer when there is one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(answer)}"
                         for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error.__context__, TimeoutError):  # smtplib reports a timeout as a disconnect
        error = error.__context__
    if isinstance(error, TimeoutError):
        return f"The SMTP server did not answer in time ({error or 'timed out'})."
    if isinstance(error, ConnectionRefusedError):
        return f"The SMTP server refused the connection ({error})."
    return f"{type(error).__name__}: {error}"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def retry_now(message_ids: list[int] | None = None) -> int:
    """Put failed messages back in the queue for immediate delivery; all of them without ids."""
    query = (sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
             .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(),
                     lease_until=None))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    count = db.session.execute(query, execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    return count


def status_counts() -> dict[OutboxStatus, int]:
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}
