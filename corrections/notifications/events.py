"""Events into emails: the mail worker's first step, so the reader's request writes none.

The intake records what happened as an event with `mail_due` set (a new request; a repeat
whose reader asked to hear the outcome). For each such event the worker, in ONE transaction,
clears `mail_due` (compare-and-set: of two workers only one wins) and writes the event's
emails into the outbox: editors' notifications (or nothing yet, for a digest or a site over
the notification cap), a reader's request to confirm the address. A worker that dies before
its commit leaves the event due, with nothing written; one that dies after has left the
emails in the outbox, where delivery takes them. So each recipient gets each email once.

Emails are written as things stand when the worker gets to them, which may be after an
editor acted: see docs/email.md ("When a request changed before its email was written").
"""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import CorrectionRequest, Event, utcnow
from ..webhooks import service as webhooks
from . import links, notify, readers

#: Events taken in one transaction. A batch shares its look-ups and its commit; on SQLite it
#: holds the write lock while it renders, so it stays small enough not to keep the intake waiting.
BATCH = 25


def write_due_emails() -> int:
    """Write the emails of every event due now, batch by batch; return how many events."""
    handled = 0
    while taken := write_batch():
        handled += taken
    return handled


def write_batch(limit: int = BATCH) -> int:
    """Take up to `limit` due events and write their emails, in one transaction: the UPDATE
    that clears `mail_due` is the claim (on PostgreSQL skipping rows another worker has
    locked; on SQLite it begins the write transaction), and the commit publishes the emails
    with it. Returns how many events were taken."""
    due = sa.select(Event.id).where(Event.mail_due.is_(True)).order_by(Event.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = db.session.scalars(
        sa.update(Event).where(Event.id.in_(due.scalar_subquery())).values(mail_due=False)
        .returning(Event.id), execution_options={"synchronize_session": False}).all()
    if not ids:
        db.session.rollback()
        return 0
    taken = db.session.scalars(
        sa.select(Event).where(Event.id.in_(ids)).order_by(Event.id)
        .options(joinedload(Event.submission),
                 joinedload(Event.request).joinedload(CorrectionRequest.site),
                 joinedload(Event.request).joinedload(CorrectionRequest.article))).unique().all()
    editors: dict[int, dict] = {}  # per site, for the batch
    endpoints: dict[int, list] = {}  # webhook endpoints per site, for the batch
    notified: list[int] = []
    for event in taken:
        request, submission = event.request, event.submission
        if event.action == "created":
            site = request.site
            if site.id not in editors:
                editors[site.id] = links.editors_by_address(
                    notify.unique_addresses(site.notify_emails))
                endpoints[site.id] = webhooks.active_endpoints(site.id)
            notify.new_request(request, submission, editors=editors[site.id],
                               notified=notified)
            # Here, not in the reader's request (its lean write path).
            webhooks.queue_for(event, endpoints[site.id])
        if submission is not None and submission.notify and submission.email:
            # The client's keyed hash stands for the client: its address is never stored.
            readers.ask_to_confirm(submission, client_key=submission.client_hash)
    if notified:
        db.session.execute(sa.update(CorrectionRequest).where(CorrectionRequest.id.in_(notified))
                           .values(notified_at=utcnow()),
                           execution_options={"synchronize_session": False})
    db.session.commit()
    return len(ids)
