"""A student registered by two schools (issue 11, "ID numbers as an oracle").

A school's import and entry forms answer exactly as if another school's registration of the
same ID number did not exist: every answer here is compared in full between an event where
HK02 registered the student and an event where HK02 registered someone else (so entry codes,
which number the event's entries, come out the same). Organizers see the pairs, are warned
before approving, and are alerted when a school's uploads hit many other schools' students;
school imports are rate-limited."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.tables import AuditLog
from competitions.registration import duplicates
from competitions.registration.tables import CrossSchoolHit, Entry, Member
from tests.competitions.api import call
from tests.competitions.registration.test_roster import (  # noqa: F401 (the fixture is used by pytest)
    _cheap_password_hashing,
    sid,
    stored,
    stu,
    upload,
    workbook,
)

SHARED = sid(1)  # the student both schools claim
OTHER = sid(9)  # HK02's student in the event where nobody is claimed twice


def second_event(world) -> int:
    from app import times
    from competitions.events import services as events

    event = world.run(
        events.create_event(
            world.org,
            {
                "name": "对照赛事",
                "kind": "innovation",
                "year": 2026,
                "status": "open",
                "registration_closes_at": (times.now() + dt.timedelta(days=90)).isoformat(),
            },
        )
    )
    return event["id"]


@pytest.fixture
def events(world):
    """``(claimed, control)``: HK02 registered SHARED in ``claimed`` and OTHER in ``control``."""
    claimed, control = world.event_id, second_event(world)
    for event_id, number in ((claimed, SHARED), (control, OTHER)):
        response = upload(world, "hk02", workbook([stu("李明", number, school="HK02", title="华侨作品")]), event_id)
        assert response.status_code == 201, response.text
    return claimed, control


def _same(first, second):
    """Two answers equal in status, headers that matter and body."""
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.headers.get("content-type") == second.headers.get("content-type")
    assert first.json() == second.json()
    return first


def _without_ids(body):
    """An entry answer without what differs between two events by construction (row ids, times)."""
    if isinstance(body, dict):
        return {k: _without_ids(v) for k, v in body.items() if k not in ("id", "event_id", "updated_at", "entry_id")}
    if isinstance(body, list):
        return [_without_ids(v) for v in body]
    return body


def test_a_schools_import_answers_as_if_the_other_schools_registration_did_not_exist(world, events):
    claimed, control = events
    rows = [stu("李明", SHARED), stu("王芳", sid(2, False), gender="女")]
    # a file with an error of its own (the same student twice): the same errors, nothing about HK02
    twice = workbook([*rows, stu("王芳", sid(2, False), gender="女", title="另一个作品")])
    refused = _same(upload(world, "hk01", twice, claimed), upload(world, "hk01", twice, control))
    assert refused.status_code == 422
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(4, "身份证号")]
    assert "海南华侨中学" not in refused.text and "华侨作品" not in refused.text
    # a clean file: stored in both events, the same counts
    good = _same(upload(world, "hk01", workbook(rows), claimed), upload(world, "hk01", workbook(rows), control))
    assert good.status_code == 201
    assert good.json() == {
        "entries_created": 1,
        "participants_created": 2,
        "advisers_created": 0,
        "entries_replaced": 0,
    }
    # the student now stands in entries of two schools of the claimed event
    schools = world.run(Member.select(Member.school).where((Member.event == claimed) & (Member.name == "李明")))
    assert sorted(r["school"] for r in schools) == sorted([world.schools["HK01"]["id"], world.schools["HK02"]["id"]])
    # a duplicate within the school is still reported with row and column, the same in both events
    again = workbook([stu("李明", SHARED, title="第二个作品")])
    own = _same(upload(world, "hk01", again, claimed), upload(world, "hk01", again, control))
    assert own.status_code == 422
    assert own.json()["errors"] == [
        {
            "row": 2,
            "column": "身份证号",
            "message": "学生“李明”已报名本赛事的作品“校园雨水花园的设计与监测”（PH-J0002，海口市第一中学），每名学生只能参加一个作品。请删除这一行；如需更换作品，请先撤回原作品。",
        }
    ]


def test_the_organizer_importing_still_sees_the_other_schools_registration(world, events):
    claimed, _control = events
    before = stored(world)
    response = upload(world, "org", workbook([stu("李明", SHARED)]), claimed)
    assert response.status_code == 422 and stored(world) == before
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "身份证号",
            "message": "学生“李明”已报名本赛事的作品“华侨作品”（PH-J0001，海南华侨中学），每名学生只能参加一个作品。请删除这一行；如需更换作品，请先撤回原作品。",
        }
    ]


def _entry_body(number, title="雨水花园"):
    return {
        "title": title,
        "category_code": "PH",
        "division": "初中",
        "members": [
            {
                "role": "student",
                "name": "李明",
                "gender": "男",
                "id_number": number,
                "grade": "初二",
                "phone": "13812345678",
                "consent_participation": True,
            }
        ],
    }


def test_a_schools_entry_forms_answer_as_if_the_other_schools_registration_did_not_exist(world, events):
    claimed, control = events

    def create(event_id, body):
        return call(world, "POST", f"/api/v1/events/{event_id}/entries", "hk01", json=body)

    first, second = create(claimed, _entry_body(SHARED)), create(control, _entry_body(SHARED))
    assert first.status_code == second.status_code == 201, first.text
    assert _without_ids(first.json()) == _without_ids(second.json())
    assert "duplicates" not in first.json()  # never shown to a school
    # adding the student to a second entry of the same school: refused, the same answer in both events
    ids = {}
    for event_id in (claimed, control):
        ids[event_id] = create(event_id, {**_entry_body(SHARED, "第二个作品"), "members": []}).json()["id"]
    member = _entry_body(SHARED)["members"][0]
    refused = [
        call(world, "POST", f"/api/v1/entries/{ids[e]}/members", "hk01", json=member) for e in (claimed, control)
    ]
    _same(*refused)
    assert refused[0].status_code == 422
    assert "雨水花园" in refused[0].json()["detail"] and "海南华侨中学" not in refused[0].text
    # OTHER, whom HK02 registered in the control event (and nobody in the claimed one): added alike
    other = {**member, "name": "赵雷", "id_number": OTHER}
    added = [call(world, "POST", f"/api/v1/entries/{ids[e]}/members", "hk01", json=other) for e in (claimed, control)]
    assert added[0].status_code == added[1].status_code == 201
    assert _without_ids(added[0].json()) == _without_ids(added[1].json())


def test_the_organizer_sees_the_pair_with_masked_ids_and_a_city_only_its_own_schools(world, events):
    claimed, _control = events
    assert upload(world, "hk01", workbook([stu("李明", SHARED)]), claimed).status_code == 201
    response = call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["alerts"] == []
    assert len(body["duplicates"]) == 1
    pair = body["duplicates"][0]
    assert (
        pair["id_masked"]
        == world.run(Member.select(Member.id_masked).where(Member.name == "李明").first())["id_masked"]
    )
    assert (
        re.fullmatch(r"460\*+.", pair["id_masked"])
        and SHARED not in response.text
        and SHARED[6:14] not in response.text
    )
    assert [(e["school_code"], e["entry_title"], e["name"], e["status"]) for e in pair["entries"]] == [
        ("HK02", "华侨作品", "李明", "submitted"),
        ("HK01", "校园雨水花园的设计与监测", "李明", "submitted"),
    ]
    # the city of both schools sees the pair; the other city nothing; schools and judges may not ask
    assert (
        call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "haikou").json()["duplicates"] == body["duplicates"]
    )
    assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "sanya").json() == {
        "duplicates": [],
        "alerts": [],
    }
    for username in ("hk01", "hk02", "judge"):
        assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", username).status_code == 403
    # a pair across two cities: the organizer sees it, neither city (each sees one school only)
    wang = dict(gender="女", title="二")
    assert (
        upload(world, "sy01", workbook([stu("王芳", sid(2, False), school="SY01", **wang)]), claimed).status_code == 201
    )
    assert (
        upload(world, "hk02", workbook([stu("王芳", sid(2, False), school="HK02", **wang)]), claimed).status_code == 201
    )
    assert len(call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org").json()["duplicates"]) == 2
    assert len(call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "haikou").json()["duplicates"]) == 1
    assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "sanya").json()["duplicates"] == []
    # a withdrawn entry is no longer a duplicate
    hk01_entry = world.run(Entry.select(Entry.id).where(Entry.school == world.schools["HK01"]["id"]).first())["id"]
    assert call(world, "POST", f"/api/v1/entries/{hk01_entry}/withdraw", "hk01", json={}).status_code == 200
    remaining = call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org").json()["duplicates"]
    assert [e["name"] for e in remaining[0]["entries"]] == ["王芳", "王芳"] and len(remaining) == 1


def test_review_warns_and_needs_confirmation_before_approving_the_second_entry(world, events):
    claimed, _control = events
    assert upload(world, "hk01", workbook([stu("李明", SHARED)]), claimed).status_code == 201
    entry_ids = {
        r["school"]: r["id"] for r in world.run(Entry.select(Entry.id, Entry.school).where(Entry.event == claimed))
    }
    mine, theirs = entry_ids[world.schools["HK01"]["id"]], entry_ids[world.schools["HK02"]["id"]]
    seen = call(world, "GET", f"/api/v1/entries/{mine}", "org").json()
    assert [(d["entry_id"], d["school_code"], d["name"]) for d in seen["duplicates"]] == [(theirs, "HK02", "李明")]
    assert "duplicates" not in call(world, "GET", f"/api/v1/entries/{mine}", "hk01").json()
    refused = call(world, "POST", f"/api/v1/entries/{mine}/review", "org", json={"decision": "approve"})
    assert refused.status_code == 409
    assert "海南华侨中学" in refused.json()["detail"] and "PH-J0001" in refused.json()["detail"]
    assert world.run(Entry.select(Entry.status).where(Entry.id == mine).first())["status"] == "submitted"
    # the list's bulk approval skips it with the same reason
    bulk = call(
        world,
        "POST",
        f"/api/v1/events/{claimed}/entries/review",
        "org",
        json={"entry_ids": [mine], "decision": "approve"},
    ).json()
    assert bulk["reviewed"] == [] and "海南华侨中学" in bulk["skipped"][0]["detail"]
    approved = call(
        world,
        "POST",
        f"/api/v1/entries/{mine}/review",
        "org",
        json={"decision": "approve", "confirm_duplicates": True},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    log = world.run(AuditLog.select().where(AuditLog.action == "entry.review.approve").first())
    changes = log["changes"] if isinstance(log["changes"], dict) else __import__("json").loads(log["changes"])
    assert changes["duplicates_confirmed"] == ["PH-J0001"]
    # the entry page warns the organizer and asks for the confirmation; the school's page says nothing
    org_page = world.login_page("org").get(f"/entries/{theirs}")
    assert "也在海口市第一中学的作品" in org_page.text and 'name="confirm_duplicates"' in org_page.text


def test_a_school_entry_page_says_nothing_of_the_other_school(world, events):
    claimed, _control = events
    assert upload(world, "hk01", workbook([stu("李明", SHARED)]), claimed).status_code == 201
    mine = world.run(Entry.select(Entry.id).where(Entry.school == world.schools["HK01"]["id"]).first())["id"]
    page = world.login_page("hk01").get(f"/entries/{mine}")
    assert page.status_code == 200
    assert "海南华侨中学" not in page.text and "confirm_duplicates" not in page.text and "/duplicates" not in page.text


def test_many_hits_on_other_schools_students_alert_the_organizer_never_the_school(world, events, monkeypatch):
    monkeypatch.setattr(duplicates, "ALERT_ROWS", 3)
    claimed, control = events
    # HK02 registers four more students (five with SHARED)
    names = ("张伟", "刘洋", "陈静", "杨帆")
    theirs = [stu(names[n], sid(10 + n), school="HK02", title=f"华侨作品{n}") for n in range(4)]
    assert upload(world, "hk02", workbook(theirs), claimed).status_code == 201
    probes = [stu(names[n], sid(10 + n), title=f"试探{n}") for n in range(4)] + [stu("李明", SHARED, title="试探")]
    answers = []
    for event_id in (claimed, control):
        # a file with an error (nothing stored), then the same probes one by one through the entry form
        bad = workbook([*probes, stu("坏行", "123")])
        answers.append(upload(world, "hk01", bad, event_id))
    _same(*answers)

    def hits(event_id):
        where = (CrossSchoolHit.event == event_id) & (CrossSchoolHit.school == world.schools["HK01"]["id"])
        return [(h["rows"], h["checks"]) for h in world.run(CrossSchoolHit.select().where(where))]

    assert hits(claimed) == [(5, 1)]
    assert hits(control) == [(0, 1)]  # the same write, nothing matched
    body = call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org").json()
    assert body["duplicates"] == []  # nothing was stored
    assert [(a["school_code"], a["rows"], a["checks"]) for a in body["alerts"]] == [("HK01", 5, 1)]
    assert "海口市第一中学（HK01）在 1 分钟内上传了 5 个已由其他学校报名的证件号码" in body["alerts"][0]["message"]
    logs = world.run(AuditLog.select().where(AuditLog.action == "registration.cross_school_alert"))
    assert len(logs) == 1 and logs[0]["event_id"] == claimed and logs[0]["entry_id"] is None
    # a city never sees alerts; a second upload adds to the count but records no second audit row
    assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "haikou").json()["alerts"] == []
    assert upload(world, "hk01", workbook([stu("李明", SHARED)]), claimed).status_code == 201
    assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org").json()["alerts"][0]["rows"] == 6
    assert len(world.run(AuditLog.select().where(AuditLog.action == "registration.cross_school_alert"))) == 1
    # the organizer's entries page shows the count and the alert; the duplicates page both
    org = world.login_page("org")
    assert 'data-count="duplicates"' in org.get(f"/events/{claimed}/entries").text
    page = org.get(f"/events/{claimed}/duplicates")
    assert page.status_code == 200 and "疑似试探证件号码" in page.text and "海口市第一中学" in page.text
    assert SHARED not in page.text
    org.cookies.set("lang", "en")
    english = org.get(f"/events/{claimed}/duplicates").text
    assert "Students registered by two schools" in english and "Possible ID number probing" in english
    assert "uploaded 6 ID numbers registered by other schools within 1 min" in english
    data = ["2026年海南省青少年科技创新大赛", "校园雨水花园的设计与监测", "海口市第一中学", "海南华侨中学", "海口市"]
    data += ["李明", "华侨作品", "组委会", "中文"]
    for piece in data:
        english = english.replace(piece, " ")
    assert re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]+", english) == []


def test_school_imports_are_rate_limited(world, monkeypatch):
    monkeypatch.setattr(duplicates, "IMPORT_LIMIT", 2)
    data = workbook([stu("李明", SHARED)])
    assert [upload(world, "hk01", data).status_code for _ in range(2)] == [201, 201]
    limited = upload(world, "hk01", data)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == str(duplicates.IMPORT_WINDOW_SECONDS)
    assert limited.json()["detail"] == "上传过于频繁：每 10 分钟最多上传 2 次报名表。请 10 分钟后再试。"
    english = upload(world, "hk01", data, headers={"Accept-Language": "en"})
    assert english.status_code == 429 and "at most 2" in english.json()["detail"]
    # the import page says so too
    page = world.login_page("hk01")
    form = page.post(
        f"/events/{world.event_id}/import",
        files={"file": ("x.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        data={"_csrf_token": page.cookies.get("xinmiao_csrf")},
    )
    assert form.status_code == 429 and form.headers["retry-after"] == "600"
    assert "上传过于频繁" in form.text
    # per account: another school and the organizer are not held back
    assert upload(world, "hk02", workbook([stu("王芳", sid(2, False), gender="女", school="HK02")])).status_code == 201
    assert all(
        upload(world, "org", workbook([stu("赵雷", sid(3), school="SY01")])).status_code in (201, 422) for _ in range(3)
    )


def test_a_withdrawn_pair_is_no_duplicate_for_bulk_review_however_it_was_withdrawn(world, events):
    """Fresh user's finding 16: bulk review skipped an entry as a duplicate although the other entry
    was already withdrawn (已撤回) by a path that keeps its members' student keys (a re-upload's
    retired entries, a withdrawn camp application)."""
    claimed, _control = events
    assert upload(world, "hk01", workbook([stu("李明", SHARED)]), claimed).status_code == 201
    entry_ids = {
        r["school"]: r["id"] for r in world.run(Entry.select(Entry.id, Entry.school).where(Entry.event == claimed))
    }
    mine, theirs = entry_ids[world.schools["HK01"]["id"]], entry_ids[world.schools["HK02"]["id"]]
    world.run(Entry.update({Entry.status: "withdrawn"}).where(Entry.id == theirs))
    assert world.run(Member.count().where((Member.entry == theirs) & Member.student_key.is_not_null())) == 1
    assert call(world, "GET", f"/api/v1/events/{claimed}/duplicates", "org").json()["duplicates"] == []
    bulk = call(
        world,
        "POST",
        f"/api/v1/events/{claimed}/entries/review",
        "org",
        json={"entry_ids": [mine], "decision": "approve"},
    ).json()
    assert bulk["skipped"] == [] and [r["id"] if isinstance(r, dict) else r for r in bulk["reviewed"]] == [mine], bulk
