"""API bodies and answers of scoring: a rubric's criteria, a judge's score sheet, an organizer's correction, progress."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from app.web.openapi import one_of


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


class CriterionOut(msgspec.Struct):
    """A criterion: ``weight`` and ``max_points`` as decimal strings."""

    code: str
    name: str
    description: str
    weight: str
    max_points: str


class RubricOut(msgspec.Struct):
    criteria: list[CriterionOut]


class MyScoreOut(msgspec.Struct):
    """The caller's score sheet: ``criteria`` maps a code to points (decimal strings), ``total``
    the weighted sum (``""`` before any score), ``locked`` once results are published."""

    criteria: dict[str, str]
    comment: str
    version: int
    total: str
    complete: bool
    rubric: list[CriterionOut]
    locked: bool


class ScoreSavedOut(msgspec.Struct):
    entry_id: int
    version: int
    total: str
    complete: bool


class ScoreSheetOut(msgspec.Struct):
    """One assigned judge's sheet for an entry (``score_id`` is what ``PUT /scores/{score_id}`` takes)."""

    assignment_id: int
    judge_id: int
    judge: str
    score_id: int | None
    criteria: dict[str, str]
    total: str
    comment: str
    complete: bool
    version: int
    updated_at: str | None


class ScoreChangeOut(msgspec.Struct):
    at: str
    judge: str | None
    changed_by: str | None
    old_total: str
    new_total: str
    old_points: dict[str, str]
    new_points: dict[str, str]
    reason: str


class ProgressJudge(msgspec.Struct):
    judge_id: int
    name: str
    assigned: int
    scored: int


class ProgressCategory(msgspec.Struct):
    category_code: str
    category_name: str
    assigned: int
    scored: int


class ProgressOut(msgspec.Struct):
    """Sheets assigned and scored in the current round, per judge (least done first) and per category."""

    round_state: Annotated[str, one_of("open", "published", "finalized")]
    assigned: int
    scored: int
    judges: list[ProgressJudge]
    categories: list[ProgressCategory]
