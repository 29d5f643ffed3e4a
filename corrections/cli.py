"""The command line: flask --app corrections site|editor|demo …"""
import secrets
import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import Editor, NotifyMode, Role, Site
from .urls import URLError, normalise_origin

MIN_PASSWORD_LENGTH = 12

site_cli = AppGroup("site", help="Manage the sites whose pages may send suggestions.")
editor_cli = AppGroup("editor", help="Manage editor accounts.")


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.ClickException(f"{value!r} is not a valid email address: {error}") from None


def create_site(key: str, name: str, origins: list[str], notify: list[str],
                language: str = "en", mode: NotifyMode = NotifyMode.IMMEDIATE) -> Site:
    if not key.replace("-", "").replace("_", "").isalnum() or len(key) > 64:
        raise click.ClickException("A site key is letters, digits, '-' and '_', at most 64 characters.")
    if db.session.scalar(sa.select(Site).where(Site.key == key)):
        raise click.ClickException(f"A site with the key {key!r} already exists.")
    try:
        origins = list(dict.fromkeys(normalise_origin(o) for o in origins))
    except URLError as error:
        raise click.ClickException(f"Bad --origin: {error}") from None
    site = Site(key=key, name=name, origins=origins, notify_emails=[_email(a) for a in notify],
                language=language, notify_mode=mode)
    db.session.add(site)
    return site


def create_editor(email: str, password: str, role: Role) -> Editor:
    email = _email(email).lower()
    if db.session.scalar(sa.select(Editor).where(Editor.email == email)):
        raise click.ClickException(f"An editor with the address {email} already exists.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    editor = Editor(email=email, password_hash=generate_password_hash(password), role=role)
    db.session.add(editor)
    return editor


@site_cli.command("add")
@click.argument("key")
@click.option("--name", required=True, help="The name readers and editors see.")
@click.option("--origin", "origins", multiple=True, required=True,
              help="An origin whose pages may send suggestions, e.g. https://news.example.org.")
@click.option("--notify", multiple=True, required=True, help="An address that receives notifications.")
@click.option("--language", default="en", type=click.Choice(["en", "uk"]), show_default=True)
@click.option("--digest", "mode", default="immediate", show_default=True,
              type=click.Choice([m.value for m in NotifyMode]), help="Notify at once or in a digest.")
def site_add(key, name, origins, notify, language, mode):
    """Add a site that may embed the widget."""
    site = create_site(key, name, list(origins), list(notify), language, NotifyMode(mode))
    db.session.commit()
    click.echo(f"Added site {site.key!r} ({site.name}) for {', '.join(site.origins)}.")


@editor_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="editor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def editor_add(email, role, password_stdin):
    """Add an editor account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    editor = create_editor(email, password, Role(role))
    db.session.commit()
    click.echo(f"Added {editor.role.value} {editor.email}.")


DEMO_SITE = "demo"
DEMO_ADMIN = "admin@example.org"


@click.command("demo")
@with_appcontext
def demo():
    """Create the demo site, article page and admin account (used by `make run`)."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    if db.session.scalar(sa.select(Site).where(Site.key == DEMO_SITE)) is None:
        origins = {public_url, "http://127.0.0.1:5000", "http://localhost:5000"}
        # The admin is on the notify list, so the demo emails carry one-click action buttons.
        create_site(DEMO_SITE, "The Daily Demo", sorted(origins), [DEMO_ADMIN])
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


def init_app(app: Flask) -> None:
    app.cli.add_command(site_cli)
    app.cli.add_command(editor_cli)
    app.cli.add_command(demo)

    from .mail.cli import mail_cli
    app.cli.add_command(mail_cli)
