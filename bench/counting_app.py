"""The service as ``app.main:app`` serves it, plus ``X-Queries``: how many database queries the
request ran (``bench/pages.py`` reads it; never used outside the benchmarks). Counted at Piccolo's
``run_querystring``, which every query, raw or not, in a transaction or not, goes through."""

from __future__ import annotations

import contextvars
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.main import app as service

_count: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("bench_queries", default=None)


def _counting(run: Any) -> Any:
    async def run_querystring(self: Any, *args: Any, **kwargs: Any) -> Any:
        held = _count.get()
        if held is not None:
            held[0] += 1
        return await run(self, *args, **kwargs)

    return run_querystring


for _engine in (SQLiteEngine, PostgresEngine):
    _engine.run_querystring = _counting(_engine.run_querystring)  # type: ignore[method-assign]


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        await service(scope, receive, send)
        return
    held = [0]
    _count.set(held)

    async def counted(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"x-queries", str(held[0]).encode())]}
        await send(message)

    await service(scope, receive, counted)
