"""Score sheets (judging/scoring/services.py) through the service: weighted totals by hand,
drafts, versions, who may score, the locks after publication and finalization, the
organizer's change with a reason, the history and the progress counts."""

from __future__ import annotations

import pytest

from app.errors import Conflict, Forbidden, ValidationFailed
from judging.results import publication
from judging.scoring import services as scoring
from tests import factories

CASTIC = factories.CASTIC


@pytest.fixture
def sheet(world):
    """One MA entry, one judge ``judge1`` assigned to it, the CASTIC rubric, nothing scored."""
    made = factories.judged_event(world, entries=1, judges=1, criteria=CASTIC, complete=False)
    return made, made.entry_ids[0], made.principal("judge1")


def test_a_partial_sheet_is_a_draft_and_completing_it_gives_the_weighted_total(world, sheet):
    made, entry_id, judge = sheet
    first = world.run(scoring.put_score(judge, entry_id, {"innovation": 8}))
    assert first == {"entry_id": entry_id, "version": 1, "total": "", "complete": False}
    # 8/10*40 + 7/10*30 + 9/10*30 = 32 + 21 + 27 = 80 (points of the draft kept)
    second = world.run(scoring.put_score(judge, entry_id, {"scientific": "7", "practical": 9.0}))
    assert second == {"entry_id": entry_id, "version": 2, "total": "80", "complete": True}
    # the same points again (8, 8.0 and "8.00" are the same): no new version
    assert world.run(scoring.put_score(judge, entry_id, {"innovation": "8.00"}))["version"] == 2
    mine = world.run(scoring.get_my_score(judge, entry_id))
    assert (mine["criteria"], mine["total"], mine["complete"], mine["locked"]) == (
        {"innovation": "8", "scientific": "7", "practical": "9"},
        "80",
        True,
        False,
    )
    assert scoring.total_of(CASTIC, {"innovation": "10", "scientific": "0", "practical": "5.5"}) == (
        "56.5",
        True,
    )  # 40 + 0 + 16.5


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ({"innovation": 11}, "“创新性”的分数必须在 0 到 10 之间，现在是 11。"),
        ({"innovation": "-1"}, "“创新性”的分数必须是数字。"),
        ({"scientific": "7.555"}, "“科学性”的分数最多保留两位小数。"),
        ({"team": 5}, "评分项不存在：team。"),
    ],
)
def test_points_outside_the_rubric_are_refused(world, sheet, points, message):
    _made, entry_id, judge = sheet
    with pytest.raises(ValidationFailed) as refused:
        world.run(scoring.put_score(judge, entry_id, points))
    assert refused.value.message == message


def test_a_stale_version_never_overwrites_a_newer_edit(world, sheet):
    _made, entry_id, judge = sheet
    world.run(scoring.put_score(judge, entry_id, {"innovation": 8}, version=0))
    world.run(scoring.put_score(judge, entry_id, {"innovation": 9}, version=1))
    with pytest.raises(Conflict) as stale:
        world.run(scoring.put_score(judge, entry_id, {"innovation": 5}, version=1))
    assert stale.value.message == "这份评分已在别处更新（当前版本 2），您的修改基于版本 1，未保存。请刷新后再改。"
    assert stale.value.extra == {"current_version": 2}
    assert world.run(scoring.get_my_score(judge, entry_id))["criteria"] == {"innovation": "9"}


def test_only_the_assigned_judge_scores(world, sheet):
    made, entry_id, _judge = sheet
    factories.judge(made, "outsider", ["MA"])  # a judge of the event, but not assigned to the entry
    other = factories.entry(world, "HK02")  # an entry that came after the assignment
    for actor, entry in ((made.principal("outsider"), entry_id), (made.principal("judge1"), other["id"])):
        with pytest.raises(Forbidden) as refused:
            world.run(scoring.put_score(actor, entry, {"innovation": 5}))
        assert refused.value.message == "这个作品没有分配给您，不能评分。"


def test_after_publication_only_the_organizer_changes_a_score_with_a_reason(world, sheet):
    made, entry_id, judge = sheet
    world.run(scoring.put_score(judge, entry_id, {"innovation": 8, "scientific": 7, "practical": 9}))
    world.run(publication.publish(world.org, world.event_id))
    with pytest.raises(Conflict) as locked:
        world.run(scoring.put_score(judge, entry_id, {"innovation": 9}))
    assert locked.value.message == "结果已公示，评委评分已锁定；如需更改请联系组委会。"
    assert world.run(scoring.get_my_score(judge, entry_id))["locked"] is True
    score_id = world.run(scoring.entry_scores(entry_id))[0]["score_id"]
    with pytest.raises(Forbidden):
        world.run(scoring.organizer_change_score(judge, score_id, {"innovation": 9}, "异议"))
    with pytest.raises(ValidationFailed) as no_reason:
        world.run(scoring.organizer_change_score(world.org, score_id, {"innovation": 9}, " "))
    assert no_reason.value.message == "修改评分必须说明理由（对应的异议）。"
    # 9/10*40 + 21 + 27 = 84
    changed = world.run(scoring.organizer_change_score(world.org, score_id, {"innovation": 9}, "异议第1号：复核后更正"))
    assert changed == {"entry_id": entry_id, "version": 2, "total": "84", "complete": True}
    history = world.run(scoring.score_history(entry_id))
    assert [(h["old_total"], h["new_total"], h["reason"]) for h in history] == [
        ("", "80", ""),
        ("80", "84", "异议第1号：复核后更正"),
    ]
    assert (history[1]["judge"], history[1]["changed_by"]) == ("评委judge1", "组委会")
    # after finalization nothing changes
    world.run(publication.finalize(world.org, world.event_id))
    with pytest.raises(Conflict) as final:
        world.run(scoring.organizer_change_score(world.org, score_id, {"innovation": 10}, "再改"))
    assert final.value.message == "结果已定稿，任何修改都会被拒绝；如确需修改，请组委会先解锁并说明理由。"
    with pytest.raises(Conflict) as final:
        world.run(scoring.put_score(judge, entry_id, {"innovation": 10}))
    assert final.value.message == "结果已定稿，评分已锁定，不能再修改。"


def test_progress_counts_complete_sheets_per_judge_and_category(world):
    # 3 entries x 2 judges = 6 sheets; judge2 leaves entry 2 unscored and a draft is not counted
    made = factories.judged_event(
        world,
        entries=3,
        judges=2,
        criteria=factories.HALVES,
        scores=[{"a": 40, "b": 40}, {"a": 30, "b": 30}, ({"a": 20, "b": 20}, {"a": 20})],
    )
    answer = world.run(scoring.progress(made.event_id))
    assert (answer["round_state"], answer["assigned"], answer["scored"]) == ("open", 6, 5)
    assert [(j["name"], j["assigned"], j["scored"]) for j in answer["judges"]] == [
        ("评委judge2", 3, 2),
        ("评委judge1", 3, 3),
    ]
    assert answer["categories"] == [{"category_code": "MA", "category_name": "数学", "assigned": 6, "scored": 5}]
    sheets = world.run(scoring.entry_scores(made.entry_ids[2]))
    assert [(s["judge"], s["total"], s["complete"]) for s in sheets] == [
        ("评委judge1", "40", True),
        ("评委judge2", "", False),
    ]
