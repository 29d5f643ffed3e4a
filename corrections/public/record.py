"""The public record of a site: what it published, amended and withdrawn, newest change first.

Read by the log pages, the Atom feed and the read API; written only by workflow.transitions.transition().
Pages are keyset pages on (changed_at, id), compared as typed tuples so that PostgreSQL and
SQLite order them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Article, CorrectionRequest, PublicCorrection, Site
from ..text import is_number
from ..urls import public_url_for, safe_link, text_fragment_url, url_hash

PAGE_SIZE = 50          # entries per page of the feed and the read API
ARTICLES_PER_PAGE = 20  # articles per page of the log


class BadCursor(ValueError):
    """A page cursor that is not one this application made."""


def make_cursor(moment: datetime, ident: int) -> str:
    return f"{moment.isoformat()},{ident}"


def parse_cursor(value: str) -> tuple[datetime, int]:
    """"<ISO time>,<id>" as made by make_cursor(); BadCursor otherwise."""
    when, _, ident = value.partition(",")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise BadCursor from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if not is_number(ident):
        raise BadCursor
    return moment, int(ident)


def _before(columns: tuple, cursor: tuple[datetime, int]):
    """(a, b) < (cursor): typed literals, so no database has to guess what it compares."""
    return sa.tuple_(*columns) < sa.tuple_(sa.literal(cursor[0], sa.DateTime()),
                                           sa.literal(cursor[1], sa.Integer()))


def entries(site: Site, *, url: str | None = None, since: datetime | None = None,
            before: tuple[datetime, int] | None = None,
            limit: int | None = None) -> list[PublicCorrection]:
    """A site's public entries (about the article at `url`, already normalised, if given;
    changed at or after `since`), newest change first."""
    query = (sa.select(PublicCorrection)
             .join(PublicCorrection.article)
             .where(PublicCorrection.site_id == site.id)
             .options(contains_eager(PublicCorrection.article),
                      joinedload(PublicCorrection.request))
             .order_by(PublicCorrection.changed_at.desc(), PublicCorrection.request_id.desc())
             .limit(limit or PAGE_SIZE))
    if url is not None:
        # An article nobody has reported is no row at all: one indexed look-up answers "none".
        query = query.where(Article.site_id == site.id, Article.url_hash == url_hash(url))
    if since is not None:
        query = query.where(PublicCorrection.changed_at >= sa.literal(since, sa.DateTime()))
    if before is not None:
        query = query.where(_before((PublicCorrection.changed_at, PublicCorrection.request_id),
                                    before))
    return list(db.session.scalars(query).unique())


def published_for_url(site: Site, url: str) -> list[PublicCorrection]:
    """The public entries about the article at `url` (already normalised), newest first."""
    return entries(site, url=url)


@dataclass
class ArticleRecord:
    """One corrected article and its public entries, newest change first."""
    article: Article
    last_changed_at: datetime
    entries: list[PublicCorrection]

    @property
    def cursor(self) -> str:
        return make_cursor(self.last_changed_at, self.article.id)


def articles(site: Site, *, before: tuple[datetime, int] | None = None,
             limit: int | None = None) -> list[ArticleRecord]:
    """The site's corrected articles, the one with the newest public change first."""
    last = sa.func.max(PublicCorrection.changed_at)
    query = (sa.select(PublicCorrection.article_id, last)
             .where(PublicCorrection.site_id == site.id)
             .group_by(PublicCorrection.article_id)
             .order_by(last.desc(), PublicCorrection.article_id.desc())
             .limit(limit or ARTICLES_PER_PAGE))
    if before is not None:
        query = query.having(_before((last, PublicCorrection.article_id), before))
    page = db.session.execute(query).all()
    return _records(site, [(article_id, changed) for article_id, changed in page])


def article(site: Site, article_id: int) -> ArticleRecord | None:
    """One corrected article of the site and all its public entries; None if it has none."""
    last = db.session.scalar(sa.select(sa.func.max(PublicCorrection.changed_at))
                             .where(PublicCorrection.site_id == site.id,
                                    PublicCorrection.article_id == article_id))
    if last is None:
        return None
    [record] = _records(site, [(article_id, last)])
    return record


def _records(site: Site, page: list[tuple[int, datetime]]) -> list[ArticleRecord]:
    if not page:
        return []
    found: dict[int, list[PublicCorrection]] = {article_id: [] for article_id, _ in page}
    rows = db.session.scalars(
        sa.select(PublicCorrection)
        .where(PublicCorrection.site_id == site.id, PublicCorrection.article_id.in_(found))
        .options(joinedload(PublicCorrection.article), joinedload(PublicCorrection.request))
        .order_by(PublicCorrection.changed_at.desc(), PublicCorrection.request_id.desc()))
    for entry in rows.unique():
        found[entry.article_id].append(entry)
    return [ArticleRecord(found[article_id][0].article, changed, found[article_id])
            for article_id, changed in page]


def passage_link(entry: PublicCorrection) -> str | None:
    """The article's URL pointing at the corrected passage (a text fragment); None unless http(s)."""
    request: CorrectionRequest = entry.request
    return safe_link(text_fragment_url(entry.article.url, request.quote_exact,
                                       request.quote_prefix, request.quote_suffix))


def entry_url(site: Site, entry: PublicCorrection) -> str:
    """The entry's lasting address: its anchor on its article's page."""
    return public_url_for("log.article", key=site.key,
                          article_id=entry.article_id) + f"#correction-{entry.request_id}"
