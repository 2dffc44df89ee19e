"""A score sheet with every item type, a requirement, a restriction, a bonus, drawn variants and a
time limit, and two runs whose scores are computed by hand (used by the referee page tests and
the browser test)."""

from __future__ import annotations

FULL_SHEET = {
    "items": [
        {"code": "m1", "name": "搬运能量块", "type": "count", "min": 0, "max": 6, "points": "12.5"},
        {"code": "m2", "name": "开启闸门", "type": "yesno", "points": 25},
        {
            "code": "m3",
            "name": "升起旗帜",
            "type": "count",
            "min": 0,
            "max": 2,
            "points": 15,
            "requires": {"item": "m2", "at_least": 1},
        },
        {
            "code": "park",
            "name": "停靠位置",
            "type": "choice",
            "options": [
                {"value": "full", "name": "完全进入", "points": 20},
                {"value": "part", "name": "部分进入", "points": 10},
                {"value": "none", "name": "未进入", "points": 0},
            ],
        },
        {"code": "p1", "name": "触碰场地", "type": "count", "min": 0, "max": 5, "points": -5},
        {"code": "retry", "name": "重试次数", "type": "count", "min": 0, "max": 3, "points": 0},
        {"code": "s", "name": "点亮信号灯", "type": "yesno", "points": 30, "variants": ["A"]},
        {"code": "t", "name": "用时", "type": "time"},
    ],
    "restrictions": [{"items": ["m1", "p1"], "max": 8, "message": "能量块与触碰次数合计不能超过 8。"}],
    "bonuses": [{"name": "无重试", "points": 10, "when": {"item": "retry", "at_most": 0}}],
    "variants": [{"code": "A", "name": "信号灯"}, {"code": "B", "name": "无附加任务"}],
    "rounds": 2,
    "counted": {"rule": "best"},
    "tiebreaks": ["time_of_counted"],
    "time_limit_seconds": 120,
}

# variant A: 4 x 12.5 + 25 + 2 x 15 (m2 done) + 20 - 1 x 5 + 0 + 10 (no retry) + 30 = 160.0
RUN_160 = {"m1": 4, "m2": True, "m3": 2, "park": "full", "p1": 1, "retry": 0, "s": True, "t": "87.4"}
# variant A: 2 x 12.5 + 0 + 0 (m3 needs m2) + 10 + 0 + 0 (a retry: no bonus) + 0 = 35.0
RUN_35 = {"m1": 2, "m2": False, "m3": 1, "park": "part", "p1": 0, "retry": 1, "s": False, "t": "100"}

# FLL 2023-24 MASTERPIECE-like rules (issue 13 findings): M14 "destinations with audience at most
# the audience members delivered" as a restriction bounded by another item (max_item), a
# "both tables" bonus as a yesno with requires, and a floor for the total (min_total 0).
FLL_SHEET = {
    "items": [
        {"code": "m02", "name": "M02 红旗放下", "type": "yesno", "points": 10},
        {
            "code": "m02b",
            "name": "M02 两张场地颜色相同",
            "type": "yesno",
            "points": 20,
            "requires": {"item": "m02", "at_least": 1},
        },
        {"code": "m14a", "name": "M14 送达的观众", "type": "count", "min": 0, "max": 7, "points": 5},
        {"code": "m14b", "name": "M14 有观众的目的地", "type": "count", "min": 0, "max": 7, "points": 5},
        {"code": "pen", "name": "损坏场地", "type": "count", "min": 0, "max": 6, "points": -10},
    ],
    "restrictions": [{"items": ["m14b"], "max_item": "m14a", "message": "有观众的目的地数不能多于送达的观众人数。"}],
    "rounds": 3,
    "counted": {"rule": "best"},
    "tiebreaks": ["next_best"],
    "min_total": 0,
}
# 10 + 20 (m02 done) + 3 x 5 + 2 x 5 - 1 x 10 = 45
FLL_RUN_45 = {"m02": True, "m02b": True, "m14a": 3, "m14b": 2, "pen": 1}
# 0 + 0 (m02b needs m02) + 0 + 0 - 4 x 10 = -40 -> the floor: 0
FLL_RUN_FLOOR = {"m02": False, "m02b": True, "m14a": 0, "m14b": 0, "pen": 4}
# m14b 3 > m14a 2: refused with the restriction's message
FLL_RUN_REFUSED = {"m02": True, "m02b": False, "m14a": 2, "m14b": 3, "pen": 0}
