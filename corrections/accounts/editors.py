"""Admin operations: the sites that may send suggestions, and editor accounts."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from .. import languages
from ..extensions import db
from ..models import Editor, NotifyMode, Role, Site
from ..notifications import digests
from ..urls import URLError, normalise_origin, normalise_url
from . import service as accounts

_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class AdminError(Exception):
    """A change an admin asked for that cannot be made; `fields` says which inputs are wrong."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.message, self.fields, self.status = message, fields or {}, status


@dataclass(frozen=True)
class SiteInput:
    key: str
    name: str
    origins: str  # one per line
    notify_emails: str  # one per line
    language: str
    notify_mode: str
    #: The page explaining the site's corrections policy ("" for none), named in its markup.
    corrections_policy_url: str = ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\r\n,]+", text) if line.strip()]


def save_site(site: Site | None, given: SiteInput) -> Site:
    """Create a site (site None) or change one; every problem is reported at once."""
    problems: dict[str, str] = {}
    key = given.key.strip()
    if site is None:
        if not _SITE_KEY.fullmatch(key):
            problems["key"] = _("Use 1 to 64 letters, digits, “-” or “_”.")
        elif db.session.scalar(sa.select(Site.id).where(Site.key == key)) is not None:
            problems["key"] = _("Another site already has this key.")
    name = " ".join(given.name.split())
    if not name or len(name) > 200:
        problems["name"] = _("Give a name of 1 to 200 characters.")
    origins = []
    for line in _lines(given.origins):
        try:
            origins.append(normalise_origin(line))
        except URLError as error:
            problems["origins"] = f"{line[:100]}: {error}"
            break
    if not origins and "origins" not in problems:
        problems["origins"] = _("Give at least one origin, like https://news.example.org.")
    emails = []
    for line in _lines(given.notify_emails):
        address = accounts.normalise_email(line)
        if address is None:
            problems["notify_emails"] = f"{line[:100]} is not a valid email address."
            break
        emails.append(address)
    if given.language not in current_app.config["LANGUAGES"]:
        problems["language"] = _("Choose one of the offered languages.")
    if given.notify_mode not in {m.value for m in NotifyMode}:
        problems["notify_mode"] = _("Choose when editors are told.")
    policy_url = given.corrections_policy_url.strip()
    if policy_url:
        try:
            normalise_url(policy_url)  # checked as an http(s) address; kept as given (#anchor too)
        except URLError as error:
            problems["corrections_policy_url"] = str(error)
    if problems:
        raise AdminError(_("Some answers need attention."), problems)
    if site is None:
        site = Site(key=key)
        db.session.add(site)
    site.name = name
    site.origins = list(dict.fromkeys(origins))
    site.notify_emails = list(dict.fromkeys(emails))
    site.language = given.language
    if site.corrections_policy_url != policy_url:
        site.corrections_policy_url = policy_url
        site.public_version = (site.public_version or 0) + 1  # the record's markup names it
    previous_mode, site.notify_mode = site.notify_mode, NotifyMode(given.notify_mode)
    if previous_mode in digests.PERIODS and site.notify_mode is NotifyMode.IMMEDIATE:
        digests.write_last_digest(site, previous_mode)  # in this transaction, with the change
    db.session.commit()
    return site


def editors() -> list[Editor]:
    return list(db.session.scalars(sa.select(Editor).order_by(Editor.active.desc(), Editor.email)))


def create_editor(email: str, password: str, role: str, language: str | None = None) -> Editor:
    """An account with a password chosen now (the command line's `editor add`)."""
    editor = _new_editor(email, role, language)
    problem = accounts.check_new_password(password, password)
    if problem:
        raise AdminError(problem, {"password": problem})
    editor.password_hash = generate_password_hash(password)
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


def _other_active_admins(editor: Editor) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Editor).where(
        Editor.role == Role.ADMIN, Editor.active.is_(True), Editor.id != editor.id))


def change_role(editor: Editor, role: str, *, by: Editor) -> None:
    if role not in {r.value for r in Role}:
        raise AdminError(_("Choose admin or editor."))
    if Role(role) is not Role.ADMIN and editor.is_admin and editor.active \
            and _other_active_admins(editor) == 0:
        raise AdminError(_("This is the last active admin: make someone "
                           "else an admin first."), status=409)
    editor.role = Role(role)
    db.session.commit()


def set_active(editor: Editor, active: bool, *, by: Editor) -> None:
    if not active and editor.id == by.id:
        raise AdminError(_("You cannot deactivate your own account."), status=409)
    if not active and editor.is_admin and _other_active_admins(editor) == 0:
        raise AdminError(_("This is the last active admin: make someone "
                           "else an admin first."), status=409)
    editor.active = active
    if not active:
        accounts.end_all_sessions(editor)
    db.session.commit()
