"""`flask --app corrections webhook add|list|remove|send`."""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import db
from ..sites import service as sites
from . import delivery, service
from .models import WebhookEndpoint

webhook_cli = AppGroup("webhook", help="Manage the sites' webhook endpoints.")


@webhook_cli.command("add")
@click.argument("site")
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(list(service.EVENTS)),
              help="An event to send (repeat for more; default: every event).")
@click.option("--format", "format_", default="json", show_default=True,
              type=click.Choice(["json", "slack"]), help="Signed JSON, or a Slack-compatible message.")
def add(site, url, events, format_):
    """Send SITE's events to URL; prints the signing secret, once."""
    found = sites.by_key(site)
    if found is None:
        raise click.ClickException(_("There is no site “%(key)s”.", key=site))
    try:
        endpoint = service.add_endpoint(found, url, list(events or service.EVENTS), format_)
    except service.WebhookError as problem:
        raise click.ClickException(f"{problem.field.upper() if problem.field else ''}: "
                                   f"{problem.message}") from None
    click.echo(_("Added endpoint #%(id)s for %(site)s: %(url)s (%(events)s).", id=endpoint.id,
                 site=found.key, url=endpoint.url, events=", ".join(endpoint.events)))
    click.echo(_("Signing secret (shown only this once): %(secret)s", secret=endpoint.secret))


@webhook_cli.command("list")
@click.option("--site", default=None, help="Only this site's endpoints (its key).")
def list_endpoints(site):
    """List the endpoints (never their secrets)."""
    site_id = None
    if site is not None:
        found = sites.by_key(site)
        if found is None:
            raise click.ClickException(_("There is no site “%(key)s”.", key=site))
        site_id = found.id
    for endpoint in service.endpoints(site_id):
        click.echo(f"#{endpoint.id}\t{endpoint.site.key}\t{endpoint.format.value}\t{endpoint.url}"
                   f"\t{','.join(endpoint.events)}")


@webhook_cli.command("remove")
@click.argument("endpoint_id", type=int)
def remove(endpoint_id):
    """Remove an endpoint (by its number in `webhook list`) and its delivery log."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise click.ClickException(_("There is no endpoint #%(id)s.", id=endpoint_id))
    service.remove_endpoint(endpoint)
    click.echo(_("Removed endpoint #%(id)s.", id=endpoint_id))


@webhook_cli.command("send")
def send():
    """Deliver the webhooks due now once, then exit (the mail worker does this on every round)."""
    report = delivery.deliver_due()
    click.echo(f"Webhooks: {report}.")
