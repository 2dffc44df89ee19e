"""``xinmiao demo``: the 大手拉小手 outreach programme on the demo province: 10 experts (three log in:
``expert1``–``expert3``), 40 topics, 60 school requests, and two tours planned with the planner: one
six weeks ago, delivered (most talks confirmed by their schools with audience and ratings, hours recorded,
two left unconfirmed for the office's list), one three weeks ahead, confirmed (schools and experts
notified). About 25 requests for the weeks after stay open for a fresh user to plan a tour. Deterministic
(seeded), idempotent (skipped when experts exist), a second or so."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app import times
from app.accounts import services as accounts
from app.plugins import DEMO_PASSWORD
from app.security import encrypt_pii, mask_phone
from app.tables import School, User
from competitions.outreach import planner, tours
from competitions.outreach.services import create_expert, create_topic, monday
from competitions.outreach.tables import Expert, ExpertAvailability, Talk, TalkRequest, Topic

DEMO_USERS = (("expert1", "expert", "专家：我的科普报告、行程单、记录工作时长"),)

# name, title, affiliation, regions travelled to (short names; empty: anywhere), generally available, account
EXPERTS = (
    ("林海川", "研究员", "中国科学院南海海洋研究所", (), True, "expert1"),
    ("陈星辰", "高级工程师", "文昌航天发射场", ("文昌", "海口", "琼海", "定安"), False, "expert2"),
    ("符椰青", "研究员", "中国热带农业科学院", (), False, "expert3"),
    ("王南繁", "研究员", "国家南繁科研育种基地", ("三亚", "乐东", "陵水", "保亭"), True, None),
    ("吴气象", "正高级工程师", "海南省气象局", (), False, None),
    ("黎锦华", "教授", "海南师范大学", ("五指山", "琼中", "白沙", "保亭", "屯昌"), True, None),
    ("张深蓝", "研究员", "中国科学院深海科学与工程研究所", ("三亚", "陵水", "乐东", "东方"), False, None),
    ("羊雨林", "科普作家", "海南省科普作家协会", (), True, None),
    ("邢杏林", "主任医师", "海南医科大学", ("海口", "澄迈", "临高", "儋州"), False, None),
    ("云智能", "副教授", "海南大学计算机学院", ("海口", "儋州", "昌江", "东方", "临高"), False, None),
)
TOPICS = (
    (
        ("深海里的生命", "海洋", "初中高中"),
        ("珊瑚礁为什么会变白", "海洋", "小学初中"),
        ("海水里的盐从哪里来", "海洋", "小学"),
        ("走进“深海勇士”号", "海洋", "高中"),
    ),
    (
        ("火箭是怎样飞上天的", "航天", "小学初中"),
        ("文昌航天城的一天", "航天", "小学初中高中"),
        ("从长征五号到空间站", "航天", "初中高中"),
        ("太空里的植物", "航天", "小学"),
    ),
    (
        ("一颗橡胶籽的旅行", "农业", "小学"),
        ("热带水果的秘密", "农业", "小学初中"),
        ("土壤里的微生物", "生物", "初中高中"),
        ("椰子树为什么不怕台风", "农业", "小学初中"),
    ),
    (
        ("一粒种子改变世界", "农业", "初中高中"),
        ("南繁育种的故事", "农业", "小学初中"),
        ("杂交水稻是怎么来的", "生物", "初中高中"),
        ("会变色的玉米", "生物", "小学"),
    ),
    (
        ("台风是怎样形成的", "气象", "小学初中高中"),
        ("看懂天气预报", "气象", "小学"),
        ("气候变化与海南", "气象", "高中"),
        ("雷电与安全", "气象", "小学初中"),
    ),
    (
        ("黎锦里的数学", "数学", "小学初中"),
        ("五指山的植物王国", "生物", "小学初中"),
        ("用数据看家乡", "数学", "高中"),
        ("雨林里的昆虫", "生物", "小学"),
    ),
    (
        ("万米深渊有什么", "海洋", "初中高中"),
        ("海底的火山和热泉", "海洋", "高中"),
        ("深潜器是怎样造出来的", "工程", "初中高中"),
        ("会发光的海洋生物", "海洋", "小学初中"),
    ),
    (
        ("科学家是怎样想问题的", "科学方法", "小学初中高中"),
        ("写一篇科学小论文", "科学方法", "初中高中"),
        ("身边的科学小实验", "物理", "小学"),
        ("恐龙去哪儿了", "生物", "小学初中"),
    ),
    (
        ("我们的身体会说话", "医学", "小学初中"),
        ("近视是怎么回事", "医学", "小学初中"),
        ("疫苗的故事", "医学", "初中高中"),
        ("急救小常识", "医学", "小学初中高中"),
    ),
    (
        ("人工智能会思考吗", "信息技术", "初中高中"),
        ("给机器人编程", "信息技术", "小学初中"),
        ("数据里的秘密", "信息技术", "高中"),
        ("网络安全小课堂", "信息技术", "小学初中"),
    ),
)
EQUIPMENT = ("投影仪、麦克风", "投影仪、音响", "投影仪", "室外场地、音响")
COMMENTS = ("学生们很喜欢，提问很踊跃。", "内容生动，讲得很好。", "希望明年再来。", "", "时间有点短，意犹未尽。", "")


def _division(school_name: str, rng: random.Random) -> str:
    if "小学" in school_name:
        return "小学"
    return rng.choice(("初中", "高中", "初中"))


async def build_outreach_demo(seed: int = 2026) -> bool:
    """Create the outreach demo unless experts exist. Returns ``True`` if it was created."""
    if await Expert.exists():
        return False
    org_row = await User.select(User.id).where(User.username == "org").first()
    if org_row is None:
        return False
    org = await accounts.load_principal(org_row["id"])
    rng = random.Random(seed)
    today = times.local_now().date()
    past = monday(today) - dt.timedelta(weeks=6)
    coming = monday(today) + dt.timedelta(weeks=3)

    expert_ids: list[int] = []
    for k, (name, title, affiliation, regions, general, username) in enumerate(EXPERTS):
        if username:
            await accounts.create_user(
                None, username=username, password=DEMO_PASSWORD, role="expert", display_name=name
            )
        made = await create_expert(
            org,
            {
                "name": name,
                "title": title,
                "affiliation": affiliation,
                "regions": list(regions),
                "generally_available": general,
                "username": username,
                "phone": f"139{rng.randint(0, 99999999):08d}",
                "bio": f"{affiliation}{title}，长期参与青少年科普。",
            },
        )
        expert_ids.append(made["id"])
        for title_, subject, divisions in TOPICS[k]:
            await create_topic(
                org,
                made["id"],
                {
                    "title": title_,
                    "subject": subject,
                    "divisions": [d for d in ("小学", "初中", "高中") if d in divisions],
                    "duration_minutes": rng.choice((45, 60, 60, 90)),
                    "equipment": rng.choice(EQUIPMENT),
                    "summary": f"{title_}：从身边的现象讲起，结合实物和小实验。",
                },
            )
    # availability windows for those not generally available: the two tours' weeks and the open weeks
    windows = []
    for k, expert_id in enumerate(expert_ids):
        if EXPERTS[k][4]:
            continue
        for start in (past, coming, coming + dt.timedelta(weeks=1), coming + dt.timedelta(weeks=2)):
            if rng.random() < 0.8:
                windows.append(
                    ExpertAvailability(expert=expert_id, starts_on=start, ends_on=start + dt.timedelta(days=4))
                )
    if windows:
        await ExpertAvailability.insert(*windows)

    schools = await School.select(School.id, School.code, School.name, School.region).where(School.region.is_not_null())
    schools.sort(key=lambda s: s["code"])
    rng.shuffle(schools)
    hk = next((s for s in schools if s["name"] == "海口市第一中学"), None)
    if hk is not None:  # the demo school account's school asks in both tours' weeks
        schools.remove(hk)
        schools[:0] = [hk]
    topic_rows = await _topics()
    stamp = times.now()
    rows = []
    plans = [("past", 20), ("coming", 15), ("open", 25)]
    cursor = 0
    for kind, count in plans:
        for i in range(count):
            school = schools[cursor % len(schools)] if kind != "coming" or i else (hk or schools[cursor % len(schools)])
            cursor += 1
            division = _division(school["name"], rng)
            # a topic of an expert who travels to the school's county (schools ask for what they can have)
            fitting = [
                t
                for t in topic_rows
                if division in t["divisions"] and (not t["regions"] or school["region"] in t["regions"])
            ]
            pick = rng.choice(fitting)
            topic = pick if rng.random() < 0.7 else None
            if kind == "past":
                weeks = [past]
            elif kind == "coming":
                weeks = [coming]
            else:
                weeks = sorted({coming + dt.timedelta(weeks=rng.choice((1, 2))), coming + dt.timedelta(weeks=2)})
            rows.append(
                TalkRequest(
                    school=school["id"],
                    year=weeks[0].year,
                    topic=topic["id"] if topic else None,
                    subject=topic["subject"] if topic else pick["subject"],
                    preferred_weeks=[w.isoformat() for w in weeks],
                    audience_size=rng.choice((60, 120, 200, 300, 450)),
                    division=division,
                    hall=rng.choice(("报告厅", "多功能厅", "操场", "阶梯教室")),
                    equipment=rng.choice(EQUIPMENT),
                    status="open",
                    priority=rng.choice(("normal", "normal", "normal", "high", "low")),
                    created_by=org.id,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    await TalkRequest.insert(*rows)
    await _contacts({r.school for r in rows}, random.Random(seed + 1))  # its own draws: the rest stays as it was
    # each tour takes the open requests of its week (the others ask for later weeks)
    done = await _tour(org, "大手拉小手·中西部市县巡讲", past)
    await tours.confirm_tour(org, done)
    await _deliver(done, rng, hk["id"] if hk else None)
    upcoming = await _tour(org, "大手拉小手·东部市县巡讲", coming)
    await tours.confirm_tour(org, upcoming)
    return True


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林符吉"


async def _contacts(school_ids: set[Any], rng: random.Random) -> None:
    """A contact teacher (an adult: name and phone) for each requesting school that has none, as the school
    workbook's 联系人/联系电话 would give: the experts' itineraries print them."""
    for row in await School.select(School.id, School.contact_name).where(School.id.is_in(sorted(school_ids))):
        if row["contact_name"]:
            continue
        phone = f"138{rng.randint(0, 99999999):08d}"
        await School.update(
            {
                School.contact_name: f"{rng.choice(SURNAMES)}老师",
                School.contact_phone_enc: encrypt_pii(phone),
                School.contact_phone_masked: mask_phone(phone),
            }
        ).where(School.id == row["id"])


async def _topics() -> list[dict[str, Any]]:
    return (
        await Topic.select(Topic.id, Topic.subject, Topic.divisions, Topic.expert.regions.as_alias("regions"))
        .output(load_json=True)
        .order_by(Topic.id)
    )


async def _tour(org: Any, name: str, start: dt.date) -> int:
    end = start + dt.timedelta(days=4)
    days = tours.tour_days(start, end)
    clean = {
        "starts": start,
        "ends": end,
        "days": days,
        "rules": planner.Rules(days, 3),
        "counties": [],
        "name": name,
    }
    return await tours.store_tour(org, clean, note="")


async def _deliver(tour_id: int, rng: random.Random, demo_school: int | None) -> None:
    """The past tour's talks: all but two confirmed by their schools (the demo school's own is left for
    ``hk-school`` to confirm), hours recorded by most experts."""
    talks = (
        await Talk.select(Talk.id, Talk.request, Talk.school, Talk.request.audience_size.as_alias("size"))
        .where(Talk.tour == tour_id)
        .order_by(Talk.id)
    )
    waiting = {t["id"] for t in talks if t["school"] == demo_school}
    waiting.update(t["id"] for t in talks[3 : 3 + max(0, 2 - len(waiting))])
    stamp = times.now()
    for k, t in enumerate(talks):
        minutes = rng.choice((90, 120, 150, 180)) if k % 4 else None
        if t["id"] in waiting:  # two schools have not confirmed yet: the office's overdue list
            if minutes:
                await Talk.update({Talk.minutes: minutes, Talk.minutes_recorded_at: stamp}).where(Talk.id == t["id"])
            continue
        audience = max(20, int(t["size"] * rng.uniform(0.7, 1.05)))
        await Talk.update(
            {
                Talk.status: "delivered",
                Talk.audience: audience,
                Talk.rating: rng.choice((4, 5, 5, 5, 3)),
                Talk.comment: rng.choice(COMMENTS),
                Talk.confirmed_at: stamp,
                Talk.minutes: minutes,
                Talk.minutes_recorded_at: stamp if minutes else None,
                Talk.updated_at: stamp,
            }
        ).where(Talk.id == t["id"])
        if t["request"]:
            await TalkRequest.update({TalkRequest.status: "delivered"}).where(TalkRequest.id == t["request"])
