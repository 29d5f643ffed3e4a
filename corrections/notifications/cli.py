"""`flask --app corrections mail send|worker`: deliver email from the outbox."""
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..languages import Option
from ..mail import delivery, worker
from . import digests, events

mail_cli = AppGroup("mail", help=_l("Deliver email from the outbox."))


@mail_cli.command("send", help=_l("Deliver what is due in the outbox (digests included) once, then exit."))
def send():
    events.write_due_emails()  # first, so a site over the cap has its requests held
    written = digests.send_due_digests()
    result = delivery.send_due()
    if written:
        click.echo(ngettext("Wrote %(num)d digest.", "Wrote %(num)d digests.", written))
    click.echo(_("Mail: %(result)s.", result=result))
    if result.connection_error:
        raise click.ClickException(_("The SMTP server could not be used: %(error)s Undelivered "
                                     "messages will be retried.", error=result.connection_error))
    if result.retrying or result.failed:
        raise click.ClickException(_("Some messages were refused; see /dashboard/outbox."))


@mail_cli.command("worker", help=_l("Keep delivering until SIGTERM or Ctrl+C, which stop it "
                                    "after the message in hand."))
@click.option("--poll", type=float, default=None, cls=Option,
              help=_l("Seconds between looks at the outbox (default: MAIL_POLL_SECONDS)."))
def run_worker(poll):
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    config = current_app.config
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    click.echo(_("Mail worker: delivering to %(server)s; stop with Ctrl+C or SIGTERM.",
                 server=server))
    worker.run(stop, poll_seconds=poll, say=click.echo)
    click.echo(_("Mail worker: stopped."))
