"""The public corrections log of a site and its Atom feed."""
from datetime import UTC, datetime

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _

from .. import languages, public_log
from ..errors import problem
from ..text import is_number
from ..urls import public_url_for

bp = Blueprint("log", __name__, url_prefix="/corrections")


def _site_or_404(key: str):
    return public_log.site_by_key(key) or abort(404)


class BadCursor(ValueError):
    """A page link whose ?before= is not one this log made."""


def _cursor() -> tuple | None:
    """?before=<ISO time>,<id>: where the previous page ended (None: the first page)."""
    value = request.args.get("before", "")
    if not value:
        return None
    when, _comma, ident = value.partition(",")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise BadCursor from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if not is_number(ident):
        raise BadCursor
    return moment, int(ident)


@bp.get("/<key>")
def index(key: str):
    site = _site_or_404(key)
    languages.use_site(site)
    try:
        before = _cursor()
    except BadCursor:
        return problem(400, "malformed", _("This page link is not valid. Start again from the "
                                           "newest corrections."))
    items = public_log.published(site, before=before)
    return render_template("corrections/log.html", site=site, items=items,
                           labels=public_log.TYPE_LABELS, page_size=public_log.PAGE_SIZE)


@bp.get("/<key>/feed.atom")
def feed(key: str):
    site = _site_or_404(key)
    languages.use_site(site)
    items = public_log.published(site)
    response = make_response(render_template(
        "corrections/feed.xml", site=site, items=items, labels=public_log.TYPE_LABELS,
        log_url=public_url_for("log.index", key=site.key),
        feed_url=public_url_for("log.feed", key=site.key)))
    response.mimetype = "application/atom+xml"
    return response
