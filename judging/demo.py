"""Judging part of ``xinmiao demo``: judges with categories and schools (so conflicts
apply), the default CASTIC-style rubric, three judges per approved entry, and scores for
most assignments, leaving ``judge1`` some entries to score by hand."""

from __future__ import annotations

import random

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
