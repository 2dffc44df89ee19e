"""API bodies and answers of panels: a judge of an event, assignment generation, judges' sheets, a judge's assignments, moving an assignment."""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.web.openapi import one_of


class JudgeIn(msgspec.Struct):
    username: str
    category_codes: list[str]
    school_code: str | None = None
    city: str | None = None
    conflict_entries: list[int] = []
    conflict_schools: list[str] = []
    conflict_advisers: list[str] = []


class GenerateIn(msgspec.Struct):
    judges_per_entry: int
    seed: int = 0


class MoveIn(msgspec.Struct):
    judge_id: int


class JudgeOut(msgspec.Struct, omit_defaults=True):
    """A judge of an event: the categories they score and what they must not judge (entries by
    id, schools by id, advisers by name). ``school``/``school_name`` and ``city`` are their own."""

    id: int
    user_id: int
    username: str
    display_name: str | None
    category_codes: list[str]
    city: str | None
    conflict_entries: list[int]
    conflict_schools: list[int]
    conflict_advisers: list[str]
    school: int | None | msgspec.UnsetType = msgspec.UNSET
    school_name: str | None | msgspec.UnsetType = msgspec.UNSET


class UnassignedEntry(msgspec.Struct):
    """An entry left with fewer judges than asked, and why (``reason``, translated words)."""

    entry_id: int
    code: str
    assigned: int
    needed: int
    reason: str


class UnassignedReason(msgspec.Struct):
    entry_id: int
    code: str
    reason: str


class GenerateOut(msgspec.Struct):
    """Assignments in the round after generation, and entries left with fewer judges than asked
    (``unassigned_entries`` as CONTRACT.md; ``unassigned``: each with the reason in words)."""

    assignments: int
    unassigned_entries: list[UnassignedEntry]
    unassigned: list[UnassignedReason]


class SheetEntry(msgspec.Struct):
    code: str
    title: str
    category_code: str
    division: str


class JudgeSheetOut(msgspec.Struct):
    judge_id: int
    name: str
    entries: list[SheetEntry]


class MyAssignmentOut(msgspec.Struct):
    """One of the caller's assignments (CONTRACT.md): ``status`` pending, draft (some criteria
    scored) or scored; ``total`` the sheet's weighted sum once scored, a decimal string with the
    event's ``score_decimals`` places (``"72.50"``)."""

    entry_id: int
    event_id: int
    status: Annotated[str, one_of("pending", "draft", "scored")]
    code: str
    title: str
    category_code: str
    division: str
    round_state: Annotated[str, one_of("open", "published", "finalized")]
    version: int
    total: str | None
    score_decimals: int = 2


class MovedOut(msgspec.Struct):
    id: int
    entry_id: int
    judge_id: int
