"""The queue's state machine: every editor action on a correction request goes through transition()."""
from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from .extensions import db
from .models import (
    OPEN_STATES,
    CorrectionRequest,
    Editor,
    Event,
    PublicationType,
    PublicCorrection,
    PublicStatus,
    Site,
    State,
    utcnow,
)


class Action(enum.StrEnum):
    CLAIM = "claim"          # assign to oneself and start reviewing
    ASSIGN = "assign"        # hand to another editor (or to nobody)
    ACCEPT = "accept"
    REJECT = "reject"
    SPAM = "spam"
    DUPLICATE = "duplicate"
    PUBLISH = "publish"
    AMEND = "amend"          # a published correction's new public note, shown as updated
    WITHDRAW = "withdraw"    # a published correction stays public, marked withdrawn, with why
    REOPEN = "reopen"


CLOSED_STATES = frozenset(State) - OPEN_STATES

#: For each action: the states it may start from, and the state it leads to (None: unchanged).
TRANSITIONS: dict[Action, tuple[frozenset[State], State | None]] = {
    Action.CLAIM: (OPEN_STATES, State.IN_REVIEW),
    Action.ASSIGN: (OPEN_STATES, None),
    Action.ACCEPT: (frozenset({State.NEW, State.IN_REVIEW}), State.ACCEPTED),
    Action.REJECT: (OPEN_STATES, State.REJECTED),
    Action.SPAM: (OPEN_STATES, State.SPAM),
    Action.DUPLICATE: (OPEN_STATES, State.DUPLICATE),
    Action.PUBLISH: (frozenset({State.ACCEPTED}), State.PUBLISHED),
    Action.AMEND: (frozenset({State.PUBLISHED}), None),
    Action.WITHDRAW: (frozenset({State.PUBLISHED}), None),
    Action.REOPEN: (CLOSED_STATES, State.IN_REVIEW),
}

#: Actions on the public record that need its entry in this status: a withdrawn correction is
#: not amended or withdrawn again (reopened and published again, it is public once more).
PUBLIC_STATUS_NEEDED: dict[Action, PublicStatus] = {
    Action.AMEND: PublicStatus.PUBLISHED,
    Action.WITHDRAW: PublicStatus.PUBLISHED,
}


class QueueError(Exception):
    """An action that cannot be applied; `status` is the HTTP status to answer with."""
    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(QueueError):
    """The request's state does not allow this action."""


class StaleVersion(QueueError):
    """Someone else changed the request since the editor loaded it."""


class MissingDetail(QueueError):
    """The action needs something the editor did not give (a reason, a note, a target)."""
    status = 422


@dataclass(frozen=True)
class Details:
    note: str = ""
    duplicate_of_id: int | None = None
    publication_type: PublicationType | None = None
    public_note: str = ""
    assignee: Editor | None = None


def public_entry(request: CorrectionRequest) -> PublicCorrection | None:
    """What the public record shows of `request`, if it was ever published."""
    return db.session.get(PublicCorrection, request.id)


def _allowed(request: CorrectionRequest, action: Action, entry: PublicCorrection | None) -> bool:
    sources, _target = TRANSITIONS[action]
    needed = PUBLIC_STATUS_NEEDED.get(action)
    return request.state in sources and (needed is None or
                                         (entry is not None and entry.status is needed))


def allowed_actions(request: CorrectionRequest) -> list[Action]:
    entry = public_entry(request) if request.state is State.PUBLISHED else None
    return [action for action in TRANSITIONS if _allowed(request, action, entry)]


def transition(request: CorrectionRequest, action: Action, *, editor: Editor | None,
               version: int, details: Details = Details(), commit: bool = True) -> Event:
    """Apply `action` if the request is still at `version`; write the audit event; commit."""
    from . import (
        notifications,  # notifications render templates that may import queue names
    )
    from .webhooks import service as webhooks

    sources, target = TRANSITIONS[action]
    if request.state not in sources:
        raise NotAllowed(_("A request that is %(state)s cannot be given the action “%(action)s”.",
                           state=request.state.value.replace("_", " "), action=action.value))
    entry = public_entry(request)
    if not _allowed(request, action, entry):
        raise NotAllowed(_("This correction has been withdrawn: reopen the request and publish "
                           "it again to change what the public record says."))
    changes: dict = {}
    note = details.note.strip()
    if action is Action.REJECT and not note:
        raise MissingDetail(_("Give a reason for rejecting."))
    if action is Action.DUPLICATE:
        changes["duplicate_of_id"] = _duplicate_target(request, details.duplicate_of_id).id
    if action is Action.PUBLISH:
        if details.publication_type is None or not details.public_note.strip():
            raise MissingDetail(_("Publishing needs a type and a public note."))
        changes.update(publication_type=details.publication_type,
                       public_note=details.public_note.strip(),
                       published_at=request.published_at or utcnow())
    if action is Action.AMEND:
        new_note = details.public_note.strip()
        new_type = details.publication_type or entry.publication_type
        if not new_note:
            raise MissingDetail(_("Amending needs the new public note."))
        if new_note == entry.note and new_type is entry.publication_type:
            raise MissingDetail(_("The new public note is the same as the published one."))
        changes.update(publication_type=new_type, public_note=new_note)
        # The earlier wording stays in the audit trail; the public record shows the new one.
        # Stored audit text, written as the trail's other notes are (it is data once written).
        note = (f"Earlier public note ({entry.publication_type.value}): {entry.note}"
                + (f" {note}" if note else ""))
    if action is Action.WITHDRAW:
        if not details.public_note.strip():
            raise MissingDetail(_("Say publicly why the correction is withdrawn."))
        note = f"Withdrawn because: {details.public_note.strip()}" + (f" {note}" if note else "")
    if action is Action.CLAIM:
        changes["assignee_id"] = editor.id if editor else None
    if action is Action.ASSIGN:
        changes["assignee_id"] = details.assignee.id if details.assignee else None
        who = details.assignee.email if details.assignee else "nobody"
        note = f"Assigned to {who}." + (f" {note}" if note else "")
    if action is Action.REOPEN:
        changes.update(duplicate_of_id=None)

    from_state, to_state = request.state, target or request.state
    now = utcnow()
    # Compare-and-set on the version: of two editors acting at once, the second is refused.
    result = db.session.execute(
        sa.update(CorrectionRequest)
        .where(CorrectionRequest.id == request.id, CorrectionRequest.version == version)
        .values(state=to_state, version=CorrectionRequest.version + 1, updated_at=now, **changes),
        execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this request while you were looking at it. Here "
                             "is what it looks like now."))
    db.session.refresh(request)
    if action in PUBLIC_RECORD_ACTIONS:
        _write_public_record(request, action, entry, details, now)
    event = Event(request=request, editor=editor, action=action.value, from_state=from_state,
                  to_state=to_state, note=note, created_at=now)
    db.session.add(event)
    notifications.request_changed(request, event)
    webhooks.queue_for(event)  # in this transaction, like the outbox's emails
    if commit:
        db.session.commit()
    return event


#: Actions that change what the public record shows.
PUBLIC_RECORD_ACTIONS = frozenset({Action.PUBLISH, Action.AMEND, Action.WITHDRAW})


def _write_public_record(request: CorrectionRequest, action: Action,
                         entry: PublicCorrection | None, details: Details, now) -> None:
    """Make the public entry say what the desk decided, and tell every process's read-API
    cache (Site.public_version) in the same transaction."""
    if entry is None:
        entry = PublicCorrection(request_id=request.id, site_id=request.site_id,
                                 article_id=request.article_id, published_at=now,
                                 withdrawal_reason="")
        db.session.add(entry)
    elif action is Action.WITHDRAW:
        entry.status = PublicStatus.WITHDRAWN
        entry.withdrawn_at = now
        entry.withdrawal_reason = details.public_note.strip()
    else:  # amended, or published again after a reopening: updated, and public again
        entry.updated_at = now
        entry.status = PublicStatus.PUBLISHED
        entry.withdrawn_at = None
        entry.withdrawal_reason = ""
    if action is not Action.WITHDRAW:
        entry.publication_type = request.publication_type
        entry.note = request.public_note or ""
    entry.changed_at = now
    bump_public_version(request.site_id)


def bump_public_version(site_id: int) -> None:
    db.session.execute(sa.update(Site).where(Site.id == site_id)
                       .values(public_version=Site.public_version + 1),
                       execution_options={"synchronize_session": False})


def _duplicate_target(request: CorrectionRequest, target_id: int | None) -> CorrectionRequest:
    if target_id is None:
        raise MissingDetail(_("Say which request this one duplicates."))
    if target_id == request.id:
        raise MissingDetail(_("A request cannot be a duplicate of itself."))
    target = db.session.get(CorrectionRequest, target_id)
    if target is None or target.site_id != request.site_id:
        raise MissingDetail(_("There is no request "
                              "#%(target_id)s on this site.", target_id=target_id))
    return target


def transition_all(items: list[tuple[CorrectionRequest, int]], action: Action, *,
                   editor: Editor | None, details: Details = Details(),
                   commit: bool = True) -> list[Event]:
    """Apply one action to several requests, each at the version the editor saw: all or none.

    Every request goes through transition(); if any is refused, every change is rolled back
    and the error names the request that stopped it.
    """
    sources, _target = TRANSITIONS[action]
    refused = [request for request, _version in items if request.state not in sources]
    if refused:
        which = ", ".join(f"#{r.id} is {r.state.value.replace('_', ' ')}" for r in refused)
        raise NotAllowed(_("Nothing was changed: “%(action)s” cannot be "
                           "applied (%(which)s).", action=action.value,
                           which=which))
    events = []
    for request, version in items:
        request_id = request.id
        try:
            events.append(transition(request, action, editor=editor, version=version,
                                     details=details, commit=False))
        except QueueError as error:
            db.session.rollback()
            raise type(error)(_("Nothing was changed. "
                                "#%(request_id)s: %(message)s", request_id=request_id, message=error.message)) from error
    if commit:
        db.session.commit()
    return events
