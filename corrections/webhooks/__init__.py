"""Signed webhooks: per-site endpoints that hear of requests created, published, amended, withdrawn.

This package owns the endpoints and their delivery log (models), adding and removing endpoints
and queuing deliveries in the transaction of the event (service), signing and the receivers'
verification recipe (signing), delivery by the mail worker (delivery), the admins' dashboard
pages (views) and `flask --app corrections webhook …` (cli). docs/webhooks.md is the receivers'
side. Outside it, the hooks are one call each: queue.transition(), mail.events (new requests)
and the worker's loop.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import cli, models, views  # noqa: F401 (models: the tables are in the metadata)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.webhook_cli)
