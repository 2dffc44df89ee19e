"""Score sheets as data (issue 13 item 1): every item type, requirements, restrictions, bonuses,
drawn variants, and validation that names the item. Scores computed by hand in comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import ValidationFailed
from judging.robotics.sheets import parse_sheet, score_run

# a 综合技能-style task sheet
SKILLS = {
    "items": [
        {"code": "m1", "name": "搬运能量块", "type": "count", "min": 0, "max": 6, "points": 10},
        {"code": "m2", "name": "开启闸门", "type": "yesno", "points": 25},
        {
            "code": "m3",
            "name": "停泊位置",
            "type": "choice",
            "options": [
                {"value": "none", "name": "未停泊", "points": 0},
                {"value": "partial", "name": "部分进入", "points": 10},
                {"value": "full", "name": "完全进入", "points": 20},
            ],
        },
        {
            "code": "m4",
            "name": "升起旗帜（闸门开启后才算）",
            "type": "yesno",
            "points": 15,
            "requires": {"item": "m2", "at_least": 1},
        },
        {"code": "m5", "name": "额外能量块", "type": "count", "min": 0, "max": 6, "points": 5},
        {"code": "p1", "name": "触碰场地罚分", "type": "count", "min": 0, "max": 5, "points": -5},
        {"code": "retries", "name": "重试次数", "type": "count", "min": 0, "max": 3, "points": 0},
        {"code": "t", "name": "用时", "type": "time", "max": 120},
    ],
    "restrictions": [{"items": ["m1", "m5"], "max": 8, "message": "场上只有 8 块能量块：m1 与 m5 合计不能超过 8。"}],
    "bonuses": [{"name": "无重试奖励", "points": 10, "when": {"item": "retries", "at_most": 0}}],
    "rounds": 3,
    "counted": {"rule": "best"},
    "tiebreaks": ["time_of_counted", "next_best"],
}

FULL = {"m1": 4, "m2": True, "m3": "partial", "m4": True, "m5": 2, "p1": 1, "retries": 0, "t": "87.4"}


def test_every_item_type_adds_its_points():
    sheet = parse_sheet(SKILLS)
    run = score_run(sheet, FULL)
    # m1 4x10=40, m2 25, m3 partial 10, m4 15 (m2 done), m5 2x5=10, p1 1x-5=-5, no retries +10 -> 105
    assert run.score == Decimal("105")
    assert run.time_seconds == Decimal("87.4") and run.penalties == Decimal("5")
    assert run.points["bonus:无重试奖励"] == Decimal("10")


def test_a_requirement_not_met_adds_nothing_and_retries_lose_the_bonus():
    sheet = parse_sheet(SKILLS)
    run = score_run(sheet, {**FULL, "m2": False, "retries": 1})
    # m1 40, m2 0, m3 10, m4 0 (gate closed), m5 10, p1 -5, bonus lost -> 55
    assert run.score == Decimal("55") and run.points["m4"] == Decimal("0")
    assert "bonus:无重试奖励" not in run.points


def test_nothing_defaults_to_zero_and_each_problem_names_its_item():
    sheet = parse_sheet(SKILLS)
    values = {k: v for k, v in FULL.items() if k != "m3"}
    values.update(m1=7, t="130")
    with pytest.raises(ValidationFailed) as refused:
        score_run(sheet, {**values, "zz": 1})
    assert refused.value.errors == [
        {"field": "items.zz", "message": "记分表中没有任务项“zz”。"},
        {"field": "items.m1", "message": "“搬运能量块”的值 7 超出范围 0–6。"},
        {"field": "items.m3", "message": "“停泊位置”还没有填写。"},
        {"field": "items.t", "message": "“用时”的值 130 超出范围 0–120。"},
    ]


def test_a_restriction_refuses_with_its_own_message():
    sheet = parse_sheet(SKILLS)
    with pytest.raises(ValidationFailed) as refused:
        score_run(sheet, {**FULL, "m1": 6, "m5": 3})  # 6 + 3 = 9 > 8
    assert refused.value.message == "场上只有 8 块能量块：m1 与 m5 合计不能超过 8。"
    assert refused.value.errors[0]["field"] == "items.m1,m5"


def test_wrong_answers_for_yes_no_choice_and_fractional_counts():
    sheet = parse_sheet(SKILLS)
    with pytest.raises(ValidationFailed) as refused:
        score_run(sheet, {**FULL, "m2": "yes", "m3": "half", "m1": "2.5"})
    assert [e["message"] for e in refused.value.errors] == [
        "“搬运能量块”必须是整数。",
        "“开启闸门”请选择是或否。",
        "“停泊位置”的选项只能是 none、partial、full。",
    ]


# a WRO-style sheet with a surprise rule drawn per round (现场抽签)
WRO = {
    "variants": [{"code": "A", "name": "红色积木放左侧"}, {"code": "B", "name": "红色积木放右侧"}],
    "items": [
        {"code": "base", "name": "回到基地", "type": "yesno", "points": 10},
        {"code": "left", "name": "左侧积木到位", "type": "count", "max": 2, "points": 15, "variants": ["A"]},
        {"code": "right", "name": "右侧积木到位", "type": "count", "max": 2, "points": 20, "variants": ["B"]},
        {"code": "t", "name": "用时", "type": "time"},
    ],
    "rounds": 2,
    "time_limit_seconds": 120,
    "counted": {"rule": "best_sum", "k": 2},
    "tiebreaks": ["time_of_counted"],
}


def test_the_drawn_variant_decides_which_items_are_played():
    sheet = parse_sheet(WRO)
    a = score_run(sheet, {"base": True, "left": 2, "t": 100}, variant="A")
    assert a.score == Decimal("40")  # 10 + 2x15
    b = score_run(sheet, {"base": False, "right": 1, "t": 119.5}, variant="B")
    assert b.score == Decimal("20") and b.time_seconds == Decimal("119.5")
    with pytest.raises(ValidationFailed) as refused:
        score_run(sheet, {"base": True, "right": 1, "t": 90}, variant="A")  # right is not played in A; left missing
    assert [e["field"] for e in refused.value.errors] == ["items.left"]
    with pytest.raises(ValidationFailed) as no_draw:
        score_run(sheet, {"base": True, "left": 1, "t": 90})
    assert no_draw.value.message == "请先记录本轮抽到的方案（A、B）。"
    with pytest.raises(ValidationFailed) as too_slow:
        score_run(sheet, {"base": True, "left": 1, "t": 121}, variant="A")
    assert too_slow.value.errors[0]["message"] == "“用时”121 秒超过时间限制 120 秒。"


def test_sheet_validation_names_the_item_and_why():
    bad = {
        "items": [
            {"code": "m1", "name": "任务一", "type": "count", "min": 3, "max": 1, "points": 5},
            {"code": "m1", "type": "yesno"},
            {"code": "m2", "type": "dance"},
            {"code": "m3", "type": "choice", "options": []},
            {"code": "m4", "type": "yesno", "requires": {"item": "m9", "at_least": 1}},
            {"code": "m5", "type": "count", "variants": ["Z"]},
        ],
        "restrictions": [{"items": ["m1", "m8"], "max": 3}],
        "rounds": 0,
        "counted": {"rule": "median"},
        "tiebreaks": ["coin_toss", "round:2"],
    }
    with pytest.raises(ValidationFailed) as refused:
        parse_sheet(bad)
    fields = [e["field"] for e in refused.value.errors]
    assert fields == [
        "items[0].max",
        "items[1].code",
        "items[2].type",
        "items[3].options",
        "items[5].variants",
        "items[4].requires",
        "restrictions[0].items",
        "restrictions[0].message",
        "rounds",
        "counted.rule",
        "tiebreaks[0]",
        "tiebreaks[1]",  # round 2 of a 1-round sheet (rounds fell back to 1)
    ]
    messages = {e["field"]: e["message"] for e in refused.value.errors}
    assert messages["items[0].max"] == "任务项“m1”的最大值 1 小于最小值 3。"
    assert messages["items[4].requires"] == "任务项“m4”的前提用到不存在的任务项“m9”。"
    assert refused.value.message.startswith("记分表有 12 处问题：")


def test_points_are_read_exactly_as_written():
    sheet = parse_sheet({"items": [{"code": "a", "type": "count", "max": 3, "points": 0.1}], "rounds": 1})
    assert score_run(sheet, {"a": 3}).score == Decimal("0.3")  # not 0.30000000000000004


# --- issue 13 findings: unknown keys, time limits, rules comparing items, a floor -------------


def refused_fields(data: dict) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as refused:
        parse_sheet(data, strict=True)
    return refused.value.errors


def test_unknown_keys_are_refused_with_their_path_and_the_key_meant():
    typo = {**SKILLS, "items": [*SKILLS["items"][:3], {**SKILLS["items"][3], "point": 20}, *SKILLS["items"][4:]]}
    assert refused_fields(typo) == [{"field": "items[3].point", "message": "items[3].point：未知的键，是不是 points？"}]
    at_least = {**SKILLS, "bonuses": [{"name": "三个推子", "points": 10, "when": {"item": "m1", "at_least": 2}}]}
    assert refused_fields(at_least) == [
        {
            "field": "bonuses[0].when.at_least",
            "message": "bonuses[0].when.at_least：未知的键；奖励条件只能用 at_most（不超过某个数量时加分）。",
        }
    ]
    max_of = {**SKILLS, "restrictions": [{"items": ["m5"], "max_of": "m1", "message": "m5 不多于 m1"}]}
    assert refused_fields(max_of)[0] == {
        "field": "restrictions[0].max_of",
        "message": "restrictions[0].max_of：未知的键，是不是 max_item？",
    }
    odd = {**SKILLS, "counted": {"rule": "best", "keep": 2}, "colour": "red"}
    assert [e["field"] for e in refused_fields(odd)] == ["colour", "counted.keep"]
    assert refused_fields(odd)[0]["message"].startswith("colour：未知的键；这里可用的键：items, restrictions")
    # read leniently once stored (a sheet stored before the check still scores as before)
    assert parse_sheet(typo).item("m4").points == Decimal(15)


def test_a_time_limit_given_twice_must_agree():
    both = {**SKILLS, "time_limit_seconds": 150}  # item t has max 120
    assert refused_fields(both) == [
        {
            "field": "items[7].max",
            "message": "用时任务项“t”的最大值 120 秒与记分表的时间限制 time_limit_seconds 150 秒不一致，"
            "不清楚以哪个为准：请只写其中一个，或把两者写成相同的秒数。",
        }
    ]
    assert parse_sheet({**SKILLS, "time_limit_seconds": 120}, strict=True).time_limit == Decimal(120)


def test_rules_cannot_read_the_value_of_a_choice():
    on_choice = {**SKILLS, "bonuses": [{"name": "停泊", "points": 5, "when": {"item": "m3", "at_most": 0}}]}
    assert [e["field"] for e in refused_fields(on_choice)] == ["bonuses[0].when.item"]


def test_a_restriction_bounded_by_another_item_and_a_floor_for_the_total():
    from tests.judging.robotics.referee_sheet import FLL_RUN_45, FLL_RUN_FLOOR, FLL_RUN_REFUSED, FLL_SHEET

    sheet = parse_sheet(FLL_SHEET, strict=True)
    # 10 + 20 + 3 x 5 + 2 x 5 - 10 = 45
    assert score_run(sheet, FLL_RUN_45).score == Decimal(45)
    # 0 + 0 (m02b needs m02) - 4 x 10 = -40, floored at 0; the penalties are still 40
    floored = score_run(sheet, FLL_RUN_FLOOR)
    assert (floored.score, floored.penalties) == (Decimal(0), Decimal(40))
    without_floor = parse_sheet({k: v for k, v in FLL_SHEET.items() if k != "min_total"})
    assert score_run(without_floor, FLL_RUN_FLOOR).score == Decimal(-40)
    with pytest.raises(ValidationFailed) as refused:
        score_run(sheet, FLL_RUN_REFUSED)  # 3 destinations, 2 audience members
    assert refused.value.errors == [{"field": "items.m14b", "message": "有观众的目的地数不能多于送达的观众人数。"}]
    assert score_run(sheet, {**FLL_RUN_REFUSED, "m14a": 3}).score == Decimal(10 + 15 + 15)
    bad = {**FLL_SHEET, "restrictions": [{"items": ["m14b"], "max_item": "zz", "max": 3, "message": "x"}]}
    assert [e["field"] for e in refused_fields(bad)] == ["restrictions[0].max_item", "restrictions[0].max"]
