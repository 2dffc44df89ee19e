"""Matches part of ``xinmiao demo`` (issue 14 item 7): the demo robotics competition gets a 2v2
alliance challenge (V1 VEX 风格对抗赛) with 24 teams, a generated qualification schedule starting
this morning, the first matches played and committed (cards given to teams, as referees give them:
a yellow card in match 4, a red card in match 9), one scored and waiting for the head referee, and
the alliance selection and bracket still to come. Referees: ``referee2``, head referee ``headref``
(both made by the robotics demo). Deterministic (seeded) and idempotent."""

from __future__ import annotations

import random
from typing import Any

from app import times
from app.accounts import services as accounts
from app.db import write_transaction
from app.tables import School, User
from competitions import demo as province
from competitions.events.tables import Category, Event
from competitions.registration.members import MemberInput, clean_member
from competitions.registration.services import allocate_codes
from competitions.registration.tables import Entry, Member
from judging.matches import services as matches
from judging.matches.tables import MatchPlan
from judging.robotics import services as robotics

CODE = "V1"
NAME = "VEX 风格对抗赛（2v2）"
TEAMS = 24
PLAYED = 20  # matches committed; the next one is scored and waits for the head referee
YELLOW_CARD_MATCH = 4  # a blue team's yellow card (a warning)
RED_CARD_MATCH = 9  # a red team's red card: that team gets nothing from the match, its partner plays on

#: a 2v2 alliance game: both alliances play the same sheet; fouls subtract
MATCH_SHEET: dict[str, Any] = {
    "items": [
        {"code": "goals", "name": "低位得分", "type": "count", "min": 0, "max": 30, "points": 3},
        {"code": "high", "name": "高位得分", "type": "count", "min": 0, "max": 12, "points": 5},
        {
            "code": "park",
            "name": "结束时停靠",
            "type": "choice",
            "options": [
                {"value": "none", "name": "未停靠", "points": 0},
                {"value": "one", "name": "一台停靠", "points": 5},
                {"value": "both", "name": "两台停靠", "points": 12},
            ],
        },
        {"code": "fouls", "name": "犯规", "type": "count", "min": 0, "max": 10, "points": -3},
    ],
    "rounds": 1,
    "counted": {"rule": "best"},
    "tiebreaks": [],
}
WORDS = "破晓 雷鸣 星河 烈焰 极速 青鸾 玄武 白虎 朱雀 苍龙 逐浪 凌霄".split()


def _side(rng: random.Random, strength: float) -> dict[str, Any]:
    goals = max(0, min(30, round(rng.gauss(6 + strength * 12, 3))))
    high = max(0, min(12, round(rng.gauss(strength * 5, 1.5))))
    return {
        "items": {
            "goals": goals,
            "high": high,
            "park": rng.choices(("none", "one", "both"), (1 - strength, 0.5, strength))[0],
            "fouls": max(0, min(10, round(rng.gauss(1 - strength, 0.8)))),
        },
    }


def _cards(rng: random.Random, match: dict[str, Any]) -> dict[str, str | None]:
    """Cards go to teams, not alliances (VEX): now and then a team's yellow card, and in
    :data:`RED_CARD_MATCH` one team's red card (its partner keeps the alliance's result). Every
    team of the match is answered (``None``: no card), as a referee's tablet sends them."""
    teams = match["red"] + match["blue"]
    cards: dict[str, str | None] = {str(t): ("yellow" if rng.random() < 0.03 else None) for t in teams}
    if match["number"] == YELLOW_CARD_MATCH:
        cards[str(match["blue"][1])] = "yellow"
    if match["number"] == RED_CARD_MATCH:
        cards[str(match["red"][0])] = "red"
    return cards


async def _teams(event_id: int, category_id: int, rng: random.Random) -> None:
    """24 secondary-school teams of 2-3 students and a coach, written directly (registration is
    closed by the time the competition day comes; the organizer entered them beforehand)."""
    schools = [
        s
        for s in await School.select(School.id, School.code, School.name, School.region).order_by(School.code)
        if "小学" not in s["name"]
    ]
    org = await User.select(User.id).where(User.username == "org").first()
    plan = []
    for i in range(TEAMS):
        school = schools[(i * 5 + 3) % len(schools)]
        division = "初中" if i % 2 else "高中"
        plan.append(
            (school, division, f"{school['name'][:2]}{WORDS[i % len(WORDS)]}{'队' if i < len(WORDS) else '二队'}")
        )
    codes = await allocate_codes(event_id, CODE, [p[1] for p in plan])
    now = times.now()

    async def work() -> None:
        rows = [
            Entry(
                event=event_id,
                code=code,
                title=title,
                school=school["id"],
                category=category_id,
                division=division,
                status="approved",
                created_by=org["id"] if org else None,
                submitted_at=now,
            )
            for (school, division, title), code in zip(plan, codes)
        ]
        ids = [r["id"] for r in await Entry.insert(*rows).returning(Entry.id)]
        members = []
        seq = 0
        for entry_id, (school, division, _title) in zip(ids, plan):
            for position in range(rng.choice((2, 2, 3))):
                seq += 1
                gender = rng.choice("男女")
                member, errors = clean_member(
                    MemberInput(
                        role="student",
                        name=rng.choice(province.SURNAMES) + rng.choice(province.GIVEN),
                        gender=gender,
                        id_number=province._id_number(rng, school["region"], division, gender, 8000 + seq),
                        grade=rng.choice(province.GRADES[division]),
                        phone=province._phone(rng),
                        consent_participation=True,
                        consent_publication=rng.random() < 0.85,
                    ),
                    division,
                )
                assert not errors, errors
                members.append(
                    Member(
                        entry=entry_id,
                        event=event_id,
                        school=school["id"],
                        position=position,
                        consent_recorded_by=org["id"] if org else None,
                        consent_recorded_at=now,
                        **member.columns(),
                    )
                )
            coach, errors = clean_member(
                MemberInput(
                    role="adviser",
                    name=rng.choice(province.SURNAMES) + rng.choice(province.GIVEN),
                    phone=province._phone(rng),
                ),
                division,
            )
            assert not errors, errors
            members.append(Member(entry=entry_id, event=event_id, school=school["id"], position=10, **coach.columns()))
        for start in range(0, len(members), 300):
            await Member.insert(*members[start : start + 300])

    await write_transaction(work)


async def build_matches_demo(seed: int = 2026) -> bool:
    """Add the 2v2 challenge to the demo robotics competition unless present. Returns ``True`` if
    it was created (``False`` without the robotics demo)."""
    event = await Event.select(Event.id).where(Event.kind == "robotics").order_by(Event.id).first()
    if event is None or await MatchPlan.exists().where(MatchPlan.event == event["id"]):
        return False
    users = {u["username"]: u for u in await User.select().where(User.username.is_in(["org", "referee2", "headref"]))}
    if len(users) < 3:
        return False
    org, referee, head = (accounts.principal_of(users[u]) for u in ("org", "referee2", "headref"))
    event_id = event["id"]
    rng = random.Random(seed)
    if not await Category.exists().where((Category.event == event_id) & (Category.code == CODE)):
        position = await Category.count().where(Category.event == event_id)
        await Category.insert(Category(event=event_id, code=CODE, name=NAME, position=position))
    category = await Category.select(Category.id).where((Category.event == event_id) & (Category.code == CODE)).first()
    await _teams(event_id, category["id"], rng)
    await robotics.put_sheet(org, event_id, CODE, MATCH_SHEET)
    await robotics.add_referee(org, event_id, {"username": "referee2", "category_codes": ["R2", CODE], "head": False})
    await robotics.add_referee(
        org, event_id, {"username": "headref", "category_codes": ["R1", "R2", CODE], "head": True}
    )
    morning = times.local_now().replace(hour=9, minute=0, second=0, microsecond=0)
    made = await matches.create_schedule(
        org,
        event_id,
        CODE,
        {
            "matches_per_team": 6,
            "teams_per_alliance": 2,
            "fields": 2,
            "min_gap": 2,
            "seed": seed,
            "starts_at": morning.isoformat(),
            "cycle_seconds": 300,
        },
        in_process=True,
    )
    strength = {t: rng.uniform(0.2, 0.95) for m in made["matches"] for t in m["red"] + m["blue"]}
    for match in made["matches"][: PLAYED + 1]:
        red = _side(rng, sum(strength[t] for t in match["red"]) / 2)
        blue = _side(rng, sum(strength[t] for t in match["blue"]) / 2)
        cards = _cards(rng, match)
        await matches.score_match(referee, match["id"], {"red": red, "blue": blue, "cards": cards})
        if match["number"] <= PLAYED:
            await matches.commit_match(head, match["id"])
    return True
