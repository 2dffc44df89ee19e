"""The coverage report counts the talent programme: students placed with a mentor are participants
(including one who left at the mid-term), those not placed are applicants, withdrawn ones are left out."""

from __future__ import annotations

import datetime as dt

from competitions.coverage import sources
from competitions.coverage.counting import APPLICANT, PARTICIPANT, SchoolYear
from tests.competitions.talent.conftest import row, sid


def test_talent_rows_for_the_coverage_report(talent, run):
    talent.mentor("zhang", "PH", 2)
    rows = [row(n, k, prefs=("zhang",)) for k, n in enumerate(("学生甲", "学生乙", "学生丙", "学生丁"), start=1)]
    assert talent.upload(rows).status_code == 201
    apps = talent.by_name()
    talent.scores(
        [
            (apps["学生甲"]["id"], "90"),
            (apps["学生乙"]["id"], "80"),
            (apps["学生丙"]["id"], "70"),
            (apps["学生丁"]["id"], "50"),
        ]
    )
    talent.cutoffs(PH="60")
    talent.client.post(f"/api/v1/talent-applications/{apps['学生丙']['id']}/withdraw", headers=talent.h("org"))
    talent.invite()
    talent.allocate(apply=True)  # 甲 and 乙 matched; 丁 below the cut-off; 丙 withdrawn
    talent.client.post(
        f"/api/v1/talent-applications/{apps['学生乙']['id']}/midterm",
        json={"result": "leave", "reason": "退出"},
        headers=talent.h("zhang"),
    )
    assert sources.participation_sources["talent"].rows is sources.talent_rows
    # the fixture's programme closes applications on 2099-01-01: school year 2098
    got = run(sources.talent_rows(SchoolYear(2098, dt.date(2098, 9, 1), dt.date(2099, 9, 1))))
    from app.security import keyed_hash

    by_person = {r.person: r.status for r in got}
    assert by_person == {
        keyed_hash(f"居民身份证:{sid(1)}"): PARTICIPANT,
        keyed_hash(f"居民身份证:{sid(2)}"): PARTICIPANT,  # left at the mid-term: still took part
        keyed_hash(f"居民身份证:{sid(4)}"): APPLICANT,
    }
    assert {(r.kind, r.division, r.gender) for r in got} == {("talent", "高中", "男")}
    assert run(sources.talent_rows(SchoolYear(2026, dt.date(2026, 9, 1), dt.date(2027, 9, 1)))) == []
