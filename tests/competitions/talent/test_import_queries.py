"""The talent programme's application workbook costs a fixed number of statements whatever its number
of rows: its entries, members and applications are written in bulk by :mod:`competitions.camps.entries`
(each row used to save its entry, member and application one by one), for a school and for the office."""

from __future__ import annotations

from app.db import count_queries
from tests.competitions.talent.conftest import row

N = 3


def name(k: int) -> str:
    return f"学生{'甲乙丙丁戊己庚辛壬癸'[k % 10]}{'子丑寅卯辰巳午未申酉戌亥'[k // 10]}"


def upload(talent, numbers, user, school):
    rows = [
        row(name(k), k, school=school, subject="PH" if k % 2 else "MA", prefs=("zhang",) if k % 2 else ("li",))
        for k in numbers
    ]
    with count_queries() as counter:
        r = talent.upload(rows, user=user)
    assert r.status_code == 201, r.text
    return counter.statements, r.json()


def test_a_talent_import_costs_the_same_statements_for_n_and_2n_students(talent):
    talent.mentor("zhang", "PH", capacity=20)
    talent.mentor("li", "MA", capacity=20)
    for user, school, first in (("hk01", "HK01", 0), ("org", "SY01", 40)):
        talent.h(user)  # logged in before counting
        upload(talent, [first + 9 * N], user, school)  # the first upload of the account: nothing of it counted
        small, answer = upload(talent, range(first, first + N), user, school)
        assert answer == {"applications_created": N}
        large, answer = upload(talent, range(first + N, first + 3 * N), user, school)
        assert answer == {"applications_created": 2 * N}
        assert len(small) == len(large), (len(small), len(large), large[len(small) :])
    listed = talent.by_name()
    assert len(listed) == 2 * (3 * N + 1)
    assert (listed[name(1)]["subject"], listed[name(1)]["preferences"]) == ("PH", ["zhang"])
    assert (listed[name(42)]["subject"], listed[name(42)]["school_code"]) == ("MA", "SY01")
