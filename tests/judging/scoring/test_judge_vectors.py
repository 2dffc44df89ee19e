"""A judge's total computed twice, on the server (judging.rules through scoring.total_of) and on
the tablet (app/static/judge.js, window.XinmiaoJudge.total), checked against the same vectors
(judge_vectors.json) so the two cannot drift: the stored total exact to 28 significant
digits, and the 2-decimal half-up figure the tablet shows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from judging.scoring.rubric import rules_of
from judging.scoring.rules import judge_score, plain, round_half_up
from judging.scoring.services import _points, total_of

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
