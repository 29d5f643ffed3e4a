"""Digests: sites that chose hourly or daily mail get one message listing what arrived since the last.

A site's digest is due one period after its last digest (or after the site was created). It
lists the site's requests that no editor has been told about yet (`notified_at` is empty), so
nothing is listed twice and nothing is skipped, then stamps them. Of two workers, the one that
moves `last_digest_at` forward (compare-and-set) writes the digest; the other moves on.
A site that switches to immediate mail gets its last digest at once (`write_last_digest`).

A site on immediate mail whose editors were sent NOTIFY_RATE_LIMIT messages already has its
further new requests held back (`Site.notify_held_since`, set by notifications.new_request):
they come in one digest a limit's period after the first was held.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from limits import parse_many

from ..extensions import db
from ..models import CorrectionRequest, NotifyMode, Site, utcnow
from . import links, notify, outbox

PERIODS = {NotifyMode.HOURLY: timedelta(hours=1), NotifyMode.DAILY: timedelta(days=1)}
#: Requests shown in full in one digest; the rest are counted, with a pointer to the dashboard.
MAX_LISTED = 50


def hold_period() -> timedelta:
    """How long new requests held back by NOTIFY_RATE_LIMIT wait for their digest: the
    longest window of the limit, after which one-by-one mail is allowed again."""
    limit = current_app.config["NOTIFY_RATE_LIMIT"]
    return timedelta(seconds=max((item.get_expiry() for item in parse_many(limit)) if limit else (),
                                 default=3600))


def digest_due(site: Site, now: datetime) -> bool:
    period = PERIODS.get(site.notify_mode)
    if period is None:
        return site.notify_held_since is not None and now >= site.notify_held_since + hold_period()
    return now >= (site.last_digest_at or site.created_at) + period


def send_due_digests(now: datetime | None = None) -> int:
    """Write the digests that are due into the outbox; return how many sites had one."""
    now = now or utcnow()
    sites = db.session.scalars(sa.select(Site).where(sa.or_(Site.notify_mode.in_(list(PERIODS)),
                                                            Site.notify_held_since.is_not(None)))
                               .order_by(Site.id)).all()
    written = 0
    for site in sites:
        if digest_due(site, now) and _claim_digest(site, now):
            written += _write_digest(site, now)
            db.session.commit()
    db.session.commit()
    return written


def _unchanged(column, previous):
    return column.is_(None) if previous is None else column == previous


def _claim_digest(site: Site, now: datetime) -> bool:
    result = db.session.execute(
        sa.update(Site).where(Site.id == site.id,
                              _unchanged(Site.last_digest_at, site.last_digest_at),
                              _unchanged(Site.notify_held_since, site.notify_held_since))
        .values(last_digest_at=now, notify_held_since=None),
        execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        db.session.rollback()
        return False
    return True


def write_last_digest(site: Site, period: NotifyMode) -> int:
    """A site leaving `period` digests for immediate mail: list what the next digest would
    have, now, since immediate mail only tells of requests from here on. Not committed."""
    now = utcnow()
    written = _write_digest(site, now, period)
    site.last_digest_at = now
    site.notify_held_since = None
    return written


def _write_digest(site: Site, now: datetime, period: NotifyMode | None = None) -> int:
    arrived = db.session.scalars(
        sa.select(CorrectionRequest)
        .where(CorrectionRequest.site_id == site.id, CorrectionRequest.notified_at.is_(None),
               CorrectionRequest.created_at <= now)
        .order_by(CorrectionRequest.id)).all()
    if not arrived or not site.notify_emails:
        return 0
    addresses = notify.unique_addresses(site.notify_emails)
    editors = links.editors_by_address(addresses)
    for address in addresses:
        editor = editors.get(address.lower())
        outbox.enqueue(
            kind="editor_digest", recipient=address, template="digest",
            language=notify.editor_language(editor, site),
            context={"site": site, "total": len(arrived), "since": site.last_digest_at,
                     "period": (period or site.notify_mode).value, "link_days": notify.link_days(),
                     "items": [notify.editor_context(request, editor)
                               for request in arrived[:MAX_LISTED]],
                     "more": max(0, len(arrived) - MAX_LISTED)})
    db.session.execute(sa.update(CorrectionRequest)
                       .where(CorrectionRequest.id.in_([r.id for r in arrived]))
                       .values(notified_at=now),
                       execution_options={"synchronize_session": False})
    return 1
