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
"""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

from app.stores import namespaced, redis_client
from app.tables import User

SHARED_CACHE_SECONDS = 1.0
LOCAL_CACHE_SECONDS = 30.0
REDIS_TTL_SECONDS = 24 * 3600


class Version(NamedTuple):
    """An account's token version and whether the account is active."""

    number: int
    active: bool


_GONE = Version(-1, False)  # an account that does not exist
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


async def _share(client: object, user_id: int, version: Version) -> None:
    value = f"{version.number}:{int(version.active)}"
    await client.eval(_SET_IF_NEWER, 1, _key(user_id), version.number, value, REDIS_TTL_SECONDS)  # type: ignore[attr-defined]


async def _from_database(user_id: int) -> Version:
    row = await User.select(User.token_version, User.is_active).where(User.id == user_id).first()
    if row is None:
        return _GONE
    return Version(int(row["token_version"] or 0), bool(row["is_active"]))


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
        raw = await client.get(_key(user_id))
        if raw is not None:
            version = _decode(raw)
    if version is None:
        version = await _from_database(user_id)
        if client is not None:
            await _share(client, user_id, version)
    remember(user_id, version)
    return version


async def bump(user_id: int, **values: object) -> Version:
    """Add one to the user's token version in one ``UPDATE ... RETURNING``, setting the other
    ``User`` columns named in ``values`` (``is_active=False``, ``password_hash=...``) in the
    same statement, and make it known here and, with Redis, to every worker at once.
    Returns the new :class:`Version` (``(-1, False)`` for an unknown user)."""
    changes = {getattr(User, name): value for name, value in values.items()}
    rows = (
        await User.update({User.token_version: User.token_version + 1, **changes})
        .where(User.id == user_id)
        .returning(User.token_version, User.is_active)
    )
    if not rows:
        return _GONE
    version = Version(int(rows[0]["token_version"]), bool(rows[0]["is_active"]))
    remember(user_id, version)
    client = redis_client()
    if client is not None:
        await _share(client, user_id, version)
    return version


async def valid(user_id: int, token_version: int) -> bool:
    """Whether a token or session of ``user_id`` issued at ``token_version`` still counts:
    the account is active and nothing revoked it since."""
    version = await current(user_id)
    return version.active and version.number == token_version
