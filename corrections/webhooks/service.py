"""Endpoints and deliveries: the checks on a URL, adding and removing endpoints, and the
deliveries an event calls for, added to the session of the transaction that records the event."""
from __future__ import annotations

import ipaddress
import json
import socket
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..labels import KIND_LABELS, PUBLICATION_LABELS
from ..models import CorrectionRequest, Event, PublicCorrection, Site, utcnow
from ..problem import Problem
from ..public import answers
from ..urls import public_url_for
from . import signing
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookFormat

#: The events an endpoint may ask for, and how the dashboard names them.
EVENTS = {
    "request.created": _l("A reader suggested a correction (a new request)"),
    "request.published": _l("A correction was published"),
    "request.amended": _l("A published correction was amended"),
    "request.withdrawn": _l("A published correction was withdrawn"),
}
#: The audit event's action behind each webhook event.
ACTION_EVENTS = {"created": "request.created", "publish": "request.published",
                 "amend": "request.amended", "withdraw": "request.withdrawn"}
FORMATS = {WebhookFormat.JSON: _l("JSON, signed (for programs)"),
           WebhookFormat.SLACK: _l("Slack-compatible message (for chat)")}
MAX_URL_LENGTH = 2000


class WebhookError(Problem):
    """A refused endpoint or address; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, {field or "url": message})
        self.field = field


# --- addresses ------------------------------------------------------------------------------

def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local, multicast, reserved: anything not on the public internet."""
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` has now, refused unless public (or WEBHOOK_ALLOW_PRIVATE).

    Checked when an endpoint is added and again before every delivery, which connects to the
    address checked: a name that later resolves to an inside address is refused then.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookError(_("The host name “%(host)s” could not be resolved.", host=host),
                           "url") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        for address in addresses:
            if _refused(ipaddress.ip_address(address.split("%")[0])):
                raise WebhookError(_("%(host)s is a loopback, private, link-local or multicast "
                                     "address (%(address)s): webhooks are only sent to public "
                                     "addresses.", host=host, address=address), "url")
    return addresses


def check_url(url: str) -> str:
    """The URL as it will be used, or WebhookError saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise WebhookError(_("Give the endpoint's URL."), "url")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError(_("The URL is longer than %(num)d characters.", num=MAX_URL_LENGTH),
                           "url")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise WebhookError(_("The URL must not contain spaces or control characters."), "url")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise WebhookError(_("The URL's port is not valid."), "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(_("The URL must start with https:// (or http://) and name a host."),
                           "url")
    if parts.username is not None or parts.password is not None:
        raise WebhookError(_("Put no user name or password in the URL: receivers check the "
                             "signature instead."), "url")
    resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url


# --- endpoints ------------------------------------------------------------------------------

def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def delivery(delivery_id: int) -> WebhookDelivery | None:
    return db.session.get(WebhookDelivery, delivery_id)


def add_endpoint(site: Site, url: str, events: list[str], format: str = "json") -> WebhookEndpoint:
    """Check and save a new endpoint with a new secret; commit. The caller shows the secret once."""
    unknown = [name for name in events if name not in EVENTS]
    if unknown:
        raise WebhookError(_("Unknown event: %(names)s. Events: %(known)s.",
                             names=", ".join(unknown), known=", ".join(EVENTS)), "events")
    if not events:
        raise WebhookError(_("Choose at least one event."), "events")
    try:
        chosen_format = WebhookFormat(format)
    except ValueError:
        raise WebhookError(_("The format must be “json” or “slack”."), "format") from None
    endpoint = WebhookEndpoint(site_id=site.id, url=check_url(url),
                               events=[name for name in EVENTS if name in events],
                               format=chosen_format, secret=signing.new_secret(), active=True)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def remove_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log; commit."""
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()


def endpoints(site_id: int | None = None) -> list[WebhookEndpoint]:
    query = sa.select(WebhookEndpoint).join(Site).order_by(Site.name, WebhookEndpoint.id)
    if site_id is not None:
        query = query.where(WebhookEndpoint.site_id == site_id)
    return list(db.session.scalars(query))


def deliveries(endpoint: WebhookEndpoint, limit: int = 100) -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery)
                                   .where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def retry(delivery: WebhookDelivery) -> bool:
    """Send a delivery that is not delivered yet on the worker's next round; commit.
    A failed one gets one more try (more only through another manual retry)."""
    if delivery.status is DeliveryStatus.DELIVERED:
        return False
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    db.session.commit()
    return True


# --- deliveries for an event ----------------------------------------------------------------

def active_endpoints(site_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.site_id == site_id, WebhookEndpoint.active.is_(True))))


def queue_for(event: Event, endpoints: list[WebhookEndpoint] | None = None) -> int:
    """Add a delivery of `event` for each of its site's endpoints that asked for it, to the
    caller's session: the transaction that records the event commits them. Returns how many.
    `endpoints`: the site's active endpoints, when the caller already has them."""
    name = ACTION_EVENTS.get(event.action)
    if name is None:
        return 0
    request: CorrectionRequest = event.request
    if endpoints is None:
        endpoints = active_endpoints(request.site_id)
    subscribed = [e for e in endpoints if name in e.events]
    if not subscribed:
        return 0
    db.session.flush()  # the event's id, and the public entry the transition just wrote
    payload = {"event": name, "id": f"evt_{event.id}",
               "occurred_at": (event.created_at or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "site": request.site.key, "data": _data(name, request)}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    slack = None
    for endpoint in subscribed:
        if endpoint.format is WebhookFormat.SLACK:
            slack = slack or json.dumps({"text": slack_text(name, request, payload["data"])},
                                        ensure_ascii=False)
        db.session.add(WebhookDelivery(endpoint_id=endpoint.id, event=name,
                                       payload=slack if endpoint.format is WebhookFormat.SLACK
                                       else body))
    return len(subscribed)


def _data(name: str, request: CorrectionRequest) -> dict:
    """What the event tells: the public record's entry (as the read API shows it) for a
    publication, amendment or withdrawal; for a new request what the desk needs to decide to
    look, but never the reader's name, address or comment."""
    if name != "request.created":
        return answers.entry(db.session.get(PublicCorrection, request.id), request.site)
    return {
        "id": request.id,
        "kind": request.kind.value,
        "state": request.state.value,
        "quote": {"exact": request.quote_exact, "prefix": request.quote_prefix,
                  "suffix": request.quote_suffix},
        "suggestion": request.proposed,
        "article": {"url": request.article.url, "title": request.article.title},
        "link": public_url_for("dashboard.request_detail", request_id=request.id),
    }


def _slack_escape(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(name: str, request: CorrectionRequest, data: dict) -> str:
    """One short line in the site's language, with a link; reader text escaped for Slack."""
    site = _slack_escape(request.site.name, 100)
    title = _slack_escape(data["article"]["title"] or data["article"]["url"], 120)
    with force_locale(request.site.language):
        if name == "request.created":
            text = _("New suggestion on %(site)s (%(kind)s) for “%(title)s”.", site=site,
                     kind=KIND_LABELS[request.kind], title=title)
            label = _("Open it on the dashboard")
            return f"{text} <{data['link']}|{label}>"
        kind = PUBLICATION_LABELS[request.publication_type]
        if name == "request.withdrawn":
            text = _("%(type)s withdrawn on %(site)s for “%(title)s”: %(reason)s", type=kind,
                     site=site, title=title, reason=_slack_escape(data["withdrawal_reason"] or ""))
        elif name == "request.amended":
            text = _("%(type)s amended on %(site)s for “%(title)s”: %(note)s", type=kind,
                     site=site, title=title, note=_slack_escape(data["note"]))
        else:
            text = _("%(type)s published on %(site)s for “%(title)s”: %(note)s", type=kind,
                     site=site, title=title, note=_slack_escape(data["note"]))
        label = _("On the public record")
        return f"{text} <{data['link']}|{label}>"
