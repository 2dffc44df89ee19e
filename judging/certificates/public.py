"""Certificate verification served from what was already looked up (:mod:`app.pubcache`).

A certificate's number belongs to one event for good, so this process remembers which (after the
first look-up); from then on the answer for the number (the public JSON, the anonymous page per
language) is kept under the version of that event, which revoking, reissuing or issuing
certificates raises on every worker (:data:`app.signals.public_view_changed`): a revoked
certificate reads "revoked" on the very next look-up, whichever worker answers it. Every look-up
still counts against the address's rate limit. Unknown numbers are never kept (a certificate may
be issued under one later).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app import pubcache
from app.settings import get_settings
from judging.certificates import services as certificates

MAX_NUMBERS = 100_000
_event_of: dict[tuple[str, str], int] = {}  # (database, canonical number) -> event id


async def kept(
    number: str, variant: tuple[Any, ...], make: Callable[[dict[str, Any]], Awaitable[pubcache.Answer]]
) -> pubcache.Answer:
    """The answer ``make(result)`` for the verification of ``number`` (``variant``: which answer,
    e.g. ``("json",)`` or ``("page", "en")``), kept per version of the certificate's event.
    :class:`app.errors.NotFound` for an unknown number."""
    canonical = certificates.normalize_number(number) or ""
    known = _event_of.get((get_settings().database_url, canonical))
    if known is None:  # first look-up here: answer it, remember the event, keep from the next one on
        event_id, result = await certificates.verification(number)
        if len(_event_of) >= MAX_NUMBERS:
            _event_of.clear()
        _event_of[(get_settings().database_url, result["number"])] = event_id
        answer = await make(result)
        return answer.seal(str(event_id), "")

    async def fresh() -> pubcache.Answer:
        _event_id, result = await certificates.verification(canonical)
        return await make(result)

    return await pubcache.cached(known, ("verify", canonical, *variant), fresh, limit=20_000)
