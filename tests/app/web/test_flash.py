"""``app.web.flash`` for a visitor without a session: an anonymous visit has no session on the server
(``Empty``, see app.web.auth), so the message starts one and the next page shows it, once."""

from __future__ import annotations

from litestar import Request, get
from litestar.testing import TestClient

from app.web import flash, redirect


@get("/_test/anonymous-flash", include_in_schema=False)
async def anonymous_flash(request: Request) -> object:
    flash(request, "匿名访客的提示")
    return redirect("/login")


def test_an_anonymous_visitor_sees_its_flashed_message_on_the_next_page_once(settings):
    from app.factory import create_app

    app = create_app(settings)
    app.register(anonymous_flash)
    with TestClient(app=app, raise_server_exceptions=False) as browser:
        assert browser.get("/login").status_code == 200
        assert browser.cookies.get("xinmiao_session") is None  # anonymous: no session yet
        first = browser.get("/_test/anonymous-flash", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/login"
        assert browser.cookies.get("xinmiao_session")  # the message started one
        shown = browser.get("/login")
        assert (
            shown.status_code == 200 and '<div class="flash success" role="status">匿名访客的提示</div>' in shown.text
        )
        assert "匿名访客的提示" not in browser.get("/login").text  # shown once
