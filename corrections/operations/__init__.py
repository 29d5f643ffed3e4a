"""Running the desk for real: logs, process heartbeats and configuration warnings, backups."""
from flask import Flask

from . import logs, models  # noqa: F401 (models registers the table)
from .status import admin_warnings


def init_app(app: Flask) -> None:
    logs.configure(app)
    app.wsgi_app = logs.RequestLog(app.wsgi_app, app)

    @app.context_processor
    def _warnings():
        # A function, so the query runs only where an admin's page asks for it.
        return {"admin_warnings": admin_warnings}
