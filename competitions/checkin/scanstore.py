"""The check-in scan's database path: one round trip per scan, outside the ORM.

One statement inserts the check-in only if session and member belong to the same event and the
credential is current (``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the unique index
``checkin_session_member_uq``: concurrent scans give exactly one row) and reads back the answer's
details. PostgreSQL: a data-modifying CTE on an asyncpg pool of its own with asynchronous commit;
SQLite: a persistent connection on the event loop, a waiting worker-thread connection when another
writer holds the lock, up to ``Settings.database_busy_seconds``; then 503 (``DatabaseUnavailable``).
A dropped PostgreSQL connection sends the scan once more on a fresh one: the statement is safe
to repeat (the unique index keeps one check-in; a repeat reads the first one back).
Why, and the figures: docs/decisions/0002-checkin-scan-path.md.
Everything else about check-in uses Piccolo (:mod:`competitions.checkin.services`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.db import busy_seconds, current_engine, is_busy, is_disconnect, keep_session
from app.errors import DatabaseUnavailable
from app.times import UTC
from app.times import now as utc_now

CHECKPOINT_EVERY = 200  # scans between WAL checkpoints run on the worker thread
SCAN_POOL_SIZE = 10  # PostgreSQL connections for scans, per process


@dataclass(frozen=True)
class ScanRow:
    """What one scan statement found and did.

    ``session_event`` is None when the session does not exist, ``member_event`` None when the
    member does not exist. ``inserted_at`` is set when this scan created the check-in;
    otherwise ``first_at``/``first_client_scan_id`` describe the earlier check-in, if any.
    """

    session_event: int | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    member_id: int | None
    member_event: int | None
    generation: int | None
    name: str | None
    role: str | None
    entry_code: str | None
    entry_title: str | None
    entry_status: str | None
    school_name: str | None
    inserted_at: dt.datetime | None
    first_at: dt.datetime | None
    first_client_scan_id: str | None


_DETAIL_COLUMNS = """
    s.event AS session_event, s.starts_at, s.ends_at,
    m.id AS member_id, m.event AS member_event, m.credential_generation, m.name, m.role,
    e.code AS entry_code, e.title AS entry_title, e.status AS entry_status, sc.name AS school_name"""

# Only members of approved entries are checked in (others' credentials count as revoked).
# Every table is reached by primary key or by both columns of the unique index, written
# with the parameters themselves, so the plan never depends on table statistics. Written
# as joins, PostgreSQL's generic plan (used after five executions of the prepared statement)
# scanned every approved entry, and every check-in of the session, whenever the statistics
# were stale, e.g. an empty checkin table at the start of a session that then fills up.
PG_SCAN_SQL = """
WITH s AS (SELECT id, event, starts_at, ends_at FROM checkin_session WHERE id = $1),
m AS (
    SELECT m.id, m.event, m.credential_generation, m.name, m.role,
        e.code AS entry_code, e.title AS entry_title, e.status AS entry_status, sc.name AS school_name
    FROM member m LEFT JOIN entry e ON e.id = m.entry LEFT JOIN school sc ON sc.id = e.school
    WHERE m.id = $2
),
ins AS (
    INSERT INTO checkin (checkin_session, member, checked_in_at, recorded_at, device, staff, client_scan_id, method)
    SELECT s.id, m.id, $4, now(), $5, $6, $7, $8
    FROM s JOIN m ON m.event = s.event
    WHERE ($3::integer IS NULL OR m.credential_generation = $3::integer) AND m.entry_status = 'approved'
    ON CONFLICT (checkin_session, member) DO NOTHING
    RETURNING checked_in_at
)
SELECT s.event AS session_event, s.starts_at, s.ends_at,
    m.id AS member_id, m.event AS member_event, m.credential_generation, m.name, m.role,
    m.entry_code, m.entry_title, m.entry_status, m.school_name,
    (SELECT checked_in_at FROM ins) AS inserted_at,
    c.checked_in_at AS first_at, c.client_scan_id AS first_client_scan_id
FROM (SELECT 1) AS one
LEFT JOIN s ON true
LEFT JOIN m ON true
LEFT JOIN checkin c ON c.checkin_session = $1 AND c.member = $2
"""

PG_FIRST_SQL = "SELECT checked_in_at, client_scan_id FROM checkin WHERE checkin_session = $1 AND member = $2"

SQLITE_INSERT_SQL = """
INSERT INTO checkin (checkin_session, member, checked_in_at, recorded_at, device, staff, client_scan_id, method)
SELECT s.id, m.id, ?, ?, ?, ?, ?, ?
FROM checkin_session s JOIN member m ON m.event = s.event JOIN entry e ON e.id = m.entry
WHERE s.id = ? AND m.id = ? AND (? IS NULL OR m.credential_generation = ?) AND e.status = 'approved'
ON CONFLICT DO NOTHING
RETURNING checked_in_at, member,
    (SELECT event FROM checkin_session WHERE id = checkin.checkin_session),
    (SELECT starts_at FROM checkin_session WHERE id = checkin.checkin_session),
    (SELECT ends_at FROM checkin_session WHERE id = checkin.checkin_session),
    (SELECT name FROM member WHERE id = checkin.member),
    (SELECT role FROM member WHERE id = checkin.member),
    (SELECT credential_generation FROM member WHERE id = checkin.member),
    (SELECT e.code FROM member m JOIN entry e ON e.id = m.entry WHERE m.id = checkin.member),
    (SELECT e.title FROM member m JOIN entry e ON e.id = m.entry WHERE m.id = checkin.member),
    (SELECT sc.name FROM member m JOIN entry e ON e.id = m.entry JOIN school sc ON sc.id = e.school
     WHERE m.id = checkin.member)
"""

SQLITE_DETAIL_SQL = f"""
SELECT {_DETAIL_COLUMNS},
    c.checked_in_at AS first_at, c.client_scan_id AS first_client_scan_id
FROM (SELECT 1) AS one
LEFT JOIN checkin_session s ON s.id = ?
LEFT JOIN member m ON m.id = ?
LEFT JOIN entry e ON e.id = m.entry
LEFT JOIN school sc ON sc.id = e.school
LEFT JOIN checkin c ON c.checkin_session = s.id AND c.member = m.id
"""


def _sqlite_time(value: Any) -> dt.datetime | None:
    """Piccolo stores Timestamptz on SQLite as ``str(utc_datetime)``; read it back aware."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sqlite_text(value: dt.datetime) -> str:
    return str(value.astimezone(UTC))


class SQLiteScanStore:
    """Scans on one SQLite file: a loop-side connection that never waits and a thread-side
    connection that waits for the write lock (see the module docstring)."""

    def __init__(self, path: str, busy_ms: int = 10_000) -> None:
        self.path = path
        self.busy_ms = busy_ms
        self._fast = self._connect(busy_ms=0)
        self._fast.execute("PRAGMA wal_autocheckpoint=0")
        self._commits = 0
        self._slow: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-sqlite")
        self._lock = threading.Lock()

    def _connect(self, busy_ms: int) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=busy_ms / 1000)
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _run(self, conn: sqlite3.Connection, args: tuple[Any, ...]) -> ScanRow:
        (session_id, member_id, generation, scanned_at, device, staff_id, client_scan_id, method) = args
        now = _sqlite_text(utc_now())
        # autocommit: the INSERT commits by itself (the unique index decides who was first)
        # and, when it checked someone in, returns what the answer shows; otherwise a SELECT
        # reads why not (already checked in, revoked, another event, unknown)
        inserted = conn.execute(
            SQLITE_INSERT_SQL,
            (
                _sqlite_text(scanned_at),
                now,
                device,
                staff_id,
                client_scan_id,
                method,
                session_id,
                member_id,
                generation,
                generation,
            ),
        ).fetchone()
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            self._executor.submit(self._checkpoint)
        if inserted is not None:
            at = _sqlite_time(inserted[0])
            return ScanRow(
                session_event=inserted[2],
                starts_at=_sqlite_time(inserted[3]),
                ends_at=_sqlite_time(inserted[4]),
                member_id=inserted[1],
                member_event=inserted[2],
                generation=inserted[7],
                name=inserted[5],
                role=inserted[6],
                entry_code=inserted[8],
                entry_title=inserted[9],
                entry_status="approved",
                school_name=inserted[10],
                inserted_at=at,
                first_at=at,
                first_client_scan_id=client_scan_id,
            )
        row = conn.execute(SQLITE_DETAIL_SQL, (session_id, member_id)).fetchone()
        return ScanRow(
            session_event=row[0],
            starts_at=_sqlite_time(row[1]),
            ends_at=_sqlite_time(row[2]),
            member_id=row[3],
            member_event=row[4],
            generation=row[5],
            name=row[6],
            role=row[7],
            entry_code=row[8],
            entry_title=row[9],
            entry_status=row[10],
            school_name=row[11],
            inserted_at=None,
            first_at=_sqlite_time(row[12]),
            first_client_scan_id=row[13],
        )

    def _checkpoint(self) -> None:
        """Copy the WAL back into the database file off the event loop (the loop-side
        connection has automatic checkpoints turned off so a scan never waits for one)."""
        with self._lock:
            if self._slow is None:
                self._slow = self._connect(busy_ms=self.busy_ms)
            try:
                self._slow.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.OperationalError:
                pass  # busy: the next one will do it

    def _run_slow(self, args: tuple[Any, ...], deadline: float) -> ScanRow:
        with self._lock:
            if self._slow is None:
                self._slow = self._connect(busy_ms=self.busy_ms)
            # scans queue for this one thread: each waits only what is left of its own bound
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                raise sqlite3.OperationalError("database is locked")
            self._slow.execute(f"PRAGMA busy_timeout={left_ms}")
            return self._run(self._slow, args)

    async def record(self, *args: Any) -> ScanRow:
        """Record one scan (see :class:`ScanRow`). Raises :class:`DatabaseUnavailable` when
        another writer holds the database longer than the busy bound."""
        try:
            return self._run(self._fast, args)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.busy_ms / 1000
        try:
            return await loop.run_in_executor(self._executor, self._run_slow, args, deadline)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            raise DatabaseUnavailable("database busy") from exc

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._fast.close()
        if self._slow is not None:
            self._slow.close()


class PostgresScanStore:
    """Scans through an asyncpg pool of our own with asynchronous commit (see the module
    docstring)."""

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine
        self._own_pool: Any = None
        # asyncpg's pool hands a released connection to whichever task asks next, so under
        # load a waiting scan can be overtaken again and again (asyncio.Queue lets a new
        # caller take an item before the woken waiter runs): a 100+ ms tail. asyncio's
        # Semaphore queues its waiters first come, first served; with no more holders than
        # connections, pool.acquire() never waits.
        self._gate = asyncio.Semaphore(SCAN_POOL_SIZE)

    async def _pool(self) -> Any:
        if self._own_pool is None:
            import asyncpg

            self._own_pool = await asyncpg.create_pool(
                **self.engine.config,
                min_size=1,
                max_size=SCAN_POOL_SIZE,
                server_settings={"synchronous_commit": "off"},
                reset=keep_session,
            )
        return self._own_pool

    async def record(self, *args: Any) -> ScanRow:
        """Record one scan (see :class:`ScanRow`); a dropped connection (a terminated backend, a
        restart, a failover) sends it once more on a fresh connection, then raises
        :class:`DatabaseUnavailable`."""
        try:
            return await self._record(*args)
        except Exception as exc:  # noqa: BLE001 - filtered
            if not is_disconnect(exc):
                raise
        if self._own_pool is not None:  # the others most likely dropped too: replace each when next used
            await self._own_pool.expire_connections()
        await asyncio.sleep(0.2)
        try:
            return await self._record(*args)
        except Exception as exc:  # noqa: BLE001 - filtered
            if not is_disconnect(exc):
                raise
            raise DatabaseUnavailable("database connection lost") from exc

    async def _record(self, *args: Any) -> ScanRow:
        (session_id, member_id, generation, scanned_at, device, staff_id, client_scan_id, method) = args
        pool = await self._pool()
        async with self._gate, pool.acquire() as conn:
            row = await conn.fetchrow(
                PG_SCAN_SQL, session_id, member_id, generation, scanned_at, device, staff_id, client_scan_id, method
            )
            first_at, first_client = row["first_at"], row["first_client_scan_id"]
            if (
                row["inserted_at"] is None
                and first_at is None
                and row["member_event"] == row["session_event"]
                and row["session_event"] is not None
            ):
                # a concurrent scan inserted it after this statement's snapshot was taken
                again = await conn.fetchrow(PG_FIRST_SQL, session_id, member_id)
                if again is not None:
                    first_at, first_client = again["checked_in_at"], again["client_scan_id"]
        return ScanRow(
            session_event=row["session_event"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            member_id=row["member_id"],
            member_event=row["member_event"],
            generation=row["credential_generation"],
            name=row["name"],
            role=row["role"],
            entry_code=row["entry_code"],
            entry_title=row["entry_title"],
            entry_status=row["entry_status"],
            school_name=row["school_name"],
            inserted_at=row["inserted_at"],
            first_at=first_at,
            first_client_scan_id=first_client,
        )

    async def close(self) -> None:
        if self._own_pool is not None:
            await self._own_pool.close()
            self._own_pool = None


_stores: dict[tuple[int, int], Any] = {}


def scan_store() -> SQLiteScanStore | PostgresScanStore:
    """The scan store for the configured database and the running event loop (an asyncpg
    pool belongs to one loop; tests and the CLI may run several)."""
    engine = current_engine()
    loop = asyncio.get_running_loop()
    key = (id(engine), id(loop))
    store = _stores.get(key)
    if store is None:
        if isinstance(engine, SQLiteEngine):
            store = SQLiteScanStore(engine.connection_kwargs["database"], busy_ms=int(busy_seconds() * 1000))
        else:
            store = PostgresScanStore(engine)
        _stores[key] = store
    return store


async def close_scan_stores() -> None:
    """Close the stores opened on the running event loop (application shutdown)."""
    loop_id = id(asyncio.get_running_loop())
    for key in [k for k in _stores if k[1] == loop_id]:
        await _stores.pop(key).close()
