"""The editors' dashboard: the moderation queue and everything behind it."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: The admins' pages in the top bar: (key for `active`, endpoint, label). Add yours here.
ADMIN_NAV = [
    ("sites", "dashboard.sites", "Sites"),
    ("editors", "dashboard.editors", "Editors"),
    ("spam", "dashboard.spam_guards", "Spam guards"),
    ("outbox", "outbox.index", "Outbox"),
]


@bp.app_context_processor
def _navigation():
    return {"admin_nav": ADMIN_NAV}


from . import views  # noqa: E402,F401  (registers the routes)
