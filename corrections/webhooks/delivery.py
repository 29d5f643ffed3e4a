"""Delivery of webhooks by the mail worker: claim due deliveries under a lease, POST each one.

At least once, like the mail outbox: a delivery is claimed by setting `lease_until`
(PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`; SQLite: an immediate write transaction), sent,
and marked right after the receiver answers, so a crash repeats at most the one in hand once
its lease expires. Receivers tell repeats apart by the payload's `id`.

Only 2xx is success. Redirects are not followed (an endpoint that moved is updated by an
admin); the host is resolved and checked again before every try, and the connection goes to
the address that was checked. Failures are retried with exponential backoff and jitter, then
marked failed (the dashboard shows them and offers a retry).
"""
from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..database import lease_due
from ..extensions import db
from ..mail.delivery import retry_delay
from ..models import utcnow
from . import service, signing
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

#: Deliveries claimed at once; the lease covers each of them timing out twice over.
BATCH = 10
#: Bytes of a receiver's answer read (and kept for the log when it is an error).
ANSWER_BYTES = 300
USER_AGENT = "corrections-webhooks/1"


@dataclass
class Report:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    unsuccessful_ids: set[int] = field(default_factory=set)

    def __str__(self) -> str:
        return f"delivered {self.delivered}, to retry {self.retrying}, failed {self.failed}"


class _Connection(http.client.HTTPConnection):
    """HTTP to the address that was checked, whatever the name resolves to by now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _TLSConnection(http.client.HTTPSConnection):
    """HTTPS likewise; the certificate is checked against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Refused(Exception):
    """The receiver answered, but not with 2xx."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url`; return the 2xx status, or raise Refused / OSError / WebhookError."""
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    address = service.resolve(parts.hostname, port)[0]
    connection = (_TLSConnection if tls else _Connection)(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read(ANSWER_BYTES).decode("utf-8", "replace")
    finally:
        connection.close()
    if 200 <= answer.status < 300:
        return answer.status
    if 300 <= answer.status < 400:
        where = answer.getheader("Location") or "?"
        raise Refused(answer.status, f"HTTP {answer.status}: redirect to {where[:300]} "
                                     "not followed; update the endpoint's URL.")
    excerpt = " ".join(text.split())[:200]
    raise Refused(answer.status, f"HTTP {answer.status} {answer.reason}"
                                 + (f": {excerpt}" if excerpt else ""))


def describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, Refused):
        return str(error)
    if isinstance(error, service.WebhookError):
        return error.message
    if isinstance(error, TimeoutError | socket.timeout):
        return f"No answer within {timeout:g} s."
    if isinstance(error, ConnectionRefusedError):
        return "The receiver refused the connection."
    return f"{type(error).__name__}: {error}"


def claim(limit: int, *, due_by: datetime, exclude: set[int]) -> tuple[list[int], datetime]:
    """Lease up to `limit` due deliveries to this worker; return their ids and the lease's end."""
    timeout = current_app.config["WEBHOOK_TIMEOUT"]
    lease_until = utcnow() + timedelta(seconds=limit * 2 * timeout + 60)
    ids = lease_due(WebhookDelivery, DeliveryStatus.PENDING, limit=limit, due_by=due_by,
                    exclude=exclude, lease_until=lease_until)
    return ids, lease_until


#: Seconds between the worker's heartbeats while it sends webhooks (slow receivers add up).
HEARTBEAT_SECONDS = 5


def deliver_due(*, stop: threading.Event | None = None,
                say: Callable[[str], None] | None = None,
                heartbeat: Callable[[], None] | None = None) -> Report:
    """Send every delivery due now, batch by batch; each one that fails waits for a later pass.
    `heartbeat` (the mail worker's) is called every HEARTBEAT_SECONDS meanwhile."""
    report = Report()
    due_by = last_beat = utcnow()
    while not (stop and stop.is_set()):
        ids, lease_until = claim(BATCH, due_by=due_by, exclude=report.unsuccessful_ids)
        if not ids:
            break
        timeout = timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT"])
        for index, delivery_id in enumerate(ids):
            # A stop, or a lease too short for one more try: the rest wait for the next pass.
            if stop and stop.is_set() or utcnow() + 2 * timeout > lease_until:
                _release(ids[index:])
                break
            deliver(delivery_id, report)
            if heartbeat is not None and (utcnow() - last_beat).total_seconds() >= HEARTBEAT_SECONDS:
                heartbeat()
                last_beat = utcnow()
    if say is not None and (report.delivered or report.retrying or report.failed):
        say(f"Webhooks: {report}.")
    return report


def _release(ids: list[int]) -> None:
    db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                       .values(lease_until=None), execution_options={"synchronize_session": False})
    db.session.commit()


def deliver(delivery_id: int, report: Report) -> None:
    """Try one claimed delivery and record the outcome (its own transaction)."""
    config = current_app.config
    timeout = config["WEBHOOK_TIMEOUT"]
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery and db.session.get(WebhookEndpoint, delivery.endpoint_id)
    db.session.commit()
    if endpoint is None:  # removed by an admin meanwhile, with its log
        return  # no transaction (on SQLite, no lock) is held while the receiver works
    body = delivery.payload.encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "Corrections-Event": delivery.event, "Corrections-Delivery": str(delivery.id),
               signing.HEADER: signing.sign(body, endpoint.secret)}
    status, error = None, None
    try:
        status = post(endpoint.url, body, headers, timeout)
    except (OSError, http.client.HTTPException, service.WebhookError, Refused) as problem:
        status = problem.status if isinstance(problem, Refused) else None
        error = describe(problem, timeout)
    attempts = delivery.attempts + 1
    values: dict = {"attempts": attempts, "lease_until": None, "last_status_code": status,
                    "last_error": error}
    if error is None:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=utcnow())
        report.delivered += 1
    elif attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        values.update(status=DeliveryStatus.FAILED)
        report.failed += 1
        report.unsuccessful_ids.add(delivery_id)
    else:
        delay = retry_delay(attempts, base=config["WEBHOOK_RETRY_BASE_SECONDS"],
                            cap=config["WEBHOOK_RETRY_MAX_SECONDS"])
        values.update(next_attempt_at=utcnow() + timedelta(seconds=delay))
        report.retrying += 1
        report.unsuccessful_ids.add(delivery_id)
    db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                       .values(**values), execution_options={"synchronize_session": False})
    db.session.commit()
