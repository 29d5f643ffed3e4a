"""GET /api/v1/corrections: a site's public record of corrections, for the widget's box, CMSs
and anyone else.

Public data, so any origin may read it, and every answer may be cached by anyone for a
minute: the widget asks once per article page view, and most articles have no corrections.
Each process keeps the answers it built (answers()) under the site's public_version, which every
publish, amend and withdraw bumps in its own transaction: one indexed look-up of the site per
request tells any process whether what it kept is still true.
"""
import re
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from ..errors import json_error
from ..problem import Problem
from ..urls import URLError, normalise_url
from . import answers, read_cache
from . import record as public_log

bp = Blueprint("read_api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = "public, max-age=60"
_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
FORMATS = ("json", "jsonld")


class BadParameter(Problem):
    """A query parameter that cannot be used; `field` names it."""
    status = 400

    def __init__(self, field: str, message: str):
        super().__init__(message, {field: message})
        self.field = field


def _one(name: str, *, required: bool = True) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadParameter(name, _("Give the %(name)s parameter once.", name=name))
    if not values and not required:
        return None
    if not values or not values[0].strip():
        raise BadParameter(name, _("The %(name)s parameter is required.", name=name)
                           if required else _("The %(name)s parameter is empty.", name=name))
    return values[0].strip()


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadParameter("since", _("Give since as a date and time in ISO 8601, like "
                                      "2026-11-30T12:00:00Z.")) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _query() -> tuple[str, str | None, datetime | None, tuple | None, str]:
    key = _one("site")
    if not _SITE_KEY.fullmatch(key):
        raise BadParameter("site", _("A site key is 1 to 64 letters, digits, “-” or “_”."))
    url = _one("url", required=False)
    if url is not None:
        try:
            url = normalise_url(url, current_app.config["TRACKING_PARAMETERS"])
        except URLError as error:
            raise BadParameter("url", str(error)) from None
    since = _since(_one("since", required=False))
    cursor = _one("cursor", required=False)
    try:
        before = public_log.parse_cursor(cursor) if cursor is not None else None
    except public_log.BadCursor:
        raise BadParameter("cursor", _("This cursor is not one this API gave. Start again "
                                       "without it and follow the answers' next.")) from None
    form = _one("format", required=False) or "json"
    if form not in FORMATS:
        raise BadParameter("format", _("The format is json (the default) or jsonld."))
    return key, url, since, before, form


@bp.get("/corrections")
def corrections():
    try:
        key, url, since, before, form = _query()
    except BadParameter as error:
        return json_error(400, "malformed", error.message, {error.field: error.message})
    found = answers.site_version(key)
    if found is None:
        return json_error(404, "not_found", _("There is no site with this key."))
    body, etag = answers.answer(found, url, since, before, form)
    if form == "json":  # the same for every reader: read_cache may answer it before Flask next time
        request.environ[read_cache.KEEP] = (found.id, found.public_version)
    response = Response(body, mimetype="application/ld+json" if form == "jsonld"
                        else "application/json")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/openapi.json")
def openapi_document():
    """The API's OpenAPI 3.1 description (kept true by the tests, which check every answer)."""
    from .openapi import document
    response = current_app.json.response(document(current_app.config["PUBLIC_URL"].rstrip("/")))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.after_request
def open_to_every_origin(response):
    # This blueprint's answers only: the intake keeps its own CORS rules (sites' origins only).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
