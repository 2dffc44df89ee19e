"""Leading teachers through the API: proposed by schools, assigned by the rule (worked by hand),
placed by hand, the overview with reasons and shortfalls, and the teacher's notice."""

from __future__ import annotations

from tests.competitions.camps.conftest import sid
from tests.competitions.camps.test_camps_api import _allocated
from tests.competitions.camps.test_notices import _text


def _propose(camp, user, name, phone="13900001111", **extra):
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/camp-teachers", json={"name": name, "phone": phone, **extra}, headers=camp.h(user)
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_leaders_assigned_by_the_rule_placed_by_hand_and_noticed(camp, tmp_path):
    _allocated(camp)  # 甲 offered A, 乙 offered B (both HK01, 海口市), 丙 waiting
    base = f"/api/v1/events/{camp.id}"
    # no teachers yet: each site has 1 student, needs ceil(1/10) = 1, short by 1
    view = camp.client.get(f"{base}/leaders", headers=camp.h("org")).json()
    assert [(s["site_code"], s["students"], s["needed"], s["shortfall"]) for s in view["sites"]] == [
        ("A", 1, 1, 1),
        ("B", 1, 1, 1),
    ]
    t1 = _propose(camp, "hk01", "李老师", phone="13900001111")
    t2 = _propose(camp, "hk02", "王老师", phone="13900002222")
    t3 = _propose(camp, "org", "赵老师", phone="13900003333", school_code="SY01")
    assert t1["phone_masked"] != "13900001111" and "1111" in t1["phone_masked"]
    # a school sees its own teachers only; another school's teacher is 404 to it; a city is 403
    assert [t["name"] for t in camp.client.get(f"{base}/camp-teachers", headers=camp.h("hk02")).json()] == ["王老师"]
    assert camp.client.delete(f"/api/v1/camp-teachers/{t1['id']}", headers=camp.h("hk02")).status_code == 404
    assert camp.client.get(f"{base}/camp-teachers", headers=camp.h("haikou")).status_code == 403
    assert camp.client.post(f"{base}/leaders/assign", headers=camp.h("hk01")).status_code == 403
    # by hand: A and B both have 1 student (A first by position). A: 李 (HK01 sends 1 there) beats
    # 王 (same city: 1) and 赵 (三亚: 0). B: 王 (city 1) beats 赵. 赵 unused.
    r = camp.client.post(f"{base}/leaders/assign", headers=camp.h("org"))
    assert r.status_code == 200, r.text
    got = {s["site_code"]: [(t["name"], t["why"]) for t in s["teachers"]] for s in r.json()["sites"]}
    assert got == {"A": [("李老师", "本校有 1 名学生在这个分营")], "B": [("王老师", "同一市县有 1 名学生在这个分营")]}
    assert [t["name"] for t in r.json()["unused"]] == ["赵老师"]
    assert all(s["shortfall"] == 0 for s in r.json()["sites"])
    # the organizer places 赵 on A by hand; re-running keeps him there (A needs no more) and 李,
    # freed, goes to B by his school (HK01 sends 乙 there); 王 is now unused
    r = camp.client.put(f"/api/v1/camp-teachers/{t3['id']}/site", json={"site_code": "A"}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["fixed"] is True, r.text
    r = camp.client.post(f"{base}/leaders/assign", headers=camp.h("org")).json()
    got = {s["site_code"]: [(t["name"], t["why"]) for t in s["teachers"]] for s in r["sites"]}
    assert got == {"A": [("赵老师", "组委会指定")], "B": [("李老师", "本校有 1 名学生在这个分营")]}
    assert [t["name"] for t in r["unused"]] == ["王老师"]
    assert (
        camp.client.put(
            f"/api/v1/camp-teachers/{t3['id']}/site", json={"site_code": "Z"}, headers=camp.h("org")
        ).status_code
        == 422
    )
    # the admission notice of 甲 (site A) names 赵老师 with his phone
    pages, text = _text(
        tmp_path,
        camp.client.get(f"{base}/admission-notices.pdf", params={"site_code": "A"}, headers=camp.h("org")).content,
    )
    assert "赵老师 13900003333" in text
    # the teacher's notice: site and its students' names and schools, no ID numbers or phones of students
    r = camp.client.get(f"/api/v1/camp-teachers/{t1['id']}/notice.pdf", headers=camp.h("hk01"))
    assert r.status_code == 200, r.text
    pages, text = _text(tmp_path, r.content)
    assert pages == 1 and "李老师" in text and "B营" in text and "乙" in text and "海口市第一中学" in text
    assert "甲" not in text and sid(2) not in text and "13812345678" not in text
    # unused teacher: no notice yet (409); a school may not remove an assigned teacher (409)
    assert camp.client.get(f"/api/v1/camp-teachers/{t2['id']}/notice.pdf", headers=camp.h("org")).status_code == 409
    assert camp.client.delete(f"/api/v1/camp-teachers/{t1['id']}", headers=camp.h("hk01")).status_code == 409
    assert camp.client.delete(f"/api/v1/camp-teachers/{t2['id']}", headers=camp.h("hk02")).status_code == 204


def test_ratio_setting_and_invalid_teacher(camp):
    r = camp.client.put(f"/api/v1/events/{camp.id}/camp-settings", json={"leader_ratio": 0}, headers=camp.h("org"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "leader_ratio"
    r = camp.client.put(f"/api/v1/events/{camp.id}/camp-settings", json={"leader_ratio": 5}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["leader_ratio"] == 5
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/camp-teachers", json={"name": "", "phone": "x"}, headers=camp.h("hk01")
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"name", "phone"}


def test_one_teacher_is_proposed_once_and_never_leads_two_camps_at_once(camp, world):
    """Fresh user's finding 5: the same teacher (same phone) proposed twice was accepted twice and
    assigned to two camps with overlapping dates."""
    from competitions.camps.tables import CampTeacher
    from competitions.events import services as events

    base = f"/api/v1/events/{camp.id}"
    _propose(camp, "hk01", "李老师", phone="13900001111")
    for user, phone, extra in (("hk01", "139 0000 1111", {}), ("org", "+86 139-0000-1111", {"school_code": "SY01"})):
        r = camp.client.post(
            f"{base}/camp-teachers", json={"name": "李老师", "phone": phone, **extra}, headers=camp.h(user)
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phone", r.text
        assert "已经被推荐" in r.json()["detail"]
    assert world.run(CampTeacher.count().where(CampTeacher.event == camp.id)) == 1
    # a second camp event of the year with a site whose dates overlap site A's; the same teacher there
    camp.site("A", 10, starts_on="2027-07-10", ends_on="2027-07-16")
    other = world.run(
        events.create_event(
            world.org,
            {
                "name": "2026年第二期科学营",
                "kind": "camp",
                "year": 2026,
                "status": "open",
                "registration_closes_at": "2099-01-01T00:00:00+08:00",
            },
        )
    )["id"]
    for code, starts, ends in (("X", "2027-07-14", "2027-07-20"), ("Y", "2027-08-01", "2027-08-07")):
        r = camp.client.post(
            f"/api/v1/events/{other}/sites",
            json={"code": code, "name": f"{code}营", "capacity": 10, "starts_on": starts, "ends_on": ends},
            headers=camp.h("org"),
        )
        assert r.status_code == 201, r.text
    r = camp.client.post(
        f"/api/v1/events/{other}/camp-teachers", json={"name": "李老师", "phone": "13900001111"}, headers=camp.h("hk01")
    )
    assert r.status_code == 201, r.text  # another event: proposed, but may not overlap
    twin = r.json()["id"]
    # 李 leads A in the first camp (placed by hand); in the second he cannot take X (overlaps A) ...
    first = world.run(CampTeacher.select(CampTeacher.id).where(CampTeacher.event == camp.id).first())["id"]
    assert (
        camp.client.put(
            f"/api/v1/camp-teachers/{first}/site", json={"site_code": "A"}, headers=camp.h("org")
        ).status_code
        == 200
    )
    r = camp.client.put(f"/api/v1/camp-teachers/{twin}/site", json={"site_code": "X"}, headers=camp.h("org"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "site_code"
    assert "日期与X营重叠" in r.json()["detail"], r.text
    # ... but Y (August) is fine
    r = camp.client.put(f"/api/v1/camp-teachers/{twin}/site", json={"site_code": "Y"}, headers=camp.h("org"))
    assert r.status_code == 200 and r.json()["site_code"] == "Y"


def test_the_rule_passes_over_overlapping_sites_and_old_duplicates(camp, world):
    from app.security import encrypt_pii, mask_phone
    from app.times import now
    from competitions.camps.tables import CampTeacher

    apps = _allocated(camp)  # 甲 offered A, 乙 offered B; sites without dates may overlap anything
    for n in ("甲", "乙"):
        camp.client.post(f"/api/v1/applications/{apps[n]['id']}/accept", headers=camp.h("hk01"))
    # two rows of one teacher, as stored before duplicates were refused (no hash yet)
    for _ in range(2):
        world.run(
            CampTeacher.insert(
                CampTeacher(
                    event=camp.id,
                    school=world.schools["HK01"]["id"],
                    name="周老师",
                    phone_enc=encrypt_pii("13900005555"),
                    phone_masked=mask_phone("13900005555"),
                    created_at=now(),
                )
            )
        )
    r = camp.client.post(f"/api/v1/events/{camp.id}/leaders/assign", headers=camp.h("org"))
    assert r.status_code == 200, r.text
    led = [(s["site_code"], t["name"]) for s in r.json()["sites"] for t in s["teachers"]]
    assert led == [("A", "周老师")]  # one site only; the copy leads nowhere
    assert [t["name"] for t in r.json()["unused"]] == ["周老师"]


def test_a_school_naming_another_school_is_refused(camp):
    """Finding 12: school_code of another school is 403, not silently the caller's own."""
    camp.site("A", 2)
    r = camp.client.post(
        f"/api/v1/events/{camp.id}/camp-teachers",
        json={"name": "钱老师", "phone": "13900007777", "school_code": "SY01"},
        headers=camp.h("hk01"),
    )
    assert r.status_code == 403 and "SY01" in r.json()["detail"]
    body = {
        "name": "周航",
        "gender": "男",
        "id_number": sid(41),
        "grade": "高一",
        "phone": "13812345678",
        "preferences": ["A"],
        "consent_participation": True,
        "school_code": "SY01",
    }
    r = camp.client.post(f"/api/v1/events/{camp.id}/applications", json=body, headers=camp.h("hk01"))
    assert r.status_code == 403, r.text
    body["school_code"] = "hk01"  # its own code (any case) is fine
    r = camp.client.post(f"/api/v1/events/{camp.id}/applications", json=body, headers=camp.h("hk01"))
    assert r.status_code == 201 and r.json()["school_code"] == "HK01", r.text
