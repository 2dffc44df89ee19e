"""Key-value stores (Litestar's): Redis when ``XINMIAO_REDIS_URL`` is set, otherwise
sessions in files under the data directory (shared by workers on one machine) and
counters in process memory."""

from __future__ import annotations

from functools import lru_cache

from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore

from app.settings import get_settings


def _redis(namespace: str) -> Store | None:
    url = get_settings().redis_url
    if not url:
        return None
    from litestar.stores.redis import RedisStore

    return RedisStore.with_client(url=url, namespace=f"xinmiao:{namespace}")


@lru_cache(maxsize=None)
def session_store(data_dir: str) -> Store:
    """Where server-side sessions live."""
    return _redis("sessions") or FileStore(path=get_settings().data_dir / "sessions", create_directories=True)


@lru_cache(maxsize=None)
def counter_store(data_dir: str) -> Store:
    """Short-lived counters (log-in throttling per address, rate limits)."""
    return _redis("counters") or MemoryStore()


def sessions() -> Store:
    return session_store(str(get_settings().data_dir))


def counters() -> Store:
    return counter_store(str(get_settings().data_dir))


async def increment(key: str, window_seconds: int) -> int:
    """Add one to ``key`` (expiring ``window_seconds`` after its first hit); return the count."""
    store = counters()
    raw = await store.get(key)
    count = int(raw) + 1 if raw else 1
    ttl = await store.expires_in(key) if raw else None
    await store.set(key, str(count).encode(), expires_in=ttl if ttl and ttl > 0 else window_seconds)
    return count


async def peek(key: str) -> int:
    raw = await counters().get(key)
    return int(raw) if raw else 0
