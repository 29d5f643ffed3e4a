"""Error answers: the JSON error shape under /api/, a friendly page elsewhere."""
from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .intake import IntakeError

MESSAGES = {
    400: "The request could not be understood.",
    403: "This is not allowed.",
    404: "There is nothing at this address.",
    405: "This address does not accept this kind of request.",
    413: "The request is too large.",
    415: "Send the suggestion as JSON (Content-Type: application/json).",
    429: "Too many suggestions from your network. Please try again later.",
}
CODES = {400: "malformed", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
         500: "internal_error"}


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, code: str, message: str):
    """A refusal in the shape the client expects: the JSON error under /api/, a page elsewhere."""
    if _wants_json():
        return json_error(status, code, message)
    return render_template("error.html", status=status, message=message), status


def _http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, CSRFError):
        message = "The form has expired. Go back, reload the page and send it again."
    else:
        message = MESSAGES.get(status, error.description)
    if _wants_json():
        response, _ = json_error(status, CODES.get(status, "error"), message)
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
        return json_error(500, "internal_error", "Something went wrong on our side.")
    return render_template("error.html", status=500,
                           message="Something went wrong on our side."), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IntakeError, _intake_error)
    app.register_error_handler(InternalServerError, _internal_error)
