"""Heartbeats and the configuration problems they reveal: X-Forwarded-For reaching an app that
trusts no proxy, several processes each counting rate limits in memory, a silent mail worker."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import utcnow
from .models import ProcessStatus

log = logging.getLogger(__name__)

WEB, MAIL_WORKER = "web", "mail-worker"
#: Rows not seen for this long are deleted by the next heartbeat.
FORGET_AFTER = timedelta(days=1)


def _upsert(role: str, started_at: datetime, **values) -> None:
    """Insert or update this process's row in a transaction of its own."""
    now = utcnow()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    row = {"role": role, "host": socket.gethostname()[:255], "pid": os.getpid(),
           "started_at": started_at, "seen_at": now, "limiter_storage": "", **values}
    changes = {"seen_at": now, **values}
    if "forwarded_for_seen_at" in values:  # keep the first time it was seen
        changes["forwarded_for_seen_at"] = sa.func.coalesce(
            ProcessStatus.forwarded_for_seen_at, values["forwarded_for_seen_at"])
    with db.engine.begin() as connection:
        connection.execute(insert(ProcessStatus).values(row).on_conflict_do_update(
            index_elements=["role", "host", "pid"], set_=changes))
        connection.execute(sa.delete(ProcessStatus)
                           .where(ProcessStatus.seen_at < now - FORGET_AFTER))


# --- web processes --------------------------------------------------------------------------

class WebProcess:
    """What this web process tells admins, written at most once per PROCESS_STATUS_SECONDS.

    Requests only look at a clock and a flag; the write happens after the response is sent.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.interval = float(app.config["PROCESS_STATUS_SECONDS"])
        self.limiter_storage = str(app.config["RATELIMIT_STORAGE_URI"]).split(":", 1)[0][:20]
        self.watch_forwarded_for = not app.config["PROXY_FIX_X_FOR"]
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.started_at = utcnow()
        self.next_write = 0.0  # monotonic time; 0: on the first request
        self.forwarded_for_seen_at: datetime | None = None

    def saw_request(self, environ) -> bool:
        """Note what a request shows; True when a heartbeat is due after its response."""
        if os.getpid() != self.pid:  # forked from the process that made the app
            with self._lock:
                if os.getpid() != self.pid:
                    self._reset()
        if (self.watch_forwarded_for and self.forwarded_for_seen_at is None
                and "HTTP_X_FORWARDED_FOR" in environ):
            with self._lock:
                if self.forwarded_for_seen_at is None:
                    self.forwarded_for_seen_at = utcnow()
                    self.next_write = 0.0
                    log.warning(
                        "Requests arrive with an X-Forwarded-For header, but PROXY_FIX_X_FOR is 0:"
                        " every reader seems to come from the proxy's address and all share one"
                        " rate limit. Behind one proxy, set PROXY_FIX_X_FOR = 1.")
        return time.monotonic() >= self.next_write

    def write(self) -> None:
        """Record this process, unless another thread just did; never raises."""
        with self._lock:
            if time.monotonic() < self.next_write:
                return
            self.next_write = time.monotonic() + self.interval
        values = {"limiter_storage": self.limiter_storage}
        if self.forwarded_for_seen_at is not None:
            values["forwarded_for_seen_at"] = self.forwarded_for_seen_at
        try:
            with self.app.app_context():
                _upsert(WEB, self.started_at, **values)
        except Exception as error:  # noqa: BLE001 - a heartbeat must never hurt a request
            log.warning("Could not record this process's status: %s", type(error).__name__)


# --- the mail worker ------------------------------------------------------------------------

_worker_started_at: dict[int, datetime] = {}


def record_mail_worker() -> None:
    """The mail worker's heartbeat, on every poll (inside the app context)."""
    started_at = _worker_started_at.setdefault(os.getpid(), utcnow())
    _upsert(MAIL_WORKER, started_at)


@dataclass(frozen=True)
class WorkerState:
    #: "ok", "silent" (seen, but not recently) or "never_seen".
    state: str
    last_seen: datetime | None

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def describe(self) -> str | None:
        """What admins should read, or None when all is well."""
        if self.state == "never_seen":
            return _("No mail worker has run yet: emails wait in the outbox. Start one with "
                     "%(command)s (%(unit)s).", command="`flask --app corrections mail worker`",
                     unit="deploy/corrections-mail.service")
        if self.state == "silent":
            return _("The mail worker was last seen %(when)s: emails wait in the outbox until "
                     "it runs again. Check its service and its log.",
                     when=format_datetime(self.last_seen, "d MMM y, HH:mm zzz"))
        return None


def health() -> "WorkerState":
    """The mail worker's state, read from the database, which must answer (or this raises)."""
    db.session.execute(sa.text("SELECT 1"))
    return mail_worker_state()


def mail_worker_state() -> WorkerState:
    last_seen = db.session.scalar(sa.select(sa.func.max(ProcessStatus.seen_at))
                                  .where(ProcessStatus.role == MAIL_WORKER))
    if last_seen is None:
        return WorkerState("never_seen", None)
    silent_after = timedelta(seconds=float(current_app.config["MAIL_WORKER_SILENT_SECONDS"]))
    return WorkerState("ok" if utcnow() - last_seen <= silent_after else "silent", last_seen)


# --- what admins are warned about -----------------------------------------------------------

def _overlap(a: ProcessStatus, b: ProcessStatus) -> bool:
    """Both processes were alive at the same time, as far as their rows tell."""
    return a.started_at <= b.seen_at and b.started_at <= a.seen_at


def admin_warnings() -> list[str]:
    """Configuration problems the processes' heartbeats reveal, for the dashboard."""
    recent = utcnow() - timedelta(seconds=3 * float(current_app.config["PROCESS_STATUS_SECONDS"]))
    web = db.session.scalars(sa.select(ProcessStatus).where(
        ProcessStatus.role == WEB, ProcessStatus.seen_at >= recent)).all()
    warnings = []
    if any(row.forwarded_for_seen_at for row in web):
        warnings.append(_(
            "Requests reach the app with an X-Forwarded-For header, but %(setting)s is 0: "
            "every reader seems to come from the proxy's address, so all readers share one "
            "rate limit and “same sender” matches everyone. Behind one proxy, set "
            "%(setting)s = 1 and restart the app.", setting="PROXY_FIX_X_FOR"))
    in_memory = [row for row in web if row.limiter_storage == "memory"]
    if any(_overlap(a, b) for i, a in enumerate(in_memory) for b in in_memory[i + 1:]):
        processes = len({(row.host, row.pid) for row in in_memory})
        warnings.append(ngettext(
            "%(num)d process serves the app and counts rate limits in its own memory "
            "(%(setting)s = \"memory://\"): every limit is multiplied by the number of "
            "processes. Set %(setting)s to a Redis server, e.g. \"redis://127.0.0.1:6379\".",
            "%(num)d processes serve the app and each counts rate limits in its own memory "
            "(%(setting)s = \"memory://\"): every limit is multiplied by the number of "
            "processes. Set %(setting)s to a Redis server, e.g. \"redis://127.0.0.1:6379\".",
            processes, setting="RATELIMIT_STORAGE_URI"))
    worker = mail_worker_state().describe()
    if worker:
        warnings.append(worker)
    return warnings
