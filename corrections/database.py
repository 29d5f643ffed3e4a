"""Engine settings: SQLite that behaves under a multi-threaded web server, PostgreSQL that
fails fast when it cannot be reached, and connections checked before use after a restart."""
import functools
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from .extensions import db

#: Errors that mean "the database cannot be used right now" (unreachable, restarting, a lock
#: held past the busy timeout, the pool exhausted): answered 503 "try again", never 500.
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def is_unavailable(error: BaseException) -> bool:
    return isinstance(error, UNAVAILABLE) or (
        isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated)


def _configure_sqlite(dbapi_connection, _record, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer writes; wait for the lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    cursor.close()
    _begin_immediate(dbapi_connection)


def _begin_immediate(dbapi_connection, *_args) -> None:
    """Write transactions begin IMMEDIATE: the write lock is taken (waiting up to the busy
    timeout) by the BEGIN the driver issues before the first write, not on a later write in a
    transaction that has read meanwhile, which SQLite refuses at once with "database is
    locked" when another process wrote in between. Reads outside a write stay lock-free.
    The pool sets the driver's default back after an AUTOCOMMIT use, so again at checkout."""
    if dbapi_connection.isolation_level == "":
        dbapi_connection.isolation_level = "IMMEDIATE"


def configure(app: Flask) -> None:
    """Engine options that depend on the database (before db.init_app reads them)."""
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])  # never change the shared default
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": int(app.config["DATABASE_CONNECT_TIMEOUT"]),
                                   **options.get("connect_args", {})}
        # Sized for gunicorn's sync workers (one request at a time per process), so that
        # workers x pool stays well inside PostgreSQL's max_connections.
        pool_size = int(app.config["DATABASE_POOL_SIZE"])
        options.setdefault("pool_size", pool_size)
        options.setdefault("max_overflow", pool_size)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            busy_timeout_ms = round(float(app.config["SQLITE_BUSY_TIMEOUT"]) * 1000)
            sa.event.listen(engine, "connect",
                            functools.partial(_configure_sqlite, busy_timeout_ms=busy_timeout_ms))
            sa.event.listen(engine, "checkout", _begin_immediate)


def lease_due(model, pending, *, limit: int, due_by: datetime, exclude: set[int],
              lease_until: datetime) -> list[int]:
    """Lease up to `limit` rows of a work queue (the outbox, webhook deliveries) that are
    `pending`, due by `due_by` and not leased, to this worker until `lease_until`; return their
    ids. PostgreSQL skips rows another worker has locked; SQLite takes the write lock before
    reading, so no two workers ever hold the same row."""
    due = (sa.select(model.id)
           .where(model.status == pending, model.next_attempt_at <= due_by,
                  sa.or_(model.lease_until.is_(None), model.lease_until <= due_by))
           .order_by(model.next_attempt_at, model.id).limit(limit))
    if exclude:
        due = due.where(model.id.not_in(exclude))
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            due = due.with_for_update(skip_locked=True)
        ids = list(connection.scalars(due))
        if ids:
            connection.execute(sa.update(model).where(model.id.in_(ids))
                               .values(lease_until=lease_until))
        connection.commit()
    return ids
