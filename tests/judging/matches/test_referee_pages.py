"""Referee tablet pages for matches (issue 14 item 3): the match list (both alliances, surrogates
marked, the next unplayed first), the match form, the submission through the page endpoint (the
service of PUT /api/v1/matches/{id}/score) with its idempotency key and the version the tablet saw,
the 409 naming who scored or committed the match, the head referee's page, commit of several
matches (rankings follow) and corrections with every version. Scores by hand from test_api.SHEET:
goals 5 points each, fouls -3 each."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from judging.matches.tables import Match, MatchVersion
from tests.judging.matches.test_api import Arena


@pytest.fixture
def arena(world):
    return Arena(world)


def page_client(arena, username):
    arena.client.cookies.clear()
    arena.world.login_page(username, arena.client)
    return arena.client


def send(client, match_id, body):
    return client.post(
        f"/referee/matches/{match_id}/score", json=body, headers={"x-csrftoken": client.cookies.get("xinmiao_csrf")}
    )


def form(client, url, data):
    return client.post(url, data={**data, "_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False)


RED = {"items": {"goals": 3, "fouls": 0}, "card": None, "confirmation": "confirmed"}  # 15
BLUE = {
    "items": {"goals": 2, "fouls": 1},
    "card": "yellow",
    "confirmation": "refused",
    "confirmation_note": "犯规有争议",
}  # 7


def test_home_links_the_match_list_which_shows_both_alliances_next_match_first(arena):
    matches = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()["matches"]
    referee = page_client(arena, "vref")
    home = referee.get("/referee/")
    assert f'href="/referee/{arena.event_id}/V/matches/"' in home.text
    # match 1 is scored: the list then starts with match 2 (the next to play), played ones below
    assert send(referee, matches[0]["id"], {"red": RED, "blue": BLUE}).status_code == 200
    page = referee.get(f"/referee/{arena.event_id}/V/matches/")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="match-row status-(\w+)[^"]*" data-match-id="(\d+)" data-field="(\d)"', page.text)
    assert rows[0] == ("scheduled", str(matches[1]["id"]), str(matches[1]["field"]))
    assert rows[-1] == ("scored", str(matches[0]["id"]), str(matches[0]["field"]))
    assert len(rows) == len(matches) == 8
    assert 'class="badge next-badge"' in page.text and "09:05" in page.text  # match 2 at 09:00 + 300 s
    first = page.text.split(f'data-match-id="{matches[1]["id"]}"')[1].split("</tr>")[0]
    red_cell, blue_cell = first.split('class="side-blue"')
    assert all(f"V队{arena.teams.index(t)}" in red_cell for t in matches[1]["red"])
    assert all(f"V队{arena.teams.index(t)}" in blue_cell for t in matches[1]["blue"])
    assert 'id="field-filter"' in page.text and 'id="match-search"' in page.text
    assert "<script>" not in page.text and 'src="/static/referee-matches.js"' in page.text
    # the form: both alliances, every item per alliance, steppers empty; a card question per team
    # made by the page script from one pattern per alliance (three answers each)
    form_page = referee.get(f"/referee/{arena.event_id}/V/matches/score")
    assert form_page.status_code == 200
    assert form_page.text.count('data-code="goals"') == 2 and form_page.text.count('data-code="fouls"') == 2
    assert 'data-side="red"' in form_page.text and 'data-side="blue"' in form_page.text
    assert form_page.text.count('class="card-answer') == 6 and 'aria-pressed="true"' not in form_page.text
    assert form_page.text.count('<template class="team-card-pattern">') == 2
    assert form_page.text.count('class="count-value"') == 4
    assert not re.search(r'class="count-value"[^>]*\svalue="', form_page.text)  # steppers start empty


def test_surrogates_are_marked_in_the_list(arena):
    matches = arena.schedule(teams_per_alliance=3, matches_per_team=4, fields=1, min_gap=0).json()["matches"]
    assert any(m["surrogates"] for m in matches)  # 8 teams x 4 / 6 per match does not divide
    page = page_client(arena, "vref").get(f"/referee/{arena.event_id}/V/matches/")
    assert page.text.count('class="surrogate-mark"') == sum(len(m["surrogates"]) for m in matches)


def test_a_score_is_stored_once_and_a_second_tablet_gets_a_409_naming_who(arena):
    match = arena.schedule().json()["matches"][0]
    referee = page_client(arena, "vref")
    body = {"red": RED, "blue": BLUE, "client_score_id": "tablet-1-abc", "base_version": 0}
    first = send(referee, match["id"], body)
    assert first.status_code == 200, first.text
    assert first.json() == {"red_score": "15", "blue_score": "7", "winner": "red"}
    again = send(referee, match["id"], body)  # the outbox sends it again (no answer the first time)
    assert again.status_code == 200 and again.json() == first.json()
    versions = arena.world.run(MatchVersion.select().where(MatchVersion.match == match["id"]).output(load_json=True))
    assert len(versions) == 1
    assert versions[0]["data"]["red"]["confirmation"] == "confirmed"
    assert versions[0]["data"]["blue"]["confirmation"] == "refused"
    assert versions[0]["data"]["blue"]["confirmation_note"] == "犯规有争议"
    # the head referee's tablet had the match open before it was scored: its score is refused
    head = page_client(arena, "vhead")
    other = send(head, match["id"], {**body, "client_score_id": "tablet-2-xyz"})
    assert other.status_code == 409
    answer = other.json()
    assert "对抗赛裁判" in answer["detail"] and "红 15 : 蓝 7" in answer["detail"]
    assert re.search(r"\d\d:\d\d:\d\d", answer["detail"])
    assert answer["extra"]["by"] == "对抗赛裁判" and answer["extra"]["version"] == 1
    assert arena.world.run(Match.select(Match.version).where(Match.id == match["id"]).first())["version"] == 1
    # committed: the referee's next try names who committed it
    assert arena.commit(match["id"]).status_code == 200
    late = send(page_client(arena, "vref"), match["id"], {**body, "client_score_id": "tablet-1-def", "base_version": 1})
    assert late.status_code == 409 and "对抗赛主裁判" in late.json()["detail"] and "确认" in late.json()["detail"]
    # the API keeps the CONTRACT shape (no client id, no version): still answered as before
    api = arena.score(
        match["id"],
        {"items": {"goals": 1, "fouls": 0}},
        {"items": {"goals": 0, "fouls": 0}},
        by="vhead",
        reason="录入错误",
    )
    assert api.status_code == 200 and api.json() == {"red_score": "5", "blue_score": "0", "winner": "red"}


def test_a_bad_side_names_the_item(arena):
    match = arena.schedule().json()["matches"][0]
    referee = page_client(arena, "vref")
    refused = send(referee, match["id"], {"red": RED, "blue": {"items": {"goals": 2}}})
    assert refused.status_code == 422
    assert refused.json()["extra"]["errors"][0]["field"] == "blue.items.fouls"
    assert send(referee, match["id"], {"red": RED}).status_code == 400


def test_head_referee_sees_scored_matches_commits_several_and_rankings_change(arena):
    matches = arena.schedule().json()["matches"]
    referee = page_client(arena, "vref")
    for m in matches[:2]:
        assert send(referee, m["id"], {"red": RED, "blue": BLUE}).status_code == 200
    assert referee.get(f"/referee/{arena.event_id}/V/matches/review").status_code == 403  # not the head referee
    head = page_client(arena, "vhead")
    page = head.get(f"/referee/{arena.event_id}/V/matches/review")
    assert page.status_code == 200
    assert page.text.count('class="review-run review-match match-scored"') == 2
    block = page.text.split(f'data-match-id="{matches[0]["id"]}"')[1].split("</article>")[0]
    assert 'data-side-score="red">15<' in block and 'data-side-score="blue">7<' in block
    assert "黄牌" in block and "对抗赛裁判" in block and "犯规有争议" in block and "进球" in block
    assert "红方胜" in block
    before = arena.client.get(f"{arena.url}/rankings").json()["teams"]
    assert all(t["played"] == 0 for t in before)
    done = form(
        head, f"/referee/{arena.event_id}/V/matches/review/commit", {"match_id": [str(m["id"]) for m in matches[:2]]}
    )
    assert done.status_code in (302, 303)
    assert [m["status"] for m in arena.matches()[:3]] == ["committed", "committed", "scheduled"]
    ranks = {t["entry_id"]: t for t in arena.client.get(f"{arena.url}/rankings").json()["teams"]}
    # matches 1 and 2 are played at once on two fields (no team twice): red won both (15 : 7)
    winners = set(matches[0]["red"]) | set(matches[1]["red"])
    losers = set(matches[0]["blue"]) | set(matches[1]["blue"])
    assert len(winners) == len(losers) == 4 and not winners & losers
    assert {(Decimal(ranks[t]["ranking_points"]), ranks[t]["played"], ranks[t]["rank"]) for t in winners} == {(2, 1, 1)}
    assert {(Decimal(ranks[t]["ranking_points"]), ranks[t]["played"]) for t in losers} == {(0, 1)}
    assert head.get(f"/referee/{arena.event_id}/V/matches/review").text.count("match-scored") == 0
    # the tablet's form names who recorded a committed match, not the head referee who committed it
    data = head.get(f"/referee/{arena.event_id}/V/matches/score?match={matches[0]['id']}").text
    payload = json.loads(data.split('<script id="referee-data" type="application/json">')[1].split("</script>")[0])
    found = [m for m in payload["matches"] if m["id"] == matches[0]["id"]]
    assert found and found[0]["by"] == "对抗赛裁判", found


def test_correction_after_commit_needs_a_reason_and_keeps_every_version(arena):
    match = arena.schedule().json()["matches"][0]
    referee = page_client(arena, "vref")
    assert send(referee, match["id"], {"red": RED, "blue": BLUE, "base_version": 0}).status_code == 200
    # before commit the referee corrects (red had 4 goals): version 2
    fixed = form(
        referee,
        f"/referee/matches/{match['id']}",
        {
            "base_version": "1",
            "red_goals": "4",
            "red_fouls": "0",
            "blue_goals": "2",
            "blue_fouls": "1",
            **{f"card_{t}": "" for t in match["red"]},
            **{f"card_{t}": "yellow" for t in match["blue"]},  # a yellow card for each blue team
            "reason": "",
        },
    )
    assert fixed.status_code in (302, 303), fixed.text
    assert arena.commit(match["id"]).status_code == 200
    assert "更正成绩" not in referee.get(f"/referee/matches/{match['id']}").text  # committed: the head referee's
    head = page_client(arena, "vhead")
    data = {
        "base_version": "2",
        "red_goals": "4",
        "red_fouls": "0",
        "blue_goals": "2",
        "blue_fouls": "0",
        **{f"card_{t}": "" for t in match["red"]},
        **{f"card_{t}": "red" for t in match["blue"]},
    }
    refused = form(head, f"/referee/matches/{match['id']}", {**data, "reason": ""})
    assert refused.status_code == 422 and "原因" in refused.text
    done = form(head, f"/referee/matches/{match['id']}", {**data, "reason": "蓝方恶意冲撞，改判红牌"})
    assert done.status_code in (302, 303)
    page = head.get(f"/referee/matches/{match['id']}")
    assert page.text.count('class="version-row"') == 3
    assert "蓝方恶意冲撞，改判红牌" in page.text
    history = arena.client.get(f"/api/v1/matches/{match['id']}/history", headers=arena.world.headers("vhead")).json()
    assert [(v["red"]["score"], v["blue"]["score"], v["blue"]["card"]) for v in history] == [
        ("15", "7", "yellow"),
        ("20", "7", "yellow"),
        ("20", "10", "red"),
    ]
    assert history[2]["blue"]["confirmation"] == "refused"  # the captains' answers stay with the match


def test_cards_per_team_on_the_tablet_the_review_and_the_history(arena):
    match = arena.schedule().json()["matches"][0]
    red_a, red_b = match["red"]
    referee = page_client(arena, "vref")
    # the form's data names every team by id (the page script asks a card for each) and the stage
    page = referee.get(f"/referee/{arena.event_id}/V/matches/score?match={match['id']}").text
    payload = json.loads(page.split('<script id="referee-data" type="application/json">')[1].split("</script>")[0])
    mine = next(m for m in payload["matches"] if m["id"] == match["id"])
    assert [t["id"] for t in mine["sides"]["red"]["teams"]] == [red_a, red_b] and mine["stage"] == "qualification"
    # red 15 : blue 7 with red_a red-carded: red still wins, red_a is out of it
    body = {"red": {**RED, "card": None}, "blue": {**BLUE, "card": None}, "base_version": 0}
    body["cards"] = {str(red_a): "red", str(red_b): None, **{str(t): None for t in match["blue"]}}
    sent = send(referee, match["id"], body)
    assert sent.status_code == 200 and sent.json()["winner"] == "red", sent.text
    head = page_client(arena, "vhead")
    review = head.get(f"/referee/{arena.event_id}/V/matches/review").text
    badges = re.findall(r'data-team="(\d+)"><span class="mono">[^<]*</span>[^<]*<span class="badge card-(\w+)', review)
    assert badges == [(str(red_a), "red")]  # the card beside the team that got it, no other
    # a correction moves the red card to red_b and gives a blue team a yellow one: per team selects
    data = {"base_version": "1", "red_goals": "3", "red_fouls": "0", "blue_goals": "2", "blue_fouls": "1"}
    data |= {f"card_{red_a}": "", f"card_{red_b}": "red", f"card_{match['blue'][0]}": "yellow"}
    assert form(head, f"/referee/matches/{match['id']}", {**data, "reason": "看录像"}).status_code in (302, 303)
    detail = head.get(f"/referee/matches/{match['id']}").text
    assert f'<select name="card_{red_b}">' in detail and f'<select name="card_{match["blue"][1]}">' in detail
    cards = re.findall(r'<span class="version-card" data-team="(\d+)" data-card="(\w+)">', detail)
    assert cards == [(str(red_a), "red"), (str(red_b), "red"), (str(match["blue"][0]), "yellow")]  # v1, then v2
    history = arena.client.get(f"/api/v1/matches/{match['id']}/history", headers=arena.world.headers("vhead")).json()
    assert [(v["red"]["cards"], v["blue"]["cards"]) for v in history] == [
        ({str(red_a): "red"}, {}),
        ({str(red_b): "red"}, {str(match["blue"][0]): "yellow"}),
    ]


def test_the_card_rule_is_said_once_on_the_match_form(arena):
    """Both alliances have their teams' card questions, but the rule (a yellow card warns, a red
    card disqualifies the team) is one paragraph under both, not repeated in each alliance."""
    match = arena.schedule().json()["matches"][0]
    referee = page_client(arena, "vref")
    for lang, rule in (("zh", "黄牌只作警告。"), ("en", "A yellow card is a warning.")):
        page = referee.get(
            f"/referee/{arena.event_id}/V/matches/score?match={match['id']}", headers={"Accept-Language": lang}
        ).text
        assert page.count(rule) == 1, lang
        assert page.count('class="cards-title"') == 2  # each alliance still asks its teams' cards


def test_every_referee_match_string_has_an_english_translation():
    from pathlib import Path

    from app.i18n import _catalog
    from judging.matches import referee_pages

    root = Path(__file__).resolve().parents[3]
    sources = [
        root / "judging" / "matches" / "referee_pages.py",
        root / "judging" / "matches" / "refereeing.py",
        *sorted((root / "templates" / "judging" / "matches").glob("*referee*.html")),
        root / "templates" / "judging" / "robotics" / "_sheet_items.html",
        root / "templates" / "judging" / "robotics" / "referee_home.html",
    ]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = {
        f"{path.name}: {message}"
        for path in sources
        for a, b in literal.findall(path.read_text(encoding="utf-8"))
        if re.search(r"[\u4e00-\u9fff]", message := (a or b).replace('\\"', '"')) and message not in catalog
    }
    labels = [*referee_pages.STATUS_LABELS.values(), *referee_pages.CARD_LABELS.values()]
    labels += list(referee_pages.WINNER_LABELS.values())
    missing.update(f"label: {v}" for v in labels if v not in catalog)
    assert not missing, sorted(missing)


def test_the_match_pages_in_english(arena):
    match = arena.schedule().json()["matches"][0]
    referee = page_client(arena, "vref")
    assert send(referee, match["id"], {"red": RED, "blue": BLUE}).status_code == 200
    page = referee.get(f"/referee/{arena.event_id}/V/matches/", headers={"Accept-Language": "en"})
    assert "Awaiting head referee" in page.text and "Field 1" in page.text and ">Score<" in page.text
    form_page = referee.get(f"/referee/{arena.event_id}/V/matches/score", headers={"Accept-Language": "en"})
    assert "Yellow card" in form_page.text and "Done: captains confirm" in form_page.text
    shown = re.sub(
        r"<script.*?</script>|VEX 对抗赛|进球|犯规|对抗赛裁判|>中文<", "", form_page.text, flags=re.S
    )  # data
    assert not re.findall(r".{0,30}[\u4e00-\u9fff]{2}.{0,10}", shown)
