"""Read a Server-Sent Events stream from the app under test, event by event.

Litestar's TestClient runs a request to its end before it returns the response, so an
endless ``text/event-stream`` would never come back. :class:`EventStream` calls the ASGI app
on the TestClient's own event loop (its blocking portal) with the client's cookies, hands
each event to the test as it is sent, and disconnects like a browser closing the tab.
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from typing import Any
from urllib.parse import urlsplit


class EventStream:
    def __init__(self, client: Any, path: str, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._buffer = ""
        self._disconnect: asyncio.Event | None = None
        url = urlsplit(path)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        raw_headers = [(b"host", b"testserver.local"), (b"accept", b"text/event-stream")]
        if cookie:
            raw_headers.append((b"cookie", cookie.encode("latin-1")))
        for k, v in (headers or {}).items():
            raw_headers.append((k.lower().encode(), v.encode()))
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": url.path,
            "raw_path": url.path.encode(),
            "root_path": "",
            "query_string": url.query.encode(),
            "headers": raw_headers,
            "client": ("testclient", 50000),
            "server": ("testserver.local", 80),
            "extensions": {"http.response.template": {}},
        }

    def __enter__(self) -> EventStream:
        portal = self.client.blocking_portal

        async def make_event() -> asyncio.Event:
            return asyncio.Event()

        self._disconnect = portal.call(make_event)
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._disconnect.wait()  # the browser closes the tab, or the response is over (as servers do)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            self._messages.put(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self._disconnect.set()

        self._future = portal.start_task_soon(self.client.app, self.scope, receive, send)
        start = self._next_message(10)
        assert start["type"] == "http.response.start", start
        self.status = start["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
        return self

    def _next_message(self, timeout: float) -> dict[str, Any]:
        return self._messages.get(timeout=timeout)

    def next_event(self, timeout: float = 20.0, *, comments: bool = False) -> dict[str, Any]:
        """The next event: ``{"event", "data" (parsed JSON), "retry"?}``, or with
        ``comments`` a comment as ``{"comment": text}``. Raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while True:
            while "\r\n\r\n" in self._buffer:
                block, self._buffer = self._buffer.split("\r\n\r\n", 1)
                event = self._parse(block)
                if event.get("comment") is not None and not comments:
                    continue
                return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event")
            try:
                message = self._next_message(left)
            except queue.Empty:
                raise TimeoutError("no event") from None
            if message["type"] == "http.response.body":
                self._buffer += message.get("body", b"").decode()
                if not message.get("more_body", False) and "\r\n\r\n" not in self._buffer:
                    raise EOFError("the stream ended")

    @staticmethod
    def _parse(block: str) -> dict[str, Any]:
        event: dict[str, Any] = {"event": "message", "data": None}
        data: list[str] = []
        for line in block.split("\r\n"):
            if line.startswith(":"):
                return {"comment": line[1:].strip()}
            name, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name in ("event", "id", "retry"):
                event[name] = value
        if data:
            event["data"] = json.loads("\n".join(data))
        return event

    def close(self) -> None:
        if self._disconnect is not None:
            self.client.blocking_portal.call(self._disconnect.set)
            self._future.result(timeout=10)
            self._disconnect = None

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def wait_for(predicate, timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
