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
    lapsed: bool = False  # still open, but every preferred week is over: no tour can take it any more


class TravelIn(msgspec.Struct, forbid_unknown_fields=True):
    """Minutes between two cities/counties (names or codes), for ``max_day_travel_minutes``."""

    from_: str = msgspec.field(name="from")
    to: str
    minutes: int


class TravelTableIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole travel table (it replaces the stored one): minutes 0..1440 by road between two
    cities/counties, each pair once (either order)."""

    pairs: list[TravelIn]


class TravelPairOut(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    from_name: str
    to: str
    to_name: str
    minutes: int


class TravelTableOut(msgspec.Struct):
    pairs: list[TravelPairOut]


class TourIn(msgspec.Struct, forbid_unknown_fields=True):
    """Plan a tour from the open requests: days ``starts_on``..``ends_on`` (weekdays unless ``weekends``),
    optionally only ``regions``; ``max_talks_per_day`` per expert (default: the year's setting); with
    ``max_day_travel_minutes`` above 0 an expert may visit two counties in a day that the travel table
    gives at most that many minutes apart (otherwise one county a day): ``travel_minutes`` when given, else
    the office's table (``/api/v1/outreach/travel``). ``name`` is needed to store it (not for a preview)."""

    starts_on: str
    ends_on: str
    name: str = ""
    regions: list[str] = []
    weekends: bool = False
    max_talks_per_day: int | None = None
    travel_minutes: list[TravelIn] | None = None
    max_day_travel_minutes: int = 0
    note: str = ""


class WhyOut(msgspec.Struct):
    """Why this school (its county's and its own earlier talks, rural, the city's priority, the week) and
    why this expert (the topic, travel, availability, the day's county, the load), in words."""

    school: list[str]
    expert: list[str]


class ProposedTalkOut(msgspec.Struct):
    request_id: int
    expert_id: int
    expert_name: str
    topic_id: int
    topic_title: str
    school_id: int
    school_name: str
    region_code: str
    region_name: str
    rural: bool
    division: str
    audience_size: int
    on_date: str
    slot: int
    why: WhyOut


class UnplacedOut(msgspec.Struct):
    """A request the planner could not place; ``reason``: no_topic | no_day | no_travel | booked |
    not_available | other_county | full; ``words`` says it."""

    request_id: int
    school_name: str
    region_name: str
    reason: str
    words: str
    division: str = ""


class CountyOut(msgspec.Struct):
    code: str
    name: str
    earlier_talks: int


class PreviewOut(msgspec.Struct):
    starts_on: str
    ends_on: str
    days: list[str]
    talks: list[ProposedTalkOut]
    unplaced: list[UnplacedOut]
    counties: list[CountyOut]


class TalkOut(msgspec.Struct):
    """A talk. ``audience``/``rating``/``comment`` once the school confirmed it; ``hours`` the expert's
    recorded hours (decimal string); ``why`` the planner's reasons (the office only)."""

    id: int
    tour_id: int
    tour_name: str
    request_id: int | None
    expert_id: int
    expert_name: str
    topic_id: int | None
    topic_title: str
    duration_minutes: int | None
    school_id: int
    school_code: str
    school_name: str
    region_code: str | None
    region_name: str
    rural: bool
    division: str
    audience_size: int | None
    hall: str
    on_date: str
    slot: int
    status: TalkStatus
    audience: int | None
    rating: int | None
    comment: str
    confirmed_at: str | None
    hours: str | None
    cancel_reason: str
    photos: int
    why: WhyOut
    days_since: int | None = None


class TourOut(msgspec.Struct):
    id: int
    name: str
    year: int
    starts_on: str
    ends_on: str
    status: TourStatus
    note: str
    confirmed_at: str | None
    cancel_reason: str
    talks: list[TalkOut]
    unplaced: list[UnplacedOut]
    counties: list[str]
    experts: list[int]
    schools: int
    max_day_travel_minutes: int = 0
    travel_minutes: list[TravelPairOut] = []


class TourSummaryOut(msgspec.Struct):
    id: int
    name: str
    year: int
    starts_on: str
    ends_on: str
    status: TourStatus
    talks: int
    delivered: int
    counties: int
    experts: int


class TalkPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Move a talk: another day, expert and/or topic; ``reason`` needed once the tour is confirmed."""

    on_date: str | None = None
    expert_id: int | None = None
    topic_id: int | None = None
    reason: str = ""


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    request_id: int
    expert_id: int
    on_date: str
    topic_id: int | None = None


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The school's confirmation: ``audience`` attended (1..5000), ``rating`` 1–5, an optional ``comment``."""

    audience: int
    rating: int
    comment: str = ""


class HoursIn(msgspec.Struct, forbid_unknown_fields=True):
    """Hours the expert spent (decimal string or number, 0 < hours <= 12)."""

    hours: str | float | int


class PhotoOut(msgspec.Struct):
    id: int
    talk_id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: str


class NoticeOut(msgspec.Struct):
    id: int
    kind: str
    text: str
    talk_id: int | None
    tour_id: int | None
    created_at: str
    at: str  # the time as shown (Asia/Shanghai)
    read: bool


class MarkedOut(msgspec.Struct):
    marked: int


class CountyNumbersOut(msgspec.Struct):
    code: str
    name: str
    talks: int
    schools: int
    audience: int
    rural_talks: int


class ExpertNumbersOut(msgspec.Struct):
    id: int
    name: str
    talks: int
    hours: str
    mean_rating: str | None


class NumbersOut(msgspec.Struct):
    """A calendar year's delivered talks (confirmed by their school): ``rural_share`` of talks and
    ``rural_audience_share`` of the audience (decimal strings, null without talks), ``expert_hours``
    (decimal string), ``mean_rating`` (2 places, null without ratings)."""

    year: int
    talks: int
    schools: int
    counties: int
    audience: int
    rural_talks: int
    rural_share: str | None
    rural_audience_share: str | None
    expert_hours: str
    experts: int
    ratings: int
    mean_rating: str | None
    rating_counts: dict[str, int]
    scheduled: int
    cancelled: int
    by_county: list[CountyNumbersOut]
    by_expert: list[ExpertNumbersOut]
