"""The organizer's match pages (judging/matches/pages.py): the schedule form and table with its
quality figures, the printable schedule, changes on the day with the 422 messages beside the
field, the ranking rule, the alliance selection and the bracket. Values by hand or from the rule."""

from __future__ import annotations

import re

import pytest

from tests.judging.matches.test_api import Arena
from tests.judging.pages import post, text_of


@pytest.fixture
def arena(world):
    arena = Arena(world)
    world.login_page("org")
    return arena


def page_url(arena, tail=""):
    return f"/events/{arena.event_id}/robotics/V/matches/{tail}"


def field_error(body: str, name: str, form: str = "") -> str:
    """The error text printed beside the input ``name`` (inside the same label) of the form
    posting to ``.../matches/<form>`` (the first form by default)."""
    if form:
        body = body[re.search(rf'action="[^"]*/matches/{form}"', body).start() :]
    m = re.search(rf'name="{name}"[^>]*>((?:<span class="field-error"[^>]*>[^<]*</span>)*)', body)
    assert m, f"no input {name}"
    return " ".join(re.findall(r">([^<]*)</span>", m.group(1)))


def text_of_html(body: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def rows(body: str) -> dict[int, str]:
    """The schedule table's rows by match number, as text."""
    found = {}
    for number, row in re.findall(r'<tr data-match="(\d+)">(.*?)</tr>', body, flags=re.S):
        found[int(number)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    return found


def test_challenge_list_links_to_the_match_page(arena):
    body = arena.client.get(f"/events/{arena.event_id}/robotics/").text
    assert f'href="/events/{arena.event_id}/robotics/V/matches/"' in body


def test_schedule_form_table_and_quality(arena):
    page = arena.client.get(page_url(arena))
    assert page.status_code == 200 and "生成排位赛赛程" in page.text and "已审核通过 8 支队伍" in page.text
    made = post(
        arena.client,
        page_url(arena, "schedule"),
        {
            "matches_per_team": "4",
            "teams_per_alliance": "2",
            "fields": "2",
            "min_gap": "1",
            "seed": "42",
            "starts_at": "2026-07-01T09:00",
            "cycle_seconds": "300",
        },
    )
    assert made.status_code == 303
    body = arena.client.get(page_url(arena)).text
    assert "赛程已生成：8 场，随机种子 42。" in body
    api = arena.matches(arena.org)
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    table = rows(body)
    assert sorted(table) == list(range(1, 9))
    # 2 fields, 5-minute cycle from 09:00 (Asia/Shanghai): 1-2 at 09:00, 3-4 at 09:05, 7-8 at 09:15
    for m in api:
        expected_time = f"09:{5 * ((m['number'] - 1) // 2):02d}"
        line = table[m["number"]]
        assert line.startswith(f"{m['number']} {m['field']} {expected_time}")
        for team in m["red"] + m["blue"]:
            assert names[team] in line
    # the quality figures beside it are those of the same inputs and seed through the API
    quality = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()["quality"]
    body = arena.client.get(page_url(arena)).text
    assert re.search(r'id="q-penalty">(\d+)<', body).group(1) == str(quality["penalty"])
    assert re.search(r'id="q-gap">(\d+)<', body).group(1) == str(quality["min_gap"])
    assert re.search(r'id="q-partners">(\d+)<', body).group(1) == str(quality["repeated_partners"])
    assert re.search(r'id="q-opponents">(\d+)<', body).group(1) == str(quality["repeated_opponents"])
    assert re.search(r'id="q-colour">(\d+)<', body).group(1) == str(quality["colour_imbalance"])
    printed = arena.client.get(page_url(arena, "print"))
    assert printed.status_code == 200
    assert "时间为北京时间。" in printed.text and printed.text.count('<tr><td class="num">') == 8


def test_schedule_refusal_is_shown_beside_the_field_with_the_input_kept(arena):
    refused = post(
        arena.client,
        page_url(arena, "schedule"),
        {"matches_per_team": "4", "teams_per_alliance": "2", "fields": "2", "min_gap": "5", "seed": "42"},
    )
    assert refused.status_code == 422
    # 8 teams, 4 per match: 2 matches a round, so a team's gap can be at most 1
    assert "8 支队伍、每场 4 支时，每轮只有 2 场，间隔最多只能是 1 场。" in field_error(refused.text, "min_gap")
    assert 'name="min_gap" value="5"' in refused.text and 'name="seed" value="42"' in refused.text
    assert field_error(refused.text, "fields") == ""
    typo = post(arena.client, page_url(arena, "schedule"), {"matches_per_team": "four", "teams_per_alliance": "2"})
    assert typo.status_code == 422
    assert field_error(typo.text, "matches_per_team") == "每队场数必须是 1 到 50 之间的整数。"
    when = post(
        arena.client,
        page_url(arena, "schedule"),
        {"matches_per_team": "4", "teams_per_alliance": "2", "starts_at": "明天九点"},
    )
    assert when.status_code == 422 and "开始时间格式不对" in field_error(when.text, "starts_at")
    assert arena.matches(arena.org) == []  # nothing stored


def test_surrogates_are_marked(arena):
    # 8 teams x 2 matches in 3v3 (6 a match): 16 places do not fill whole matches, so some
    # appearances are surrogates, marked with * and not counted
    made = post(
        arena.client,
        page_url(arena, "schedule"),
        {"matches_per_team": "2", "teams_per_alliance": "3", "fields": "1", "min_gap": "0", "seed": "3"},
    )
    assert made.status_code == 303
    api = arena.matches(arena.org)
    surrogates = sum(len(m["surrogates"]) for m in api)
    assert surrogates == len(api) * 6 - 16 > 0
    body = arena.client.get(page_url(arena)).text
    assert body.count(' surrogate">') == surrogates


def test_changes_on_the_day(arena):
    body = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()
    first, second = body["matches"][0], body["matches"][1]
    for m in (first, second):
        arena.score(m["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 0, "fouls": 0}})
        arena.commit(m["id"])
    page = arena.client.get(page_url(arena)).text
    assert 'name="from_match" value="3"' in page  # the first match not played yet
    # a delay from a match that does not exist is refused beside the field
    bad = post(arena.client, page_url(arena, "adjust"), {"kind": "delay", "from_match": "99", "seconds": "600"})
    assert (
        bad.status_code == 422
        and field_error(bad.text, "from_match", "adjust") == "从第几场起必须是 1 到 8 之间的整数。"
    )
    assert 'name="from_match" value="99"' in bad.text
    # a 10-minute delay from match 3: 3-4 move from 09:05 to 09:15, 7-8 from 09:15 to 09:25
    ok = post(arena.client, page_url(arena, "adjust"), {"kind": "delay", "from_match": "3", "seconds": "600"})
    assert ok.status_code == 303
    shown = arena.client.get(page_url(arena)).text
    # the message says what changed: matches 3-8 (6 not played) have new times
    assert "赛程已调整（第 3 场起推迟 600 秒）：6 场尚未比赛的场次改了时间。" in text_of_html(shown)
    table = rows(shown)
    assert [table[n].split()[2] for n in range(1, 9)] == [
        "09:00",
        "09:00",
        "09:15",
        "09:15",
        "09:20",
        "09:20",
        "09:25",
        "09:25",
    ]
    page = text_of(arena.client.get(page_url(arena)))
    assert "第 3 场起推迟 600 秒" in page
    # a no-show after match 2: with one field left a gap of 1 cannot hold (7 teams, 4 a match)
    gone = first["red"][0]
    tight = post(
        arena.client, page_url(arena, "regenerate"), {"drop": [str(gone)], "fields": "1", "min_gap": "1", "seed": "7"}
    )
    assert tight.status_code == 422
    assert "7 支队伍、每场 4 支时，每轮只有 1 场，间隔最多只能是 0 场。" in field_error(
        tight.text, "min_gap", "regenerate"
    )
    assert f'name="drop" value="{gone}" checked' in tight.text
    two = post(arena.client, page_url(arena, "regenerate"), {"drop": [str(gone)], "fields": "2", "min_gap": "0"})
    assert two.status_code == 422 and "最多只能同时进行 1 场" in field_error(two.text, "fields", "regenerate")
    done = post(
        arena.client, page_url(arena, "regenerate"), {"drop": [str(gone)], "fields": "1", "min_gap": "0", "seed": "7"}
    )
    assert done.status_code == 303
    api = arena.matches(arena.org)
    assert all(gone not in m["red"] + m["blue"] for m in api[2:])
    gone_name = f"V队{arena.teams.index(gone)}"
    page = text_of(arena.client.get(page_url(arena)))
    assert (
        f"第 3 场起尚未比赛的场次已重新排程：排位赛现在共 {len(api)} 场（原来 8 场），随机种子 7。"
        f" 缺席、不再安排比赛：{gone_name}。"
    ) in page
    assert f"本赛项 8 支队伍已通过审核，其中 1 支缺席（{gone_name}），7 支参赛。" in page
    assert (api[0]["red_score"], api[0]["blue_score"]) == ("5", "0")  # match 1 kept with its score


def test_behind_is_shown(arena):
    import datetime as dt

    from app import times

    start = (times.local_now() - dt.timedelta(minutes=10)).replace(microsecond=0)
    match = arena.schedule(starts_at=start.isoformat(), cycle_seconds=300).json()["matches"][0]
    page = text_of(arena.client.get(page_url(arena)))
    assert "还没有比赛开始，无法计算进度。" in page
    # match 1 was due 10 minutes ago and starts (is scored) now: 10 minutes behind
    arena.score(match["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 0, "fouls": 0}})
    assert re.search(r"当前进度：\s*落后 10 分钟", text_of(arena.client.get(page_url(arena))))


def test_behind_is_measured_against_the_times_in_force(arena):
    """A fresh user's finding: the organizer announced a 10-minute delay and the field kept to the
    new times, yet every screen still said "落后 10 分钟" (against the first timetable), and once
    an elimination match (no time of its own) was scored the screens said "提前 26 分钟". Ahead
    and behind now compare the last started qualification match with the time it was due then."""
    import datetime as dt

    from app import times

    start = (times.local_now() - dt.timedelta(minutes=10)).replace(microsecond=0)
    matches = arena.schedule(starts_at=start.isoformat(), cycle_seconds=300).json()["matches"]
    delayed = arena.client.post(
        f"{arena.url}/schedule/adjust", json={"kind": "delay", "from_match": 1, "seconds": 600}, headers=arena.org
    )
    assert delayed.status_code == 200, delayed.text
    # match 1 is now due now and starts (is scored) now: on time
    arena.score(matches[0]["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 0, "fouls": 0}})
    assert arena.commit(matches[0]["id"]).status_code == 200
    assert re.search(r"当前进度：\s*准时", text_of(arena.client.get(page_url(arena))))
    team = matches[0]["red"][0]
    behind = arena.client.get(f"{arena.url}/teams/{team}/matches").json()["behind_seconds"]
    assert abs(behind) < 30  # seconds between the delay and the score
    # an elimination match played now does not move the figure
    t = arena.teams
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4]], "confirm_unplayed": True}, headers=arena.org
    )
    assert made.status_code == 201, made.text
    game = next(m for m in arena.matches(arena.org) if m["stage"] == "elimination")
    assert (
        arena.score(game["id"], {"items": {"goals": 1, "fouls": 0}}, {"items": {"goals": 0, "fouls": 0}}).status_code
        == 200
    )
    assert re.search(r"当前进度：\s*准时", text_of(arena.client.get(page_url(arena))))
    now = text_of(arena.client.get(f"/screens/{arena.event_id}/V/now"))
    assert "准时" in now and "提前" not in now


def test_ranking_rule_form(arena):
    arena.schedule()
    bad = post(
        arena.client,
        page_url(arena, "ranking"),
        {
            "rule": "ranking_points",
            "win": "two",
            "tie": "1",
            "loss": "0",
            "drop_lowest": "0",
            "tiebreaks": "average_score",
        },
    )
    assert bad.status_code == 422 and field_error(bad.text, "win", "ranking") == "win 的积分必须是 0 到 100 之间的数。"
    assert 'name="win" value="two"' in bad.text
    wrong = post(
        arena.client,
        page_url(arena, "ranking"),
        {"rule": "ranking_points", "win": "3", "tie": "1", "loss": "0", "drop_lowest": "0", "tiebreaks": "luck"},
    )
    assert wrong.status_code == 422 and "排名依据只能从" in field_error(wrong.text, "tiebreaks", "ranking")
    ok = post(
        arena.client,
        page_url(arena, "ranking"),
        {
            "rule": "ranking_points",
            "win": "3",
            "tie": "1",
            "loss": "0",
            "drop_lowest": "0",
            "tiebreaks": "highest_score, average_score",
        },
    )
    assert ok.status_code == 303
    # a win now earns 3 ranking points
    match = arena.matches(arena.org)[0]
    arena.score(match["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    arena.commit(match["id"])
    teams = {t["entry_id"]: t for t in arena.client.get(f"{arena.url}/rankings").json()["teams"]}
    assert {teams[t]["ranking_points"] for t in match["red"]} == {"3"}
    body = arena.client.get(page_url(arena)).text
    assert 'name="win" value="3"' in body and 'value="highest_score, average_score"' in body


def test_alliance_selection_and_bracket_pages(arena):
    for m in arena.schedule().json()["matches"]:
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    ranked = [t["entry_id"] for t in arena.client.get(f"{arena.url}/rankings").json()["teams"]]
    names = {t: f"V队{i}" for i, t in enumerate(arena.teams)}
    page = arena.client.get(page_url(arena, "alliances"))
    assert page.status_code == 200 and "还没有开始联盟选择。" in page.text
    too_many = post(
        arena.client, page_url(arena, "alliances/start"), {"alliances": "5", "size": "2", "order": "serpentine"}
    )
    assert too_many.status_code == 422
    assert (
        field_error(too_many.text, "alliances", "alliances/start")
        == "5 个 2 队联盟需要 10 支队伍，现在只有 8 支有排名。"
    )
    assert (
        post(
            arena.client, page_url(arena, "alliances/start"), {"alliances": "2", "size": "2", "order": "serpentine"}
        ).status_code
        == 303
    )
    body = arena.client.get(page_url(arena, "alliances")).text
    assert "轮到 1 号联盟选择队伍" in body
    # alliance 1 (captain: the top team) invites the 3rd: declined, greyed; then the 4th accepts
    assert (
        post(
            arena.client, page_url(arena, "alliances/invite"), {"entry_id": str(ranked[2]), "answer": "declined"}
        ).status_code
        == 303
    )
    body = arena.client.get(page_url(arena, "alliances")).text
    assert f'<tr data-entry="{ranked[2]}" class="declined">' in body
    assert (
        post(
            arena.client, page_url(arena, "alliances/invite"), {"entry_id": str(ranked[3]), "answer": "accepted"}
        ).status_code
        == 303
    )
    # the declined team cannot be picked: the refusal is shown
    refused = post(
        arena.client, page_url(arena, "alliances/invite"), {"entry_id": str(ranked[2]), "answer": "accepted"}
    )
    assert refused.status_code == 422 and "拒绝过邀请，不能再被选择" in text_of(refused)
    # a bracket before the selection is over is refused with the reason
    early = post(arena.client, page_url(arena, "bracket"), {"source": "selection", "format": "single", "best_of": "1"})
    assert early.status_code == 409 and "联盟选择还没有结束。" in text_of(early)
    post(arena.client, page_url(arena, "alliances/invite"), {"entry_id": str(ranked[4]), "answer": "accepted"})
    body = text_of(arena.client.get(page_url(arena, "alliances")))
    assert "联盟选择已经结束。" in body
    assert f"{names[ranked[0]]}、{names[ranked[3]]}" in body and f"{names[ranked[1]]}、{names[ranked[4]]}" in body
    made = post(arena.client, page_url(arena, "bracket"), {"source": "selection", "format": "single", "best_of": "3"})
    assert made.status_code == 303
    state = arena.client.get(f"{arena.url}/bracket").json()
    assert state["alliances"] == [[ranked[0], ranked[3]], [ranked[1], ranked[4]]] and state["best_of"] == 3


def test_bracket_seeded_from_rankings(arena):
    for m in arena.schedule().json()["matches"]:
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    ranked = [t["entry_id"] for t in arena.client.get(f"{arena.url}/rankings").json()["teams"]]
    bad = post(
        arena.client,
        page_url(arena, "bracket"),
        {"source": "rankings", "alliances": "1", "size": "2", "format": "double", "best_of": "1"},
    )
    assert (
        bad.status_code == 422 and field_error(bad.text, "alliances", "bracket") == "联盟数必须是 2 到 16 之间的整数。"
    )
    made = post(
        arena.client,
        page_url(arena, "bracket"),
        {"source": "rankings", "alliances": "3", "size": "2", "format": "double", "best_of": "1"},
    )
    assert made.status_code == 303
    # captains 1-3 by rank; the first round of picks runs 1, 2, 3 (serpentine turns back only on
    # the second round): alliance 1 takes the 4th, 2 the 5th, 3 the 6th
    state = arena.client.get(f"{arena.url}/bracket").json()
    assert state["alliances"] == [[ranked[0], ranked[3]], [ranked[1], ranked[4]], [ranked[2], ranked[5]]]
    assert state["format"] == "double"


def test_organizer_pages_are_for_organizers(arena, world):
    other = world.client.__class__(app=world.client.app, base_url=str(world.client.base_url))
    with other:
        world.login_page("vref", other)
        assert other.get(page_url(arena)).status_code in (403, 404)
        assert post(other, page_url(arena, "schedule"), {"matches_per_team": "2"}).status_code in (403, 404)
    assert arena.client.get(f"/events/{arena.event_id}/robotics/ZZ/matches/").status_code == 404


def test_selection_and_seeding_wait_for_the_qualification_unless_confirmed(arena):
    matches = arena.schedule().json()["matches"]  # 8 teams x 4 / 4 per match = 8 matches
    for m in matches[:5]:
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    arena.score(matches[5]["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    # 2 scheduled, 1 scored but not committed
    warning = "排位赛还有 2 场尚未比赛、1 场已记分但主裁判尚未确认，排名可能还会变化。"
    assert warning in text_of(arena.client.get(page_url(arena, "alliances")))
    body = {"alliances": 2, "size": 2, "order": "serpentine"}
    refused = arena.client.post(f"{arena.url}/alliance-selection", json=body, headers=arena.org)
    assert refused.status_code == 409 and warning in refused.json()["detail"]
    seeded = post(
        arena.client,
        page_url(arena, "bracket"),
        {"source": "rankings", "alliances": "2", "size": "2", "format": "single", "best_of": "1"},
    )
    assert seeded.status_code == 409 and warning in text_of(seeded)
    assert arena.client.get(f"{arena.url}/bracket").status_code == 404
    confirmed = post(
        arena.client,
        page_url(arena, "bracket"),
        {
            "source": "rankings",
            "alliances": "2",
            "size": "2",
            "format": "single",
            "best_of": "1",
            "confirm_unplayed": "1",
        },
    )
    assert confirmed.status_code == 303
    started = arena.client.post(
        f"{arena.url}/alliance-selection", json={**body, "confirm_unplayed": True}, headers=arena.org
    )
    assert started.status_code == 201, started.text
    for m in matches[5:]:
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    assert "排位赛还有" not in text_of(arena.client.get(page_url(arena, "alliances")))


def test_alliance_roles_and_no_shows(arena):
    matches = arena.schedule().json()["matches"]
    for m in matches[:2]:
        arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        arena.commit(m["id"])
    # a team that played drops out: the rest is scheduled without it
    gone = matches[0]["blue"][0]
    again = arena.client.post(
        f"{arena.url}/schedule/regenerate",
        json={"drop": [gone], "seed": 7, "fields": 1, "min_gap": 0},
        headers=arena.org,
    )
    assert again.status_code == 200, again.text
    for m in arena.matches(arena.org):
        if m["status"] != "committed":
            arena.score(m["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
            arena.commit(m["id"])
    ranked = [t["entry_id"] for t in arena.client.get(f"{arena.url}/rankings").json()["teams"] if t["rank"]]
    assert gone in ranked
    started = arena.client.post(f"{arena.url}/alliance-selection", json={"alliances": 2, "size": 2}, headers=arena.org)
    assert started.status_code == 201 and started.json()["no_shows"] == [gone]
    assert gone not in started.json()["pickable"]
    url = f"{arena.url}/alliance-selection/invitations"
    refused = arena.client.post(url, json={"entry_id": gone, "accepted": True}, headers=arena.org)
    title = f"V队{arena.teams.index(gone)}"
    assert refused.status_code == 422 and title in refused.json()["detail"] and "缺席" in refused.json()["detail"]
    # the top team captains alliance 1 (the no-show lost its matches as blue, so it is not on top);
    # alliance 1 invites the next team, which declines, then the one after, which accepts: the
    # team that declined is then the best free team and captains alliance 2
    free = [t for t in ranked if t != gone]
    assert free[0] == ranked[0]
    assert arena.client.post(url, json={"entry_id": free[1], "accepted": False}, headers=arena.org).status_code == 200
    assert arena.client.post(url, json={"entry_id": free[2], "accepted": True}, headers=arena.org).status_code == 200
    state = arena.client.get(f"{arena.url}/alliance-selection").json()
    assert state["alliances"][1] == [free[1]]
    body = arena.client.get(page_url(arena, "alliances")).text
    row = {
        int(e): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for e, r in re.findall(r'<tr data-entry="(\d+)"[^>]*>(.*?)</tr>', body, flags=re.S)
    }
    assert "缺席" in row[gone]
    assert "1 号联盟队长" in row[free[0]] and "1 号联盟队员" in row[free[2]]
    assert "2 号联盟队长" in row[free[1]] and "已拒绝" not in row[free[1]] and "曾拒绝邀请" in row[free[1]]


def test_organizer_pages_in_english_say_match_start_time_and_states(arena):
    matches = arena.schedule(starts_at="2026-12-08T09:00").json()["matches"]
    arena.score(matches[0]["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    arena.commit(matches[0]["id"])
    arena.score(matches[1]["id"], {"items": {"goals": 2, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
    arena.client.cookies.set("lang", "en")
    body = arena.client.get(page_url(arena)).text
    assert '<th class="num">Match</th>' in body and "Session" not in body
    assert "Start time<input" in body and "Started" not in body
    table = rows(body)
    assert table[1].endswith("Committed 10 : 5") and table[2].endswith("Scored 10 : 5")
    assert table[3].endswith("Not started —")
    assert ">Delay</option>" in body and ">New cycle time</option>" in body
    printed = arena.client.get(page_url(arena, "print")).text
    assert '<th class="num">Match</th>' in printed
    for page in (page_url(arena, "alliances"), f"/screens/{arena.event_id}/V/leaderboard"):
        assert "<th>Team</th>" in arena.client.get(page).text
