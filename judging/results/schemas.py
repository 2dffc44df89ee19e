"""API bodies of results: award adjustments, advancing to the final round, objections and their resolution, recommendations."""
from __future__ import annotations


from typing import Any

import msgspec


class AdjustIn(msgspec.Struct):
    entry_id: int
    award: str | None
    reason: str


class AdvanceIn(msgspec.Struct, omit_defaults=True):
    top_n: int | None = None
    top_share: Any = None


class ObjectionIn(msgspec.Struct):
    content: str
    entry_id: int | None = None
    raised_by: str = ""


class ResolveIn(msgspec.Struct):
    handling: str
    status: str = "resolved"


class RecommendIn(msgspec.Struct):
    entry_ids: list[int]

