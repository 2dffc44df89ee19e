"""API bodies and answers of schools."""

from __future__ import annotations

import msgspec


class SchoolIn(msgspec.Struct):
    """``rural``: a rural school (农村); urban (城镇) when left out."""

    code: str
    name: str
    city: str
    rural: bool = False


class SchoolPatch(msgspec.Struct, omit_defaults=True):
    """Any of code, name, city, rural; what is left out (or null, or empty) stays as it is."""

    code: str | None | msgspec.UnsetType = msgspec.UNSET
    name: str | None | msgspec.UnsetType = msgspec.UNSET
    city: str | None | msgspec.UnsetType = msgspec.UNSET
    rural: bool | None | msgspec.UnsetType = msgspec.UNSET


class SchoolOut(msgspec.Struct):
    """A school: ``city`` is its city/county's name, ``region_code`` its GB/T 2260 code (null for
    a school whose free-text city matched no region); ``rural``: a rural school (农村)."""

    id: int
    code: str
    name: str
    city: str | None
    region_code: str | None
    contact_name: str = ""
    contact_phone_masked: str = ""  # 138****5678: the full number is never listed
    rural: bool = False  # 农村 (true) or 城镇 (false): the coverage report's town/country split


class NewAccount(msgspec.Struct):
    """A coordinator account made by the import: the initial password appears only here."""

    school_code: str
    school_name: str
    contact_name: str
    username: str
    password: str


class SchoolImportOut(msgspec.Struct):
    created: int
    updated: int
    accounts: list[NewAccount] = []
