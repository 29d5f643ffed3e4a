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
    Action.REOPEN: (CLOSED_STATES, State.IN_REVIEW),
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


def allowed_actions(request: CorrectionRequest) -> list[Action]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if request.state in sources]


def transition(request: CorrectionRequest, action: Action, *, editor: Editor | None,
               version: int, details: Details = Details(), commit: bool = True) -> Event:
    """Apply `action` if the request is still at `version`; write the audit event; commit."""
    from . import (
        notifications,  # notifications render templates that may import queue names
    )

    sources, target = TRANSITIONS[action]
    if request.state not in sources:
        raise NotAllowed(_("A request that is %(state)s cannot be given the action “%(action)s”.",
                           state=request.state.value.replace("_", " "), action=action.value))
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
                       public_note=details.public_note.strip(), published_at=utcnow())
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
    event = Event(request=request, editor=editor, action=action.value, from_state=from_state,
                  to_state=to_state, note=note, created_at=now)
    db.session.add(event)
    notifications.request_changed(request, event)
    if commit:
        db.session.commit()
    return event


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
