"""``xinmiao demo``'s robotics competition (judging/demo.py): built on the demo province, with
sheets, referees, runs in every state and a judged category, and ranked as the rules say."""

from __future__ import annotations

from decimal import Decimal

from app.plugins import DEMO_PASSWORD
from competitions import demo as province
from competitions.events.tables import Event
from judging import demo
from judging.robotics import sheets
from judging.robotics.tables import Run


def test_robotics_demo(client, run):
    assert run(province.build_demo())
    assert run(demo.build_robotics_demo(DEMO_PASSWORD))
    assert not run(demo.build_robotics_demo(DEMO_PASSWORD))  # idempotent
    event = run(Event.select().where(Event.kind == "robotics").first())
    assert event["status"] == "closed"
    runs = run(Run.select(Run.category.code.as_alias("code"), Run.round, Run.status, Run.variant, Run.score))
    # 30 teams per challenge; rounds 1-2 for all, round 3 for the 20 with n % 3 != 0
    assert sum(1 for r in runs if r["code"] == "R1") == 30 * 2 + 20
    assert {r["variant"] for r in runs if r["code"] == "R2"} == {"A", "B", "C"}
    assert {r["variant"] for r in runs if r["code"] == "R1"} == {None}
    # round 3 approved for n % 3 == 1 (10 teams), submitted for n % 3 == 2 (10 teams)
    assert sum(1 for r in runs if r["code"] == "R1" and r["round"] == 3 and r["status"] == "submitted") == 10
    standings = client.get(f"/api/v1/events/{event['id']}/categories/R1/standings").json()["teams"]
    ranked = [t for t in standings if t["rank"] is not None]
    assert len(ranked) == 30
    # ranked per division (as results and awards): divisions in order, scores descending within each
    divisions = [t["division"] for t in standings]
    assert divisions == sorted(divisions, key=["小学", "初中", "高中"].index)
    for division in set(divisions):
        scores = [Decimal(t["counted_score"]) for t in ranked if t["division"] == division]
        assert scores == sorted(scores, reverse=True)
        assert [t["rank"] for t in ranked if t["division"] == division][0] == 1
    # the best run counts: each team's counted score is the best of its approved runs
    for team in ranked:
        assert Decimal(team["counted_score"]) == max(Decimal(r["score"]) for r in team["runs"])
    # R2 counts the best two runs (best_sum, k 2)
    wro = client.get(f"/api/v1/events/{event['id']}/categories/R2/standings").json()["teams"]
    for team in wro:
        best_two = sorted((Decimal(r["score"]) for r in team["runs"]), reverse=True)[:2]
        assert Decimal(team["counted_score"]) == sum(best_two)
    # both example sheets are valid games
    assert sheets.parse_sheet(demo.SKILLS_SHEET).rounds == 3
    assert [v for v, _n in sheets.parse_sheet(demo.WRO_SHEET).variants] == ["A", "B", "C"]
