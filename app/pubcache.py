"""Public pages served from what was already computed (issue 19).

Published results, public robotics standings and certificate verification change only when an
organizer or referee acts. Their public answers (the anonymous page in one language, the public
JSON) are made once per change, kept in this process, and answered with an ``ETag`` and
``Last-Modified``; a request carrying ``If-None-Match`` (or ``If-Modified-Since``) that still
matches gets ``304 Not Modified`` and no body.

**Staying fresh across workers.** Each event has a *version*: a short text ``"<n>:<ms>"`` (a
counter and the time of the last change, in milliseconds since the epoch). The actions that change
what the public sees send signals (:mod:`app.signals`: publish, finalize, unlock, an award
adjustment, an objection's outcome, the notice settings, a run approved, a match committed, a
certificate revoked, reissued or issued, ...); the receiver :func:`on_event_changed` calls
:func:`bump`, which raises the version **in Redis** (one atomic step) when ``XINMIAO_REDIS_URL``
is set, and in this process otherwise (one worker, the only set-up allowed without Redis). Every
read of a cached answer first reads the event's version (one Redis ``GET``) and uses the cached
answer only when it was made under that same version: a change made through any worker is seen by
every worker on its very next request, never later. While Redis does not answer, nothing is
served from the cache (every request computes its answer, as before this cache existed).

**Changes no signal announces** (a school renamed, the 公示期 running out): an answer older than
:data:`REVALIDATE_SECONDS` (5 minutes) is made again in the
background while the held one is still served; when the new one differs, the version is raised,
so every worker makes it anew on its next request.

What is cached is only the public variant: callers keep anonymous pages (not a logged-in user's
page: its menu differs), the JSON the public gets, and nothing a logged-in organizer sees beyond
it. Answers differ by language (the key holds it) and vary by ``Accept-Language`` and ``Cookie``
(the ``lang`` cookie) for any cache on the way.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import hashlib
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response

from app.settings import get_settings
from app.stores import REDIS_ERRORS, namespaced, redis_client, redis_failed

log = logging.getLogger("xinmiao.pubcache")

REVALIDATE_SECONDS = 300.0
MAX_ANSWERS = 256  # answers kept per process; the least recently used go first
MAX_BYTES = 256 * 1024 * 1024
GZIP_AT_LEAST = 1024  # bodies this large are also kept gzip-compressed (made once per change)
VARY = "Accept-Language, Cookie, Accept-Encoding"
KEEP_VERSION_SECONDS = 30 * 24 * 3600  # a version unused this long expires (a new one never equals an old one)

# raise the version atomically: "<n + 1>:<ms>" (ms: the caller's clock, never going backwards)
_BUMP = """
local held = redis.call('GET', KEYS[1])
local n = 0
local last = 0
if held then
  n = tonumber(string.match(held, '^(%d+)')) or 0
  last = tonumber(string.match(held, ':(%d+)$')) or 0
end
local ms = math.max(tonumber(ARGV[1]), last + 1)
local value = string.format('%d:%d', n + 1, ms)
redis.call('SET', KEYS[1], value, 'EX', ARGV[2])
return value
"""


def _ms() -> int:
    return time.time_ns() // 1_000_000


_local_versions: dict[tuple[str, str], str] = {}
_START = f"0:{_ms()}"  # a process's versions before any change it saw


def _scope(event_id: int | str) -> str:
    return f"pubcache:event:{event_id}"


async def version(event_id: int | str) -> str | None:
    """The event's current version, or ``None`` when it cannot be known (Redis not answering):
    then nothing may be served from the cache."""
    client = redis_client()
    if client is None:
        return _local_versions.get((get_settings().database_url, str(event_id)), _START)
    key = namespaced(_scope(event_id))
    try:
        raw = await client.get(key)
        if raw is None:  # first use (or expired, or Redis emptied): a version no earlier answer can hold
            await client.set(key, f"0:{_ms()}", nx=True, ex=KEEP_VERSION_SECONDS)
            raw = await client.get(key)
    except REDIS_ERRORS as exc:
        redis_failed(exc)
        return None
    return raw.decode() if isinstance(raw, bytes) else str(raw)


async def bump(event_id: int | str) -> str:
    """Raise the event's version: every cached answer of the event is out of date, on every worker."""
    local_key = (get_settings().database_url, str(event_id))
    held = _local_versions.get(local_key, _START)
    n, _sep, last = held.partition(":")
    value = f"{int(n) + 1}:{max(_ms(), int(last or 0) + 1)}"
    _local_versions[local_key] = value
    client = redis_client()
    if client is not None:
        try:
            raw = await client.eval(_BUMP, 1, namespaced(_scope(event_id)), _ms(), KEEP_VERSION_SECONDS)
            value = raw.decode() if isinstance(raw, bytes) else str(raw)
        except REDIS_ERRORS as exc:  # other workers notice within REVALIDATE_SECONDS
            redis_failed(exc)
            log.error("public page cache: the change of event %s could not reach Redis", event_id)
    for store in _stores.values():
        for key in [k for k, a in store.items() if a.event == str(event_id)]:
            store.pop(key, None)  # this process frees the memory at once
    return value


async def on_event_changed(*, event_id: int | None = None, **_kwargs: Any) -> None:
    """Receiver of the signals of actions that change an event's public pages."""
    if event_id is not None:
        await bump(event_id)


# --------------------------------------------------------------------------- cached answers


@dataclass
class Answer:
    """One public answer as sent: body, status, type, validators, and any data the caller keeps
    with it (the rows the results page filters in memory)."""

    body: bytes
    status_code: int = 200
    media_type: str = "text/html"  # the response adds "; charset=utf-8" to text/ types
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    event: str = ""
    version: str = ""
    etag: str = ""
    last_modified: str = ""
    gzipped: bytes | None = None
    made_at: float = 0.0
    compress: bool = True  # False: the body is never sent (a digest of ``data``)

    def seal(self, event: str, version: str) -> Answer:
        self.event, self.version = event, version
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:24] + '"'
        changed_ms = int(version.rpartition(":")[2] or 0) if version else _ms()
        self.last_modified = email.utils.formatdate(changed_ms / 1000, usegmt=True)
        if len(self.body) >= GZIP_AT_LEAST and self.compress:
            self.gzipped = gzip.compress(self.body, 6)
        self.made_at = time.monotonic()
        return self


_stores: dict[Any, OrderedDict[tuple[Any, ...], Answer]] = {}  # per kind of answer (key[0]), least recent first
_building: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], asyncio.Future[Answer]]] = (
    weakref.WeakKeyDictionary()
)
_revalidating: set[tuple[Any, ...]] = set()
_tasks: set[asyncio.Task[Any]] = set()
stats = {"hits": 0, "made": 0, "revalidated": 0}


def clear() -> None:
    """Forget every cached answer and local version (tests)."""
    _stores.clear()
    _local_versions.clear()
    _revalidating.clear()


def _store(key: tuple[Any, ...], answer: Answer, limit: int) -> None:
    store = _stores.setdefault(key[2], OrderedDict())  # key: (database, event, kind, ...)
    store[key] = answer
    store.move_to_end(key)
    total = sum(len(a.body) + len(a.gzipped or b"") for a in store.values())
    while len(store) > limit or (total > MAX_BYTES and len(store) > 1):
        _old, dropped = store.popitem(last=False)
        total -= len(dropped.body) + len(dropped.gzipped or b"")


async def cached(
    event_id: int | str, key: tuple[Any, ...], make: Callable[[], Awaitable[Answer]], *, limit: int = MAX_ANSWERS
) -> Answer:
    """The answer under ``key`` (which must hold everything the answer depends on besides the
    event's data: its kind first, then language, ...), made by ``make`` at most once per version of
    the event in this process (concurrent requests wait for the one making it). At most ``limit``
    answers of that kind are kept (the least recently used go first)."""
    event = str(event_id)
    current = await version(event)
    if current is None:  # the version cannot be read: answer from scratch, keep nothing
        return (await make()).seal(event, "")
    full_key = (get_settings().database_url, event, *key)
    store = _stores.get(key[0])
    held = store.get(full_key) if store is not None else None
    if held is not None and held.version == current:
        stats["hits"] += 1
        store.move_to_end(full_key)  # type: ignore[union-attr]
        if time.monotonic() - held.made_at > REVALIDATE_SECONDS and full_key not in _revalidating:
            _revalidating.add(full_key)
            task = asyncio.get_running_loop().create_task(_revalidate(full_key, held, make))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
        return held
    building = _building.setdefault(asyncio.get_running_loop(), {})
    build_key = (*full_key, current)
    future = building.get(build_key)
    if future is not None:
        return await asyncio.shield(future)
    future = asyncio.get_running_loop().create_future()
    building[build_key] = future
    try:
        answer = (await make()).seal(event, current)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: waiting requests get it, nobody else must
        raise
    else:
        future.set_result(answer)
        stats["made"] += 1
        latest = _stores.get(key[0], OrderedDict()).get(full_key)
        if latest is None or latest.version == current or await version(event) == current:
            _store(full_key, answer, limit)
        return answer
    finally:
        building.pop(build_key, None)


async def _revalidate(full_key: tuple[Any, ...], held: Answer, make: Callable[[], Awaitable[Answer]]) -> None:
    """Make an old answer again; when it differs, raise the event's version: every worker (this one
    too) then makes it anew on its next request. (The fresh answer is not kept: a signalled change
    may have landed while it was made.)"""
    try:
        fresh = await make()
        stats["revalidated"] += 1
        if fresh.body == held.body and fresh.status_code == held.status_code:
            held.made_at = time.monotonic()
            return
        log.info("public page cache: event %s changed without a signal; version raised", held.event)
        await bump(held.event)
    except Exception:  # the next request after REVALIDATE_SECONDS tries again
        log.exception("public page cache: revalidating event %s failed", held.event)
    finally:
        _revalidating.discard(full_key)


def _matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def not_modified(request: Request[Any, Any, Any], answer: Answer) -> bool:
    """Whether ``request``'s conditional headers say the client already holds ``answer``."""
    if answer.status_code != 200 or not answer.etag:
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _matches(if_none_match, answer.etag)
    since = request.headers.get("if-modified-since")
    if since and answer.last_modified:
        try:
            return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(answer.last_modified)
        except (TypeError, ValueError):
            return False
    return False


def respond(request: Request[Any, Any, Any], answer: Answer, *, cache_control: str = "no-cache") -> Response[bytes]:
    """``answer`` as a response: 304 when the client holds it, gzip when the client takes it.
    ``no-cache``: browsers keep the answer but ask each time (a cheap 304), so a change is seen at once.
    The gzip coding of a page carries the page's ETag as a weak validator (as nginx does)."""
    packed = answer.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "")
    headers = {**answer.headers, "Cache-Control": cache_control, "Vary": VARY}
    if answer.etag:
        headers["ETag"] = ("W/" if packed else "") + answer.etag
        headers["Last-Modified"] = answer.last_modified
    if not_modified(request, answer):
        return Response(b"", status_code=304, headers=headers, media_type=answer.media_type)
    body = answer.body
    if packed:
        body = answer.gzipped  # type: ignore[assignment]
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=answer.status_code, headers=headers, media_type=answer.media_type)


def is_public_visit(request: Request[Any, Any, Any]) -> bool:
    """Nobody is logged in and no message waits to be shown: the page is the public one."""
    if request.scope.get("user") is not None:
        return False
    session = request.scope.get("session")
    return not (isinstance(session, dict) and session.get("flash"))
