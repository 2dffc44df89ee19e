"""API shapes of the talent programme (CONTRACT.md "Talent programme and outreach"; the applications
and the allocation answer in the camps' shapes, :mod:`competitions.camps.schemas`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec


class TalentSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    eligible_grades: list[str] | None = None
    interview_minutes: int | None = None
    starts_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    midterm_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    final_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    log_interval_days: int | None = None
    hours_target: str | None = None


class TalentSettingsOut(msgspec.Struct):
    eligible_grades: list[str]
    cutoffs: dict[str, str]
    interview_minutes: int
    invited: bool
    matched: bool
    starts_on: str | None
    midterm_on: str | None
    final_on: str | None
    log_interval_days: int
    hours_target: str


class MentorIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    subject: str
    capacity: int
    university: str
    lab: str = ""
    title: str = ""
    topics: str = ""
    profile: str = ""
    public: bool = True


class MentorPatch(msgspec.Struct, forbid_unknown_fields=True):
    subject: str | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType = msgspec.UNSET
    university: str | msgspec.UnsetType = msgspec.UNSET
    lab: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    topics: str | msgspec.UnsetType = msgspec.UNSET
    profile: str | msgspec.UnsetType = msgspec.UNSET
    public: bool | msgspec.UnsetType = msgspec.UNSET


class MentorOut(msgspec.Struct):
    id: int
    event_id: int
    code: str
    username: str
    name: str
    title: str
    subject: str
    subject_name: str
    capacity: int
    university: str
    lab: str
    topics: str
    profile: str
    public: bool
    applicants: int
    students: int


class MentorOrderOut(msgspec.Struct):
    mentor: str
    order: list[int]
    refused: list[int]


class ScoresImportOut(msgspec.Struct):
    scores_recorded: int


class CutoffRowOut(msgspec.Struct):
    cutoff: str
    passing: int
    ratio: str | None


class SubjectCutoffOut(msgspec.Struct):
    code: str
    name: str
    applicants: int
    tested: int
    seats: int
    cutoff: str | None
    passing: int | None
    rows: list[CutoffRowOut]


class CutoffPreviewOut(msgspec.Struct):
    step: str
    subjects: list[SubjectCutoffOut]


class CutoffsIn(msgspec.Struct, forbid_unknown_fields=True):
    cutoffs: dict[str, str | int | None]


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: str
    place: str = ""


class InviteOut(msgspec.Struct):
    invited: int
    not_invited: int
    interviews: int


class InterviewOut(msgspec.Struct):
    id: int
    application_id: int
    name: str
    entry_code: str
    mentor_code: str
    mentor_name: str
    starts_at: dt.datetime | None
    place: str
    score: str | None


class InterviewPatch(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: str | None = None
    place: str | None = None


class InterviewMoved(msgspec.Struct):
    id: int
    starts_at: dt.datetime | None
    place: str


class ChoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    application_id: int
    rank: int | None = None
    refused: bool = False
    note: str = ""


class RankingIn(msgspec.Struct, forbid_unknown_fields=True):
    items: list[ChoiceIn]


class MentorApplicantOut(msgspec.Struct):
    """What a mentor sees of an applicant or student: never ID numbers, phones or birth dates."""

    id: int
    entry_id: int
    entry_code: str
    name: str
    gender: str
    grade: str
    school_name: str
    subject: str
    subject_name: str
    statement: str
    test_score: str | None
    preference_rank: int | None
    status: str
    student: bool
    interview_id: int | None
    interview_at: dt.datetime | None
    interview_place: str
    interview_score: str | None
    rank: int | None
    refused: bool
    note: str
    member_id: int | None


class MentorHomeOut(msgspec.Struct):
    mentor: MentorOut
    applicants: list[MentorApplicantOut]
    students: list[MentorApplicantOut]
    settings: TalentSettingsOut


class AdjustIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str
    mentor: str | None = None  # a mentor code; null: with no mentor


TalentStatus = Literal[
    "applied", "invited", "not_invited", "matched", "unmatched", "left", "completed", "failed", "withdrawn"
]


# --------------------------------------------------------------------------- the year of growth


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    plan: str


class LogIn(msgspec.Struct, forbid_unknown_fields=True):
    on: str
    activity: str
    hours: str | int
    reflection: str = ""


class AttachmentOut(msgspec.Struct):
    id: int
    filename: str
    kind: str
    size: int


class LogOut(msgspec.Struct):
    id: int
    on: str
    activity: str
    hours: str
    reflection: str
    attachments: list[AttachmentOut]
    mentor_comment: str
    created_at: dt.datetime | None = None
    comment_at: dt.datetime | None = None
    application_id: int | msgspec.UnsetType = msgspec.UNSET
    by_student: bool = False  # written by the student through its own link


class StudentLinkOut(msgspec.Struct):
    """A student's own link: whether one is live; ``token`` and ``path`` (``/talent/my/<token>``)
    only in the answer that made it (only a hash is kept: it cannot be shown again)."""

    application_id: int
    active: bool
    created_at: dt.datetime | None = None
    token: str | msgspec.UnsetType = msgspec.UNSET
    path: str | msgspec.UnsetType = msgspec.UNSET


class CommentIn(msgspec.Struct, forbid_unknown_fields=True):
    comment: str


class CommentOut(msgspec.Struct):
    id: int
    mentor_comment: str


class UploadedOut(msgspec.Struct):
    id: int
    filename: str
    content_type: str
    size: int


class MidtermIn(msgspec.Struct, forbid_unknown_fields=True):
    result: Literal["pass", "leave"]
    reason: str = ""


class FinalIn(msgspec.Struct, forbid_unknown_fields=True):
    result: Literal["excellent", "pass", "fail"]
    comment: str
    report_document: int | None = None


class DestinationIn(msgspec.Struct, forbid_unknown_fields=True):
    consent: bool
    university: str = ""
    major: str = ""


class DestinationOut(msgspec.Struct):
    application_id: int
    consent: bool
    university: str
    major: str


class VisitRef(msgspec.Struct):
    name: str
    starts_at: dt.datetime | None
    attended: bool


class DestinationView(msgspec.Struct):
    consent: bool
    university: str
    major: str
    recorded_at: dt.datetime | None


class RecordAbilities(msgspec.Struct):
    plan: bool
    log: bool
    comment: bool
    midterm: bool
    final: bool
    destination: bool


class StudentRecordOut(msgspec.Struct):
    """One student's year. ``application`` is the office/school view (camps' application shape) or, for
    the mentor, its view without personal data; ``destination`` is null for mentors."""

    application: dict[str, object]
    mentor: MentorOut | None
    plan: str
    plan_updated_at: dt.datetime | None
    logs: list[LogOut]
    hours: str
    visits: list[VisitRef]
    midterm: str | None
    midterm_reason: str
    midterm_at: dt.datetime | None
    final: str | None
    final_comment: str
    final_at: dt.datetime | None
    report: AttachmentOut | None
    documents: list[AttachmentOut]
    destination: DestinationView | None
    can: RecordAbilities


class CohortStudentOut(msgspec.Struct):
    id: int
    name: str
    school_name: str
    subject_name: str
    mentor_name: str | None
    mentor_university: str | None
    status: str
    logs: int
    hours: str
    last_log: dt.date | None
    plan: bool
    midterm: str | None
    final: str | None
    behind: list[str]
    destination: str


class CohortCounts(msgspec.Struct):
    training: int
    left: int
    completed: int
    failed: int


class CohortOut(msgspec.Struct):
    today: dt.date
    students: list[CohortStudentOut]
    behind: list[CohortStudentOut]
    counts: CohortCounts


class GraduateOut(msgspec.Struct):
    application_id: int
    name: str
    school_name: str
    subject_name: str
    final: str | None
    university: str
    major: str


class VisitIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    starts_at: str | None = None
    ends_at: str | None = None
    location: str = ""
    mentor: str | None = None  # the office: the mentor's code


class VisitCreated(msgspec.Struct):
    session_id: int
    name: str
    mentor: str


class VisitStudentOut(msgspec.Struct):
    application_id: int
    member_id: int | None
    name: str
    school_name: str
    attended: bool


class VisitOut(msgspec.Struct):
    id: int
    session_id: int
    name: str
    starts_at: dt.datetime | None
    location: str
    mentor_name: str
    students: list[VisitStudentOut]
    attended: int


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    member_ids: list[int]


class AttendanceResult(msgspec.Struct):
    member_id: int
    result: str


class AttendanceOut(msgspec.Struct):
    visit_id: int
    results: list[AttendanceResult]
