"""Robotics JSON API (CONTRACT.md "Robotics: score sheets, runs, standings"): versioned score
sheets, referees, runs (submit, duplicates, idempotent client ids, approval, corrections with
history) and public standings. Scores are computed by hand in comments."""

from __future__ import annotations

import copy
import threading

import pytest

from judging.robotics.tables import Run, RunVersion
from tests.factories import app as app_factories
from tests.factories import competitions as factories

# m1 10 a unit, m2 25 when done, p1 -5 a touch (penalty), t the run's time (at most 120 s)
SHEET = {
    "items": [
        {"code": "m1", "name": "搬运能量块", "type": "count", "min": 0, "max": 6, "points": 10},
        {"code": "m2", "name": "开启闸门", "type": "yesno", "points": 25},
        {"code": "p1", "name": "触碰场地", "type": "count", "min": 0, "max": 5, "points": -5},
        {"code": "t", "name": "用时", "type": "time", "max": 120},
    ],
    "restrictions": [{"items": ["m1", "p1"], "max": 8, "message": "m1 与 p1 合计不能超过 8。"}],
    "rounds": 3,
    "counted": {"rule": "best"},
    "tiebreaks": ["time_of_counted", "next_best"],
}
# 4x10 + 25 - 1x5 = 60
RUN_60 = {"m1": 4, "m2": True, "p1": 1, "t": "87.4"}


class Robotics:
    """A robotics event (open) with challenges R1 and R2, three approved teams in R1 and one in
    R2, referees ``referee`` (R1), ``head`` (head of R1, 王主裁) and ``ref2`` (R2 only)."""

    def __init__(self, world):
        self.world = world
        self.client = world.client
        self.event = factories.event(world, "2026年海南省青少年机器人竞赛", kind="robotics")
        self.event_id = self.event["id"]
        factories.category(world, "R1", "综合技能", event_id=self.event_id)
        factories.category(world, "R2", "创意搭建", event_id=self.event_id)
        self.teams = {
            name: factories.entry(world, school, students=2, title=name, category="R1", event_id=self.event_id)["id"]
            for name, school in (("飞龙队", "HK01"), ("海燕队", "HK02"), ("椰风队", "SY01"))
        }
        self.r2_team = factories.entry(
            world, "HK01", students=1, title="创客队", category="R2", event_id=self.event_id
        )["id"]
        app_factories.user(world, "referee2", "referee", display_name="张裁判")
        app_factories.user(world, "head", "referee", display_name="王主裁")
        app_factories.user(world, "ref2", "referee", display_name="李裁判")
        self.org = world.headers("org")
        self.assign("referee", ["R1"])
        self.assign("referee2", ["R1"])
        self.assign("head", ["R1"], head=True)
        self.assign("ref2", ["R2"])

    def assign(self, username, codes, head=False):
        response = self.client.post(
            f"/api/v1/events/{self.event_id}/referees",
            json={"username": username, "category_codes": codes, "head": head},
            headers=self.org,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def put_sheet(self, sheet=SHEET, code="R1", **extra):
        return self.client.put(
            f"/api/v1/events/{self.event_id}/categories/{code}/score-sheet", json={**sheet, **extra}, headers=self.org
        )

    def submit(self, team, round=1, items=RUN_60, by="referee", **extra):
        body = {"entry_id": self.teams.get(team, team), "category_code": "R1", "round": round, "items": items, **extra}
        return self.client.post("/api/v1/runs", json=body, headers=self.world.headers(by))

    def approve(self, run_id, by="head"):
        return self.client.post(f"/api/v1/runs/{run_id}/approve", headers=self.world.headers(by))

    def standings(self, code="R1"):
        response = self.client.get(f"/api/v1/events/{self.event_id}/categories/{code}/standings")
        assert response.status_code == 200, response.text
        return response.json()["teams"]


@pytest.fixture
def rob(world):
    return Robotics(world)


def _runs(rob) -> int:
    return rob.world.run(Run.count())


# --- score sheets ------------------------------------------------------------------------


def test_sheet_put_get_and_versions(rob):
    first = rob.put_sheet()
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1 and first.json()["rounds"] == 3
    got = rob.client.get(
        f"/api/v1/events/{rob.event_id}/categories/r1/score-sheet", headers=rob.world.headers("referee")
    )
    assert got.status_code == 200 and got.json() == {**SHEET, "version": 1}
    assert rob.put_sheet().json()["version"] == 1  # the same sheet again stores nothing
    changed = copy.deepcopy(SHEET)
    changed["items"][0]["points"] = 20
    assert rob.put_sheet(changed).json()["version"] == 2
    assert (
        rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()["items"][0][
            "points"
        ]
        == 20
    )


def test_sheet_refusals_name_the_item(rob):
    bad = copy.deepcopy(SHEET)
    bad["items"][0]["max"] = -1  # below its min 0
    response = rob.put_sheet(bad)
    assert response.status_code == 422
    assert {"field": "items[0].max", "message": "任务项“m1”的最大值 -1 小于最小值 0。"} in response.json()["errors"]
    school = rob.client.put(
        f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", json=SHEET, headers=rob.world.headers("hk01")
    )
    assert school.status_code == 403
    assert rob.put_sheet(code="ZZ").status_code == 404
    innovation = rob.client.put(
        f"/api/v1/events/{rob.world.event_id}/categories/MA/score-sheet", json=SHEET, headers=rob.org
    )
    assert innovation.status_code == 404 and "机器人" in innovation.json()["detail"]
    for malformed, field in (
        ({**SHEET, "restrictions": 5}, "restrictions"),
        ({**SHEET, "counted": ["best"]}, "counted"),
        ({**SHEET, "bonuses": [{"name": "x", "points": 1, "when": {"item": "m1"}, "items": 3}]}, "bonuses[0].items"),
        ({**SHEET, "items": [{"code": "a", "type": "count", "variants": 3}]}, "items[0].variants"),
    ):
        response = rob.put_sheet(malformed)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
    none_yet = rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R2/score-sheet", headers=rob.org)
    assert none_yet.status_code == 404 and "R2" in none_yet.json()["detail"]


def test_a_sheet_in_use_is_versioned_and_recompute_rescores_every_run(rob):
    from app.tables import AuditLog

    rob.put_sheet()
    run_id = rob.submit("飞龙队").json()["id"]
    changed = copy.deepcopy(SHEET)
    changed["items"][0]["points"] = 20
    refused = rob.put_sheet(changed)
    assert refused.status_code == 409
    assert "recompute" in refused.json()["detail"] and "1 轮成绩" in refused.json()["detail"]
    assert (
        rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()["version"]
        == 1
    )

    done = rob.put_sheet(changed, recompute=True)
    assert done.status_code == 200 and done.json()["version"] == 2 and "recompute" not in done.json()
    history = rob.client.get(f"/api/v1/runs/{run_id}/history", headers=rob.org).json()
    # 4x20 + 25 - 5 = 100 under version 2
    assert [(v["version"], v["score"], v["sheet_version"]) for v in history] == [(1, "60", 1), (2, "100", 2)]
    assert history[1]["reason"] == "记分表更新为第 2 版，重新计分。" and history[1]["by"] == "组委会"
    logged = rob.world.run(
        AuditLog.select().where(AuditLog.action == "robotics.sheet.recompute").output(load_json=True)
    )
    assert len(logged) == 1 and logged[0]["changes"]["runs_rescored"] == [{"run_id": run_id, "old": "60", "new": "100"}]

    unscorable = copy.deepcopy(changed)
    unscorable["items"].append({"code": "m9", "name": "新任务", "type": "yesno", "points": 5})
    response = rob.put_sheet(unscorable, recompute=True)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == f"runs[{run_id}]"
    assert "“新任务”还没有填写" in response.json()["errors"][0]["message"]


# --- referees ----------------------------------------------------------------------------


def test_referee_assignment(rob):
    body = rob.assign("referee2", ["r1", "R2"], head=True)
    assert body["category_codes"] == ["R1", "R2"] and body["head"] is True and body["display_name"] == "张裁判"
    url = f"/api/v1/events/{rob.event_id}/referees"
    judge = rob.client.post(url, json={"username": "judge", "category_codes": ["R1"]}, headers=rob.org)
    assert judge.status_code == 422 and judge.json()["errors"][0]["field"] == "username"
    unknown = rob.client.post(url, json={"username": "referee", "category_codes": ["XX"]}, headers=rob.org)
    assert unknown.status_code == 422 and "XX" in unknown.json()["detail"]
    school = rob.client.post(
        url, json={"username": "referee", "category_codes": ["R1"]}, headers=rob.world.headers("hk01")
    )
    assert school.status_code == 403
    missing = rob.client.post(
        "/api/v1/events/999999/referees", json={"username": "referee", "category_codes": ["R1"]}, headers=rob.org
    )
    assert missing.status_code == 404


# --- runs --------------------------------------------------------------------------------


def test_submit_scores_the_run_and_refuses_what_is_wrong(rob):
    rob.put_sheet()
    response = rob.submit("飞龙队")
    assert response.status_code == 201, response.text
    assert response.json() == {"id": response.json()["id"], "score": "60", "status": "submitted"}

    missing = rob.submit("海燕队", items={"m1": 4, "p1": 0, "t": 90})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "items.m2", "message": "“开启闸门”还没有填写。"}]
    out_of_range = rob.submit("海燕队", items={**RUN_60, "m1": 7})
    assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["field"] == "items.m1"
    # m1 6 + p1 3 = 9 > 8
    restricted = rob.submit("海燕队", items={**RUN_60, "m1": 6, "p1": 3})
    assert restricted.status_code == 422 and restricted.json()["detail"] == "m1 与 p1 合计不能超过 8。"
    bad_round = rob.submit("海燕队", round=4)
    assert bad_round.status_code == 422 and bad_round.json()["errors"][0]["field"] == "round"
    # time given apart from the items goes into the time item: 4x10 + 25 - 5 = 60, 95 s
    timed = rob.submit("海燕队", items={"m1": 4, "m2": True, "p1": 1}, time_seconds=95)
    assert timed.status_code == 201 and timed.json()["score"] == "60"

    assert rob.submit("椰风队", by="ref2").status_code == 403  # a referee of R2 only
    assert rob.submit("椰风队", by="org").status_code == 403  # organizers do not record runs
    assert rob.submit(999999).status_code == 404
    wrong_challenge = rob.submit("椰风队", category_code="R2")
    assert wrong_challenge.status_code == 422 and wrong_challenge.json()["errors"][0]["field"] == "category_code"
    assert _runs(rob) == 2


def test_two_tablets_cannot_record_the_same_round(rob):
    rob.put_sheet()
    first = rob.submit("飞龙队", by="referee2")
    assert first.status_code == 201
    again = rob.submit("飞龙队", by="referee", items={**RUN_60, "m1": 5})
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert "张裁判" in detail and "第 1 轮" in detail and str(first.json()["id"]) in detail
    english = rob.client.post(
        "/api/v1/runs",
        json={"entry_id": rob.teams["飞龙队"], "category_code": "R1", "round": 1, "items": RUN_60},
        headers={**rob.world.headers("referee"), "Accept-Language": "en"},
    )
    assert (
        english.status_code == 409
        and "张裁判" in english.json()["detail"]
        and "already recorded" in english.json()["detail"]
    )
    assert rob.submit("飞龙队", round=2).status_code == 201  # another round is another run
    assert _runs(rob) == 2


def test_a_repeated_client_run_id_answers_as_before_and_stores_once(rob):
    rob.put_sheet()
    first = rob.submit("飞龙队", client_run_id="tablet-7-0001")
    again = rob.submit("飞龙队", client_run_id="tablet-7-0001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert _runs(rob) == 1
    # another referee's tablet may use the same id for its own run
    other = rob.submit("海燕队", by="referee2", client_run_id="tablet-7-0001")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert _runs(rob) == 2


def _parallel(n, send):
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def worker(i):
        barrier.wait()
        results[i] = send(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_submissions_store_exactly_one_run(rob):
    rob.put_sheet()
    for name in ("referee", "referee2", "head"):
        rob.world.headers(name)  # log in before the race
    referees = ["referee", "referee2", "head"]
    # eight tablets record the same team's round 1 at once: one run, the others told who recorded it
    answers = _parallel(8, lambda i: rob.submit("飞龙队", by=referees[i % 3], client_run_id=f"race-{i}"))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 7, [a.text for a in answers]
    assert all("裁判" in a.json()["detail"] for a in answers if a.status_code == 409)
    # one tablet's outbox sends the same run eight times at once: one run, eight equal answers
    answers = _parallel(8, lambda i: rob.submit("海燕队", by="referee", client_run_id="outbox-1"))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert _runs(rob) == 2
    assert rob.world.run(RunVersion.count()) == 2


def test_a_drawn_variant_changes_which_items_apply(rob):
    sheet = {
        "items": [
            {"code": "m1", "name": "搬运能量块", "type": "count", "min": 0, "max": 6, "points": 10},
            {"code": "s", "name": "抽签任务：点亮信号灯", "type": "yesno", "points": 30, "variants": ["A"]},
        ],
        "variants": [{"code": "A", "name": "信号灯"}, {"code": "B", "name": "无附加任务"}],
        "rounds": 2,
        "counted": {"rule": "best"},
        "tiebreaks": [],
    }
    assert rob.put_sheet(sheet).status_code == 200
    no_draw = rob.submit("飞龙队", items={"m1": 2})
    assert no_draw.status_code == 422 and no_draw.json()["errors"][0]["field"] == "variant"
    needs_s = rob.submit("飞龙队", items={"m1": 2}, variant="A")
    assert needs_s.status_code == 422 and needs_s.json()["errors"][0]["field"] == "items.s"
    # variant A: 2x10 + 30 = 50; variant B: 2x10 = 20
    assert rob.submit("飞龙队", items={"m1": 2, "s": True}, variant="A").json()["score"] == "50"
    # the draw is recorded with the round: round 1 is A for every team, round 2 may be B
    clash = rob.submit("海燕队", items={"m1": 2}, variant="B")
    assert clash.status_code == 409 and "第 1 轮已由 referee 记录抽签结果“A”" in clash.json()["detail"]
    assert rob.submit("海燕队", items={"m1": 2, "s": False}).json()["score"] == "20"  # round 1's draw: A
    assert rob.submit("海燕队", round=2, items={"m1": 2}, variant="B").json()["score"] == "20"


# --- approval and corrections -------------------------------------------------------------


def test_only_the_head_referee_or_an_organizer_approves(rob):
    rob.put_sheet()
    run_id = rob.submit("飞龙队").json()["id"]
    other = rob.submit("海燕队").json()["id"]
    assert rob.approve(run_id, by="referee").status_code == 403
    assert rob.approve(run_id, by="ref2").status_code == 404  # a referee of another challenge
    assert rob.approve(run_id, by="hk01").status_code == 403
    assert rob.approve(999999).status_code == 404
    done = rob.approve(run_id)
    assert done.status_code == 200 and done.json() == {"id": run_id, "status": "approved"}
    assert rob.approve(run_id).status_code == 200  # again: nothing changes
    assert rob.approve(other, by="org").json()["status"] == "approved"


def test_corrections_keep_every_version_and_need_a_reason_once_approved(rob):
    rob.put_sheet()
    run_id = rob.submit("飞龙队").json()["id"]
    # before approval the referee corrects: m1 5 -> 5x10 + 25 - 5 = 70
    fixed = rob.client.patch(
        f"/api/v1/runs/{run_id}", json={"items": {**RUN_60, "m1": 5}}, headers=rob.world.headers("referee")
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["score"] == "70" and fixed.json()["version"] == 2
    rob.approve(run_id)
    url = f"/api/v1/runs/{run_id}"
    no_reason = rob.client.patch(url, json={"time_seconds": 80}, headers=rob.world.headers("head"))
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    not_head = rob.client.patch(
        url, json={"time_seconds": 80, "reason": "计时错"}, headers=rob.world.headers("referee")
    )
    assert not_head.status_code == 403
    bad = rob.client.patch(url, json={"items": {**RUN_60, "m1": 9}, "reason": "x"}, headers=rob.world.headers("head"))
    assert bad.status_code == 422
    timed = rob.client.patch(url, json={"time_seconds": 80, "reason": "计时器读错"}, headers=rob.world.headers("head"))
    assert timed.status_code == 200 and timed.json()["time_seconds"] == "80" and timed.json()["score"] == "70"
    assert timed.json()["status"] == "approved"
    same = rob.client.patch(url, json={"time_seconds": 80, "reason": "再次"}, headers=rob.world.headers("head"))
    assert same.json()["version"] == 3  # nothing changed: no new version

    history = rob.client.get(f"{url}/history", headers=rob.world.headers("referee2"))
    assert history.status_code == 200
    assert [
        (v["version"], v["score"], v["items"]["m1"], v["items"]["t"], v["by"], v["reason"]) for v in history.json()
    ] == [
        (1, "60", 4, 87.4, "referee", ""),  # "87.4" sent, stored as the number it is
        (2, "70", 5, 87.4, "referee", ""),
        (3, "70", 5, 80, "王主裁", "计时器读错"),
    ]
    assert rob.client.get(f"{url}/history", headers=rob.world.headers("ref2")).status_code == 404
    assert rob.client.get(f"{url}/history", headers=rob.world.headers("hk01")).status_code == 403
    assert rob.client.get(f"{url}/history", headers=rob.org).status_code == 200


# --- standings ---------------------------------------------------------------------------


def test_standings_count_approved_runs_only_with_reason_lines(rob):
    rob.put_sheet()
    a1 = rob.submit("飞龙队", items={**RUN_60, "t": 80}).json()["id"]  # 60 in 80 s
    a2 = rob.submit("飞龙队", round=2, items={**RUN_60, "m1": 2, "t": 70}).json()["id"]  # 2x10+25-5 = 40
    b1 = rob.submit("海燕队", items={**RUN_60, "t": 90}).json()["id"]  # 60 in 90 s
    c1 = rob.submit("椰风队", items={"m1": 6, "m2": True, "p1": 0, "t": 100}).json()["id"]  # 60+25 = 85, not approved
    for run_id in (a1, a2, b1):
        assert rob.approve(run_id).status_code == 200

    teams = rob.standings()
    assert [(t["team_name"], t["rank"], t["counted_score"]) for t in teams] == [
        ("飞龙队", 1, "60"),
        ("海燕队", 2, "60"),
        ("椰风队", None, None),
    ]
    assert teams[0]["school_name"] == "海口市第一中学"
    assert teams[0]["runs"] == [
        {"round": 1, "score": "60", "time_seconds": "80", "status": "approved", "confirmation": None},
        {"round": 2, "score": "40", "time_seconds": "70", "status": "approved", "confirmation": None},
    ]  # confirmation: the captain's word on the tablet (null: not asked, as through this API)
    assert teams[0]["explanation"] == "与下一名同为 60 分；用时：80 秒 对 90 秒。"
    assert teams[2]["runs"] == [] and teams[2]["explanation"] == "还没有通过审核的成绩。"

    rob.approve(c1)
    teams = rob.standings()
    assert [(t["team_name"], t["rank"]) for t in teams] == [("椰风队", 1), ("飞龙队", 2), ("海燕队", 3)]
    assert teams[0]["explanation"] == "85 分，高于下一名的 60 分。"
    english = rob.client.get(
        f"/api/v1/events/{rob.event_id}/categories/R1/standings", headers={"Accept-Language": "en"}
    ).json()["teams"]
    assert english[1]["explanation"] == "Same 60 points as the next team; time: 80 s vs 90 s."


def test_teams_equal_on_every_key_share_the_rank(rob):
    rob.put_sheet()
    for team in ("飞龙队", "海燕队"):
        rob.approve(rob.submit(team, items={**RUN_60, "t": 90}).json()["id"])
    rob.approve(rob.submit("椰风队", items={**RUN_60, "m1": 1, "t": 50}).json()["id"])  # 10+25-5 = 30
    teams = rob.standings()
    assert [(t["team_name"], t["rank"]) for t in teams] == [("飞龙队", 1), ("海燕队", 1), ("椰风队", 3)]
    assert teams[0]["explanation"] == "与下一名同为 60 分，所有排名依据都相同，名次并列。"


def test_standings_are_public_but_not_of_drafts_or_unknown_challenges(rob):
    rob.put_sheet()
    assert rob.client.get(f"/api/v1/events/{rob.event_id}/categories/XX/standings").status_code == 404
    assert rob.client.get("/api/v1/events/999999/categories/R1/standings").status_code == 404
    no_sheet = rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R2/standings")
    assert no_sheet.status_code == 404


def test_parallel_corrections_each_keep_a_version(rob):
    rob.put_sheet()
    run_id = rob.submit("飞龙队").json()["id"]
    rob.approve(run_id)
    headers = rob.world.headers("head")
    answers = _parallel(
        5,
        lambda i: rob.client.patch(
            f"/api/v1/runs/{run_id}",
            json={"items": {**RUN_60, "m1": (0, 1, 2, 3, 5)[i]}, "reason": f"复核{i}"},
            headers=headers,
        ),
    )
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    history = rob.client.get(f"/api/v1/runs/{run_id}/history", headers=rob.org).json()
    # the first version and one per correction, numbered without gaps
    assert [v["version"] for v in history] == [1, 2, 3, 4, 5, 6]
    assert sorted(v["reason"] for v in history[1:]) == [f"复核{i}" for i in range(5)]
