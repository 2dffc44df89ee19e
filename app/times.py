"""Times: stored timezone-aware (UTC), shown in Asia/Shanghai. The one place that knows both.

- :func:`now` — the current instant, aware, UTC.
- :func:`local_now` — the current Asia/Shanghai wall time, aware.
- :func:`parse_time` — a datetime or an ISO 8601 string to an aware datetime (naive means UTC), or ``None``.
- :func:`format_time` / :func:`show_time` — ``2026-03-31 18:00`` in Asia/Shanghai.
- :func:`local_time` — an aware datetime as Asia/Shanghai wall time (to format it in words).
- :func:`local_input` — the value of an ``<input type=datetime-local>`` (``2026-03-31T18:00``).
- :func:`from_local_input` — such a value (a Shanghai wall time) back to an aware datetime.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


def now() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    return dt.datetime.now(UTC)


def local_now() -> dt.datetime:
    """The current wall time in Asia/Shanghai, timezone-aware."""
    return dt.datetime.now(SHANGHAI)


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; naive values are taken as UTC; ``None``
    for empty or unreadable values."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: dt.datetime | None) -> str:
    """A time as shown to people: Asia/Shanghai, ``2026-03-31 18:00``; ``""`` for ``None``."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def local_time(value: dt.datetime) -> dt.datetime:
    """``value`` as Asia/Shanghai wall time (aware), for texts that spell a date out in words."""
    return value.astimezone(SHANGHAI)


def show_time(value: Any) -> str:
    """``2026-03-31 18:00`` in Asia/Shanghai for a datetime or an ISO string; ``""`` otherwise."""
    parsed = parse_time(value)
    return format_time(parsed) if parsed else ""


def local_input(value: Any) -> str:
    """The value of an ``<input type=datetime-local>`` (Asia/Shanghai wall time)."""
    parsed = parse_time(value)
    return parsed.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if parsed else ""


def from_local_input(value: str) -> dt.datetime:
    """``2026-03-31T18:00`` (or with seconds / an offset) as an aware datetime; a value without an
    offset is a Shanghai wall time. Raises ``ValueError`` for unreadable text."""
    parsed = dt.datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
