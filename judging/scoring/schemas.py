"""API bodies of scoring: a rubric's criteria, a judge's score sheet, an organizer's correction."""
from __future__ import annotations


from typing import Any

import msgspec


class CriterionIn(msgspec.Struct):
    code: str
    name: str
    weight: Any
    max_points: Any
    description: str = ""


class RubricIn(msgspec.Struct):
    criteria: list[CriterionIn]
    category_code: str | None = None


class ScoreIn(msgspec.Struct):
    criteria: dict[str, Any]
    comment: str | None = None
    version: int | None = None


class OrganizerScoreIn(msgspec.Struct):
    criteria: dict[str, Any]
    reason: str

