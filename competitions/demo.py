"""``xinmiao demo``: a realistic demo province (Hainan's 19 cities and counties, about 60
schools, the 2026 innovation contest with CASTIC-style categories, about 600 entries with
students and advisers, one account per role). Deterministic (seeded) and idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app import times
from app.accounts import services as accounts
from app.db import write_transaction
from app.plugins import DEMO_PASSWORD
from app.region_codes import REGIONS
from app.schools.services import HAINAN_CITIES
from app.tables import School, User
from competitions.events import services as events
from competitions.events.tables import Category
from competitions.registration.idnumbers import check_character
from competitions.registration.members import MemberInput, clean_member
from competitions.registration.services import allocate_codes
from competitions.registration.tables import Entry, Member

# (username, role, what it shows)
DEMO_USERS = (
    ("org", "organizer", "省组委会：赛事设置、形式审查、导出"),
    ("haikou", "city", "海口市科协：本市学校的作品"),
    ("hk-school", "school", "海口市第一中学：报名、导入、提交"),
    ("judge1", "judge", "评委：有待评分的作品（另有 judge02–judge19 已评分）"),
    ("referee1", "referee", "裁判"),
    ("staff1", "staff", "签到员"),
)
REGION_CODES = {r.name: r.code for r in REGIONS}  # GB/T 2260
SCHOOL_PATTERNS = (
    "{short}第一中学",
    "{short}实验中学",
    "{short}第二小学",
    "{short}中学",
    "{short}民族中学",
    "{short}实验小学",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾符云邢吉羊"
GIVEN = (
    "子涵",
    "欣怡",
    "梓轩",
    "浩然",
    "雨桐",
    "宇轩",
    "思远",
    "佳怡",
    "俊杰",
    "诗涵",
    "一诺",
    "天佑",
    "若曦",
    "明哲",
    "语嫣",
    "嘉懿",
    "晨阳",
    "家乐",
    "海洋",
    "椰林",
    "晓峰",
    "志强",
    "美玲",
    "文博",
    "睿",
    "琳",
    "博文",
)
MINORITY_NAMES = ("阿依古丽·买买提", "古丽娜尔·艾力", "扎西·次仁", "热依拉·吐尔逊")
TOPICS = {
    "MA": ("校园最短路径的图论模型", "折纸中的数学规律", "基于概率的台风路径估计"),
    "PH": ("椰壳纤维的隔热性能研究", "简易地震波演示装置", "太阳能海水淡化蒸发效率"),
    "CH": ("红树林土壤重金属检测", "槟榔废料制备活性炭", "海盐结晶条件的探究"),
    "LS": ("海南坡鹿栖息地调查", "火龙果花期与传粉昆虫", "珊瑚白化与水温的关系"),
    "BM": ("中学生近视与用眼习惯调查", "椰子水电解质成分分析", "校园常见过敏原调查"),
    "EV": ("万泉河水质季节变化监测", "海滩微塑料分布调查", "台风后城市内涝点分析"),
    "EN": ("智能橡胶割胶辅助装置", "防台风自动收折晾衣架", "太阳能驱鸟稻田装置"),
    "CS": ("黎锦纹样识别小程序", "校园垃圾分类识别系统", "基于传感器的教室空气监测"),
    "SB": ("海南方言传承现状调查", "留守儿童课外阅读调查", "黎族船型屋保护意识调查"),
}
GRADES = {"小学": ("四年级", "五年级", "六年级"), "初中": ("初一", "初二", "初三"), "高中": ("高一", "高二", "高三")}
BIRTH_YEARS = {"小学": (2015, 2017), "初中": (2011, 2013), "高中": (2008, 2010)}


def _id_number(rng: random.Random, region: str, division: str, gender: str, seq: int) -> str:
    year = rng.randint(*BIRTH_YEARS[division])
    birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    order = (seq % 50) * 10 + rng.randint(0, 4) * 2 + (1 if gender == "男" else 0)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


async def build_demo(seed: int = 2026) -> bool:
    """Create the demo data unless it exists. Returns ``True`` if it was created."""
    if await User.exists().where(User.username == "org"):
        return False
    rng = random.Random(seed)
    for username, role, _note in DEMO_USERS:
        if role in ("school", "city"):
            continue
        await accounts.create_user(
            None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            display_name={"org": "省青少年科技创新大赛组委会"}.get(username, username),
        )
    org_row = await User.select().where(User.username == "org").first()
    org = accounts.principal_of(org_row)

    schools: list[dict[str, Any]] = []
    rows = []
    for c_index, city in enumerate(HAINAN_CITIES):
        short = city.replace("黎族苗族自治县", "").replace("黎族自治县", "").replace("市", "").replace("县", "")
        count = 6 if city == "海口市" else 4 if city in ("三亚市", "儋州市") else 3 if city != "三沙市" else 1
        for s_index in range(count):
            name = SCHOOL_PATTERNS[s_index % len(SCHOOL_PATTERNS)].format(short=short if city != "海口市" else "海口市")
            code = f"{REGION_CODES[city][2:]}{s_index + 1:02d}"
            # beyond the county seat's first school, schools of the counties are rural (农村学校)
            rural = city not in ("海口市", "三亚市") and s_index > 0
            rows.append(School(code=code, name=name, city=city, region=REGION_CODES[city], rural=rural))
            schools.append({"code": code, "name": name, "city": city})
    await School.insert(*rows)
    by_code = {r["code"]: r for r in await School.select()}
    haikou_first = next(s for s in schools if s["name"] == "海口市第一中学")
    await accounts.create_user(
        None,
        username="hk-school",
        password=DEMO_PASSWORD,
        role="school",
        school_code=haikou_first["code"],
        display_name="海口市第一中学 王老师",
    )
    await accounts.create_user(
        None, username="haikou", password=DEMO_PASSWORD, role="city", city="海口市", display_name="海口市科协"
    )

    now = times.now()
    event = await events.create_event(
        org,
        {
            "name": "2026年海南省青少年科技创新大赛",
            "kind": "innovation",
            "year": 2026,
            "status": "open",
            "registration_opens_at": (now - dt.timedelta(days=30)).isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=30)).isoformat(),
        },
    )
    event_id = event["id"]
    categories = await Category.select().where(Category.event == event_id).order_by(Category.position)
    await Category.update({Category.school_quota: 6}).where(Category.event == event_id)

    plan = []
    seq = 0
    for school in schools:
        n_entries = 10 if school["city"] != "三沙市" else 3
        for i in range(n_entries):
            category = categories[(seq + i) % len(categories)]
            division = "小学" if "小学" in school["name"] else rng.choice(("初中", "高中"))
            topic = rng.choice(TOPICS[category["code"]])
            plan.append((school, category, division, f"{topic}（{school['name'][:6]}{i + 1}）"))
            seq += 1

    async def work() -> None:
        members_rows = []
        statuses = ("approved",) * 6 + ("submitted",) * 2 + ("returned", "draft")
        entries_by_cat: dict[int, list[tuple]] = {}
        for item in plan:
            entries_by_cat.setdefault(item[1]["id"], []).append(item)
        counter = 0
        for category_id, items in entries_by_cat.items():
            codes = await allocate_codes(event_id, items[0][1]["code"], [i[2] for i in items])
            entry_rows = []
            for (school, category, division, title), code in zip(items, codes):
                status = rng.choice(statuses)
                entry_rows.append(
                    Entry(
                        event=event_id,
                        code=code,
                        title=title,
                        school=by_code[school["code"]]["id"],
                        category=category_id,
                        division=division,
                        status=status,
                        created_by=org.id,
                        return_reason="申报书缺少指导教师签字，请补充后重新提交。" if status == "returned" else "",
                        summary="本项目结合海南本地实际开展调查与实验。",
                        submitted_at=now if status != "draft" else None,
                    )
                )
            ids = [r["id"] for r in await Entry.insert(*entry_rows).returning(Entry.id)]
            for entry_id, (school, category, division, title) in zip(ids, items):
                region = REGION_CODES[school["city"]]
                for position in range(rng.choice((1, 1, 2, 3))):
                    counter += 1
                    gender = rng.choice("男女")
                    name = rng.choice(MINORITY_NAMES) if counter % 97 == 0 else rng.choice(SURNAMES) + rng.choice(GIVEN)
                    member, errors = clean_member(
                        MemberInput(
                            role="student",
                            name=name,
                            gender=gender,
                            id_number=_id_number(rng, region, division, gender, counter),
                            grade=rng.choice(GRADES[division]),
                            phone=_phone(rng),
                            consent_participation=True,
                            consent_publication=rng.random() < 0.85,
                        ),
                        division,
                    )
                    assert not errors, errors
                    members_rows.append(
                        Member(
                            entry=entry_id,
                            event=event_id,
                            school=by_code[school["code"]]["id"],
                            position=position,
                            consent_recorded_by=org.id,
                            consent_recorded_at=now,
                            **member.columns(),
                        )
                    )
                for position in range(rng.choice((1, 1, 2))):
                    member, errors = clean_member(
                        MemberInput(
                            role="adviser",
                            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + "老师"[:0],
                            phone=_phone(rng),
                        ),
                        division,
                    )
                    assert not errors, errors
                    members_rows.append(
                        Member(
                            entry=entry_id,
                            event=event_id,
                            school=by_code[school["code"]]["id"],
                            position=10 + position,
                            **member.columns(),
                        )
                    )
        for start in range(0, len(members_rows), 300):
            await Member.insert(*members_rows[start : start + 300])

    await write_transaction(work)
    return True


async def build_checkin_demo(seed: int = 2026) -> bool:
    """Two check-in sessions (报到, 开幕式) for the demo contest, with part of the arrivals
    already scanned so the live view has something to show. Skipped if sessions exist.
    Returns ``True`` if it created them."""
    from app.tables import User as UserTable
    from competitions.checkin import services as checkin
    from competitions.checkin.credentials import credential_for
    from competitions.checkin.tables import CheckinSession
    from competitions.events.tables import Event

    if await CheckinSession.exists():
        return False
    event = await Event.select(Event.id).where(Event.kind == "innovation").order_by(Event.id).first()
    if event is None:
        return False
    organizer = await accounts.load_principal(
        (await UserTable.select(UserTable.id).where(UserTable.username == "org").first())["id"]
    )
    staff_row = await UserTable.select(UserTable.id).where(UserTable.username == "staff1").first()
    staff = await accounts.load_principal(staff_row["id"]) if staff_row else organizer
    now = times.now().replace(second=0, microsecond=0)
    opens = now - dt.timedelta(minutes=60)
    arrival = await checkin.create_session(
        organizer, event["id"], "报到", opens, now + dt.timedelta(hours=3), "体育馆东门"
    )
    await checkin.create_session(
        organizer, event["id"], "开幕式", now + dt.timedelta(hours=4), now + dt.timedelta(hours=5, minutes=30), "大礼堂"
    )
    rng = random.Random(seed)
    members = await Member.select(Member.id).where((Member.event == event["id"]) & (Member.entry.status == "approved"))
    for row in rng.sample(members, k=len(members) // 3):
        scanned = opens + dt.timedelta(seconds=rng.randint(0, 3600))
        await checkin.scan(
            staff,
            arrival["id"],
            credential_for(row["id"], 1),
            device=rng.choice(("门口1", "门口2")),
            scanned_at=scanned,
            client_scan_id=f"demo-{row['id']}",
        )
    return True


CAMP_SITES = (
    # code, name, host, city, capacity, reserves
    ("HNU", "海南大学营", "海南大学", "海口", 36, {"poverty": "0.2"}),
    ("HNNU", "海南师范大学营", "海南师范大学", "海口", 30, {}),
    ("HTU", "海南热带海洋学院营", "海南热带海洋学院", "三亚", 30, {"remote": "0.1"}),
    ("QZU", "琼台师范学院营", "琼台师范学院", "海口", 24, {}),
    ("HMU", "海南医科大学营", "海南医科大学", "海口", 30, {}),
    ("ZJU", "浙江大学海南研究院营", "浙江大学海南研究院", "三亚", 30, {"rural": "0.2"}),
)
CAMP_APPLICANTS = 300


async def build_camp_demo(seed: int = 2026) -> bool:
    """The 2026 university science camp (高校科学营): 6 sites, about 300 applications from high
    schools; the lottery committed and drawn, the allocation applied with offers, and then some
    accepted, declined and expired (waiting lists promoted); leading teachers proposed and assigned;
    three check-in sessions at two sites with attendance. Skipped if a camp event exists. Returns
    ``True`` if it created it."""
    from app.exports.workbook import new_workbook, workbook_bytes, write_table
    from app.tables import User as UserTable
    from competitions.camps import attendance, teachers
    from competitions.camps import services as camps
    from competitions.camps.tables import CampApplication
    from competitions.checkin import services as checkin
    from competitions.events.tables import Event

    if await Event.exists().where(Event.kind == "camp"):
        return False
    org_row = await UserTable.select(UserTable.id).where(UserTable.username == "org").first()
    if org_row is None:
        return False
    org = await accounts.load_principal(org_row["id"])
    rng = random.Random(seed)
    now = times.now().replace(second=0, microsecond=0)
    event = await events.create_event(
        org,
        {
            "name": "2026年海南省青少年高校科学营",
            "kind": "camp",
            "year": 2026,
            "status": "open",
            "registration_opens_at": (now - dt.timedelta(days=40)).isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=1)).isoformat(),
        },
    )
    event_id = event["id"]
    starts = (now + dt.timedelta(days=30)).date()
    for k, (code, name, host, city, capacity, reserves) in enumerate(CAMP_SITES):
        await camps.create_site(
            org,
            event_id,
            {
                "code": code,
                "name": name,
                "host": host,
                "city": city,
                "capacity": capacity,
                "reserves": reserves,
                "starts_on": (starts + dt.timedelta(days=k % 2)).isoformat(),
                "ends_on": (starts + dt.timedelta(days=6 + k % 2)).isoformat(),
                "contact_name": rng.choice(SURNAMES) + "老师",
                "contact_phone": f"0898-{rng.randint(60000000, 69999999)}",
                "report_time": f"{(starts + dt.timedelta(days=k % 2)):%m月%d日} 9:00–11:30",
                "report_place": f"{host}学生活动中心一楼大厅",
            },
        )
    schools = await School.select().where(School.name.like("%中学%")).order_by(School.code)
    header = [
        "姓名",
        "性别",
        "证件类型",
        "身份证号",
        "年级",
        "学校",
        "联系电话",
        "志愿1",
        "志愿2",
        "志愿3",
        "优先类别",
        "同意公开姓名",
    ]
    rows: list[list] = []
    codes = [s[0] for s in CAMP_SITES]
    popular = ["HNU", "HNU", "ZJU", "HMU", "HNNU", "HTU", "QZU"]
    for seq in range(CAMP_APPLICANTS):
        school = schools[seq % len(schools)]
        gender = rng.choice("男女")
        birth = dt.date(rng.randint(2009, 2010), 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        first17 = f"{school['region']}{birth:%Y%m%d}{(seq * 2 + (1 if gender == '男' else 0)) % 1000:03d}"
        first = rng.choice(popular)
        rest = [c for c in codes if c != first]
        rng.shuffle(rest)
        prefs = [first, *rest[: rng.choice((0, 1, 2, 2))]]
        group = rng.choice(("建档立卡", "农村", "边远地区")) if rng.random() < 0.2 else None
        rows.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                gender,
                "居民身份证",
                first17 + check_character(first17),
                rng.choice(("高一", "高二")),
                school["code"],
                _phone(rng),
                *(prefs + [None] * (3 - len(prefs))),
                group,
                "是" if rng.random() < 0.85 else "否",
            ]
        )
    wb = new_workbook()
    write_table(wb.active, header, rows, text_columns=header)
    await camps.import_applications(org, event_id, workbook_bytes(wb))
    # priority flags checked by the cities for most of them
    for a in await CampApplication.select(CampApplication.id).where(
        (CampApplication.event == event_id) & CampApplication.priority_group.is_not_null()
    ):
        if rng.random() < 0.8:
            await CampApplication.update({CampApplication.priority_checked: True}).where(CampApplication.id == a["id"])
    await camps.commit_lottery(org, event_id, "中国福利彩票双色球第 2026080 期开奖号码")
    await events.update_event(org, event_id, {"status": "closed"})
    await camps.draw_lottery(org, event_id, "03 11 17 22 28 31 + 09")
    await camps.run_allocation(org, event_id, "lottery", True)
    offered = await CampApplication.select(CampApplication.id).where(
        (CampApplication.event == event_id) & (CampApplication.status == "offered")
    )
    rng.shuffle(offered)
    n = len(offered)
    # 60 % accept: written at once (the service's accept is one transaction each and re-reads the
    # waiting lists; an acceptance frees nothing, so nobody else moves)
    stamp = times.now()
    await CampApplication.update(
        {CampApplication.status: "accepted", CampApplication.responded_at: stamp, CampApplication.updated_at: stamp}
    ).where(CampApplication.id.is_in([a["id"] for a in offered[: n * 6 // 10]] or [0]))
    for a in offered[n * 6 // 10 : n * 7 // 10]:
        await camps.respond(org, a["id"], "decline")
    expire = [a["id"] for a in offered[n * 7 // 10 : n * 75 // 100]]
    await CampApplication.update({CampApplication.offer_expires_at: now - dt.timedelta(hours=1)}).where(
        CampApplication.id.is_in(expire or [0])
    )
    await camps.process_expired(event_id)
    # leading teachers: one or two per school that sends students
    holding = await CampApplication.select(CampApplication.school.code.as_alias("code")).where(
        (CampApplication.event == event_id) & CampApplication.status.is_in(["offered", "accepted"])
    )
    sending = sorted({h["code"] for h in holding})
    for code in sending[: len(sending) * 2 // 3]:
        for _k in range(rng.choice((1, 1, 2))):
            await teachers.propose(
                org,
                event_id,
                {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": _phone(rng), "school_code": code},
            )
    await teachers.assign(org, event_id)
    # three activities at two sites, with attendance of the accepted students
    for code in ("HNU", "ZJU"):
        ids = []
        for k, name in enumerate(("开营仪式", "实验室开放日", "结营汇报")):
            at = now - dt.timedelta(days=2 - k)
            session = await checkin.create_session(
                org, event_id, f"{code} {name}", at, at + dt.timedelta(hours=2), f"{code} 报告厅"
            )
            await attendance.link_activity(org, event_id, session["id"], code, True)
            ids.append(session["id"])
        accepted = await CampApplication.select(CampApplication.entry).where(
            (CampApplication.event == event_id)
            & (CampApplication.site_code == code)
            & (CampApplication.status == "accepted")
        )
        members = await Member.select(Member.id).where(
            Member.entry.is_in([a["entry"] for a in accepted] or [0]) & (Member.position == 0)
        )
        for m in members:
            for sid in ids:
                if rng.random() < 0.88:
                    await checkin.check_in_member(org, sid, m["id"])
    return True
