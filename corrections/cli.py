"""The command line: flask --app corrections site|editor|demo|privacy …"""
import json
import secrets
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from . import addresses
from .accounts import editors as admin
from .accounts import service as accounts
from .extensions import db
from .models import Editor, NotifyMode, Role, Site
from .operations import privacy
from .problem import Problem
from .sites import service as sites

site_cli = AppGroup("site", help="Manage the sites whose pages may send suggestions.")
editor_cli = AppGroup("editor", help="Manage editor accounts.")
privacy_cli = AppGroup("privacy", help="Readers' personal data: retention, export, erasure.")

#: The command's words for the fields the services name.
OPTION_NAMES = {"key": "KEY", "name": "--name", "origins": "--origin",
                "notify_emails": "--notify", "language": "--language", "notify_mode": "--digest",
                "corrections_policy_url": "--corrections-policy",
                "email": "EMAIL", "role": "--role", "password": "password"}


def _one_line(error: Problem) -> click.ClickException:
    """A refusal from the services as the command's one-line error."""
    if not error.fields:
        return click.ClickException(error.message)
    return click.ClickException("; ".join(f"{OPTION_NAMES.get(field, field)}: {why}"
                                          for field, why in error.fields.items()))


def create_site(key: str, name: str, origins: list[str], notify: list[str],
                language: str = "en", mode: NotifyMode = NotifyMode.IMMEDIATE,
                corrections_policy: str = "") -> Site:
    try:
        return sites.save_site(None, sites.SiteInput(
            key=key, name=name, origins="\n".join(origins), notify_emails="\n".join(notify),
            language=language, notify_mode=mode.value, corrections_policy_url=corrections_policy))
    except sites.SiteError as error:
        raise _one_line(error) from None


def create_editor(email: str, password: str, role: Role, language: str = "en") -> Editor:
    try:
        return admin.create_editor(email, password, role.value, language)
    except admin.AdminError as error:
        raise _one_line(error) from None


@site_cli.command("add")
@click.argument("key")
@click.option("--name", required=True, help="The name readers and editors see.")
@click.option("--origin", "origins", multiple=True, required=True,
              help="An origin whose pages may send suggestions, e.g. https://news.example.org.")
@click.option("--notify", multiple=True, required=True, help="An address that receives notifications.")
@click.option("--language", default="en", type=click.Choice(["en", "uk"]), show_default=True)
@click.option("--digest", "mode", default="immediate", show_default=True,
              type=click.Choice([m.value for m in NotifyMode]), help="Notify at once or in a digest.")
@click.option("--corrections-policy", default="", metavar="URL",
              help="The page explaining the site's corrections policy (named in its schema.org markup).")
def site_add(key, name, origins, notify, language, mode, corrections_policy):
    """Add a site that may embed the widget."""
    site = create_site(key, name, list(origins), list(notify), language, NotifyMode(mode),
                       corrections_policy)
    click.echo(_("Added site %(key)s (%(name)s) "
                 "for %(origins)s.", key=repr(site.key), name=site.name,
                 origins=", ".join(site.origins)))


@editor_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="editor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", default="en", show_default=True,
              help="The language of their dashboard and emails (one of LANGUAGES).")
def editor_add(email, role, password_stdin, language):
    """Add an editor account."""
    try:
        admin.check_new_editor(email, role, language)  # before asking for a password
    except admin.AdminError as error:
        raise _one_line(error) from None
    editor = create_editor(email, _read_password(password_stdin), Role(role), language)
    click.echo(_("Added %(role)s %(email)s.", role=editor.role.value, email=editor.email))


@editor_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def editor_password(email, password_stdin):
    """Set a new password for an editor (ends their sessions)."""
    if accounts.find_editor(email) is None:
        raise click.ClickException(OPTION_NAMES["email"] + ": " + _("There is no account "
                                                                    "with this address."))
    try:
        editor = admin.set_editor_password(email, _read_password(password_stdin, "New password"))
    except admin.AdminError as error:
        raise _one_line(error) from None
    click.echo(_("Set a new password for %(email)s; their "
                 "sessions have ended.", email=editor.email))


def _read_password(from_stdin: bool, label: str = "Password") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(label, hide_input=True, confirmation_prompt=True)


DEMO_SITE = "demo"
DEMO_ADMIN = "admin@example.org"


@click.command("demo")
@with_appcontext
def demo():
    """Create the demo site, article page and admin account (used by `make run`)."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    site = sites.by_key(DEMO_SITE)
    if site is None:
        origins = {public_url, "http://127.0.0.1:5000", "http://localhost:5000"}
        # The admin is on the notify list, so the demo emails carry one-click action buttons.
        create_site(DEMO_SITE, "The Daily Demo", sorted(origins), [DEMO_ADMIN])
    elif public_url not in site.origins:  # `make run PORT=…` serves the demo page elsewhere
        site.origins = [*site.origins, public_url]
    password = None
    if db.session.scalar(sa.select(Editor).where(Editor.email == DEMO_ADMIN)) is None:
        password = secrets.token_urlsafe(12)
        create_editor(DEMO_ADMIN, password, Role.ADMIN)
    db.session.commit()
    click.echo(f"Demo article:   {public_url}/demo/")
    click.echo(f"Form:           {public_url}/suggest?site={DEMO_SITE}")
    if password:
        click.echo(f"Admin sign-in:  {DEMO_ADMIN} / {password}   (shown once; write it down)")
    else:
        click.echo(f"Admin sign-in:  {DEMO_ADMIN} (password shown when first created)")


@privacy_cli.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None, metavar="DAYS",
              help="Purge what is older than this many days (default: RETENTION_DAYS).")
def privacy_purge(days):
    """Remove readers' details from closed requests' submissions, and delivered emails'
    bodies, older than the retention period."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    click.echo(f"Purged what is older than {days} days: {privacy.purge(days)}.")


def _address(email: str) -> str:
    try:
        return addresses.normalise(email)
    except addresses.AddressError as error:
        raise click.ClickException(f"EMAIL: {error}") from None


@privacy_cli.command("export")
@click.argument("email")
def privacy_export(email):
    """Print everything held about EMAIL as JSON."""
    click.echo(json.dumps(privacy.export(_address(email)), indent=2, ensure_ascii=False))


@privacy_cli.command("erase")
@click.argument("email")
def privacy_erase(email):
    """Remove EMAIL and the person behind it; their suggestions keep their text."""
    address = _address(email)
    done = privacy.erase(address)
    click.echo(f"Erased {address}: {done}.")
    for note in done.notes:
        click.echo(note)


def init_app(app: Flask) -> None:
    app.cli.add_command(site_cli)
    app.cli.add_command(editor_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(demo)

    from .notifications.cli import mail_cli
    app.cli.add_command(mail_cli)

    from .operations.cli import export_command, import_command
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
