"""The coverage report through the API on the test province: a student in a contest, a camp and the
talent programme counts once; applicants apart; advisers never; penetration with an imported enrolment
workbook, computed by hand; a city sees its own city only; the school-year boundary; counties and
schools without activity; figures stay as computed until a refresh."""

from __future__ import annotations

import io

import openpyxl

from tests.competitions.coverage.conftest import XLSX, YEAR, enrolment_workbook, fix_day
from tests.factories import competitions as factories


def get(world, user="org", year=YEAR, path="/api/v1/coverage"):
    response = world.client.get(path, params={"year": year} if year else None, headers=world.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


def refresh_now(world):
    """Recompute the year's snapshot as a refresh would."""
    from competitions.coverage import services

    world.run(services.recompute([YEAR - 1, YEAR]))


def test_one_student_in_three_programmes_counts_once_and_applicants_apart(world, province):
    report = get(world)
    assert report["scope"] == "province" and report["year"] == YEAR
    assert report["unique_students"] == 2  # 李明 and 王芳; the adviser is not a student
    assert report["participations"] == 4  # 李明 in the contest, the camp and the talent programme; 王芳 once
    assert report["multi_programme"] == 1
    assert report["applicants"] == 2  # 张三 (camp) and 钱五 (talent); 赵四 withdrew
    assert report["schools"] == 1
    programmes = {
        p["kind"]: (p["unique_students"], p["participations"], p["applicants"]) for p in report["by_programme"]
    }
    assert programmes == {"innovation": (2, 2, 0), "robotics": (0, 0, 0), "camp": (1, 1, 1), "talent": (1, 1, 1)}
    regions = {r["code"]: r for r in report["by_region"]}
    assert len(regions) == 19
    assert (regions["460100"]["unique_students"], regions["460100"]["participations"]) == (2, 4)
    assert (regions["460200"]["unique_students"], regions["460200"]["applicants"]) == (0, 2)
    assert {g["key"]: g["unique_students"] for g in report["by_gender"]} == {"男": 1, "女": 1}
    assert {a["key"]: a["unique_students"] for a in report["by_area"]} == {"urban": 2}
    # counties and schools with no participation are listed (三亚 had applicants only)
    assert "460100" not in report["regions_without_activity"]
    assert {"460200", "469030", "460300"} <= set(report["regions_without_activity"])
    assert len(report["regions_without_activity"]) == 18
    assert sorted(report["schools_without_activity"]) == ["HK02", "SY01"]


def test_urban_rural_split_follows_the_school_flag(world, province):
    world.client.post(
        f"/api/v1/schools/{world.schools['HK01']['id']}", json={"rural": True}, headers=world.headers("org")
    )
    factories.entry(world, "HK02", students=[factories.student("孙七", gender="女", grade="初二")], division="初中")
    report = get(world)
    assert {a["key"]: (a["unique_students"], a["participations"]) for a in report["by_area"]} == {
        "urban": (1, 1),  # 孙七 at HK02
        "rural": (2, 4),  # 李明 and 王芳 at HK01, now rural
    }
    assert {d["key"]: d["unique_students"] for d in report["by_division"]} == {"初中": 1, "高中": 2}


def import_enrolment(world, data, user="org", year=YEAR):
    return world.client.post(
        "/api/v1/coverage/enrolment",
        params={"year": year},
        files={"file": ("enrolment.xlsx", data, XLSX)},
        headers=world.headers(user),
    )


def test_penetration_per_1000_enrolled_by_hand(world, province):
    response = import_enrolment(world, enrolment_workbook([("海口市", 1000, 500, 500), ("三亚", None, 400, "")]))
    assert response.status_code == 201, response.text
    assert response.json() == {"year": YEAR, "regions": 2, "enrolled": 2400}
    report = get(world)
    regions = {r["code"]: r for r in report["by_region"]}
    assert (regions["460100"]["enrolled"], regions["460100"]["per_1000_enrolled"]) == (2000, "1.00")  # 2 / 2000
    assert (regions["460200"]["enrolled"], regions["460200"]["per_1000_enrolled"]) == (400, "0.00")
    assert regions["469001"]["per_1000_enrolled"] is None  # no enrolment imported
    assert report["per_1000_enrolled"] == "0.83"  # (2 + 0) / 2400 * 1000 = 0.833...
    from competitions.coverage import services

    full = world.run(services.report(world.org, YEAR))
    rates = {
        d["division"]: (d["enrolled"], d["unique_students"], d["per_1000_enrolled"])
        for d in full["penetration"]["by_division"]
    }
    from decimal import Decimal

    assert rates == {
        "小学": (1000, 0, Decimal("0.00")),
        "初中": (900, 0, Decimal("0.00")),
        "高中": (500, 2, Decimal("4.00")),  # 李明 and 王芳 are senior students of 海口
    }
    # the template to fill in carries the figures imported
    template = world.client.get("/api/v1/coverage/enrolment.xlsx", params={"year": YEAR}, headers=world.headers("org"))
    rows = list(openpyxl.load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert (
        rows[0] == ("市县", "小学", "初中", "高中")
        and rows[1] == ("海口市", 1000, 500, 500)
        and rows[2] == ("三亚市", None, 400, None)
    )
    assert world.client.get("/api/v1/coverage/enrolment.xlsx", headers=world.headers("haikou")).status_code == 403


def test_enrolment_import_is_all_or_nothing_with_row_and_column(world):
    bad = enrolment_workbook([("海口市", 1000, -5, 500), ("火星", 1, 1, 1), ("海口", 2, 2, 2), ("三亚", "many", 3, 3)])
    response = import_enrolment(world, bad)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (3, "初中"),
        (4, "市县"),
        (5, "市县"),
        (6, "小学"),
    ]
    assert response.json()["errors"][2]["message"] == "“海口市”与第 3 行重复。"
    from competitions.coverage.tables import CoverageEnrolment

    assert world.run(CoverageEnrolment.count()) == 0
    assert import_enrolment(world, enrolment_workbook([("海口市", 1, 1, 1)]), user="haikou").status_code == 403
    assert import_enrolment(world, enrolment_workbook([("海口市", 1, 1, 1)]), year=1900).status_code == 422
    missing = import_enrolment(world, enrolment_workbook([("海口市", 1)], header=("市县", "人数")))
    assert missing.status_code == 422


def test_a_city_sees_only_its_own_city(world, province):
    import_enrolment(world, enrolment_workbook([("海口市", 1000, 500, 500), ("三亚", None, 400, None)]))
    haikou = get(world, "haikou")
    assert haikou["scope"] == "region" and haikou["scope_code"] == "460100"
    assert [r["code"] for r in haikou["by_region"]] == ["460100"]
    assert (haikou["unique_students"], haikou["participations"], haikou["applicants"]) == (2, 4, 0)
    assert haikou["per_1000_enrolled"] == "1.00" and haikou["province_per_1000_enrolled"] == "0.83"
    assert haikou["schools_without_activity"] == ["HK02"]
    assert haikou["multi_programme"] is None and haikou["by_autonomous"] == []
    sanya = get(world, "sanya")
    assert [r["code"] for r in sanya["by_region"]] == ["460200"]
    assert (sanya["unique_students"], sanya["applicants"]) == (0, 2)
    assert sanya["regions_without_activity"] == ["460200"]
    assert sanya["schools_without_activity"] == ["SY01"]
    # the city's workbook holds its own city only
    book = world.client.get("/api/v1/coverage.xlsx", params={"year": YEAR}, headers=world.headers("haikou"))
    assert book.status_code == 200 and book.headers["content-type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    cells = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    assert "海口市" in cells and "三亚" not in cells and "SY01" not in cells
    for user, status in (("hk01", 403), ("judge", 403), ("staff", 403)):
        assert world.client.get("/api/v1/coverage", headers=world.headers(user)).status_code == status
    assert world.client.get("/api/v1/coverage").status_code == 401
    assert world.client.get("/api/v1/coverage.pdf").status_code == 401


def test_the_school_year_boundary(world):
    before = factories.event(world, "八月的比赛")
    after = factories.event(world, "九月的比赛")
    factories.entry(world, "HK01", students=["甲"], event_id=before["id"])
    factories.entry(world, "HK01", students=["乙", "丙"], event_id=after["id"])
    fix_day(world, world.event_id, "2030-01-01T00:00:00+08:00")  # the world's contest: out of the way
    fix_day(world, before["id"], "2026-08-31T23:30:00+08:00")  # still 31 August in Hainan (15:30 UTC)
    fix_day(world, after["id"], "2026-09-01T00:30:00+08:00")  # already 1 September there (31 August in UTC)
    assert get(world, year=2025)["unique_students"] == 1
    assert get(world, year=2026)["unique_students"] == 2
    org = world.headers("org")
    assert world.client.get("/api/v1/coverage/settings", headers=org).json() == {
        "year_start_month": 9,
        "year_start_day": 1,
    }
    for body in ({"year_start_month": 2, "year_start_day": 29}, {"year_start_month": 13, "year_start_day": 1}):
        wrong = world.client.put("/api/v1/coverage/settings", json=body, headers=org)
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] in ("year_start_day", "year_start_month")
    assert (
        world.client.put(
            "/api/v1/coverage/settings",
            json={"year_start_month": 8, "year_start_day": 1},
            headers=world.headers("haikou"),
        ).status_code
        == 403
    )
    moved = world.client.put(
        "/api/v1/coverage/settings", json={"year_start_month": 8, "year_start_day": 1}, headers=org
    )
    assert moved.status_code == 200 and moved.json() == {"year_start_month": 8, "year_start_day": 1}
    # school years now start on 1 August: both contests fall in 2026-08-01 .. 2027-07-31 (figures recomputed)
    report = get(world, year=2026)
    assert report["unique_students"] == 3
    assert get(world, year=2025)["unique_students"] == 0


def test_figures_stay_as_computed_until_a_refresh(world, province, monkeypatch):
    from app import jobs
    from competitions.coverage import services

    first = get(world)
    factories.entry(world, "HK02", students=["周八"], division="初中")
    again = get(world)
    assert again["unique_students"] == first["unique_students"] == 2 and again["computed_at"] == first["computed_at"]
    submitted = []

    async def submit(name, kwargs, **_options):
        submitted.append((name, kwargs))
        return "local"

    monkeypatch.setattr(jobs, "submit", submit)
    assert world.client.post("/api/v1/coverage/refresh", json={}, headers=world.headers("haikou")).status_code == 403
    started = world.client.post(
        "/api/v1/coverage/refresh", json={"years": [YEAR - 1, YEAR]}, headers=world.headers("org")
    )
    assert started.status_code == 202, started.text
    body = started.json()
    assert (body["status"], body["done"], body["total"], body["years"]) == ("queued", 0, 2, [YEAR - 1, YEAR])
    assert submitted == [(services.REFRESH_JOB, {"refresh_id": body["id"]})]
    # a second request while it is queued answers the same refresh
    assert (
        world.client.post("/api/v1/coverage/refresh", json={}, headers=world.headers("org")).json()["id"] == body["id"]
    )
    assert len(submitted) == 1
    world.run(services.refresh_job(body["id"]))
    status = world.client.get("/api/v1/coverage/refresh", headers=world.headers("org")).json()
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)
    after = get(world)
    assert after["unique_students"] == 3 and after["computed_at"] > first["computed_at"]


def test_workbook_and_pdf(world, province):
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    response = world.client.get("/api/v1/coverage.xlsx", params={"year": YEAR}, headers=world.headers("org"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "按市县", "按项目", "按学校", "无活动的学校", "只有科普报告的学校", "年度对比"]
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["学生人数（去重）"] == 2 and summary["参与人次"] == 4 and summary["申请未录取"] == 2
    county = [row for row in wb["按市县"].iter_rows(min_row=2, values_only=True)]
    assert county[0][:5] == ("460100", "海口市", None, 2, 4)
    assert len(county) == 19
    programmes = {row[0]: row[1:] for row in wb["按项目"].iter_rows(min_row=2, values_only=True)}
    assert programmes["高校科学营"] == (1, 1, 1, 1) and programmes["后备人才培养计划"] == (1, 1, 1, 1)
    schools = list(wb["按学校"].iter_rows(min_row=2, values_only=True))
    assert schools == [("HK01", "海口市第一中学", "海口市", "城镇", 2, 4, 0, 2, 0, 1, 1, 0, 0)]
    pdf = world.client.get("/api/v1/coverage.pdf", params={"year": YEAR}, headers=world.headers("org"))
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        out.write(pdf.content)
        out.flush()
        text = subprocess.run(["pdftotext", out.name, "-"], capture_output=True, text=True, check=True).stdout
    assert "青少年科技教育活动覆盖面报告" in text and "海口市" in text and "高校科学营" in text
    assert "李明" not in text and province["li"] not in text  # counts only


def test_a_purge_does_not_undo_a_years_figures(world, province):
    """Once a finished event's personal data is purged its students have no ID hash: recomputing would count
    each of them as a new student, so a refresh keeps the year's snapshot as it was."""
    from competitions.coverage import services
    from competitions.registration.tables import Member

    first = get(world)
    assert first["unique_students"] == 2
    world.run(Member.update({Member.id_hash: None, Member.student_key: None}).where(Member.event == world.event_id))
    assert world.run(services.compute([YEAR]))[YEAR]["totals"]["unhashed"] == 2
    assert world.run(services.store(world.run(services.compute([YEAR])))) == [YEAR]
    again = get(world)
    assert again["unique_students"] == 2 and again["computed_at"] == first["computed_at"]


def test_enrolment_columns_twice_and_a_missing_year_are_named(world):
    twice = import_enrolment(
        world, enrolment_workbook([("海口市", 1000, 2000, 500)], header=("市县", "小学", "小学", "高中"))
    )
    assert twice.status_code == 422
    assert [(e["row"], e["column"]) for e in twice.json()["errors"]] == [(2, "小学")]  # the title row is row 1
    assert "B" in twice.json()["errors"][0]["message"] and "C" in twice.json()["errors"][0]["message"]
    alias = import_enrolment(
        world, enrolment_workbook([("海口市", "海口市", 1, 1, 1)], header=("市县", "所属市县", "小学", "初中", "高中"))
    )
    assert alias.status_code == 422 and alias.json()["errors"][0]["column"] == "所属市县"
    from competitions.coverage.tables import CoverageEnrolment

    assert world.run(CoverageEnrolment.count()) == 0
    no_year = world.client.post(
        "/api/v1/coverage/enrolment",
        files={"file": ("enrolment.xlsx", enrolment_workbook([("海口市", 1, 1, 1)]), XLSX)},
        headers=world.headers("org"),
    )
    assert no_year.status_code == 422 and no_year.json()["errors"][0]["field"] == "year"
    city = world.client.post("/api/v1/coverage/enrolment", headers=world.headers("haikou"))
    assert city.status_code == 403  # the role is checked before the year or the file


def test_a_refresh_of_no_school_year_is_refused(world):
    refused = world.client.post("/api/v1/coverage/refresh", json={"years": []}, headers=world.headers("org"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "years"
    from competitions.coverage.tables import CoverageRefresh

    assert world.run(CoverageRefresh.count()) == 0


def test_rates_and_changes_in_the_workbook_are_numbers(world, province):
    """An office sums and charts the workbook: rates per 1,000 and changes are numbers, not text."""
    from decimal import Decimal

    assert import_enrolment(world, enrolment_workbook([("海口市", 1000, 500, 500)])).status_code == 201
    book = world.client.get("/api/v1/coverage.xlsx", params={"year": YEAR}, headers=world.headers("org"))
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    headers = [c.value for c in wb["按市县"][1]]
    haikou = wb["按市县"][2]
    rate = haikou[headers.index("每千名在校生")]
    assert rate.value == 1 and rate.data_type == "n" and rate.number_format == "0.00"  # 2 / 2000 * 1000
    summary = {row[0].value: row[1] for row in wb["汇总"].iter_rows(min_row=2) if row[0].value}
    assert (
        summary["每千名在校生中的参与学生"].value == 1 and summary["每千名在校生中的参与学生"].number_format == "0.00"
    )
    assert Decimal(str(summary["每千名在校生中的参与学生"].value)) == Decimal("1.00")
