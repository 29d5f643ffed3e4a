"""The read API's answers: built from the public record, kept per process under the site's
public_version (which every publish, amend and withdraw bumps), so one indexed look-up of the
site per request tells whether a kept answer is still true."""
import hashlib
import threading
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from ..extensions import db
from ..models import PublicCorrection, PublicStatus, Site
from . import record as public_log
from . import schema_org

#: Answers kept per process, the least recently used dropped first.
CACHE_SIZE = 2048


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


def site_version(key: str):
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


def answer(found, url, since, before, form) -> tuple[bytes, str]:
    """The answer's body and ETag for the site `found` (its id and public_version)."""
    # JSON-LD's withdrawal notice is in the reader's language; the JSON answer has no words.
    cache_key = (found.id, found.public_version, url, since, before, form,
                 str(get_locale()) if form == "jsonld" else None)
    kept = answers().get(cache_key)
    if kept is None:
        site = db.session.get(Site, found.id)
        body = _build(site, url, since, before, form)
        kept = (body, hashlib.blake2b(body, digest_size=16).hexdigest())
        answers().put(cache_key, kept)
    return kept
