"""The baseline of ``bench/checkin.py`` and ``bench/pages.py``: a bare Litestar app, no middleware,
no database: ``POST /scan`` parses a scan body and answers a scan-sized JSON document; ``GET /page``
answers a small fixed HTML page."""

from __future__ import annotations

import msgspec
from litestar import Litestar, MediaType, get, post


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


PAGE = "<!doctype html><html><head><title>bare</title></head><body>" + "<p>新苗 bare page</p>" * 20 + "</body></html>"


_sized: dict[int, bytes] = {}


@get("/page", media_type=MediaType.HTML)
async def page(size: int = 0) -> str | bytes:
    """A small page, or with ``?size=N`` a page of N bytes (the same text repeated; made once)."""
    if size <= 0:
        return PAGE
    if size not in _sized:
        _sized[size] = (PAGE.encode() * (size // len(PAGE.encode()) + 1))[:size]
    return _sized[size]


app = Litestar(route_handlers=[scan, page])
