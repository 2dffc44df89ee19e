"""A team's "my matches" view (judging/matches/board.py, screens.py): the team picker, the team page
and its API, with times, shifts, partners, opponents, scores and rank worked out by hand from a
small schedule; and the school coordinator's home page linking its teams' views."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from judging.matches import board
from tests.judging.matches.test_api import Arena
from tests.judging.pages import text_of

GOALS3 = {"items": {"goals": 3, "fouls": 0}}  # 15
GOALS2_FOUL = {"items": {"goals": 2, "fouls": 1}}  # 7


@pytest.fixture
def arena(world):
    return Arena(world)


def planned(number: int) -> str:
    """By the rule: 2 fields from 09:00, 5 minutes a match: matches 1-2 at 09:00, 3-4 at 09:05, ..."""
    start = dt.datetime(2026, 7, 1, 9, 0)
    return (start + dt.timedelta(minutes=5 * ((number - 1) // 2))).strftime("%H:%M")


def later(hhmm: str, minutes: int) -> str:
    return (dt.datetime.strptime(hhmm, "%H:%M") + dt.timedelta(minutes=minutes)).strftime("%H:%M")


def team_block(body: str, number: int) -> str:
    m = re.search(rf'<li class="team-match [^"]*" data-match="{number}">(.*?)</li>', body, flags=re.S)
    assert m, f"no match {number}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip()


def test_team_page_and_api_by_hand(arena):
    schedule = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()["matches"]
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    first = schedule[0]
    team = first["red"][0]  # plays match 1 on red
    partner = first["red"][1]
    assert arena.score(first["id"], GOALS3, GOALS2_FOUL).status_code == 200
    assert arena.commit(first["id"]).status_code == 200
    # the day runs 10 minutes late from match 5 on
    delayed = arena.client.post(
        f"{arena.url}/schedule/adjust", json={"kind": "delay", "from_match": 5, "seconds": 600}, headers=arena.org
    )
    assert delayed.status_code == 200, delayed.text
    mine = [m for m in schedule if team in m["red"] + m["blue"]]
    assert len(mine) == 4  # 8 teams x 4 matches, 4 per match: 8 matches, no surrogates
    assert any(m["number"] >= 5 for m in mine)

    card = arena.client.get(f"{arena.url}/teams/{team}/matches")
    assert card.status_code == 200, card.text
    card = card.json()
    assert card["team"]["team_name"] == names[team] and card["team"]["entry_id"] == team
    # one win (15 : 7): 2 ranking points, shared first place with the partner
    assert (card["rank"], card["ranking_points"], card["played"], card["wins"], card["losses"]) == (1, "2", 1, 1, 0)
    assert card["average_score"] == "15.00"
    assert [m["number"] for m in card["matches"]] == [m["number"] for m in mine]
    for got, m in zip(card["matches"], mine):
        colour = "red" if team in m["red"] else "blue"
        other = "blue" if colour == "red" else "red"
        assert got["colour"] == colour
        assert [p["entry_id"] for p in got["partners"]] == [t for t in m[colour] if t != team]
        assert [p["team_name"] for p in got["opponents"]] == [names[t] for t in m[other]]
        shift = 600 if m["number"] >= 5 else 0
        assert got["shift_seconds"] == shift
        assert board.clock(got["planned_at"]) == planned(m["number"])
        assert board.clock(got["scheduled_at"]) == later(planned(m["number"]), shift // 60)
    one = card["matches"][0]
    assert one["number"] == 1 and one["partners"] == [{"entry_id": partner, "team_name": names[partner]}]
    assert (one["score"], one["opponent_score"], one["result"], one["status"]) == ("15", "7", "win", "committed")
    assert all(m["score"] is None and m["result"] is None for m in card["matches"][1:])

    page = arena.client.get(f"/screens/{arena.event_id}/V/teams/{team}")
    assert page.status_code == 200
    body = page.text
    assert 'data-version="' in body and "/screens/%d/V/events" % arena.event_id in body  # live like the screens
    assert re.search(r'id="team-rank">\s*1\s*<', body) and re.search(r'id="team-points">\s*2\s*<', body)
    text = team_block(body, 1)
    assert text.startswith(f"第 1 场 {planned(1)} {first['field']} 号场地 红方")
    assert f"队友： {names[partner]}" in text
    assert "对手： " + "、".join(names[t] for t in first["blue"]) in text
    assert "胜 15 : 7" in text
    for m in mine:
        if m["number"] >= 5:
            assert f"原定 {planned(m['number'])}，推迟 10 分钟" in team_block(body, m["number"])
            assert later(planned(m["number"]), 10) in team_block(body, m["number"])
    # the address to keep, as a link and a QR code
    assert f"/screens/{arena.event_id}/V/teams/{team}</a>" in body and "<svg" in body

    english = arena.client.get(f"/screens/{arena.event_id}/V/teams/{team}", headers={"Accept-Language": "en"})
    text = team_block(english.text, 1)
    assert "Won 15 : 7" in text and "Red" in text
    if any(m["number"] >= 5 for m in mine):
        late = next(m for m in mine if m["number"] >= 5)
        assert f"Planned {planned(late['number'])}, 10 min later" in team_block(english.text, late["number"])

    # nothing of the page's own is left in Chinese (names are data)
    words = text_of(english)
    for data in [
        *names.values(),
        "VEX 对抗赛",
        "2026年海南省青少年机器人竞赛",
        "海口市第一中学",
        "海南华侨中学",
        "三亚市第一中学",
    ]:
        words = words.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", words), words

    # an unknown team, a team of another challenge: 404
    assert arena.client.get(f"{arena.url}/teams/999999/matches").status_code == 404
    assert arena.client.get(f"/screens/{arena.event_id}/V/teams/999999").status_code == 404


def test_team_picker_by_name_or_number(arena):
    arena.schedule()
    page = arena.client.get(f"/screens/{arena.event_id}/V/teams")
    assert page.status_code == 200
    listed = re.findall(r'<li data-entry="(\d+)">', page.text)
    assert sorted(int(i) for i in listed) == sorted(arena.teams)  # no query: every team
    found = arena.client.get(f"/screens/{arena.event_id}/V/teams", params={"q": " v队3 "}).text
    assert re.findall(r'<li data-entry="(\d+)">', found) == [str(arena.teams[3])]
    assert f'href="/screens/{arena.event_id}/V/teams/{arena.teams[3]}"' in found
    code = arena.client.get(f"{arena.url}/teams/{arena.teams[5]}/matches").json()["team"]["code"]
    assert code
    by_code = arena.client.get(f"/screens/{arena.event_id}/V/teams", params={"q": code.lower()}).text
    assert re.findall(r'<li data-entry="(\d+)">', by_code) == [str(arena.teams[5])]
    none = text_of(arena.client.get(f"/screens/{arena.event_id}/V/teams", params={"q": "不存在"}))
    assert "没有找到名称或编号含“不存在”的队伍。" in none
    # the queue screen leads there
    queue = arena.client.get(f"/screens/{arena.event_id}/V/queue").text
    assert f'href="/screens/{arena.event_id}/V/teams"' in queue


def test_find_teams_and_shift_text():
    view = {
        "teams": [
            {"id": 3, "title": "雷霆", "code": "V-J0003", "school_name": "一中"},
            {"id": 1, "title": "Alpha", "code": "V-J0001", "school_name": "二中"},
        ]
    }
    assert [t["id"] for t in board.find_teams(view, "")] == [1, 3]  # by name
    assert [t["id"] for t in board.find_teams(view, "j0003")] == [3]
    assert [t["id"] for t in board.find_teams(view, "ALPHA")] == [1]
    assert [t["id"] for t in board.find_teams(view, "1")] == [1]  # the id, or in a code
    assert board.shift_text(None) == "" and board.shift_text(59) == "" and board.shift_text(-59) == ""
    assert board.shift_text(600) == "推迟 10 分钟" and board.shift_text(-300) == "提前 5 分钟"


def test_school_dashboard_links_its_teams_views(arena, world):
    arena.schedule()
    client = world.login_page("hk01")
    home = client.get("/").text
    hk01 = [t for i, t in enumerate(arena.teams) if i % 3 == 0]  # teams of HK01 (HK01, HK02, SY01, ...)
    linked = sorted(int(i) for i in re.findall(rf'href="/screens/{arena.event_id}/V/teams/(\d+)"', home))
    assert linked == sorted(hk01)
    assert "本校队伍的比赛" in home


def test_team_page_says_why_a_card_decided_a_match_in_both_languages(arena):
    """A fresh user's finding: in an elimination match blue outscored red 10 to 5 but lost, one
    blue team having a red card; its partner's page said only "负 10 : 5". Now the partner's page
    says its alliance was disqualified, the red-carded team's says it was, and the winners' page
    says why they won with fewer points; in English "Red card" is written alike everywhere and
    the reason reads as a sentence."""
    t = arena.teams
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4]], "best_of": 1}, headers=arena.org
    )
    assert made.status_code == 201, made.text
    game = next(m for m in arena.matches(arena.org) if m["stage"] == "elimination")
    red, blue = game["red"], game["blue"]
    carded, partner = blue
    body = {"cards": {str(carded): "red"}}
    assert (
        arena.score(
            game["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}}, **body
        ).json()["winner"]
        == "red"
    )
    assert arena.commit(game["id"]).status_code == 200

    def one(team, lang="zh"):
        page = arena.client.get(f"/screens/{arena.event_id}/V/teams/{team}", headers={"Accept-Language": lang})
        return team_block(page.text, game["number"])

    api = arena.client.get(f"{arena.url}/teams/{partner}/matches").json()["matches"][0]
    assert (api["result"], api["card"], api["decided_by_card"]) == ("loss", None, "alliance")
    assert one(partner).endswith("负 10 : 5 （本联盟有队伍被红牌取消资格，本场判负）")
    assert one(carded).endswith("负 10 : 5 · 红牌 本队本场取消资格，不得积分")
    assert one(red[0]).endswith("胜 5 : 10 （对方联盟被红牌取消资格，本场判胜）")
    assert one(partner, "en").endswith("Lost 10 : 5 (a red card disqualified this alliance: the match is lost)")
    assert one(carded, "en").endswith(
        "Lost 10 : 5 · Red card (this team was disqualified from the match: no ranking points)"
    )
    assert one(red[0], "en").endswith("Won 5 : 10 (a red card disqualified the other alliance: the match is won)")


def test_one_english_word_for_each_robotics_message():
    """The robotics and match catalogs give each Chinese message one English text, across every
    catalog (they are merged into one): "红牌" was "Red card" in one and "red card" in another, so
    which one a page showed depended on the files' order."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3]
    ours = {"livecache.po", "matches.po", "matchref.po", "referee.po", "robotics.po", "robpages.po", "standings.po"}
    texts: dict[str, set[str]] = {}
    mine: set[str] = set()
    for package in ("app", "competitions", "judging"):
        for path in sorted((root / package).rglob("locale/en/*.po")):
            with path.open("rb") as fh:
                for message in read_po(fh, locale="en"):
                    if message.id and message.string and not message.context:
                        texts.setdefault(str(message.id), set()).add(str(message.string))
                        if package == "judging" and path.name in ours:
                            mine.add(str(message.id))
    assert {m: sorted(texts[m]) for m in mine if len(texts[m]) > 1} == {}
    # nor one text in two capitalisations, with or without a context ("已确认": "committed" as a
    # status badge, "Committed" in the schedule's column)
    entry = re.compile(r'^(?:msgctxt "(.*)"\n)?msgid "(.+)"\nmsgstr "(.+)"', re.M)
    cased: dict[str, set[str]] = {}
    for name in sorted(ours):
        for _context, message, text in entry.findall((root / "judging" / "locale" / "en" / name).read_text("utf-8")):
            cased.setdefault(message, set()).add(text)
    assert {m: sorted(v) for m, v in cased.items() if len({t.lower() for t in v}) < len(v)} == {}
