"""The dashboard's blueprint and its gates: every page under /dashboard/ needs a signed-in,
active editor, and the admins' pages need an admin (security.py marks them all no-store)."""
from functools import wraps

from flask import Blueprint, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..models import Editor

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: The admins' pages in the top bar: (key for `active`, endpoint, label). Add yours here.
ADMIN_NAV = [
    ("sites", "dashboard.sites", _l("Sites")),
    ("editors", "dashboard.editors", _l("Editors")),
    ("spam", "dashboard.spam_guards", _l("Spam guards")),
    ("outbox", "dashboard.outbox", _l("Outbox")),
    ("webhooks", "dashboard.webhooks.index", _l("Webhooks")),
]


@bp.app_context_processor
def _navigation():
    return {"admin_nav": ADMIN_NAV}


@bp.before_request
def require_editor():
    """Every dashboard page needs a signed-in, active editor."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()


def admin_required(view):
    """The one gate for the admins' pages."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def current_editor() -> Editor:
    return current_user._get_current_object()
