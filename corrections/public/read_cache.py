"""The read API's repeated answers, served before Flask: the widget asks the same question
(`GET /api/v1/corrections?site=…&url=…`) on every page view of an article.

WSGI middleware, innermost (the request log and the request id still wrap it). The first time
a query string is asked, Flask answers it as usual; if the view marks its 200 answer as
keepable (read_api.keep_answer), the status, headers and body are kept under that exact
query string with the site's public_version. A later request with the same query string is
answered from what was kept, after one indexed look-up of the site's public_version: every
publish, amend and withdraw bumps it in its own transaction, so a change made through any
process is seen by every process at its next request. Anything else goes to Flask.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa

PATH = "/api/v1/corrections"
#: Set in the WSGI environ by the view: (site id, public_version) of a keepable answer.
KEEP = "corrections.read_api.keep"
SIZE = 2048  # answers kept per process, the least recently used dropped first


@dataclass(frozen=True)
class Kept:
    site_id: int
    version: int
    headers: list[tuple[str, str]]
    body: bytes
    etag: str


class CachedAnswers:
    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()  # each thread's own database connection
        self._engine = self._sql = None

    def _connection(self):
        """This thread's DB-API connection, taken from the pool once and kept: the check is one
        indexed read, and SQLAlchemy's per-request checkout would cost more than the read."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._engine is None:
                from ..extensions import db
                from ..models import Site
                with self.app.app_context():
                    engine = db.engine
                compiled = (sa.select(Site.public_version)
                            .where(Site.id == sa.bindparam("site_id"))
                            .compile(dialect=engine.dialect))
                self._sql, self._positional = str(compiled), compiled.positional
                self._engine = engine
            connection = self._engine.raw_connection()
            if self._engine.dialect.name == "postgresql":
                # Each read sees what is committed, without a transaction left open between.
                connection.driver_connection.autocommit = True
            self._local.connection = connection
        return connection

    def _current_version(self, site_id: int) -> int | None:
        connection = self._connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, (site_id,) if self._positional else {"site_id": site_id})
            row = cursor.fetchone()
            cursor.close()
        except Exception:
            self._local.connection = None
            connection.invalidate()  # a broken connection is not reused
            raise
        return row[0] if row else None

    def _get(self, query: str) -> Kept | None:
        with self._lock:
            kept = self._kept.get(query)
            if kept is not None:
                self._kept.move_to_end(query)
            return kept

    def _put(self, query: str, kept: Kept) -> None:
        with self._lock:
            self._kept[query] = kept
            self._kept.move_to_end(query)
            while len(self._kept) > SIZE:
                self._kept.popitem(last=False)

    def _forget(self, query: str) -> None:
        with self._lock:
            self._kept.pop(query, None)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        kept = self._get(query)
        if kept is not None:
            try:
                current = self._current_version(kept.site_id)
            except Exception:  # noqa: BLE001 - the database is away: Flask answers (a 503)
                current = None
            if current == kept.version:
                return self._replay(kept, environ, start_response)
            self._forget(query)
        return self._answer_and_keep(query, environ, start_response)

    def _replay(self, kept: Kept, environ, start_response):
        asked = environ.get("HTTP_IF_NONE_MATCH", "")
        if kept.etag in asked or asked.strip() == "*":
            start_response("304 NOT MODIFIED", [(k, v) for k, v in kept.headers
                                                if k.lower() not in ("content-type",
                                                                     "content-length")])
            return []
        start_response("200 OK", kept.headers)
        return [kept.body]

    def _answer_and_keep(self, query: str, environ, start_response):
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, start)
        keep = environ.get(KEEP)
        if keep is None or not seen.get("status", "").startswith("200"):
            return answer
        headers = seen["headers"]
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return answer  # never hand one client's cookie to another
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        if etag:
            self._put(query, Kept(keep[0], keep[1], list(headers), body, etag))
        return [body]
