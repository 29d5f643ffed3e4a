"""Logs: the app's warnings and one line per request, as text or JSON lines, on standard error.

A request line has a request id (also sent as X-Request-Id), the method, the path without its
query string (the form's query carries reader text), the status and the duration. Client
addresses and reader text are never logged; control characters (CR, LF) are escaped, so no
input can forge a log line.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask
from flask.logging import default_handler
from werkzeug.wsgi import ClosingIterator

from .status import WebProcess

request_log = logging.getLogger("corrections.requests")
#: Loggers whose records go through our handler: the app's own, and Flask-Limiter's warnings
#: (e.g. falling back to memory when Redis cannot be reached).
LOGGERS = ("corrections", "flask-limiter")
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
#: A request id nginx may pass on (X-Request-Id), accepted only from a trusted proxy.
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape(text: str) -> str:
    """Control characters as visible escapes: a CR or LF can never start a new log line."""
    return _CONTROL.sub(lambda m: {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
        m.group(), f"\\x{ord(m.group()):02x}"), text)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return escape(super().formatMessage(record))

    def formatException(self, exc_info) -> str:  # noqa: N802
        # Indented, so no line of a traceback can pass for a record of its own.
        return "\n".join("    " + escape(line)
                         for line in super().formatException(exc_info).splitlines())


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "process": record.process,
                 "message": record.getMessage()}
        entry.update({name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (test runners and servers replace it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


_handler = _StandardError()


def configure(app: Flask) -> None:
    """Send the app's and Flask-Limiter's records to standard error in LOG_FORMAT."""
    log_format = app.config["LOG_FORMAT"]
    if log_format not in ("text", "json"):
        raise RuntimeError(f'LOG_FORMAT must be "text" or "json", not {log_format!r}.')
    _handler.setFormatter(JSONFormatter() if log_format == "json" else TextFormatter())
    level = logging.getLevelName(app.config["LOG_LEVEL"])
    for name in LOGGERS:
        logger = logging.getLogger(name)
        # Flask-Limiter's INFO lines name a breached limit's key: the client's address.
        logger.setLevel(max(level, logging.WARNING) if name == "flask-limiter" else level)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
    app.logger.removeHandler(default_handler)


def _path(environ) -> str:
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


class RequestLog:
    """WSGI middleware: a request id, the request's log line, and the process's heartbeat,
    both after the response has been sent."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.process = WebProcess(app)
        self.trust_request_id = bool(app.config["PROXY_FIX_X_FOR"])

    def _request_id(self, environ) -> str:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        if self.trust_request_id and _GOOD_REQUEST_ID.fullmatch(given):
            return given
        return secrets.token_hex(8)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = environ["corrections.request_id"] = self._request_id(environ)
        heartbeat_due = self.process.saw_request(environ)
        answer = {"status": 500}

        def start(status, headers, exc_info=None):
            answer["status"] = int(status.split(" ", 1)[0])
            return start_response(status, [*headers, ("X-Request-Id", request_id)], exc_info)

        def finish():
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            method, path = environ.get("REQUEST_METHOD", ""), _path(environ)
            request_log.info("%s %s %s %sms request_id=%s", method, path, answer["status"],
                             duration_ms, request_id,
                             extra={"request_id": request_id, "method": method, "path": path,
                                    "status": answer["status"], "duration_ms": duration_ms})
            if heartbeat_due:
                self.process.write()

        try:
            return ClosingIterator(self.wsgi_app(environ, start), finish)
        except BaseException:
            finish()
            raise
