"""API answers of the coverage report (CONTRACT.md "Coverage"); rates per 1,000 are decimal text
(``"12.34"``), never floats; ``null`` where there is no enrolment figure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from app.web.openapi import one_of


class RegionCoverageOut(msgspec.Struct):
    """One city or county: students (unique), participations, schools with a participation,
    applicants not placed, returning students (also last school year), outreach talks and their
    audience, students enrolled and students reached per 1,000 enrolled."""

    code: str
    name: str
    autonomous: bool
    unique_students: int
    participations: int
    schools: int
    applicants: int
    returning: int
    talks: int
    audience: int
    enrolled: int | None
    per_1000_enrolled: str | None


class ProgrammeCoverageOut(msgspec.Struct):
    kind: str
    label: str
    participations: int
    unique_students: int
    applicants: int
    schools: int


class SplitOut(msgspec.Struct):
    """A split of the students: gender (男 / 女 / ""), division (小学 / 初中 / 高中 / ""), area
    (urban / rural) or autonomous counties (autonomous / other)."""

    key: str
    label: str
    unique_students: int
    participations: int
    applicants: int


class YearOut(msgspec.Struct):
    """A school year of the comparison: ``computed`` false when it has no snapshot yet (refresh)."""

    year: int
    label: str
    computed: bool
    unique_students: int | None = None
    participations: int | None = None
    applicants: int | None = None
    schools: int | None = None
    talks: int | None = None
    audience: int | None = None
    returning: int | None = None


class CoverageOut(msgspec.Struct):
    """The report of school year ``year`` (the one starting that year) for the province (organizer) or
    the caller's city (``scope``); ``computed_at``: when its figures were computed (refresh to
    recompute). A student is one person across programmes (keyed ID hash); a participation is one
    student in one event; ``applicants`` applied and were placed nowhere; ``talks``/``audience`` are
    outreach reach, not students. ``data_changed``: the data the figures count changed after
    ``computed_at`` (a refresh brings them up to date). ``regions_without_activity`` and
    ``schools_without_activity`` had neither a student taking part nor an outreach talk (applicants
    alone are no activity); ``schools_talks_only`` (codes) had talks but no student taking part."""

    year: int
    label: str
    computed_at: dt.datetime
    scope: Annotated[str, one_of("province", "region")]
    scope_code: str
    unique_students: int
    participations: int
    schools: int
    applicants: int
    returning: int
    multi_programme: int | None
    talks: int
    audience: int
    enrolled: int | None
    per_1000_enrolled: str | None
    province_per_1000_enrolled: str | None
    by_region: list[RegionCoverageOut]
    by_programme: list[ProgrammeCoverageOut]
    by_gender: list[SplitOut]
    by_division: list[SplitOut]
    by_area: list[SplitOut]
    by_autonomous: list[SplitOut]
    regions_without_activity: list[str]
    schools_without_activity: list[str]
    years: list[YearOut]
    data_changed: bool = False
    schools_talks_only: list[str] = []


class CoverageSettingsIn(msgspec.Struct):
    """The school-year boundary: a school year starts on this month and day (default 9-1)."""

    year_start_month: int
    year_start_day: int


class CoverageSettingsOut(msgspec.Struct):
    year_start_month: int
    year_start_day: int


class RefreshIn(msgspec.Struct):
    """School years to recompute (default: the five most recent; an empty list is refused)."""

    years: list[int] | None = None


class RefreshOut(msgspec.Struct):
    id: int
    years: list[int]
    status: Annotated[str, one_of("queued", "running", "done", "failed")]
    done: int
    total: int
    error: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None


class EnrolmentImportOut(msgspec.Struct):
    year: int
    regions: int
    enrolled: int
