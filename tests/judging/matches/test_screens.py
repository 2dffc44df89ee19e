"""The public match screens (judging/matches/screens.py): leaderboard, now / next, queue and the
SVG bracket, opened without logging in, with the right teams, times and results worked out by
hand; the screens' stream sends the state, then a change when a match is committed."""

from __future__ import annotations

import re

import pytest

from judging.matches import bracket_svg
from judging.matches.screens import behind_text, upcoming
from tests.judging.matches.test_api import Arena
from tests.judging.pages import text_of
from tests.sse import EventStream


@pytest.fixture
def arena(world):
    return Arena(world)


def screen(arena, kind, **params):
    response = arena.client.get(f"/screens/{arena.event_id}/V/{kind}", params=params)
    assert response.status_code == 200, response.text
    return response


def section(body: str, attr: str, value) -> str:
    m = re.search(rf'<(section|li|div|tr|g) [^>]*{attr}="{value}"[^>]*>(.*?)</\1>', body, flags=re.S)
    assert m, f"no {attr}={value}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(2))).strip()


def test_behind_text_and_upcoming():
    assert behind_text(None) == ""
    assert behind_text(29) == "准时" and behind_text(-29) == "准时"
    assert behind_text(600) == "落后 10 分钟" and behind_text(-170) == "提前 3 分钟"  # 2 min 50 s: about 3
    ms = [
        {"number": n, "field": 1 + (n - 1) % 2, "status": "committed" if n <= 2 else "scheduled"} for n in range(1, 9)
    ]
    assert [[m["number"] for m in f["matches"]] for f in upcoming(ms, 2)] == [[3, 5], [4, 6]]


def test_index_lists_match_challenges_and_standings_links_to_it(arena):
    assert "本赛事还没有对抗赛赛程。" in text_of(arena.client.get(f"/screens/{arena.event_id}"))
    assert arena.client.get(f"/screens/{arena.event_id}/V/leaderboard").status_code == 404  # no schedule yet
    arena.schedule()
    body = arena.client.get(f"/screens/{arena.event_id}").text
    for kind in ("leaderboard", "now", "queue", "bracket"):
        assert f'href="/screens/{arena.event_id}/V/{kind}"' in body
    assert f'href="/screens/{arena.event_id}"' in arena.client.get(f"/standings/{arena.event_id}").text


def test_now_next_and_queue(arena):
    body = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    by_number = {m["number"]: m for m in body["matches"]}
    # 2 fields: odd matches on one field, even ones on the other (waves of two)
    assert {m["field"] for m in body["matches"][0::2]} == {by_number[1]["field"]}
    for m in body["matches"][:2]:
        arena.score(m["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 1}})
        arena.commit(m["id"])
    page = screen(arena, "now").text
    # matches 1-2 committed: each field now plays 3 (or 4) at 09:05, next 5 (or 6) at 09:10
    for now, following in ((3, 5), (4, 6)):
        field = by_number[now]["field"]
        text = section(page, "data-field", field)
        assert text.startswith(f"{field} 号场地 正在比赛 第 {now} 场 09:05")
        assert f"下一场 第 {following} 场 09:10" in text
        for team in by_number[now]["red"] + by_number[now]["blue"] + by_number[following]["red"]:
            assert names[team] in text
    # the last committed match: 15 : 7 (3 goals; 2 goals and a foul)
    assert "刚结束：第 2 场 · 红方 15 : 7 蓝方" in text_of(screen(arena, "now"))
    queue = screen(arena, "queue", n=3).text
    text = section(queue, "data-field", by_number[3]["field"])
    assert re.findall(r"第 (\d+) 场 (\d\d:\d\d)", text) == [("3", "09:05"), ("5", "09:10"), ("7", "09:15")]
    assert "上场" in text and "候场" in text
    # big type for a projector
    assert 'class="match-screen screen-queue"' in queue


def test_leaderboard(arena):
    body = arena.schedule().json()
    first, second = body["matches"][0], body["matches"][1]
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    # match 1: red 3 goals = 15, blue 2 goals and a foul = 7; match 2: red 5 : blue 20 with a red card
    arena.score(first["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 1}})
    arena.commit(first["id"])
    arena.score(second["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 4, "fouls": 0}, "card": "red"})
    arena.commit(second["id"])
    page = screen(arena, "leaderboard").text
    for team in first["red"]:  # a win: 2 ranking points, average 15: first (two teams share the rank)
        assert section(page, "data-entry", team).startswith(f"1 {names[team]}")
        assert "1-0-0 2 15.00 1" in section(page, "data-entry", team)
    for team in second["red"]:  # a win by the opponents' red card, average 5: third
        assert section(page, "data-entry", team).startswith(f"3 {names[team]}") and "1-0-0 2 5.00" in section(
            page, "data-entry", team
        )
    for team in first["blue"]:
        assert "0-1-0 0 7.00 1" in section(page, "data-entry", team)
    # teams that have not played yet: no rank, no average
    unplayed = [t for t in arena.teams if t not in first["red"] + first["blue"] + second["red"] + second["blue"]]
    assert unplayed == []  # 8 teams, two 2v2 matches: everybody played once
    assert page.index(names[first["red"][0]]) < page.index(names[second["red"][0]])


def test_bracket_screen_single_with_a_bye(arena):
    t = arena.teams
    names = {x: f"V队{i}" for i, x in enumerate(t)}
    arena.schedule()
    assert "淘汰赛对阵还没有产生。" in text_of(screen(arena, "bracket"))
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4], t[4:6]], "best_of": 1}, headers=arena.org
    )
    assert made.status_code == 201, made.text
    # 3 alliances in a bracket of 4: seed 1 has a bye (U1-1), 2 plays 3 (U1-2); the final waits
    page = screen(arena, "bracket").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert section(svg, "data-series", "U1-1") == f"1 {names[t[0]]} · {names[t[1]]} ✓ 轮空"
    assert section(svg, "data-series", "U1-2") == f"2 {names[t[2]]} · {names[t[3]]} 3 {names[t[4]]} · {names[t[5]]}"
    assert section(svg, "data-series", "U2-1") == f"1 {names[t[0]]} · {names[t[1]]} 待定"
    assert "半决赛" in svg and "决赛" in svg
    assert f'fill="{bracket_svg.WIN_FILL}"' in svg.split('data-series="U1-1"')[1].split("</g>")[0]  # bye winner
    game = next(m for m in arena.matches(arena.org) if m["series"] == "U1-2")
    arena.score(game["id"], {"items": {"goals": 0, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}})
    arena.commit(game["id"])
    page = screen(arena, "bracket").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    semi = svg.split('data-series="U1-2"')[1].split("</g>")[0]
    # the winner (alliance 3, the blue side: the lower half of the box) is highlighted
    box_y = int(re.match(r'><rect x="\d+" y="(\d+)"', semi).group(1))
    (win_y,) = re.findall(rf'y="(\d+)" width="\d+" height="\d+" fill="{bracket_svg.WIN_FILL}"', semi)
    assert int(win_y) == box_y + bracket_svg.BOX_H // 2 + 1
    assert section(svg, "data-series", "U2-1") == f"1 {names[t[0]]} · {names[t[1]]} 3 {names[t[4]]} · {names[t[5]]}"
    assert "2 : 3" not in page
    table = section(page[page.index("bracket-table") :], "data-series", "U1-2")
    assert table == f"半决赛 U1-2 2 {names[t[2]]} · {names[t[3]]} 0 : 1 3 {names[t[4]]} · {names[t[5]]} 3 号联盟"


def test_bracket_svg_double_elimination():
    state = {
        "format": "double",
        "best_of": 3,
        "alliances": [[1], [2], [3], [4]],
        "matches": [
            {"id": i, "round": r, "stage": s, "red_alliance": ra, "blue_alliance": ba, "bye": False,
             "red_wins": rw, "blue_wins": bw, "winner": w}
            for i, r, s, ra, ba, rw, bw, w in (
                ("U1-1", 1, "U1", 1, 4, 2, 1, 1),
                ("U1-2", 1, "U1", 2, 3, 0, 1, None),
                ("L1-1", 2, "L1", 4, None, 0, 0, None),
                ("U2-1", 3, "U2", 1, None, 0, 0, None),
                ("L2-1", 4, "L2", None, None, 0, 0, None),
                ("F", 5, "F", None, None, 0, 0, None),
            )
        ],
    }  # fmt: skip
    svg = bracket_svg.render(state, {1: "甲", 2: "乙", 3: "丙", 4: "丁"})
    for series in ("U1-1", "U1-2", "L1-1", "U2-1", "L2-1", "F"):
        assert f'data-series="{series}"' in svg
    for heading in ("胜者组第 1 轮", "胜者组第 2 轮", "败者组第 1 轮", "败者组第 2 轮", "总决赛"):
        assert heading in svg
    u11 = svg.split('data-series="U1-1"')[1].split("</g>")[0]
    assert ">甲<" in u11 and ">丁<" in u11 and ">2<" in u11 and ">1<" in u11  # wins 2 : 1
    assert ">待定<" in svg.split('data-series="F"')[1]
    # the grand final sits right of the upper and lower rounds: 3 columns of 232 + 44 px before it
    final = re.search(r'data-series="F"><rect x="(\d+)"', svg)
    assert final and int(final.group(1)) == bracket_svg.MARGIN + 2 * (bracket_svg.BOX_W + bracket_svg.COL_GAP)


def test_screen_stream_sends_state_then_a_change_on_commit(arena):
    match = arena.schedule().json()["matches"][0]
    arena.score(match["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    with EventStream(arena.client, f"/screens/{arena.event_id}/V/events") as stream:
        assert stream.status == 200
        state = stream.next_event()
        assert state["event"] == "state" and state["data"]["category_code"] == "V"
        page = screen(arena, "leaderboard").text
        assert f'data-version="{state["data"]["version"]}"' in page  # the screen shows this state
        assert arena.commit(match["id"]).status_code == 200
        change = stream.next_event()
        assert change["event"] == "match" and change["data"]["match_id"] == match["id"]
        page = screen(arena, "leaderboard").text
        assert f'data-version="{state["data"]["version"]}"' not in page
    assert arena.client.get(f"/screens/{arena.event_id}/ZZ/events").status_code == 404


def test_screens_in_english(arena):
    arena.schedule()
    page = arena.client.get(f"/screens/{arena.event_id}/V/now", headers={"Accept-Language": "en"})
    assert "Field 1" in page.text and "Now playing" in page.text


def test_every_match_page_string_has_an_english_translation():
    from pathlib import Path

    from app.i18n import _catalog
    from judging.matches import pages, screens

    root = Path(__file__).resolve().parents[3]
    sources = [
        *(root / "judging" / "matches" / n for n in ("pages.py", "screens.py", "bracket_svg.py", "services.py")),
        *sorted((root / "templates" / "judging" / "matches").glob("*.html")),
        root / "templates" / "judging" / "robotics" / "standings_index.html",
        root / "templates" / "judging" / "robotics" / "sheet_index.html",
    ]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = (a or b).replace('\\"', '"')
            if re.search(r"[\u4e00-\u9fff]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    labels = [*screens.SCREEN_TITLES.values(), *pages.ADJUST_KINDS.values(), *pages.RANKING_RULES.values()]
    labels += [*pages.TIEBREAK_LABELS.values()]
    from judging.matches import services

    labels += list(services._REASONS.values())
    missing.update(f"label: {v}" for v in labels if v not in catalog)
    assert not missing, sorted(missing)


def test_bracket_boxes_widen_for_long_team_names():
    # "文昌一中航天队 · 临高中学机器人队": 7 + 3 (" · " about 1.7 ems) + 8 CJK characters, about 16.7 ems,
    # more than the 232 px box holds at 14 px ((232 - 70) / 14 = 11.6 ems): the box widens to show it all
    names = {1: "文昌一中航天队", 2: "临高中学机器人队", 3: "甲", 4: "乙"}
    state = {
        "format": "single",
        "best_of": 1,
        "alliances": [[1, 2], [3, 4]],
        "matches": [
            {"id": "U1-1", "round": 1, "stage": "U1", "red_alliance": 1, "blue_alliance": 2, "bye": False,
             "red_wins": 0, "blue_wins": 0, "winner": None},
        ],
    }  # fmt: skip
    svg = bracket_svg.render(state, names)
    assert ">文昌一中航天队 · 临高中学机器人队<" in svg and "…" not in svg
    width = bracket_svg.box_width(state["alliances"], names)
    assert width > bracket_svg.BOX_W and (width - 70) / bracket_svg.FONT >= bracket_svg._width(
        "文昌一中航天队 · 临高中学机器人队"
    )
    # a drawing never grows without bound: very long names are still cut at the widest box
    long_names = {1: "很" * 60, 2: "长", 3: "甲", 4: "乙"}
    assert bracket_svg.box_width(state["alliances"], long_names) == bracket_svg.MAX_BOX_W
    assert "…" in bracket_svg.render(state, long_names)
