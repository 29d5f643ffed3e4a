"""The public corrections record of a site: by article, one page per article, and its Atom feed."""
from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _

from .. import languages
from ..errors import problem
from ..labels import PUBLICATION_LABELS
from ..sites import service as sites
from ..urls import public_url_for
from . import record as public_log
from . import schema_org

bp = Blueprint("log", __name__, url_prefix="/corrections")


def _site_or_404(key: str):
    return sites.by_key(key) or abort(404)


def _render(template: str, site, records, **context):
    jsonld = schema_org.document(records, site, lambda entry: public_log.entry_url(site, entry))
    return render_template(template, site=site, records=records, jsonld=jsonld,
                           labels=PUBLICATION_LABELS, passage_link=public_log.passage_link,
                           public_text=schema_org.public_text, **context)


@bp.get("/<key>")
def index(key: str):
    site = _site_or_404(key)
    languages.use_site(site)
    try:
        before = public_log.parse_cursor(request.args["before"]) if request.args.get("before") \
            else None
    except public_log.BadCursor:
        return problem(400, "malformed", _("This page link is not valid. Start again from the "
                                           "newest corrections."))
    records = public_log.articles(site, before=before)
    more = len(records) == public_log.ARTICLES_PER_PAGE
    return _render("corrections/log.html", site, records,
                   next_cursor=records[-1].cursor if more else None)


@bp.get("/<key>/articles/<int:article_id>")
def article(key: str, article_id: int):
    site = _site_or_404(key)
    languages.use_site(site)
    record = public_log.article(site, article_id) or abort(404)
    return _render("corrections/article.html", site, [record])


@bp.get("/<key>/feed.atom")
def feed(key: str):
    site = _site_or_404(key)
    languages.use_site(site)
    items = public_log.entries(site)
    log_url = public_url_for("log.index", key=site.key)
    response = make_response(render_template(
        "corrections/feed.xml", site=site, items=items, labels=PUBLICATION_LABELS,
        log_url=log_url, feed_url=public_url_for("log.feed", key=site.key),
        passage_link=public_log.passage_link, public_text=schema_org.public_text,
        entry_url=lambda entry: public_log.entry_url(site, entry), iso=schema_org.iso))
    response.mimetype = "application/atom+xml"
    return response
