"""API bodies and answers of check-in: sessions, scans (by credential or by name), the live
view of a session, members found by name, credentials."""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.web.openapi import one_of
from competitions.registration.schemas import EntryStatus, MemberRole

ScanResult = Annotated[str, one_of("checked_in", "already_checked_in", "revoked", "wrong_event")]


class SessionIn(msgspec.Struct, omit_defaults=True):
    name: str
    starts_at: str | None = None
    ends_at: str | None = None
    location: str = ""


class SessionPatch(msgspec.Struct, omit_defaults=True):
    """Any of name, starts_at, ends_at, location (``""`` clears a time); what is left out (or null) stays."""

    name: str | None | msgspec.UnsetType = msgspec.UNSET
    starts_at: str | None | msgspec.UnsetType = msgspec.UNSET
    ends_at: str | None | msgspec.UnsetType = msgspec.UNSET
    location: str | None | msgspec.UnsetType = msgspec.UNSET


class ScanIn(msgspec.Struct, omit_defaults=True):
    session_id: int
    token: str
    client_scan_id: str | None = None
    scanned_at: str | None = None
    device: str | None = None


class ManualIn(msgspec.Struct, omit_defaults=True):
    session_id: int
    member_id: int
    client_scan_id: str | None = None
    scanned_at: str | None = None
    device: str | None = None


class ReissueIn(msgspec.Struct):
    reason: str


class SessionOut(msgspec.Struct):
    """A check-in session: times ISO 8601 (+08:00), ``window`` as display text, ``state``
    upcoming / open / closed (null without times)."""

    id: int
    event_id: int
    event_name: str | None
    name: str
    location: str | None
    starts_at: str | None
    ends_at: str | None
    window: str | None
    state: Annotated[str, one_of("upcoming", "open", "closed")] | None


class ParticipantOut(msgspec.Struct):
    id: int
    name: str
    school_name: str | None
    role: MemberRole
    entry_code: str | None
    entry_title: str | None


class ScanOut(msgspec.Struct):
    """The answer to a scan (CONTRACT.md) with what the scanner shows: ``message``, the first
    check-in's time of day, whether the scan came outside the session's window, and for
    ``revoked`` the ``reason`` (reissued, withdrawn, not_approved)."""

    result: ScanResult
    first_checked_in_at: str | None
    participant: ParticipantOut
    first_checked_in_time: str | None
    message: str
    outside_window: bool
    session_id: int
    client_scan_id: str | None
    reason: Annotated[str, one_of("reissued", "withdrawn", "not_approved")] | None


class UndoOut(msgspec.Struct):
    member_id: int
    session_id: int
    undone_checked_in_at: str | None


class MemberFoundOut(msgspec.Struct):
    """A member found by name, entry or school, with their check-in at this session (never ID numbers or phones)."""

    id: int
    name: str
    role: MemberRole
    school_name: str | None
    entry_code: str | None
    entry_title: str | None
    entry_status: EntryStatus
    can_check_in: bool
    checked_in_at: str | None
    checked_in_time: str | None


class LiveSchool(msgspec.Struct):
    school_id: int
    code: str
    name: str
    expected: int
    arrived: int
    arrived_other: int


class LiveMissing(msgspec.Struct):
    id: int
    name: str
    role: MemberRole
    school_code: str | None
    school_name: str | None
    entry_code: str | None
    entry_title: str | None


class LiveCheckin(msgspec.Struct):
    member_id: int
    name: str | None
    school_name: str | None
    entry_code: str | None
    checked_in_at: str | None
    time: str | None
    device: str | None
    method: str | None
    staff: str | None


class LiveOut(msgspec.Struct):
    """Who has arrived at a session: per school (fewest arrived share first), who is missing,
    the last 20 check-ins, refused scans by result."""

    session: SessionOut
    expected: int
    arrived: int
    arrived_expected: int
    schools: list[LiveSchool]
    missing: list[LiveMissing]
    recent: list[LiveCheckin]
    rejected: dict[str, int]


class CredentialOut(msgspec.Struct):
    """A member's new credential text (what ``checkin/scan`` takes as ``token``)."""

    member_id: int
    credential: str
