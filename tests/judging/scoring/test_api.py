"""Rubric and scores through the JSON API: the rubric's validation and edits that never lose
a recorded score, versioned scores from tablets, locks after publication and the history."""

from __future__ import annotations

import pytest

from tests.judging.api import (
    CASTIC,
    HALVES,
    SINGLE,
    add_judge,
    by_entry,
    ev,
    generate,
    halves,
    new_entry,
    ok,
    org,
    patch_event,
    put_rubric,
    results,
    score,
)

# --------------------------------------------------------------------------- rubric


def test_rubric_defaults_and_validation(world):
    # a new event offers the CASTIC-style criteria, numbers as plain decimal strings
    criteria = ok(world.client.get(ev(world, "/rubric"), headers=org(world)))["criteria"]
    assert [(c["code"], c["name"], c["weight"], c["max_points"]) for c in criteria] == [
        ("innovation", "创新性", "40", "10"),
        ("scientific", "科学性", "30", "10"),
        ("practical", "实用性", "30", "10"),
    ]
    bad = [
        [],
        [{"code": "a", "name": "甲", "weight": "0", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "abc", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "50", "max_points": "-1"}],
        [{"code": "a", "name": "甲", "weight": "NaN", "max_points": "10"}],
        [{"code": "a", "name": "", "weight": "50", "max_points": "10"}],
        [
            {"code": "a", "name": "甲", "weight": "50", "max_points": "10"},
            {"code": "a", "name": "乙", "weight": "50", "max_points": "10"},
        ],
        [{"code": "a", "name": "甲", "weight": "33.3333", "max_points": "10"}],  # more decimals than can be stored
        [{"code": "a", "name": "甲", "weight": "1000000", "max_points": "10"}],  # too large to store
        [{"code": "a", "name": "甲", "weight": "33.333", "max_points": "10"}],  # weights must add up to 100
    ]
    for criteria in bad:
        body = put_rubric(world, criteria, expect=422)
        assert body["detail"]
    put_rubric(world, SINGLE, expect=422, category_code="NOPE")
    # CONTRACT.md: a rubric's weights must add up to 100 (422 otherwise), naming what is wrong
    body = put_rubric(
        world, [{"code": "x", "name": "甲", "weight": "33.333", "max_points": "9", "description": "说明"}], expect=422
    )
    assert body["detail"] == "评分项的权重之和必须是 100（百分制），现在是 33.333。"
    assert body["errors"] == [{"field": "criteria", "message": "权重之和必须是 100，现在是 33.333。"}]
    # 33.333 + 33.333 + 33.334 = 100 exactly: accepted, decimals kept as written
    saved = put_rubric(
        world,
        [
            {"code": "x", "name": "甲", "weight": "33.333", "max_points": "9", "description": "说明"},
            {"code": "y", "name": "乙", "weight": "33.333", "max_points": "9"},
            {"code": "z", "name": "丙", "weight": "33.334", "max_points": "9"},
        ],
    )["criteria"]
    assert saved[0] == {"code": "x", "name": "甲", "description": "说明", "weight": "33.333", "max_points": "9"}
    assert [c["weight"] for c in saved] == ["33.333", "33.333", "33.334"]
    # only organizers
    assert (
        world.client.put(ev(world, "/rubric"), json={"criteria": SINGLE}, headers=world.headers("judge")).status_code
        == 403
    )
    assert world.client.put(ev(world, "/rubric"), json={"criteria": SINGLE}).status_code == 401


def test_editing_the_rubric_never_loses_a_recorded_score(world):
    put_rubric(world, CASTIC)
    judge = add_judge(world, "j1", ["MA"])
    entry = new_entry(world, "HK01")
    generate(world, 1)
    # 8/10*40 + 7/10*30 + 9/10*30 = 32 + 21 + 27 = 80
    saved = score(world, "j1", entry, {"innovation": 8, "scientific": 7, "practical": 9})
    assert saved["total"] == "80" and saved["complete"] is True and saved["version"] == 1
    assert results(world)[0]["score"] == "80.00"
    # drop 'practical' (innovation 70 so the weights add to 100): the sheet keeps its points;
    # the score is now 8/10*70 + 7/10*30 = 56 + 21 = 77
    put_rubric(world, [dict(CASTIC[0], weight="70"), CASTIC[1]])
    sheet = ok(world.client.get(f"/api/v1/entries/{entry}/scores", headers=world.headers("j1")))
    assert sheet["criteria"] == {"innovation": "8", "scientific": "7", "practical": "9"}
    assert [c["code"] for c in sheet["rubric"]] == ["innovation", "scientific"]
    assert results(world)[0]["score"] == "77.00"
    # re-add it (same code) with weight 30 again: 80 is back, nothing was re-entered
    put_rubric(world, CASTIC)
    row = results(world)[0]
    assert (row["score"], row["status"], row["rank"]) == ("80.00", "complete", 1)
    # change weights to 50/30/20: points per code are kept and re-weighted: 8/10*50 + 7/10*30 + 9/10*20
    # = 40 + 21 + 18 = 79
    put_rubric(world, [dict(CASTIC[0], weight="50"), CASTIC[1], dict(CASTIC[2], weight="20")])
    assert results(world)[0]["score"] == "79.00"
    # adding a new criterion (30/30/30/10) makes the sheet incomplete (no score is invented), never deleted
    put_rubric(
        world,
        [
            dict(CASTIC[0], weight="30"),
            *CASTIC[1:],
            {"code": "team", "name": "团队", "weight": "10", "max_points": "10"},
        ],
    )
    row = results(world)[0]
    assert (row["status"], row["score"], row["rank"], row["award"]) == ("incomplete", None, None, None)
    # ... and the judge's list and the progress board say so too
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("j1")))
    assert [(a["entry_id"], a["status"], a["total"]) for a in mine] == [(entry, "draft", "")]
    assert ok(world.client.get(ev(world, "/progress"), headers=org(world)))["scored"] == 0
    # weights 30/30/30/10 now: 8/10*30 + 7/10*30 + 9/10*30 + 5/10*10 = 24 + 21 + 27 + 5 = 77
    score(world, "j1", entry, {"team": 5}, version=1)
    assert results(world)[0]["score"] == "77.00"
    assert ok(world.client.get(ev(world, "/progress"), headers=org(world)))["scored"] == 1
    history = ok(world.client.get(f"/api/v1/entries/{entry}/score-history", headers=org(world)))
    assert [h["new_total"] for h in history] == ["80", "77"]
    # 50/30/20 without 'team' again: complete with 40 + 21 + 18 = 79, on the judge's list as well (two places: "79.00")
    put_rubric(world, [dict(CASTIC[0], weight="50"), CASTIC[1], dict(CASTIC[2], weight="20")])
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("j1")))
    assert [(a["status"], a["total"]) for a in mine] == [("scored", "79.00")]
    # once results are published the rubric is frozen (it would change published scores)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    assert "公示" in put_rubric(world, CASTIC, expect=409)["detail"]
    assert results(world)[0]["score"] == "79.00"
    assert judge


def test_uneven_rubric_rounds_once_at_the_end(world):
    # max 9 points: 7/9*40 + 8/9*30 + 5/9*30 = 670/9 = 74.444... -> "74.44"
    # (rounding each term first would give 31.11 + 26.67 + 16.67 = 74.45)
    put_rubric(world, [dict(c, max_points="9") for c in CASTIC])
    add_judge(world, "j1", ["MA"])
    entry = new_entry(world, "HK01")
    generate(world, 1)
    saved = score(world, "j1", entry, {"innovation": 7, "scientific": 8, "practical": 5})
    assert saved["total"].startswith("74.4444444444")
    assert results(world)[0]["score"] == "74.44"
    patch_event(world, {"score_decimals": 1})
    assert results(world)[0]["score"] == "74.4"
    patch_event(world, {"score_decimals": 0})
    assert results(world)[0]["score"] == "74"


# --------------------------------------------------------------------------- scores


def test_scores_from_a_tablet_versions_locks_and_history(world):
    put_rubric(world, HALVES)
    e1, e2 = new_entry(world, "HK01"), new_entry(world, "HK02")
    add_judge(world, "ja", ["MA"])
    add_judge(world, "jb", ["PH"])
    generate(world, 1)
    # not assigned: 403 (another judge, and a judge of another category)
    score(world, "jb", e1, {"a": 10}, expect=403)
    score(world, "judge", e1, {"a": 10}, expect=403)
    assert (
        world.client.put(f"/api/v1/entries/{e1}/scores", json={"criteria": {"a": 1}}, headers=org(world)).status_code
        == 403
    )
    # out of range and malformed: 422, nothing stored
    for criteria in ({"a": 51}, {"a": -1}, {"a": "abc"}, {"a": 10.555}, {"zz": 5}, {"a": "NaN"}, {"a": "Infinity"}):
        body = score(world, "ja", e1, criteria, expect=422)
        assert body["detail"]
    mine = ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))
    assert (mine["version"], mine["criteria"], mine["complete"], mine["locked"]) == (0, {}, False, False)
    # a draft: only one criterion
    draft = score(world, "ja", e1, {"a": "40.5"}, comment="第一印象不错")
    assert draft == {"entry_id": e1, "version": 1, "total": "", "complete": False}
    # the same body replayed (a tablet retrying after a dropped connection): 200, version unchanged
    again = score(world, "ja", e1, {"a": "40.5"}, comment="第一印象不错", version=0)
    assert again["version"] == 1
    again = score(world, "ja", e1, {"a": 40.5}, comment="第一印象不错", version=1)
    assert again["version"] == 1
    # completing it, based on version 1 -> version 2: 40.5 + 45 = 85.5
    done = score(world, "ja", e1, {"b": 45}, version=1)
    assert done == {"entry_id": e1, "version": 2, "total": "85.5", "complete": True}
    # the comment was not lost by a request without one
    assert (
        ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["comment"] == "第一印象不错"
    )
    # an edit at version 2 on another device -> version 3
    assert score(world, "ja", e1, {"a": 41}, version=2)["version"] == 3
    # the offline tablet now replays its edit based on version 1: 409, nothing overwritten
    stale = score(world, "ja", e1, {"a": 30, "b": 30}, version=1, expect=409)
    assert "版本" in stale["detail"] and stale["extra"]["current_version"] == 3
    stale = score(world, "ja", e1, {"a": 30}, version=2, expect=409)
    mine = ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))
    assert (mine["criteria"], mine["version"], mine["total"]) == ({"a": "41", "b": "45"}, 3, "86")
    # a first sheet claiming a version that does not exist: 409
    generate(world, 1)
    # results: 41 + 45 = 86 -> "86.00"
    assert by_entry(results(world))[e1]["score"] == "86.00"
    # publication locks judges' scores
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    locked = score(world, "ja", e1, {"a": 42}, version=3, expect=409)
    assert "公示" in locked["detail"]
    # even a replay answers 409 now: the lock comes first, with a clear message
    assert ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["locked"] is True
    # the organizer changes a score citing the objection it answers
    sheets = ok(world.client.get(f"/api/v1/entries/{e1}/score-sheets", headers=org(world)))
    score_id = sheets[0]["score_id"]
    response = world.client.put(
        f"/api/v1/scores/{score_id}", json={"criteria": {"a": 44}, "reason": ""}, headers=org(world)
    )
    assert response.status_code == 422
    response = world.client.put(
        f"/api/v1/scores/{score_id}", json={"criteria": {"a": 60}, "reason": "异议1"}, headers=org(world)
    )
    assert response.status_code == 422
    changed = ok(
        world.client.put(
            f"/api/v1/scores/{score_id}",
            json={"criteria": {"a": 44}, "reason": "异议第1号：复核后更正"},
            headers=org(world),
        )
    )
    assert changed == {"entry_id": e1, "version": 4, "total": "89", "complete": True}
    assert (
        world.client.put(
            f"/api/v1/scores/{score_id}", json={"criteria": {"a": 44}, "reason": "x"}, headers=world.headers("ja")
        ).status_code
        == 403
    )
    assert by_entry(results(world))[e1]["score"] == "89.00"  # 44 + 45
    history = ok(world.client.get(f"/api/v1/entries/{e1}/score-history", headers=org(world)))
    assert [(h["old_total"], h["new_total"]) for h in history] == [("", ""), ("", "85.5"), ("85.5", "86"), ("86", "89")]
    last = history[-1]
    assert last["old_points"] == {"a": "41", "b": "45"} and last["new_points"] == {"a": "44", "b": "45"}
    assert last["reason"] == "异议第1号：复核后更正" and last["changed_by"] == "组委会" and last["judge"] == "评委ja"
    assert history[0]["new_points"] == {"a": "40.5"} and history[0]["changed_by"] == "评委ja"
    audit = ok(world.client.get(f"/api/v1/entries/{e1}/history", headers=org(world)))
    assert any(a["action"] == "score.organizer_change" and a["reason"] == "异议第1号：复核后更正" for a in audit)
    # finalize (e2 was never scored: finalized as unranked, CONTRACT.md): everything 409 with a clear message
    body = {"incomplete_as_unranked": True, "reason": "未评分"}
    assert ok(world.client.post(ev(world, "/finalize"), json=body, headers=org(world)))["unranked"] == [e2]
    body = score(world, "ja", e1, {"a": 43}, version=4, expect=409)
    assert "定稿" in body["detail"]
    response = world.client.put(
        f"/api/v1/scores/{score_id}", json={"criteria": {"a": 43}, "reason": "异议2"}, headers=org(world)
    )
    assert response.status_code == 409 and "定稿" in response.json()["detail"]
    assert (
        world.client.post(
            ev(world, "/assignments/generate"), json={"judges_per_entry": 1}, headers=org(world)
        ).status_code
        == 409
    )
    response = world.client.post(
        ev(world, "/awards/adjust"), json={"entry_id": e1, "award": "first", "reason": "理由"}, headers=org(world)
    )
    assert response.status_code == 409
    assert world.client.post(ev(world, "/finalize"), headers=org(world)).status_code == 409
    assert world.client.post(ev(world, "/publish"), headers=org(world)).status_code == 409
    # unlocking needs a reason and is audited; it goes back to the public-notice state
    response = world.client.post(ev(world, "/unlock"), json={"reason": "  "}, headers=org(world))
    assert response.status_code == 422
    assert world.client.post(ev(world, "/unlock"), json={"reason": "x"}, headers=world.headers("ja")).status_code == 403
    unlocked = ok(world.client.post(ev(world, "/unlock"), json={"reason": "省科协复核通知"}, headers=org(world)))
    assert unlocked["state"] == "published"
    assert world.client.post(ev(world, "/unlock"), json={"reason": "再次"}, headers=org(world)).status_code == 409
    score(world, "ja", e1, {"a": 43}, version=4, expect=409)  # judges stay locked
    ok(
        world.client.put(
            f"/api/v1/scores/{score_id}", json={"criteria": {"a": 43}, "reason": "异议2"}, headers=org(world)
        )
    )
    assert by_entry(results(world))[e1]["score"] == "88.00"
    from app.tables import AuditLog

    actions = [
        r["action"]
        for r in world.run(AuditLog.select(AuditLog.action, AuditLog.reason).where(AuditLog.event_id == world.event_id))
    ]
    assert {"results.publish", "results.finalize", "results.unlock"} <= set(actions)
    unlock_row = world.run(AuditLog.select(AuditLog.reason).where(AuditLog.action == "results.unlock").first())
    assert unlock_row["reason"] == "省科协复核通知"
    assert e2


def test_first_sheet_with_a_stale_version_and_comment_only_changes(world):
    put_rubric(world, HALVES)
    e1 = new_entry(world, "HK01")
    add_judge(world, "ja", ["MA"])
    generate(world, 1)
    # a tablet that believes there is a version 2 but nothing is stored: 409, nothing stored
    score(world, "ja", e1, halves(60), version=2, expect=409)
    assert ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["version"] == 0
    assert score(world, "ja", e1, halves(60))["version"] == 1
    # a comment change alone is a change: version 2; replaying it is not
    assert score(world, "ja", e1, {}, comment="很好", version=1)["version"] == 2
    assert score(world, "ja", e1, {}, comment="很好", version=2)["version"] == 2
    assert score(world, "ja", e1, {}, comment="很好", version=1)["version"] == 2  # identical replay of an older request
    # without a version the last write wins (no offline draft involved)
    assert score(world, "ja", e1, {"a": 31})["version"] == 3


def test_points_in_scientific_notation_or_booleans_are_refused():
    from app.errors import ValidationFailed
    from judging.scoring.services import _points

    criteria = [{"code": "innovation", "name": "创新性", "weight": "40", "max_points": "10"}]
    assert _points(criteria, {"innovation": "7.5"}) == {"innovation": "7.5"}
    assert _points(criteria, {"innovation": 8}) == {"innovation": "8"}
    for bad in ("1e1", True, "八"):
        with pytest.raises(ValidationFailed):
            _points(criteria, {"innovation": bad})
