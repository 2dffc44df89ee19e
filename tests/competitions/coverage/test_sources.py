"""The real sources together: a student in the contest, admitted to a camp and placed with a mentor of the
real talent programme counts once and three times as participations; a school whose only activity was an
outreach talk is not "without activity" but listed apart; a snapshot says when the data it counts changed
after it was computed (fingerprints), and a refresh brings it up to date."""

from __future__ import annotations

import datetime as dt

import pytest

from competitions.coverage import sources
from tests.competitions.coverage.conftest import YEAR, fix_day, sid
from tests.competitions.talent.conftest import Talent, workbook
from tests.factories import competitions as factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get(world, user="org", year=YEAR):
    response = world.client.get("/api/v1/coverage", params={"year": year}, headers=world.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


def talent_row(name, id_number, school="HK01"):
    return {
        "姓名": name,
        "性别": "男",
        "证件类型": "居民身份证",
        "身份证号": id_number,
        "年级": "高一",
        "学校": school,
        "联系电话": "13812345678",
        "学科": "PH",
        "导师志愿1": "zhang",
        "申请陈述": "喜欢做实验",
    }


@pytest.fixture
def real_talent(world):
    response = world.client.post(
        "/api/v1/events",
        json={
            "name": "2026年后备人才培养计划",
            "kind": "talent",
            "year": YEAR,
            "status": "open",
            "registration_closes_at": "2099-01-01T00:00:00+08:00",
        },
        headers=world.headers("org"),
    )
    assert response.status_code == 201, response.text
    return Talent(world, response.json()["id"])


def test_a_student_in_the_contest_a_camp_and_the_real_talent_programme_counts_once(world, camp, real_talent):
    assert sources.participation_sources["talent"].rows is sources.talent_rows  # the real programme is counted
    assert [s.kind for s in sources.ordered_participation_sources()] == ["innovation", "robotics", "camp", "talent"]
    assert [s.kind for s in sources.ordered_reach_sources()] == ["outreach"]
    fix_day(world, world.event_id, "2027-03-01T18:00:00+08:00")
    li, wang = sid(1), sid(2, male=False)
    factories.entry(
        world,
        "HK01",
        students=[
            factories.student("李明", id_number=li, grade="高一"),
            factories.student("王芳", gender="女", id_number=wang, grade="高一"),
        ],
        division="高中",
    )
    camp.set_status(camp.apply("李明", li), "offered")
    # the talent programme: 李明 placed with a mentor, 钱五 (SY01) below the cut-off
    real_talent.mentor("zhang", "PH", 2)
    upload = world.client.post(
        f"/api/v1/events/{real_talent.id}/registrations/import",
        files={
            "file": (
                "talent.xlsx",
                workbook(
                    [talent_row("李明", li), talent_row("钱五", sid(5), school="SY01")],
                    header=list(talent_row("", "")),
                ),
                XLSX,
            )
        },
        headers=world.headers("org"),
    )
    assert upload.status_code == 201, upload.text
    apps = real_talent.by_name()
    real_talent.scores([(apps["李明"]["id"], "90"), (apps["钱五"]["id"], "40")])
    real_talent.cutoffs(PH="60")
    real_talent.invite()
    real_talent.allocate(apply=True)
    fix_day(world, real_talent.id, "2027-03-01T18:00:00+08:00")  # the programme counts in school year 2026
    report = get(world)
    assert report["unique_students"] == 2  # 李明 and 王芳
    assert report["participations"] == 4  # 李明: contest, camp, talent programme; 王芳: contest
    assert report["multi_programme"] == 1
    assert report["applicants"] == 1  # 钱五
    programmes = {
        p["kind"]: (p["unique_students"], p["participations"], p["applicants"]) for p in report["by_programme"]
    }
    assert programmes == {"innovation": (2, 2, 0), "robotics": (0, 0, 0), "camp": (1, 1, 0), "talent": (1, 1, 1)}


def deliver_talk(world, school_code, day, audience):
    """A talk delivered at a school (confirmed by it), as the outreach programme stores it."""
    from competitions.outreach.tables import Talk

    talk = Talk(school=world.schools[school_code]["id"], on_date=day, status="delivered", audience=audience)
    world.run(talk.save())
    return talk.id


def test_a_school_with_only_an_outreach_talk_had_activity_but_no_student_took_part(world, province):
    deliver_talk(world, "HK02", dt.date(2026, 10, 15), 120)
    deliver_talk(world, "HK02", dt.date(2026, 11, 15), 80)
    report = get(world)
    assert report["data_changed"] is False
    assert (report["talks"], report["audience"]) == (2, 200)
    # HK02 heard two talks: reached, so not "without activity"; no student of it took part: listed apart
    assert report["schools_without_activity"] == ["SY01"]  # 张三 applied to the camp and was not placed
    assert report["schools_talks_only"] == ["HK02"]
    assert report["schools"] == 1  # schools taking part: HK01 only
    haikou = {r["code"]: r for r in report["by_region"]}["460100"]
    assert (haikou["schools"], haikou["talks"], haikou["audience"]) == (1, 2, 200)
    city = get(world, "haikou")
    assert (city["schools_without_activity"], city["schools_talks_only"]) == ([], ["HK02"])
    assert get(world, "sanya")["schools_talks_only"] == []
    # the workbook lists it on a sheet of its own, and its talks in the per-school sheet
    import io

    import openpyxl

    book = world.client.get("/api/v1/coverage.xlsx", params={"year": YEAR}, headers=world.headers("org"))
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    assert wb.sheetnames == ["汇总", "按市县", "按项目", "按学校", "无活动的学校", "只有科普报告的学校", "年度对比"]
    assert [r[0] for r in wb["无活动的学校"].iter_rows(min_row=2, values_only=True)] == ["SY01"]
    assert list(wb["只有科普报告的学校"].iter_rows(min_row=2, values_only=True)) == [
        ("HK02", "海南华侨中学", "海口市", "城镇", 2, 200)
    ]
    by_school = {r[0]: r for r in wb["按学校"].iter_rows(min_row=2, values_only=True)}
    assert by_school["HK02"][4:7] == (0, 0, 0) and by_school["HK02"][-2:] == (2, 200)
    assert by_school["HK01"][-2:] == (0, 0)


def test_a_snapshot_says_when_the_data_it_counts_changed_since(world, province, app):
    from competitions.coverage import services

    first = get(world)
    assert first["data_changed"] is False and first["unique_students"] == 2
    # a new entry: the figures stay as computed, and say that they are out of date
    factories.entry(
        world, "HK02", students=[factories.student("周八", id_number=sid(8), grade="初一")], division="初中"
    )
    again = get(world)
    assert again["unique_students"] == 2 and again["computed_at"] == first["computed_at"]
    assert again["data_changed"] is True
    world.run(services.recompute([YEAR]))
    fresh = get(world)
    assert fresh["unique_students"] == 3 and fresh["data_changed"] is False


@pytest.mark.parametrize(
    "change",
    ["gender", "division", "school_rural", "school_region", "camp_status", "talk", "event_day", "previous_year"],
)
def test_every_kind_of_change_shows(world, province, camp, change):
    """Each change that moves a figure changes the fingerprint (and one that moves none does not)."""
    from app.tables import School
    from competitions.camps.tables import CampApplication
    from competitions.coverage import services
    from competitions.registration.tables import Entry, Member

    before = world.run(services.fingerprint(YEAR))
    assert world.run(services.fingerprint(YEAR)) == before  # stable
    hk01 = world.schools["HK01"]["id"]
    if change == "gender":
        world.run(Member.update({Member.gender: "女"}).where(Member.name == "李明"))
    elif change == "division":
        world.run(Entry.update({Entry.division: "初中"}).where(Entry.school == hk01))
    elif change == "school_rural":
        world.run(School.update({School.rural: True}).where(School.id == hk01))
    elif change == "school_region":
        world.run(School.update({School.region: "460200"}).where(School.id == hk01))
    elif change == "camp_status":
        world.run(
            CampApplication.update({CampApplication.status: "declined"}).where(CampApplication.status == "offered")
        )
    elif change == "talk":
        deliver_talk(world, "HK02", dt.date(2027, 5, 1), 50)
    elif change == "event_day":
        fix_day(world, world.event_id, "2027-09-02T10:00:00+08:00")  # the contest moves to the next school year
    elif change == "previous_year":  # returning students depend on the year before
        earlier = factories.event(world, "2025年的比赛")
        factories.entry(world, "HK02", students=["吴九"], event_id=earlier["id"])
        fix_day(world, earlier["id"], "2026-03-01T10:00:00+08:00")
    assert world.run(services.fingerprint(YEAR)) != before
