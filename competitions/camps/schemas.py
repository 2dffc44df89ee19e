"""API shapes of camps (CONTRACT.md "Camps"; added fields are extra)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

ApplicationStatus = Literal[
    "applied",
    "offered",
    "accepted",
    "declined",
    "expired",
    "waiting",
    "unplaced",
    "withdrawn",
    # the talent programme's applications answer through the same endpoints (competitions/talent)
    "invited",
    "not_invited",
    "matched",
    "unmatched",
    "left",
    "completed",
    "failed",
]


class PriorityGroup(msgspec.Struct):
    code: str
    label: str


class CampSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    priority_groups: list[PriorityGroup] | None = None
    eligible_grades: list[str] | None = None
    offer_hours: int | None = None
    leader_ratio: int | None = None  # students per leading teacher (default 10)
    completion_threshold: int | None = None  # percent of required activities attended to complete (default 80)


class CampSettingsOut(msgspec.Struct):
    priority_groups: list[PriorityGroup]
    eligible_grades: list[str]
    offer_hours: int
    committed: bool
    drawn: bool
    allocated: bool
    ranking_size: int
    leader_ratio: int = 10
    completion_threshold: int = 80


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    host: str = ""
    capacity: int = 0
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    reserves: dict[str, str] | None = None
    city: str = ""
    divisions: list[str] | None = None
    grades: list[str] | None = None
    contact_name: str = ""
    contact_phone: str = ""
    report_time: str = ""
    report_place: str = ""


class SitePatch(msgspec.Struct, forbid_unknown_fields=True):
    code: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    host: str | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType = msgspec.UNSET
    starts_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    ends_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    reserves: dict[str, str] | None | msgspec.UnsetType = msgspec.UNSET
    city: str | msgspec.UnsetType = msgspec.UNSET
    divisions: list[str] | None | msgspec.UnsetType = msgspec.UNSET
    grades: list[str] | None | msgspec.UnsetType = msgspec.UNSET
    contact_name: str | msgspec.UnsetType = msgspec.UNSET
    contact_phone: str | msgspec.UnsetType = msgspec.UNSET
    report_time: str | msgspec.UnsetType = msgspec.UNSET
    report_place: str | msgspec.UnsetType = msgspec.UNSET


class SiteOut(msgspec.Struct):
    id: int
    code: str
    name: str
    host: str
    city: str
    starts_on: str | None
    ends_on: str | None
    capacity: int
    reserves: dict[str, str]  # group code -> share (decimal text)
    reserved_seats: dict[str, int]
    divisions: list[str]
    grades: list[str]
    contact_name: str
    contact_phone: str
    offered: int
    accepted: int
    report_time: str = ""
    report_place: str = ""


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    gender: str
    id_number: str
    grade: str
    phone: str
    preferences: list[str]
    consent_participation: bool
    id_type: str = ""
    priority_group: str = ""
    consent_publication: bool = False
    school_code: str = ""
    subject: str = ""  # talent programme: the subject (学科) code or name; preferences are mentors
    statement: str = ""  # talent programme: the student's statement (申请陈述)


class ApplicationOut(msgspec.Struct):
    id: int
    name: str
    school_code: str
    preferences: list[str]
    priority_group: str | None
    status: ApplicationStatus
    site_code: str | None
    waiting_position: int | None
    offer_expires_at: dt.datetime | None
    entry_id: int
    entry_code: str
    school_name: str
    priority_checked: bool
    review_status: str
    preference_rank: int | None
    waiting_positions: dict[str, int]
    lottery_number: str | None
    explanation: str | msgspec.UnsetType = msgspec.UNSET
    duplicate_of: list[int] | msgspec.UnsetType = msgspec.UNSET  # organizers: other applications naming the student
    allocation_round: int | None = None  # the round that placed it: 1, or a 补录 round
    former_site_code: str | None = None  # declined or expired: the site it was offered (reinstating offers it again)
    offer_note: str = ""  # the organizer's reason for an offer made or reinstated by hand
    priority_note: str = ""  # why the priority flag was not confirmed (city or organizer)
    # talent programme only: the subject, the student's grade and gender, the aptitude test score, the
    # matched mentor's name (``site_code`` is its code) and the statement
    subject: str | msgspec.UnsetType = msgspec.UNSET
    subject_name: str | msgspec.UnsetType = msgspec.UNSET
    grade: str | msgspec.UnsetType = msgspec.UNSET
    gender: str | msgspec.UnsetType = msgspec.UNSET
    test_score: str | None | msgspec.UnsetType = msgspec.UNSET
    mentor_name: str | None | msgspec.UnsetType = msgspec.UNSET
    statement: str | msgspec.UnsetType = msgspec.UNSET


class PriorityCheckIn(msgspec.Struct, forbid_unknown_fields=True):
    checked: bool = True  # false: the flag does not hold (``reason`` required, shown to the school)
    group: str | None = None  # correct the group (a code or label) before confirming
    reason: str | None = None


class CommitIn(msgspec.Struct, forbid_unknown_fields=True):
    public_source: str


class CommitOut(msgspec.Struct):
    commitment: str
    applications_hash: str
    public_source: str


class DrawIn(msgspec.Struct, forbid_unknown_fields=True):
    public_value: str


class DrawOut(msgspec.Struct):
    seed: str
    public_value: str
    order: list[int]


class LotteryOut(msgspec.Struct):
    commitment: str
    applications_hash: str
    application_ids: list[int]
    public_source: str
    public_value: str | None
    seed: str | None
    order: list[int] | None
    algorithm: str | None
    committed_at: dt.datetime | None
    drawn_at: dt.datetime | None


class RankingIn(msgspec.Struct, forbid_unknown_fields=True):
    applications: list[int | str]


class RankingOut(msgspec.Struct):
    ranked: int
    applications: int


class AllocationIn(msgspec.Struct, forbid_unknown_fields=True):
    # camps: required; the talent programme matches by each mentor's own ranking ("mentors", or leave out)
    priority: Literal["lottery", "ranking", "mentors"] | None = None
    apply: bool = False


class AssignmentOut(msgspec.Struct):
    application_id: int
    site_code: str | None
    preference_rank: int | None
    status: Literal["admitted", "waiting", "unplaced"]
    explanation: str
    priority_position: int


class SiteCountOut(msgspec.Struct):
    site_code: str
    capacity: int
    admitted: int
    waiting: int


class GroupCountOut(msgspec.Struct):
    group: str | None
    admitted: int
    waiting: int
    unplaced: int


class AllocationOut(msgspec.Struct):
    admitted: int
    waiting: int
    unplaced: int
    assignments: list[AssignmentOut]
    priority: str
    first_choice_share: str
    per_site: list[SiteCountOut]
    per_group: list[GroupCountOut]
    applied: bool
    duplicates: list[int] = []  # applications naming a student another application of the year names
    warnings: list[str] = []
    round: int = 1  # 1: the allocation; 2, 3, ...: 补录 rounds over the places left
    unlisted: list[int] = []  # 补录: approved applications the priority order does not list (not placed)
    applied_at: str | None = None  # stored rounds: when the round was applied (ISO 8601)
    # talent programme: pairs (application id, mentor code) that would block the matching (always empty:
    # an independent stability check)
    blocking_pairs: list[tuple[int, str]] | msgspec.UnsetType = msgspec.UNSET


class AppliedAllocationOut(msgspec.Struct):
    allocated_at: dt.datetime | None
    priority: str | None
    rounds: list[AllocationOut]


class SecondRoundIn(msgspec.Struct, forbid_unknown_fields=True):
    apply: bool = False


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    site_code: str
    reason: str


class ReinstateIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class TeacherIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    phone: str
    gender: str = ""
    school_code: str | None = None  # organizers: the school proposing


class TeacherOut(msgspec.Struct):
    id: int
    name: str
    gender: str
    school_code: str
    school_name: str
    phone_masked: str
    site_code: str | None
    fixed: bool
    why: str


class PlaceIn(msgspec.Struct, forbid_unknown_fields=True):
    site_code: str | None = None  # null: not leading


class SiteLeadersOut(msgspec.Struct):
    site_code: str
    site_name: str
    students: int
    needed: int
    teachers: list[TeacherOut]
    shortfall: int


class LeadersOut(msgspec.Struct):
    ratio: int
    sites: list[SiteLeadersOut]
    unused: list[TeacherOut]


class ActivityIn(msgspec.Struct, forbid_unknown_fields=True):
    site_code: str | None = None  # null or empty: not an activity of any site
    required: bool = True


class ActivityOut(msgspec.Struct):
    session_id: int
    name: str
    site_code: str | None
    required: bool
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class ActivityRef(msgspec.Struct):
    session_id: int
    name: str


class CompletionStudentOut(msgspec.Struct):
    application_id: int
    entry_id: int
    member_id: int | None
    school: int
    category: int
    division: str
    name: str
    school_code: str
    school_name: str
    status: str  # completed | short | in_progress (the site's last required activity is not over) | undecided
    attended: int
    share: str | None
    missed: list[str]
    reason: str


class CompletionSiteOut(msgspec.Struct):
    site_code: str
    site_name: str
    required: list[ActivityRef]
    optional: list[ActivityRef]
    needed: int | None
    completed: int
    short: int
    students: list[CompletionStudentOut]
    decided: bool = False  # every required activity is over: completed/short are final
    in_progress: int = 0


class CompletionOut(msgspec.Struct):
    threshold: int
    sites: list[CompletionSiteOut]
