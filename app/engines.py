"""Piccolo engines from a database URL (read by ``piccolo_conf`` and :mod:`app.db`), and what
counts as a busy or dropped database connection.

PostgreSQL goes through :class:`ResilientPostgresEngine`: a statement outside a transaction is
sent again once on a fresh connection when its connection dropped and sending it again is safe
(a read, or a write the server surely did not run: the connection was already closed, or the
server answered with its own shutdown error), and a transaction whose connection dropped always
gives its connection back to the pool (Piccolo's own leaked it and left the transaction current,
so a pool of 10 hung after 10 killed backends). Whole write transactions are retried by
:func:`app.db.write_transaction`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Optional, Sequence
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine

log = logging.getLogger("xinmiao.db")
RECONNECT_PAUSE_SECONDS = 0.2  # before the one retry: a restarting server refuses for a moment


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy": another writer holds the lock."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def is_disconnect(exc: BaseException) -> bool:
    """A PostgreSQL connection that dropped or could not be made: the backend was terminated
    (``pg_terminate_backend``), the server restarted or failed over, the network went, or the
    server refuses connections for now."""
    import asyncpg.exceptions as pg

    if isinstance(
        exc,
        (
            pg.PostgresConnectionError,  # 08xxx, including "connection was closed in the middle of operation"
            pg.AdminShutdownError,  # 57P01: pg_terminate_backend, fast shutdown
            pg.CrashShutdownError,  # 57P02
            pg.CannotConnectNowError,  # 57P03: starting up / in recovery
            pg.TooManyConnectionsError,
            ConnectionError,  # refused, reset, aborted
        ),
    ):
        return True
    return (isinstance(exc, pg.InterfaceError) and "closed" in str(exc)) or _half_dead(exc)


def _half_dead(exc: BaseException) -> bool:
    """asyncpg's error for a connection that read the server's "terminating connection" but not
    yet the end of the stream: it is handed out as open, and refuses the next statement before
    sending anything ("cannot switch to state N; another operation (2) is in progress")."""
    import asyncpg.exceptions as pg

    return isinstance(exc, pg.InternalClientError) and "cannot switch to state" in str(exc)


def not_executed(exc: BaseException) -> bool:
    """True when a statement that failed with ``exc`` surely did not run to a commit: the
    connection was closed before it was sent, no connection could be made, or the server
    ended the backend with its own error (which it sends instead of the statement's answer).
    A connection that simply vanished mid-statement ("closed in the middle of operation") is
    not such a case: the statement may have committed."""
    import asyncpg.exceptions as pg

    if isinstance(
        exc,
        (
            pg.AdminShutdownError,
            pg.CrashShutdownError,
            pg.CannotConnectNowError,
            pg.TooManyConnectionsError,
            pg.ClientCannotConnectError,
            ConnectionRefusedError,
        ),
    ):
        return True
    return (isinstance(exc, pg.InterfaceError) and str(exc).endswith("connection is closed")) or _half_dead(exc)


def _is_read(query: str) -> bool:
    return query.lstrip().upper().startswith(("SELECT", "SHOW"))


class ResilientTransaction(PostgresTransaction):
    """Piccolo's transaction, except that leaving it always resets the current transaction and
    returns the connection to the pool, even when rolling back or committing on a dropped
    connection fails (the original exception, or the commit's, propagates)."""

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    try:
                        await self.rollback()
                    except Exception:  # noqa: BLE001 - the connection is gone; the first error propagates
                        pass
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            try:
                if self.engine.pool:
                    await self.engine.pool.release(self.connection)
                else:
                    await self.connection.close()
            except Exception:  # noqa: BLE001 - a dead connection: drop it
                self.connection.terminate()
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None


class ResilientPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with one safe retry per statement on a dropped connection
    (see the module docstring) and :class:`ResilientTransaction`."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ResilientTransaction(engine=self, allow_nested=allow_nested)

    async def _once_more(self, run: Any, query: str, args: Optional[Sequence[Any]]) -> Any:
        try:
            return await run(query, args)
        except Exception as exc:
            if not is_disconnect(exc) or not (_is_read(query) or not_executed(exc)):
                raise
            log.warning("database connection dropped (%s); sending the statement again", type(exc).__name__)
        await self.renew_connections()
        return await run(query, args)

    async def renew_connections(self) -> None:
        """After a dropped connection: the pool's other connections were most likely dropped
        too (a restart, a failover, all backends terminated), so each is replaced when next
        acquired; then wait a moment for a restarting server."""
        if self.pool is not None:
            await self.pool.expire_connections()
        await asyncio.sleep(RECONNECT_PAUSE_SECONDS)

    async def _run_in_pool(self, query: str, args: Optional[Sequence[Any]] = None) -> Any:
        return await self._once_more(super()._run_in_pool, query, args)

    async def _run_in_new_connection(self, query: str, args: Optional[Sequence[Any]] = None) -> Any:
        async def run(query: str, args: Optional[Sequence[Any]]) -> Any:
            connection = await self.get_new_connection()
            try:
                return await connection.fetch(query, *(args or []))
            finally:
                try:
                    await connection.close()
                except Exception:  # noqa: BLE001 - already gone
                    connection.terminate()

        return await self._once_more(run, query, args)


SQLITE_TIMEOUT_SECONDS = 10  # default wait for a busy SQLite database (Settings.database_busy_seconds)


_read_threads: Any = None  # the reader threads of ReadReusingSQLiteEngine, made on first use
_read_slot = threading.local()  # per reader thread: (engine id, path, file identity, connection)
READ_THREADS = 4


class ReadReusingSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, except that a read (a ``SELECT``) outside a transaction runs on a
    connection its reader thread keeps open, instead of on a new connection with its own new thread
    (Piccolo's way: about 1.7 ms of CPU per query, most of a list page's time). Reads in autocommit
    mode on a WAL database see every committed write, as before; writes and everything inside
    transactions are unchanged. A thread keeps one connection, for the last database it read
    (reopened when the file was replaced, e.g. by ``xinmiao restore``)."""

    __slots__ = ()

    async def _run_in_new_connection(
        self,
        query: str,
        args: Optional[list[Any]] = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if query_type != "generic" or not _is_read(query):
            return await super()._run_in_new_connection(query, args, query_type, table)
        global _read_threads
        if _read_threads is None:
            from concurrent.futures import ThreadPoolExecutor

            _read_threads = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="xinmiao-sqlite-read")
        return await asyncio.get_running_loop().run_in_executor(_read_threads, self._read, query, args or [])

    def _read(self, query: str, args: list[Any]) -> list[dict[str, Any]]:
        from piccolo.engine.sqlite import dict_factory

        path = self.connection_kwargs["database"]
        try:
            stat = os.stat(path)
            identity: Any = (stat.st_dev, stat.st_ino)
        except OSError:
            identity = None
        slot = getattr(_read_slot, "held", None)
        if slot is None or slot[:3] != (id(self), path, identity):
            if slot is not None:
                slot[3].close()
            connection = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
            connection.row_factory = dict_factory
            slot = _read_slot.held = (id(self), path, identity, connection)
        cursor = slot[3].execute(query, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()


def engine_from_url(url: str, busy_seconds: float = SQLITE_TIMEOUT_SECONDS) -> Engine:
    """Build a Piccolo engine for ``sqlite:///path`` or ``postgresql://user@host:port/db``.

    On SQLite every connection waits up to ``busy_seconds`` for another writer's lock.
    Raises ``ValueError`` for any other scheme.
    """
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return ReadReusingSQLiteEngine(
            path=str(path),
            timeout=busy_seconds,
            isolation_level=None,
        )
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        config: dict[str, Any] = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username) if parsed.username else "postgres",
            "database": parsed.path.lstrip("/") or "postgres",
        }
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return ResilientPostgresEngine(config=config, log_queries=False)
    raise ValueError(f"unsupported database URL: {url!r}")
