"""One time module: every clock reading and the Asia/Shanghai zone come from ``app.times``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    p
    for package in ("app", "competitions", "judging")
    for p in (ROOT / package).rglob("*.py")
    if "piccolo_migrations" not in p.parts and p != ROOT / "app" / "times.py"
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_ad_hoc_clock_or_zone(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"datetime\.(now|utcnow)\(|ZoneInfo\(|timezone\.utc", text), path
