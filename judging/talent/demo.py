"""``xinmiao demo``: the 2026 talent programme (中学生科技创新后备人才培养计划) half-way through its year:
3 host universities, 12 mentors (accounts ``mentor1``–``mentor12``), about 120 applications from high
schools, aptitude test scores, cut-offs, interviews scored on the judging sheets and ranked (with a few
refusals), the matching applied, and a cohort mid-year: training plans, growth logs with the mentors'
comments, lab visits with check-ins, the mid-term review held (one student left), a few students behind.
Deterministic (seeded); skipped when a talent event exists."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from app import times
from app.accounts import services as accounts
from app.db import write_transaction
from app.exports.workbook import new_workbook, workbook_bytes, write_table
from app.tables import School, User
from competitions.checkin.tables import Checkin
from competitions.demo import GIVEN, SURNAMES, _phone
from competitions.events import services as events
from competitions.events.tables import Event
from competitions.registration.idnumbers import check_character
from competitions.talent import cutoffs as cutoff_rules
from competitions.talent import growth
from competitions.talent import services as talent
from competitions.talent.tables import GrowthLog, Interview, TalentApplication
from judging.rounds.services import current_round
from judging.scoring.services import total_of
from judging.scoring.tables import Assignment, Score
from judging.talent import services as interviews

TALENT_APPLICANTS = 120
# username, name, title, subject, capacity, university, lab, topics
MENTORS = (
    ("mentor1", "林海涛", "教授", "PH", 3, "海南大学", "热带海洋物理实验室", "海浪能量采集；台风边界层观测"),
    ("mentor2", "周文静", "副教授", "PH", 2, "海南师范大学", "光学与光电子实验室", "光纤传感；微纳光学"),
    ("mentor3", "符国庆", "研究员", "PH", 2, "海南医科大学", "医学物理实验室", "医学影像中的物理问题"),
    ("mentor4", "陈思远", "教授", "MA", 3, "海南大学", "应用数学研究所", "图论与组合优化；数学建模"),
    ("mentor5", "吴晓梅", "副教授", "MA", 2, "海南师范大学", "数学教育与数据科学中心", "统计学习；概率模型"),
    ("mentor6", "王志刚", "教授", "CH", 3, "海南大学", "热带农产品化学实验室", "天然产物提取；绿色化学"),
    ("mentor7", "云丽娜", "副研究员", "CH", 2, "海南医科大学", "药物化学实验室", "海洋药物先导化合物"),
    ("mentor8", "邢建华", "教授", "BI", 3, "海南大学", "热带作物遗传育种实验室", "水稻抗逆基因；橡胶树育种"),
    ("mentor9", "李雪", "副教授", "BI", 2, "海南师范大学", "热带动植物生态实验室", "红树林生态；坡鹿保护"),
    ("mentor10", "郑宏", "研究员", "BI", 2, "海南医科大学", "热带病研究所", "登革热媒介蚊虫生态"),
    ("mentor11", "黄俊", "教授", "CS", 3, "海南大学", "智能计算实验室", "计算机视觉；黎锦纹样识别"),
    ("mentor12", "羊丽芳", "副教授", "CS", 2, "海南师范大学", "教育大数据实验室", "学习分析；自然语言处理"),
)
DEMO_LOGINS = (("mentor1", "mentor", "导师：面试打分、排序、培养方案、成长日志点评（另有 mentor2–mentor12）"),)
ACTIVITIES = (
    "阅读导师推荐的综述文献",
    "实验室安全培训",
    "学习实验仪器操作",
    "参加课题组组会",
    "整理实验数据",
    "撰写阶段小结",
    "野外采样",
    "编程练习与调试",
    "与研究生讨论课题方案",
)
REFLECTIONS = (
    "第一次完整地做完一组实验，发现记录比想象中重要。",
    "文献里的方法在我们的条件下要调整，和导师讨论后改了方案。",
    "数据和预期不一致，下次要先做对照组。",
    "学会了用 Python 画图，对数据的理解更直观了。",
    "",
)


def _student_id(rng: random.Random, region: str, gender: str, seq: int) -> str:
    birth = dt.date(rng.randint(2009, 2010), 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    first17 = f"{region}{birth:%Y%m%d}{(500 + seq * 2 + (1 if gender == '男' else 0)) % 1000:03d}"
    return first17 + check_character(first17)


async def build_talent_demo(password: str, seed: int = 2026) -> bool:
    """The programme year described in the module docstring. Returns ``True`` if it created it."""
    if await Event.exists().where(Event.kind == "talent"):
        return False
    org_row = await User.select().where(User.username == "org").first()
    if org_row is None:
        return False
    org = accounts.principal_of(org_row)
    rng = random.Random(seed)
    today = times.local_now().date()
    start = today - dt.timedelta(days=170)
    now = times.now()
    event = await events.create_event(
        org,
        {
            "name": "2026年海南省中学生科技创新后备人才培养计划",
            "kind": "talent",
            "year": 2026,
            "status": "open",
            "registration_opens_at": (now - dt.timedelta(days=240)).isoformat(),
            "registration_closes_at": (now + dt.timedelta(days=1)).isoformat(),
        },
    )
    event_id = event["id"]
    await talent.update_settings(
        org,
        event_id,
        {
            "starts_on": start.isoformat(),
            "midterm_on": (start + dt.timedelta(days=165)).isoformat(),
            "final_on": (start + dt.timedelta(days=364)).isoformat(),
            "hours_target": "120",
            "log_interval_days": 30,
        },
    )
    mentors: dict[str, Any] = {}
    for username, name, title, subject, capacity, university, lab, topics in MENTORS:
        await accounts.create_user(None, username=username, password=password, role="mentor", display_name=name)
        mentors[username] = await talent.create_mentor(
            org,
            event_id,
            {
                "username": username,
                "subject": subject,
                "capacity": capacity,
                "university": university,
                "lab": lab,
                "title": title,
                "topics": topics,
                "profile": f"{name}，{university}{title}，长期指导中学生开展科学探究，所在{lab}每年接待中学生开放日。",
            },
        )
    by_subject: dict[str, list[str]] = {}
    for username, *_rest in MENTORS:
        by_subject.setdefault(mentors[username]["subject"], []).append(username)
    # ~120 applications from the high schools (the office's import: approved at once)
    schools = await School.select().where(School.name.like("%中学%")).order_by(School.code)
    header = ["姓名", "性别", "证件类型", "身份证号", "年级", "学校", "联系电话", "学科", "导师志愿1", "导师志愿2", "导师志愿3", "申请陈述", "同意公开姓名"]  # fmt: skip
    weights = {"PH": 28, "MA": 24, "CH": 20, "BI": 28, "CS": 20}
    subjects = [s for s, w in weights.items() for _k in range(w)]
    demo_school = await User.select(User.school.code.as_alias("code")).where(User.username == "hk-school").first()
    home_code = demo_school["code"] if demo_school else None
    rows = []
    for seq in range(TALENT_APPLICANTS):
        school = schools[seq % len(schools)]
        gender = rng.choice("男女")
        subject = subjects[seq % len(subjects)]
        prefs = rng.sample(by_subject[subject], min(len(by_subject[subject]), rng.choice((1, 2, 2, 3))))
        if school["code"] == home_code and seq < len(schools):
            subject, prefs = "PH", ["mentor1", "mentor2"]  # the demo school's student: mentor1's
        rows.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                gender,
                "居民身份证",
                _student_id(rng, school["region"], gender, seq),
                rng.choice(("高一", "高二")),
                school["code"],
                _phone(rng),
                subject,
                *(prefs + [None] * (3 - len(prefs))),
                rng.choice(("初中起参加科技创新大赛，", "在学校科技社团做过小课题，", "读了很多科普书，"))
                + "希望在大学实验室里体验真正的科研。",
                "是" if rng.random() < 0.8 else "否",
            ]
        )
    wb = new_workbook()
    write_table(wb.active, header, rows, text_columns=header)
    await talent.import_applications(org, event_id, workbook_bytes(wb))
    await events.update_event(org, event_id, {"status": "closed"})
    apps = await talent.application_rows(event_id)
    # the aptitude test: scores as a workbook, then cut-offs inviting about twice the seats
    wb = new_workbook()
    # (the demo school's students do well: the school's pages then show a student in training)
    marks = [
        [str(a["id"]), str(rng.randint(90, 98) if a["school_code"] == home_code else rng.randint(45, 98))] for a in apps
    ]
    write_table(wb.active, ["申请编号", "分数"], marks, text_columns=["申请编号"])
    await talent.import_scores(org, event_id, workbook_bytes(wb))
    seats: dict[str, int] = {}
    for m in mentors.values():
        seats[m["subject"]] = seats.get(m["subject"], 0) + m["capacity"]
    apps = await talent.application_rows(event_id)
    cuts = {}
    for code, n in seats.items():
        scores = [Decimal(a["test_score"]) for a in apps if a["subject_code"] == code]
        rows_ = cutoff_rules.preview(scores, n, None)
        cut = next((r.cutoff for r in rows_ if r.passing >= 2 * n), rows_[-1].cutoff)
        cuts[code] = str(cut)
    await talent.set_cutoffs(org, event_id, cuts)
    interview_day = dt.datetime.combine(today - dt.timedelta(days=185), dt.time(9, 0), tzinfo=times.SHANGHAI)
    await talent.invite(org, event_id, {"starts_at": interview_day.isoformat(), "place": ""})
    # mentors' interview sheets (judging assignments and scores, written at once as the judging demo
    # does: one transaction each would take seconds); two of mentor1's are left for the demo user
    rubric = await interviews.interview_rubric(event_id)
    round_row = await current_round(event_id)
    users = {u["username"]: u["id"] for u in await User.select(User.id, User.username).where(User.role == "mentor")}
    entries = {a["id"]: a["entry"] for a in await talent.application_rows(event_id)}
    rows_i = (
        await Interview.select(
            Interview.id, Interview.application, Interview.mentor, Interview.mentor.code.as_alias("code")
        )
        .where(Interview.event == event_id)
        .order_by(Interview.starts_at)
    )
    mentor1 = [i for i in rows_i if i["code"] == "mentor1"]
    skip = {i["id"] for i in mentor1[-2:]}
    stamp = times.now()
    plans = []
    for i in rows_i:
        if i["id"] in skip:
            continue
        base = rng.uniform(5, 9.5)
        points = {c["code"]: str(min(10, max(3, round(base + rng.uniform(-1.5, 1.5))))) for c in rubric}
        total, complete = total_of(rubric, points)
        plans.append((i, points, total, complete, "表达清楚，基础扎实。" if base > 8 else ""))

    async def sheets() -> None:
        for i, points, total, complete, comment in plans:
            row = await Assignment.insert(
                Assignment(
                    round=round_row["id"], entry=entries[i["application"]], judge=users[i["code"]], created_at=stamp
                )
            ).returning(Assignment.id)
            await Score.insert(
                Score(
                    assignment=row[0]["id"],
                    round=round_row["id"],
                    entry=entries[i["application"]],
                    judge=users[i["code"]],
                    points=points,
                    total=total,
                    comment=comment,
                    complete=complete,
                    version=1,
                    updated_at=stamp,
                )
            )
            await Interview.update({Interview.score: total, Interview.scored_at: stamp}).where(Interview.id == i["id"])

    await write_transaction(sheets)
    # each mentor ranks its best two by hand and sometimes refuses its weakest
    for username in mentors:
        mine = sorted(
            ((Decimal(total), i["application"]) for i, _p, total, _c, _m in plans if i["code"] == username),
            reverse=True,
        )
        items: list[dict[str, Any]] = [
            {"application_id": aid, "rank": k} for k, (_s, aid) in enumerate(mine[:2], start=1)
        ]
        if len(mine) > 4 and rng.random() < 0.5:
            items.append({"application_id": mine[-1][1], "refused": True})
        if items:
            mentor = accounts.principal_of(await User.select().where(User.username == username).first())
            await talent.set_choices(mentor, event_id, items)
    await talent.run_allocation(org, event_id, True)
    # the year so far (mid-year): plans, growth logs, comments, lab visits, the mid-term review
    students = await talent.application_rows(event_id, TalentApplication.status == "matched")
    logs = []
    behind = set(rng.sample([s["id"] for s in students], min(4, len(students))))
    for s in students:
        if s["id"] in behind and rng.random() < 0.5:
            continue  # the mentor has not written a plan yet
        await TalentApplication.update(
            {
                TalentApplication.plan: f"研究课题：{s['mentor_university']}{s['subject_name']}方向的入门课题。\n"
                "每月到实验室两次；第一学期读文献、学仪器，第二学期做课题并写结题报告。",
                TalentApplication.plan_updated_at: now - dt.timedelta(days=160),
            }
        ).where(TalentApplication.id == s["id"])
    for s in students:
        n = rng.randint(2, 4) if s["id"] in behind else rng.randint(12, 16)
        last = (
            today - dt.timedelta(days=rng.randint(40, 70))
            if s["id"] in behind
            else today - dt.timedelta(days=rng.randint(1, 12))
        )
        for k in range(n):
            on = start + (last - start) * (k + 1) / n if n else last
            commented = rng.random() < 0.6
            # on track: a lab afternoon or two every fortnight, about the 120-hour year; behind: a few short ones
            hours = rng.choice(("2", "2.5", "3") if s["id"] in behind else ("4", "4.5", "5", "5.5", "6"))
            logs.append(
                GrowthLog(
                    event=event_id,
                    application=s["id"],
                    on=on,
                    activity=rng.choice(ACTIVITIES),
                    hours=hours,
                    reflection=rng.choice(REFLECTIONS),
                    created_by=org.id,
                    created_at=now - dt.timedelta(days=(today - on).days),
                    mentor_comment=rng.choice(
                        ("记录很认真，继续保持。", "下次把实验条件写清楚。", "思路不错，可以和师兄讨论实现。")
                    )
                    if commented
                    else "",
                    comment_at=now - dt.timedelta(days=(today - on).days - 1) if commented else None,
                )
            )
    for k in range(0, len(logs), 500):
        await GrowthLog.insert(*logs[k : k + 500])
    # two lab visits per mentor with most of its students checked in
    members = await talent._students([s["entry"] for s in students])
    for username in mentors:
        mentor = accounts.principal_of(await User.select().where(User.username == username).first())
        mine = [s for s in students if s["mentor_code"] == username]
        for k, days in enumerate((120, 45)):
            at = now - dt.timedelta(days=days)
            visit = await growth.create_visit(
                mentor,
                event_id,
                {
                    "name": f"{mentors[username]['name']}老师实验室开放日（{k + 1}）",
                    "starts_at": at.isoformat(),
                    "ends_at": (at + dt.timedelta(hours=3)).isoformat(),
                },
            )
            came = [members[s["entry"]]["id"] for s in mine if s["entry"] in members and rng.random() < 0.85]
            for member_id in came:
                await Checkin.insert(
                    Checkin(
                        checkin_session=visit["session_id"],
                        member=member_id,
                        checked_in_at=at,
                        recorded_at=at,
                        staff=mentor.id,
                        method="manual",
                    )
                )
    # the mid-term review (5 days ago): most passed, one left, a few still to do (overdue)
    for k, s in enumerate(students):
        if k % 9 == 4:
            continue  # overdue: on the reminder list
        mentor = accounts.principal_of(await User.select().where(User.username == s["mentor_code"]).first())
        if k == 7:
            await growth.midterm(mentor, s["id"], "leave", "学业压力大，本人和家长申请退出，导师同意。")
        else:
            await growth.midterm(mentor, s["id"], "pass", "")
    return True
