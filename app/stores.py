"""Key-value stores and atomic counters.

Sessions live in Litestar stores: Redis when ``XINMIAO_REDIS_URL`` is set, otherwise files
under the data directory (shared by workers on one machine).

Counters (rate limits, log-in throttling) are atomic: with Redis one server-side step each
(``INCR`` or a Lua script), so any number of workers count together; without Redis a
dictionary changed under a lock with no ``await`` in between, so concurrent requests of one
process never read the same count. Without Redis each worker counts for itself (``xinmiao
serve --workers N`` says so). Keys are namespaced by the database, so deployments (and tests)
sharing one Redis never count each other's requests. While Redis does not answer (2 s
timeouts), counters fall back to this process's own and the error is logged: never a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from litestar.stores.base import Store
from litestar.stores.file import FileStore
from redis.exceptions import RedisError

from app.files import private_dir
from app.settings import get_settings

log = logging.getLogger("xinmiao.stores")
# what a Redis that is down or unreachable raises; callers fall back to this process's own state
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def _redis(namespace: str) -> Store | None:
    url = get_settings().redis_url
    if not url:
        return None
    from litestar.stores.redis import RedisStore

    return RedisStore.with_client(url=url, namespace=f"xinmiao:{namespace}")


@lru_cache(maxsize=None)
def session_store(data_dir: str) -> Store:
    """Where server-side sessions live."""
    store = _redis("sessions")
    if store is not None:
        return store
    # made 0700 here: the store would make it with the umask's mode (0777 under umask 0), and a
    # session file planted there by another account would be a log-in (issue 11 re-test)
    return FileStore(path=private_dir(get_settings().data_dir / "sessions"), create_directories=True)


def sessions() -> Store:
    return session_store(str(get_settings().data_dir))


# the clock of counters and log-in delays (seconds since the epoch); tests move it forward
clock = time.time


# ----------------------------------------------------------------------------------- Redis


REDIS_CONNECTIONS = 32  # per worker (and event loop)
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = weakref.WeakKeyDictionary()


def redis_client() -> Any | None:
    """A ``redis.asyncio`` client for the running event loop, or ``None`` without Redis.

    A client belongs to the loop it was made on (tests and the CLI run several loops)."""
    url = get_settings().redis_url
    if not url:
        return None
    import redis.asyncio as redis

    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(url)
    if client is None:
        # a burst waits for one of REDIS_CONNECTIONS connections rather than failing
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=REDIS_CONNECTIONS, timeout=10, socket_timeout=2, socket_connect_timeout=2
        )
        client = per_loop[url] = redis.Redis(connection_pool=pool)
    return client


_last_warning = 0.0


def redis_failed(exc: BaseException) -> None:
    """Log (at most once a minute) that Redis failed and this process counts on its own."""
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        log.error("Redis unavailable (%s): counting in this process until it answers again", exc)


def namespaced(key: str) -> str:
    """``key`` in this deployment's Redis namespace (by database URL)."""
    namespace = hashlib.sha256(get_settings().database_url.encode()).hexdigest()[:12]
    return f"xinmiao:{namespace}:{key}"


_INCREMENT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

# times in whole milliseconds: Lua's numbers print 14 digits, exact for integers of that size
_RESERVE = """
local now = tonumber(ARGV[1])
local free = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local longest = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local locked = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if locked > now then
  return {0, locked - now}
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local ends = 0
if n >= free then
  ends = now + math.min(base * 2 ^ (n - free), longest)
  redis.call('HSET', KEYS[1], 'until', string.format('%d', ends))
end
redis.call('EXPIRE', KEYS[1], window)
return {n, 0, ends}
"""


# ----------------------------------------------------------------------------------- in process


_lock = threading.Lock()
_counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
_gates: dict[str, list[float]] = {}  # key -> [attempts, locked until, expires at]
_SWEEP_EVERY = 1024
_operations = 0


def _sweep(now: float) -> None:
    """Drop expired entries now and then (called under the lock)."""
    global _operations
    _operations += 1
    if _operations % _SWEEP_EVERY:
        return
    for key in [k for k, (_n, ends) in _counts.items() if ends <= now]:
        del _counts[key]
    for key in [k for k, value in _gates.items() if value[2] <= now]:
        del _gates[key]


def _local_key(key: str) -> str:
    return f"{get_settings().database_url}|{key}"


# ----------------------------------------------------------------------------------- counters


async def increment(key: str, window_seconds: int) -> int:
    """Add one to ``key`` and return the new count, atomically: of N concurrent calls each
    gets a different count. The count starts at 1 and expires ``window_seconds`` after its
    first hit (a fixed window)."""
    client = redis_client()
    if client is not None:
        try:
            return int(await client.eval(_INCREMENT, 1, namespaced(key), int(window_seconds)))
        except REDIS_ERRORS as exc:
            redis_failed(exc)
    now = clock()
    local = _local_key(key)
    with _lock:
        _sweep(now)
        count, ends = _counts.get(local, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + window_seconds
        count += 1
        _counts[local] = (count, ends)
        return count


async def peek(key: str) -> int:
    """The current count of ``key`` (0 when unknown or expired)."""
    client = redis_client()
    if client is not None:
        try:
            raw = await client.get(namespaced(key))
            return int(raw) if raw else 0
        except REDIS_ERRORS as exc:
            redis_failed(exc)
    with _lock:
        count, ends = _counts.get(_local_key(key), (0, 0.0))
    return count if ends > clock() else 0


@dataclass(frozen=True)
class Attempt:
    """What :func:`reserve_attempt` decided: ``number`` of this attempt (0 when refused),
    ``wait`` seconds until the next attempt is allowed when refused (else 0), and
    ``locked_until`` (epoch seconds; 0 if none) of the lock this attempt started."""

    number: int
    wait: float
    locked_until: float = 0.0


async def reserve_attempt(key: str, *, free: int, base_delay: float, max_delay: float, window: int) -> Attempt:
    """Reserve one attempt at ``key`` before its outcome is known (a log-in), atomically.

    While a lock runs, refuse (``number`` 0, ``wait`` the seconds left). Otherwise count the
    attempt; from the ``free``-th attempt on, each attempt locks ``key`` for ``base_delay``
    seconds doubling with every further attempt, at most ``max_delay``. The counts expire
    ``window`` seconds after the last attempt; :func:`clear_attempts` forgets them (a success).
    Of N concurrent reservations exactly ``free`` succeed before the first lock."""
    now = clock()
    client = redis_client()
    if client is not None:
        try:
            answer = await client.eval(
                _RESERVE,
                1,
                namespaced(key),
                round(now * 1000),
                int(free),
                round(base_delay * 1000),
                round(max_delay * 1000),
                int(window),
            )
        except REDIS_ERRORS as exc:
            redis_failed(exc)
        else:
            number = int(answer[0])
            if number == 0:
                return Attempt(0, int(answer[1]) / 1000)
            return Attempt(number, 0.0, int(answer[2]) / 1000)
    local = _local_key(key)
    with _lock:
        _sweep(now)
        state = _gates.get(local)
        if state is None or state[2] <= now:
            state = _gates[local] = [0, 0.0, 0.0]
        if state[1] > now:
            return Attempt(0, state[1] - now)
        state[0] += 1
        number = int(state[0])
        ends = 0.0
        if number >= free:
            ends = state[1] = now + min(base_delay * 2 ** (number - free), max_delay)
        state[2] = now + window
        return Attempt(number, 0.0, ends)


async def clear_attempts(key: str) -> None:
    """Forget the attempts reserved at ``key`` (and any lock)."""
    client = redis_client()
    if client is not None:
        try:
            await client.delete(namespaced(key))
        except REDIS_ERRORS as exc:
            redis_failed(exc)
    with _lock:
        _gates.pop(_local_key(key), None)
