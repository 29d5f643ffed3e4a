"""Editor accounts as admins manage them: creating, inviting, roles, deactivation, and each
editor's own preferences."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import languages
from ..extensions import db
from ..models import Editor, Role
from ..problem import Problem
from . import service as accounts


class AdminError(Problem):
    """A change an admin asked for that cannot be made."""


def by_id(editor_id: int) -> Editor | None:
    return db.session.get(Editor, editor_id)


def active_editors() -> list[Editor]:
    return list(db.session.scalars(sa.select(Editor).where(Editor.active.is_(True))
                                   .order_by(Editor.email)))


def editors() -> list[Editor]:
    return list(db.session.scalars(sa.select(Editor).order_by(Editor.active.desc(), Editor.email)))


def create_editor(email: str, password: str, role: str, language: str | None = None) -> Editor:
    """An account with a password chosen now (the command line's `editor add`)."""
    editor = _new_editor(email, role, language)
    problem = accounts.check_new_password(password, password)
    if problem:
        raise AdminError(problem, {"password": problem})
    accounts.hash_password(editor, password)
    db.session.add(editor)
    db.session.commit()
    return editor


def check_new_editor(email: str, role: str, language: str | None = None) -> None:
    """Refuse an address that is not valid or already taken, before a password is asked for."""
    _new_editor(email, role, language)


def set_editor_password(email: str, password: str) -> Editor:
    """A new password for an existing account (the command line's `editor password`); it ends
    the account's sessions and unused password links, as a reset does."""
    editor = accounts.find_editor(email)
    if editor is None:
        raise AdminError(_("Some answers need attention."),
                         {"email": _("There is no account with this address.")}, status=404)
    problem = accounts.check_new_password(password, password)
    if problem:
        raise AdminError(problem, {"password": problem})
    accounts.set_password(editor, password)
    return editor


def _new_editor(email: str, role: str, language: str | None = None) -> Editor:
    """A new account; its language is `language`, or by default the inviting browser's."""
    address = accounts.normalise_email(email)
    if address is None:
        raise AdminError(_("Some answers need attention."), {"email": _("This is not a valid email address.")})
    if role not in {r.value for r in Role}:
        raise AdminError(_("Some answers need attention."), {"role": _("Choose admin or editor.")})
    if db.session.scalar(sa.select(Editor.id).where(Editor.email == address)) is not None:
        raise AdminError(_("Some answers need attention."),
                         {"email": _("There is already an account with this address.")}, status=409)
    if language and not languages.supported(language):
        raise AdminError(_("Some answers need attention."),
                         {"language": _("Choose one of the offered languages.")})
    language = languages.choose(explicit=language, browser=languages.from_browser())
    return Editor(email=address, role=Role(role), language=language, time_zone="UTC",
                  password_hash=accounts.unusable_password_hash())


def set_preferences(editor: Editor, language: str, time_zone: str) -> None:
    """An editor's own language and time zone (their account page)."""
    problems = {}
    if not languages.supported(language):
        problems["language"] = _("Choose one of the offered languages.")
    if time_zone not in languages.time_zones():
        problems["time_zone"] = _("Choose a time zone from the list.")
    if problems:
        raise AdminError(_("Some answers need attention."), problems)
    editor.language, editor.time_zone = languages.supported(language), time_zone
    db.session.commit()


def invite_editor(email: str, role: str, *, invited_by: Editor,
                  language: str | None = None) -> Editor:
    """Create an account and email its owner a link to choose a password."""
    editor = _new_editor(email, role, language)
    db.session.add(editor)
    db.session.flush()  # the link names the new account's id
    accounts.send_invitation(editor, invited_by)
    db.session.commit()
    return editor


def resend_invitation(editor: Editor, *, invited_by: Editor) -> None:
    if not editor.active:
        raise AdminError(_("Reactivate the account before inviting its owner again."), status=409)
    accounts.send_invitation(editor, invited_by)
    db.session.commit()


def _keep_an_admin(editor: Editor) -> None:
    """Refuse to take away the last active admin: nobody could manage the desk after."""
    others = db.session.scalar(sa.select(sa.func.count()).select_from(Editor).where(
        Editor.role == Role.ADMIN, Editor.active.is_(True), Editor.id != editor.id))
    if editor.is_admin and editor.active and others == 0:
        raise AdminError(_("This is the last active admin: make someone "
                           "else an admin first."), status=409)


def change_role(editor: Editor, role: str) -> None:
    if role not in {r.value for r in Role}:
        raise AdminError(_("Choose admin or editor."))
    if Role(role) is not Role.ADMIN:
        _keep_an_admin(editor)
    editor.role = Role(role)
    db.session.commit()


def set_active(editor: Editor, active: bool, *, by: Editor) -> None:
    if not active and editor.id == by.id:
        raise AdminError(_("You cannot deactivate your own account."), status=409)
    if not active:
        _keep_an_admin(editor)
    editor.active = active
    if not active:
        accounts.end_all_sessions(editor)
    db.session.commit()
