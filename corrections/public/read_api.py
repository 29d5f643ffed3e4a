"""GET /api/v1/corrections: a site's public record of corrections, for the widget's box, CMSs
and anyone else.

Public data, so any origin may read it, and every answer may be cached by anyone for a
minute: the widget asks once per article page view, and most articles have no corrections.
Each process keeps the answers it built (answers()) under the site's public_version, which every
publish, amend and withdraw bumps in its own transaction: one indexed look-up of the site per
request tells any process whether what it kept is still true.
"""
import hashlib
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import json_error
from ..extensions import db
from ..models import PublicCorrection, PublicStatus, Site
from ..urls import URLError, normalise_url
from . import read_cache, schema_org
from . import record as public_log

bp = Blueprint("read_api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = "public, max-age=60"
_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Answers kept per process, the least recently used dropped first.
CACHE_SIZE = 2048
FORMATS = ("json", "jsonld")


class BadParameter(Exception):
    """A query parameter that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class AnswerCache:
    """Built answers (body, ETag) by (site, its public_version, the query), least recently used
    dropped first; shared by a process's threads."""

    def __init__(self, size: int):
        self.size, self._answers, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key, answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


def answers() -> AnswerCache:
    """This app's cache (one per app, so apps on different databases never share answers)."""
    cache = current_app.extensions.get("read_api_answers")
    if cache is None:
        cache = current_app.extensions.setdefault("read_api_answers", AnswerCache(CACHE_SIZE))
    return cache


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


def _site_version(key: str):
    """The site's id and public_version, or None: the one look-up every request makes."""
    return db.session.execute(sa.select(Site.id, Site.public_version)
                              .where(Site.key == key)).first()


def entry(item: PublicCorrection, site: Site) -> dict:
    """One public entry as the API shows it: nothing a reader typed but the passage."""
    req = item.request
    position = None
    if req.position_start is not None and req.position_end is not None:
        position = {"start": req.position_start, "end": req.position_end}
    withdrawn = item.status is PublicStatus.WITHDRAWN
    return {
        "id": item.request_id,
        "type": item.publication_type.value,
        "state": item.status.value,
        "note": item.note,
        "published_at": schema_org.iso(item.published_at),
        "updated_at": schema_org.iso(item.updated_at),
        "withdrawn_at": schema_org.iso(item.withdrawn_at) if withdrawn else None,
        "withdrawal_reason": item.withdrawal_reason if withdrawn else None,
        "quote": {"exact": req.quote_exact, "prefix": req.quote_prefix, "suffix": req.quote_suffix},
        "position": position,
        "article": {"url": item.article.url, "title": item.article.title},
        "link": public_log.entry_url(site, item),
    }


def _build(site: Site, url, since, before, form) -> bytes:
    items = public_log.entries(site, url=url, since=since, before=before)
    if form == "jsonld":
        records = _by_article(items)
        body = schema_org.document(records, site, lambda e: public_log.entry_url(site, e)) \
            if records else {"@context": "https://schema.org", "@graph": []}
    else:
        more = len(items) == public_log.PAGE_SIZE
        body = {"corrections": [entry(item, site) for item in items],
                "next": public_log.make_cursor(items[-1].changed_at, items[-1].request_id)
                if more else None}
    # As jsonify() writes it: compact, one line.
    return (current_app.json.dumps(body, separators=(",", ":")) + "\n").encode()


def _by_article(items: list[PublicCorrection]) -> list[public_log.ArticleRecord]:
    records: dict[int, public_log.ArticleRecord] = {}
    for item in items:
        record = records.setdefault(item.article_id, public_log.ArticleRecord(
            item.article, item.changed_at, []))
        record.entries.append(item)
    return list(records.values())


@bp.get("/corrections")
def corrections():
    try:
        key, url, since, before, form = _query()
    except BadParameter as error:
        return json_error(400, "malformed", error.message, {error.field: error.message})
    found = _site_version(key)
    if found is None:
        return json_error(404, "not_found", _("There is no site with this key."))
    # JSON-LD's withdrawal notice is in the reader's language; the JSON answer has no words.
    cache_key = (found.id, found.public_version, url, since, before, form,
                 str(get_locale()) if form == "jsonld" else None)
    answer = answers().get(cache_key)
    if answer is None:
        site = db.session.get(Site, found.id)
        body = _build(site, url, since, before, form)
        answer = (body, hashlib.blake2b(body, digest_size=16).hexdigest())
        answers().put(cache_key, answer)
    body, etag = answer
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
