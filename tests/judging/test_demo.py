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


def test_matches_demo(client, run):
    """The 2v2 challenge: 24 teams x 6 matches / 4 per match = 36 matches, 20 committed, the
    21st scored and waiting, rankings from the committed ones; no bracket yet."""
    from judging.matches import demo as matches_demo

    assert run(province.build_demo())
    assert run(demo.build_robotics_demo(DEMO_PASSWORD))
    assert run(matches_demo.build_matches_demo())
    assert not run(matches_demo.build_matches_demo())  # idempotent
    event = run(Event.select().where(Event.kind == "robotics").first())
    url = f"/api/v1/events/{event['id']}/categories/V1"
    listed = client.get(f"{url}/matches").json()["matches"]
    assert len(listed) == 36
    assert [m["status"] for m in listed[:22]] == ["committed"] * 20 + ["scored", "scheduled"]
    assert listed[20]["red_score"] is None  # the public sees committed scores only
    ranks = client.get(f"{url}/rankings").json()["teams"]
    played = sum(t["played"] for t in ranks)
    assert played == 20 * 4  # every committed match counts for its four teams (no surrogates: 144 = 36 x 4)
    assert client.get(f"{url}/bracket").status_code == 404


def test_matches_demo_gives_cards_to_teams(client, run, monkeypatch):
    """Cards go to teams, as the referees' tablets give them (VEX): the demo scores with per-team
    ``cards``, never an alliance's ``card``; match 9's red card is one team's, its partner has
    none and still earns the alliance's result; match 4's yellow card is one blue team's."""
    from judging.matches import demo as matches_demo
    from judging.matches import services as match_services

    sent: list[dict] = []
    score_match = match_services.score_match

    async def recording(actor, match_id, data):
        sent.append(data)
        return await score_match(actor, match_id, data)

    monkeypatch.setattr(match_services, "score_match", recording)
    assert run(province.build_demo())
    assert run(demo.build_robotics_demo(DEMO_PASSWORD))
    assert run(matches_demo.build_matches_demo())
    assert len(sent) == matches_demo.PLAYED + 1
    assert all("card" not in body[side] for body in sent for side in ("red", "blue"))
    assert all(set(body["cards"]) for body in sent)  # every team of every match answered
    event = run(Event.select().where(Event.kind == "robotics").first())
    url = f"/api/v1/events/{event['id']}/categories/V1"
    listed = {m["number"]: m for m in client.get(f"{url}/matches").json()["matches"]}
    ninth = listed[matches_demo.RED_CARD_MATCH]
    carded, partner = ninth["red"]
    assert ninth["cards"][str(carded)] == "red" and str(partner) not in ninth["cards"]
    assert ninth["red_card"] is None  # one team's card is not the alliance's
    fourth = listed[matches_demo.YELLOW_CARD_MATCH]
    assert fourth["cards"].get(str(fourth["blue"][1])) == "yellow" and fourth["blue_card"] is None

    # the red-carded team lost match 9 whatever the score; its partner has the alliance's result
    def result(team):
        rows = client.get(f"{url}/teams/{team}/matches").json()["matches"]
        return next(m for m in rows if m["number"] == matches_demo.RED_CARD_MATCH)

    assert (result(carded)["card"], result(carded)["result"]) == ("red", "loss")
    alliance = "win" if ninth["winner"] == "red" else "tie" if ninth["winner"] == "tie" else "loss"
    assert (result(partner)["card"], result(partner)["result"]) == (None, alliance)
