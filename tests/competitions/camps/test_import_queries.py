"""A camp's application workbook costs a fixed number of statements whatever its number of rows: new
applications (entries, members and camp rows written in bulk by :mod:`competitions.camps.entries`) and a
re-upload replacing the school's own applications cost the same for N and for 2N students, for a school
and for the organizer. (Each row used to save its entry, member and application one by one, and a
replaced row took five statements.)"""

from __future__ import annotations

from app.db import count_queries
from tests.competitions.camps.conftest import row

N = 3


def name(k: int) -> str:
    return f"学生{'甲乙丙丁戊己庚辛壬癸'[k % 10]}{'子丑寅卯辰巳午未申酉戌亥'[k // 10]}"


def upload(camp, numbers, user, school, prefs=("A", "B")):
    rows = [row(name(k), k, school=school, prefs=prefs) for k in numbers]
    with count_queries() as counter:
        r = camp.upload(rows, user=user)
    assert r.status_code == 201, r.text
    return counter.statements, r.json()


def same_cost(small, large):
    assert len(small) == len(large), (len(small), len(large), large[len(small) :])


def test_a_camp_import_and_a_re_upload_cost_the_same_statements_for_n_and_2n_students(camp):
    camp.site("A", 50)
    camp.site("B", 50)
    for user, school, first in (("hk01", "HK01", 0), ("org", "SY01", 40)):
        camp.h(user)  # logged in before counting
        upload(camp, [first + 9 * N], user, school)  # the first upload of the account: nothing of it counted
        small, answer = upload(camp, range(first, first + N), user, school)
        assert answer == {"applications_created": N}  # none replaced: not said
        large, answer = upload(camp, range(first + N, first + 3 * N), user, school)
        assert answer == {"applications_created": 2 * N}
        same_cost(small, large)
        # the same students again with other 志愿: every row replaces the account's own editable application
        small, answer = upload(camp, range(first, first + N), user, school, prefs=("B",))
        assert answer == {"applications_created": 0, "applications_replaced": N}
        large, answer = upload(camp, range(first + N, first + 3 * N), user, school, prefs=("B",))
        assert answer == {"applications_created": 0, "applications_replaced": 2 * N}
        same_cost(small, large)
    listed = camp.by_name()
    assert len(listed) == 2 * (3 * N + 1)
    assert listed[name(1)]["school_code"] == "HK01" and listed[name(41)]["school_code"] == "SY01"
    assert [listed[name(k)]["preferences"] for k in (1, 27, 41)] == [["B"], ["A", "B"], ["B"]]
