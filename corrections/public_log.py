"""The public corrections log: what a site has published, newest first."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import Article, CorrectionRequest, PublicationType, Site, State
from .urls import url_hash

PAGE_SIZE = 50
TYPE_LABELS = {
    PublicationType.CORRECTION: _l("Correction"),
    PublicationType.CLARIFICATION: _l("Clarification"),
    PublicationType.EDITORS_NOTE: _l("Editor’s note"),
}


def site_by_key(key: str) -> Site | None:
    return db.session.scalar(sa.select(Site).where(Site.key == key))


def published(site: Site, *, before: tuple | None = None,
              limit: int = PAGE_SIZE) -> list[CorrectionRequest]:
    """Published requests of `site`, newest first; `before` is the (published_at, id) of the last one shown."""
    query = (sa.select(CorrectionRequest)
             .where(CorrectionRequest.site_id == site.id,
                    CorrectionRequest.state == State.PUBLISHED)
             .options(sa.orm.joinedload(CorrectionRequest.article))
             .order_by(CorrectionRequest.published_at.desc(), CorrectionRequest.id.desc())
             .limit(limit))
    if before is not None:
        query = query.where(sa.tuple_(CorrectionRequest.published_at, CorrectionRequest.id)
                            < sa.tuple_(*before))
    return list(db.session.scalars(query))


def published_for_url(site: Site, url: str) -> list[CorrectionRequest]:
    """Published requests about the article at `url` (already normalised), newest first.

    An article nobody has reported is no row at all: one indexed look-up answers "none".
    """
    query = (sa.select(CorrectionRequest)
             .join(Article, CorrectionRequest.article_id == Article.id)
             .where(Article.site_id == site.id, Article.url_hash == url_hash(url),
                    CorrectionRequest.state == State.PUBLISHED)
             .options(sa.orm.contains_eager(CorrectionRequest.article))
             .order_by(CorrectionRequest.published_at.desc(), CorrectionRequest.id.desc()))
    return list(db.session.scalars(query))
