"""Judging part of ``xinmiao demo``: judges with categories and schools (so conflicts
apply), the default CASTIC-style rubric, three judges per approved entry, and scores for
most assignments, leaving ``judge1`` some entries to score by hand; and the robotics
competition (:func:`build_robotics_demo`)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app import times
from app.accounts import services as accounts
from app.db import write_transaction
from app.tables import School, User
from competitions.events.tables import Category, Event
from judging.panels import assignments
from judging.panels import services as panels
from judging.panels.tables import EventJudge
from judging.scoring import rubric
from judging.scoring.rubric import DEFAULT_CRITERIA
from judging.scoring.services import total_of
from judging.scoring.tables import Assignment, Score

JUDGE_NAMES = (
    "林教授",
    "陈研究员",
    "王工程师",
    "符老师",
    "吴教授",
    "李高工",
    "黄老师",
    "周博士",
    "郑研究员",
    "许教授",
    "邢老师",
    "云工程师",
    "冯教授",
    "韩老师",
    "曾博士",
    "谢研究员",
    "唐老师",
    "罗教授",
)


async def build_judging_demo(password: str, seed: int = 2026) -> bool:
    """Add judges, rubric, assignments and scores to the demo contest unless present.
    Returns ``True`` if it was created."""
    event = await Event.select(Event.id).where(Event.kind == "innovation").order_by(Event.id).first()
    if event is None or await EventJudge.exists().where(EventJudge.event == event["id"]):
        return False
    event_id = event["id"]
    rng = random.Random(seed)
    org = accounts.principal_of(await User.select().where(User.username == "org").first())
    codes = [
        c["code"]
        for c in await Category.select(Category.code).where(Category.event == event_id).order_by(Category.position)
    ]
    schools = [s["code"] for s in await School.select(School.code)]
    await rubric.set_rubric(org, event_id, [dict(c) for c in DEFAULT_CRITERIA])
    await panels.add_judge(org, event_id, {"username": "judge1", "category_codes": codes[:3]})
    for i, name in enumerate(JUDGE_NAMES):
        username = f"judge{i + 2:02d}"
        await accounts.create_user(None, username=username, password=password, role="judge", display_name=name)
        mine = [codes[(i + k) % len(codes)] for k in range(4)]
        await panels.add_judge(
            org, event_id, {"username": username, "category_codes": mine, "school_code": rng.choice(schools)}
        )
    await assignments.generate(org, event_id, 3, seed=seed)
    judge1 = await User.select(User.id).where(User.username == "judge1").first()
    rows = await Assignment.select(Assignment.id, Assignment.round, Assignment.entry, Assignment.judge)
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    quality = {}
    scores = []
    for a in rows:
        if a["judge"] == judge1["id"] or rng.random() < 0.12:
            continue  # judge1 scores by hand; a few sheets still outstanding
        base = quality.setdefault(a["entry"], rng.uniform(5.5, 9.5))
        points = {c["code"]: str(max(0, min(10, round(base + rng.uniform(-1.2, 1.2), 1)))) for c in criteria}
        total, complete = total_of(criteria, points)
        scores.append(
            Score(
                assignment=a["id"],
                round=a["round"],
                entry=a["entry"],
                judge=a["judge"],
                points=points,
                total=total,
                complete=complete,
                comment="",
                version=1,
            )
        )

    async def work() -> None:
        for start in range(0, len(scores), 300):
            await Score.insert(*scores[start : start + 300])

    await write_transaction(work)
    return True


# --- the robotics competition ----------------------------------------------------------------------

#: a 机器人综合技能-style task sheet: counts, a choice, a requirement, a restriction, a no-retry bonus
SKILLS_SHEET: dict[str, Any] = {
    "items": [
        {"code": "m1", "name": "把能量块运到平台", "type": "count", "min": 0, "max": 6, "points": 15},
        {"code": "m2", "name": "把能量块运到高台", "type": "count", "min": 0, "max": 6, "points": 30},
        {"code": "m3", "name": "开启闸门", "type": "yesno", "points": 20},
        {
            "code": "m4",
            "name": "插上旗帜",
            "type": "choice",
            "options": [
                {"value": "none", "name": "未插上", "points": 0},
                {"value": "partly", "name": "插上但倾斜", "points": 10},
                {"value": "fully", "name": "完全竖直", "points": 25},
            ],
        },
        {"code": "m5", "name": "回到基地", "type": "yesno", "points": 10, "requires": {"item": "m3", "at_least": 1}},
        {"code": "p1", "name": "人工干预（重试）", "type": "count", "min": 0, "max": 5, "points": -10},
        {"code": "t", "name": "用时", "type": "time", "max": 150},
    ],
    "restrictions": [
        {"items": ["m1", "m2"], "max": 6, "message": "场上只有 6 个能量块：平台与高台合计不能超过 6 个。"}
    ],
    "bonuses": [{"name": "无重试奖励", "points": 20, "when": {"item": "p1", "at_most": 0}}],
    "rounds": 3,
    "counted": {"rule": "best"},
    "tiebreaks": ["time_of_counted", "next_best"],
    "time_limit_seconds": 150,
}

#: a WRO-style sheet with a surprise rule drawn on site (现场抽签: variants A, B, C per round)
WRO_SHEET: dict[str, Any] = {
    "items": [
        {"code": "w1", "name": "物料放入同色区域", "type": "count", "min": 0, "max": 4, "points": 12},
        {"code": "w2", "name": "物料放入区域但颜色不符", "type": "count", "min": 0, "max": 4, "points": 5},
        {"code": "w3", "name": "移动或损坏墙体", "type": "count", "min": 0, "max": 2, "points": -7},
        {
            "code": "w4",
            "name": "机器人停入终点区",
            "type": "choice",
            "options": [
                {"value": "full", "name": "完全停入", "points": 13},
                {"value": "partial", "name": "部分停入", "points": 7},
                {"value": "no", "name": "未停入", "points": 0},
            ],
        },
        {"code": "sa", "name": "惊喜任务 A：推倒信号塔", "type": "yesno", "points": 10, "variants": ["A"]},
        {"code": "sb", "name": "惊喜任务 B：把小球送回起点", "type": "yesno", "points": 10, "variants": ["B"]},
        {"code": "sc", "name": "惊喜任务 C：把黄色物料放到高处", "type": "yesno", "points": 12, "variants": ["C"]},
        {"code": "t", "name": "用时", "type": "time", "max": 120},
    ],
    "restrictions": [
        {"items": ["w1", "w2"], "max": 4, "message": "场上只有 4 个物料：同色与不同色合计不能超过 4 个。"}
    ],
    "bonuses": [{"name": "墙体完好奖励", "points": 6, "when": {"item": "w3", "at_most": 0}}],
    "variants": [
        {"code": "A", "name": "抽签方案 A（信号塔）"},
        {"code": "B", "name": "抽签方案 B（小球）"},
        {"code": "C", "name": "抽签方案 C（黄色物料）"},
    ],
    "rounds": 3,
    "counted": {"rule": "best_sum", "k": 2},
    "tiebreaks": ["time_of_counted", "round:3"],
    "time_limit_seconds": 120,
}

ROBOTICS_CATEGORIES = (
    ("R1", "机器人综合技能", ("小学", "初中")),
    ("R2", "WRO 常规赛", ("初中", "高中")),
    ("C1", "机器人创意比赛", ("初中", "高中")),
)
TEAM_WORDS = (
    "飞龙 海燕 椰风 星火 雷霆 蓝鲸 极光 远航 火箭 猎豹 银河 启明 凌云 追风 天工 鲲鹏 海浪 旋风 北斗 赤兔".split()
)
ROBOTICS_LOGINS = (
    ("referee2", "referee", "机器人竞赛 WRO 常规赛裁判（referee1 为综合技能裁判）"),
    ("headref", "referee", "机器人竞赛主裁判：审核成绩"),
)
ROUND_VARIANTS = {1: "A", 2: "B", 3: "C"}  # drawn on the day, one per round for the whole challenge


def _skills_run(rng: random.Random, skill: float) -> dict[str, Any]:
    """A plausible 综合技能 run for a team of ``skill`` (0–1)."""
    blocks = min(6, max(0, round(rng.gauss(skill * 6, 1.2))))
    high = min(blocks, max(0, round(rng.gauss(skill * 3, 1))))
    gate = rng.random() < 0.35 + skill * 0.6
    retries = max(0, round(rng.gauss((1 - skill) * 2, 0.8)))
    return {
        "m1": blocks - high,
        "m2": high,
        "m3": gate,
        "m4": rng.choices(("none", "partly", "fully"), (1 - skill, 0.5, skill))[0],
        "m5": gate and rng.random() < 0.7,
        "p1": min(5, retries),
        "t": str(round(rng.uniform(150 - skill * 70, 150), 1)),
    }


def _wro_run(rng: random.Random, skill: float, variant: str) -> dict[str, Any]:
    right = min(4, max(0, round(rng.gauss(skill * 4, 0.9))))
    wrong = min(4 - right, max(0, round(rng.gauss((1 - skill) * 1.5, 0.7))))
    items: dict[str, Any] = {
        "w1": right,
        "w2": wrong,
        "w3": min(2, max(0, round(rng.gauss((1 - skill) * 1.2, 0.6)))),
        "w4": rng.choices(("full", "partial", "no"), (skill, 0.4, 1 - skill))[0],
        "t": str(round(rng.uniform(120 - skill * 50, 120), 1)),
    }
    items["s" + variant.lower()] = rng.random() < skill
    return items


def school_divisions(name: str) -> tuple[str, ...]:
    """The divisions a school's students can be in, by its name: a 小学 only 小学; a 初级中学 初中;
    a 高级中学 高中; another 中学 初中 and 高中; anything else (九年一贯制, 学校) every division."""
    if "小学" in name:
        return ("小学",)
    if "初级中学" in name or "初中" in name:
        return ("初中",)
    if "高级中学" in name or "高中" in name:
        return ("高中",)
    if "中学" in name:
        return ("初中", "高中")
    return ("小学", "初中", "高中")


async def build_robotics_demo(password: str, seed: int = 2026) -> bool:
    """The 2026 robotics competition: challenges R1 (综合技能 task sheet), R2 (WRO-style with a
    surprise rule drawn per round) and a judged 创意 category C1 (rubric, a judge); about 70 teams;
    referees ``referee1`` (R1), ``referee2`` (R2) and head referee ``headref`` (both); runs in
    rounds 1–2 approved, round 3 partly recorded and awaiting approval, some teams left for
    ``referee1`` to record by hand. Returns ``True`` if it was created."""
    from competitions import demo as province
    from competitions.events import services as events
    from competitions.registration.members import MemberInput
    from competitions.registration.services import create_entry
    from judging.robotics import services as robotics

    if await Event.exists().where(Event.kind == "robotics"):
        return False
    org_row = await User.select().where(User.username == "org").first()
    if org_row is None:
        return False
    org = accounts.principal_of(org_row)
    rng = random.Random(seed)
    now = times.now()
    event = await events.create_event(
        org,
        {
            "name": "2026年海南省青少年机器人竞赛",
            "kind": "robotics",
            "year": 2026,
            "status": "open",
            "registration_opens_at": (now - dt.timedelta(days=40)).isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=1)).isoformat(),
            "min_team_size": 2,
            "max_team_size": 3,
        },
    )
    event_id = event["id"]
    for code, name, _divisions in ROBOTICS_CATEGORIES:
        await events.add_category(org, event_id, {"code": code, "name": name})
    schools = await School.select(School.code, School.name, School.region).order_by(School.code)
    teams: dict[str, list[tuple[int, float]]] = {}
    titles: dict[str, set[str]] = {}
    seq = 0
    for code, _name, divisions in ROBOTICS_CATEGORIES:
        count = 12 if code == "C1" else 30
        for i in range(count):
            division = divisions[i % len(divisions)]
            fitting = [s for s in schools if division in school_divisions(s["name"])]
            school = fitting[(i * 7 + len(code) + seq) % len(fitting)]
            members = []
            for _k in range(rng.choice((2, 2, 3))):
                seq += 1
                gender = rng.choice("男女")
                members.append(
                    MemberInput(
                        role="student",
                        name=rng.choice(province.SURNAMES) + rng.choice(province.GIVEN),
                        gender=gender,
                        id_number=province._id_number(rng, school["region"], division, gender, 5000 + seq),
                        grade=rng.choice(province.GRADES[division]),
                        phone=province._phone(rng),
                        consent_participation=True,
                        consent_publication=rng.random() < 0.85,
                    )
                )
            members.append(
                MemberInput(
                    role="adviser",
                    name=rng.choice(province.SURNAMES) + rng.choice(province.GIVEN),
                    phone=province._phone(rng),
                )
            )
            taken = titles.setdefault(school["code"], set())
            word = next(
                TEAM_WORDS[(i + seq + k) % len(TEAM_WORDS)]
                for k in range(len(TEAM_WORDS))
                if f"{school['name'][:2]}{TEAM_WORDS[(i + seq + k) % len(TEAM_WORDS)]}队" not in taken
            )
            title = f"{school['name'][:2]}{word}队"  # 海口飞龙队 (one of each name per school)
            taken.add(title)
            made = await create_entry(
                org,
                event_id,
                {"title": title, "category": code, "division": division, "school_code": school["code"]},
                members,
            )
            teams.setdefault(code, []).append((made["id"], rng.uniform(0.25, 0.95)))
    await events.update_event(org, event_id, {"status": "closed"})  # registration over: competition day
    await robotics.put_sheet(org, event_id, "R1", SKILLS_SHEET)
    await robotics.put_sheet(org, event_id, "R2", WRO_SHEET)
    for username, name in (("referee2", "WRO 裁判 李老师"), ("headref", "主裁判 王老师")):
        if not await User.exists().where(User.username == username):
            await accounts.create_user(None, username=username, password=password, role="referee", display_name=name)
    await robotics.add_referee(org, event_id, {"username": "referee1", "category_codes": ["R1"], "head": False})
    await robotics.add_referee(org, event_id, {"username": "referee2", "category_codes": ["R2"], "head": False})
    await robotics.add_referee(org, event_id, {"username": "headref", "category_codes": ["R1", "R2"], "head": True})
    by = {
        u: accounts.principal_of(await User.select().where(User.username == u).first())
        for u in ("referee1", "referee2", "headref")
    }
    for code, referee in (("R1", "referee1"), ("R2", "referee2")):
        for n, (entry_id, skill) in enumerate(teams[code]):
            for round_no in (1, 2, 3):
                if round_no == 3 and n % 3 == 0:
                    continue  # round 3 still to run: the referee records these by hand
                variant = ROUND_VARIANTS[round_no] if code == "R2" else None
                items = _skills_run(rng, skill) if code == "R1" else _wro_run(rng, skill, variant or "A")
                stored, _created = await robotics.submit_run(
                    by[referee],
                    robotics.RunInput(
                        entry_id=entry_id, category_code=code, round=round_no, items=items, variant=variant
                    ),
                )
                if round_no < 3 or n % 3 == 1:
                    await robotics.approve_run(by["headref"], stored["id"])
    # the 创意 category is judged with the contest's rubric by one judge
    await rubric.set_rubric(org, event_id, [dict(c) for c in DEFAULT_CRITERIA])
    await panels.add_judge(org, event_id, {"username": "judge1", "category_codes": ["C1"]})
    await assignments.generate(org, event_id, 1, seed=seed)
    return True
