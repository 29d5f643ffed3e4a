"""Error answers: the JSON error shape under /api/, a friendly page elsewhere."""
import sqlalchemy as sa
from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import is_unavailable
from .extensions import db
from .intake.rules import IntakeError

#: Seconds a client is asked to wait when the database cannot be used (Retry-After).
RETRY_AFTER_SECONDS = 10
UNAVAILABLE_MESSAGE = (_l("The desk cannot store or show this just now. Nothing you sent was kept: "
                          "please try again in a minute."))

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("This is not allowed."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept this kind of request."),
    413: _l("The request is too large."),
    415: _l("Send the suggestion as JSON (Content-Type: application/json)."),
    429: _l("Too many suggestions from your network. Please try again later."),
}
CODES = {400: "malformed", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
         500: "internal_error", 503: "unavailable"}


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, code: str, message: str, fields: dict | None = None):
    """A refusal in the shape the client expects: the JSON error under /api/ (naming the
    fields at fault, if any), a page elsewhere."""
    if _wants_json():
        return json_error(status, code, message, fields)
    return render_template("error.html", status=status, message=message), status


def _http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, CSRFError):
        message = _("The form has expired. Go back, reload the page and send it again.")
    else:
        message = MESSAGES.get(status, error.description)
    if _wants_json():
        response, _status = json_error(status, CODES.get(status, "error"), message)
    else:
        response = make_response(render_template("error.html", status=status, message=message))
    response.status_code = status
    # Keep what the exception says in headers (Allow for 405, Retry-After for 429).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _intake_error(error: IntakeError):
    response, status = json_error(error.status, error.code, error.message, error.fields)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, status


def _internal_error(error: Exception):
    if _wants_json():
        return json_error(500, "internal_error", _("Something went wrong on our side."))
    return render_template("error.html", status=500,
                           message=_("Something went wrong on our side.")), 500


def database_problem(error: BaseException) -> str:
    """One line about a database error: its driver's first line, never the SQL or its parameters
    (which hold reader text)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(cause).__name__}: {lines[0][:200]}"


def forget_failed_transaction() -> None:
    """Roll back what the failed request began, whatever state its connection is in."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it
        db.session.remove()


def unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _database_error(error: sa.exc.SQLAlchemyError):
    forget_failed_transaction()
    if not is_unavailable(error):
        current_app.logger.error("Unexpected database error on %s %s", request.method,
                                 request.path, exc_info=error)
        return _internal_error(error)
    current_app.logger.warning("Database unavailable (%s %s): %s", request.method, request.path,
                               database_problem(error))
    if _wants_json():
        response, _status = json_error(503, "unavailable", UNAVAILABLE_MESSAGE)
    else:
        response = make_response(render_template("error.html", status=503,
                                                 message=UNAVAILABLE_MESSAGE))
    response.status_code = 503
    response.headers.update(unavailable_headers())
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa.exc.DBAPIError, _database_error)
    app.register_error_handler(sa.exc.TimeoutError, _database_error)
    app.register_error_handler(IntakeError, _intake_error)
    app.register_error_handler(InternalServerError, _internal_error)
