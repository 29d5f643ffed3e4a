"""The mail worker: run the steps features registered (notifications write due emails and
digests; webhooks are sent after the email), deliver due messages, wait, repeat, until told
to stop."""
import logging
import threading
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..errors import database_problem
from ..extensions import db
from ..operations import status
from . import delivery

log = logging.getLogger(__name__)

#: After a failed round the wait doubles from MAIL_POLL_SECONDS up to this many polls.
MAX_BACKOFF_POLLS = 12


#: Where features register their steps (add_step).
STEPS = "corrections.mail.worker_steps"
Step = Callable[[threading.Event], "str | None"]


def add_step(app, step: Step, *, after_delivery: bool = False) -> None:
    """Have the worker run `step(stop)` every round, before delivering email (or after); a step
    may return a line for the worker to say. How features use the worker without this
    transport knowing them."""
    steps = app.extensions.setdefault(STEPS, {False: [], True: []})[after_delivery]
    if step not in steps:
        steps.append(step)


def run(stop: threading.Event, *, poll_seconds: float | None = None,
        say: Callable[[str], None] = print) -> None:
    """Loop until `stop` is set. Setting it (on SIGTERM) ends the loop after the message in hand.
    Each round runs the registered steps before delivery, delivers, then the steps after.

    No error ends the loop: it is logged (with its traceback, unless the database is merely
    unreachable) and the worker tries again after a wait that doubles with each failed round.
    """
    poll = current_app.config["MAIL_POLL_SECONDS"] if poll_seconds is None else poll_seconds
    last_problem = None
    failures = 0
    while not stop.is_set():
        try:
            status.record_mail_worker()
            steps = current_app.extensions.get(STEPS, {False: [], True: []})
            said = [line for step in steps[False] if (line := step(stop))]
            result = delivery.send_due(stop=stop, between_batches=status.record_mail_worker)
            said += [line for step in steps[True] if (line := step(stop))]
        except Exception as error:  # noqa: BLE001 - the worker must outlive any one failure
            _forget_session()
            failures += 1
            if isinstance(error, SQLAlchemyError):
                # The database may be restarting: say so once, try again later.
                problem = _("database unavailable: %(why)s", why=database_problem(error))
                if problem != last_problem:
                    log.warning("Mail worker: %s", problem)
            else:
                problem = f"{type(error).__name__}: {error}"
                log.exception("Mail worker: unexpected error; trying again")
            wait = poll * min(2 ** min(failures - 1, 10), MAX_BACKOFF_POLLS)
            if problem != last_problem:
                seconds = f"{wait:g}"
                say(_("Mail worker: %(problem)s; retrying in %(seconds)s s (longer while it "
                      "lasts).", problem=problem, seconds=seconds))
            last_problem = problem
            stop.wait(wait)
            continue
        for line in said:
            say(line)
        if result.sent or result.retrying or result.failed:
            say(_("Mail worker: %(result)s.", result=result))
        if last_problem:
            say(_("Mail worker: working again."))
        last_problem, failures = None, 0
        stop.wait(poll)


def _forget_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone
        pass
    db.session.remove()
