"""The mail worker: write due digests, deliver due messages, wait, repeat, until told to stop."""
import threading
from collections.abc import Callable

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import delivery, digests


def run(stop: threading.Event, *, poll_seconds: float | None = None,
        say: Callable[[str], None] = print) -> None:
    """Loop until `stop` is set. Setting it (on SIGTERM) ends the loop after the message in hand."""
    poll = current_app.config["MAIL_POLL_SECONDS"] if poll_seconds is None else poll_seconds
    last_problem = None
    while not stop.is_set():
        try:
            written = digests.send_due_digests()
            result = delivery.send_due(stop=stop)
        except SQLAlchemyError as error:
            # The database may be restarting: say so once, drop the connections, try again later.
            db.session.rollback()
            db.session.remove()
            problem = f"database unavailable: {str(error).splitlines()[0]}"
            if problem != last_problem:
                say(f"Mail worker: {problem}; retrying every {poll:g}s.")
            last_problem = problem
        else:
            if written:
                say(f"Mail worker: wrote {written} digest(s).")
            if result.sent or result.retrying or result.failed:
                say(f"Mail worker: {result}.")
            last_problem = None
        stop.wait(poll)
