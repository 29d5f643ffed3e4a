"""Where notifications listen: to the state machine (a request changed: tell its readers),
and to the mail transport (before each delivery pass: turn due events into emails)."""
from ..mail import delivery
from ..workflow import transitions
from . import events, notify


def _request_changed(request, event) -> None:
    notify.request_changed(request, event)


def init_app(app) -> None:
    transitions.request_changed.connect(_request_changed)
    delivery.before_delivery(app, events.write_due_emails)
