"""Hainan's 19 cities and counties (GB/T 2260), the one place their codes and names live,
and matching free text to them.

Pure Python with no database access: the migration that creates the ``region`` table,
the services and the token loader all use it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, NamedTuple

PROVINCE_CODE = "460000"
PROVINCE_NAMES = ("海南省", "海南")
LEVELS = ("prefecture_city", "county_city", "county")


class RegionRecord(NamedTuple):
    code: str  # GB/T 2260, six digits
    name: str  # full name, as written in official lists
    short_name: str  # what people often write (海口, 白沙)
    level: str  # prefecture_city (地级市) | county_city (县级市) | county (县, 自治县)
    autonomous: bool  # ethnic autonomous county (民族自治县)
    sort_order: int
    parent_code: str = PROVINCE_CODE


REGIONS: tuple[RegionRecord, ...] = (
    RegionRecord("460100", "海口市", "海口", "prefecture_city", False, 1),
    RegionRecord("460200", "三亚市", "三亚", "prefecture_city", False, 2),
    RegionRecord("460300", "三沙市", "三沙", "prefecture_city", False, 3),
    RegionRecord("460400", "儋州市", "儋州", "prefecture_city", False, 4),
    RegionRecord("469001", "五指山市", "五指山", "county_city", False, 5),
    RegionRecord("469002", "琼海市", "琼海", "county_city", False, 6),
    RegionRecord("469005", "文昌市", "文昌", "county_city", False, 7),
    RegionRecord("469006", "万宁市", "万宁", "county_city", False, 8),
    RegionRecord("469007", "东方市", "东方", "county_city", False, 9),
    RegionRecord("469021", "定安县", "定安", "county", False, 10),
    RegionRecord("469022", "屯昌县", "屯昌", "county", False, 11),
    RegionRecord("469023", "澄迈县", "澄迈", "county", False, 12),
    RegionRecord("469024", "临高县", "临高", "county", False, 13),
    RegionRecord("469025", "白沙黎族自治县", "白沙", "county", True, 14),
    RegionRecord("469026", "昌江黎族自治县", "昌江", "county", True, 15),
    RegionRecord("469027", "乐东黎族自治县", "乐东", "county", True, 16),
    RegionRecord("469028", "陵水黎族自治县", "陵水", "county", True, 17),
    RegionRecord("469029", "保亭黎族苗族自治县", "保亭", "county", True, 18),
    RegionRecord("469030", "琼中黎族苗族自治县", "琼中", "county", True, 19),
)
REGION_NAMES: tuple[str, ...] = tuple(r.name for r in REGIONS)

# suffixes people add to or drop from a short name, longest first
_SUFFIXES = ("黎族苗族自治县", "黎族自治县", "自治县", "市", "县")
_SPACES = re.compile(r"\s+")


def normalize(text: object) -> str:
    """Full-width forms folded (NFKC), every space removed: ``" 海口市 "``, ``"４６０１００"``."""
    if text is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)))


def _core(text: str) -> str:
    for prefix in PROVINCE_NAMES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def find_region(text: object, regions: Iterable = REGIONS):
    """The region that ``text`` names, or ``None``. ``regions`` are :class:`RegionRecord`
    or row dicts with ``code``, ``name``, ``short_name``. Accepted: the code, the full
    name, the short name, and variants such as 海口 / 海口市 / 海南省海口市 / 白沙县 /
    白沙自治县 / 白沙黎族自治县, with spaces and full-width characters tolerated."""
    value = normalize(text)
    if not value:
        return None
    core = _core(value)
    for region in regions:
        code, name, short = (
            (region["code"], region["name"], region["short_name"])
            if isinstance(region, dict)
            else (region.code, region.name, region.short_name)
        )
        if value in (code, name, short) or core in (short, _core(name)):
            return region
    return None


def region_code_of(text: object) -> str | None:
    """The GB/T 2260 code ``text`` names, or ``None`` (no database needed)."""
    found = find_region(text)
    return found.code if found else None
