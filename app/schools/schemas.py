"""API bodies of schools."""
from __future__ import annotations


import msgspec


class SchoolIn(msgspec.Struct):
    code: str
    name: str
    city: str


class SchoolPatch(msgspec.Struct, omit_defaults=True):
    code: str | None = None
    name: str | None = None
    city: str | None = None

