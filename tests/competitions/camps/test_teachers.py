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
