"""Issue 11 item 9: security headers on every answer (pages, API, static files, errors, unknown
paths); a Content-Security-Policy without inline scripts; HSTS and Secure cookies only over HTTPS."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.conftest import PASSWORD

PATHS = [
    "/login",  # a page
    "/api/v1/events",  # the API, refused (401)
    "/static/app.css",  # a static file
    "/no-such-page",  # the router's own 404
    "/api/v1/no-such-thing",
    "/schema/openapi.json",
    "/checkin/sw.js",
]


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_headers(client, path):
    response = client.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=(self)" in response.headers["permissions-policy"]
    policy = _directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"][0] == "'self'"
    assert all(s == "'self'" or s.startswith("'sha256-") for s in policy["script-src"]), policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    # plain HTTP: no HSTS (a venue laptop without a certificate)
    assert "strict-transport-security" not in response.headers


def test_error_answers_carry_them_too(client):
    response = client.post("/api/v1/auth/login", json={"username": "x\u0000", "password": "y"})
    assert response.status_code == 422
    assert response.headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in _directives(response.headers["content-security-policy"])["script-src"]


def test_cookies_over_plain_http_are_not_secure(world):
    world.login_page("org")
    response = world.client.get("/login")
    for cookie in response.headers.get_list("set-cookie"):
        assert "secure" not in [part.strip().lower() for part in cookie.split(";")]


def test_over_https_hsts_and_secure_session_cookie(world, app):
    with TestClient(app=app, base_url="https://testserver.local", raise_server_exceptions=False) as https:
        https.get("/login")
        csrf = https.cookies.get("xinmiao_csrf")
        response = https.post(
            "/login",
            data={"username": "org", "password": PASSWORD, "next": "/", "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        cookies = response.headers.get_list("set-cookie")
        session = [c for c in cookies if c.startswith("xinmiao_session=")]
        assert session, cookies
        assert all(re.search(r";\s*Secure(;|$)", c) for c in cookies), cookies
        assert all(c.count("Secure") == 1 for c in cookies), cookies


def test_scan_page_inline_outbox_is_allowed_by_its_hash_only(world):
    """The scan page inlines app/static/outbox.js (its offline copy carries it): the policy names
    that script's SHA-256 and still refuses any other inline script."""
    import base64
    import hashlib

    from app.settings import STATIC_DIR
    from tests.factories import competitions as factories

    session = factories.checkin_session(world)
    client = world.login_page("org")
    response = client.get(f"/checkin/{session['id']}/scan")
    assert response.status_code == 200, response.text
    source = (STATIC_DIR / "outbox.js").read_text(encoding="utf-8")
    assert f"<script>{source}</script>" in response.text
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    assert _directives(response.headers["content-security-policy"])["script-src"] == ["'self'", f"'sha256-{digest}'"]


def test_templates_hold_no_inline_scripts_or_handlers():
    """Every <script> in templates/ loads a file or is a JSON data block (the scan page's outbox
    is the one exception, allowed by hash); no on*= handlers, no javascript: URLs."""
    from app.settings import TEMPLATES_DIR

    problems = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag and "outbox_js" not in text:
                problems.append(f"{path.name}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text) or "javascript:" in text:
            problems.append(f"{path.name}: inline handler or javascript: URL")
    assert not problems, problems
