"""Where notifications listen: to the state machine (a request changed: tell its readers),
and to the mail transport (before each delivery pass and each round of the worker: turn due
events into emails, write due digests)."""
from flask_babel import ngettext

from ..mail import delivery, worker
from ..workflow import transitions
from . import digests, events, notify


def _request_changed(request, event) -> None:
    notify.request_changed(request, event)


def _write_due_emails(stop) -> None:
    events.write_due_emails()  # first, so a site over the cap has its requests held


def _write_due_digests(stop) -> str | None:
    written = digests.send_due_digests()
    return ngettext("Mail worker: wrote %(num)d digest.", "Mail worker: wrote %(num)d digests.",
                    written) if written else None


def init_app(app) -> None:
    transitions.request_changed.connect(_request_changed)
    delivery.before_delivery(app, events.write_due_emails)
    worker.add_step(app, _write_due_emails)
    worker.add_step(app, _write_due_digests)
