"""Tables for events, categories, entries, members (students and advisers) and documents."""
from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User

EVENT_KINDS = ("innovation", "robotics", "camp")
DIVISIONS = ("小学", "初中", "高中")
ENTRY_STATUSES = ("draft", "submitted", "recommended", "returned", "approved", "withdrawn")
MEMBER_ROLES = ("student", "adviser")
DOCUMENT_KINDS = ("application_form", "research_report", "novelty_report", "photo", "other")


class Event(Table, tablename="event"):
    """A contest, competition or camp. Team limits apply per entry; judging settings
    (``aggregation`` ... ``award_third``) follow CONTRACT.md's scoring rules."""

    name = Varchar(length=200)
    kind = Varchar(length=16, index=True)
    year = Integer()
    divisions = JSON(default=list(DIVISIONS))
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    min_team_size = Integer(default=1)
    max_team_size = Integer(default=3)
    max_advisers = Integer(default=2)
    city_review_required = Boolean(default=False)
    aggregation = Varchar(length=16, default="mean")
    trim_min_scores = Integer(default=5)
    score_decimals = Integer(default=2)
    award_first = Varchar(length=16, default="0.15")
    award_second = Varchar(length=16, default="0.25")
    award_third = Varchar(length=16, default="0.35")
    judge_city_conflict = Boolean(default=False)
    national_quota = Integer(null=True, default=None)
    award_min_score = Varchar(length=16, null=True, default=None)
    next_entry_seq = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Category(Table, tablename="category"):
    """A 学科 (innovation) or 赛项 (robotics). ``school_quota``: entries each school may
    register in it; ``city_quota``: entries each city may recommend; ``None`` = no limit."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=32)
    name = Varchar(length=100)
    school_quota = Integer(null=True, default=None)
    city_quota = Integer(null=True, default=None)
    position = Integer(default=0)


class Entry(Table, tablename="entry"):
    """An entry (作品/队伍) of one school in one category and division.

    Status flow: draft -> submitted -> (recommended, when the city reviews first) ->
    approved; submitted/recommended -> returned -> submitted; any -> withdrawn.
    """

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=32, index=True)
    title = Varchar(length=200)
    school = ForeignKey(references=School, index=True)
    category = ForeignKey(references=Category, index=True)
    division = Varchar(length=8)
    status = Varchar(length=16, default="draft", index=True)
    return_reason = Text(default="")
    summary = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    city_reviewed_at = Timestamptz(null=True, default=None)


class Member(Table, tablename="member"):
    """A student (participant) or adviser of one entry.

    ``id_number_enc``/``phone_enc`` are encrypted (see :mod:`app.security`); ``id_hash``
    is the keyed hash for duplicate checks; ``student_key`` equals ``id_hash`` for
    students and is NULL for advisers, so a unique index on (event, student_key) keeps
    a student in at most one entry per event.
    """

    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=8)
    name = Varchar(length=64)
    gender = Varchar(length=2, default="")
    id_type = Varchar(length=16, default="居民身份证")
    id_number_enc = Text(null=True, default=None)
    id_hash = Varchar(length=64, null=True, default=None, index=True)
    id_masked = Varchar(length=32, default="")
    student_key = Varchar(length=64, null=True, default=None)
    birth_date = Date(null=True, default=None)
    grade = Varchar(length=16, default="")
    phone_enc = Text(null=True, default=None)
    phone_masked = Varchar(length=20, default="")
    consent_participation = Boolean(default=False)
    consent_publication = Boolean(default=False)
    consent_recorded_by = ForeignKey(references=User, null=True, default=None)
    consent_recorded_at = Timestamptz(null=True, default=None)
    position = Integer(default=0)
    credential_generation = Integer(default=1)


class EntryDocument(Table, tablename="entry_document"):
    """An uploaded file of an entry (申报书, 研究报告, 查新报告, photo), stored under the
    data directory as ``storage_key``."""

    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=24)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    size = Integer()
    storage_key = Varchar(length=100)
    uploaded_by = ForeignKey(references=User, null=True, default=None)
    uploaded_at = Timestamptz()


class CheckinSession(Table, tablename="checkin_session"):
    """A check-in session (签到场次) of an event: 报到, 开幕式, a camp activity. ``starts_at``/
    ``ends_at`` are the planned window (optional); scans outside it are still recorded and
    flagged."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    location = Varchar(length=100, default="")
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()


class Checkin(Table, tablename="checkin"):
    """One member checked in at one session. A unique index on (checkin_session, member)
    makes the database refuse a second check-in. ``checked_in_at`` is when the scan was made
    (the device's time for queued scans), ``recorded_at`` when the server stored it;
    ``client_scan_id`` is the device's id of the scan (idempotent replays)."""

    checkin_session = ForeignKey(references=CheckinSession, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    checked_in_at = Timestamptz()
    recorded_at = Timestamptz()
    device = Varchar(length=64, default="")
    staff = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    client_scan_id = Varchar(length=64, null=True, default=None)
    method = Varchar(length=8, default="qr")


class RejectedScan(Table, tablename="rejected_scan"):
    """A scan that did not check anyone in because the credential was revoked, for another
    event, or forged. Kept so organizers see attempts; ``token_prefix`` holds at most the
    first 8 characters of what was scanned (credentials hold no personal data)."""

    checkin_session = ForeignKey(references=CheckinSession, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.set_null)
    result = Varchar(length=16)
    token_prefix = Varchar(length=16, default="")
    scanned_at = Timestamptz()
    device = Varchar(length=64, default="")
    staff = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    client_scan_id = Varchar(length=64, null=True, default=None)
