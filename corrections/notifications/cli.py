"""`flask --app corrections mail send|worker`: deliver email from the outbox."""
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from ..mail import delivery, worker
from . import digests, events

mail_cli = AppGroup("mail", help="Deliver email from the outbox.")


@mail_cli.command("send")
def send():
    """Deliver what is due in the outbox (digests included) once, then exit."""
    events.write_due_emails()  # first, so a site over the cap has its requests held
    written = digests.send_due_digests()
    result = delivery.send_due()
    if written:
        click.echo(f"Wrote {written} digest(s).")
    click.echo(f"Mail: {result}.")
    if result.connection_error:
        raise click.ClickException(f"The SMTP server could not be used: {result.connection_error} "
                                   "Undelivered messages will be retried.")
    if result.retrying or result.failed:
        raise click.ClickException("Some messages were refused; see /dashboard/outbox.")


@mail_cli.command("worker")
@click.option("--poll", type=float, default=None,
              help="Seconds between looks at the outbox (default: MAIL_POLL_SECONDS).")
def run_worker(poll):
    """Keep delivering until SIGTERM or Ctrl+C, which stop it after the message in hand."""
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    config = current_app.config
    click.echo(f"Mail worker: delivering to {config['MAIL_SERVER']}:{config['MAIL_PORT']}; "
               "stop with Ctrl+C or SIGTERM.")
    worker.run(stop, poll_seconds=poll, say=click.echo)
    click.echo("Mail worker: stopped.")
