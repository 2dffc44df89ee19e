"""The standings cache (judging/robotics/cache.py): an approval, a correction and a new sheet
change what the API answers at once; a change made behind the services' back (no signal) is
caught by the fingerprint; the cached answer always equals the one computed from scratch.

Sheet (tests/judging/robotics/test_api.py): m1 10 a unit, m2 25, p1 -5 a touch, time t;
counted: best run; tie-breaks: time of the counted run, then the next-best run."""

from __future__ import annotations

import copy

import pytest

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
