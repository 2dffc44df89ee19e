"""Event settings that live with a later programme (CONTRACT.md: ``PATCH /api/v1/events/{id}``
takes them like any other event setting, and the event's JSON shows them).

Competitions cannot import judging; judging registers an :class:`EventSettings` with
:func:`register` (its plugin's ``setup``): the keys it owns, ``validate(data) -> values`` (raises
``ValidationFailed`` naming the field), ``store(actor, event_id, values)`` (inside the caller's
write transaction, audited), ``read(event_id) -> {key: value}`` and ``read_many(event_ids) ->
{event_id: {key: value}}`` (every event given, one query for all: a list of events reads them
at once). :func:`split` hands each key of a PATCH body to its owner; :func:`read_all` merges what
every owner says into the event's JSON, :func:`read_all_many` the same for many events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.principal import Principal


@dataclass(frozen=True)
class EventSettings:
    keys: frozenset[str]
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    store: Callable[[Principal, int, dict[str, Any]], Awaitable[None]]
    read: Callable[[int], Awaitable[dict[str, Any]]]
    read_many: Callable[[list[int]], Awaitable[dict[int, dict[str, Any]]]]


_owners: list[EventSettings] = []


def register(owner: EventSettings) -> None:
    if all(o.keys != owner.keys for o in _owners):
        _owners.append(owner)


def split(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[EventSettings, dict[str, Any]]]]:
    """``data`` without the keys other programmes own, and per owner its part (validated)."""
    own = dict(data)
    parts = []
    for owner in _owners:
        mine = {k: own.pop(k) for k in list(own) if k in owner.keys}
        if mine:
            parts.append((owner, owner.validate(mine)))
    return own, parts


async def read_all(event_id: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for owner in _owners:
        values.update(await owner.read(event_id))
    return values


async def read_all_many(event_ids: list[int]) -> dict[int, dict[str, Any]]:
    """:func:`read_all` of each of ``event_ids``, one read per owner for all of them."""
    values: dict[int, dict[str, Any]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return values
    for owner in _owners:
        for event_id, part in (await owner.read_many(event_ids)).items():
            values[event_id].update(part)
    return values
