"""Moving house: every table as JSON lines (`export`), read back into an empty database of
either kind (`import`), e.g. from the embedded SQLite to PostgreSQL.

The export walks the models' metadata, so a table added later is exported without a change
here. What is deliberately left out says so, with its reason, in the file's first line:
tables marked `info={"leave_out_of_export": reason}`, the columns in LEFT_OUT_COLUMNS, and the
rows ROW_FILTERS skips. The last line counts the rows, so a file cut short is refused whole.
"""
from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from flask_babel import gettext as _
from flask_babel import ngettext

from ..accounts import service as accounts
from ..extensions import db

FORMAT, VERSION = "corrections-export", 1
BATCH = 500

#: Columns whose values never travel in the file, why, and what an import writes instead.
LEFT_OUT_COLUMNS: dict[tuple[str, str], tuple[str, Callable[[], Any]]] = {
    ("editor", "password_hash"): (
        "password hashes stay on the server they were made on; after an import each editor "
        "chooses a new password (“Forgot password” or `flask --app corrections editor password`)",
        accounts.unusable_password_hash),
}
#: Rows left out of a table, and why.
ROW_FILTERS: dict[str, tuple[str, Callable[[sa.Table], sa.ColumnElement[bool]]]] = {
    "outbox_message": ("emails already delivered; pending and failed ones are kept",
                       lambda table: table.c.status != "sent"),
}


class BackupError(Exception):
    """An import or export that cannot be done; the message is one line for the operator."""


def _tables() -> list[sa.Table]:
    """Every table to export, parents before children."""
    return [t for t in db.metadata.sorted_tables if "leave_out_of_export" not in t.info]


def left_out() -> dict[str, str]:
    """What the export leaves out, and why (written into the file's first line)."""
    reasons = {t.name: t.info["leave_out_of_export"] for t in db.metadata.sorted_tables
               if "leave_out_of_export" in t.info}
    reasons.update({f"{t}.{c}": why for (t, c), (why, _) in LEFT_OUT_COLUMNS.items()})
    reasons.update({f"{t} rows": why for t, (why, _) in ROW_FILTERS.items()})
    return reasons


def schema_revision(connection: sa.Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _decoder(column: sa.Column) -> Callable[[Any], Any]:
    if isinstance(column.type, sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column.type, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def _exported_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns if (table.name, c.name) not in LEFT_OUT_COLUMNS]


def rows_of(connection: sa.Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    """The table's exported rows, in primary-key order, as JSON-ready dicts."""
    columns = _exported_columns(table)
    query = sa.select(*columns).order_by(*table.primary_key.columns)
    if table.name in ROW_FILTERS:
        query = query.where(ROW_FILTERS[table.name][1](table))
    for row in connection.execution_options(yield_per=BATCH).execute(query):
        yield {column.name: encode(value) for column, value in zip(columns, row, strict=True)}


def _line(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n"


def export(out: IO[str]) -> dict[str, int]:
    """Write the whole database to `out`; return the row count per table."""
    counts: dict[str, int] = {}
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one consistent snapshot of every table
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        out.write(_line({"format": FORMAT, "version": VERSION,
                         "schema": schema_revision(connection),
                         "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                         "tables": [t.name for t in _tables()], "left_out": left_out()}))
        for table in _tables():
            counts[table.name] = 0
            for row in rows_of(connection, table):
                out.write(_line({"table": table.name, "row": row}))
                counts[table.name] += 1
        out.write(_line({"end": {"rows": counts}}))
    return counts


# --- import -------------------------------------------------------------------------------------

@dataclass
class _TableImport:
    table: sa.Table
    decoders: dict[str, Callable[[Any], Any]]
    fills: dict[str, Callable[[], Any]]
    #: Columns pointing at the same table, written after all its rows are in.
    self_references: list[str]
    rows: int = 0


def _prepare(table: sa.Table) -> _TableImport:
    fills = {c: fill for (t, c), (_, fill) in LEFT_OUT_COLUMNS.items() if t == table.name}
    self_references = sorted({fk.parent.name for fk in table.foreign_keys
                              if fk.column.table is table})
    return _TableImport(table, {c.name: _decoder(c) for c in table.columns}, fills, self_references)


def _parse(lines: Iterable[str]) -> Iterator[tuple[int, dict]]:
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except ValueError:
            raise BackupError(_("Line %(number)s is not JSON: is this a file made by `export`?",
                                 number=number)) from None
        if not isinstance(data, dict):
            raise BackupError(_("Line %(number)s is not an object: is this a file made by "
                                "`export`?", number=number))
        yield number, data


def _check_target(connection: sa.Connection, schema: str | None) -> None:
    here = schema_revision(connection)
    if here is None:
        raise BackupError(_("This database has no tables yet: run `flask --app corrections db "
                            "upgrade` first, then import."))
    if here != schema:
        raise BackupError(_("The file is from schema revision %(schema)s, this database is at "
                            "%(here)s: upgrade both to the same release first.",
                            schema=schema, here=here))
    for table in _tables():
        count = connection.scalar(sa.select(sa.func.count()).select_from(table))
        if count:
            raise BackupError(ngettext(
                "This database is not empty (%(table)s has %(num)d row): import only into a "
                "new, migrated database.",
                "This database is not empty (%(table)s has %(num)d rows): import only into a "
                "new, migrated database.", count, table=table.name))


def import_(lines: Iterable[str]) -> dict[str, int]:
    """Read an export into this (empty, migrated) database in one transaction; all or nothing."""
    parsed = _parse(lines)
    try:
        _line, header = next(parsed)
    except StopIteration:
        raise BackupError(_("The file is empty.")) from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(_("The first line is not a corrections export header: is this a file "
                            "made by `export`?"))
    known = {t.name: t for t in _tables()}
    unknown = [name for name in header.get("tables", []) if name not in known]
    if unknown:
        raise BackupError(_("The file has tables this release does not know: %(tables)s.",
                            tables=", ".join(unknown)))
    counts: dict[str, int] = {}
    with db.engine.begin() as connection:
        _check_target(connection, header.get("schema"))
        current: _TableImport | None = None
        batch: list[dict] = []
        later: list[tuple[_TableImport, dict]] = []
        trailer = None
        for number, data in parsed:
            if "end" in data:
                trailer = data["end"]
                break
            name, row = data.get("table"), data.get("row")
            if name not in known or not isinstance(row, dict):
                raise BackupError(_("Line %(number)s names no table of this export.", number=number))
            if current is None or current.table.name != name:
                _flush(connection, current, batch, later)
                batch = []
                if current is not None:
                    counts[current.table.name] = current.rows
                current = _prepare(known[name])
            batch.append(_row(current, row, later, number))
            current.rows += 1
            if len(batch) >= BATCH:
                _flush(connection, current, batch, [])
                batch = []
        _flush(connection, current, batch, later)
        if current is not None:
            counts[current.table.name] = current.rows
        if trailer is None:
            raise BackupError(_("The file ends before its last line: it was cut short, so "
                                "nothing was imported."))
        expected = {name: count for name, count in trailer.get("rows", {}).items() if count}
        if expected != {name: count for name, count in counts.items() if count}:
            raise BackupError(_("The file's rows do not add up to its last line: nothing was "
                                "imported."))
        for table in _tables():
            _restart_sequence(connection, table)
    return counts


def _row(current: _TableImport, row: dict, later: list, number: int) -> dict:
    try:
        values = {name: current.decoders[name](value) for name, value in row.items()}
    except KeyError as error:
        raise BackupError(_("Line %(number)s: %(table)s has no column %(column)s.",
                            number=number, table=current.table.name, column=error)) from None
    except (TypeError, ValueError):
        raise BackupError(_("Line %(number)s: a date in %(table)s cannot be read.",
                            number=number, table=current.table.name)) from None
    for name, fill in current.fills.items():
        values[name] = fill()
    deferred = {name: values.pop(name) for name in current.self_references
                if values.get(name) is not None}
    if deferred:
        keys = {c.name: values[c.name] for c in current.table.primary_key.columns}
        later.append((current, keys | deferred))
        values.update(dict.fromkeys(deferred))
    return values


def _flush(connection: sa.Connection, current: _TableImport | None, batch: list[dict],
           later: list[tuple[_TableImport, dict]]) -> None:
    if current is None:
        return
    if batch:
        connection.execute(current.table.insert(), batch)
    for owner, values in later:  # the table's rows are all in: point them at each other
        table = owner.table
        keys = [c.name for c in table.primary_key.columns]
        connection.execute(sa.update(table).where(*(table.c[k] == values[k] for k in keys))
                           .values({k: v for k, v in values.items() if k not in keys}))
    later.clear()


def _restart_sequence(connection: sa.Connection, table: sa.Table) -> None:
    """PostgreSQL: the next id after the imported ones (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    key = list(table.primary_key.columns)
    if len(key) != 1 or not isinstance(key[0].type, sa.Integer) or key[0].autoincrement is False:
        return
    sequence = connection.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, key[0].name)))
    if sequence:
        connection.execute(sa.select(sa.func.setval(
            sequence, sa.select(sa.func.coalesce(sa.func.max(key[0]), 0) + 1).scalar_subquery(),
            False)))
