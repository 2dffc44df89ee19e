"""API bodies and answers of registration: entries with members, entry patches, review
decisions, counts, the workbook import, documents and an entry's history."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from app.web.openapi import one_of
from competitions.events.schemas import Division
from competitions.registration.tables import DOCUMENT_KINDS, ENTRY_STATUSES

MemberRole = Annotated[str, one_of("student", "adviser")]
EntryStatus = Annotated[str, one_of(*ENTRY_STATUSES)]
DocumentKind = Annotated[str, one_of(*DOCUMENT_KINDS)]


class MemberIn(msgspec.Struct, omit_defaults=True):
    """A student or an adviser (``role`` also takes the workbook's words 学生, 辅导教师...)."""

    role: str
    name: str
    gender: str = ""
    id_type: str = ""
    id_number: str = ""
    grade: str = ""
    phone: str = ""
    consent_participation: bool = False
    consent_publication: bool = False


class EntryIn(msgspec.Struct, omit_defaults=True):
    title: str
    category_code: str
    division: Division
    summary: str = ""
    school_code: str | None = None
    members: list[MemberIn] = []
    submit: bool = False


class EntryPatch(msgspec.Struct, omit_defaults=True):
    """Any of title, category_code, division, summary; what is left out (or null) stays."""

    title: str | None | msgspec.UnsetType = msgspec.UNSET
    category_code: str | None | msgspec.UnsetType = msgspec.UNSET
    division: Annotated[str, one_of("小学", "初中", "高中")] | None | msgspec.UnsetType = msgspec.UNSET
    summary: str | None | msgspec.UnsetType = msgspec.UNSET


class ReviewIn(msgspec.Struct):
    """``approve``, or ``return`` with the ``reason`` the school sees. Approving an entry
    whose student another school registered too answers 409 naming the other entries
    unless ``confirm_duplicates`` is true (the reviewer checked them)."""

    decision: Annotated[str, one_of("approve", "return")]
    reason: str | None = None
    confirm_duplicates: bool = False


class ReviewManyIn(msgspec.Struct):
    """One decision for many entries of the event (``reason`` required for ``return``)."""

    entry_ids: list[int]
    decision: Annotated[str, one_of("approve", "return")]
    reason: str | None = None


class SkippedReview(msgspec.Struct):
    entry_id: int
    code: str
    detail: str  # why this entry was not changed, in words


class ReviewManyOut(msgspec.Struct):
    reviewed: list[int]
    skipped: list[SkippedReview]


class MemberOut(msgspec.Struct, omit_defaults=True):
    """A member: judges and others get ``id``, ``name``, ``role``; the organizer, the entry's
    city and school also the masked ID and phone, gender, grade and consents (never the birth
    date: beside a masked ID it narrows the number down; the grade says what a role needs)."""

    id: int
    name: str
    role: MemberRole
    gender: str | msgspec.UnsetType = msgspec.UNSET
    grade: str | msgspec.UnsetType = msgspec.UNSET
    id_type: str | msgspec.UnsetType = msgspec.UNSET
    id_masked: str | msgspec.UnsetType = msgspec.UNSET
    phone_masked: str | msgspec.UnsetType = msgspec.UNSET
    consent_participation: bool | msgspec.UnsetType = msgspec.UNSET
    consent_publication: bool | msgspec.UnsetType = msgspec.UNSET


class DuplicateEntryOut(msgspec.Struct):
    """One entry of a student registered by two or more schools (name as that school wrote it)."""

    entry_id: int
    entry_code: str
    entry_title: str
    status: EntryStatus
    status_label: str
    school_code: str
    school_name: str
    city: str | None
    member_id: int
    name: str


class DuplicateStudentOut(msgspec.Struct):
    """A student in entries of two or more schools of the event; the ID number masked as in every list."""

    id_masked: str
    entries: list[DuplicateEntryOut]


class DuplicateAlertOut(msgspec.Struct):
    """A school whose uploads matched many students of other schools (someone testing ID numbers?)."""

    school_code: str
    school_name: str
    rows: int  # students of other schools matched within the window
    checks: int  # uploads and entry forms checked within the window
    first_at: str | None
    last_at: str | None
    minutes: int
    message: str


class DuplicatesOut(msgspec.Struct):
    """Students registered by two or more schools (organizers: all; a city: those with entries of
    two of its own schools) and, for organizers, alerts about schools testing ID numbers."""

    duplicates: list[DuplicateStudentOut]
    alerts: list[DuplicateAlertOut]


class EntryOtherSchoolOut(msgspec.Struct):
    """Another school's entry in which a student of this entry is registered too."""

    name: str  # the student as this entry names him
    other_name: str  # ... and as the other school wrote it
    id_masked: str
    entry_id: int
    entry_code: str
    entry_title: str
    status: EntryStatus
    status_label: str
    school_code: str
    school_name: str
    city: str | None
    member_id: int


class EntryOut(msgspec.Struct):
    """An entry with its members (CONTRACT.md), its names, a return reason and when it changed."""

    id: int
    event_id: int
    code: str
    title: str
    school_code: str
    school_name: str
    city: str | None
    category_code: str
    category_name: str
    division: Division
    status: EntryStatus
    status_label: str
    return_reason: str | None
    summary: str
    updated_at: str | None
    members: list[MemberOut]
    # organizer, city, school: what the entry lacks before submission (min advisers, required documents)
    missing: list[str] | msgspec.UnsetType = msgspec.UNSET
    # organizer and city only: the same students in other schools' entries (never shown to a school)
    duplicates: list[EntryOtherSchoolOut] | msgspec.UnsetType = msgspec.UNSET


class MemberSavedOut(msgspec.Struct):
    """A member as stored (ID number and phone masked)."""

    id: int
    role: MemberRole
    name: str
    gender: str
    id_type: str
    id_masked: str
    grade: str
    phone_masked: str
    consent_participation: bool
    consent_publication: bool


class CountsOut(msgspec.Struct):
    """Entries per category name, division, city and status (withdrawn ones only under status)."""

    category: dict[str, int]
    division: dict[str, int]
    city: dict[str, int]
    status: dict[str, int]


class ImportOut(msgspec.Struct):
    """What a registration workbook created (``entries_replaced``: a school's earlier
    uploads replaced by this one)."""

    entries_created: int
    participants_created: int
    advisers_created: int
    entries_replaced: int
    # a school's entries still lacking required documents or advisers: kept as drafts
    entries_incomplete: int | msgspec.UnsetType = msgspec.UNSET


class ApplicationsImportOut(msgspec.Struct, omit_defaults=True):
    """What a camp's registration workbook created (one application per student row) and, for a
    re-upload, how many of the school's own still-editable applications its rows replaced."""

    applications_created: int
    applications_replaced: int = 0


class DocumentOut(msgspec.Struct):
    id: int
    entry_id: int
    kind: DocumentKind
    kind_label: str
    filename: str
    content_type: str
    size: int
    uploaded_at: str | None


class HistoryItem(msgspec.Struct):
    """One audited change: ``changes`` maps a field to ``[before, after]`` (ID numbers and phones masked)."""

    at: str
    actor_name: str | None
    action: str
    summary: str | None
    changes: Any
    reason: str | None


class PurgeIn(msgspec.Struct):
    """``{"reason", "dry_run"}``: purge an event's personal data (a reason is needed unless
    ``dry_run``, which only counts what would go)."""

    reason: str = ""
    dry_run: bool = False


class PurgeCounts(msgspec.Struct):
    """How many of each kind of personal data an event holds or a purge removed: members with an
    ID number, with a phone, with a birth date; uploaded documents; audit rows quoting masked values."""

    id_numbers: int
    phones: int
    birth_dates: int
    documents: int
    audit_rows: int


class PurgeOut(msgspec.Struct):
    """What a purge removed (or, with ``dry_run``, would remove); ``final``: the results are final
    (a purge is allowed); times ISO 8601 with offset."""

    event_id: int
    dry_run: bool
    purged: bool
    counts: PurgeCounts
    total: int
    final: bool
    finished_at: str | None
    due_at: str | None
    purged_at: str | None


class DueEventOut(msgspec.Struct):
    """A finished event whose personal data is due to be purged."""

    id: int
    name: str
    year: int
    finished_at: str
    due_at: str
    overdue_days: int
    personal_data_purged_at: str | None
