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
    page.wait_for_selector(".opblock", timeout=30_000)
    # Swagger UI keeps only the operations near the viewport in the page: scroll through and collect them
    seen: set[str] = set()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for y in range(0, height + 768, 600):
        page.evaluate(f"() => window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
        seen.update(
            f"{m} {p}"
            for m, p in zip(
                page.locator(".opblock-summary-method").all_inner_texts(),
                page.locator(".opblock-summary-path").all_inner_texts(),
            )
        )
    paths = sorted(seen)
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
