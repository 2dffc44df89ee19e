"""The factories build what they say, through the services: approved entries with valid
members, judges on every entry, complete sheets whose totals follow the rubric."""

from __future__ import annotations

from tests import factories


def test_judged_event_from_the_bare_run_fixture(run):
    from judging.results.services import compute_results
    from judging.scoring.services import progress

    made = factories.judged_event(run, entries=4, judges=3, scores=[90, (80, 70, 60), None, {"s": 55}])
    assert [e["status"] for e in made.entries] == ["approved"] * 4
    assert [(e["category_code"], e["division"], e["school_code"]) for e in made.entries] == [
        ("MA", "初中", "HK01"),
        ("MA", "初中", "HK02"),
        ("MA", "初中", "SY01"),
        ("MA", "初中", "HK01"),
    ]
    assert list(made.judges) == ["judge1", "judge2", "judge3"]
    # every judge on every entry: 12 sheets; entry 3 (None) left unscored
    assert run(progress(made.event_id))["assigned"] == 12
    assert run(progress(made.event_id))["scored"] == 9
    results = {r["entry_id"]: r for r in run(compute_results(made.event_id))["entries"]}
    # means by hand: 90; (80 + 70 + 60) / 3 = 70; 55
    assert [results[i]["score"] for i in made.entry_ids] == ["90.00", "70.00", None, "55.00"]
    assert [results[i]["status"] for i in made.entry_ids] == ["complete", "complete", "incomplete", "complete"]


def test_entry_on_the_world_fixture_gives_member_ids(world):
    made = factories.entry(world, "HK02", students=["李明", "王芳"], advisers=["陈老师"], category="PH")
    assert made["status"] == "approved" and made["code"].startswith("PH")
    assert sorted(made["member_ids"]) == ["李明", "王芳", "陈老师"]
    assert [m["role"] for m in made["members"]] == ["student", "student", "adviser"]
    draft = factories.entry(world, "HK01", students=1, by="hk01")
    assert draft["status"] == "draft"


def test_default_scores_follow_the_rubric(world):
    made = factories.judged_event(world, entries=2, judges=2, criteria=factories.CASTIC)
    # entry 0: every criterion 10/10 -> 100; entry 1: 9/10 -> 40*0.9 + 30*0.9 + 30*0.9 = 90
    assert [made.sheets[(made.entry_ids[0], j)]["total"] for j in made.judges] == ["100", "100"]
    assert [made.sheets[(made.entry_ids[1], j)]["total"] for j in made.judges] == ["90", "90"]
