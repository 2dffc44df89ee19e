"""Per-user token versions: how access tokens and page sessions are revoked at once.

Every access token and page session carries the user's ``token_version``. A password change,
an organizer's password reset and deactivation add one to the version in the database
(:func:`bump`), so every token and session issued before no longer matches and is refused on
its next request.

Checking needs no database query per request: :func:`valid` answers from an in-process cache.
With Redis (``XINMIAO_REDIS_URL``) the versions are kept in Redis too and a cached entry is
trusted for :data:`SHARED_CACHE_SECONDS` (1 s), so a change made through one worker reaches
every worker within a second; without Redis an entry is read again from the database after
:data:`LOCAL_CACHE_SECONDS` (30 s), the longest another worker (or the CLI) can lag behind.
The worker that made the change knows it at once. Versions only grow (deactivation and
reactivation add one too), so a late, older reading never replaces a newer one, here or in
Redis.

The accounts capability owns the ``User`` table: it changes versions
(:func:`app.accounts.services.bump_token_version`, which calls :func:`publish`) and registers
how to read one from the database (:func:`set_loader`), so the web layer can check versions
without importing the tables.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from app.stores import REDIS_ERRORS, namespaced, redis_client, redis_failed

SHARED_CACHE_SECONDS = 1.0
LOCAL_CACHE_SECONDS = 30.0
REDIS_TTL_SECONDS = 5 * 60  # also bounds the lag should a change fail to reach Redis


class Version(NamedTuple):
    """An account's token version and whether the account is active."""

    number: int
    active: bool


GONE = Version(-1, False)  # an account that does not exist
_loader: Callable[[int], Awaitable[Version]] | None = None
_lock = threading.Lock()
_cache: dict[tuple[str, int], tuple[Version, float]] = {}  # (database, user id) -> (version, read at)

# set the stored "number:active" only if it is not older than what Redis holds
_SET_IF_NEWER = """
local held = redis.call('GET', KEYS[1])
if held then
  local number = tonumber(string.match(held, '^(-?%d+)'))
  if number and number > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


def _database() -> str:
    from app.settings import get_settings

    return get_settings().database_url


def remember(user_id: int, version: Version) -> None:
    """Cache ``version`` of ``user_id`` in this process unless a newer one is cached."""
    key = (_database(), user_id)
    with _lock:
        held = _cache.get(key)
        if held is not None and held[0].number > version.number:
            return
        if len(_cache) > 100_000:
            _cache.clear()
        _cache[key] = (version, time.monotonic())


def _key(user_id: int) -> str:
    return namespaced(f"token-version:{user_id}")


def _decode(raw: bytes | str) -> Version:
    text = raw.decode() if isinstance(raw, bytes) else raw
    number, _sep, active = text.partition(":")
    return Version(int(number), active == "1")


async def _share(client: Any, user_id: int, version: Version) -> None:
    value = f"{version.number}:{int(version.active)}"
    try:
        await client.eval(_SET_IF_NEWER, 1, _key(user_id), version.number, value, REDIS_TTL_SECONDS)
    except REDIS_ERRORS as exc:  # the other workers learn it from the database within REDIS_TTL_SECONDS
        redis_failed(exc)


def set_loader(loader: Callable[[int], Awaitable[Version]]) -> None:
    """Register how to read a user's :class:`Version` from the database (accounts does)."""
    global _loader
    _loader = loader


async def _from_database(user_id: int) -> Version:
    if _loader is None:  # pragma: no cover - app.accounts.services registers it on import
        raise RuntimeError("no token version loader registered (import app.accounts.services)")
    return await _loader(user_id)


async def current(user_id: int) -> Version:
    """The current :class:`Version` of ``user_id`` (cached; see the module's description)."""
    client = redis_client()
    ttl = SHARED_CACHE_SECONDS if client is not None else LOCAL_CACHE_SECONDS
    with _lock:
        cached = _cache.get((_database(), user_id))
    if cached is not None and time.monotonic() - cached[1] < ttl:
        return cached[0]
    version: Version | None = None
    if client is not None:
        try:
            raw = await client.get(_key(user_id))
        except REDIS_ERRORS as exc:  # Redis down: the database answers (one query a second per user)
            redis_failed(exc)
            client = None
        else:
            if raw is not None:
                version = _decode(raw)
    if version is None:
        version = await _from_database(user_id)
        if client is not None:
            await _share(client, user_id, version)
    remember(user_id, version)
    return version


async def publish(user_id: int, version: Version) -> None:
    """Make ``version`` of ``user_id`` (just written to the database) known here at once and,
    with Redis, to every worker."""
    remember(user_id, version)
    client = redis_client()
    if client is not None:
        await _share(client, user_id, version)


async def valid(user_id: int, token_version: int) -> bool:
    """Whether a token or session of ``user_id`` issued at ``token_version`` still counts:
    the account is active and nothing revoked it since."""
    version = await current(user_id)
    return version.active and version.number == token_version
