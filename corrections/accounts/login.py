"""Who is signed in: Flask-Login's view of editor accounts, and the session cookie it rides on."""
from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from ..models import Editor
from ..text import is_number


@login_manager.user_loader
def load_editor(editor_id: str) -> Editor | None:
    editor = db.session.get(Editor, int(editor_id)) if is_number(editor_id) else None
    return editor if editor is not None and editor.active else None


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))


def init_app(app) -> None:
    """Sessions and Flask-Login, set up for editors' accounts."""
    app.session_interface = HttpsAwareSessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see the dashboard.")
    login_manager.localize_callback = str  # the lazy message, in the request's language
    login_manager.login_message_category = "info"
