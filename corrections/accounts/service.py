"""Editor accounts: checking passwords, emailed single-use links to set one, invitations."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from .. import addresses
from ..extensions import db
from ..models import Editor, EditorSession, utcnow
from ..notifications import outbox
from ..problem import Problem
from ..urls import public_url_for

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000

# Checked when no account matches, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class PasswordLinkError(Problem):
    """A password link that is forged, expired or already used."""


def normalise_email(value: str) -> str | None:
    """The address as stored on Editor.email (addresses.normalise), or None when it is not an
    address. Sign-in looks accounts up, and throttles attempts, by this form."""
    return addresses.normalise_or_none(value)


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


# --- server-side sessions -------------------------------------------------------------------
# The cookie carries a random token; the server keeps its hash while the session lasts.
# Signing out, a new password and a closed account delete it, so a copied cookie stops working.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(editor: Editor) -> str:
    """Record a new session for `editor` (and forget their expired ones); its cookie token."""
    token = secrets.token_urlsafe(32)
    expired = utcnow() - timedelta(seconds=current_app.permanent_session_lifetime.total_seconds())
    db.session.execute(sa.delete(EditorSession).where(EditorSession.editor_id == editor.id,
                                                      EditorSession.created_at < expired))
    db.session.add(EditorSession(token_hash=_token_hash(token), editor_id=editor.id))
    db.session.commit()
    return token


def session_is_live(token: str | None, editor_id: int) -> bool:
    if not isinstance(token, str):
        return False
    live = db.session.get(EditorSession, _token_hash(token))
    return live is not None and live.editor_id == editor_id


def end_session(token: str | None) -> None:
    if isinstance(token, str):
        db.session.execute(sa.delete(EditorSession).where(
            EditorSession.token_hash == _token_hash(token)))
        db.session.commit()


def end_all_sessions(editor: Editor) -> None:
    """Delete every session of `editor`, in the caller's transaction."""
    db.session.execute(sa.delete(EditorSession).where(EditorSession.editor_id == editor.id))


def password_fingerprint(editor: Editor) -> str:
    """Changes whenever the password does: ends older sessions and used links."""
    return hashlib.sha256(editor.password_hash.encode()).hexdigest()[:16]


def check_new_password(password: str, confirm: str) -> str | None:
    """What is wrong with a chosen password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return ngettext("Choose a password of at least %(num)d character.",
                        "Choose a password of at least %(num)d characters.", MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return ngettext("Choose a password of at most %(num)d character.",
                        "Choose a password of at most %(num)d characters.", MAX_PASSWORD_LENGTH)
    if password != confirm:
        return _("The two passwords are not the same.")
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
        raise PasswordLinkError(_("This link has expired. Ask for a new one.")) from None
    except (BadSignature, ValueError, TypeError):
        raise PasswordLinkError(_("This link is not valid. Check that you "
                                  "copied all of it.")) from None
    editor = db.session.get(Editor, editor_id) if isinstance(editor_id, int) else None
    # Setting a password changes the fingerprint, which makes the link single-use.
    if editor is None or not editor.active or fingerprint != password_fingerprint(editor):
        raise PasswordLinkError(_("This link has already been used or is no longer valid. "
                                  "Ask for a new one."))
    return editor


def hash_password(editor: Editor, password: str) -> None:
    """Store the password as the one hash this app writes (werkzeug's default method)."""
    editor.password_hash = generate_password_hash(password)


def set_password(editor: Editor, password: str) -> None:
    hash_password(editor, password)
    end_all_sessions(editor)
    db.session.commit()


def send_password_reset(email: str) -> None:
    """Email a reset link if an active editor has this address; say nothing either way."""
    editor = find_editor(email)
    if editor is None or not editor.active:
        return
    with force_locale(editor.language):  # the editor's language, whoever asked
        outbox.enqueue(kind="password_reset", recipient=editor.email,
                       subject=_("Choose a new password for the corrections desk"),
                       template="password_reset", language=editor.language,
                       context={"editor": editor, "link": password_link(editor, RESET),
                                "hours": current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1})
    db.session.commit()


def send_invitation(editor: Editor, invited_by: Editor) -> None:
    """Add the invitation email to the session (the caller commits it with the new account)."""
    with force_locale(editor.language):  # the invited editor's language, not the admin's
        outbox.enqueue(kind="editor_invite", recipient=editor.email,
                       subject=_("You are invited to the corrections desk"),
                       template="editor_invite", language=editor.language,
                       context={"editor": editor, "invited_by": invited_by,
                                "link": password_link(editor, INVITE),
                                "days": current_app.config["EDITOR_INVITE_MAX_AGE"] // 86400 or 1})


def unusable_password_hash() -> str:
    """A hash of a random password nobody knows: an invited editor chooses theirs by link."""
    return generate_password_hash(secrets.token_urlsafe(32))
