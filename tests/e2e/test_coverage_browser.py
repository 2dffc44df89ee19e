"""The coverage page in Chromium on a laptop and a phone: the map and the charts draw, each beside its
table; nothing is wider than the screen; a county on the map leads to its row; no CSP violation."""

from __future__ import annotations

from tests.competitions.coverage.conftest import YEAR, camp, province, talent  # noqa: F401 - fixtures
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE

LAPTOP = {"width": 1366, "height": 900}


def _log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_coverage_page_on_a_laptop_and_a_phone(world, province, live_server, browser):  # noqa: F811
    for viewport in (LAPTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = _log_in(context, live_server, "org")
        page.goto(f"{live_server}/coverage/?year={YEAR}")
        assert page.locator("svg.chart.map").is_visible()
        assert page.locator("svg.chart.bars").count() == 3
        assert page.locator("table.coverage-table tbody tr").count() == 20  # 19 regions and the province
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{viewport}: the page is {overflow}px wider than the screen"
        width = page.locator("svg.chart.map").bounding_box()["width"]
        assert width >= (600 if viewport is LAPTOP else 300)
        # the map reads on a phone: its legend is text of the page's size, names on the map at least 9 px high
        legend = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.map-legend li')).fontSize)")
        assert legend >= 12
        smallest = page.evaluate(
            "() => Math.min(...[...document.querySelectorAll('svg.chart.map .map-name')]"
            ".map(t => t.getBoundingClientRect().height))"
        )
        assert smallest >= 9, f"{viewport}: names on the map are {smallest:.1f}px high"
        page.locator('svg.chart.map [data-code="460100"]').click()
        page.wait_for_function("() => location.hash === '#region-460100'")
        context.close()
    context = browser.new_context(viewport=PHONE)
    page = _log_in(context, live_server, "haikou")
    page.goto(f"{live_server}/coverage/?year={YEAR}")
    assert page.locator("table.coverage-table tbody tr").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()
