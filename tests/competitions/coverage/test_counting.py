"""The report's arithmetic on rows written by hand: one person across programmes counted once,
applicants apart, splits by region, gender, division, town/country and autonomous county, returning
students, rows without a hash, talks as reach; rates per 1,000 and changes; school years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from competitions.coverage.counting import (
    APPLICANT,
    PARTICIPANT,
    Participation,
    RegionInfo,
    SchoolInfo,
    Talk,
    change,
    count,
    per_1000,
    school_year,
    school_year_of,
    valid_year_start,
)

REGIONS = [
    RegionInfo("460100", "海口市", False),
    RegionInfo("460200", "三亚市", False),
    RegionInfo("469025", "白沙黎族自治县", True),
    RegionInfo("469030", "琼中黎族苗族自治县", True),
]
SCHOOLS = {
    1: SchoolInfo(1, "HK01", "海口一中", "460100", False),
    2: SchoolInfo(2, "SY01", "三亚一中", "460200", False),
    3: SchoolInfo(3, "BS01", "白沙中学", "469025", True),
    4: SchoolInfo(4, "HK09", "海口九中", "460100", False),  # no activity
}


def p(person, school, kind, event, *, gender="男", division="初中", status=PARTICIPANT, region=None):
    return Participation(person, school, region, division, gender, kind, event, status)


def test_one_person_in_three_programmes_counts_once():
    rows = [
        p("A", 1, "innovation", 10),
        p("A", 1, "camp", 20),
        p("A", 1, "talent", 30),
        p("A", 1, "innovation", 10),  # the same student twice in one event: one participation
        p("B", 2, "innovation", 10, gender="女"),
    ]
    data = count(rows, schools=SCHOOLS, regions=REGIONS, kinds=["innovation", "robotics", "camp", "talent"])
    assert data["totals"]["unique_students"] == 2
    assert data["totals"]["participations"] == 4  # A three times, B once
    assert data["totals"]["multi_programme"] == 1
    assert {k: (v["unique_students"], v["participations"]) for k, v in data["by_programme"].items()} == {
        "innovation": (2, 2),
        "robotics": (0, 0),
        "camp": (1, 1),
        "talent": (1, 1),
    }
    assert data["by_region"]["460100"]["unique_students"] == 1
    assert data["by_region"]["460100"]["participations"] == 3
    assert data["by_school"]["1"] == {
        "unique_students": 1,
        "participations": 3,
        "applicants": 0,
        "programme": {"innovation": 1, "camp": 1, "talent": 1},
        "talks": 0,
        "audience": 0,
    }


def test_applicants_are_apart_from_participants():
    rows = [
        p("A", 1, "innovation", 10),
        p("A", 1, "camp", 20, status=APPLICANT),  # applied to a camp, not placed, but in a contest
        p("C", 3, "camp", 20, status=APPLICANT, gender="女"),  # applied and placed nowhere
        p("D", 3, "camp", 20),
    ]
    data = count(rows, schools=SCHOOLS, regions=REGIONS, kinds=["innovation", "camp"])
    assert data["totals"]["unique_students"] == 2  # A and D; C is not a student reached
    assert data["totals"]["participations"] == 2
    assert data["totals"]["applicants"] == 1  # C only: A took part in something
    assert data["by_programme"]["camp"]["applicants"] == 2  # A and C were not placed at a camp
    assert data["by_programme"]["camp"]["participations"] == 1
    assert data["by_region"]["469025"]["applicants"] == 1
    assert data["by_school"]["3"]["applicants"] == 1
    assert data["totals"]["schools"] == 2  # schools 1 and 3 have participations


def test_splits_by_region_gender_division_area_and_autonomous_by_hand():
    rows = [
        p("A", 1, "innovation", 10, gender="男", division="初中"),
        p("B", 1, "innovation", 10, gender="女", division="高中"),
        p("C", 3, "innovation", 10, gender="女", division="小学"),
        p("C", 3, "robotics", 11, gender="女", division="小学"),
        p("E", 2, "robotics", 11, gender="", division="初中"),
        p("F", None, "talent", 30, gender="男", division="高中", region="469030"),  # no school: its region only
    ]
    data = count(rows, schools=SCHOOLS, regions=REGIONS, kinds=["innovation", "robotics", "talent"])
    totals = data["totals"]
    assert (totals["unique_students"], totals["participations"], totals["schools"]) == (5, 6, 3)
    assert {k: v["unique_students"] for k, v in data["by_gender"].items()} == {"男": 2, "女": 2, "": 1}
    assert {k: v["participations"] for k, v in data["by_gender"].items()} == {"男": 2, "女": 3, "": 1}
    assert {k: v["unique_students"] for k, v in data["by_division"].items()} == {"小学": 1, "初中": 2, "高中": 2}
    # town/country from the school: C's school is rural; F has no school (unknown)
    assert {k: v["unique_students"] for k, v in data["by_area"].items()} == {"urban": 3, "rural": 1, "": 1}
    assert data["by_area"]["rural"]["participations"] == 2
    # autonomous counties: 白沙 (C) and 琼中 (F)
    assert data["by_autonomous"]["autonomous"]["unique_students"] == 2
    assert data["by_autonomous"]["other"]["unique_students"] == 3
    haikou = data["by_region"]["460100"]
    assert (haikou["unique_students"], haikou["participations"], haikou["schools"]) == (2, 2, 1)
    assert {k: v["unique_students"] for k, v in haikou["gender"].items()} == {"男": 1, "女": 1}
    assert {k: v["unique_students"] for k, v in haikou["division"].items()} == {"初中": 1, "高中": 1}
    assert haikou["schools_without_activity"] == [4]
    assert data["by_region"]["469025"]["area"]["rural"]["unique_students"] == 1
    assert data["by_region"]["469030"]["unique_students"] == 1
    assert data["regions_without_activity"] == []
    assert data["schools_without_activity"] == [4]


def test_returning_students_rows_without_hash_and_talks():
    rows = [
        p("A", 1, "innovation", 10),
        p("B", 1, "innovation", 10),
        p("", 2, "innovation", 10),  # personal data purged: a person of its own
        p("", 2, "innovation", 10),
    ]
    talks = [
        Talk(dt.date(2026, 10, 1), 3, None, 120, None),  # rural school in 白沙
        Talk(dt.date(2026, 11, 1), None, "460200", 80, False),
    ]
    data = count(rows, schools=SCHOOLS, regions=REGIONS, kinds=["innovation"], previous={"A", "Z"}, talks=talks)
    totals = data["totals"]
    assert (totals["unique_students"], totals["participations"], totals["unhashed"]) == (4, 4, 2)
    assert totals["returning"] == 1
    assert data["by_region"]["460100"]["returning"] == 1
    assert (totals["talks"], totals["audience"]) == (2, 200)
    assert (data["by_region"]["469025"]["talks"], data["by_region"]["469025"]["audience"]) == (1, 120)
    assert data["by_area"]["rural"]["audience"] == 120 and data["by_area"]["urban"]["audience"] == 80
    # 白沙 has a talk only: it had activity; 琼中 had none
    assert data["regions_without_activity"] == ["469030"]
    assert data["by_region"]["469025"]["unique_students"] == 0
    # so it goes for schools: 白沙中学 (3) heard a talk and no student of it took part: listed apart, not
    # "without activity", and not a school taking part; 海口九中 (4) had nothing
    assert data["schools_without_activity"] == [4]
    assert data["schools_talks_only"] == [3] and data["by_region"]["469025"]["schools_talks_only"] == [3]
    assert data["by_region"]["460100"]["schools_without_activity"] == [4]
    assert data["by_school"]["3"] == {
        "unique_students": 0,
        "participations": 0,
        "applicants": 0,
        "programme": {},
        "talks": 1,
        "audience": 120,
    }
    assert totals["schools"] == 2 and data["by_region"]["469025"]["schools"] == 0


def test_a_student_from_two_counties_counts_in_each_and_once_in_the_province():
    rows = [p("A", 1, "innovation", 10), p("A", 2, "robotics", 11)]
    data = count(rows, schools=SCHOOLS, regions=REGIONS)
    assert data["totals"]["unique_students"] == 1
    assert data["by_region"]["460100"]["unique_students"] == 1
    assert data["by_region"]["460200"]["unique_students"] == 1


def test_per_1000_and_change():
    assert per_1000(37, 12_000) == Decimal("3.08")  # 37 * 1000 / 12000 = 3.0833...
    assert per_1000(1, 8) == Decimal("125.00")
    assert per_1000(5, 0) is None and per_1000(5, None) is None
    assert per_1000(1, 3) == Decimal("333.33")
    assert per_1000(2, 3) == Decimal("666.67")  # half up
    assert change(120, 100) == {"delta": 20, "percent": Decimal("20.0")}
    assert change(2, 3) == {"delta": -1, "percent": Decimal("-33.3")}
    assert change(5, 0) == {"delta": 5, "percent": None}
    assert change(5, None) == {"delta": None, "percent": None}


def test_school_years_and_their_boundary():
    assert school_year_of(dt.date(2026, 8, 31)) == 2025
    assert school_year_of(dt.date(2026, 9, 1)) == 2026
    assert school_year_of(dt.date(2027, 1, 15)) == 2026
    assert school_year_of(dt.date(2026, 8, 31), (8, 1)) == 2026
    assert school_year_of(dt.date(2026, 7, 31), (8, 1)) == 2025
    year = school_year(2026)
    assert (year.start, year.end) == (dt.date(2026, 9, 1), dt.date(2027, 9, 1))
    assert year.contains(dt.date(2027, 8, 31)) and not year.contains(dt.date(2027, 9, 1))
    assert valid_year_start(9, 1) and valid_year_start(12, 31) and valid_year_start(2, 28)
    assert not valid_year_start(2, 29) and not valid_year_start(4, 31) and not valid_year_start(13, 1)
