"""A person logs in through the browser at tablet and phone sizes."""

from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, TABLET


def test_school_logs_in_and_sees_dashboard(world, live_server, browser):
    for viewport in (TABLET, PHONE):
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        page.goto(f"{live_server}/events/")
        assert "/login" in page.url  # not logged in: sent to the log-in page
        page.fill("input[name=username]", "hk01")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        assert "用户名或密码不正确" in page.inner_text(".flash.error")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(f"{live_server}/events")
        assert "/login" not in page.url
        page.close()
