"""What a robotics event's live viewers get on connect, built once per change (issue 14, "Speed":
500 viewers connecting took 34 s on SQLite when every connect rebuilt the whole state, ~70 ms).

:func:`cached` keeps, per database, event, language and *what* (the event's live state, one
challenge's screen data), the value built last and the **fingerprint** of the data it was built
from. Every read first reads the fingerprint (one query: counts, version sums and latest change
times of the event's challenges, teams, approved runs, sheets, and whatever later capabilities add
through :func:`add_fingerprint_columns`: matches, plans, brackets); an equal fingerprint returns
the value built before, otherwise the value is built again (once: readers arriving meanwhile wait
for that build). Nothing trusts one worker's memory: a change made through another worker (with
or without Redis), or from the command line, changes the fingerprint every worker reads.

- Readers arriving together share one fingerprint query (:class:`_Batch`): a reader waits for a
  read that *starts* after it arrived, never for one already under way, so what it gets is never
  older than its arrival (a viewer that subscribed to the stream, then reads the state, misses
  no change).
- What the fingerprint cannot see (a school or a challenge renamed) shows after at most
  :data:`MAX_AGE_SECONDS`, when the value is rebuilt anyway.
- :func:`public_event` answers 404 like :func:`judging.robotics.services.robotics_event` (unknown,
  draft or not a robotics event) from the same fingerprint row, so a connect costs one query.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.errors import NotFound
from app.i18n import _, get_locale
from app.settings import get_settings
from competitions.events.tables import Event
from judging.robotics import services

T = TypeVar("T")

MAX_AGE_SECONDS = 30.0  # a value is rebuilt at least this often (what the fingerprint does not see)
MAX_CACHED = 512  # values kept per process; the least recently used go first

#: ``SELECT`` columns over ``event ev`` (``ev.id`` is the event): each a count, a sum or a latest
#: change, named; robotics' own, then what :func:`add_fingerprint_columns` adds
fingerprint_columns: list[str] = [
    "(SELECT COUNT(*) FROM category c WHERE c.event = ev.id) AS categories",
    "(SELECT MAX(c.id) FROM category c WHERE c.event = ev.id) AS last_category",
    "(SELECT COUNT(*) FROM entry e WHERE e.event = ev.id) AS entries",
    "(SELECT MAX(e.updated_at) FROM entry e WHERE e.event = ev.id) AS entries_changed",
    "(SELECT COUNT(*) FROM robotics_run r WHERE r.event = ev.id AND r.status = 'approved') AS runs",
    "(SELECT SUM(r.version) FROM robotics_run r WHERE r.event = ev.id AND r.status = 'approved') AS run_versions",
    "(SELECT MAX(r.approved_at) FROM robotics_run r WHERE r.event = ev.id AND r.status = 'approved') AS approved",
    "(SELECT COUNT(*) FROM robotics_sheet s WHERE s.event = ev.id) AS sheets",
    "(SELECT MAX(s.id) FROM robotics_sheet s WHERE s.event = ev.id) AS last_sheet",
]


def add_fingerprint_columns(*columns: str) -> None:
    """More of what an event's live state is made of (``"(SELECT ... WHERE x.event = ev.id) AS name"``)."""
    for column in columns:
        if column not in fingerprint_columns:
            fingerprint_columns.append(column)


def _query() -> str:
    return (
        "SELECT ev.kind AS kind, ev.status AS status, ev.updated_at AS event_changed, "
        + ", ".join(fingerprint_columns)
        + " FROM event ev WHERE ev.id = {}"
    )


async def read_fingerprint(event_id: int) -> dict[str, Any] | None:
    """The event's fingerprint row straight from the database (``None``: no such event)."""
    if not 1 <= event_id <= services.MAX_ID:
        return None
    rows = await Event.raw(_query(), event_id)
    if not rows:
        return None
    return {k: (v if v is None or isinstance(v, str | int) else str(v)) for k, v in rows[0].items()}


class _Batch:
    """One fingerprint read at a time per event and event loop; readers arriving while a read runs
    wait for the next one (started after they arrived), which they all share."""

    def __init__(self) -> None:
        self.next: asyncio.Future[dict[str, Any] | None] | None = None
        self.running = False


_batches: dict[tuple[int, str, int], _Batch] = {}
_tasks: set[asyncio.Task[None]] = set()


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # nobody waiting any more: not "never retrieved"


async def fingerprint(event_id: int) -> dict[str, Any] | None:
    """The event's fingerprint as of a read that started after this call (shared with the callers
    arriving together)."""
    loop = asyncio.get_running_loop()
    key = (id(loop), get_settings().database_url, event_id)
    batch = _batches.get(key)
    if batch is None:
        batch = _batches[key] = _Batch()
    if batch.next is None:
        batch.next = loop.create_future()
        batch.next.add_done_callback(_retrieved)
        if not batch.running:
            batch.running = True
            task = loop.create_task(_read_batches(key, batch, event_id))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
    return await asyncio.shield(batch.next)


async def _read_batches(key: tuple[int, str, int], batch: _Batch, event_id: int) -> None:
    try:
        while batch.next is not None:
            future, batch.next = batch.next, None
            try:
                value = await read_fingerprint(event_id)
            except Exception as exc:  # noqa: BLE001 - handed to the readers
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(value)
    finally:
        batch.running = False
        if batch.next is not None and not batch.next.done():  # cancelled while readers waited
            batch.next.set_exception(RuntimeError("fingerprint read cancelled"))
        if _batches.get(key) is batch:
            del _batches[key]


async def public_event(event_id: int) -> dict[str, Any]:
    """The fingerprint of a robotics event the public may see; 404 otherwise (as
    :func:`judging.robotics.services.robotics_event` with no viewer)."""
    row = await fingerprint(event_id)
    if row is None or row["kind"] != services.ROBOTICS or row["status"] == "draft":
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    return row


@dataclass
class _Built:
    fingerprint: dict[str, Any]
    built_at: float
    used_at: float
    value: Any


_built: dict[tuple[str, int, str, str], _Built] = {}
_building: dict[tuple[int, tuple[str, int, str, str], str], asyncio.Future[Any]] = {}
stats = {"builds": 0, "hits": 0}  # tests and the benchmark


def clear() -> None:
    """Forget every cached value (tests)."""
    _built.clear()


async def cached(event_id: int, what: str, build: Callable[[], Awaitable[T]]) -> T:
    """``await build()`` for the public robotics event ``event_id`` in the current language, or
    the value built before from the same data. 404 as :func:`public_event`; ``build``'s errors
    reach every reader waiting for it and nothing is kept."""
    row = await public_event(event_id)
    key = (get_settings().database_url, event_id, what, get_locale())
    now = time.monotonic()
    hit = _built.get(key)
    if hit is not None and hit.fingerprint == row and now - hit.built_at < MAX_AGE_SECONDS:
        hit.used_at = now
        stats["hits"] += 1
        value: T = hit.value
        return value
    loop = asyncio.get_running_loop()
    flight = (id(loop), key, repr(sorted(row.items())))
    waiting = _building.get(flight)
    if waiting is not None:
        stats["hits"] += 1
        return await asyncio.shield(waiting)  # type: ignore[no-any-return]
    future: asyncio.Future[Any] = loop.create_future()
    future.add_done_callback(_retrieved)
    _building[flight] = future
    try:
        value = await build()
    except BaseException as exc:
        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("build cancelled"))
        raise
    else:
        stats["builds"] += 1
        future.set_result(value)
        if len(_built) >= MAX_CACHED and key not in _built:
            del _built[min(_built, key=lambda k: _built[k].used_at)]
        _built[key] = _Built(fingerprint=row, built_at=now, used_at=now, value=value)
        return value
    finally:
        if _building.get(flight) is future:
            del _building[flight]


__all__ = ["add_fingerprint_columns", "cached", "clear", "fingerprint", "public_event", "read_fingerprint"]
