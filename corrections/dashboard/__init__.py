"""The editors' dashboard: the queue, one request and its actions, export, and the admins'
pages (sites, editors, spam guards, outbox), all on one blueprint behind one gate.

Views parse, call one service (workflow, dashboard.queries, intake.spam, accounts, sites,
mail.failures) and render; they never query the database themselves.
"""
from . import (  # noqa: F401 (each registers its routes on the blueprint)
    account_views,
    editor_views,
    outbox_views,
    presenters,
    queue_views,
    request_views,
    site_views,
    spam_views,
)
from .blueprint import bp  # noqa: F401
