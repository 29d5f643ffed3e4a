"""GET /api/v1/corrections: what a site has published about an article, for the widget's box.

Public data, so any origin may read it, and every answer may be cached by anyone for a
minute: the widget asks once per article page view, and most articles have no corrections.
"""
import re

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from .. import public_log
from ..errors import json_error
from ..models import CorrectionRequest
from ..urls import URLError, normalise_url, public_url_for

bp = Blueprint("read_api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = "public, max-age=60"
_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BadParameter(Exception):
    """A query parameter that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _one(name: str) -> str:
    values = request.args.getlist(name)
    if not values or not values[0].strip():
        raise BadParameter(name, _("The %(name)s parameter is required.", name=name))
    if len(values) > 1:
        raise BadParameter(name, _("Give the %(name)s parameter once.", name=name))
    return values[0].strip()


def _time(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _entry(item: CorrectionRequest, log_url: str) -> dict:
    """One published correction as the API shows it: nothing a reader typed but the passage."""
    position = None
    if item.position_start is not None and item.position_end is not None:
        position = {"start": item.position_start, "end": item.position_end}
    return {
        "id": item.id,
        "type": item.publication_type.value,
        "state": item.state.value,
        "note": item.public_note or "",
        "published_at": _time(item.published_at),
        "updated_at": None,
        "quote": {"exact": item.quote_exact, "prefix": item.quote_prefix, "suffix": item.quote_suffix},
        "position": position,
        "article": {"url": item.article.url, "title": item.article.title},
        "link": f"{log_url}#correction-{item.id}",
    }


@bp.get("/corrections")
def corrections():
    try:
        key = _one("site")
        if not _SITE_KEY.fullmatch(key):
            raise BadParameter("site", _("A site key is 1 to 64 letters, digits, “-” or “_”."))
        try:
            url = normalise_url(_one("url"), current_app.config["TRACKING_PARAMETERS"])
        except URLError as error:
            raise BadParameter("url", str(error)) from None
    except BadParameter as error:
        return json_error(400, "malformed", error.message, {error.field: error.message})
    site = public_log.site_by_key(key)
    if site is None:
        return json_error(404, "not_found", _("There is no site with this key."))
    log_url = public_url_for("log.index", key=site.key)
    items = public_log.published_for_url(site, url)
    response = current_app.json.response({"corrections": [_entry(item, log_url) for item in items],
                                          "next": None})
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.after_request
def open_to_every_origin(response):
    # This blueprint's answers only: the intake keeps its own CORS rules (sites' origins only).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
