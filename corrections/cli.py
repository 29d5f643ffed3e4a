"""The command line: flask --app corrections site|editor|demo|privacy …"""
import json
import secrets
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from . import addresses
from .accounts import editors as admin
from .accounts import service as accounts
from .demo import views as demo_page
from .extensions import db
from .languages import Option
from .models import Editor, NotifyMode, Role, Site
from .operations import privacy
from .problem import Problem
from .sites import service as sites

site_cli = AppGroup("site", help=_l("Manage the sites whose pages may send suggestions."))
editor_cli = AppGroup("editor", help=_l("Manage editor accounts."))
privacy_cli = AppGroup("privacy", help=_l("Readers' personal data: retention, export, erasure."))


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


@site_cli.command("add", help=_l("Add a site that may embed the widget."))
@click.argument("key")
@click.option("--name", required=True, cls=Option, help=_l("The name readers and editors see."))
@click.option("--origin", "origins", multiple=True, required=True, cls=Option,
              help=_l("An origin whose pages may send suggestions, e.g. https://news.example.org."))
@click.option("--notify", multiple=True, required=True, cls=Option,
              help=_l("An address that receives notifications."))
@click.option("--language", default="en", show_default=True, cls=Option,
              help=_l("The language of the site's pages for readers."))
@click.option("--digest", "mode", default="immediate", show_default=True, cls=Option,
              type=click.Choice([m.value for m in NotifyMode]), help=_l("Notify at once or in a digest."))
@click.option("--corrections-policy", default="", metavar="URL", cls=Option,
              help=_l("The page explaining the site's corrections policy (named in its schema.org markup)."))
def site_add(key, name, origins, notify, language, mode, corrections_policy):
    site = create_site(key, name, list(origins), list(notify), language, NotifyMode(mode),
                       corrections_policy)
    click.echo(_("Added site %(key)s (%(name)s) "
                 "for %(origins)s.", key=repr(site.key), name=site.name,
                 origins=", ".join(site.origins)))


@editor_cli.command("add", help=_l("Add an editor account."))
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="editor", show_default=True,
              cls=Option, help=_l("What the account may do."))
@click.option("--password-stdin", is_flag=True, cls=Option,
              help=_l("Read the password from standard input."))
@click.option("--language", default="en", show_default=True, cls=Option,
              help=_l("The language of their dashboard and emails (one of LANGUAGES)."))
def editor_add(email, role, password_stdin, language):
    try:
        admin.check_new_editor(email, role, language)  # before asking for a password
    except admin.AdminError as error:
        raise _one_line(error) from None
    editor = create_editor(email, _read_password(password_stdin), Role(role), language)
    click.echo(_("Added %(role)s %(email)s.", role=editor.role.value, email=editor.email))


@editor_cli.command("password", help=_l("Set a new password for an editor (ends their sessions)."))
@click.argument("email")
@click.option("--password-stdin", is_flag=True, cls=Option,
              help=_l("Read the new password from standard input."))
def editor_password(email, password_stdin):
    if accounts.find_editor(email) is None:
        raise click.ClickException(OPTION_NAMES["email"] + ": " + _("There is no account "
                                                                    "with this address."))
    try:
        editor = admin.set_editor_password(email, _read_password(password_stdin, _("New password")))
    except admin.AdminError as error:
        raise _one_line(error) from None
    click.echo(_("Set a new password for %(email)s; their "
                 "sessions have ended.", email=editor.email))


def _read_password(from_stdin: bool, label: str | None = None) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(label or _("Password"), hide_input=True,
                        confirmation_prompt=_("Repeat for confirmation"))


DEMO_ADMIN = "admin@example.org"


@click.command("demo", help=_l("Create the demo site, article page and admin account (used by `make run`)."))
@with_appcontext
def demo():
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    site = sites.by_key(demo_page.SITE_KEY)
    if site is None:
        origins = {public_url, "http://127.0.0.1:5000", "http://localhost:5000"}
        # The admin is on the notify list, so the demo emails carry one-click action buttons.
        create_site(demo_page.SITE_KEY, demo_page.SITE_NAME, sorted(origins), [DEMO_ADMIN])
    elif public_url not in site.origins:  # `make run PORT=…` serves the demo page elsewhere
        site.origins = [*site.origins, public_url]
    password = None
    if db.session.scalar(sa.select(Editor).where(Editor.email == DEMO_ADMIN)) is None:
        password = secrets.token_urlsafe(12)
        create_editor(DEMO_ADMIN, password, Role.ADMIN)
    db.session.commit()
    article, form = f"{public_url}/demo/", f"{public_url}/suggest?site={demo_page.SITE_KEY}"
    click.echo(_("Demo article: %(url)s", url=article))
    click.echo(_("Form: %(url)s", url=form))
    if password:
        click.echo(_("Admin sign-in: %(email)s / %(password)s (shown once; write it down)",
                     email=DEMO_ADMIN, password=password))
    else:
        click.echo(_("Admin sign-in: %(email)s (password shown when first created)",
                     email=DEMO_ADMIN))


@privacy_cli.command("purge", help=_l("Remove readers' details from closed requests' submissions, "
                                       "and delivered emails' bodies, older than the retention "
                                       "period."))
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None, metavar="DAYS",
              cls=Option, help=_l("Purge what is older than this many days (default: RETENTION_DAYS)."))
def privacy_purge(days):
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    done = privacy.purge(days)
    click.echo(ngettext("Purged what is older than %(num)d day: %(done)s.",
                        "Purged what is older than %(num)d days: %(done)s.", days, done=done))


def _address(email: str) -> str:
    try:
        return addresses.normalise(email)
    except addresses.AddressError as error:
        raise click.ClickException(f"{OPTION_NAMES['email']}: {error}") from None


@privacy_cli.command("export", help=_l("Print everything held about EMAIL as JSON."))
@click.argument("email")
def privacy_export(email):
    click.echo(json.dumps(privacy.export(_address(email)), indent=2, ensure_ascii=False))


@privacy_cli.command("erase", help=_l("Remove EMAIL and the person behind it; their suggestions "
                                       "keep their text."))
@click.argument("email")
def privacy_erase(email):
    address = _address(email)
    done = privacy.erase(address)
    click.echo(_("Erased %(address)s: %(done)s.", address=address, done=done))
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
