"""Who besides organizers, cities and schools may read entries: answered by the capabilities that
know (judging knows which entries a judge is assigned to), so registration never imports them.

A reader for a role is an object with two coroutines:
``can_read(actor, entry_id) -> bool`` and ``entry_ids(actor, event_id) -> list[int]``, and
optionally ``view(actor, entries) -> entries``, which hides what the role may not see of the
entries it reads (judging's blind review blanks school and city).
Without a reader, a role reads nothing (404 / an empty list)."""

from __future__ import annotations

from typing import Protocol

from app.principal import Principal


class EntryReader(Protocol):
    role: str

    async def can_read(self, actor: Principal, entry_id: int) -> bool: ...

    async def entry_ids(self, actor: Principal, event_id: int) -> list[int]: ...


class EntryReaders:
    """The registered readers, one per role."""

    def __init__(self) -> None:
        self._by_role: dict[str, EntryReader] = {}

    def connect(self, reader: EntryReader) -> None:
        self._by_role[reader.role] = reader

    def for_role(self, role: str | None) -> EntryReader | None:
        return self._by_role.get(role or "")


entry_readers = EntryReaders()
