"""API bodies of panels: a judge of an event, assignment generation, moving an assignment."""
from __future__ import annotations


import msgspec


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

