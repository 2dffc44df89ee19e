"""A real HTTP server for concurrency tests: the app under uvicorn on a free port, in a thread.

Litestar's TestClient always presents the client address ``testclient``; tests that need
truly parallel requests over sockets, or requests from different source addresses (the
per-address log-in delays and rate limits), use :class:`LiveServer` and :func:`parallel`.
Any address in 127.0.0.0/8 is local on Linux, so ``source="127.0.0.2"`` is another client.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import uvicorn


class LiveServer:
    """``with LiveServer(app) as server: server.url`` serves ``app`` until the block ends."""

    def __init__(self, app: Any) -> None:
        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        """A client whose requests come from ``source`` (a loopback address)."""
        return httpx.Client(base_url=self.url, transport=httpx.HTTPTransport(local_address=source), timeout=60)


def parallel(url: str, requests: list[dict[str, Any]], source: str = "127.0.0.1") -> list[httpx.Response]:
    """Send ``requests`` (``httpx.AsyncClient.request`` keyword arguments) all at once, each on
    its own connection from ``source``; the answers in the same order."""

    async def send() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
        transport = httpx.AsyncHTTPTransport(local_address=source, limits=limits)
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=120) as client:
            start = asyncio.Event()

            async def one(kwargs: dict[str, Any]) -> httpx.Response:
                await start.wait()  # every request waits for the others before going out
                return await client.request(**kwargs)

            tasks = [asyncio.create_task(one(kwargs)) for kwargs in requests]
            await asyncio.sleep(0)
            start.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(send())
