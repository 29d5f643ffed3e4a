"""The editors' dashboard: the moderation queue and everything behind it."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: The admins' pages in the top bar: (key for `active`, endpoint, label). Add yours here.
ADMIN_NAV = [
    ("sites", "dashboard.sites", _l("Sites")),
    ("editors", "dashboard.editors", _l("Editors")),
    ("spam", "dashboard.spam_guards", _l("Spam guards")),
    ("outbox", "outbox.index", _l("Outbox")),
    ("webhooks", "webhooks.index", _l("Webhooks")),
]


@bp.app_context_processor
def _navigation():
    return {"admin_nav": ADMIN_NAV}


from . import views  # noqa: E402,F401  (registers the routes)
