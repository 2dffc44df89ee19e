"""Talent programme, step 4: matching students to mentors by deferred acceptance over the mentors'
capacities with each mentor's own ranking and refusals (``POST /api/v1/events/{id}/allocation``),
checked by hand and for stability by an independent check on a random market; explanations per
student; applying once; the office's adjustments with a reason (audited)."""

from __future__ import annotations

import random
import re

from tests.competitions.talent.conftest import row
from tests.competitions.talent.test_selection import _invited


def _ranked(talent):
    apps = _invited(talent)  # PH (zhang 2 seats, wang 1): 甲一 91, 乙二 88.5, 丙三 85, 丁四 85 invited; MA: 子甲, 丑乙
    talent.client.patch(
        f"/api/v1/events/{talent.id}/mentors/{_mentor_id(talent, 'zhang')}",
        json={"capacity": 1},
        headers=talent.h("org"),
    )
    talent.invite()
    ids = {n: a["id"] for n, a in apps.items()}
    # zhang: 丙三 first, refuses 乙二; 甲一 and 丁四 unranked (no interview scores: by test score)
    talent.rank("zhang", [{"application_id": ids["丙三"], "rank": 1}, {"application_id": ids["乙二"], "refused": True}])
    # wang: refuses 丁四; the rest by test score
    talent.rank("wang", [{"application_id": ids["丁四"], "refused": True}])
    return ids


def _mentor_id(talent, code):
    return next(
        m["id"]
        for m in talent.client.get(f"/api/v1/events/{talent.id}/mentors", headers=talent.h("org")).json()
        if m["code"] == code
    )


def test_matching_by_hand_with_rankings_refusals_and_capacities(talent):
    ids = _ranked(talent)
    # DA: all four propose to zhang: 乙二 refused; zhang keeps 丙三 (its rank 1), rejects 甲一 and 丁四.
    # Then 乙二, 甲一, 丁四 propose to wang: 丁四 refused; wang keeps 甲一 (91 > 88.5). MA: liu keeps 子甲.
    preview = talent.allocate()
    got = {a["application_id"]: (a["site_code"], a["status"]) for a in preview["assignments"]}
    assert got == {
        ids["甲一"]: ("wang", "admitted"),
        ids["乙二"]: (None, "unplaced"),
        ids["丙三"]: ("zhang", "admitted"),
        ids["丁四"]: (None, "unplaced"),
        ids["子甲"]: ("liu", "admitted"),
        ids["丑乙"]: (None, "unplaced"),
    }
    assert (preview["admitted"], preview["unplaced"], preview["priority"]) == (3, 3, "mentors")
    assert preview["blocking_pairs"] == []
    words = {a["application_id"]: a["explanation"] for a in preview["assignments"]}
    assert words[ids["乙二"]].startswith("导师志愿1 张伟（海南大学）：导师面试后没有接收。")
    # the programme has no waiting list: the words say where the student stood in the mentor's own order
    # (wang: 甲一 91, 乙二 88.5; zhang: 丙三 ranked 1, then 甲一 91, 丁四 85; 乙二 refused)
    assert (
        "导师志愿2 王芳（海南大学）：1 个名额都给了导师排在你前面的学生（你在该导师的排序中是第 2 位）。"
        in words[ids["乙二"]]
    )
    assert words[ids["丁四"]].startswith(
        "导师志愿1 张伟（海南大学）：1 个名额都给了导师排在你前面的学生（你在该导师的排序中是第 3 位）。"
    )
    assert not any("候补" in w for w in words.values())
    assert words[ids["甲一"]].endswith("匹配到导师志愿2 王芳（海南大学）。")
    # nothing stored by a preview
    assert talent.by_name()["甲一"]["status"] == "invited"
    applied = talent.allocate(apply=True)
    assert applied["applied"] is True
    apps = talent.by_name()
    assert {n: (a["status"], a["site_code"]) for n, a in apps.items() if a["status"] in ("matched", "unmatched")} == {
        "甲一": ("matched", "wang"),
        "乙二": ("unmatched", None),
        "丙三": ("matched", "zhang"),
        "丁四": ("unmatched", None),
        "子甲": ("matched", "liu"),
        "丑乙": ("unmatched", None),
    }
    assert apps["甲一"]["preference_rank"] == 2 and apps["甲一"]["mentor_name"] == "王芳"
    r = talent.client.post(f"/api/v1/events/{talent.id}/allocation", json={"apply": True}, headers=talent.h("org"))
    assert r.status_code == 409
    one = talent.client.get(f"/api/v1/talent-applications/{ids['乙二']}", headers=talent.h("hk01")).json()
    assert "导师面试后没有接收" in one["explanation"]
    assert "你在该导师的排序中是第 2 位" in one["explanation"]  # from what was stored
    english = talent.client.get(
        f"/api/v1/talent-applications/{ids['丁四']}", headers={**talent.h("hk01"), "accept-language": "en"}
    ).json()["explanation"]
    assert (
        "Mentor choice 1, 张伟 (海南大学): the mentor's places (1) all went to students the mentor ranked ahead "
        "of you (you were number 3 in the mentor's order)." in english
    ), english
    assert "waiting" not in english
    # mentors can no longer change their ranking
    r = talent.client.put(
        f"/api/v1/events/{talent.id}/mentor/ranking",
        json={"items": [{"application_id": ids["丁四"], "rank": 2}]},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 409
    # a school cannot run the matching
    assert (
        talent.client.post(f"/api/v1/events/{talent.id}/allocation", json={}, headers=talent.h("hk01")).status_code
        == 403
    )


def test_the_office_adjusts_with_a_reason_within_capacity_and_it_is_audited(talent):
    ids = _ranked(talent)
    talent.allocate(apply=True)
    url = f"/api/v1/talent-applications/{ids['乙二']}/adjust"
    assert talent.client.post(url, json={"mentor": "wang", "reason": ""}, headers=talent.h("org")).status_code == 422
    r = talent.client.post(url, json={"mentor": "wang", "reason": "导师同意扩招"}, headers=talent.h("org"))
    assert r.status_code == 409 and "名额已满" in r.json()["detail"]
    r = talent.client.post(url, json={"mentor": "liu", "reason": "x"}, headers=talent.h("org"))
    assert r.status_code == 422  # liu teaches 数学
    # 甲一 leaves wang (family moved), 乙二 takes the seat
    r = talent.client.post(
        f"/api/v1/talent-applications/{ids['甲一']}/adjust",
        json={"mentor": None, "reason": "学生转学"},
        headers=talent.h("org"),
    )
    assert r.status_code == 200 and r.json()["status"] == "unmatched"
    r = talent.client.post(url, json={"mentor": "wang", "reason": "递补王芳老师的空缺"}, headers=talent.h("org"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "matched" and r.json()["site_code"] == "wang"
    assert "组委会调整到导师 王芳：递补王芳老师的空缺" in r.json()["explanation"]
    from app.tables import AuditLog

    rows = talent.world.run(
        AuditLog.select(AuditLog.object_id, AuditLog.reason, AuditLog.changes)
        .where(AuditLog.action == "talent.match.adjust")
        .order_by(AuditLog.id)
        .output(load_json=True)
    )
    assert [(r["object_id"], r["reason"], r["changes"]["mentor"]) for r in rows] == [
        (ids["甲一"], "学生转学", ["wang", None]),
        (ids["乙二"], "递补王芳老师的空缺", [None, "wang"]),
    ]
    assert talent.client.post(url, json={"mentor": None, "reason": "x"}, headers=talent.h("hk01")).status_code == 403


def test_a_mentors_capacity_cannot_drop_below_its_students(talent):
    """After the matching, wang holds 1 student: its capacity may grow, or stay, but not drop to 0
    (409, nothing changed); before any student, it may."""
    _ranked(talent)
    talent.allocate(apply=True)
    wang = _mentor_id(talent, "wang")
    url = f"/api/v1/events/{talent.id}/mentors/{wang}"
    r = talent.client.patch(url, json={"capacity": 0}, headers=talent.h("org"))
    assert r.status_code == 409 and "已有 1 名学生" in r.json()["detail"], r.text
    mentors = talent.client.get(f"/api/v1/events/{talent.id}/mentors", headers=talent.h("org")).json()
    assert next((m["capacity"], m["students"]) for m in mentors if m["code"] == "wang") == (1, 1)
    r = talent.client.patch(url, json={"capacity": 2}, headers=talent.h("org"))
    assert r.status_code == 200 and r.json()["capacity"] == 2
    liu = _mentor_id(talent, "liu")  # liu's one seat went to 子甲 (MA)
    r = talent.client.patch(f"/api/v1/events/{talent.id}/mentors/{liu}", json={"capacity": 0}, headers=talent.h("org"))
    assert r.status_code == 409


def test_a_random_market_through_the_api_is_stable_and_within_capacity(talent):
    rng = random.Random(16)
    codes = ["m_a", "m_b", "m_c", "m_d"]
    for k, code in enumerate(codes):
        talent.mentor(code, "PH", capacity=1 + k % 2)
    rows = [
        row(f"学生{'甲乙丙丁戊己庚辛壬癸子丑寅卯'[k]}", 40 + k, prefs=tuple(rng.sample(codes, rng.randint(1, 3))))
        for k in range(14)
    ]
    assert talent.upload(rows).status_code == 201
    apps = talent.by_name()
    talent.scores([(a["id"], str(rng.randint(60, 100))) for a in apps.values()])
    talent.cutoffs(PH="0")
    talent.invite()
    for code in codes:
        home = talent.client.get(f"/api/v1/events/{talent.id}/mentor/applicants", headers=talent.h(code)).json()
        mine = [a["id"] for a in home["applicants"]]
        rng.shuffle(mine)
        items = []
        for rank, aid in enumerate(mine[: len(mine) // 2], start=1):
            items.append({"application_id": aid, "rank": rank})
        for aid in mine[len(mine) // 2 :]:
            if rng.random() < 0.4:
                items.append({"application_id": aid, "refused": True})
        talent.rank(code, items)
    result = talent.allocate(apply=True)
    assert result["blocking_pairs"] == []
    # the independent check, from what the API shows: no student lists a mentor above its result who
    # accepts it (is in its order) and has a free seat or holds someone it orders lower
    mentors = {
        m["code"]: m for m in talent.client.get(f"/api/v1/events/{talent.id}/mentors", headers=talent.h("org")).json()
    }
    orders = {
        c: talent.client.get(f"/api/v1/events/{talent.id}/mentors/{m['id']}/order", headers=talent.h("org")).json()[
            "order"
        ]
        for c, m in mentors.items()
    }
    final = {a["id"]: a for a in talent.applications()}
    holders = {c: [i for i, a in final.items() if a["site_code"] == c] for c in codes}
    for c in codes:
        assert len(holders[c]) <= mentors[c]["capacity"]
        assert all(i in orders[c] for i in holders[c])  # never a refused student
    blocking = []
    for i, a in final.items():
        prefs = a["preferences"]
        above = prefs[: prefs.index(a["site_code"])] if a["site_code"] else prefs
        for c in above:
            if i not in orders[c]:
                continue
            if len(holders[c]) < mentors[c]["capacity"] or any(
                orders[c].index(h) > orders[c].index(i) for h in holders[c]
            ):
                blocking.append((i, c))
    assert blocking == []
    assert sum(1 for a in final.values() if a["status"] == "matched") == result["admitted"] > 0


def test_the_school_reads_why_its_student_was_not_matched_on_its_page(talent):
    """The matching is explained per student: the school's applications page says it, not only the API."""
    ids = _ranked(talent)
    talent.allocate(apply=True)
    client = talent.world.login_page("hk01")
    html = client.get(f"/talent/{talent.id}/applications").text
    row = re.search(r"<tr>(?:(?!</tr>).)*乙二(?:(?!</tr>).)*</tr>", html, re.S)
    assert row, html[-2000:]
    assert "导师面试后没有接收" in row.group(0) and "你在该导师的排序中是第 2 位" in row.group(0), row.group(0)
    matched = re.search(r"<tr>(?:(?!</tr>).)*甲一(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "匹配到导师志愿2 王芳（海南大学）。" in matched
    assert ids
