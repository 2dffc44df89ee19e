"""Registration workbooks: the template, the all-or-nothing import and the full export
(CONTRACT.md, "Registration workbook columns")."""
from __future__ import annotations

from typing import Any

from app.principal import Principal


async def registration_template(actor: Principal, event_id: int) -> bytes:
    """The .xlsx template for an event."""
    raise NotImplementedError


async def import_registrations(actor: Principal, event_id: int, data: bytes) -> dict[str, int]:
    """Import a filled-in workbook. Returns ``{"entries_created", "participants_created", "advisers_created"}``."""
    raise NotImplementedError


async def export_registrations(actor: Principal, event_id: int, reason: str) -> bytes:
    """Organizer-only full export with IDs and phones as text; logged with the reason."""
    raise NotImplementedError
