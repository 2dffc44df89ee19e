"""Talent programme, step 1: an event of kind ``talent`` with its subjects, mentors through the API
(accounts of role mentor, subject, capacity, university, lab), who may change them, and the public
mentor profiles (no log-in, no account names)."""

from __future__ import annotations


def test_a_talent_event_has_the_default_subjects_and_settings(talent):
    r = talent.client.get(f"/api/v1/events/{talent.id}/categories", headers=talent.h("org"))
    assert r.status_code == 200, r.text
    assert [(c["code"], c["name"]) for c in r.json()] == [
        ("MA", "数学"),
        ("PH", "物理"),
        ("CH", "化学"),
        ("BI", "生物"),
        ("CS", "计算机"),
    ]
    s = talent.client.get(f"/api/v1/events/{talent.id}/talent-settings", headers=talent.h("hk01")).json()
    assert s["eligible_grades"] == ["高一", "高二"] and s["invited"] is False and s["matched"] is False
    # an innovation event is not a talent programme
    r = talent.client.get(f"/api/v1/events/{talent.world.event_id}/talent-settings", headers=talent.h("org"))
    assert r.status_code == 404


def test_mentors_are_mentor_accounts_with_subject_capacity_and_university(talent):
    m = talent.mentor("zhang", "PH", 2, "海南大学", lab="凝聚态物理实验室", display_name="张伟", title="教授")
    assert {k: m[k] for k in ("code", "name", "subject", "subject_name", "capacity", "university", "lab", "title")} == {
        "code": "zhang",
        "name": "张伟",
        "subject": "PH",
        "subject_name": "物理",
        "capacity": 2,
        "university": "海南大学",
        "lab": "凝聚态物理实验室",
        "title": "教授",
    }
    url = f"/api/v1/events/{talent.id}/mentors"
    body = {"username": "nobody", "subject": "PH", "capacity": 1, "university": "海南大学"}
    r = talent.client.post(url, json=body, headers=talent.h("org"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    r = talent.client.post(url, json={**body, "username": "judge"}, headers=talent.h("org"))  # not a mentor account
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    talent.account("li")
    r = talent.client.post(url, json={**body, "username": "li", "subject": "天文"}, headers=talent.h("org"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "subject"
    r = talent.client.post(url, json={**body, "username": "li", "capacity": -1}, headers=talent.h("org"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "capacity"
    r = talent.client.post(url, json={**body, "username": "zhang"}, headers=talent.h("org"))
    assert r.status_code == 422  # already a mentor here
    r = talent.client.post(url, json={**body, "username": "li"}, headers=talent.h("hk01"))
    assert r.status_code == 403
    r = talent.client.post(url, json={**body, "username": "li", "subject": "物理"}, headers=talent.h("org"))
    assert r.status_code == 201 and r.json()["subject"] == "PH"  # a subject by its name
    listed = talent.client.get(url, headers=talent.h("hk01")).json()
    assert [x["code"] for x in listed] == ["zhang", "li"]


def test_a_mentor_edits_its_own_profile_only_and_not_its_capacity(talent):
    a = talent.mentor("zhang", capacity=2)
    b = talent.mentor("wang")
    url = f"/api/v1/events/{talent.id}/mentors"
    r = talent.client.patch(f"{url}/{a['id']}", json={"topics": "拓扑材料", "capacity": 9}, headers=talent.h("zhang"))
    assert r.status_code == 200 and r.json()["topics"] == "拓扑材料" and r.json()["capacity"] == 2
    assert talent.client.patch(f"{url}/{b['id']}", json={"topics": "x"}, headers=talent.h("zhang")).status_code == 403
    r = talent.client.patch(f"{url}/{a['id']}", json={"capacity": 3}, headers=talent.h("org"))
    assert r.status_code == 200 and r.json()["capacity"] == 3
    assert talent.client.delete(f"{url}/{b['id']}", headers=talent.h("org")).status_code == 204
    assert [m["code"] for m in talent.client.get(url, headers=talent.h("org")).json()] == ["zhang"]


def test_public_mentor_profiles_need_no_log_in_and_show_no_account(talent, client):
    m = talent.mentor("zhang", display_name="张伟", topics="量子输运", profile="长期指导中学生科研。")
    hidden = talent.mentor("wang", display_name="王芳")
    talent.client.patch(
        f"/api/v1/events/{talent.id}/mentors/{hidden['id']}", json={"public": False}, headers=talent.h("org")
    )
    talent.client.cookies.clear()
    page = talent.client.get(f"/talent/{talent.id}/mentors")
    assert page.status_code == 200
    assert "张伟" in page.text and "王芳" not in page.text and "zhang" not in page.text
    one = talent.client.get(f"/talent/{talent.id}/mentors/{m['id']}")
    assert one.status_code == 200 and "量子输运" in one.text and "长期指导中学生科研。" in one.text
    assert talent.client.get(f"/talent/{talent.id}/mentors/{hidden['id']}").status_code == 404
    talent.client.get("/lang/en")
    english = talent.client.get(f"/talent/{talent.id}/mentors/{m['id']}")
    assert "Subject" in english.text and "University" in english.text
