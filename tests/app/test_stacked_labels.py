"""On a phone, tables stack and each cell shows its column's label before it (app.css): the colon
after it follows the page's language, so English pages read "Number: 12", not "Number：12"
(fresh user's finding 17)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "app.css"


def test_the_stacked_label_colon_follows_the_page_language(client):
    css = CSS.read_text(encoding="utf-8")
    rules = re.findall(r"([^{}]*table\.stack td\[data-label\]::before)\s*\{([^}]*)\}", css)
    contents = {selector.strip(): re.search(r"content:\s*([^;]+);", body) for selector, body in rules}
    plain = [s for s in contents if not s.startswith("html:lang")]
    chinese = [s for s in contents if s.startswith("html:lang(zh)")]
    assert plain and chinese
    assert all(contents[s] and contents[s].group(1).strip() == 'attr(data-label) ": "' for s in plain)
    assert all(contents[s].group(1).strip() == 'attr(data-label) "："' for s in chinese)
    # the pages name their language, which the rule reads
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "en"}).text
    assert '<html lang="zh-CN">' in client.get("/login").text
