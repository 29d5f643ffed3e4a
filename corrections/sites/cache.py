"""Sites as the intake sees them: one copy per process, good while the site's version stands.

Every change to a site made through the ORM bumps `Site.version` in the same flush (the
listener next to the model), so a writer in any process invalidates every other process's copy: the
intake reads the site's current version back from the article upsert it makes anyway
(intake.suggestions.submit) and, when it differs, forgets its copy and takes the suggestion again.
A copy is only ever trusted to accept; a refusal that depends on the site is checked against
a fresh read first, so a site an admin just opened up is never refused on old data.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Site

_COLUMNS = tuple(column.key for column in Site.__table__.columns)


def _copies() -> dict[str, Site]:
    return current_app.extensions.setdefault("corrections.site_copies", {})


def lookup(key: str, *, fresh: bool = False) -> Site | None:
    """The site with this key: this process's copy, or (when `fresh`, or none is held) a new
    one read from the database. The copy is transient: it belongs to no session."""
    copies = _copies()
    if not fresh and (site := copies.get(key)) is not None:
        return site
    row = db.session.execute(sa.select(*Site.__table__.columns).where(Site.key == key)).first()
    if row is None:
        copies.pop(key, None)
        return None
    site = Site(**{name: getattr(row, name) for name in _COLUMNS})
    copies[key] = site
    return site


def forget(key: str) -> None:
    _copies().pop(key, None)


def version_of(site_id) -> sa.ScalarSelect:
    """The site's current version, as a column for a statement the intake makes anyway."""
    return sa.select(Site.version).where(Site.id == site_id).scalar_subquery()

