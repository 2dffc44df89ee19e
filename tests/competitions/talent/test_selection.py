"""Talent programme, step 3: aptitude test scores from a workbook (by ID number or application id), the
cut-off preview (how many pass at each cut-off, counted by hand), invitations to interviews with times
per mentor, interview scores on the judging sheet with the rubric, mentors' rankings and refusals, and
what a mentor sees (only its own applicants, never ID numbers or phones)."""

from __future__ import annotations

from tests.competitions.talent.conftest import row, sid

SCORES = {"甲一": "91", "乙二": "88.5", "丙三": "85", "丁四": "85", "戊五": "79.5", "己六": "70", "庚七": "62"}


def _applied(talent):
    talent.mentor("zhang", "PH", 2, display_name="张伟")
    talent.mentor("wang", "PH", 1, display_name="王芳")
    talent.mentor("liu", "MA", 1, display_name="刘洋")
    rows = [row(name, k, prefs=("zhang", "wang")) for k, name in enumerate(SCORES, start=1)]
    rows += [row("子甲", 20, subject="MA", prefs=("liu",)), row("丑乙", 21, subject="MA", prefs=("liu",))]
    assert talent.upload(rows).status_code == 201
    return talent.by_name()


def test_scores_by_application_id_or_id_number_and_the_cutoff_preview(talent):
    apps = _applied(talent)
    pairs = [(apps[n]["id"], s) for n, s in SCORES.items() if n != "庚七"]
    r = talent.scores(pairs)
    assert r.status_code == 201 and r.json() == {"scores_recorded": 6}, r.text
    r = talent.scores([(sid(7), "62")], key="证件号")  # a7 by its ID number
    assert r.status_code == 201 and r.json() == {"scores_recorded": 1}, r.text
    r = talent.scores([(apps["子甲"]["id"], "75"), (apps["丑乙"]["id"], 60)])
    assert r.status_code == 201
    assert talent.by_name()["乙二"]["test_score"] == "88.5"
    preview = talent.client.get(
        f"/api/v1/events/{talent.id}/cutoffs/preview", params={"step": "10"}, headers=talent.h("org")
    ).json()
    ph = next(s for s in preview["subjects"] if s["code"] == "PH")
    assert (ph["applicants"], ph["tested"], ph["seats"]) == (7, 7, 3)
    # by hand: >= 90: 91 -> 1; >= 80: +88.5, 85, 85 -> 4; >= 70: +79.5, 70 -> 6; >= 60: +62 -> 7
    assert [(r["cutoff"], r["passing"], r["ratio"]) for r in ph["rows"]] == [
        ("90", 1, "0.33"),
        ("80", 4, "1.33"),
        ("70", 6, "2.00"),
        ("60", 7, "2.33"),
    ]
    each = talent.client.get(
        f"/api/v1/events/{talent.id}/cutoffs/preview", params={"step": "0"}, headers=talent.h("org")
    ).json()
    ph = next(s for s in each["subjects"] if s["code"] == "PH")
    assert [(r["cutoff"], r["passing"]) for r in ph["rows"]] == [
        ("91", 1), ("88.5", 2), ("85", 4), ("79.5", 5), ("70", 6), ("62", 7),
    ]  # fmt: skip
    ma = next(s for s in each["subjects"] if s["code"] == "MA")
    assert [(r["cutoff"], r["passing"]) for r in ma["rows"]] == [("75", 1), ("60", 2)]
    settings = talent.cutoffs(PH="85", MA="60")
    assert settings["cutoffs"] == {"PH": "85", "MA": "60"}
    again = talent.client.get(f"/api/v1/events/{talent.id}/cutoffs/preview", headers=talent.h("org")).json()
    assert {s["code"]: s["passing"] for s in again["subjects"] if s["cutoff"]} == {"PH": 4, "MA": 2}


def test_score_workbook_errors_name_row_and_column(talent):
    apps = _applied(talent)
    r = talent.scores(
        [(apps["甲一"]["id"], "abc"), ("999999", "80"), (apps["甲一"]["id"], "1001"), (apps["乙二"]["id"], "80")]
    )
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "分数"), (3, "申请编号"), (4, "分数")]
    assert talent.by_name()["乙二"]["test_score"] is None  # nothing stored
    assert talent.client.get(f"/api/v1/events/{talent.id}/cutoffs/preview", headers=talent.h("hk01")).status_code == 403


def _invited(talent):
    apps = _applied(talent)
    assert talent.scores([(apps[n]["id"], s) for n, s in SCORES.items()]).status_code == 201
    assert talent.scores([(apps["子甲"]["id"], "75"), (apps["丑乙"]["id"], "60")]).status_code == 201
    talent.cutoffs(PH="85", MA="60")
    return apps


def test_invitations_follow_the_cutoff_with_times_per_mentor(talent):
    apps = _invited(talent)
    for bad in ("next Monday", "2027-13-01T09:00"):  # 422 naming the field, nothing invited
        r = talent.client.post(
            f"/api/v1/events/{talent.id}/interviews/invite", json={"starts_at": bad}, headers=talent.h("org")
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_at", r.text
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/interviews/invite",
        json={"starts_at": "2027-03-01T09:00:00+08:00"},
        headers=talent.h("org"),
    )
    assert r.status_code == 200, r.text
    # PH: a1, a2, a3, a4 (>= 85) each with zhang and wang; MA: m1, m2 with liu
    assert r.json() == {"invited": 6, "not_invited": 3, "interviews": 10}
    statuses = {n: a["status"] for n, a in talent.by_name().items()}
    assert statuses == {
        "甲一": "invited", "乙二": "invited", "丙三": "invited", "丁四": "invited",
        "戊五": "not_invited", "己六": "not_invited", "庚七": "not_invited", "子甲": "invited", "丑乙": "invited",
    }  # fmt: skip
    rows = talent.client.get(f"/api/v1/events/{talent.id}/interviews", headers=talent.h("org")).json()
    zhang = [(i["name"], i["starts_at"]) for i in rows if i["mentor_code"] == "zhang"]
    # best score first, 20 minutes apart
    assert zhang == [
        ("甲一", "2027-03-01T01:00:00Z"),
        ("乙二", "2027-03-01T01:20:00Z"),
        ("丙三", "2027-03-01T01:40:00Z"),
        ("丁四", "2027-03-01T02:00:00Z"),
    ]  # equal scores (丙三, 丁四: 85) by application id
    # a student is never in two interviews at once: wang (everyone's second choice) takes each one
    # when zhang lets them go, 20 minutes later
    wang = [(i["name"], i["starts_at"]) for i in rows if i["mentor_code"] == "wang"]
    assert wang == [
        ("甲一", "2027-03-01T01:20:00Z"),
        ("乙二", "2027-03-01T01:40:00Z"),
        ("丙三", "2027-03-01T02:00:00Z"),
        ("丁四", "2027-03-01T02:20:00Z"),
    ]
    per_student: dict[int, list[str]] = {}
    for i in rows:
        per_student.setdefault(i["application_id"], []).append(i["starts_at"])
    assert all(len(times) == len(set(times)) for times in per_student.values())
    # once only; the cut-offs are locked
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/interviews/invite",
        json={"starts_at": "2027-03-02T09:00:00+08:00"},
        headers=talent.h("org"),
    )
    assert r.status_code == 409
    assert (
        talent.client.put(
            f"/api/v1/events/{talent.id}/cutoffs", json={"cutoffs": {"PH": "80"}}, headers=talent.h("org")
        ).status_code
        == 409
    )
    assert apps  # used


def test_invitations_need_a_cutoff_for_every_subject_applied_for(talent):
    apps = _applied(talent)
    talent.scores([(apps["甲一"]["id"], "90")])
    talent.cutoffs(PH="85")
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/interviews/invite",
        json={"starts_at": "2027-03-01T09:00:00+08:00"},
        headers=talent.h("org"),
    )
    assert r.status_code == 409 and "数学" in r.json()["detail"]


def test_mentors_score_interviews_with_the_rubric_and_see_only_their_applicants(talent):
    apps = _invited(talent)
    talent.invite()
    a1 = apps["甲一"]["id"]
    home = talent.client.get(f"/api/v1/events/{talent.id}/mentor/applicants", headers=talent.h("liu")).json()
    assert [a["name"] for a in home["applicants"]] == ["子甲", "丑乙"]  # liu: only those who listed liu
    body = home["applicants"][0]
    assert set(body) >= {"name", "grade", "school_name", "statement", "test_score"}
    text = str(home)
    for secret in (sid(20), "13812345678", "2010-03-15", "460102"):
        assert secret not in text
    # liu has no interview with a1: 404, and cannot read it
    assert (
        talent.client.get(f"/api/v1/talent-applications/{a1}/interview-score", headers=talent.h("liu")).status_code
        == 404
    )
    assert talent.client.get(f"/api/v1/talent-applications/{a1}", headers=talent.h("liu")).status_code == 404
    # zhang scores a1 with the interview rubric (weights 30/30/20/20, max 10 each)
    sheet = talent.client.get(f"/api/v1/talent-applications/{a1}/interview-score", headers=talent.h("zhang")).json()
    assert [c["code"] for c in sheet["rubric"]] == ["foundation", "potential", "thinking", "commitment"]
    assert sheet["applicant"]["name"] == "甲一" and sheet["total"] == ""
    r = talent.client.put(
        f"/api/v1/talent-applications/{a1}/interview-score",
        json={"criteria": {"foundation": 9, "potential": "8", "thinking": 7}},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 200 and r.json()["complete"] is False  # a draft
    r = talent.client.put(
        f"/api/v1/talent-applications/{a1}/interview-score",
        json={"criteria": {"commitment": 10}, "version": 1},
        headers=talent.h("zhang"),
    )
    # 9/10*30 + 8/10*30 + 7/10*20 + 10/10*20 = 27 + 24 + 14 + 20 = 85
    assert r.status_code == 200 and r.json()["complete"] is True and r.json()["total"] == "85", r.text
    r = talent.client.put(
        f"/api/v1/talent-applications/{a1}/interview-score",
        json={"criteria": {"foundation": 11}},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 422
    rows = talent.client.get(f"/api/v1/events/{talent.id}/interviews", headers=talent.h("org")).json()
    assert {i["mentor_code"]: i["score"] for i in rows if i["name"] == "甲一"} == {"wang": None, "zhang": "85"}
    # a mentor's view of an application: no personal data; schools cannot use the mentor endpoints
    one = talent.client.get(f"/api/v1/talent-applications/{a1}", headers=talent.h("zhang")).json()
    assert one["name"] == "甲一" and "id_number" not in one and "phone" not in one
    assert (
        talent.client.get(f"/api/v1/events/{talent.id}/mentor/applicants", headers=talent.h("hk01")).status_code == 403
    )


def test_a_mentor_ranks_and_refuses_and_its_order_follows(talent):
    apps = _invited(talent)
    talent.invite()
    ids = {n: apps[n]["id"] for n in ("甲一", "乙二", "丙三", "丁四")}
    for name, points in (("甲一", 6), ("乙二", 9), ("丙三", 7), ("丁四", 8)):
        r = talent.client.put(
            f"/api/v1/talent-applications/{ids[name]}/interview-score",
            json={"criteria": {c: points for c in ("foundation", "potential", "thinking", "commitment")}},
            headers=talent.h("zhang"),
        )
        assert r.status_code == 200, r.text
    # unranked: by interview score a2 (90), a4 (80), a3 (70), a1 (60)
    zhang = talent.client.get(f"/api/v1/events/{talent.id}/mentor/applicants", headers=talent.h("zhang")).json()
    mentor_id = zhang["mentor"]["id"]
    order = talent.client.get(f"/api/v1/events/{talent.id}/mentors/{mentor_id}/order", headers=talent.h("zhang")).json()
    assert order["order"] == [ids["乙二"], ids["丁四"], ids["丙三"], ids["甲一"]]
    # zhang ranks a3 first and refuses a2; the rest follow by score
    got = talent.rank(
        "zhang", [{"application_id": ids["丙三"], "rank": 1}, {"application_id": ids["乙二"], "refused": True}]
    )
    assert got["order"] == [ids["丙三"], ids["丁四"], ids["甲一"]] and got["refused"] == [ids["乙二"]]
    r = talent.client.put(
        f"/api/v1/events/{talent.id}/mentor/ranking",
        json={"items": [{"application_id": ids["甲一"], "rank": 1}]},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 422  # rank 1 is a3's
    r = talent.client.put(
        f"/api/v1/events/{talent.id}/mentor/ranking",
        json={"items": [{"application_id": apps["子甲"]["id"], "rank": 2}]},
        headers=talent.h("zhang"),
    )
    assert r.status_code == 422 and "面试" in r.json()["detail"]  # not zhang's interview
    # another mentor cannot read zhang's order
    assert (
        talent.client.get(f"/api/v1/events/{talent.id}/mentors/{mentor_id}/order", headers=talent.h("liu")).status_code
        == 404
    )


def test_the_office_changes_the_interview_rubric_and_interview_scores_follow(talent):
    apps = _invited(talent)
    talent.invite()
    a1 = apps["甲一"]["id"]
    points = {"foundation": 10, "potential": 5, "thinking": 5, "commitment": 5}
    r = talent.client.put(
        f"/api/v1/talent-applications/{a1}/interview-score", json={"criteria": points}, headers=talent.h("zhang")
    )
    assert r.json()["total"] == "65"  # 30 + 15 + 10 + 10
    rubric = [
        {"code": "foundation", "name": "学科基础", "weight": "70", "max_points": "10"},
        {"code": "potential", "name": "科研潜质", "weight": "10", "max_points": "10"},
        {"code": "thinking", "name": "思维与表达", "weight": "10", "max_points": "10"},
        {"code": "commitment", "name": "兴趣与毅力", "weight": "10", "max_points": "10"},
    ]
    r = talent.client.put(f"/api/v1/events/{talent.id}/rubric", json={"criteria": rubric}, headers=talent.h("org"))
    assert r.status_code == 200, r.text
    rows = talent.client.get(f"/api/v1/events/{talent.id}/interviews", headers=talent.h("org")).json()
    # 70 + 5 + 5 + 5
    assert {i["mentor_code"]: i["score"] for i in rows if i["name"] == "甲一"} == {"wang": None, "zhang": "85"}
