"""Assignment (judging/panels/assignments.py) through the service: a judge with a conflict is
never assigned an entry of their school, city or declared adviser; k judges per entry where
eligibility allows, loads even; manual moves checked the same way; nothing after publication."""

from __future__ import annotations

from collections import Counter

import pytest

from app.errors import Conflict, ValidationFailed
from competitions.events import services as events
from judging.panels import assignments
from judging.results import publication
from tests import factories


def pairs(world) -> set[tuple[int, int]]:
    from judging.scoring.tables import Assignment

    return {(r["entry"], r["judge"]) for r in world.run(Assignment.select(Assignment.entry, Assignment.judge))}


@pytest.fixture
def panel(world):
    """Six MA entries, two per school (HK01 and HK02 in 海口市, SY01 in 三亚市); the second
    HK02 entry has the adviser 王老师. Judges: hk (of HK01), sy (of SY01), free (no school)
    and decl (declares the school HK02)."""
    entries = {code: [factories.entry(world, code)["id"] for _ in range(2)] for code in ("HK01", "SY01")}
    entries["HK02"] = [factories.entry(world, "HK02")["id"], factories.entry(world, "HK02", advisers=["王老师"])["id"]]
    judges = {
        "hk": factories.judge(world, "hk", ["MA"], school="HK01"),
        "sy": factories.judge(world, "sy", ["MA"], school="SY01"),
        "free": factories.judge(world, "free", ["MA"]),
        "decl": factories.judge(world, "decl", ["MA"], conflict_schools=["HK02"]),
    }
    return entries, judges


def test_a_judge_is_never_assigned_an_entry_of_their_school_or_a_declared_one(world, panel):
    entries, judges = panel
    answer = world.run(assignments.generate(world.org, world.event_id, 2, seed=7))
    # every entry has three eligible judges of the four, so k = 2 is met: 6 x 2 = 12 sheets
    assert answer == {"assignments": 12, "unassigned_entries": [], "unassigned": []}
    got = pairs(world)
    judged_by = {e: {j for e2, j in got if e2 == e} for e in sum(entries.values(), [])}
    assert all(judges["hk"] not in judged_by[e] for e in entries["HK01"])
    assert all(judges["sy"] not in judged_by[e] for e in entries["SY01"])
    assert all(judges["decl"] not in judged_by[e] for e in entries["HK02"])
    assert all(len(js) == 2 for js in judged_by.values())
    # 12 sheets over 4 judges: 3 each
    assert Counter(Counter(j for _e, j in got).values()) == {3: 4}


def test_shortfalls_are_reported_when_too_few_judges_are_eligible(world, panel):
    entries, _judges = panel
    answer = world.run(assignments.generate(world.org, world.event_id, 4))
    # three eligible judges per entry: 6 x 3 = 18 sheets, every entry one short
    assert answer["assignments"] == 18
    assert sorted((u["entry_id"], u["assigned"], u["needed"]) for u in answer["unassigned_entries"]) == sorted(
        (e, 3, 4) for e in sum(entries.values(), [])
    )


def test_city_and_adviser_conflicts(world, panel):
    entries, judges = panel
    factories.judge(world, "decl", ["MA"], conflict_advisers=["王老师"])  # only the adviser now
    factories.judge(world, "haikou_judge", ["MA"], city="海口")  # 海口 is 海口市
    world.run(events.update_event(world.org, world.event_id, {"judge_city_conflict": True}))
    world.run(assignments.generate(world.org, world.event_id, 3))
    got = pairs(world)
    haikou = factories.principal(world, "haikou_judge").id
    # the city conflict covers both 海口市 schools (and the HK01 judge's own city): only SY01's entries are left
    assert {e for e, j in got if j == haikou} == set(entries["SY01"])
    assert {e for e, j in got if j == judges["hk"]} == set(entries["SY01"])
    # the adviser conflict covers one entry
    assert (entries["HK02"][1], judges["decl"]) not in got
    assert (entries["HK02"][0], judges["decl"]) in got  # declared school no longer: eligible and needed (k = 3)


def test_judges_per_entry_must_be_between_1_and_20(world):
    for k in (0, 21, "2"):
        with pytest.raises(ValidationFailed) as refused:
            world.run(assignments.generate(world.org, world.event_id, k))
        assert refused.value.message == "每个作品的评委人数必须是 1 到 20 的整数。"


def test_moves_are_checked_like_generation(world, panel):
    from judging.scoring.tables import Assignment

    entries, judges = panel
    world.run(assignments.generate(world.org, world.event_id, 1, seed=3))
    hk01_entry = entries["HK01"][0]
    row = world.run(Assignment.select().where(Assignment.entry == hk01_entry).first())
    with pytest.raises(ValidationFailed) as conflict:
        world.run(assignments.move_assignment(world.org, row["id"], judges["hk"]))
    assert conflict.value.message == "不能分配：评委与作品同校。"
    factories.judge(world, "physicist", ["PH"])
    with pytest.raises(ValidationFailed) as category:
        world.run(assignments.move_assignment(world.org, row["id"], factories.principal(world, "physicist").id))
    assert category.value.message == "评委评委physicist不评审“MA”类别。"
    with pytest.raises(ValidationFailed) as stranger:
        world.run(assignments.move_assignment(world.org, row["id"], world.principal("staff").id))
    assert stranger.value.message == "该用户不是本赛事的评委。"
    target = next(j for j in (judges["free"], judges["sy"], judges["decl"]) if j != row["judge"])
    moved = world.run(assignments.move_assignment(world.org, row["id"], target))
    assert moved == {"id": row["id"], "entry_id": hk01_entry, "judge_id": target}
    # once scored, the sheet stays where it is
    factories.score(world, factories.principal(world, _username(judges, target)), hk01_entry, {"innovation": 5})
    with pytest.raises(Conflict) as scored:
        world.run(assignments.move_assignment(world.org, row["id"], row["judge"]))
    assert scored.value.message == "该评委已经评分，不能改派（否则会丢失评分）。"


def _username(judges: dict[str, int], user_id: int) -> str:
    return next(name for name, j in judges.items() if j == user_id)


def test_nothing_is_reassigned_once_results_are_published(world, panel):
    world.run(assignments.generate(world.org, world.event_id, 1))
    before = pairs(world)
    from competitions.events import services as events

    world.run(events.set_status(world.org, world.event_id, "closed"))  # results are published once registration is over
    world.run(publication.publish(world.org, world.event_id))
    with pytest.raises(Conflict) as refused:
        world.run(assignments.generate(world.org, world.event_id, 2))
    assert refused.value.message == "结果已公示或定稿，不能重新分配评委。"
    assert pairs(world) == before


def test_k_in_use_and_shortfall_reasons_in_words():
    from judging.panels.assignments import k_in_use, shortfall_reason

    assert k_in_use({}) is None and k_in_use({1: 0, 2: 0}) is None
    assert k_in_use({1: 3, 2: 3, 3: 2, 4: 0}) == 3 and k_in_use({1: 2, 2: 3}) == 3  # a tie takes the larger
    common = {"category": "物理", "school": "海口一中", "city": "海口市", "needed": 3, "assigned": 0}
    assert (
        shortfall_reason(**common, category_judges=0, eligible=0, conflicts={})
        == "还没有评审“物理”的评委，请先在“评委”页添加。"
    )
    assert (
        shortfall_reason(**common, category_judges=3, eligible=0, conflicts={"own_city": 3})
        == "“物理”的 3 位评委都来自该作品学校所在的市县（海口市），本赛事要求同市县回避。"
    )
    assert (
        shortfall_reason(**common, category_judges=3, eligible=0, conflicts={"own_school": 2, "declared_entry": 1})
        == "“物理”的 3 位评委都需要回避：1 位申报回避该作品，2 位与该作品同校。"
    )
    assert (
        shortfall_reason(**{**common, "assigned": 2}, category_judges=4, eligible=2, conflicts={"own_school": 2})
        == "“物理”共 4 位评委，其中 2 位与该作品同校，只有 2 位可以评这个作品，少于每个作品需要的 3 位。"
    )
    assert (
        shortfall_reason(**{**common, "assigned": 1}, category_judges=1, eligible=1, conflicts={})
        == "“物理”只有 1 位评委，少于每个作品需要的 3 位。"
    )
