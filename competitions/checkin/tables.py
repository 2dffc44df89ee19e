"""Check-in tables: sessions with time windows, one check-in per member and session, refused scans."""

from __future__ import annotations

from piccolo.columns import (
    ForeignKey,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import User
from competitions.events.tables import Event
from competitions.registration.tables import Member


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
