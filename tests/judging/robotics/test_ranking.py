"""Robotics challenges in the event's results (judging/robotics/ranking.py): run challenges ranked
per division by their standings with tie-breaks, awards by the event's quotas, combined challenges
(runs and judging with stated weights). Every figure is computed by hand in the comments."""

from __future__ import annotations

import html
from decimal import Decimal
from types import SimpleNamespace

import pytest

from judging.robotics.ranking import Weights, combined_scores, parse_weights
from tests.factories import competitions as factories
from tests.factories import judging as judging_factories
from tests.judging.robotics.test_api import Robotics

# R2's sheet: one count item, 10 points a unit, best run counts
SIMPLE = {
    "items": [{"code": "m", "name": "任务", "type": "count", "min": 0, "max": 20, "points": 10}],
    "rounds": 2,
    "counted": {"rule": "best"},
    "tiebreaks": [],
}


def test_combined_scores_by_hand():
    # best counted 85 scales to 100; 60 -> 60/85*100 = 70.588235... -> 70.59
    # 创客: (40 * 70.588235... + 60 * 90) / 100 = 28.235294... + 54 = 82.235294... -> 82.24
    # 极光: (40 * 100 + 60 * 70) / 100 = 82.00
    got = combined_scores(
        {1: Decimal(60), 2: Decimal(85), 3: Decimal(50)},
        {1: Decimal(90), 2: Decimal(70)},  # 3 has no judged score: not combined
        Weights(Decimal(40), Decimal(60)),
        2,
    )
    assert got == {1: (Decimal("70.59"), Decimal("82.24")), 2: (Decimal("100.00"), Decimal("82.00"))}
    # a group whose best run is 0: every run part is 0, the judged part alone: 60 * 80 / 100 = 48.00
    assert combined_scores({1: Decimal(0)}, {1: Decimal(80)}, Weights(Decimal(40), Decimal(60)), 2) == {
        1: (Decimal("0.00"), Decimal("48.00"))
    }


def test_weights_must_add_to_100_and_name_the_field():
    assert parse_weights({"runs": "40", "judged": 60}) == Weights(Decimal(40), Decimal(60))
    with pytest.raises(Exception) as wrong_sum:
        parse_weights({"runs": 40, "judged": 50})
    assert wrong_sum.value.errors == [{"field": "judged", "message": "两项权重之和必须是 100，现在是 90。"}]
    with pytest.raises(Exception) as not_number:
        parse_weights({"runs": "四十", "judged": 60})
    assert not_number.value.errors[0]["field"] == "runs"


@pytest.fixture
def rob(world):
    return Robotics(world)


def _results(rob):
    response = rob.client.get(f"/api/v1/events/{rob.event_id}/results", headers=rob.org)
    assert response.status_code == 200, response.text
    return {r["entry_id"]: r for r in response.json()["entries"]}


def _approved(rob, team, round, items, code="R1", by="referee", head="head"):
    body = {"entry_id": team, "category_code": code, "round": round, "items": items}
    made = rob.client.post("/api/v1/runs", json=body, headers=rob.world.headers(by))
    assert made.status_code == 201, made.text
    assert rob.approve(made.json()["id"], by=head).status_code == 200
    return made.json()


def test_run_challenge_results_rank_by_standings_per_division(rob):
    assert rob.put_sheet().status_code == 200
    feilong, haiyan, yefeng = rob.teams["飞龙队"], rob.teams["海燕队"], rob.teams["椰风队"]
    senior = {
        name: factories.entry(
            rob.world, "HK01", students=2, title=name, category="R1", division="高中", event_id=rob.event_id
        )["id"]
        for name in ("星火队", "雷霆队")
    }
    # 初中: both 4x10 + 25 - 5 = 60; 飞龙 in 87.4 s, 海燕 in 91.2 s: time_of_counted separates them
    _approved(rob, feilong, 1, {"m1": 4, "m2": True, "p1": 1, "t": "87.4"})
    _approved(rob, haiyan, 1, {"m1": 4, "m2": True, "p1": 1, "t": "91.2"})
    # 海燕's second run (6x10 + 25 = 85) is only submitted: it does not count
    unapproved = {
        "entry_id": haiyan,
        "category_code": "R1",
        "round": 2,
        "items": {"m1": 6, "m2": True, "p1": 0, "t": "80"},
    }
    assert rob.client.post("/api/v1/runs", json=unapproved, headers=rob.world.headers("referee")).status_code == 201
    # 高中: 星火 6x10 + 25 = 85; 雷霆 has no run
    _approved(rob, senior["星火队"], 1, {"m1": 6, "m2": True, "p1": 0, "t": "100"})
    rows = _results(rob)
    assert (rows[feilong]["rank"], rows[feilong]["score"], rows[feilong]["status"]) == (1, "60.00", "complete")
    assert (rows[haiyan]["rank"], rows[haiyan]["score"]) == (2, "60.00")
    assert rows[feilong]["explanation"] == "与下一名同为 60 分；用时：87.4 秒 对 91.2 秒。"
    assert (rows[yefeng]["status"], rows[yefeng]["rank"], rows[yefeng]["score"]) == ("incomplete", None, None)
    assert rows[yefeng]["explanation"] == "还没有通过审核的成绩。"
    assert (rows[senior["星火队"]]["rank"], rows[senior["星火队"]]["score"]) == (1, "85.00")
    assert rows[senior["雷霆队"]]["status"] == "incomplete"
    # runs / rounds take the place of judges: 海燕 has one approved run of the sheet's 3 rounds
    assert (rows[haiyan]["scored"], rows[haiyan]["judges"]) == (1, 3)
    # awards, default quotas 0.15/0.25/0.35: 初中 N=2 -> cutoffs round(0.30)=0, round(0.80)=1,
    # round(1.50)=2: rank 1 second prize, rank 2 third; 高中 N=1 -> 0, 0, round(0.75)=1: third
    assert (rows[feilong]["award"], rows[haiyan]["award"], rows[senior["星火队"]]["award"]) == (
        "second",
        "third",
        "third",
    )
    # the organizer's results page shows the reason line under the score
    page = html.unescape(rob.world.login_page("org").get(f"/events/{rob.event_id}/judging/results").text)
    assert "与下一名同为 60 分；用时：87.4 秒 对 91.2 秒。" in page


def test_combined_challenge_weights_runs_and_judging(rob):
    world = rob.world
    scope = SimpleNamespace(run=world.run, org=world.org, event_id=rob.event_id)
    chuangke = rob.r2_team
    jiguang = factories.entry(world, "HK02", students=2, title="极光队", category="R2", event_id=rob.event_id)["id"]
    assert rob.put_sheet(SIMPLE, code="R2").status_code == 200
    weights = rob.client.put(
        f"/api/v1/events/{rob.event_id}/categories/R2/combination", json={"runs": 40, "judged": "60"}, headers=rob.org
    )
    assert weights.status_code == 200, weights.text
    assert weights.json() == {"category_code": "R2", "runs": "40", "judged": "60"}
    judging_factories.rubric(scope, judging_factories.SINGLE, category="R2")
    judging_factories.judge(scope, "j-r2", ["R2"])
    judging_factories.assign(scope, 1)
    # runs: 创客 6 x 10 = 60, 极光 8 x 10 = 80
    _approved(rob, chuangke, 1, {"m": 6}, code="R2", by="ref2", head="org")  # 60
    _approved(rob, jiguang, 1, {"m": 8}, code="R2", by="ref2", head="org")  # 80
    before = _results(rob)
    # judging not yet done: neither is ranked, and the line says what is missing
    assert before[chuangke]["status"] == "incomplete" and before[chuangke]["explanation"] == "评审还没有完成。"
    judging_factories.score(scope, "j-r2", chuangke, 90)
    judging_factories.score(scope, "j-r2", jiguang, 70)
    rows = _results(rob)
    # 创客: 60/80*100 = 75.00; (40*75 + 60*90)/100 = 30 + 54 = 84.00
    # 极光: 80/80*100 = 100.00; (40*100 + 60*70)/100 = 40 + 42 = 82.00
    assert (rows[chuangke]["rank"], rows[chuangke]["score"]) == (1, "84.00")
    assert (rows[jiguang]["rank"], rows[jiguang]["score"]) == (2, "82.00")
    assert rows[chuangke]["explanation"] == "机器人比赛 60 分（折算 75.00）× 40% + 评审 90.00 分 × 60%，合计 84.00 分。"
    # cleared: back to a run challenge ranked by its standings (极光 80 above 创客 60)
    cleared = rob.client.put(
        f"/api/v1/events/{rob.event_id}/categories/R2/combination", json={"runs": None, "judged": None}, headers=rob.org
    )
    assert cleared.json() == {"category_code": "R2", "runs": None, "judged": None}
    rows = _results(rob)
    assert (rows[jiguang]["rank"], rows[jiguang]["score"], rows[chuangke]["rank"]) == (1, "80.00", 2)


def test_combination_refusals(rob):
    url = f"/api/v1/events/{rob.event_id}/categories/R2/combination"
    # no score sheet yet: nothing to combine
    assert rob.client.put(url, json={"runs": 40, "judged": 60}, headers=rob.org).status_code == 404
    assert rob.put_sheet(SIMPLE, code="R2").status_code == 200
    bad = rob.client.put(url, json={"runs": 40, "judged": 70}, headers=rob.org)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "judged"
    assert rob.client.put(url, json={"runs": 40, "judged": 60}, headers=rob.world.headers("referee")).status_code == 403
    assert rob.client.get(url, headers=rob.world.headers("referee")).json()["runs"] is None


def test_runs_lock_with_the_results(rob):
    """Referees record until 公示; then only an organizer corrects (with a reason); once final, nobody."""
    assert rob.put_sheet().status_code == 200
    feilong, haiyan = rob.teams["飞龙队"], rob.teams["海燕队"]
    run = _approved(rob, feilong, 1, {"m1": 4, "m2": True, "p1": 1, "t": "87.4"})
    url = f"/api/v1/events/{rob.event_id}"
    assert rob.client.post(f"{url}/publish", json={}, headers=rob.org).status_code == 200
    late = rob.submit(haiyan)
    assert (
        late.status_code == 409
        and late.json()["detail"] == "结果已公示，裁判不能再记录或修改比赛成绩；如需更正请联系组委会。"
    )
    by_head = rob.client.patch(
        f"/api/v1/runs/{run['id']}",
        json={"items": {"m1": 5, "m2": True, "p1": 1, "t": "87.4"}, "reason": "复核录像"},
        headers=rob.world.headers("head"),
    )
    assert by_head.status_code == 409
    # the organizer corrects during 公示: 5x10 + 25 - 5 = 70
    fixed = rob.client.patch(
        f"/api/v1/runs/{run['id']}",
        json={"items": {"m1": 5, "m2": True, "p1": 1, "t": "87.4"}, "reason": "复核录像"},
        headers=rob.org,
    )
    assert fixed.status_code == 200 and fixed.json()["score"] == "70"
    final = rob.client.post(
        f"{url}/finalize",
        json={"override_notice_reason": "演示", "incomplete_as_unranked": True, "reason": "未参赛"},
        headers=rob.org,
    )
    assert final.status_code == 200, final.text
    again = rob.client.patch(
        f"/api/v1/runs/{run['id']}",
        json={"items": {"m1": 6, "m2": True, "p1": 1, "t": "87.4"}, "reason": "再改"},
        headers=rob.org,
    )
    assert again.status_code == 409 and "已定稿" in again.json()["detail"]
    assert _results(rob)[feilong]["score"] == "70.00"


def test_a_new_sheet_version_cannot_rescore_finalized_results(rob):
    """Issue 13: after finalization a sheet saved with recompute rescored every run and changed the
    published final scores (certificates already numbered). It follows the runs' rule: refused
    once final (409 saying to unlock first); after unlocking (公示) the organizer may."""
    import copy

    from tests.judging.robotics.test_api import SHEET

    assert rob.put_sheet().status_code == 200
    feilong = rob.teams["飞龙队"]
    _approved(rob, feilong, 1, {"m1": 4, "m2": True, "p1": 1, "t": "87.4"})  # 4x10 + 25 - 5 = 60
    url = f"/api/v1/events/{rob.event_id}"
    assert rob.client.post(f"{url}/publish", json={}, headers=rob.org).status_code == 200
    final = rob.client.post(
        f"{url}/finalize", json={"incomplete_as_unranked": True, "reason": "未参赛"}, headers=rob.org
    )
    assert final.status_code == 200, final.text
    changed = copy.deepcopy(SHEET)
    changed["items"][0]["points"] = 20  # would make it 4x20 + 25 - 5 = 100
    refused = rob.put_sheet(changed, recompute=True)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "结果已定稿，赛项“R1”的成绩已锁定：新版记分表会重新计算已定稿的成绩（证书已按定稿成绩编号），"
        "因此不能保存。如确需修改，请先解锁定稿结果并写明理由；公示期间只有组委会可以修改记分表并重新计分。"
    )
    assert _results(rob)[feilong]["score"] == "60.00" and rob.standings()[0]["counted_score"] == "60"
    sheet = rob.client.get(f"{url}/categories/R1/score-sheet", headers=rob.org).json()
    assert sheet["version"] == 1
    assert rob.client.post(f"{url}/unlock", json={"reason": "规则表分值有误"}, headers=rob.org).status_code == 200
    assert rob.put_sheet(changed, recompute=True).status_code == 200  # 公示: the organizer may
    assert rob.standings()[0]["counted_score"] == "100"


def test_run_only_challenges_get_no_judges(rob):
    """Teams of a challenge scored by referees alone are no judge's work: they are neither assigned
    nor listed as short of judges; a combined challenge's teams are."""
    world = rob.world
    scope = SimpleNamespace(run=world.run, org=world.org, event_id=rob.event_id)
    assert rob.put_sheet().status_code == 200  # R1: runs only
    assert rob.put_sheet(SIMPLE, code="R2").status_code == 200
    judging_factories.rubric(scope, judging_factories.SINGLE)
    judging_factories.judge(scope, "j-any", ["R1", "R2"])
    url = f"/api/v1/events/{rob.event_id}/assignments/generate"
    made = rob.client.post(url, json={"judges_per_entry": 1}, headers=rob.org).json()
    # R2 without a combination is runs only too: nobody is assigned
    assert made["assignments"] == 0 and made["unassigned_entries"] == []
    rob.client.put(
        f"/api/v1/events/{rob.event_id}/categories/R2/combination", json={"runs": 50, "judged": 50}, headers=rob.org
    )
    made = rob.client.post(url, json={"judges_per_entry": 1}, headers=rob.org).json()
    assert made["assignments"] == 1  # R2's one team (创客队)


def test_certificates_carry_the_rank(rob):
    """A robotics certificate can say the challenge and the place: {category} and {rank}."""
    from judging.certificates.render import fill_placeholders
    from judging.certificates.services import certificate_values

    cert = {
        "kind": "award",
        "name": "王小明",
        "school_name": "海口市第一中学",
        "title": "飞龙队",
        "category_name": "机器人综合技能",
        "division": "初中",
        "award": "first",
        "rank": 2,
        "number": "XM2026-AAAA",
    }
    values = certificate_values(cert, "2026年海南省青少年机器人竞赛", "2026年7月")
    assert (
        fill_placeholders("在{category}中获得第{rank}名（{award}）", values) == "在机器人综合技能中获得第2名（一等奖）"
    )
    assert certificate_values({**cert, "rank": None}, "x", "y")["rank"] == ""
