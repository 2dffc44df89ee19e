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
