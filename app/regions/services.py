"""Regions (GB/T 2260): list them, resolve what a user typed to one, and find schools and
accounts whose city names none (left over from the free-text days)."""

from __future__ import annotations

from typing import Any

from app.errors import ValidationFailed
from app.i18n import _
from app.region_codes import REGION_NAMES, find_region, normalize
from app.regions.tables import Region


async def list_regions() -> list[dict[str, Any]]:
    """``[{"code", "name", "short_name", "level", "autonomous", "parent_code", "sort_order"}]``
    in the province's order."""
    return (
        await Region.select(
            Region.code,
            Region.name,
            Region.short_name,
            Region.level,
            Region.autonomous,
            Region.parent_code,
            Region.sort_order,
        )
        .order_by(Region.sort_order)
        .order_by(Region.code)
    )


def region_error(
    text: object, field: str = "city", row: int | None = None, column: str | None = None
) -> dict[str, Any]:
    """The error for a value naming no region, listing the valid names: ``{"field",
    "message"}`` (forms, API) or ``{"row", "column", "message"}`` (workbooks)."""
    message = _(
        "“{city}”不是海南省的市县。请填写以下之一（也可填简称或区划代码）：{names}。",
        city=normalize(text) or str(text or "").strip(),
        names="、".join(REGION_NAMES),
    )
    if row is not None:
        return {"row": row, "column": column, "message": message}
    return {"field": field, "message": message}


def match_region(text: object, regions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The row of ``regions`` (from :func:`list_regions`) that ``text`` names, or ``None``."""
    return find_region(text, regions)


async def resolve_region(text: object, field: str = "city") -> dict[str, Any]:
    """The region row ``text`` names: its code (460100), full name (海口市), short name (海口)
    or a common variant (白沙县, 白沙黎族自治县, 海南省海口市), spaces and full-width
    characters tolerated. Raises :class:`ValidationFailed` (422) naming ``field`` and listing
    the valid names otherwise."""
    if not normalize(text):
        raise ValidationFailed(_("请填写所属市县。"), errors=[{"field": field, "message": _("请填写所属市县。")}])
    found = match_region(text, await list_regions())
    if found is None:
        error = region_error(text, field)
        raise ValidationFailed(error["message"], errors=[error])
    return found
