"""The cohort workbook (培养名单): every student in the year of growth with mentor, plan, growth-log
entries and hours, lab visits attended, the reviews and why behind; the log entry by entry on a second
sheet. Each role gets the students it sees on the cohort page (a mentor its own), nobody gets ID
numbers, phones or birth dates, and only the office gets destinations."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl

from tests.competitions.talent.conftest import XLSX, sid
from tests.competitions.talent.test_growth import _cohort


def _sheets(content: bytes) -> dict[str, list[dict[str, object]]]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        out[ws.title] = [dict(zip(rows[0], r)) for r in rows[1:]]
    return out


def _year(talent):
    ids = _cohort(talent)
    base = "/api/v1/talent-applications"
    a, b, c = ids["学生甲"], ids["学生乙"], ids["学生丙"]
    h = talent.h
    assert talent.client.put(f"{base}/{a}/plan", json={"plan": "单摆"}, headers=h("zhang")).status_code == 200
    for on, hours in (("2026-11-10", "2.5"), ("2026-11-24", "1.25")):
        r = talent.client.post(
            f"{base}/{a}/logs",
            json={"on": on, "activity": "测周期", "hours": hours, "reflection": "=1+1 不是公式"},
            headers=h("hk01"),
        )
        assert r.status_code == 201, r.text
    log_id = r.json()["id"]
    assert talent.client.put(f"/api/v1/talent-logs/{log_id}/comment", json={"comment": "好"}, headers=h("zhang"))
    r = talent.client.post(
        f"/api/v1/events/{talent.id}/lab-visits",
        json={"name": "开放日", "starts_at": "2027-04-01T14:00:00+08:00"},
        headers=h("zhang"),
    )
    assert r.status_code == 201, r.text
    visit = talent.client.get(f"/api/v1/events/{talent.id}/lab-visits", headers=h("zhang")).json()[0]
    member = next(s["member_id"] for s in visit["students"] if s["name"] == "学生甲")
    r = talent.client.post(
        f"/api/v1/lab-visits/{visit['id']}/attendance", json={"member_ids": [member]}, headers=h("zhang")
    )
    assert r.status_code == 200, r.text
    assert talent.client.post(f"{base}/{a}/midterm", json={"result": "pass"}, headers=h("zhang")).status_code == 200
    r = talent.client.post(f"{base}/{a}/final", json={"result": "excellent", "comment": "出色"}, headers=h("zhang"))
    assert r.status_code == 200, r.text
    r = talent.client.post(f"{base}/{b}/midterm", json={"result": "leave", "reason": "转学"}, headers=h("zhang"))
    assert r.status_code == 200, r.text
    r = talent.client.put(
        f"{base}/{a}/destination", json={"consent": True, "university": "海南大学", "major": "物理学"}, headers=h("org")
    )
    assert r.status_code == 200, r.text
    assert c
    return ids


def test_the_office_downloads_the_cohort_with_mentor_hours_reviews_and_the_log(talent):
    _year(talent)
    r = talent.client.get(f"/api/v1/events/{talent.id}/cohort.xlsx", headers=talent.h("org"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(XLSX)
    sheets = _sheets(r.content)
    assert list(sheets) == ["培养名单", "成长日志"]
    people = {p["姓名"]: p for p in sheets["培养名单"]}
    assert sorted(people) == ["学生丁", "学生丙", "学生乙", "学生戊", "学生甲"]
    first = people["学生甲"]
    assert (first["学科"], first["导师"], first["导师所在高校"], first["学校"]) == (
        "物理",
        "张伟",
        "海南大学",
        "海口市第一中学",
    )
    assert (first["培养方案"], first["成长日志（条）"], first["最近一条日志"]) == ("已填写", 2, "2026-11-24")
    assert Decimal(str(first["累计时长（小时）"])) == Decimal("3.75")  # 2.5 + 1.25
    assert first["实验室活动（签到/场次）"] == "1/1"
    assert (first["中期考核"], first["结业考核"], first["导师评语"], first["状态"]) == (
        "中期通过",
        "优秀",
        "出色",
        "已结业",
    )
    assert first["毕业去向"] == "海南大学 物理学"
    second = people["学生乙"]
    assert (second["中期考核"], second["中期考核说明"], second["状态"]) == ("退出培养", "转学", "中期退出")
    assert (second["成长日志（条）"], second["累计时长（小时）"], second["实验室活动（签到/场次）"]) == (0, 0, "0/1")
    assert people["学生丙"]["导师"] == "王芳" and people["学生丙"]["实验室活动（签到/场次）"] == "0/0"
    log = sheets["成长日志"]
    assert [(e["姓名"], e["日期"], e["时长（小时）"], e["导师点评"]) for e in log] == [
        ("学生甲", "2026-11-10", 2.5, None),
        ("学生甲", "2026-11-24", 1.25, "好"),
    ]
    assert log[0]["心得"] == "=1+1 不是公式"  # text, not a formula
    text = " ".join(str(v) for s in sheets.values() for p in s for v in p.values() if v is not None)
    assert sid(1) not in text and "13812345678" not in text and not re.search(r"\d{17}[\dX]", text)


def test_each_role_gets_its_own_students_and_no_destinations(talent):
    _year(talent)

    def names(user):
        r = talent.client.get(f"/api/v1/events/{talent.id}/cohort.xlsx", headers=talent.h(user))
        assert r.status_code == 200, r.text
        sheet = _sheets(r.content)["培养名单"]
        assert all("毕业去向" not in p for p in sheet)
        return sorted(p["姓名"] for p in sheet)

    assert names("hk01") == ["学生丁", "学生乙", "学生戊", "学生甲"]
    assert names("sy01") == ["学生丙"]
    assert names("haikou") == ["学生丁", "学生乙", "学生戊", "学生甲"]
    assert names("zhang") == ["学生丁", "学生乙", "学生甲"]
    assert names("wang") == ["学生丙"]
    for user, status in (("judge", 403), ("staff", 403)):
        r = talent.client.get(f"/api/v1/events/{talent.id}/cohort.xlsx", headers=talent.h(user))
        assert r.status_code == status
    assert talent.client.get(f"/api/v1/events/{talent.id}/cohort.xlsx").status_code == 401
    assert talent.client.get("/api/v1/events/99999/cohort.xlsx", headers=talent.h("org")).status_code == 404


def test_the_cohort_page_links_the_workbook_in_both_languages(talent, world):
    _year(talent)
    page = world.login_page("org")
    html = page.get(f"/talent/{talent.id}/cohort").text
    assert f'href="/talent/{talent.id}/cohort.xlsx"' in html and "导出培养名单（Excel）" in html
    r = page.get(f"/talent/{talent.id}/cohort.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    page.cookies.set("lang", "en")
    r = page.get(f"/talent/{talent.id}/cohort.xlsx")
    sheets = _sheets(r.content)
    assert list(sheets) == ["Cohort", "Growth log"]
    first = next(p for p in sheets["Cohort"] if p["Name"] == "学生甲")
    assert "Written" in first.values() and "Excellent" in first.values(), first


def test_the_log_sheet_marks_entries_the_student_wrote_through_its_link(talent, app):
    """As the pages do (学生本人填写): the growth-log sheet says who wrote each entry."""
    from litestar.testing import TestClient

    from tests.competitions.talent.test_student_link import _link, _post

    ids = _cohort(talent)
    a = ids["学生甲"]
    base = "/api/v1/talent-applications"
    for user, on, activity in (("hk01", "2026-11-10", "学校写的"), ("org", "2026-11-12", "组委会写的")):
        r = talent.client.post(
            f"{base}/{a}/logs", json={"on": on, "activity": activity, "hours": "1"}, headers=talent.h(user)
        )
        assert r.status_code == 201, r.text
    path = _link(talent, a)
    with TestClient(app=app) as phone:
        assert _post(phone, path, {"on": "2026-11-11", "activity": "学生写的", "hours": "2"}).status_code == 303
    for user in ("org", "hk01", "zhang"):
        r = talent.client.get(f"/api/v1/events/{talent.id}/cohort.xlsx", headers=talent.h(user))
        assert r.status_code == 200, r.text
        log = _sheets(r.content)["成长日志"]
        assert [(e["活动内容"], e["填写人"]) for e in log] == [
            ("学校写的", "学校"),
            ("学生写的", "学生本人填写"),
            ("组委会写的", "组委会"),
        ], user
    # in English too
    r = talent.client.get(
        f"/api/v1/events/{talent.id}/cohort.xlsx", headers={**talent.h("org"), "accept-language": "en"}
    )
    sheets = _sheets(r.content)
    log = next(iter(sheets.values())) if len(sheets) == 1 else list(sheets.values())[1]
    assert [e["Written by"] for e in log] == ["School", "By the student", "Organizing committee"]
