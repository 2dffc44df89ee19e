"""The event loop every worker of ``xinmiao serve`` runs (issue 19): asyncio's selector loop that
lets in at most :data:`ACCEPT_BATCH` waiting connections per turn of the loop.

Why not the default loops (measured with ``bench/pages.py`` and a client opening 64 kept-alive
connections in two groups of 32, public results page of a 3,000-entry event):

- **uvloop** (uvicorn's default when installed): libuv accepts *one* connection per turn (libuv 1.45,
  "unix: don't accept() connections in a loop"). A busy turn serves every ready connection first,
  15-20 ms at 64 connections, so visitors arriving together were let in one per turn: the last of 32
  waited 480 ms for its first answer, and the page's p99 on one worker was 200-340 ms although no
  request spent over 2 ms inside the app.
- **asyncio** as it comes: accepts up to the listen backlog (2,048) per turn. With two workers
  sharing the listening socket, the worker that woke first took every waiting connection: in one
  run of four all 64 kept-alive connections sat on one worker and the other idled (2,234 requests/s
  instead of 4,486).

Sixteen per turn: newcomers wait at most a few turns, and two workers woken together share a burst
(32/32 in seven of twelve runs, 16/48 at worst). One worker: p99 18-33 ms at the same requests/s as uvloop.
"""

from __future__ import annotations

import asyncio
from typing import Any

ACCEPT_BATCH = 16  # waiting connections let in per turn of the loop, per worker


class ServingLoop(asyncio.SelectorEventLoop):
    """asyncio's selector event loop with :data:`ACCEPT_BATCH` accepts per turn (see the module).

    uvicorn's ``loop`` setting takes it as ``"app.serving:ServingLoop"`` (a loop factory)."""

    def _accept_connection(  # asyncio's own hook, called once per turn the listening socket is readable
        self,
        protocol_factory: Any,
        sock: Any,
        sslcontext: Any = None,
        server: Any = None,
        backlog: int = 100,
        *rest: Any,
    ) -> None:
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, min(backlog, ACCEPT_BATCH), *rest
        )
