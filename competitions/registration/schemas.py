"""API bodies of registration: entries with members, entry patches, review decisions."""
from __future__ import annotations


import msgspec


class MemberIn(msgspec.Struct, omit_defaults=True):
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
    division: str
    summary: str = ""
    school_code: str | None = None
    members: list[MemberIn] = []
    submit: bool = False


class EntryPatch(msgspec.Struct, omit_defaults=True):
    title: str | None = None
    category_code: str | None = None
    division: str | None = None
    summary: str | None = None


class ReviewIn(msgspec.Struct):
    decision: str
    reason: str | None = None

