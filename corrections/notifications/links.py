"""Signed one-click action links in editors' emails.

An action link is an itsdangerous token binding the request, the action, the editor and the
request's version, with a random nonce. It expires after ACTION_TOKEN_MAX_AGE and works once:
the nonce is recorded when it acts, and acting bumps the version, so the link is spent either way.
Opening a link (GET) only shows a confirmation page; the POST from that page acts.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import (
    BadData,
    SignatureExpired,
    URLSafeTimedSerializer,
)
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import CorrectionRequest, Editor, Event
from ..problem import Problem
from ..urls import public_url_for
from ..workflow import transitions
from .models import UsedActionToken

ACTION_SALT = "corrections.mail.action"

#: The actions an editor can take straight from a notification email, with the audit note.
ONE_CLICK_ACTIONS: dict[transitions.Action, str] = {
    # Stored as written here; pages show them translated (dashboard.views.audit_note).
    transitions.Action.ACCEPT: "Accepted from the email notification.",
    transitions.Action.REJECT: "Not an error (rejected from the email notification).",
    transitions.Action.SPAM: "Marked as spam from the email notification.",
}


class LinkError(Problem):
    """A link that cannot be used: `status` is the HTTP answer, `message` says why to a person."""

    def __init__(self, status: int, message: str, request_id: int | None = None):
        super().__init__(message, status=status)
        self.request_id = request_id


@dataclass(frozen=True)
class ActionClaims:
    request_id: int
    action: transitions.Action
    editor_id: int
    version: int
    nonce: str


@dataclass(frozen=True)
class OneClick:
    """A checked action link: who may do what to which request."""
    claims: ActionClaims
    request: CorrectionRequest
    editor: Editor


def _action_serializer() -> URLSafeTimedSerializer:
    return _action_serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _action_serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    """One per key, not per link: the worker signs three links per editor email."""
    return URLSafeTimedSerializer(secret_key, salt=ACTION_SALT)


def make_action_token(request: CorrectionRequest, action: transitions.Action, editor: Editor) -> str:
    return _action_serializer().dumps({
        "r": request.id, "a": action.value, "e": editor.id, "v": request.version,
        "n": secrets.token_urlsafe(12)})


def action_links(request: CorrectionRequest, editor: Editor | None) -> dict[str, str]:
    """Action name → absolute confirmation-page URL; empty for recipients who are not editors."""
    if editor is None or not editor.active:
        return {}
    return {action.value: public_url_for("mail.confirm_action", request_id=request.id,
                                         action=action.value,
                                         token=make_action_token(request, action, editor))
            for action in ONE_CLICK_ACTIONS if action in transitions.allowed_actions(request)}


def editors_by_address(addresses: list[str]) -> dict[str, Editor]:
    """Active editor accounts among `addresses`, keyed by lower-cased address."""
    lowered = {address.lower() for address in addresses}
    if not lowered:
        return {}
    editors = db.session.scalars(sa.select(Editor).where(sa.func.lower(Editor.email).in_(lowered),
                                                         Editor.active.is_(True)))
    return {editor.email.lower(): editor for editor in editors}


def read_action_token(token: str, request_id: int, action: str) -> ActionClaims:
    """The token's claims, if it is genuine, fresh and made for this request and action."""
    try:
        data = _action_serializer().loads(token, max_age=current_app.config["ACTION_TOKEN_MAX_AGE"])
        claims = ActionClaims(request_id=int(data["r"]), action=transitions.Action(data["a"]),
                              editor_id=int(data["e"]), version=int(data["v"]), nonce=str(data["n"]))
    except SignatureExpired:
        raise LinkError(410, _("This link has expired. Open the request on the "
                               "dashboard to act on it."),
                        request_id) from None
    except (BadData, KeyError, TypeError, ValueError):
        raise LinkError(400, _("This link is not valid. It may have been cut short or changed; use "
                               "the link from the email as it is.")) from None
    if claims.request_id != request_id or claims.action.value != action:
        raise LinkError(400, _("This link was made for a different request or action, so it "
                               "cannot be used here."))
    return claims


def check_action(token: str, request_id: int, action: str) -> OneClick:
    """Everything that must hold for the link to act, checked without changing anything."""
    if action not in {a.value for a in ONE_CLICK_ACTIONS}:
        raise LinkError(404, _("There is no such action for email links."))
    claims = read_action_token(token, request_id, action)
    if db.session.get(UsedActionToken, claims.nonce) is not None:
        raise LinkError(410, _("This link has already been used. Each link in an "
                               "email works once."),
                        request_id)
    editor = db.session.get(Editor, claims.editor_id)
    if editor is None or not editor.active:
        raise LinkError(403, _("The editor account this link was made for is no longer active."))
    request = db.session.get(CorrectionRequest, request_id)
    if request is None:
        raise LinkError(404, _("This request no longer exists."))
    if request.version != claims.version:
        raise LinkError(409, _("This request has changed since the email was sent, so its links no "
                               "longer work. Open it on the dashboard to see where it stands."),
                        request_id)
    if claims.action not in transitions.allowed_actions(request):
        raise LinkError(409, _("This action is no longer possible for this request."), request_id)
    return OneClick(claims=claims, request=request, editor=editor)


def act_from_link(token: str, request_id: int, action: str) -> Event:
    """Apply the link's action through the queue and spend the link, in one transaction."""
    checked = check_action(token, request_id, action)
    claims = checked.claims
    try:
        event = transitions.transition(checked.request, claims.action, editor=checked.editor,
                                 version=claims.version,
                                 details=transitions.Details(note=ONE_CLICK_ACTIONS[claims.action]),
                                 commit=False)
        db.session.add(UsedActionToken(nonce=claims.nonce, request_id=request_id,
                                       editor_id=checked.editor.id, action=claims.action.value))
        db.session.commit()
    except transitions.QueueError as error:  # e.g. another editor acted a moment ago
        raise LinkError(409, error.message, request_id) from None
    except IntegrityError:  # the same link, posted twice at once
        db.session.rollback()
        raise LinkError(410, _("This link has already been used. Each link in an "
                               "email works once."),
                        request_id) from None
    return event
