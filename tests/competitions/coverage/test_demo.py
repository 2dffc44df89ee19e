"""``xinmiao demo``'s coverage data: two earlier contests sharing students with this year's, enrolment for
two school years, schools without activity, and the five most recent years' snapshots."""

from __future__ import annotations

from competitions import demo
from competitions.coverage import services
from competitions.coverage.demo import IDLE_SCHOOLS, build_coverage_demo
from competitions.coverage.tables import CoverageEnrolment, CoverageSnapshot
from competitions.events.tables import Event


def test_coverage_demo(client, run):
    assert run(demo.build_demo())
    assert run(build_coverage_demo())
    assert not run(build_coverage_demo())  # idempotent
    assert run(Event.count().where(Event.kind == "innovation")) == 3
    assert run(CoverageEnrolment.count()) == 19 * 3 * 2
    assert run(CoverageSnapshot.count()) == services.WINDOW
    from app.accounts.services import load_principal
    from app.tables import User

    org = run(load_principal(run(User.select(User.id).where(User.username == "org").first())["id"]))
    report = run(services.report(org))
    years_with_students = [y for y in report["years"] if y["computed"] and y["unique_students"]]
    assert len(years_with_students) >= 2
    assert report["totals"]["returning"] > 0  # last year's contest shares students with this year's
    assert {s["name"] for s in report["schools_without_activity"]} >= {name for _code, name in IDLE_SCHOOLS}
    assert report["totals"]["per_1000_enrolled"] is not None
