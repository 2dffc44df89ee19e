"""API bodies of events: a new event, a category."""
from __future__ import annotations


import msgspec


class EventIn(msgspec.Struct, omit_defaults=True):
    name: str
    kind: str
    year: int
    registration_opens_at: str | None = None
    registration_closes_at: str | None = None
    divisions: list[str] | None = None
    min_team_size: int | None = None
    max_team_size: int | None = None
    max_advisers: int | None = None
    city_review_required: bool | None = None
    default_categories: bool = True


class CategoryIn(msgspec.Struct, omit_defaults=True):
    code: str
    name: str
    school_quota: int | None = None
    city_quota: int | None = None

