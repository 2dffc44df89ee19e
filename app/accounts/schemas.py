"""API bodies and answers of accounts: log-in, access token, password change, users."""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.tables import ROLES
from app.web.openapi import one_of


class LoginIn(msgspec.Struct):
    username: str
    password: str


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = 0
    role: str = ""
    must_change_password: bool = False


class PasswordIn(msgspec.Struct):
    current_password: str
    new_password: str


# roles and their OpenAPI enum; the service checks a new user's role (422 with the valid ones)
Role = Annotated[str, one_of(*ROLES)]


class UserIn(msgspec.Struct):
    username: str
    password: str
    role: Role
    school_code: str | None = None
    city: str | None = None
    display_name: str | None = None


class AccessTokenOut(msgspec.Struct):
    """A fresh bearer token (after a password change)."""

    access_token: str
    token_type: str = "bearer"


class UserOut(msgspec.Struct):
    """An account: its school (school accounts) or its city/county (city accounts)."""

    id: int
    username: str
    role: Role
    display_name: str | None
    school_code: str | None
    city: str | None
    region_code: str | None


class UserListItem(UserOut):
    school_name: str | None
    is_active: bool
    must_change_password: bool
    locked: bool


class TemporaryPasswordOut(msgspec.Struct):
    temporary_password: str


class DeactivateIn(msgspec.Struct):
    """Why an account is deactivated (optional; kept in the audit log)."""

    reason: str | None = None


class ActiveOut(msgspec.Struct):
    """An account after deactivation or reactivation."""

    id: int
    username: str
    is_active: bool
