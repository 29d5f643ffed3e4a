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

from .. import notifications
from ..extensions import db
from ..models import Event
from . import readers

#: Events written per look; the rest wait for the next.
BATCH = 100


def due_event_ids(limit: int = BATCH) -> list[int]:
    ids = list(db.session.scalars(sa.select(Event.id).where(Event.mail_due.is_(True))
                                  .order_by(Event.id).limit(limit)))
    db.session.rollback()  # end the read, so each event's own transaction starts afresh
    return ids


def write_due_emails() -> int:
    """Write the emails of every event due now; return how many events were handled."""
    handled = 0
    while ids := due_event_ids():
        handled += sum(write_emails_for(event_id) for event_id in ids)
        if len(ids) < BATCH:
            break
    return handled


def write_emails_for(event_id: int) -> bool:
    """Write one event's emails and mark it done, in one transaction; False if another
    worker did it first."""
    claimed = db.session.execute(
        sa.update(Event).where(Event.id == event_id, Event.mail_due.is_(True))
        .values(mail_due=False), execution_options={"synchronize_session": False}).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    event = db.session.get(Event, event_id)
    request, submission = event.request, event.submission
    if event.action == "created":
        notifications.new_request(request, submission)
    if submission is not None and submission.notify and submission.email:
        # The client's keyed hash stands for the client: its address is never stored.
        readers.ask_to_confirm(submission, client_key=submission.client_hash)
    db.session.commit()
    return True
