"""Engine settings: SQLite that behaves under a multi-threaded web server, PostgreSQL that
fails fast when it cannot be reached, and connections checked before use after a restart."""
import functools
import os
import sqlite3
import threading
import time
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


# --- the intake's write path on the driver's own connection ---------------------------------

class DirectStatement:
    """A Core statement compiled once for one dialect, run on a driver connection: building
    and compiling the statement, and SQLAlchemy's execution context, cost more than running
    it. `keys` are the values the caller passes; other values (fixed literals in the
    statement, scalar column defaults) are bound once here. Types that convert a value on
    the way in (dates on SQLite, enums) convert it as SQLAlchemy would."""

    def __init__(self, statement, dialect, keys: list[str] | tuple[str, ...] = ()):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        fixed = {name: bind.value for name, bind in compiled.binds.items() if name not in keys}
        for column in getattr(compiled, "insert_prefetch", ()):
            if column.key in keys:
                continue
            if column.default is None or not column.default.is_scalar:
                raise ValueError(f"{column.key}: a value computed at execution must be given")
            fixed[column.key] = column.default.arg
        processors = compiled._bind_processors  # what SQLAlchemy's execution applies
        self.fixed = {name: processors[name](value) if name in processors else value
                      for name, value in fixed.items()}
        self.processors = {name: processor for name, processor in processors.items()
                           if name not in fixed}
        self.positional = compiled.positional
        self.order = tuple(compiled.positiontup) if compiled.positional else ()
        escaped = compiled.escaped_bind_names
        self.escaped = {name: escaped.get(name, name) for name in compiled.binds}

    def parameters(self, values: dict):
        processors = self.processors
        merged = {name: processors[name](value) if name in processors else value
                  for name, value in values.items()}
        merged.update(self.fixed)
        if self.positional:
            return tuple(merged[name] for name in self.order)
        return {self.escaped[name]: value for name, value in merged.items()}


class DirectConnection:
    """One driver connection kept by this process for the intake's short write transactions.

    Not checked out of the pool per request: no checkout bookkeeping and no "ping" statement
    before each use. A connection found broken is dropped (and the caller may try again on a
    fresh one). Statements are announced to the engine's `before_cursor_execute` and
    `commit` listeners, as SQLAlchemy would, so tracing and the statement-count tests see them.
    """

    def __init__(self, engine: sa.Engine, busy_timeout: float):
        self.engine = engine
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            fairy = engine.raw_connection()
        except dbapi_error as error:  # as engine.connect() raises it: a 503, not a 500
            raise sa.exc.DBAPIError.instance(None, None, error, dbapi_error, hide_parameters=True,
                                              dialect=engine.dialect) from error
        fairy.detach()  # ours from now on: it no longer counts against the pool, nor returns to it
        self.fairy = fairy
        self.dbapi = fairy.dbapi_connection
        self.sqlite = engine.dialect.name == "sqlite"
        self.busy_timeout = busy_timeout
        self.connection = sa.Connection(engine, connection=fairy)  # only for the listeners
        self.broken = False
        self.in_transaction = False
        if self.sqlite:
            # Our own BEGIN IMMEDIATE, waited for in fine steps (begin()): SQLite's busy handler
            # sleeps 1, 2, 5, 10 ms … while another process's write lasts a fraction of one.
            self.dbapi.isolation_level = None
            self.dbapi.execute("PRAGMA busy_timeout=0")

    def _error(self, error: Exception, sql: str, cursor=None) -> Exception:
        dialect = self.engine.dialect
        if isinstance(error, dialect.loaded_dbapi.Error):
            invalidated = dialect.is_disconnect(error, self.dbapi, cursor)
            self.broken = self.broken or invalidated
            return sa.exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error,
                                              hide_parameters=True, dialect=dialect,
                                              connection_invalidated=invalidated)
        return error

    def begin(self) -> None:
        """Start a write transaction; on SQLite take the write lock now, waiting for another
        writer up to the busy timeout in steps of a fraction of a millisecond."""
        if not self.sqlite:
            self.in_transaction = True  # the driver begins one with the first statement
            return
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.0001
        while True:
            try:
                self.dbapi.execute("BEGIN IMMEDIATE")
                self.in_transaction = True
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise self._error(error, "BEGIN IMMEDIATE") from error
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)

    def execute(self, statement: DirectStatement, values: dict):
        """Run the statement; return the driver's cursor with its rows."""
        parameters = statement.parameters(values)
        cursor = self.dbapi.cursor()
        listeners = self.engine.dispatch.before_cursor_execute
        if listeners:
            for listener in listeners:
                listener(self.connection, cursor, statement.sql, parameters, None, False)
        try:
            cursor.execute(statement.sql, parameters)
        except Exception as error:
            raise self._error(error, statement.sql, cursor) from error
        return cursor

    def commit(self) -> None:
        if self.engine.dispatch.commit:
            self.engine.dispatch.commit(self.connection)
        try:
            self.dbapi.commit()
        except Exception as error:
            raise self._error(error, "COMMIT") from error
        finally:
            self.in_transaction = False

    def rollback(self) -> None:
        self.in_transaction = False
        try:
            self.dbapi.rollback()
        except Exception:  # noqa: BLE001 - a connection that cannot roll back is not kept
            self.broken = True

    def close(self) -> None:
        try:
            self.dbapi.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone
            pass


class DirectConnections:
    """This process's idle DirectConnections for one engine: taken for a request, given back
    after; as many as requests ran at once (one per gunicorn sync worker)."""

    def __init__(self, engine: sa.Engine, busy_timeout: float):
        self.engine, self.busy_timeout = engine, busy_timeout
        self._idle: list[DirectConnection] = []
        self._lock = threading.Lock()
        self._pid = None

    def take(self) -> DirectConnection:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        return DirectConnection(self.engine, self.busy_timeout)

    def give_back(self, connection: DirectConnection) -> None:
        if connection.in_transaction:
            connection.rollback()
        if connection.broken:
            connection.close()
            return
        with self._lock:
            self._idle.append(connection)


def direct_connections(app: Flask) -> DirectConnections:
    """The app's DirectConnections (made on first use, for its engine)."""
    found = app.extensions.get("corrections.direct_connections")
    engine = db.engine
    if found is None or found.engine is not engine:
        found = DirectConnections(engine, float(app.config["SQLITE_BUSY_TIMEOUT"]))
        app.extensions["corrections.direct_connections"] = found
    return found
