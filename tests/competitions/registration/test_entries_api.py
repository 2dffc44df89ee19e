"""Entries, members and review through the JSON API: who may do what on every
endpoint, the registration rules, the review flow, the audit trail and personal data."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.competitions.api import call, check_matrix, hdr, patch_event, set_quota
from tests.conftest import gb11643

_seq = itertools.count(1)


# --------------------------------------------------------------------------- helpers


def student_id(male: bool = True, birth: str = "20110315") -> str:
    """A fresh valid resident ID: the 17th digit is odd for boys, even for girls."""
    n = next(_seq)
    return gb11643(f"460102{birth}{n * 2 + (1 if male else 0):03d}")


def student(
    name: str,
    *,
    male: bool = True,
    grade: str = "初二",
    id_number: str | None = None,
    consent: bool = True,
    phone: str = "13800001111",
    **extra,
) -> dict:
    return {
        "role": "student",
        "name": name,
        "gender": "男" if male else "女",
        "id_number": id_number or student_id(male),
        "grade": grade,
        "phone": phone,
        "consent_participation": consent,
        "consent_publication": consent,
        **extra,
    }


def adviser(name: str, phone: str = "13900002222", **extra) -> dict:
    return {"role": "adviser", "name": name, "phone": phone, **extra}


def cn(i: int) -> str:
    """Digits as Chinese numerals (names may not contain digits): 12 -> 一二."""
    return "".join("零一二三四五六七八九"[int(d)] for d in str(i))


def new_entry(
    world, username, title, members=(), *, category="PH", division="初中", submit=False, school_code=None, expect=201
) -> dict:
    body = {"title": title, "category_code": category, "division": division, "members": list(members), "submit": submit}
    if school_code:
        body["school_code"] = school_code
    response = world.client.post(f"/api/v1/events/{world.event_id}/entries", json=body, headers=hdr(world, username))
    assert response.status_code == expect, response.text
    return response.json()


# --------------------------------------------------------------------------- access to entries


@pytest.fixture
def entries(world):
    """hk01: a submitted entry E (student + adviser) and a draft G; sy01: a draft F.
    The event asks for a city review."""
    patch_event(world, {"city_review_required": True})
    e = new_entry(world, "hk01", "海口一中水质监测", [student("李明"), adviser("陈老师")], submit=True)
    g = new_entry(world, "hk01", "海口一中草稿", [student("王芳", male=False)], category="CH")
    f = new_entry(world, "sy01", "三亚一中珊瑚研究", [student("黎海", grade="高一")], category="LS", division="高中")
    assert (e["status"], g["status"], f["status"]) == ("submitted", "draft", "draft")
    return {"E": e, "G": g, "F": f}


def test_entry_list_shows_each_role_only_its_entries(world, entries):
    eid, client = world.event_id, world.client
    expected = {
        "org": {"E", "G", "F"},
        "haikou": {"E", "G"},
        "sanya": {"F"},
        "hk01": {"E", "G"},
        "hk02": set(),
        "sy01": {"F"},
        "judge": set(),
    }
    codes = {entries[k]["code"]: k for k in entries}
    for username, keys in expected.items():
        response = client.get(f"/api/v1/events/{eid}/entries", headers=world.headers(username))
        assert response.status_code == 200, username
        assert {codes[e["code"]] for e in response.json()} == keys, username
        hidden = {"E", "G", "F"} - keys
        for key in hidden:  # nothing of another school's entries appears anywhere in the list
            assert entries[key]["title"] not in response.text, (username, key)
            assert entries[key]["members"][0]["name"] not in response.text, (username, key)
    check_matrix(world, "GET", f"/api/v1/events/{eid}/entries", {"referee": 403, "staff": 403, None: 401})
    # filters cannot widen what a role sees
    assert (
        client.get(f"/api/v1/events/{eid}/entries", params={"city": "三亚市"}, headers=world.headers("haikou")).json()
        == []
    )
    assert (
        client.get(f"/api/v1/events/{eid}/entries", params={"school": "SY01"}, headers=world.headers("hk01")).json()
        == []
    )
    assert [
        e["code"]
        for e in client.get(
            f"/api/v1/events/{eid}/entries", params={"school": "SY01"}, headers=world.headers("org")
        ).json()
    ] == [entries["F"]["code"]]
    filtered = client.get(
        f"/api/v1/events/{eid}/entries", params={"status": "draft", "city": "海口市"}, headers=world.headers("org")
    ).json()
    assert [e["code"] for e in filtered] == [entries["G"]["code"]]
    by_division = client.get(
        f"/api/v1/events/{eid}/entries", params={"division": "高中"}, headers=world.headers("org")
    ).json()
    assert [e["code"] for e in by_division] == [entries["F"]["code"]]
    by_category = client.get(
        f"/api/v1/events/{eid}/entries", params={"category": "ph", "q": "水质"}, headers=world.headers("org")
    ).json()
    assert [e["code"] for e in by_category] == [entries["E"]["code"]]

    # the contract's list shape
    item = next(
        e
        for e in client.get(f"/api/v1/events/{eid}/entries", headers=world.headers("org")).json()
        if e["code"] == entries["E"]["code"]
    )
    assert {"id", "code", "title", "school_code", "category_code", "division", "status", "members"} <= set(item)
    assert (item["school_code"], item["category_code"], item["division"], item["status"]) == (
        "HK01",
        "PH",
        "初中",
        "submitted",
    )
    assert [(m["name"], m["role"]) for m in item["members"]] == [("李明", "student"), ("陈老师", "adviser")]
    assert item["code"].startswith("PH-J")


def test_counts_cover_only_own_entries(world, entries):
    eid = world.event_id
    check_matrix(world, "GET", f"/api/v1/events/{eid}/counts", {"judge": 403, "referee": 403, "staff": 403, None: 401})
    org = world.client.get(f"/api/v1/events/{eid}/counts", headers=world.headers("org")).json()
    assert org["city"] == {"海口市": 2, "三亚市": 1}
    assert org["status"] == {"submitted": 1, "draft": 2}
    assert org["division"] == {"初中": 2, "高中": 1}
    haikou = world.client.get(f"/api/v1/events/{eid}/counts", headers=world.headers("haikou")).json()
    assert haikou["city"] == {"海口市": 2}
    sy01 = world.client.get(f"/api/v1/events/{eid}/counts", headers=world.headers("sy01")).json()
    assert sy01 == {"category": {"生命科学": 1}, "division": {"高中": 1}, "city": {"三亚市": 1}, "status": {"draft": 1}}
    hk02 = world.client.get(f"/api/v1/events/{eid}/counts", headers=world.headers("hk02")).json()
    assert hk02 == {"category": {}, "division": {}, "city": {}, "status": {}}


def test_entry_detail_and_history_access(world, entries):
    e = entries["E"]
    detail = check_matrix(
        world,
        "GET",
        f"/api/v1/entries/{e['id']}",
        {
            "org": 200,
            "haikou": 200,
            "sanya": 404,
            "hk01": 200,
            "hk02": 404,
            "sy01": 404,
            "judge": 404,
            "referee": 403,
            "staff": 403,
            None: 401,
        },
    )
    for username in ("sanya", "hk02", "sy01", "judge"):
        assert e["title"] not in detail[username].text and "李明" not in detail[username].text
        assert detail[username].json()["detail"] == "作品不存在或您无权查看。"
    # a missing entry answers exactly like a hidden one
    missing = world.client.get("/api/v1/entries/999999", headers=world.headers("hk02"))
    assert (missing.status_code, missing.json()["detail"]) == (404, "作品不存在或您无权查看。")
    assert detail["haikou"].json()["title"] == "海口一中水质监测"
    history = check_matrix(
        world,
        "GET",
        f"/api/v1/entries/{e['id']}/history",
        {
            "org": 200,
            "haikou": 200,
            "sanya": 404,
            "hk01": 200,
            "hk02": 404,
            "sy01": 404,
            "judge": 403,
            "referee": 403,
            "staff": 403,
            None: 401,
        },
    )
    assert [h["action"] for h in history["hk01"].json()] == ["entry.create", "entry.submit"]


def test_entry_changes_access(world, entries):
    e, g = entries["E"], entries["G"]
    outsiders = {
        "hk02": 404,
        "sy01": 404,
        "haikou": 403,
        "sanya": 403,
        "judge": 403,
        "referee": 403,
        "staff": 403,
        None: 401,
    }
    # edit
    check_matrix(world, "PATCH", f"/api/v1/entries/{e['id']}", outsiders, json={"summary": "篡改"})
    changed = check_matrix(
        world, "PATCH", f"/api/v1/entries/{e['id']}", {"hk01": 200}, json={"summary": "监测南渡江水质"}
    )
    assert changed["hk01"].json()["summary"] == "监测南渡江水质"
    # members
    check_matrix(world, "POST", f"/api/v1/entries/{e['id']}/members", outsiders, json=adviser("赵老师"))
    added = check_matrix(world, "POST", f"/api/v1/entries/{e['id']}/members", {"hk01": 201}, json=adviser("赵老师"))[
        "hk01"
    ].json()
    assert (added["name"], added["role"], added["phone_masked"]) == ("赵老师", "adviser", "139****2222")
    check_matrix(world, "PUT", f"/api/v1/members/{added['id']}", outsiders, json=adviser("赵老师", phone="13900003333"))
    updated = check_matrix(
        world, "PUT", f"/api/v1/members/{added['id']}", {"hk01": 200}, json=adviser("赵老师", phone="13900003333")
    )
    assert updated["hk01"].json()["phone_masked"] == "139****3333"
    check_matrix(world, "DELETE", f"/api/v1/members/{added['id']}", outsiders)
    check_matrix(world, "DELETE", f"/api/v1/members/{added['id']}", {"hk01": 204, "org": 404})
    assert (
        world.client.put("/api/v1/members/999999", json=adviser("x"), headers=world.headers("org")).status_code == 404
    )
    # submit and withdraw
    check_matrix(world, "POST", f"/api/v1/entries/{g['id']}/submit", outsiders)
    assert (
        check_matrix(world, "POST", f"/api/v1/entries/{g['id']}/submit", {"hk01": 200})["hk01"].json()["status"]
        == "submitted"
    )
    check_matrix(world, "POST", f"/api/v1/entries/{g['id']}/withdraw", outsiders, json={"reason": "x"})
    assert (
        check_matrix(world, "POST", f"/api/v1/entries/{g['id']}/withdraw", {"hk01": 200}, json={"reason": "学生转学"})[
            "hk01"
        ].json()["status"]
        == "withdrawn"
    )
    # nothing the outsiders tried left a trace
    actions = [
        h["action"] for h in world.client.get(f"/api/v1/entries/{e['id']}/history", headers=world.headers("org")).json()
    ]
    assert actions == ["entry.create", "entry.submit", "entry.update", "member.add", "member.update", "member.remove"]
    entry = world.client.get(f"/api/v1/entries/{e['id']}", headers=world.headers("org")).json()
    assert entry["summary"] == "监测南渡江水质" and [m["name"] for m in entry["members"]] == ["李明", "陈老师"]


def test_school_cannot_register_for_another_school(world):
    entry = new_entry(world, "hk01", "冒名作品", [student("张三")], school_code="SY01")
    assert entry["school_code"] == "HK01"
    listing = world.client.get(f"/api/v1/events/{world.event_id}/entries", headers=world.headers("sy01")).json()
    assert listing == []
    for username in ("haikou", "judge", "referee", "staff"):
        response = world.client.post(
            f"/api/v1/events/{world.event_id}/entries",
            json={"title": "x", "category_code": "PH", "division": "初中"},
            headers=world.headers(username),
        )
        assert response.status_code == 403, username
    assert (
        world.client.post(
            f"/api/v1/events/{world.event_id}/entries", json={"title": "x", "category_code": "PH", "division": "初中"}
        ).status_code
        == 401
    )


def test_review_access(world, entries):
    e = entries["E"]
    path = f"/api/v1/entries/{e['id']}/review"
    check_matrix(
        world,
        "POST",
        path,
        {"hk01": 403, "hk02": 403, "sy01": 403, "judge": 403, "referee": 403, "staff": 403, None: 401, "sanya": 404},
        json={"decision": "approve"},
    )
    city = check_matrix(world, "POST", path, {"haikou": 200}, json={"decision": "approve"})["haikou"].json()
    assert city["status"] == "recommended"
    org = check_matrix(world, "POST", path, {"org": 200}, json={"decision": "approve"})["org"].json()
    assert org["status"] == "approved"
    # a city cannot review an entry that is no longer waiting for it
    late = world.client.post(path, json={"decision": "return", "reason": "补材料"}, headers=world.headers("haikou"))
    assert late.status_code == 409 and late.json()["detail"] == "作品状态为“已通过”，市县不能审查。"


def test_judge_sees_assigned_entries_without_personal_data(world, entries, monkeypatch):
    from competitions.registration import services as registration

    e, f = entries["E"], entries["F"]

    async def assigned(actor, entry_id):
        return entry_id == e["id"]

    monkeypatch.setattr(registration, "_judge_assigned", assigned)
    response = world.client.get(f"/api/v1/entries/{e['id']}", headers=world.headers("judge"))
    assert response.status_code == 200
    body = response.json()
    assert [set(m) for m in body["members"]] == [{"id", "name", "role"}, {"id", "name", "role"}]
    for secret in ("id_masked", "phone_masked", "id_number", "phone", "460", "138****"):
        assert secret not in response.text
    assert world.client.get(f"/api/v1/entries/{f['id']}", headers=world.headers("judge")).status_code == 404
    assert world.client.get(f"/api/v1/entries/{e['id']}/history", headers=world.headers("judge")).status_code == 403
    assert (
        world.client.post(
            f"/api/v1/entries/{e['id']}/review", json={"decision": "approve"}, headers=world.headers("judge")
        ).status_code
        == 403
    )
    assert (
        world.client.patch(
            f"/api/v1/entries/{e['id']}", json={"title": "x"}, headers=world.headers("judge")
        ).status_code
        == 403
    )


# --------------------------------------------------------------------------- registration rules


def test_id_number_rules_through_the_api(world):
    lower = gb11643("46010220110315004").lower()  # ends in x
    assert lower.endswith("x")
    entry = new_entry(world, "hk01", "小写x", [student("周婷", male=False, id_number=lower)])
    member_id = entry["members"][0]["id"]
    assert entry["members"][0]["id_masked"] == "460**************X"
    assert "birth_date" not in entry["members"][0]  # the grade is listed, never the date
    from app.security import decrypt_pii
    from competitions.registration.tables import Member

    row = world.run(Member.select(Member.id_number_enc).where(Member.id == member_id).first())
    assert decrypt_pii(row["id_number_enc"]) == "46010220110315004X"
    # the same number in upper case is the same student
    dup = new_entry(world, "hk01", "大写X", [student("周婷", male=False, id_number="46010220110315004X")], expect=422)
    assert entry["code"] in dup["detail"]

    wrong_check = new_entry(world, "hk01", "校验位", [student("吴迪", id_number="460102201103150032")], expect=422)
    assert wrong_check["detail"] == "身份证号：证件号码校验位不正确（最后一位应为 1），请逐位核对号码。"
    assert wrong_check["errors"] == [
        {"field": "id_number", "message": "证件号码校验位不正确（最后一位应为 1），请逐位核对号码。"}
    ]
    wrong_gender = new_entry(
        world, "hk01", "性别", [student("吴迪", male=False, id_number="460102201103150031")], expect=422
    )
    assert wrong_gender["detail"] == "性别：性别填的是“女”，但证件号码第 17 位表示“男”。请核对性别或证件号码。"
    bad_date = new_entry(world, "hk01", "日期", [student("吴迪", id_number="460102201113150031")], expect=422)
    assert bad_date["detail"] == "身份证号：证件号码第 7–14 位的出生日期 20111315 不存在，请核对。"
    # passports and 通行证 are checked for form only
    passport = new_entry(world, "hk01", "护照", [student("Tom Lee", id_type="护照", id_number="e1234567")])
    assert passport["members"][0]["id_type"] == "护照"
    assert passport["members"][0]["id_masked"] == "E12*4567"  # upper-cased, masked
    hk_permit = new_entry(
        world,
        "hk01",
        "通行证",
        [student("陈嘉欣", male=False, id_type="港澳居民来往内地通行证", id_number="H12345678")],
    )
    assert hk_permit["members"][0]["id_type"] == "港澳居民来往内地通行证"
    bad_permit = new_entry(
        world,
        "hk01",
        "通行证错",
        [student("陈嘉欣", male=False, id_type="港澳居民来往内地通行证", id_number="12345678")],
        expect=422,
    )
    assert (
        bad_permit["detail"]
        == "身份证号：港澳居民来往内地通行证号码格式不正确，应为H 或 M 开头，后跟 8 位或 10 位数字。"
    )
    no_id = new_entry(world, "hk01", "无证件", [student("钱多", id_number=" ")], expect=422)
    assert no_id["detail"] == "身份证号：请填写学生的证件号码。"


def test_one_student_in_at_most_one_entry_per_event(world):
    sid = student_id()
    first = new_entry(world, "hk01", "第一个作品", [student("林涛", id_number=sid)])
    second = new_entry(world, "hk01", "第二个作品", [student("林涛", id_number=sid)], expect=422)
    assert (
        second["detail"]
        == f"学生“林涛”已报名本赛事的作品“第一个作品”（{first['code']}，海口市第一中学），每名学生只能参加一个作品。"
    )
    other = new_entry(world, "hk01", "第三个作品", [student("王五")])
    added = world.client.post(
        f"/api/v1/entries/{other['id']}/members", json=student("林涛", id_number=sid), headers=world.headers("hk01")
    )
    assert added.status_code == 422 and first["code"] in added.json()["detail"]
    # the organizer cannot register him for another school; that school itself is not told of
    # HK01's entry (issue 11: the answer was an oracle): stored, and listed to organizers as a pair
    refused = new_entry(world, "org", "华侨作品", [student("林涛", id_number=sid)], school_code="HK02", expect=422)
    assert first["code"] in refused["detail"]
    elsewhere = new_entry(world, "hk02", "华侨作品", [student("林涛", id_number=sid)])
    assert "duplicates" not in elsewhere and "海口市第一中学" not in str(elsewhere)
    pairs = world.client.get(f"/api/v1/events/{world.event_id}/duplicates", headers=world.headers("org")).json()
    assert [[e["entry_id"] for e in d["entries"]] for d in pairs["duplicates"]] == [[first["id"], elsewhere["id"]]]
    # once the first entry is withdrawn, the student is free
    withdrawn = world.client.post(
        f"/api/v1/entries/{first['id']}/withdraw", json={"reason": "换作品"}, headers=world.headers("hk01")
    )
    assert withdrawn.json()["status"] == "withdrawn"
    again = new_entry(world, "hk01", "第二个作品", [student("林涛", id_number=sid)])
    assert again["members"][0]["name"] == "林涛"
    # the same student may take part in another event
    other_event = world.client.post(
        "/api/v1/events",
        json={
            "name": "机器人竞赛",
            "kind": "robotics",
            "year": 2026,
            "status": "open",
            "registration_closes_at": "2099-01-01T00:00:00+08:00",
        },
        headers=world.headers("org"),
    ).json()
    world.client.post(
        f"/api/v1/events/{other_event['id']}/categories",
        json={"code": "RB", "name": "机器人综合"},
        headers=world.headers("org"),
    )
    response = world.client.post(
        f"/api/v1/events/{other_event['id']}/entries",
        json={"title": "队伍", "category_code": "RB", "division": "初中", "members": [student("林涛", id_number=sid)]},
        headers=world.headers("hk01"),
    )
    assert response.status_code == 201, response.text


def test_team_size_and_advisers(world):
    four = new_entry(world, "hk01", "四人", [student(f"学生{c}") for c in "甲乙丙丁"], expect=422)
    assert four["detail"] == "每个作品最多 3 名学生，现在有 4 名。请删去多余的学生或拆成两个作品。"
    three = new_entry(world, "hk01", "三人", [student(f"学生{c}") for c in "甲乙丙"])
    fourth = world.client.post(
        f"/api/v1/entries/{three['id']}/members", json=student("学生丁"), headers=world.headers("hk01")
    )
    assert fourth.status_code == 422
    assert fourth.json()["detail"] == "每个作品最多 3 名学生，现在有 4 名。请删去多余的学生或拆成两个作品。"
    advisers = new_entry(
        world, "hk01", "三师", [student("学生戊"), adviser("甲老师"), adviser("乙老师"), adviser("丙老师")], expect=422
    )
    assert advisers["detail"] == "每个作品最多 2 名辅导教师，现在有 3 名。"
    two = new_entry(world, "hk01", "二师", [student("学生己"), adviser("甲老师"), adviser("乙老师")])
    third = world.client.post(
        f"/api/v1/entries/{two['id']}/members", json=adviser("丙老师"), headers=world.headers("hk01")
    )
    assert third.status_code == 422 and third.json()["detail"] == "每个作品最多 2 名辅导教师，现在有 3 名。"
    # a draft may start empty, but it cannot be submitted without a student
    empty = new_entry(world, "hk01", "空作品", [adviser("丁老师")])
    submit = world.client.post(f"/api/v1/entries/{empty['id']}/submit", headers=world.headers("hk01"))
    assert submit.status_code == 422
    assert submit.json()["detail"] == "作品还不能提交：每个作品至少需要 1 名学生，现在有 0 名。 请补齐后再提交。"
    assert submit.json()["errors"] == [{"field": "requirements", "message": "每个作品至少需要 1 名学生，现在有 0 名。"}]
    assert world.client.get(f"/api/v1/entries/{empty['id']}", headers=world.headers("hk01")).json()["status"] == "draft"


def test_per_school_quota_per_category(world):
    # without a quota a school registers as many entries as it likes
    for i in range(3):
        new_entry(world, "hk01", f"化学{i}", [student(f"化{cn(i)}")], category="CH")
    set_quota(world, "PH", school_quota=1)
    first = new_entry(world, "hk01", "物理一", [student("物甲")])
    second = new_entry(world, "hk01", "物理二", [student("物乙")], expect=422)
    assert second["detail"] == "“物理与天文学”类别每校最多 1 个作品，本校已有 1 个。请先撤回其他作品或改报其他类别。"
    new_entry(world, "hk02", "华侨物理", [student("物丙")])  # the quota is per school
    moved = world.client.patch(
        f"/api/v1/entries/{first['id']}", json={"category_code": "CH"}, headers=world.headers("hk01")
    )
    assert moved.status_code == 200 and moved.json()["category_code"] == "CH"
    new_entry(world, "hk01", "物理二", [student("物乙")])  # the slot was freed
    back = world.client.patch(
        f"/api/v1/entries/{first['id']}", json={"category_code": "PH"}, headers=world.headers("hk01")
    )
    assert back.status_code == 422 and "每校最多 1 个作品" in back.json()["detail"]
    set_quota(world, "PH", school_quota="")  # blank: no limit again
    new_entry(world, "hk01", "物理三", [student("物丁")])


def test_division_and_grade_must_agree(world):
    wrong = new_entry(world, "hk01", "组别", [student("郑一", grade="高一")], expect=422)
    assert wrong["detail"] == "年级：年级“高一”属于高中，但作品报的是初中组。请核对年级或组别。"
    unknown = new_entry(world, "hk01", "组别2", [student("郑二")], division="大学", expect=422)
    assert unknown["detail"] == "组别“大学”无效，本赛事的组别为：小学、初中、高中。"
    entry = new_entry(world, "hk01", "组别3", [student("郑三", grade="八年级")])
    change = world.client.patch(
        f"/api/v1/entries/{entry['id']}", json={"division": "高中"}, headers=world.headers("hk01")
    )
    assert change.status_code == 422
    assert change.json()["detail"] == "学生“郑三”的年级“八年级”属于初中，不能改为高中组。"
    bad_category = new_entry(world, "hk01", "类别", [student("郑四")], category="XX", expect=422)
    assert bad_category["detail"].startswith("类别“XX”不存在，请从以下类别中选择：MA 数学、PH 物理与天文学")


def test_submit_requires_guardian_consent_for_every_student(world):
    entry = new_entry(
        world, "hk01", "同意书", [student("甲同学"), student("乙同学", consent=False), student("丙同学", consent=False)]
    )
    response = world.client.post(f"/api/v1/entries/{entry['id']}/submit", headers=world.headers("hk01"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "requirements",
            "message": "以下学生尚未确认监护人同意参赛：乙同学、丙同学。请在学生信息中勾选“监护人已同意参加本次活动”。",
        }
    ]
    for member in entry["members"][1:]:
        edit = world.run(_member_for_edit(world, member["id"]))
        body = {**edit, "consent_participation": True}
        assert (
            world.client.put(f"/api/v1/members/{member['id']}", json=body, headers=world.headers("hk01")).status_code
            == 200
        )
    assert (
        world.client.post(f"/api/v1/entries/{entry['id']}/submit", headers=world.headers("hk01")).json()["status"]
        == "submitted"
    )


async def _member_for_edit(world, member_id):
    from app.accounts.services import load_principal
    from app.tables import User
    from competitions.registration import services as registration

    user = await User.select(User.id).where(User.username == "hk01").first()
    data = await registration.member_for_edit(await load_principal(user["id"]), member_id)
    return {
        k: data[k]
        for k in (
            "role",
            "name",
            "gender",
            "id_type",
            "id_number",
            "grade",
            "phone",
            "consent_participation",
            "consent_publication",
        )
    }


def test_closed_registration_stops_schools_not_organizers(world):
    draft = new_entry(world, "hk01", "截止前草稿", [student("钟一")])
    patch_event(world, {"registration_closes_at": "2020-01-01T00:00:00+08:00"})
    closed_message = "报名已于 2020-01-01 00:00 截止，学校不能再修改报名；如需更改请联系组委会。"
    late = new_entry(world, "hk01", "截止后", [student("钟二")], expect=409)
    assert late["detail"] == closed_message
    for method, path, body in (
        ("PATCH", f"/api/v1/entries/{draft['id']}", {"title": "改名"}),
        ("POST", f"/api/v1/entries/{draft['id']}/submit", None),
        ("POST", f"/api/v1/entries/{draft['id']}/members", student("钟三")),
        ("POST", f"/api/v1/entries/{draft['id']}/withdraw", {"reason": "x"}),
    ):
        response = call(world, method, path, "hk01", json=body)
        assert response.status_code == 409, path
        assert response.json()["detail"] == closed_message
    # the organizer still can: a new entry is approved at once, the draft can be edited and approved
    by_org = new_entry(world, "org", "组委会代报", [student("钟四")], school_code="HK01")
    assert by_org["status"] == "approved" and by_org["school_code"] == "HK01"
    renamed = call(world, "PATCH", f"/api/v1/entries/{draft['id']}", "org", json={"title": "组委会改名"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "组委会改名"
    approved = call(world, "POST", f"/api/v1/entries/{draft['id']}/review", "org", json={"decision": "approve"})
    assert approved.json()["status"] == "approved"
    # not yet open
    patch_event(
        world,
        {"registration_closes_at": "2099-02-01T00:00:00+08:00", "registration_opens_at": "2099-01-01T00:00:00+08:00"},
    )
    early = new_entry(world, "hk01", "太早", [student("钟五")], expect=409)
    assert early["detail"] == "报名尚未开始，请在报名开始后再提交。"


def test_review_flow_return_and_resubmit(world):
    entry = new_entry(world, "hk01", "退回重交", [student("符一")])
    assert entry["status"] == "draft"
    org_early = call(
        world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "return", "reason": "x"}
    )
    assert org_early.status_code == 409 and org_early.json()["detail"] == "作品状态为“草稿”，不能退回。"
    assert call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01").json()["status"] == "submitted"
    again = call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01")
    assert again.status_code == 409 and again.json()["detail"] == "作品状态为“待审查”，不需要再提交。"
    no_reason = call(world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "return"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"] == "退回作品时必须填写原因，学校会看到这段说明。"
    blank_reason = call(
        world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "return", "reason": "   "}
    )
    assert blank_reason.status_code == 422
    bad_decision = call(world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "maybe"})
    assert (
        bad_decision.status_code == 422
        and bad_decision.json()["detail"] == "审查结论必须是 approve（通过）或 return（退回）。"
    )
    returned = call(
        world,
        "POST",
        f"/api/v1/entries/{entry['id']}/review",
        "org",
        json={"decision": "return", "reason": "缺少研究报告，请补充后重新提交。"},
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    seen = call(world, "GET", f"/api/v1/entries/{entry['id']}", "hk01").json()
    assert seen["status"] == "returned" and seen["status_label"] == "已退回"
    assert seen["return_reason"] == "缺少研究报告，请补充后重新提交。"
    listed = call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "hk01").json()
    assert listed[0]["return_reason"] == "缺少研究报告，请补充后重新提交。"
    assert call(world, "PATCH", f"/api/v1/entries/{entry['id']}", "hk01", json={"summary": "已补充"}).status_code == 200
    assert call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01").json()["status"] == "submitted"
    approved = call(world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "approve"}).json()
    assert approved["status"] == "approved" and approved["return_reason"] is None
    # approved entries are changed by the organizer only
    locked = call(world, "PATCH", f"/api/v1/entries/{entry['id']}", "hk01", json={"title": "改名"})
    assert (
        locked.status_code == 409
        and locked.json()["detail"] == "作品状态为“已通过”，学校不能再修改；如需更改请联系组委会。"
    )
    history = call(world, "GET", f"/api/v1/entries/{entry['id']}/history", "hk01").json()
    assert [(h["action"], h["actor_name"]) for h in history] == [
        ("entry.create", "hk01"),
        ("entry.submit", "hk01"),
        ("entry.review.return", "组委会"),
        ("entry.update", "hk01"),
        ("entry.submit", "hk01"),
        ("entry.review.approve", "组委会"),
    ]
    assert history[2]["reason"] == "缺少研究报告，请补充后重新提交。"
    assert history[2]["changes"] == {"status": ["submitted", "returned"]}
    assert history[3]["changes"] == {"summary": ["", "已补充"]}
    assert all(h["at"].endswith("+00:00") for h in history)
    # an organizer's own entry is approved at once
    assert new_entry(world, "org", "组委会录入", [student("符二")], school_code="HK02")["status"] == "approved"


def test_city_review_flow_within_city_quota(world):
    city_off = new_entry(world, "hk01", "无需推荐", [student("云一")], submit=True)
    refused = call(world, "POST", f"/api/v1/entries/{city_off['id']}/review", "haikou", json={"decision": "approve"})
    assert refused.status_code == 403 and refused.json()["detail"] == "本赛事不需要市县推荐，作品由组委会直接审查。"

    patch_event(world, {"city_review_required": True})
    set_quota(world, "PH", city_quota=1)
    e1 = new_entry(world, "hk01", "推荐一", [student("云二")], submit=True)
    e2 = new_entry(world, "hk02", "推荐二", [student("云三")], submit=True)
    e3 = new_entry(world, "sy01", "三亚推荐", [student("云四")], submit=True)
    assert (
        call(world, "POST", f"/api/v1/entries/{e1['id']}/review", "sanya", json={"decision": "approve"}).status_code
        == 404
    )
    first = call(world, "POST", f"/api/v1/entries/{e1['id']}/review", "haikou", json={"decision": "approve"})
    assert first.status_code == 200 and first.json()["status"] == "recommended"
    over = call(world, "POST", f"/api/v1/entries/{e2['id']}/review", "haikou", json={"decision": "approve"})
    assert over.status_code == 422
    assert over.json()["detail"] == "“物理与天文学”类别每个市县最多推荐 1 个作品，海口市已推荐 1 个。"
    # Sanya has its own quota
    assert (
        call(world, "POST", f"/api/v1/entries/{e3['id']}/review", "sanya", json={"decision": "approve"}).json()[
            "status"
        ]
        == "recommended"
    )
    no_reason = call(world, "POST", f"/api/v1/entries/{e2['id']}/review", "haikou", json={"decision": "return"})
    assert no_reason.status_code == 422
    returned = call(
        world,
        "POST",
        f"/api/v1/entries/{e2['id']}/review",
        "haikou",
        json={"decision": "return", "reason": "本市名额已满，建议改报其他类别。"},
    )
    assert returned.json()["status"] == "returned"
    assert (
        call(world, "GET", f"/api/v1/entries/{e2['id']}", "hk02").json()["return_reason"]
        == "本市名额已满，建议改报其他类别。"
    )
    # the organizer approves the recommended entry
    final = call(world, "POST", f"/api/v1/entries/{e1['id']}/review", "org", json={"decision": "approve"})
    assert final.json()["status"] == "approved"
    # the school moves its returned entry to another category and resubmits; the city recommends it there
    call(world, "PATCH", f"/api/v1/entries/{e2['id']}", "hk02", json={"category_code": "EN"})
    assert call(world, "POST", f"/api/v1/entries/{e2['id']}/submit", "hk02").json()["status"] == "submitted"
    assert (
        call(world, "POST", f"/api/v1/entries/{e2['id']}/review", "haikou", json={"decision": "approve"}).json()[
            "status"
        ]
        == "recommended"
    )
    history = call(world, "GET", f"/api/v1/entries/{e2['id']}/history", "haikou").json()
    assert [h["action"] for h in history] == [
        "entry.create",
        "entry.submit",
        "entry.review.return",
        "entry.update",
        "entry.submit",
        "entry.review.approve",
    ]
    assert history[2]["actor_name"] == "haikou"


# --------------------------------------------------------------------------- personal data


def test_id_numbers_and_phones_are_encrypted_and_masked_everywhere(world, settings):
    from app import db
    from app.security import decrypt_pii, keyed_hash
    from competitions.registration.tables import Member

    sid = gb11643("46010220110315007")  # -> 460102201103150074
    phone = "13812345678"
    teacher_id = gb11643("46010219800101002")
    teacher_phone = "13987654321"
    entry = new_entry(
        world,
        "hk01",
        "隐私测试",
        [student("隐私生", id_number=sid, phone=phone), adviser("隐私师", phone=teacher_phone, id_number=teacher_id)],
    )
    member_id = entry["members"][0]["id"]
    call(
        world, "PUT", f"/api/v1/members/{member_id}", "hk01", json=student("隐私生", id_number=sid, phone="13811112222")
    )
    call(world, "PUT", f"/api/v1/members/{member_id}", "hk01", json=student("隐私生", id_number=sid, phone=phone))
    call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01")
    call(world, "POST", f"/api/v1/entries/{entry['id']}/review", "org", json={"decision": "return", "reason": "补材料"})
    secrets = (sid, phone, teacher_id, teacher_phone, "13811112222")

    texts = {
        "history": call(world, "GET", f"/api/v1/entries/{entry['id']}/history", "org").text,
        "list": call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").text,
        "list (city)": call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "haikou").text,
        "detail": call(world, "GET", f"/api/v1/entries/{entry['id']}", "hk01").text,
    }
    for name, text in texts.items():
        for secret in secrets:
            assert secret not in text, (name, secret)
    assert "460**************4" in texts["detail"] and "138****5678" in texts["detail"]
    history = json.loads(texts["history"])
    created = history[0]["changes"]["members"][1]
    assert [(m["name"], m["id_masked"], m["phone_masked"]) for m in created] == [
        ("隐私生", "460**************4", "138****5678"),
        ("隐私师", f"460**************{teacher_id[-1]}", "139****4321"),
    ]
    update = next(h for h in history if h["action"] == "member.update")
    assert update["changes"] == {"phone_masked": ["138****5678", "138****2222"]}

    # at rest: encrypted, with a keyed hash for duplicate checks
    rows = world.run(Member.select().where(Member.entry == entry["id"]).order_by(Member.position))
    student_row, teacher_row = rows
    assert sid not in student_row["id_number_enc"] and phone not in student_row["phone_enc"]
    assert decrypt_pii(student_row["id_number_enc"]) == sid
    assert decrypt_pii(student_row["phone_enc"]) == phone
    assert decrypt_pii(teacher_row["id_number_enc"]) == teacher_id
    assert student_row["id_hash"] == keyed_hash(f"居民身份证:{sid}") == student_row["student_key"]
    assert teacher_row["student_key"] is None
    # no table holds any of the numbers in clear
    for table in db.all_tables():
        dump = json.dumps(world.run(table.select()), default=str, ensure_ascii=False)
        for secret in secrets:
            assert secret not in dump, (table._meta.tablename, secret)
    if settings.database_url.startswith("sqlite:///"):
        from pathlib import Path

        path = Path(settings.database_url[len("sqlite:///") :])
        raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        for secret in secrets:
            assert secret.encode() not in raw, secret


def test_full_numbers_only_for_the_school_and_organizer_edit_form(world):
    from app.errors import NotFound
    from competitions.registration import services as registration

    sid = student_id()
    entry = new_entry(world, "hk01", "编辑表单", [student("表单生", id_number=sid)])
    member_id = entry["members"][0]["id"]
    for username in ("hk01", "org"):
        data = world.run(registration.member_for_edit(world.principal(username), member_id))
        assert (data["id_number"], data["phone"]) == (sid, "13800001111")
    for username in ("haikou", "hk02", "sanya", "judge"):
        with pytest.raises(NotFound):
            world.run(registration.member_for_edit(world.principal(username), member_id))


# --------------------------------------------------------------------------- concurrency


def test_twenty_concurrent_entry_creations(world, settings):
    """20 requests at once (from three schools and the organizer): no "database is locked",
    all succeed, every entry code distinct and the sequence without gaps."""
    headers = {u: world.headers(u) for u in ("hk01", "hk02", "sy01", "org")}
    users = ["hk01", "hk02", "sy01", "org"] * 5

    def create(i: int):
        body = {
            "title": f"并发作品{i:02d}",
            "category_code": "CS",
            "division": "初中",
            "members": [student(f"并发{cn(i)}")],
        }
        if users[i] == "org":
            body["school_code"] = "HK02"
        return world.client.post(f"/api/v1/events/{world.event_id}/entries", json=body, headers=headers[users[i]])

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(create, range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    codes = sorted(r.json()["code"] for r in responses)
    assert len(set(codes)) == 20
    assert codes == [f"CS-J{n:04d}" for n in range(1, 21)]
    assert all("locked" not in r.text for r in responses)


def test_concurrent_creations_respect_quota_and_duplicates(world):
    """The quota and the one-entry-per-student rule hold under concurrent requests."""
    set_quota(world, "EN", school_quota=3)
    headers = world.headers("hk01")
    shared = student_id()

    def create(i: int):
        body = {
            "title": f"名额{i:02d}",
            "category_code": "EN",
            "division": "初中",
            "members": [student(f"名额{cn(i)}")],
        }
        return world.client.post(f"/api/v1/events/{world.event_id}/entries", json=body, headers=headers)

    def duplicate(i: int):
        body = {
            "title": f"重复{i:02d}",
            "category_code": "CS",
            "division": "初中",
            "members": [student("同一人", id_number=shared)],
        }
        return world.client.post(f"/api/v1/events/{world.event_id}/entries", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=10) as pool:
        quota = list(pool.map(create, range(10)))
    assert sorted(r.status_code for r in quota) == [201] * 3 + [422] * 7, [r.text for r in quota]
    assert all("每校最多 3 个作品" in r.json()["detail"] for r in quota if r.status_code == 422)
    with ThreadPoolExecutor(max_workers=8) as pool:
        dupes = list(pool.map(duplicate, range(8)))
    assert sorted(r.status_code for r in dupes) == [201] + [422] * 7, [r.text for r in dupes]
    assert all("每名学生只能参加一个作品" in r.json()["detail"] for r in dupes if r.status_code == 422)


def test_concurrent_service_calls_on_one_loop(world):
    import asyncio

    from competitions.registration import services as registration
    from competitions.registration.members import MemberInput

    school = world.principal("sy01")

    async def many():
        return await asyncio.gather(
            *[
                registration.create_entry(
                    school,
                    world.event_id,
                    {"title": f"协程{i}", "category_code": "MA", "division": "高中"},
                    [
                        MemberInput(
                            role="student",
                            name=f"协程{cn(i)}",
                            gender="男",
                            id_number=student_id(),
                            grade="高二",
                            phone="13800001111",
                            consent_participation=True,
                        )
                    ],
                )
                for i in range(20)
            ]
        )

    results = world.run(many())
    assert len({r["code"] for r in results}) == 20
    assert sorted(r["code"] for r in results) == [f"MA-S{n:04d}" for n in range(1, 21)]


def test_private_use_characters_refused_in_titles_and_member_names(world):
    """Issue 11 item 1: they print as nothing on certificates."""
    title = new_entry(world, "hk01", "珊瑚\ue123研究", [student("李明")], expect=422)
    assert title["errors"] == [
        {
            "field": "title",
            "message": "作品名称含有私用区字符（U+E123）：这是输入法或字体自造的字，证书字体里没有，会印成空白。"
            "请改用标准汉字（生僻字请用输入法的 Unicode 标准字形，或联系组委会）。",
        }
    ]
    name = new_entry(world, "hk01", "珊瑚研究", [student("李\U000f0000明")], expect=422)
    assert any(e["field"].endswith("name") and "U+F0000" in e["message"] for e in name["errors"]), name
