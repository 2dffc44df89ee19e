"""Match API (CONTRACT.md "Robotics: matches") end to end: a 2v2 challenge with 8 teams, its schedule,
scoring and committing (a red card, a correction with its history), rankings, changes on the day
(a delay, a no-show), alliance selection and a bracket played to its champion. Figures by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.factories import app as app_factories
from tests.factories import competitions as factories

# goals 5 points each, fouls -3 each
SHEET = {
    "items": [
        {"code": "goals", "name": "进球", "type": "count", "min": 0, "max": 20, "points": 5},
        {"code": "fouls", "name": "犯规", "type": "count", "min": 0, "max": 10, "points": -3},
    ],
    "rounds": 1,
    "counted": {"rule": "best"},
    "tiebreaks": [],
}


class Arena:
    def __init__(self, world):
        self.world = world
        self.client = world.client
        self.org = world.headers("org")
        self.event_id = factories.event(world, "2026年海南省青少年机器人竞赛", kind="robotics")["id"]
        factories.category(world, "V", "VEX 对抗赛", event_id=self.event_id)
        self.teams = [
            factories.entry(world, school, students=2, title=f"V队{i}", category="V", event_id=self.event_id)["id"]
            for i, school in enumerate((("HK01", "HK02", "SY01") * 3)[:8])
        ]
        app_factories.user(world, "vref", "referee", display_name="对抗赛裁判")
        app_factories.user(world, "vhead", "referee", display_name="对抗赛主裁判")
        for username, head in (("vref", False), ("vhead", True)):
            made = self.client.post(
                f"/api/v1/events/{self.event_id}/referees",
                json={"username": username, "category_codes": ["V"], "head": head},
                headers=self.org,
            )
            assert made.status_code == 201, made.text
        sheet = self.client.put(
            f"/api/v1/events/{self.event_id}/categories/V/score-sheet", json=SHEET, headers=self.org
        )
        assert sheet.status_code == 200, sheet.text
        self.url = f"/api/v1/events/{self.event_id}/categories/V"

    def schedule(self, **body):
        payload = {"matches_per_team": 4, "teams_per_alliance": 2, "fields": 2, "min_gap": 1, "seed": 42, **body}
        return self.client.post(f"{self.url}/schedule", json=payload, headers=self.org)

    def score(self, match_id, red, blue, by="vref", **extra):
        body = {"red": red, "blue": blue, **extra}
        return self.client.put(f"/api/v1/matches/{match_id}/score", json=body, headers=self.world.headers(by))

    def commit(self, match_id, by="vhead"):
        return self.client.post(f"/api/v1/matches/{match_id}/commit", headers=self.world.headers(by))

    def matches(self, headers=None):
        response = self.client.get(f"{self.url}/matches", headers=headers or {})
        assert response.status_code == 200, response.text
        return response.json()["matches"]


@pytest.fixture
def arena(world):
    return Arena(world)


def _counted(matches):
    counted: Counter = Counter()
    for m in matches:
        for team in m["red"] + m["blue"]:
            if team not in m["surrogates"]:
                counted[team] += 1
    return counted


def test_schedule_score_commit_rank(arena):
    made = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["seed"] == 42
    assert len(body["matches"]) == 8  # 8 teams x 4 matches / 4 per match
    assert _counted(body["matches"]) == Counter({t: 4 for t in arena.teams})
    assert body["quality"]["min_gap"] >= 1
    # 2 fields, 5-minute cycle, Asia/Shanghai: matches 1-2 at 09:00, 3-4 at 09:05 ...
    assert [m["scheduled_at"][11:16] for m in body["matches"]][:4] == ["09:00", "09:00", "09:05", "09:05"]
    # the same inputs and seed give the same schedule
    again = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()
    assert [(m["red"], m["blue"]) for m in again["matches"]] == [(m["red"], m["blue"]) for m in body["matches"]]
    first, second = again["matches"][0], again["matches"][1]
    # red 3 goals = 15; blue 2 goals, 1 foul = 10 - 3 = 7: red wins
    scored = arena.score(first["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 1}})
    assert scored.status_code == 200, scored.text
    assert scored.json() == {"red_score": "15", "blue_score": "7", "winner": "red"}
    assert arena.matches()[0]["red_score"] is None  # the public sees nothing before the commit
    assert arena.commit(first["id"], by="vref").status_code == 403  # not the head referee
    assert arena.commit(second["id"]).status_code == 409  # not scored yet
    assert arena.commit(first["id"]).status_code == 200
    public = arena.matches()[0]
    assert (public["red_score"], public["blue_score"], public["winner"]) == ("15", "7", "red")
    # match 2: blue outscores red 20 to 5 but gets a red card: disqualified, red wins
    arena.score(second["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 4, "fouls": 0}, "card": "red"})
    assert arena.commit(second["id"]).json()["winner"] == "red"
    ranks = arena.client.get(f"{arena.url}/rankings").json()["teams"]
    by_team = {t["entry_id"]: t for t in ranks}
    for team in first["red"] + second["red"]:
        assert (by_team[team]["ranking_points"], by_team[team]["played"], by_team[team]["wins"]) == ("2", 1, 1)
    for team in first["blue"] + second["blue"]:
        assert (by_team[team]["ranking_points"], by_team[team]["losses"]) == ("0", 1)
    # the four winners share 2 RP; first's red averaged 15 > second's red 5
    assert by_team[first["red"][0]]["rank"] == 1 and by_team[second["red"][0]]["rank"] == 3
    assert by_team[first["red"][0]]["average_score"] == "15.00"


def test_corrections_need_the_head_referee_and_a_reason(arena):
    match = arena.schedule().json()["matches"][0]
    arena.score(match["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}})
    arena.commit(match["id"])
    late = arena.score(match["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}})
    assert late.status_code == 409
    no_reason = arena.score(
        match["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}}, by="vhead"
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    fixed = arena.score(
        match["id"],
        {"items": {"goals": 1, "fouls": 0}},
        {"items": {"goals": 2, "fouls": 0}},
        by="vhead",
        reason="录像复核",
    )
    assert fixed.json() == {"red_score": "5", "blue_score": "10", "winner": "blue"}
    history = arena.client.get(f"/api/v1/matches/{match['id']}/history", headers=arena.org).json()
    assert [(h["version"], h["red"]["score"], h["blue"]["score"], h["reason"]) for h in history] == [
        (1, "15", "10", ""),
        (2, "5", "10", "录像复核"),
    ]
    assert history[1]["by"] == "对抗赛主裁判"
    # a missing item names the side and the item
    bad = arena.score(arena.matches(arena.org)[1]["id"], {"items": {"goals": 1}}, {"items": {"goals": 1, "fouls": 0}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("red.")


def test_a_second_referee_does_not_overwrite_a_score_unseen(arena):
    """A fresh user's finding: two referees scored match 1 through the API at the same moment; both
    got 200 and the second score silently replaced the first. Now a referee's score of a match
    another user already scored is a 409 naming who and when, unless the referee saw that score
    (``base_version``); the same referee may correct their own, the head referee anybody's."""
    app_factories.user(arena.world, "vref2", "referee", display_name="二号裁判")
    added = arena.client.post(
        f"/api/v1/events/{arena.event_id}/referees",
        json={"username": "vref2", "category_codes": ["V"], "head": False},
        headers=arena.org,
    )
    assert added.status_code == 201, added.text
    match = arena.schedule().json()["matches"][0]
    three, two = {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}}
    assert arena.score(match["id"], three, two).json() == {"red_score": "15", "blue_score": "10", "winner": "red"}
    second = arena.score(match["id"], two, three, by="vref2")
    assert second.status_code == 409, second.text
    assert "对抗赛裁判" in second.json()["detail"] and "红 15 : 蓝 10" in second.json()["detail"]
    assert second.json()["extra"]["by"] == "对抗赛裁判" and second.json()["extra"]["version"] == 1
    stored = arena.matches(arena.org)[0]
    assert stored["status"] == "scored"
    # the first referee corrects their own score; the second, having seen version 2, may too
    assert arena.score(match["id"], three, three).json()["winner"] == "tie"
    seen = arena.score(match["id"], two, three, by="vref2", base_version=2)
    assert seen.status_code == 200 and seen.json()["winner"] == "blue"
    # the head referee corrects whoever scored it
    assert arena.score(match["id"], three, two, by="vhead").status_code == 200
    history = arena.client.get(f"/api/v1/matches/{match['id']}/history", headers=arena.org).json()
    assert [(h["version"], h["by"]) for h in history] == [
        (1, "对抗赛裁判"),
        (2, "对抗赛裁判"),
        (3, "二号裁判"),
        (4, "对抗赛主裁判"),
    ]


def test_a_delay_and_a_no_show(arena):
    body = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()
    first, second = body["matches"][0], body["matches"][1]
    for m in (first, second):
        arena.score(m["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 0, "fouls": 0}})
        arena.commit(m["id"])
    # a 10-minute delay from match 3: 3-4 move from 09:05 to 09:15, 5-6 to 09:20, 7-8 to 09:25
    shifted = arena.client.post(
        f"{arena.url}/schedule/adjust", json={"kind": "delay", "from_match": 3, "seconds": 600}, headers=arena.org
    )
    assert shifted.status_code == 200, shifted.text
    assert [m["scheduled_at"][11:16] for m in shifted.json()["matches"]] == [
        "09:00", "09:00", "09:15", "09:15", "09:20", "09:20", "09:25", "09:25",
    ]  # fmt: skip
    # a whole schedule can no longer be made: matches were played
    assert arena.schedule().status_code == 409
    # a team leaves after its first match (every team played once in matches 1-2): it plays no more
    gone = first["red"][0]
    # 7 teams cannot fill two 2v2 matches in a row (8 places) without someone playing twice:
    # a gap of 1 is refused, saying why; two fields at once neither; one field and no gap works
    url = f"{arena.url}/schedule/regenerate"
    tight = arena.client.post(url, json={"drop": [gone], "seed": 7, "fields": 1}, headers=arena.org)
    assert tight.status_code == 422 and tight.json()["errors"][0]["field"] == "min_gap"
    assert "每轮只有 1 场，间隔最多只能是 0 场" in tight.json()["detail"]
    two = arena.client.post(url, json={"drop": [gone], "seed": 7, "min_gap": 0}, headers=arena.org)
    assert two.status_code == 422 and two.json()["errors"][0]["field"] == "fields"
    rest = arena.client.post(url, json={"drop": [gone], "seed": 7, "fields": 1, "min_gap": 0}, headers=arena.org)
    assert rest.status_code == 200, rest.text
    matches = rest.json()["matches"]
    assert [m["number"] for m in matches[:2]] == [1, 2] and matches[0]["red_score"] == "5"
    assert all(gone not in m["red"] + m["blue"] for m in matches[2:])
    counted = _counted(matches)
    assert all(counted[t] == 4 for t in arena.teams if t != gone)
    assert counted[gone] == 1  # its match 1 stays on record


def test_selection_and_bracket_to_a_champion(arena):
    t = arena.teams
    # alliances given in seed order: 1 (t0, t1) ... 4 (t6, t7)
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4], t[4:6], t[6:8]], "best_of": 1}, headers=arena.org
    )
    assert made.status_code == 201, made.text
    series = {s["id"]: s for s in made.json()["matches"]}
    assert (series["U1-1"]["red_alliance"], series["U1-1"]["blue_alliance"]) == (1, 4)
    assert (series["U1-2"]["red_alliance"], series["U1-2"]["blue_alliance"]) == (2, 3)
    games = [m for m in arena.matches(arena.org) if m["stage"] == "elimination"]
    assert [(g["series"], g["red"], g["blue"]) for g in games] == [("U1-1", t[0:2], t[6:8]), ("U1-2", t[2:4], t[4:6])]
    # 1 beats 4, 3 beats 2: the final 1 v 3 appears
    arena.score(games[0]["id"], {"items": {"goals": 5, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    arena.commit(games[0]["id"])
    arena.score(games[1]["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}})
    arena.commit(games[1]["id"])
    final = [m for m in arena.matches(arena.org) if m["series"] == "U2-1"]
    assert len(final) == 1 and (final[0]["red"], final[0]["blue"]) == (t[0:2], t[4:6])
    arena.score(final[0]["id"], {"items": {"goals": 0, "fouls": 0}}, {"items": {"goals": 3, "fouls": 0}})
    arena.commit(final[0]["id"])
    state = arena.client.get(f"{arena.url}/bracket").json()
    assert state["champion"] == 3
    # the event's results place the teams by the bracket, ranks counted in teams (1, 1, 3): champion
    # alliance 3's two teams first, finalist 1's third, the four semi-finalists (2 and 4) fifth
    results = arena.client.get(f"/api/v1/events/{arena.event_id}/results", headers=arena.org).json()["entries"]
    rank = {r["entry_id"]: r["rank"] for r in results}
    assert [rank[x] for x in t] == [3, 3, 5, 5, 1, 1, 5, 5]
    # a bracket cannot be made again once played
    again = arena.client.post(f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4]]}, headers=arena.org)
    assert again.status_code == 409


def test_alliance_selection_replayed(arena):
    body = arena.schedule().json()
    for m in body["matches"]:
        # red wins by its first team's id, so the ranking is stable and known
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    started = arena.client.post(
        f"{arena.url}/alliance-selection", json={"alliances": 2, "size": 2, "order": "serpentine"}, headers=arena.org
    )
    assert started.status_code == 201, started.text
    state = started.json()
    ranked = [x["entry_id"] for x in arena.client.get(f"{arena.url}/rankings").json()["teams"]]
    assert state["alliances"][0] == [ranked[0]] and state["turn"] == 1
    # alliance 1 invites the 3rd ranked team, who declines; then the 4th, who accepts
    url = f"{arena.url}/alliance-selection/invitations"
    assert arena.client.post(url, json={"entry_id": ranked[2], "accepted": False}, headers=arena.org).status_code == 200
    state = arena.client.post(url, json={"entry_id": ranked[3], "accepted": True}, headers=arena.org).json()
    assert state["alliances"][0] == [ranked[0], ranked[3]] and state["declined"] == [ranked[2]]
    # alliance 2's captain is the best free team: ranked[1]; it may not pick the team that declined
    refused = arena.client.post(url, json={"entry_id": ranked[2], "accepted": True}, headers=arena.org)
    assert refused.status_code == 422 and "拒绝" in refused.json()["detail"]
    state = arena.client.post(url, json={"entry_id": ranked[4], "accepted": True}, headers=arena.org).json()
    assert state["alliances"] == [[ranked[0], ranked[3]], [ranked[1], ranked[4]]] and state["turn"] is None
    # the bracket takes the finished selection's alliances
    made = arena.client.post(f"{arena.url}/bracket", json={"format": "single"}, headers=arena.org)
    assert made.status_code == 201 and made.json()["alliances"] == state["alliances"]


def test_refusals(arena):
    too_tight = arena.schedule(min_gap=5)
    assert too_tight.status_code == 422 and too_tight.json()["errors"][0]["field"] == "min_gap"
    assert "间隔最多只能是 1 场" in too_tight.json()["detail"]
    school = arena.client.post(
        f"{arena.url}/schedule",
        json={"matches_per_team": 2, "teams_per_alliance": 2},
        headers=arena.world.headers("hk01"),
    )
    assert school.status_code == 403
    assert arena.client.get(f"/api/v1/events/{arena.event_id}/categories/ZZ/matches").status_code == 404
    assert (
        arena.client.put(
            "/api/v1/matches/999999/score",
            json={"red": {"items": {}}, "blue": {"items": {}}},
            headers=arena.world.headers("vref"),
        ).status_code
        == 404
    )


def test_live_stream_replays_the_state_then_each_commit(arena):
    from tests.sse import EventStream

    body = arena.schedule().json()
    match = body["matches"][0]
    with EventStream(arena.client, f"/api/v1/events/{arena.event_id}/live") as stream:
        state = stream.next_event()
        assert state["event"] == "state"
        (challenge,) = state["data"]["matches"]
        assert challenge["code"] == "V" and len(challenge["matches"]) == 8
        assert challenge["bracket"] is None and all(t["rank"] is None for t in challenge["rankings"])
        arena.score(match["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        scored = stream.next_event()
        assert scored["event"] == "match" and scored["data"]["match_id"] == match["id"]
        arena.commit(match["id"])
        committed = stream.next_event()
        assert committed["event"] == "match" and committed["data"]["what"] == "match"
    ranks = arena.client.get(f"{arena.url}/rankings").json()["teams"]
    assert {t["entry_id"] for t in ranks if t["ranking_points"] == "2"} == set(match["red"])


def test_cards_are_given_to_teams(arena):
    """VEX: a yellow or red card goes to a team. In qualification a red card gives that team 0
    ranking points and a loss while its partner keeps the alliance's win; the older per-alliance
    ``card`` still gives it to every team of the alliance; in an elimination match one team's red
    card disqualifies its alliance for that match."""
    first, second = arena.schedule().json()["matches"][:2]
    red_a, red_b = first["red"]
    # red 3 goals = 15 beats blue 2 goals = 10; red_a is red-carded, blue's first team gets a yellow
    scored = arena.score(
        first["id"],
        {"items": {"goals": 3, "fouls": 0}},
        {"items": {"goals": 2, "fouls": 0}},
        cards={str(red_a): "red", str(first["blue"][0]): "yellow", str(red_b): None},
    )
    assert scored.status_code == 200, scored.text
    assert scored.json() == {"red_score": "15", "blue_score": "10", "winner": "red"}  # red_b still plays on
    assert arena.commit(first["id"]).status_code == 200
    public = arena.matches()[0]
    assert public["cards"] == {str(red_a): "red", str(first["blue"][0]): "yellow"}
    assert (public["red_card"], public["blue_card"]) == (None, None)  # no card is every team's
    # match 2 in the older form: blue's card goes to both blue teams, so blue is disqualified
    arena.score(second["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 4, "fouls": 0}, "card": "red"})
    assert arena.commit(second["id"]).json()["winner"] == "red"
    public = arena.matches()[1]
    assert public["blue_card"] == "red" and public["cards"] == {str(t): "red" for t in second["blue"]}
    ranks = {t["entry_id"]: t for t in arena.client.get(f"{arena.url}/rankings").json()["teams"]}
    got = {t: (ranks[t]["ranking_points"], ranks[t]["wins"], ranks[t]["losses"]) for t in first["red"] + first["blue"]}
    assert got == {
        red_a: ("0", 0, 1),  # disqualified from the match it won
        red_b: ("2", 1, 0),  # its partner keeps the win
        first["blue"][0]: ("0", 0, 1),  # a yellow card is a warning only
        first["blue"][1]: ("0", 0, 1),
    }
    for team in second["blue"]:
        assert (ranks[team]["ranking_points"], ranks[team]["losses"]) == ("0", 1)
    # the team's own view: its card and, red-carded, a loss
    view = arena.client.get(f"{arena.url}/teams/{red_a}/matches").json()["matches"][0]
    assert (view["card"], view["result"], view["score"]) == ("red", "loss", "15")
    partner = arena.client.get(f"{arena.url}/teams/{red_b}/matches").json()["matches"][0]
    assert (partner["card"], partner["result"]) == (None, "win")
    # a card for a team that does not play the match, or an unknown card: 422 naming it
    third = arena.matches(arena.org)[2]
    outsider = next(t for t in arena.teams if t not in third["red"] + third["blue"])
    for cards, field in (
        ({str(outsider): "red"}, f"cards.{outsider}"),
        ({str(third["red"][0]): "green"}, f"cards.{third['red'][0]}"),
    ):
        refused = arena.score(
            third["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}}, cards=cards
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
    assert arena.matches(arena.org)[2]["status"] == "scheduled"  # nothing stored


def test_one_red_card_disqualifies_the_alliance_in_eliminations(arena):
    t = arena.teams
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4]], "best_of": 1}, headers=arena.org
    )
    assert made.status_code == 201, made.text
    (final,) = [m for m in arena.matches(arena.org) if m["stage"] == "elimination"]
    # alliance 1 (red) scores 25 to 5 but its second team is red-carded: alliance 2 wins
    scored = arena.score(
        final["id"], {"items": {"goals": 5, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}}, cards={str(t[1]): "red"}
    )
    assert scored.json() == {"red_score": "25", "blue_score": "5", "winner": "blue"}
    arena.commit(final["id"])
    assert arena.client.get(f"{arena.url}/bracket").json()["champion"] == 2
