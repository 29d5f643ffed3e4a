"""`flask --app corrections export` and `import FILE`: backups, and moving to PostgreSQL."""
import sys

import click
from flask.cli import with_appcontext

from . import backup


@click.command("export")
@with_appcontext
def export_command():
    """Write every table as JSON lines to standard output (editors without password hashes)."""
    counts = backup.export(sys.stdout)
    sys.stdout.flush()
    click.echo(f"Exported {sum(counts.values())} rows from {len(counts)} tables.", err=True)


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def import_command(file):
    """Read a file made by `export` into this empty, migrated database ("-" reads standard input)."""
    try:
        counts = backup.import_(file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
    if counts.get("editor"):
        click.echo(f"{counts['editor']} editor account(s) have no password here yet: each chooses "
                   "one with “Forgot password” on the sign-in page, or an admin runs "
                   "`flask --app corrections editor password EMAIL`.")
