"""The public corrections log of a site and its Atom feed."""
from datetime import datetime

from flask import Blueprint, abort, make_response, render_template, request

from .. import public_log
from ..urls import public_url_for

bp = Blueprint("log", __name__, url_prefix="/corrections")


def _site_or_404(key: str):
    return public_log.site_by_key(key) or abort(404)


def _cursor() -> tuple | None:
    """?before=<ISO time>,<id>: where the previous page ended. Anything else starts at the top."""
    value = request.args.get("before", "")
    when, _, ident = value.partition(",")
    try:
        return datetime.fromisoformat(when), int(ident)
    except ValueError:
        return None


@bp.get("/<key>")
def index(key: str):
    site = _site_or_404(key)
    items = public_log.published(site, before=_cursor())
    return render_template("corrections/log.html", site=site, items=items,
                           labels=public_log.TYPE_LABELS, page_size=public_log.PAGE_SIZE)


@bp.get("/<key>/feed.atom")
def feed(key: str):
    site = _site_or_404(key)
    items = public_log.published(site)
    response = make_response(render_template(
        "corrections/feed.xml", site=site, items=items, labels=public_log.TYPE_LABELS,
        log_url=public_url_for("log.index", key=site.key),
        feed_url=public_url_for("log.feed", key=site.key)))
    response.mimetype = "application/atom+xml"
    return response
