"""Leading teachers per site (competitions/camps/leaders.py), by hand."""

from __future__ import annotations

import pytest

from competitions.camps.leaders import LeaderError, Student, Teacher, assign_leaders, needed


def test_one_teacher_per_ten_students_rounded_up():
    assert [needed(n) for n in (0, 1, 10, 11, 20, 21)] == [0, 1, 1, 2, 2, 3]
    assert needed(13, ratio=6) == 3
    with pytest.raises(LeaderError) as error:
        needed(5, ratio=0)
    assert error.value.field == "ratio"


def test_teachers_of_the_schools_that_send_most_students_lead_the_largest_site_first():
    # site A: 12 students (7 of school s1, 5 of s2) -> 2 teachers; site B: 4 students of s3 -> 1
    students = (
        [Student("A", "s1", "460100")] * 7 + [Student("A", "s2", "460200")] * 5 + [Student("B", "s3", "460100")] * 4
    )
    teachers = [
        Teacher(1, "s3", "460100"),
        Teacher(2, "s2", "460200"),
        Teacher(3, "s1", "460100"),
        Teacher(4, "s9", "460100"),
    ]
    result = assign_leaders(["A", "B"], students, teachers)
    a, b = result.sites
    assert (a.students, a.needed, a.teachers, a.shortfall) == (12, 2, (3, 2), 0)
    assert a.why == {3: ("school", 7), 2: ("school", 5)}
    # B: s3's teacher 1 is still free and its school sends all 4
    assert (b.needed, b.teachers, b.why) == (1, (1,), {1: ("school", 4)})
    assert result.unused == (4,)


def test_a_city_teacher_fills_in_and_a_shortfall_is_reported():
    students = [Student("A", "s1", "460100")] * 11 + [Student("B", "s2", "469001")] * 3
    # s1 proposed one teacher; teacher 5 is from another school of the same city; nobody for B
    teachers = [Teacher(5, "s8", "460100"), Teacher(6, "s1", "460100")]
    result = assign_leaders(["A", "B"], students, teachers)
    a, b = result.sites
    assert a.teachers == (6, 5) and a.why == {6: ("school", 11), 5: ("city", 11)}
    assert (b.needed, b.teachers, b.shortfall) == (1, (), 1)


def test_a_fixed_teacher_stays_and_counts():
    students = [Student("A", "s1")] * 5 + [Student("B", "s1")] * 5
    teachers = [Teacher(1, "s1"), Teacher(2, "s1")]
    result = assign_leaders(["A", "B"], students, teachers, fixed={2: "B"})
    assert [s.teachers for s in result.sites] == [(1,), (2,)]
    assert result.sites[1].why == {2: ("fixed", None)}
    with pytest.raises(LeaderError) as error:
        assign_leaders(["A"], students, teachers, fixed={1: "Z"})
    assert error.value.field == "fixed"
    with pytest.raises(LeaderError):
        assign_leaders(["A"], students, [Teacher(1, "s1"), Teacher(1, "s2")])
