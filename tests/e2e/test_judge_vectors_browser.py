"""judge.js against judging's rule: the shared vectors (tests/judging/scoring/judge_vectors.json) evaluated
in Chromium, so the tablet's totals and the server's cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "judging" / "scoring" / "judge_vectors.json").read_text(encoding="utf-8"))[
    "vectors"
]


def test_judge_js_matches_the_shared_vectors(browser):
    """judge.js's total (what a judge's tablet shows and stores) for every shared vector equals the value
    judging's Python rule gives (tests/judging/scoring/test_judge_vectors.py checks the Python side)."""
    script = (ROOT / "app" / "static" / "judge.js").read_text(encoding="utf-8")
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><title>judge.js</title>")
        page.add_script_tag(content=script)
        results = page.evaluate("vs => vs.map(v => XinmiaoJudge.total(v.criteria, v.points))", VECTORS)
    finally:
        page.close()
    mismatches = []
    for vector, got in zip(VECTORS, results):
        expected = {"stored": vector["stored"], "complete": vector["complete"]}
        actual = {"stored": got["stored"], "complete": got["complete"]}
        if vector["complete"]:
            expected["display"], actual["display"] = vector["display"], got["display"]
        if actual != expected:
            mismatches.append((vector["name"], expected, actual))
    assert not mismatches, mismatches
    assert len(results) == len(VECTORS) >= 15
