"""Signing editors in and out, session timeouts, and choosing a password by emailed link."""
import time
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from .. import languages
from ..clients import client_key
from ..extensions import limiter
from . import service as accounts

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = _l("The email address or the password is not right, or the "
                       "account is not active.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "maxlength": 254})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "maxlength": 254})


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The same password again"), validators=[InputRequired()],
                            render_kw={"autocomplete": "new-password"})


# --- sessions ---------------------------------------------------------------------------

def safe_next(target: str | None) -> str:
    """A same-site path to go to after signing in; anything else goes to the queue."""
    fallback = url_for("dashboard.index")
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ord(c) < 32 or c == "\\" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def _start_session(editor) -> None:
    # A fresh session: nothing from before signing in survives (CSRF token included).
    session.clear()
    login_user(editor, fresh=True)
    session.permanent = True  # the cookie lasts PERMANENT_SESSION_LIFETIME, the absolute limit
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    session["password"] = accounts.password_fingerprint(editor)
    session["sid"] = accounts.start_session(editor)


def _end_session() -> None:
    accounts.end_session(session.get("sid"))
    logout_user()
    session.clear()


@bp.before_app_request
def enforce_session_limits():
    """Sign out sessions that were idle too long, are too old, or predate a password change."""
    if "_user_id" not in session or request.endpoint == "static":
        return
    now = int(time.time())
    signed_in_at, seen_at = session.get("signed_in_at", 0), session.get("seen_at", 0)
    if now - signed_in_at > current_app.permanent_session_lifetime.total_seconds():
        reason = _("Your session reached its time limit. Sign in again.")
    elif now - seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]:
        reason = _("You were signed out after a while without activity. Sign in again.")
    elif (not current_user.is_authenticated
          or session.get("password") != accounts.password_fingerprint(current_user)):
        reason = _("Your password was changed or your account closed. Sign in again.")
    elif not accounts.session_is_live(session.get("sid"), current_user.id):
        reason = _("This session has ended: it was signed out. Sign in again.")
    else:
        if now - seen_at >= 60:  # write the cookie at most once a minute
            session["seen_at"] = now
        return
    _end_session()
    flash(reason, "info")


# --- throttling ----------------------------------------------------------------------------

def _failed(response) -> bool:
    return response.status_code != 303


def _account_key() -> str:
    """The account an attempt is for, in the form accounts are looked up by, so that another
    spelling of the same address ("ED@ｅxample.org") meets the same limit."""
    typed = request.form.get("email", "")[:1000]
    return "account:" + (accounts.normalise_email(typed)
                         or unicodedata.normalize("NFKC", typed).strip().casefold()[:254])


def _login_account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"]


def _login_client_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_CLIENT"]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.errorhandler(429)
def too_many_attempts(error):
    wait = (error.limit.limit.get_expiry() + 59) // 60 if getattr(error, "limit", None) else 15
    message = ngettext("Too many attempts. Wait %(num)d minute, then try again.",
                       "Too many attempts. Wait %(num)d minutes, then try again.", wait)
    if request.endpoint == "auth.forgot_password":
        page = render_template("auth/forgot.html", form=ForgotPasswordForm(), error=message)
    else:
        page = render_template("auth/login.html", form=LoginForm(), error=message)
    return page, 429, {"Retry-After": str(wait * 60)}


# --- views --------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_client_limit, key_func=client_key, methods=["POST"],
               deduct_when=_failed, scope="login-client")
@limiter.limit(_login_account_limit, key_func=_account_key, methods=["POST"],
               deduct_when=_failed, scope="login-account")
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        editor = accounts.authenticate(form.email.data, form.password.data)
        if editor is not None:
            accounts.record_sign_in(editor)
            _start_session(editor)
            return redirect(safe_next(request.args.get("next")), 303)
        error = str(WRONG_CREDENTIALS)
    elif request.method == "POST":
        error, status = _("Give your email address and your password."), 400
        if form.csrf_token.errors:
            error = _("The sign-in form had expired. Try again.")
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    _end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for(".login"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=client_key, methods=["POST"], scope="reset-client")
@limiter.limit(_reset_limit, key_func=_account_key, methods=["POST"], scope="reset-account")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.send_password_reset(form.email.data)
        return render_template("auth/forgot_sent.html")
    status = 400 if request.method == "POST" else 200
    error = _("Give the email address of your account.") if status == 400 else None
    return render_template("auth/forgot.html", form=form, error=error), status


def _choose_password(purpose: accounts.LinkPurpose, token: str):
    try:
        editor = accounts.editor_for_link(token, purpose)
    except accounts.PasswordLinkError as problem:
        return render_template("auth/link_invalid.html", message=str(problem)), 400
    languages.use_editor(editor.language)  # the link names its editor: their language
    form = NewPasswordForm()
    error, status = None, 200
    if form.validate_on_submit():
        error = accounts.check_new_password(form.password.data, form.confirm.data)
        if error is None:
            accounts.set_password(editor, form.password.data)
            _end_session()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for(".login"), 303)
        status = 422
    elif request.method == "POST":
        error, status = _("Type the new password twice."), 400
    return render_template("auth/choose_password.html", form=form, error=error, editor=editor,
                           invite=purpose is accounts.INVITE,
                           min_length=accounts.MIN_PASSWORD_LENGTH), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _choose_password(accounts.RESET, token)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    return _choose_password(accounts.INVITE, token)
