"""API bodies and answers of accounts: log-in, access token, password change, a new user."""
from __future__ import annotations


import msgspec


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


class UserIn(msgspec.Struct):
    username: str
    password: str
    role: str
    school_code: str | None = None
    city: str | None = None
    display_name: str | None = None

