"""Database engine selection, migrations and write transactions.

SQLite (the default) runs in WAL mode; a connection waits up to ``Settings.database_busy_seconds``
(10 s by default) for another writer's lock, and every write goes through
:func:`write_transaction`, which on SQLite takes the write lock at ``BEGIN IMMEDIATE`` and retries
the whole unit of work within that bound if the lock is still busy. Past the bound the request
answers 503 "busy, try again" with ``Retry-After`` (:class:`app.errors.DatabaseUnavailable`, and
any stray "database is locked" maps to the same answer), never a 500.
PostgreSQL uses a connection pool that replaces dropped connections by itself; a write transaction
whose connection dropped before its COMMIT was sent is run once more on a fresh connection
(nothing of it was committed), anything else answers 503 (see :mod:`app.engines`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import sqlite3
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Sequence, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.engines import (  # noqa: F401  (re-exported)
    SQLITE_TIMEOUT_SECONDS,
    ResilientPostgresEngine,
    engine_from_url,
    is_busy,
    is_disconnect,
)
from app.errors import DatabaseUnavailable
from app.files import create_private

T = TypeVar("T")
log = logging.getLogger("xinmiao.db")
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")


@functools.cache
def joined(table: type, path: str) -> Any:
    """The column ``table.<path>`` across foreign keys (``joined(Entry, "school.region")``), made
    once per process. Following a foreign key in Piccolo copies every column of the table it points
    to (0.05 ms and more each time, several per query on the list pages); a query only reads the
    columns it is given, so one column object serves every query. Use it for the joined columns
    of queries that run on every page view (``.as_alias`` makes a copy: cache the aliased column
    too when it is built per query)."""
    column: Any = table
    for name in path.split("."):
        column = getattr(column, name)
    return column


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or current_engine(), SQLiteEngine)


def current_engine() -> Engine:
    from app import piccolo_conf

    return piccolo_conf.DB


def all_tables() -> list[type]:
    """Every Piccolo table of the registered apps, plus Piccolo's migration table."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    return [*Finder().get_table_classes(), Migration]


def private_database_file(path: Path) -> None:
    """A new SQLite file is made 0600 before SQLite opens it (SQLite itself makes it 0644, and its
    ``-wal``/``-shm`` files take the database file's mode): the database holds every name, school and
    encrypted ID number. An existing file keeps the mode its operator gave it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)  # an empty file is an empty database to SQLite


def configure_database(url: str) -> Engine:
    """Point ``piccolo_conf.DB`` and every table at a new engine for ``url``.

    On SQLite this also switches the file to WAL mode (a persistent file setting).
    """
    from app import piccolo_conf

    engine = engine_from_url(url, busy_seconds=busy_seconds())
    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    if isinstance(engine, SQLiteEngine):
        private_database_file(Path(engine.path))
        with sqlite3.connect(engine.path, timeout=SQLITE_TIMEOUT_SECONDS) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
    return engine


async def _applied_migrations() -> int:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists():
        return 0
    return await Migration.count()


async def migrate() -> int:
    """Apply every pending migration of every app (``xinmiao db upgrade``); returns how
    many were applied (0: the database was up to date). Raises RuntimeError with Piccolo's
    output when one fails."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        sqlite3.connect(engine.path, timeout=SQLITE_TIMEOUT_SECONDS).close()
    import contextlib
    import io

    before = await _applied_migrations()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):  # Piccolo prints a banner per app
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}\n{output.getvalue()}")
    applied = await _applied_migrations() - before
    if isinstance(engine, SQLiteEngine):
        # fold the write-ahead log into the database file: readers keep connections open
        # (app.engines.ReadReusingSQLiteEngine), so closing the last writer no longer does it
        with sqlite3.connect(engine.path, timeout=SQLITE_TIMEOUT_SECONDS) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return applied


async def keep_session(_connection: Any) -> None:
    """asyncpg pool reset hook that sends nothing. By default a connection given back to the pool
    is reset with a second statement (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL``), and Piccolo takes a connection from the pool for every query, so each query
    cost two round trips. Nothing here changes a connection's session state (no LISTEN, session
    advisory locks, SET, cursors or temporary tables), and asyncpg still rolls back a transaction
    left open before the connection is reused."""


async def start_pool() -> None:
    """Service start-up: the PostgreSQL pool; on SQLite, the mark that tells ``xinmiao restore``
    a service is running (:func:`app.backup.hold_running_mark`)."""
    from app.settings import get_settings

    engine = current_engine()
    if isinstance(engine, PostgresEngine) and get_settings().database_pool:
        await engine.start_connection_pool(min_size=1, max_size=10, reset=keep_session)
    if isinstance(engine, SQLiteEngine):
        from app.backup import hold_running_mark

        await asyncio.to_thread(hold_running_mark, Path(engine.path))


async def close_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    if isinstance(engine, SQLiteEngine):
        from pathlib import Path

        from app.backup import release_running_mark

        release_running_mark(Path(engine.path))


@asynccontextmanager
async def _transaction() -> AsyncIterator[Any]:
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        async with engine.transaction() as tx:
            yield tx


def busy_seconds() -> float:
    """How long a write waits for a busy SQLite database before answering 503 (seconds)."""
    from app.settings import get_settings

    return get_settings().database_busy_seconds


async def write_transaction(work: Callable[[], Awaitable[T]], attempts: int | None = None) -> T:
    """Run ``work()`` inside one write transaction and return its result.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the write lock is taken up
    front, waiting up to the busy timeout) and is retried with back-off while SQLite still
    reports the database busy/locked and ``Settings.database_busy_seconds`` have not passed
    since the first try. On PostgreSQL a dropped connection before the COMMIT was sent runs
    the unit once more on a fresh connection. Raises :class:`DatabaseUnavailable` (503) when
    the database stays busy or the connection dropped while committing or twice; any other
    exception rolls back and propagates. ``attempts`` caps the tries (default: the time bound).
    """
    if current_engine().current_transaction.get() is not None:
        return await work()  # inside an outer unit: that one commits, and retries as a whole
    deadline = time.monotonic() + busy_seconds()
    delay = 0.05
    tries = 0
    reconnected = False
    while True:
        tries += 1
        committing = False
        try:
            async with _transaction():
                result = await work()
                committing = True  # leaving the block commits
            return result
        except Exception as exc:  # noqa: BLE001 - filtered below
            if is_busy(exc):
                if time.monotonic() + delay >= deadline or (attempts is not None and tries >= attempts):
                    raise DatabaseUnavailable("database busy") from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            if is_disconnect(exc):
                if committing or reconnected:
                    # the COMMIT was sent and its answer lost (it may have committed), or the
                    # second connection dropped too: the client tries again later
                    raise DatabaseUnavailable("database connection lost") from exc
                log.warning("database connection dropped before commit (%s); running the transaction again", exc)
                reconnected = True
                engine = current_engine()
                if isinstance(engine, ResilientPostgresEngine):
                    await engine.renew_connections()
                continue
            raise


# --------------------------------------------------------------------------- bulk writes


def placeholders(n: int, pg: bool, start: int = 1) -> list[str]:
    """``n`` parameter marks: ``$1, $2, ...`` on PostgreSQL, ``?`` on SQLite."""
    return [f"${i}" for i in range(start, start + n)] if pg else ["?"] * n


def insert_sql(table: Any, columns: Sequence[str], pg: bool) -> str:
    names = ", ".join(f'"{getattr(table, c)._meta.db_column_name}"' for c in columns)
    return f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({", ".join(placeholders(len(columns), pg))})'


async def executemany(sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run one statement for many parameter rows on the connection of the current write
    transaction (sqlite3/asyncpg ``executemany``: no per-row query building, no
    variable-count limit). Must be called inside :func:`write_transaction`."""
    if not rows:
        return
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:  # pragma: no cover - programming error
        raise RuntimeError("bulk writes must run inside write_transaction")
    for start in range(0, len(rows), 2000):
        for counter in QueryCounter._active:  # one statement sent per call, as the counters see it
            counter.statements.append(sql)
        await transaction.connection.executemany(sql, rows[start : start + 2000])


async def bulk_insert(table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]], pg: bool | None = None) -> None:
    """Insert ``rows`` (values for ``columns``) into ``table`` inside the current write
    transaction; any other column of the table gets its Piccolo default, so a column added
    later needs no change here. JSON values in ``rows`` must already be text."""
    from piccolo.columns.column_types import JSON, JSONB
    from piccolo.columns.defaults.base import Default

    if pg is None:
        pg = not is_sqlite()
    extra_columns, extra_values = [], []
    for column in table._meta.non_default_columns:
        if column._meta.name in columns:
            continue
        value = column.get_default_value()
        if isinstance(value, Default):
            value = value.python()
        if isinstance(column, (JSON, JSONB)) and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        extra_columns.append(column._meta.name)
        extra_values.append(value)
    if extra_columns:
        tail = tuple(extra_values)
        rows = [row + tail for row in rows]
    await executemany(insert_sql(table, [*columns, *extra_columns], pg), rows)


async def bulk_update(
    table: Any, columns: Sequence[str], keys: Sequence[str], rows: list[tuple[Any, ...]], pg: bool | None = None
) -> None:
    """``UPDATE table SET columns WHERE keys`` once per row of ``rows`` (the values of ``columns``, then
    those of ``keys``) inside the current write transaction, as one ``executemany``. JSON values in
    ``rows`` must already be text."""
    if pg is None:
        pg = not is_sqlite()
    marks = placeholders(len(columns) + len(keys), pg)
    names = [f'"{getattr(table, c)._meta.db_column_name}"' for c in (*columns, *keys)]
    sets = ", ".join(f"{n} = {m}" for n, m in zip(names[: len(columns)], marks))
    where = " AND ".join(f"{n} = {m}" for n, m in zip(names[len(columns) :], marks[len(columns) :]))
    await executemany(f'UPDATE "{table._meta.tablename}" SET {sets} WHERE {where}', rows)


# --------------------------------------------------------------------------- query counting


class QueryCounter:
    """Counts the statements the current engine runs while it is active (``with count_queries()
    as counter: ...; counter.count``), from any thread or task of the process (the test client
    runs the app on its own thread). For tests and benchmarks: while a counter is active the
    engine class's ``run_querystring`` is wrapped (Piccolo's engines have slots, so not the
    object's); otherwise nothing changes and nothing is paid. A bulk write (:func:`executemany`)
    counts once per call. ``statements`` keeps the SQL text
    of each, for a failing test to show."""

    _active: list["QueryCounter"] = []
    _patched: tuple[type, Any] | None = None

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()

    def __enter__(self) -> "QueryCounter":
        if QueryCounter._patched is None:
            engine_class = type(current_engine())
            original = engine_class.run_querystring
            active = QueryCounter._active

            async def counted(engine: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
                for counter in active:
                    counter.statements.append(str(querystring))
                return await original(engine, querystring, *args, **kwargs)

            engine_class.run_querystring = counted  # type: ignore[method-assign]
            QueryCounter._patched = (engine_class, original)
        QueryCounter._active.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        QueryCounter._active.remove(self)
        if not QueryCounter._active and QueryCounter._patched is not None:
            engine_class, original = QueryCounter._patched
            engine_class.run_querystring = original  # type: ignore[method-assign]
            QueryCounter._patched = None


def count_queries() -> QueryCounter:
    """A :class:`QueryCounter` for a ``with`` block."""
    return QueryCounter()
