"""A real HTTP server for concurrency tests: the app under uvicorn on a free port, in a thread.

Litestar's TestClient always presents the client address ``testclient``; tests that need
truly parallel requests over sockets, or requests from different source addresses (the
per-address log-in delays and rate limits), use :class:`LiveServer` and :func:`parallel`.
Any address in 127.0.0.0/8 is local on Linux, so ``source="127.0.0.2"`` is another client.

Tests that need the service as a process of its own (its own connection pools, a database held
by another process, a service to back up while it runs) use :func:`serve` (``xinmiao serve`` in
a subprocess) and :func:`xinmiao` (the command).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import uvicorn

from app.cli import EVENT_LOOP


class LiveServer:
    """``with LiveServer(app) as server: server.url`` serves ``app`` until the block ends."""

    def __init__(self, app: Any) -> None:
        self.config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            loop=EVENT_LOOP,  # as xinmiao serve
        )
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

    # in a thread of its own: after the browser tests a Playwright loop may be running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, send()).result()


# --------------------------------------------------------------------------- the service as a process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a service on ``data_dir`` (its key file there unless
    ``XINMIAO_SECRET_KEY`` is given in ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINMIAO_")}
    env.update({"XINMIAO_DATA_DIR": str(data_dir), "PICCOLO_CONF": "app.piccolo_conf", **extra})
    if database_url:
        env["XINMIAO_DATABASE_URL"] = database_url
    return env


def xinmiao(*args: str, env: dict[str, str], input: str | None = None) -> subprocess.CompletedProcess:
    """Run the ``xinmiao`` command (``python -m app.cli``) and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, input=input, capture_output=True, text=True, timeout=120
    )


@contextlib.contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """``xinmiao serve`` on a free port until the block ends; yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise AssertionError(f"the service did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
