"""The API explorer's pages (issue 11): viewers from /static, no CDN, no inline script, the
site's one Content-Security-Policy (browser check: tests/e2e/test_schema_explorer_browser.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[3] / "app" / "static" / "vendor"


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger", "/schema/redoc"])
def test_explorer_pages_load_nothing_from_elsewhere(client, path):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    policy = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy
        and "cdn" not in policy
        and policy == client.get("/").headers["content-security-policy"]
    )
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(src).status_code == 200, src


def test_vendored_viewers_are_the_published_files_with_their_licences():
    for folder, files in {
        "swagger-ui": ["swagger-ui-bundle.js", "swagger-ui.css"],
        "redoc": ["redoc.standalone.js"],
    }.items():
        readme = (VENDOR / folder / "README.md").read_text()
        assert (VENDOR / folder / "LICENSE").exists()
        for name in files:
            digest = hashlib.sha256((VENDOR / folder / name).read_bytes()).hexdigest()
            assert f"{digest}  app/static/vendor/{folder}/{name}" in readme
