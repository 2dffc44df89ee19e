"""HEAD answered as GET without the body (RFC 9110 §9.3.2).

Litestar routes a HEAD request only to handlers declared for HEAD, so every page answered
HEAD with 405: link checkers, uptime monitors and chat apps' link previews that ask HEAD
first were told the public results page does not exist. :func:`head_as_get` wraps the
application's ASGI handler: a HEAD request runs the GET handler (same status, headers,
``ETag`` and ``Content-Length``) and the body is dropped on the way out. Paths without a GET
handler still answer 405.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def head_as_get(app: ASGIApp) -> ASGIApp:
    """``app`` with HEAD requests served by its GET handlers, body left out."""

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return
        # a copy: the server keeps its own scope saying HEAD (uvicorn then expects no body; told GET
        # it would wait for Content-Length bytes and fail the response)
        scope = {**scope, "method": "GET"}  # type: ignore[assignment]

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed body: nothing goes out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await app(scope, receive, send_headers_only)

    return handler


def install(app: Any) -> None:
    """Wrap ``app``'s (a :class:`litestar.Litestar`) ASGI handler with :func:`head_as_get`."""
    app.asgi_handler = head_as_get(app.asgi_handler)
