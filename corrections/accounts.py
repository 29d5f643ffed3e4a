"""Editor accounts: checking passwords, emailed single-use links to set one, invitations."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from . import outbox
from .extensions import db
from .models import Editor, utcnow
from .urls import public_url_for

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000

# Checked when no account matches, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class PasswordLinkError(Exception):
    """A password link that is forged, expired or already used."""


def normalise_email(value: str) -> str | None:
    """The address as stored on Editor.email (lower case), or None when it is not an address."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def find_editor(email: str) -> Editor | None:
    address = normalise_email(email)
    if address is None:
        return None
    return db.session.scalar(sa.select(Editor).where(Editor.email == address))


def authenticate(email: str, password: str) -> Editor | None:
    """The active editor with this address and password, or None (never saying which was wrong)."""
    editor = find_editor(email)
    if editor is None or not editor.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(editor.password_hash, password):
        return None
    return editor


def record_sign_in(editor: Editor) -> None:
    editor.last_login_at = utcnow()
    db.session.commit()


def password_fingerprint(editor: Editor) -> str:
    """Changes whenever the password does: ends older sessions and used links."""
    return hashlib.sha256(editor.password_hash.encode()).hexdigest()[:16]


def check_new_password(password: str, confirm: str) -> str | None:
    """What is wrong with a chosen password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    if password != confirm:
        return "The two passwords are not the same."
    return None


# --- emailed links -------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkPurpose:
    salt: str
    max_age_setting: str
    endpoint: str


RESET = LinkPurpose("password-reset", "PASSWORD_RESET_MAX_AGE", "auth.reset_password")
INVITE = LinkPurpose("editor-invite", "EDITOR_INVITE_MAX_AGE", "auth.accept_invite")


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=purpose.salt)


def password_link(editor: Editor, purpose: LinkPurpose) -> str:
    """An absolute link that lets `editor` choose a password, once, until it expires."""
    token = _serializer(purpose).dumps([editor.id, password_fingerprint(editor)])
    return public_url_for(purpose.endpoint, token=token)


def editor_for_link(token: str, purpose: LinkPurpose) -> Editor:
    """The editor a link was made for, if it is genuine, recent and not used yet."""
    max_age = current_app.config[purpose.max_age_setting]
    try:
        editor_id, fingerprint = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise PasswordLinkError("This link has expired. Ask for a new one.") from None
    except (BadSignature, ValueError, TypeError):
        raise PasswordLinkError("This link is not valid. Check that you copied all of it.") from None
    editor = db.session.get(Editor, editor_id) if isinstance(editor_id, int) else None
    # Setting a password changes the fingerprint, which makes the link single-use.
    if editor is None or not editor.active or fingerprint != password_fingerprint(editor):
        raise PasswordLinkError("This link has already been used or is no longer valid. "
                                "Ask for a new one.")
    return editor


def set_password(editor: Editor, password: str) -> None:
    editor.password_hash = generate_password_hash(password)
    db.session.commit()


def send_password_reset(email: str) -> None:
    """Email a reset link if an active editor has this address; say nothing either way."""
    editor = find_editor(email)
    if editor is None or not editor.active:
        return
    outbox.enqueue(kind="password_reset", recipient=editor.email,
                   subject="Choose a new password for the corrections desk",
                   template="password_reset",
                   context={"editor": editor, "link": password_link(editor, RESET),
                            "hours": current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1})
    db.session.commit()


def send_invitation(editor: Editor, invited_by: Editor) -> None:
    """Add the invitation email to the session (the caller commits it with the new account)."""
    outbox.enqueue(kind="editor_invite", recipient=editor.email,
                   subject="You are invited to the corrections desk",
                   template="editor_invite",
                   context={"editor": editor, "invited_by": invited_by,
                            "link": password_link(editor, INVITE),
                            "days": current_app.config["EDITOR_INVITE_MAX_AGE"] // 86400 or 1})


def unusable_password_hash() -> str:
    """A hash of a random password nobody knows: an invited editor chooses theirs by link."""
    return generate_password_hash(secrets.token_urlsafe(32))
