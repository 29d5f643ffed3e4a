"""Sites as admins manage them: the sites that may send suggestions, their origins, who is
told, in which language and how often; and finding a site by its key or number."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import addresses
from ..extensions import db
from ..models import NotifyMode, Site
from ..notifications import digests
from ..problem import Problem
from ..urls import URLError, normalise_origin, normalise_url

_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SiteError(Problem):
    """A change to a site that cannot be made."""


def by_key(key: str) -> Site | None:
    """The site with this key, or None (a key too long to be one is no site)."""
    if not key or len(key) > 64:
        return None
    return db.session.scalar(sa.select(Site).where(Site.key == key))


def by_id(site_id: int) -> Site | None:
    return db.session.get(Site, site_id)


def all_origins() -> set[str]:
    """Every origin some site lists."""
    return {o for origins in db.session.scalars(sa.select(Site.origins)) for o in origins}


def keys_names_languages() -> list[tuple[str, str, str]]:
    """(key, name, language) of every site, by name: the form's choice of site."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Site.key, Site.name, Site.language).order_by(Site.name))]


def all_sites() -> list[Site]:
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))


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
        address = addresses.normalise_or_none(line)
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
        raise SiteError(_("Some answers need attention."), problems)
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
