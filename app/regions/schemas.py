"""API answers of regions."""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.web.openapi import one_of


class RegionOut(msgspec.Struct):
    code: str
    name: str
    level: Annotated[str, one_of("prefecture_city", "county_city", "county")]
    autonomous: bool
