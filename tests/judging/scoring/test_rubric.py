"""Rubrics (judging/scoring/rubric.py) through the service: validation with its messages,
category overrides, sheets recomputed (never lost) when the rubric changes, and no change
once results are published."""

from __future__ import annotations

import pytest

from app.errors import Conflict, ValidationFailed
from judging.results import publication
from judging.scoring import rubric
from judging.scoring.tables import Score
from tests import factories

CASTIC = factories.CASTIC


def set_rubric(world, criteria, category=None):
    return world.run(rubric.set_rubric(world.org, world.event_id, criteria, category))


def test_an_event_without_a_rubric_gets_the_castic_defaults(world):
    criteria = world.run(rubric.get_rubric(world.event_id))
    assert [(c["code"], c["weight"], c["max_points"]) for c in criteria] == [
        ("innovation", "40", "10"),
        ("scientific", "30", "10"),
        ("practical", "30", "10"),
    ]
    assert world.run(rubric.stored_scopes(world.event_id)) == set()


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([], "评分标准至少需要一个评分项。"),
        ([{"code": "a", "name": "", "weight": "50", "max_points": "10"}], "每个评分项都需要代码和名称。"),
        (
            [
                {"code": "a", "name": "甲", "weight": "50", "max_points": "10"},
                {"code": "a", "name": "乙", "weight": "50", "max_points": "10"},
            ],
            "评分项代码“a”重复。",
        ),
        ([{"code": "a", "name": "甲", "weight": "0", "max_points": "10"}], "评分项“a”的权重必须是正数。"),
        ([{"code": "a", "name": "甲", "weight": "abc", "max_points": "10"}], "评分项“a”的权重必须是正数。"),
        ([{"code": "a", "name": "甲", "weight": "100", "max_points": "-1"}], "评分项“a”的满分必须是正数。"),
        (
            [{"code": "a", "name": "甲", "weight": "33.3333", "max_points": "10"}],
            "评分项“a”的权重最多保留三位小数，且小于 100000。",
        ),
        (
            [{"code": "a", "name": "甲", "weight": "100", "max_points": "100000"}],
            "评分项“a”的满分最多保留三位小数，且小于 100000。",
        ),
    ],
)
def test_a_bad_rubric_is_refused_with_the_message(world, criteria, message):
    with pytest.raises(ValidationFailed) as refused:
        set_rubric(world, criteria)
    assert refused.value.message == message
    assert world.run(rubric.stored_scopes(world.event_id)) == set()  # nothing stored


def test_weights_that_do_not_add_up_to_100_are_refused(world):
    # CONTRACT.md: a rubric's weights must add up to 100 (422 otherwise)
    with pytest.raises(ValidationFailed) as refused:
        set_rubric(world, [dict(CASTIC[0], weight="50"), *CASTIC[1:]])  # 50 + 30 + 30 = 110
    assert refused.value.message == "评分项的权重之和必须是 100（百分制），现在是 110。"
    assert refused.value.errors == [{"field": "criteria", "message": "权重之和必须是 100，现在是 110。"}]
    with pytest.raises(ValidationFailed) as refused:
        set_rubric(world, [{"code": "a", "name": "甲", "weight": "33.333", "max_points": "10"}] * 1)
    assert refused.value.message == "评分项的权重之和必须是 100（百分制），现在是 33.333。"
    assert world.run(rubric.stored_scopes(world.event_id)) == set()  # nothing stored
    # thirds written to three places add up exactly: 33.333 + 33.333 + 33.334 = 100
    thirds = [
        {"code": code, "name": name, "weight": weight, "max_points": "10"}
        for code, name, weight in (("a", "甲", "33.333"), ("b", "乙", "33.333"), ("c", "丙", "33.334"))
    ]
    assert [c["weight"] for c in set_rubric(world, thirds)] == ["33.333", "33.333", "33.334"]


def test_a_category_override_applies_to_its_category_only(world):
    from competitions.events.services import category_ids

    ids = world.run(category_ids(world.event_id))
    set_rubric(world, factories.SINGLE)
    saved = set_rubric(
        world, [{"code": "idea", "name": "创意", "weight": "100", "max_points": "20", "description": "说明"}], "ph"
    )
    assert saved == [{"code": "idea", "name": "创意", "description": "说明", "weight": "100", "max_points": "20"}]
    assert [c["code"] for c in world.run(rubric.get_rubric(world.event_id, ids["PH"]))] == ["idea"]
    assert [c["code"] for c in world.run(rubric.get_rubric(world.event_id, ids["MA"]))] == ["s"]
    assert world.run(rubric.stored_scopes(world.event_id)) == {None, ids["PH"]}
    with pytest.raises(ValidationFailed) as refused:
        set_rubric(world, factories.SINGLE, "NOPE")
    assert refused.value.message == "类别“NOPE”不存在。"


def test_changing_the_rubric_recomputes_sheets_and_never_loses_points(world):
    made = factories.judged_event(
        world, entries=1, judges=1, criteria=CASTIC, scores=[{"innovation": 8, "scientific": 7, "practical": 9}]
    )
    entry_id = made.entry_ids[0]

    def sheet():
        return world.run(
            Score.select(Score.points, Score.total, Score.complete)
            .where(Score.entry == entry_id)
            .output(load_json=True)
            .first()
        )

    # 8/10*40 + 7/10*30 + 9/10*30 = 32 + 21 + 27 = 80
    assert (sheet()["total"], sheet()["complete"]) == ("80", True)
    # practical dropped (innovation 70 so the weights add to 100): 8/10*70 + 7/10*30 = 56 + 21 = 77;
    # its points are kept
    set_rubric(world, [dict(CASTIC[0], weight="70"), CASTIC[1]])
    assert (sheet()["total"], sheet()["complete"], sheet()["points"]["practical"]) == ("77", True, "9")
    # a criterion added (30/30/30/10): the sheet is a draft again, without a total
    set_rubric(
        world,
        [
            dict(CASTIC[0], weight="30"),
            *CASTIC[1:],
            {"code": "team", "name": "团队", "weight": "10", "max_points": "10"},
        ],
    )
    assert (sheet()["total"], sheet()["complete"]) == ("", False)
    # back to the three: 80 again, nothing re-entered
    set_rubric(world, CASTIC)
    assert (sheet()["total"], sheet()["complete"]) == ("80", True)
    # weights 50/30/20: 8/10*50 + 7/10*30 + 9/10*20 = 40 + 21 + 18 = 79
    set_rubric(world, [dict(CASTIC[0], weight="50"), CASTIC[1], dict(CASTIC[2], weight="20")])
    assert sheet()["total"] == "79"


def test_refresh_counts_only_the_sheets_it_changes(world):
    from judging.scoring.tables import Criterion

    made = factories.judged_event(world, entries=2, judges=2, criteria=CASTIC)  # entry 0: 10/10/10, entry 1: 9/9/9
    round_id = world.run(Score.select(Score.round).first())["round"]
    assert world.run(rubric.refresh_sheets(made.event_id, round_id)) == 0
    # a weight changed behind the service's back: the four sheets are recomputed on refresh
    world.run(Criterion.update({Criterion.weight: 41}).where(Criterion.code == "innovation"))
    assert world.run(rubric.refresh_sheets(made.event_id, round_id)) == 4
    totals = world.run(Score.select(Score.entry, Score.total).order_by(Score.id))
    # 41 + 30 + 30 = 101; 0.9 * 101 = 90.9
    assert (
        sorted((r["entry"], r["total"]) for r in totals)
        == [(made.entry_ids[0], "101")] * 2 + [(made.entry_ids[1], "90.9")] * 2
    )


def test_no_rubric_change_once_results_are_published(world):
    factories.judged_event(world, entries=1, judges=1)
    world.run(publication.publish(world.org, world.event_id))
    with pytest.raises(Conflict) as refused:
        set_rubric(world, CASTIC)
    assert refused.value.message == "结果已公示或定稿，不能修改评分标准（否则会改变已公布的成绩）。"
    assert [c["code"] for c in world.run(rubric.get_rubric(world.event_id))] == ["s"]
