"""The events service called directly: creation with the default categories, settings
validated with their messages, categories and quotas, the registration window."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import Conflict, NotFound, ValidationFailed
from competitions.events import services as events
from tests import factories


def update(world, data):
    return world.run(events.update_event(world.org, world.event_id, data))


def test_an_innovation_contest_gets_the_castic_categories_in_order_and_a_camp_its_one(run):
    org = factories.organizer(run)
    contest = run(events.create_event(org, {"name": "创新大赛", "kind": "innovation", "year": 2027}))
    assert [c["code"] for c in run(events.list_categories(contest["id"]))] == [
        "MA",
        "PH",
        "CH",
        "LS",
        "BM",
        "EV",
        "EN",
        "CS",
        "SB",
    ]
    camp = run(events.create_event(org, {"name": "科学营", "kind": "camp", "year": 2027}))
    # a camp's one category comes with it, so its city quota can be set before any site or application
    assert [(c["code"], c["name"]) for c in run(events.list_categories(camp["id"]))] == [("CAMP", "科学营营员")]
    bare = run(
        events.create_event(org, {"name": "无类别", "kind": "innovation", "year": 2027}, default_categories=False)
    )
    assert run(events.list_categories(bare["id"])) == []
    # the defaults of a new event (CONTRACT.md): 15 % / 25 % / 35 %, mean, 2 decimals, 1-3 students
    assert contest["award_quotas"] == {"first": "0.15", "second": "0.25", "third": "0.35"}
    assert (contest["aggregation"], contest["score_decimals"], contest["min_team_size"], contest["max_team_size"]) == (
        "mean",
        2,
        1,
        3,
    )
    assert contest["divisions"] == ["小学", "初中", "高中"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "camp", "year": 2026}, "请填写赛事名称。"),
        ({"name": "x", "year": 2026}, "请填写赛事类型。"),
        ({"name": "x", "kind": "camp"}, "请填写年份。"),
        ({"name": "x", "kind": "camp", "year": 1999}, "年份必须是四位数字，例如 2026。"),
        (
            {"name": "x", "kind": "camp", "year": 2026, "min_team_size": 4, "max_team_size": 3},
            "每队最少人数不能大于最多人数。",
        ),
        ({"name": "x", "kind": "camp", "year": 2026, "max_advisers": 6}, "人数限制 6 超出范围 0–5。"),
        (
            {"name": "x", "kind": "camp", "year": 2026, "divisions": ["大学"]},
            "组别只能是 小学、初中、高中，至少选一个。",
        ),
        (
            {"name": "x", "kind": "camp", "year": 2026, "national_quota": -1},
            "推荐全国赛名额必须是非负整数，留空表示不限。",
        ),
        (
            {"name": "x", "kind": "camp", "year": 2026, "award_min_score": "1001"},
            "获奖最低分必须是 0 到 1000 之间的数，留空表示不设最低分。",
        ),
    ],
)
def test_create_event_refuses_with_the_message(run, data, message):
    org = factories.organizer(run)
    with pytest.raises(ValidationFailed) as refused:
        run(events.create_event(org, data))
    assert refused.value.message == message


def test_update_checks_against_the_stored_values(world):
    # the window is checked against what is stored: a close before the stored opening is refused
    update(world, {"registration_opens_at": "2026-03-01 08:00"})
    with pytest.raises(ValidationFailed) as refused:
        update(world, {"registration_closes_at": "2026-02-28 18:00"})
    assert refused.value.message == "报名截止时间必须晚于开始时间。"
    # quotas merge with the stored ones: first 0.5 + stored 0.25 + 0.35 = 1.1
    with pytest.raises(ValidationFailed) as refused:
        update(world, {"award_quotas": {"first": "0.5"}})
    assert refused.value.message == "一、二、三等奖比例之和不能超过 1，现在是 1.10。"
    # a naive time is Beijing time: 18:00 +08:00 is 10:00 UTC
    changed = update(
        world, {"registration_closes_at": "2026-03-31 18:00", "judge_city_conflict": "否", "national_quota": ""}
    )
    assert changed["registration_closes_at"] == "2026-03-31T10:00:00+00:00"
    assert changed["registration_opens_at"] == "2026-03-01T00:00:00+00:00"
    assert changed["judge_city_conflict"] is False and changed["national_quota"] is None
    with pytest.raises(NotFound):
        world.run(events.update_event(world.org, 999999, {"name": "x"}))


def test_categories_codes_positions_and_quotas(world):
    added = factories.category(world, " rb ", "机器人", school_quota="2")
    assert added == {
        "id": added["id"],
        "code": "RB",
        "name": "机器人",
        "school_quota": 2,
        "city_quota": None,
        "required_documents": None,
    }
    # appended after the nine default categories
    assert [c["code"] for c in world.run(events.list_categories(world.event_id))][-1] == "RB"
    with pytest.raises(Conflict) as duplicate:
        factories.category(world, "RB", "重复")
    assert duplicate.value.message == "本赛事已有代码为“RB”的类别。"
    with pytest.raises(ValidationFailed) as blank:
        factories.category(world, "", "空代码")
    assert blank.value.message == "请填写类别代码和名称。"
    changed = world.run(
        events.update_category(world.org, world.event_id, added["id"], {"school_quota": "", "city_quota": 3})
    )
    assert (changed["school_quota"], changed["city_quota"]) == (None, 3)
    with pytest.raises(ValidationFailed) as negative:
        world.run(events.update_category(world.org, world.event_id, added["id"], {"city_quota": -2}))
    assert negative.value.message == "每个市县推荐名额必须是非负整数，留空表示不限。"
    assert world.run(events.category_ids(world.event_id))["RB"] == added["id"]


def test_registration_window_opens_inclusive_and_closes_exclusive():
    opens = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    closes = dt.datetime(2026, 3, 31, 10, tzinfo=dt.timezone.utc)
    event = {"registration_opens_at": opens.isoformat(), "registration_closes_at": closes}
    second = dt.timedelta(seconds=1)
    assert [events.registration_is_open(event, at) for at in (opens - second, opens, closes - second, closes)] == [
        False,
        True,
        True,
        False,
    ]
    assert events.registration_is_open({"registration_opens_at": None, "registration_closes_at": None}, opens)


def test_parse_time_and_divisions_of():
    assert events.parse_time("2026-03-31 18:00", "截止") == dt.datetime(2026, 3, 31, 10, tzinfo=dt.timezone.utc)
    assert events.parse_time("2026-03-31T18:00Z", "截止") == dt.datetime(2026, 3, 31, 18, tzinfo=dt.timezone.utc)
    assert events.parse_time("", "截止") is None
    with pytest.raises(ValidationFailed) as refused:
        events.parse_time("下周五", "报名截止时间")
    assert refused.value.message == "“报名截止时间”的时间格式不正确，请使用 2026-03-31 18:00 这样的格式。"
    assert events.divisions_of('["高中", "小学"]') == ["小学", "高中"]  # in the fixed order
    assert events.divisions_of("not json") == ["小学", "初中", "高中"]
