"""A judge's total computed twice, on the server (judging.rules through scoring.total_of) and on
the tablet (app/static/judge.js, window.XinmiaoJudge.total), checked against the same vectors
(judge_vectors.json) so the two cannot drift: the stored total exact to 28 significant
digits, and the 2-decimal half-up figure the tablet shows."""
from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from judging.scoring.rubric import rules_of
from judging.scoring.rules import judge_score, plain, round_half_up
from judging.scoring.services import _points, total_of
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]
VECTORS = json.loads((Path(__file__).with_name("judge_vectors.json")).read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_server_rules_match_the_shared_vectors(vector):
    criteria = [{**c, "name": c["code"]} for c in vector["criteria"]]
    points = _points(criteria, vector["points"])  # what a PUT stores: validated, canonical text
    assert total_of(criteria, points) == (vector["stored"], vector["complete"])
    if vector["complete"]:
        score = judge_score({k: Decimal(v) for k, v in points.items()}, rules_of(criteria))
        assert plain(score) == vector["stored"]
        assert f"{round_half_up(Decimal(vector['stored']), 2):.2f}" == vector["display"]


def test_judge_js_matches_the_shared_vectors():
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    script = (ROOT / "app" / "static" / "judge.js").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><title>judge.js</title>")
            page.add_script_tag(content=script)
            results = page.evaluate("vs => vs.map(v => XinmiaoJudge.total(v.criteria, v.points))", VECTORS)
        finally:
            browser.close()
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
