"""Readers' personal data: retention, and what a reader may ask for (a copy, or erasure).

What is personal: a submission's name, email, user agent and client hash (a keyed hash of the
client's network); the addresses readers confirmed or unsubscribed; the emails sent to them.
A submission's text (passage, proposal, comment) is the newsroom's record and stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..models import (
    OPEN_STATES,
    CorrectionRequest,
    Editor,
    EditorSession,
    OutboxMessage,
    OutboxStatus,
    Site,
    Submission,
    utcnow,
)
from ..notifications.models import MailUnsubscribe, ReaderAddress

#: Outbox kinds addressed to readers.
READER_KINDS = ("reader_confirm", "reader_published", "reader_rejected")
_PERSON = {"name": "", "email": "", "notify": False, "user_agent": "", "client_hash": ""}


def _has_person():
    return sa.or_(Submission.name != "", Submission.email != "", Submission.user_agent != "",
                  Submission.client_hash != "")


@dataclass
class Purged:
    submissions: int = 0
    email_bodies: int = 0
    reader_addresses: int = 0
    sessions: int = 0

    def __str__(self) -> str:
        return ", ".join((
            ngettext("%(num)d submission lost its reader's details",
                     "%(num)d submissions lost their reader's details", self.submissions),
            ngettext("%(num)d delivered email lost its body",
                     "%(num)d delivered emails lost their body", self.email_bodies),
            ngettext("%(num)d reader address was deleted",
                     "%(num)d reader addresses were deleted", self.reader_addresses),
            ngettext("%(num)d expired session was deleted",
                     "%(num)d expired sessions were deleted", self.sessions)))


def purge(older_than_days: int, now: datetime | None = None) -> Purged:
    """Remove personal data older than `older_than_days` days, and commit: readers' details
    from submissions of closed requests, bodies (and readers' addresses) of delivered emails,
    reader addresses no remaining submission uses, and expired sign-in sessions."""
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    done = Purged()
    closed = sa.select(CorrectionRequest.id).where(CorrectionRequest.state.not_in(OPEN_STATES))
    done.submissions = _count(sa.update(Submission).where(
        Submission.created_at < cutoff, Submission.request_id.in_(closed), _has_person())
        .values(**_PERSON))
    delivered = sa.and_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < cutoff)
    done.email_bodies = _count(sa.update(OutboxMessage).where(
        delivered, sa.or_(OutboxMessage.body_text != "", OutboxMessage.body_html.is_not(None)))
        .values(body_text="", body_html=None))
    _count(sa.update(OutboxMessage).where(delivered, OutboxMessage.kind.in_(READER_KINDS),
                                          OutboxMessage.recipient != "").values(recipient=""))
    still_used = (sa.select(Submission.id).join(CorrectionRequest)
                  .where(Submission.email == ReaderAddress.email,
                         CorrectionRequest.site_id == ReaderAddress.site_id).exists())
    done.reader_addresses = _count(sa.delete(ReaderAddress).where(
        ReaderAddress.created_at < cutoff, ~still_used))
    session_start = now - current_app.permanent_session_lifetime
    done.sessions = _count(sa.delete(EditorSession).where(EditorSession.created_at < session_start))
    db.session.commit()
    return done


def _count(statement) -> int:
    return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def export(address: str) -> dict:
    """Everything held about `address` (in normal form), for the reader who asks."""
    submissions = db.session.execute(
        sa.select(Submission, CorrectionRequest, Site.key)
        .join(CorrectionRequest, Submission.request_id == CorrectionRequest.id)
        .join(Site, Site.id == CorrectionRequest.site_id)
        .where(Submission.email == address).order_by(Submission.id)).all()
    addresses = db.session.execute(
        sa.select(ReaderAddress, Site.key).join(Site, Site.id == ReaderAddress.site_id)
        .where(ReaderAddress.email == address).order_by(ReaderAddress.id)).all()
    unsubscribed = db.session.execute(
        sa.select(MailUnsubscribe, Site.key).join(Site, Site.id == MailUnsubscribe.site_id)
        .where(MailUnsubscribe.email == address).order_by(MailUnsubscribe.id)).all()
    messages = db.session.scalars(sa.select(OutboxMessage).where(
        sa.func.lower(OutboxMessage.recipient) == address).order_by(OutboxMessage.id)).all()
    editor = db.session.scalar(sa.select(Editor).where(Editor.email == address))
    return {
        "email": address,
        "submissions": [{
            "reference": s.reference, "site": key, "article_url": s.article_url,
            "request": {"id": r.id, "state": r.state.value, "passage": r.quote_exact,
                        "proposed": r.proposed, "kind": r.kind.value},
            "comment": s.comment, "name": s.name, "email": s.email,
            "wants_the_outcome": s.notify, "user_agent": s.user_agent,
            "client_hash": s.client_hash, "created_at": _when(s.created_at),
        } for s, r, key in submissions],
        "confirmed_addresses": [{"site": key, "confirmed_at": _when(a.confirmed_at),
                                 "confirmation_sent_at": _when(a.confirmation_sent_at),
                                 "created_at": _when(a.created_at)} for a, key in addresses],
        "unsubscribed": [{"site": key, "created_at": _when(u.created_at)}
                         for u, key in unsubscribed],
        "emails": [{"kind": m.kind, "subject": m.subject, "status": m.status.value,
                    "created_at": _when(m.created_at), "sent_at": _when(m.sent_at),
                    "body_text": m.body_text} for m in messages],
        "editor_account": None if editor is None else {
            "role": editor.role.value, "active": editor.active,
            "created_at": _when(editor.created_at), "last_login_at": _when(editor.last_login_at)},
    }


@dataclass
class Erased:
    submissions: int = 0
    emails: int = 0
    reader_addresses: int = 0
    unsubscribes: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return ", ".join((
            ngettext("%(num)d submission lost the reader's details (its text stays)",
                     "%(num)d submissions lost the reader's details (their text stays)",
                     self.submissions),
            ngettext("%(num)d email to the address was deleted",
                     "%(num)d emails to the address were deleted", self.emails),
            ngettext("%(num)d confirmed address was deleted",
                     "%(num)d confirmed addresses were deleted", self.reader_addresses),
            ngettext("%(num)d unsubscribe record was deleted",
                     "%(num)d unsubscribe records were deleted", self.unsubscribes)))


def erase(address: str) -> Erased:
    """Remove `address` and the person behind it from readers' data, and commit.
    Submissions keep their text and lose the person."""
    done = Erased()
    done.submissions = _count(sa.update(Submission).where(Submission.email == address)
                              .values(**_PERSON))
    done.emails = _count(sa.delete(OutboxMessage).where(
        sa.func.lower(OutboxMessage.recipient) == address, OutboxMessage.kind.in_(READER_KINDS)))
    done.reader_addresses = _count(sa.delete(ReaderAddress).where(ReaderAddress.email == address))
    done.unsubscribes = _count(sa.delete(MailUnsubscribe).where(MailUnsubscribe.email == address))
    if db.session.scalar(sa.select(Editor.id).where(Editor.email == address)) is not None:
        done.notes.append(_("An editor account uses this address; it was kept (deactivate it "
                            "on /dashboard/editors)."))
    db.session.commit()
    return done
