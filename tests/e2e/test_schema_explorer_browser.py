"""The API explorer at /schema (issue 11): Swagger UI and Redoc served from /static (vendored,
no CDN) run under the site's Content-Security-Policy — the ``no_csp_violations`` fixture fails
the test on any violation — and show the API's operations."""

from __future__ import annotations

import re


def test_swagger_ui_renders_the_operations_under_the_csp(browser, live_server, tmp_path):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/schema/swagger")
    # Swagger UI draws the operations in batches: wait for them all, not the first one (a loaded CI machine)
    page.wait_for_function("() => document.querySelectorAll('.opblock-summary-path').length > 50", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/auth/login" in p for p in paths) and len(paths) > 50
    page.screenshot(path=str(tmp_path / "swagger.png"))
    assert all(u.startswith(live_server) or u.startswith("data:") for u in requested), requested
    assert errors == []
    page.close()


def test_redoc_renders_under_the_csp(browser, live_server, tmp_path):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/schema/redoc")
    page.wait_for_selector("h1", timeout=30_000)
    assert "Xinmiao" in page.locator("h1").first.inner_text()
    assert page.get_by_text(re.compile("/api/v1/auth/login")).count() > 0
    page.screenshot(path=str(tmp_path / "redoc.png"))
    assert all(u.startswith(live_server) or u.startswith("data:") for u in requested), requested
    assert errors == []
    page.close()
