"""API shapes of the outreach programme (大手拉小手; CONTRACT "Talent programme and outreach": under
``/api/v1/outreach/``). Dates are ISO ``YYYY-MM-DD``; times ISO 8601 with offset; hours, shares and
means decimal strings."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.web.openapi import one_of

Division = Annotated[str, one_of("小学", "初中", "高中")]
Priority = Literal["high", "normal", "low"]
RequestStatus = Literal["open", "planned", "scheduled", "delivered", "withdrawn"]
TalkStatus = Literal["planned", "scheduled", "delivered", "cancelled"]
TourStatus = Literal["draft", "confirmed", "cancelled"]


class SettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    min_days_ahead: int | None = None  # a request at least this many days before its earliest week (0..180)
    confirm_within_days: int | None = None  # a talk unconfirmed this many days after its date is listed (1..90)
    max_talks_per_day: int | None = None  # per expert (1..6)


class SettingsOut(msgspec.Struct):
    year: int
    min_days_ahead: int
    confirm_within_days: int
    max_talks_per_day: int


class WindowIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_on: str
    ends_on: str | None = None  # default: the same day
    note: str = ""


class WindowOut(msgspec.Struct):
    id: int
    starts_on: str
    ends_on: str
    note: str


class ExpertIn(msgspec.Struct, forbid_unknown_fields=True):
    """An expert. ``username``: an expert account to link, or a new one when ``password`` is given;
    without it the office keeps the record (no log-in). ``regions``: cities/counties travelled to
    (names or GB/T 2260 codes; empty: the whole province)."""

    name: str
    affiliation: str = ""
    title: str = ""
    bio: str = ""
    phone: str = ""
    regions: list[str] = []
    generally_available: bool = False
    username: str | None = None
    password: str | None = None


class ExpertPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str | None = None
    affiliation: str | None = None
    title: str | None = None
    bio: str | None = None
    phone: str | None = None
    regions: list[str] | None = None
    generally_available: bool | None = None
    active: bool | None = None  # the office only


class ExpertOut(msgspec.Struct):
    id: int
    name: str
    affiliation: str
    title: str
    bio: str
    username: str | None
    phone_masked: str
    regions: list[str]
    region_names: list[str]
    generally_available: bool
    availability: list[WindowOut]
    active: bool
    topics: int


class TopicIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    divisions: list[Division]
    subject: str = ""
    summary: str = ""
    duration_minutes: int = 60
    equipment: str = ""


class TopicPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    title: str | None = None
    divisions: list[Division] | None = None
    subject: str | None = None
    summary: str | None = None
    duration_minutes: int | None = None
    equipment: str | None = None
    active: bool | None = None


class TopicOut(msgspec.Struct):
    id: int
    expert_id: int
    expert_name: str
    expert_affiliation: str
    expert_title: str
    title: str
    subject: str
    summary: str
    divisions: list[str]
    duration_minutes: int
    equipment: str
    active: bool


class RequestIn(msgspec.Struct, forbid_unknown_fields=True):
    """A school's request: ``topic_id`` or ``subject``; ``preferred_weeks``: any date of each week wished
    (stored as its Monday); ``school_code`` when the office requests for a school."""

    division: Division
    audience_size: int
    preferred_weeks: list[str]
    topic_id: int | None = None
    subject: str = ""
    hall: str = ""
    equipment: str = ""
    note: str = ""
    school_code: str | None = None


class PriorityIn(msgspec.Struct, forbid_unknown_fields=True):
    priority: Annotated[str, one_of("high", "normal", "low")]


class RequestOut(msgspec.Struct):
    id: int
    school_id: int
    school_code: str
    school_name: str
    region_code: str | None
    region_name: str
    rural: bool
    year: int
    topic_id: int | None
    topic_title: str
    expert_name: str
    subject: str
    preferred_weeks: list[str]
    audience_size: int
    division: str
    hall: str
    equipment: str
    note: str
    status: RequestStatus
    priority: Priority
    created_at: str
