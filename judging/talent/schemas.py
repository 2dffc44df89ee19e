"""API shapes of the talent programme's interview sheets (judging machinery)."""

from __future__ import annotations

import datetime as dt

import msgspec

from competitions.talent.schemas import AttachmentOut, MentorApplicantOut
from judging.scoring.schemas import CriterionOut


class InterviewRef(msgspec.Struct):
    id: int
    starts_at: dt.datetime | None
    place: str


class InterviewSheetOut(msgspec.Struct):
    """A mentor's interview sheet: the rubric, the points so far (decimal strings), the weighted
    ``total`` (``""`` until every criterion is scored), ``locked`` once the matching is applied."""

    applicant: MentorApplicantOut
    interview: InterviewRef
    criteria: dict[str, str]
    comment: str
    version: int
    total: str
    complete: bool
    rubric: list[CriterionOut]
    locked: bool
    documents: list[AttachmentOut] = []


class InterviewScoreIn(msgspec.Struct, forbid_unknown_fields=True):
    criteria: dict[str, str | int | float]
    comment: str | None = None
    version: int | None = None


class InterviewSavedOut(msgspec.Struct):
    application_id: int
    entry_id: int
    version: int
    total: str
    complete: bool
