"""`flask --app corrections export` and `import FILE`: backups, and moving to PostgreSQL."""
import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from . import backup


@click.command("export", help=_l("Write every table as JSON lines to standard output (editors "
                                 "without password hashes)."))
@with_appcontext
def export_command():
    counts = backup.export(sys.stdout)
    sys.stdout.flush()
    click.echo(_rows(_("Exported %(rows)s from %(tables)s."), counts), err=True)


@click.command("import", help=_l("Read a file made by `export` into this empty, migrated database "
                                 "(\"-\" reads standard input)."))
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def import_command(file):
    try:
        counts = backup.import_(file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_rows(_("Imported %(rows)s into %(tables)s."), counts))
    if counts.get("editor"):
        click.echo(ngettext(
            "%(num)d editor account has no password here yet: it chooses one with “Forgot your "
            "password” on the sign-in page, or an admin runs `flask --app corrections editor "
            "password EMAIL`.",
            "%(num)d editor accounts have no password here yet: each chooses one with “Forgot your "
            "password” on the sign-in page, or an admin runs `flask --app corrections editor "
            "password EMAIL`.", counts["editor"]))


def _rows(sentence: str, counts: dict[str, int]) -> str:
    """`sentence` with its %(rows)s and %(tables)s counted in words of the language."""
    rows = sum(counts.values())
    return sentence % {"rows": ngettext("%(num)d row", "%(num)d rows", rows),
                       "tables": ngettext("%(num)d table", "%(num)d tables", len(counts))}
