"""The JSON intake used by the widget."""
import json

from flask import Blueprint, current_app, g, request
from flask_babel import gettext as _

from .. import languages
from ..database import UNAVAILABLE
from ..errors import forget_failed_transaction, json_error
from ..extensions import csrf, limiter
from ..sites import service as sites
from . import suggestions
from .rules import IntakeError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are involved: CORS and the origin check guard this endpoint


def intake_limit() -> str:
    return current_app.config["INTAKE_RATE_LIMIT"]


def _allowed_origin(origin: str | None) -> bool:
    """An origin that some site lists; the site-specific check comes with the request body.

    While the database cannot be read, any origin may read the answer (a 503 that tells the
    widget to try again) and send the request, which the intake checks once it can."""
    if not origin or origin == "null":
        return False
    if origin == g.get("intake_origin"):  # the intake took a suggestion from it just now
        return True
    if "site_origins" not in g:  # asked by the preflight check and again for the response
        try:
            g.site_origins = sites.all_origins()
        except UNAVAILABLE:
            forget_failed_transaction()
            g.site_origins = None
    return g.site_origins is None or origin in g.site_origins


@bp.before_request
def preflight():
    if request.method == "OPTIONS":
        if not _allowed_origin(request.headers.get("Origin")):
            return json_error(403, "origin_not_allowed", _("This origin may not send suggestions."))
        return "", 204


@bp.after_request
def cors(response):
    origin = request.headers.get("Origin")
    response.vary.add("Origin")
    if _allowed_origin(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            if g.site_origins is not None:  # a guess made while the database is away is not kept
                response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.post("/suggestions")
@limiter.shared_limit(intake_limit, scope="intake", exempt_when=lambda: request.method == "OPTIONS")
def create_suggestion():
    data = _read_json()
    if isinstance(data, dict):
        languages.use_requested(data.get("lang"))  # the widget's dialog language
    origin = request.headers.get("Origin")
    if origin == "null":
        return json_error(403, "origin_not_allowed", _("This origin may not send suggestions."))
    receipt = suggestions.receive(data, origin=origin, client=suggestions.client_of(request),
                             min_elapsed_ms=current_app.config["API_MIN_ELAPSED_MS"])
    g.intake_origin = origin  # checked against the site's own origins: CORS need not ask again
    return {"id": receipt.id, "reference": receipt.reference, "status": "received"}, 201


def _read_json():
    if request.mimetype != "application/json":
        raise IntakeError(415, "unsupported_media_type",
                                 _("Send the suggestion as JSON (Content-Type: application/json)."))
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError(400, "malformed", _("The request body is "
                                                     "not valid UTF-8.")) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise IntakeError(400, "malformed", _("The request body is not valid JSON.")) from None
