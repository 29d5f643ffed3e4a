"""Delivery from the outbox: claim due messages under a lease, send them over one SMTP connection.

Delivery is at least once. A worker claims a batch by setting `lease_until` (PostgreSQL:
`SELECT … FOR UPDATE SKIP LOCKED`; SQLite: an immediate write transaction), so two workers
never hold the same message. Each message is marked sent right after the server accepts it,
so a crash repeats at most the message in hand, with the same Message-ID, once its lease
expires. Failures are retried with exponential backoff and jitter, then marked failed.
"""
from __future__ import annotations

import functools
import ipaddress
import random
import smtplib
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import quoprimime
from email.header import Header
from email.utils import formatdate
from urllib.parse import urlsplit

import flask_mail
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow
from . import events

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
        text = _("sent %(sent)d, to retry %(retrying)d, failed %(failed)d", sent=self.sent,
                 retrying=self.retrying, failed=self.failed)
        return f"{text} ({self.connection_error})" if self.connection_error else text


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection with what it lacks: a timeout (MAIL_TIMEOUT, for connecting and
    for every answer, so a silent server cannot hang the worker) and TLS that checks the
    server's certificate (Flask-Mail's STARTTLS accepts any certificate)."""

    def configure_host(self) -> smtplib.SMTP:
        config = current_app.config
        # Our own name for EHLO: smtplib would otherwise look up the host's FQDN on every connect.
        options = {"local_hostname": _ehlo_name(config["PUBLIC_URL"]),
                   "timeout": config["MAIL_TIMEOUT"]}
        tls = (ssl.create_default_context(cafile=config.get("MAIL_TLS_CA_FILE"))
               if self.mail.use_ssl or self.mail.use_tls else None)
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, context=tls, **options)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, **options)
        try:
            # Pipelined writes come in pairs (a body, then its end with the next envelope):
            # without this, Nagle's algorithm holds the second until the server's delayed ACK.
            host.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.mail.use_tls:
                host.starttls(context=tls)
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
            host.ehlo_or_helo_if_needed()  # now, to know whether the server offers PIPELINING
        except BaseException:
            host.close()
            raise
        return host

    # --- PIPELINING (RFC 2920): a message costs one round trip -------------------------------
    # A message's data may open a group of commands, and DATA must close one: so a message's
    # end of data goes out with the next message's MAIL, RCPT and DATA, and only the body
    # waits for an answer (the 354).

    def start(self, sender: str, recipient: str, size: int, *, end_data: bool = False) -> None:
        """Write MAIL, RCPT and DATA in one go, after the open message's end of data when
        `end_data`. Read that message's answer with `reply()`, then `envelope_refusal()`."""
        host = self.host
        options = (f" SIZE={size}" if host.has_extn("size") else "") + (
            " BODY=8BITMIME" if self.eight_bit else "")
        host.send((".\r\n" if end_data else "")
                  + f"MAIL FROM:{_envelope_address(sender)}{options}\r\n"
                  f"RCPT TO:{_envelope_address(recipient)}\r\nDATA\r\n")

    def reply(self) -> tuple[int, bytes]:
        """The server's next answer; after a 421 the server is closing, and so do we."""
        answer = self.host.getreply()
        if answer[0] == 421:  # RFC 5321 3.8
            self.abandon()
        return answer

    def envelope_refusal(self, sender: str, recipient: str) -> smtplib.SMTPException | None:
        """Read the answers to MAIL, RCPT and DATA: None when the server waits for the data,
        else the refusal as smtplib raises it, with the transaction reset (or, after a 421,
        the connection closed)."""
        answers = [self.reply()]
        while len(answers) < 3 and not self.closed:
            answers.append(self.reply())
        mail, *rest = answers
        if mail[0] == 250 and rest[0][0] in (250, 251) and rest[1][0] == 354:
            return None
        if not self.closed:
            if answers[-1][0] == 354:  # a server that let DATA start anyway gets an empty one
                self.host.send(b".\r\n")
                self.host.getreply()
            self._reset()
        if mail[0] != 250:
            return smtplib.SMTPSenderRefused(*mail, sender)
        if rest[0][0] not in (250, 251):
            return smtplib.SMTPRecipientsRefused({recipient: rest[0]})
        return smtplib.SMTPDataError(*rest[1])

    @property
    def closed(self) -> bool:
        return self.host is None

    @property
    def eight_bit(self) -> bool:
        """Whether the server takes 8-bit text (8BITMIME); else messages are sent in 7 bits.
        Without a connection (sending suppressed) nothing is sent, so it does not matter."""
        return self.host is None or self.host.has_extn("8bitmime")

    def send_data(self, data: bytes) -> None:
        """The message body after a 354, all but the final dot: it ends with `end_data()` or
        with the next message's `start(…, end_data=True)`."""
        # SMTP's transparency rule: a line starting with "." gets another (RFC 5321 4.5.2).
        # `render` ends every line with CRLF, so a line starts at the data's start or after one.
        body = (b"." if data.startswith(b".") else b"") + data.replace(b"\r\n.", b"\r\n..")
        self.host.send(body if body.endswith(b"\r\n") else body + b"\r\n")

    def end_data(self) -> tuple[int, bytes]:
        self.host.send(b".\r\n")
        return self.reply()

    def abandon(self) -> None:
        """Drop the connection without a word: the only way out of DATA that sends nothing
        (a QUIT would be read as part of the message). The server discards what it has."""
        if self.host is not None:
            self.host.close()
            self.host = None

    def _reset(self) -> None:
        """RSET after a refusal, as `sendmail` does; a server gone by now shows on the next message."""
        try:
            self.host.rset()
        except smtplib.SMTPServerDisconnected:
            pass

    def __exit__(self, *exc_info) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except OSError:  # smtplib's errors included
            self.host.close()  # the server is gone already; nothing to be polite to
        self.host = None


def _ehlo_name(public_url: str) -> str:
    """The app's host name, or its address as an address literal (RFC 5321 4.1.3)."""
    host = urlsplit(public_url).hostname or "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


#: <address> for MAIL FROM and RCPT TO; the few addresses recur, and parsing them is not free.
_envelope_address = functools.lru_cache(maxsize=1024)(smtplib.quoteaddr)


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


def send_due(*, stop: threading.Event | None = None,
             between_batches: Callable[[], None] | None = None) -> Report:
    """Write the emails of due events (mail.events), then deliver every message due now,
    batch by batch, and return; call `between_batches` after each batch (the worker's heartbeat).

    Stops early when the SMTP server cannot be used (the worker tries again later) or when
    `stop` is set (after the message in hand). Messages that fail during this pass are not
    tried again in it, so the pass always ends.
    """
    events.write_due_emails()
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
        sender = _address(mail.default_sender)
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
                connection.host.sendmail(sender, [_address(row.recipient)], data,
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
            connection.start(sender, _address(row.recipient), len(data), end_data=ending is not None)
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
            refusal = connection.envelope_refusal(sender, _address(row.recipient))
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
MAX_LINE_BYTES = 998

def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _text_part(text: str | None, subtype: str, eight_bit: bool) -> str:
    """One text/<subtype> part, headers and body: 8bit keeps mail readable as it is;
    quoted-printable when a line is too long for SMTP (a reader's long one-line comment), or
    when the text is not ASCII and the server did not offer 8BITMIME (RFC 6152)."""
    text = text or ""
    encoded = text.encode()
    if ((not eight_bit and not text.isascii()) or len(encoded) > MAX_LINE_BYTES
            and max(map(len, encoded.splitlines())) > MAX_LINE_BYTES):
        encoding, body = "quoted-printable", quoprimime.body_encode(
            encoded.decode("latin-1"), eol="\r\n")  # it encodes bytes held in a str
    else:
        encoding, body = "8bit", _crlf(text)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}")


def _header(value: str) -> str:
    """A header value as 7-bit ASCII: RFC 2047 encoded when it is not ASCII already."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


@functools.lru_cache(maxsize=1024)
def _address(address: str) -> str:
    """An address as SMTP and a header want it (Flask-Mail's rules); few distinct ones recur."""
    return flask_mail.sanitize_address(address)


def render(row, sender: str, *, eight_bit: bool = True) -> bytes:
    """The message as SMTP data: multipart/alternative with a text and an HTML part.

    Written directly rather than through Flask-Mail's Message and the email generator, which
    cost more per message than sending it: the headers are few and known, the parts are text.
    """
    headers = {"Subject": row.subject, "To": row.recipient, **(row.headers or {})}
    if any("\r" in value or "\n" in value for value in headers.values()):
        raise flask_mail.BadHeaderError("a header contains a line break")
    text = _text_part(row.body_text, "plain", eight_bit)
    html = _text_part(row.body_html, "html", eight_bit)
    boundary = f"==============={random.randrange(sys.maxsize):019d}=="
    while boundary in text or boundary in html:
        boundary = f"==============={random.randrange(sys.maxsize):019d}=="
    extra = "".join(f"{name}: {_header(value)}\r\n" for name, value in (row.headers or {}).items())
    message = (f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
               f"MIME-Version: 1.0\r\n"
               f"Subject: {_header(row.subject)}\r\n"
               f"From: {sender}\r\n"
               f"To: {_address(row.recipient)}\r\n"
               f"Date: {formatdate(localtime=True)}\r\n"
               # Stable: a repeated delivery is recognisably the same mail.
               f"Message-ID: {row.message_id}\r\n"
               f"{extra}\r\n"
               f"--{boundary}\r\n{text}\r\n--{boundary}\r\n{html}\r\n--{boundary}--\r\n")
    return message.encode()


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


def waiting_problem() -> str | None:
    """Why messages are still waiting, if the latest try said: a server that cannot be used
    holds every message back without failing it, so admins must hear of it here."""
    return db.session.scalar(sa.select(OutboxMessage.last_error)
                             .where(OutboxMessage.status == OutboxStatus.PENDING,
                                    OutboxMessage.last_error.is_not(None))
                             .order_by(OutboxMessage.next_attempt_at.desc()).limit(1))


def status_counts() -> dict[OutboxStatus, int]:
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}
