"""The standings cache (judging/robotics/cache.py): an approval, a correction and a new sheet
change what the API answers at once; a change made behind the services' back (no signal) is
caught by the fingerprint; the cached answer always equals the one computed from scratch.

Sheet (tests/judging/robotics/test_api.py): m1 10 a unit, m2 25, p1 -5 a touch, time t;
counted: best run; tie-breaks: time of the counted run, then the next-best run."""

from __future__ import annotations

import asyncio
import copy
import html

import pytest

from app.errors import NotFound
from judging.robotics import cache
from judging.robotics import services as robotics
from judging.robotics.tables import Run
from tests.judging.robotics.test_api import RUN_60, SHEET, Robotics

# 5x10 + 25 - 0 = 75 in 91.2 s
RUN_75 = {"m1": 5, "m2": True, "p1": 0, "t": "91.2"}
# 4x10 + 25 - 1x5 = 60 in 80 s (the correction of 海燕队's run)
RUN_60_FASTER = {"m1": 4, "m2": True, "p1": 1, "t": "80"}


@pytest.fixture
def rob(world):
    rob = Robotics(world)
    assert rob.put_sheet().status_code == 200
    return rob


def lines(rob):
    return [(t["team_name"], t["rank"], t["counted_score"], t["explanation"]) for t in rob.standings()]


def scratch(rob):
    return rob.world.run(robotics.category_standings(rob.event_id, "R1"))


def test_approval_and_correction_change_the_cached_standings(rob):
    feilong = rob.submit("飞龙队").json()["id"]
    haiyan = rob.submit("海燕队", items=RUN_75).json()["id"]
    # nothing approved: three approved teams, none ranked
    assert [(t[1], t[2]) for t in lines(rob)] == [(None, None)] * 3
    assert rob.approve(feilong).status_code == 200
    first = lines(rob)
    assert first[0] == ("飞龙队", 1, "60", "")
    assert rob.approve(haiyan).status_code == 200
    assert lines(rob)[:2] == [
        ("海燕队", 1, "75", "75 分，高于下一名的 60 分。"),
        ("飞龙队", 2, "60", ""),
    ]
    assert rob.standings() == scratch(rob)["teams"]
    # a correction of the approved run (with a reason): 60 in 80 s beats 60 in 87.4 s on time
    patched = rob.client.patch(
        f"/api/v1/runs/{haiyan}", json={"items": RUN_60_FASTER, "reason": "复核录像"}, headers=rob.world.headers("head")
    )
    assert patched.status_code == 200, patched.text
    assert lines(rob)[:2] == [
        ("海燕队", 1, "60", "与下一名同为 60 分；用时：80 秒 对 87.4 秒。"),
        ("飞龙队", 2, "60", ""),
    ]
    assert rob.standings() == scratch(rob)["teams"]


def test_a_new_sheet_with_recompute_rescores_the_standings(rob):
    run_id = rob.submit("飞龙队").json()["id"]
    rob.approve(run_id)
    assert lines(rob)[0][2] == "60"
    changed = copy.deepcopy(SHEET)
    changed["items"][0]["points"] = 20  # m1 now 20 a unit: 4x20 + 25 - 5 = 100
    assert rob.put_sheet(changed, recompute=True).status_code == 200
    assert lines(rob)[0][:3] == ("飞龙队", 1, "100")


def test_a_change_without_a_signal_is_caught_by_the_fingerprint(rob):
    run_id = rob.submit("飞龙队").json()["id"]
    rob.approve(run_id)
    assert lines(rob)[0][2] == "60"
    # behind the services' back (another process, a repair): a new score and version
    rob.world.run(Run.update({Run.score: "65", Run.version: Run.version + 1}).where(Run.id == run_id))
    assert lines(rob)[0][2] == "65"
    assert rob.standings() == scratch(rob)["teams"]


def test_explanations_follow_the_reader_language(rob):
    for team, items in (("飞龙队", RUN_60), ("海燕队", RUN_75)):
        rob.approve(rob.submit(team, items=items).json()["id"])
    zh = rob.standings()[0]["explanation"]
    en = rob.client.get(
        f"/api/v1/events/{rob.event_id}/categories/R1/standings", headers={"Accept-Language": "en"}
    ).json()["teams"][0]["explanation"]
    assert zh == "75 分，高于下一名的 60 分。"
    assert en != zh and "75" in en and "60" in en
    assert rob.standings()[0]["explanation"] == zh  # the Chinese answer is still cached as it was


def test_only_the_changed_team_is_reloaded(rob, monkeypatch):
    ids = {team: rob.submit(team).json()["id"] for team in ("飞龙队", "海燕队")}
    rob.approve(ids["飞龙队"])
    rob.standings()
    full_loads = []
    original = cache._load_all

    async def counting(category_id):
        full_loads.append(category_id)
        return await original(category_id)

    monkeypatch.setattr(cache, "_load_all", counting)
    rob.approve(ids["海燕队"])
    # 60 in 87.4 s each: equal on every key (no next-best run), the rank is shared
    assert [t[1] for t in lines(rob)[:2]] == [1, 1]
    assert full_loads == []  # the approval named the team: only its runs were read again


def test_standings_rank_per_division_as_results_do(rob):
    """Issue 13: public standings mixed divisions in one list while results and awards rank per
    division. Lines come by division (小学, 初中, 高中), each ranked from 1; the reason line
    compares with the next team of the same division; cache and scratch agree."""
    from tests.factories import competitions as factories

    world = rob.world
    xiaoxue = factories.entry(
        world, "HK01", students=2, title="小星队", category="R1", event_id=rob.event_id, division="小学"
    )
    gaozhong = factories.entry(
        world, "HK02", students=2, title="高远队", category="R1", event_id=rob.event_id, division="高中"
    )
    rob.teams.update({"小星队": xiaoxue["id"], "高远队": gaozhong["id"]})
    for team, items in (
        ("飞龙队", RUN_60),  # 初中 60
        ("海燕队", RUN_75),  # 初中 75
        ("小星队", {"m1": 2, "m2": False, "p1": 0, "t": "100"}),  # 小学 2x10 = 20
        ("高远队", {"m1": 1, "m2": False, "p1": 0, "t": "100"}),  # 高中 1x10 = 10
    ):
        assert rob.approve(rob.submit(team, items=items).json()["id"]).status_code == 200
    teams = rob.standings()
    assert [(t["division"], t["team_name"], t["rank"], t["counted_score"], t["explanation"]) for t in teams] == [
        ("小学", "小星队", 1, "20", ""),  # alone in its division: nobody below it
        ("初中", "海燕队", 1, "75", "75 分，高于下一名的 60 分。"),
        ("初中", "飞龙队", 2, "60", ""),  # not compared with 小星队's 20 (another division)
        ("初中", "椰风队", None, None, "还没有通过审核的成绩。"),
        ("高中", "高远队", 1, "10", ""),
    ]
    assert scratch(rob) == {"teams": teams}
    page = html.unescape(rob.client.get(f"/standings/{rob.event_id}/R1").text)
    heads = [page.index(f'scope="rowgroup">{d}</th>') for d in ("小学", "初中", "高中")]
    assert heads == sorted(heads) and heads[0] < page.index("小星队") < heads[1] < page.index("海燕队") < heads[2]
    big = html.unescape(rob.client.get(f"/standings/{rob.event_id}/R1?display=1").text)
    assert big.count('class="division-head"') == 3


def test_readers_at_the_same_moment_share_one_fingerprint_read(rob, monkeypatch):
    """Issue 19: 64 visitors at once each read the fingerprint and queued for the pooled
    PostgreSQL connections (p99 300 ms at a p50 of 10 ms). Readers arriving while a read of the same
    challenge is under way take its answer; the next read after a change sees the change; a failed
    read is not shared (each reader gets its own answer)."""
    rob.approve(rob.submit("飞龙队").json()["id"])
    run_id = rob.submit("海燕队", items=RUN_75).json()["id"]
    rob.approve(run_id)
    rob.standings()
    reads: list[str] = []
    original = cache._head

    async def slow_read(event_id, code):
        reads.append(code)
        await asyncio.sleep(0.05)  # the query takes a moment: the others arrive meanwhile
        return await original(event_id, code)

    monkeypatch.setattr(cache, "_head", slow_read)

    async def twenty(code="R1"):
        return await asyncio.gather(
            *[cache.category_standings(rob.event_id, code) for _ in range(20)], return_exceptions=True
        )

    answers = rob.world.run(twenty())
    assert reads == ["R1"]
    assert [a["teams"][0]["counted_score"] for a in answers] == ["75"] * 20
    # behind the services' back: the next reads (again one for all) see 80
    rob.world.run(Run.update({Run.score: "80", Run.version: Run.version + 1}).where(Run.id == run_id))
    answers = rob.world.run(twenty())
    assert reads == ["R1", "R1"]
    assert {a["teams"][0]["counted_score"] for a in answers} == {"80"}
    # an unknown challenge: the first read fails, and every reader reads for itself
    reads.clear()
    answers = rob.world.run(twenty("R9"))
    assert reads == ["R9"] * 20
    assert all(isinstance(a, NotFound) for a in answers)
