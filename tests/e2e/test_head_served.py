"""HEAD through a real server (uvicorn), where the scope's method decides whether a body is expected:
told GET, uvicorn waited for Content-Length bytes and failed the answer."""

from __future__ import annotations

import httpx


def test_head_through_uvicorn_answers_with_the_get_headers_and_no_body(world, live_server):
    with httpx.Client(base_url=live_server) as client:
        got = client.get("/login")
        head = client.head("/login")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
        css = client.head("/static/app.css", headers={"Accept-Encoding": "gzip"})
        assert css.status_code == 200 and css.headers["content-encoding"] == "gzip" and css.content == b""
        assert client.get("/login").status_code == 200  # the connection is still good after the HEADs
