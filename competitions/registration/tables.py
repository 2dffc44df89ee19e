"""Registration tables: entries (作品 / 队伍), members (students and advisers; ID numbers and phones encrypted) and documents."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.events.tables import DOCUMENT_KINDS as DOCUMENT_KINDS  # the kinds live with the event's requirements
from competitions.events.tables import Category, Event

ENTRY_STATUSES = ("draft", "submitted", "recommended", "returned", "approved", "withdrawn")
ENTRY_STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待审查",
    "recommended": "市县已推荐",
    "returned": "已退回",
    "approved": "已通过",
    "withdrawn": "已撤回",
}


MEMBER_ROLES = ("student", "adviser")


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

    ``id_number_enc``/``phone_enc``/``birth_date_enc`` are encrypted (see :mod:`app.security`;
    the birth date as ``YYYY-MM-DD`` text, never stored in clear: next to a masked ID it would
    rebuild the number); ``id_hash``
    is the keyed hash for duplicate checks; ``student_key`` equals ``id_hash`` for
    students and is NULL for advisers (and for withdrawn entries), so a unique index on
    (event, school, student_key) keeps a student in at most one entry of a school per event.
    ``school`` is the entry's school, copied so the index can hold it. Two schools may both
    register one student (he changed school, or both claim him): a school is never told of
    the other school's registration (that answer rebuilt ID numbers, issue 11); organizers
    settle the pair from the duplicates list (:mod:`competitions.registration.duplicates`).
    """

    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(references=School, null=True, default=None, index=True)
    role = Varchar(length=8)
    name = Varchar(length=64)
    gender = Varchar(length=2, default="")
    id_type = Varchar(length=16, default="居民身份证")
    id_number_enc = Text(null=True, default=None)
    id_hash = Varchar(length=64, null=True, default=None, index=True)
    id_masked = Varchar(length=32, default="")
    student_key = Varchar(length=64, null=True, default=None)
    birth_date_enc = Text(null=True, default=None)
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


class CrossSchoolHit(Table, tablename="cross_school_hit"):
    """Counted silently, never shown to the school: per event, school and 10-minute ``bucket``,
    how many uploads and entry forms of the school were checked (``checks``) and how many of
    their students other schools had already registered in the event (``rows``). Many such
    rows in a short time look like someone testing ID numbers; organizers see an alert on the
    duplicates list (:mod:`competitions.registration.duplicates`). Unique (event, school, bucket)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(references=School, on_delete=OnDelete.cascade, index=True)
    bucket = Timestamptz()
    rows = Integer(default=0)
    checks = Integer(default=0)
    first_hit_at = Timestamptz(null=True, default=None)
    last_hit_at = Timestamptz(null=True, default=None)
    last_actor = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
