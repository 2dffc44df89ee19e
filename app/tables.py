"""Platform tables: schools, user accounts, audit trail, one-time log-in codes."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.regions.tables import Region

ROLES = ("organizer", "city", "school", "judge", "referee", "staff", "mentor", "expert")


class School(Table, tablename="school"):
    """A school; ``region`` is its city/county (GB/T 2260 code), ``city`` that region's
    name kept beside it for display (or the old free text where no region matched);
    ``rural``: a rural school (农村), else urban (城镇)."""

    code = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200, index=True)
    city = Varchar(length=64, index=True)
    region = ForeignKey(
        references=Region, target_column="code", null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    # the school's contact (联系人) for the office; the phone encrypted like members' phones
    contact_name = Varchar(length=50, default="")
    contact_phone_enc = Text(null=True, default=None)
    contact_phone_masked = Varchar(length=20, default="")
    # 农村 (rural) or 城镇 (urban): the coverage report's town/country split
    rural = Boolean(default=False)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class User(Table, tablename="app_user"):
    """An account. ``role`` is one of :data:`ROLES`; school accounts carry ``school``,
    city accounts carry ``region`` (GB/T 2260 code) and its name in ``city``."""

    username = Varchar(length=64, unique=True, index=True)
    password_hash = Varchar(length=200)
    role = Varchar(length=16, index=True)
    display_name = Varchar(length=100, default="")
    school = ForeignKey(references=School, null=True, default=None)
    city = Varchar(length=64, null=True, default=None)
    region = ForeignKey(references=Region, target_column="code", null=True, default=None, on_delete=OnDelete.restrict)
    is_active = Boolean(default=True)
    must_change_password = Boolean(default=False)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    # carried by access tokens and page sessions; +1 revokes them all (app.revocation)
    token_version = Integer(default=0)


class AuditLog(Table, tablename="audit_log"):
    """Who did what, when: ``changes`` maps field -> [old, new] with ID numbers and phones
    already masked; ``reason`` holds the stated reason where one is required."""

    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True, default=None)
    actor_name = Varchar(length=100, default="")
    action = Varchar(length=64, index=True)
    object_type = Varchar(length=32, index=True)
    object_id = Integer(null=True, default=None, index=True)
    event_id = Integer(null=True, default=None, index=True)
    entry_id = Integer(null=True, default=None, index=True)
    school_id = Integer(null=True, default=None, index=True)
    summary = Text(default="")
    changes = JSON(default={})
    reason = Text(default="")


class LoginCode(Table, tablename="login_code"):
    """A single-use log-in code (a judge scans it as a QR from the organizer): only its
    SHA-256 is stored; valid until ``expires_at``, spent when ``used_at`` is set."""

    code_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User)
    created_by = ForeignKey(references=User, null=True, default=None)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
