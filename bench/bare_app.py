"""The baseline of ``bench/checkin.py``: a bare Litestar app with one JSON endpoint that
parses a scan body and answers a scan-sized JSON document, no middleware, no database."""

from __future__ import annotations

import msgspec
from litestar import Litestar, post


class ScanIn(msgspec.Struct):
    session_id: int
    token: str
    device: str | None = None


@post("/scan", status_code=200)
async def scan(data: ScanIn) -> dict:
    return {
        "result": "checked_in",
        "first_checked_in_at": "2026-05-01T08:00:00+08:00",
        "participant": {"id": 1, "name": "李明", "school_name": "海口市第一中学"},
        "token": data.token,
    }


app = Litestar(route_handlers=[scan])
