"""The ``region`` table: Hainan's cities and counties with their GB/T 2260 codes, filled by
the migration from :data:`app.region_codes.REGIONS`. Schools and city accounts refer to a
region by its code (``School.region``, ``User.region``)."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table


class Region(Table, tablename="region"):
    """``level``: prefecture_city (地级市) | county_city (县级市) | county (县, 自治县);
    ``autonomous``: an ethnic autonomous county."""

    code = Varchar(length=6, unique=True, index=True)
    name = Varchar(length=32)
    short_name = Varchar(length=16)
    level = Varchar(length=16)
    autonomous = Boolean(default=False)
    parent_code = Varchar(length=6, default="460000")
    sort_order = Integer(default=0)
