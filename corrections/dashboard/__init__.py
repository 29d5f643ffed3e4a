"""The editors' dashboard: the moderation queue and everything behind it."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import views  # noqa: E402,F401  (registers the routes)
