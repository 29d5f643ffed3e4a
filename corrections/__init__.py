"""corrections: reader-suggested corrections and clarifications for news sites."""
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


def _default_instance_path() -> str | None:
    """instance/ in a checkout; elsewhere (an installed wheel) Flask's <prefix>/var/corrections-instance."""
    return str(ROOT / "instance") if (ROOT / "pyproject.toml").is_file() else None


def create_app(test_config=None):
    """Build the application: configuration, extensions and blueprints."""
    # Templates live in the top-level templates/ folder; corrections/templates links to it, so a
    # checkout and an installed wheel (which carries the files themselves) find them alike.
    app = Flask(__name__,
                instance_path=os.environ.get("CORRECTIONS_INSTANCE_PATH") or _default_instance_path(),
                instance_relative_config=True)
    app.config.from_object("corrections.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CORRECTIONS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "corrections.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    from . import security
    if not app.config["SECRET_KEY"]:
        if not (app.debug or app.testing):
            raise RuntimeError("SECRET_KEY is not set. " + security.MAKE_A_SECRET_KEY)
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    elif not (app.debug or app.testing):
        problem = security.secret_key_problem(app.config["SECRET_KEY"])
        if problem:
            raise RuntimeError(problem)
    from .public.read_cache import CachedAnswers
    app.wsgi_app = CachedAnswers(app.wsgi_app, app)  # innermost: the request log still wraps it
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)

    from . import database, errors, guard, operations
    operations.init_app(app)
    database.configure(app)
    from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from . import languages
    from .languages import select_language, select_timezone
    babel.init_app(app, locale_selector=select_language, timezone_selector=select_timezone)
    languages.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    guard.init_app(app)  # before the blueprints: their routes use its converter

    from . import dashboard
    from .accounts import login
    from .accounts import views as accounts
    from .intake import api as intake_api
    from .intake import views as intake_form
    from .notifications import listeners
    from .notifications import views as email_links
    from .operations import views as health
    from .public import read_api
    from .public import views as public_record
    from .webhooks import listeners as webhook_listeners
    from .webhooks import views as webhook_pages  # noqa: F401 (its pages join the dashboard's)
    from .widget import views as widget
    login.init_app(app)
    listeners.init_app(app)
    webhook_listeners.init_app(app)
    for blueprint in (intake_api.bp, read_api.bp, intake_form.bp, public_record.bp, widget.bp,
                      accounts.bp, dashboard.bp, email_links.bp, health.bp):
        app.register_blueprint(blueprint)
    if app.config["DEMO"]:
        from .demo import views as demo
        app.register_blueprint(demo.bp)

    from . import cli
    from .webhooks import cli as webhook_cli
    cli.init_app(app)
    app.cli.add_command(webhook_cli.webhook_cli)
    return app
