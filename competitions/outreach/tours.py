"""Tours (巡讲) of the outreach programme: the office plans one from the open requests with
:mod:`competitions.outreach.planner` (preview, then store as a draft), edits the proposal (move a talk to
another day or expert, remove it, assign a request by hand), confirms it (talks scheduled; schools and
experts notified through :data:`app.signals.outreach_talks_changed`) or cancels it. Every talk keeps the
planner's reasons, shown in the reader's language by :func:`why_words`.

Every edit is checked with the planner's own rules (:func:`competitions.outreach.planner.problems`)
against every other planned or scheduled talk, in any tour: an edit that breaks one is refused (409)
with the broken rules in words; a scheduled talk moves only with a reason (audited, notified).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import audit, signals, times
from app.db import write_transaction
from app.errors import Conflict, NotFound
from app.exports.workbook import clean_text
from app.i18n import _, pgettext
from app.principal import Principal
from app.security import decrypt_pii
from competitions.outreach import planner
from competitions.outreach.services import (
    REGION_NAME,
    invalid,
    parse_date,
    region_codes,
    require_organizer,
    settings_for,
    today,
)
from competitions.outreach.tables import (
    Expert,
    ExpertAvailability,
    Talk,
    TalkPhoto,
    TalkRequest,
    Topic,
    Tour,
)
from competitions.outreach.travel import travel_table

TOUR_STATUS_LABELS = {"draft": "草案", "confirmed": "已确认", "cancelled": "已取消"}
TALK_STATUS_LABELS = {"planned": "草案", "scheduled": "已安排", "delivered": "已完成", "cancelled": "已取消"}
ACTIVE = ("planned", "scheduled")  # talks that hold an expert's day and a school's day
MAX_TOUR_DAYS = 31


# --------------------------------------------------------------------------- words


def _county(code: Any) -> str:
    return REGION_NAME.get(str(code or ""), str(code or ""))


def why_words(why: dict[str, Any]) -> dict[str, list[str]]:
    """The planner's structured reasons (``{"school": [...], "expert": [...]}``) in the current language."""
    return {
        "school": [w for w in (_why_school(x) for x in why.get("school") or []) if w],
        "expert": [w for w in (_why_expert(x) for x in why.get("expert") or []) if w],
    }


def _why_school(w: dict[str, Any]) -> str:
    code = w.get("code")
    if code == "county_history":
        return _(
            "{county}此前共有 {talks} 场报告，在本次 {of} 个市县中按覆盖由少到多排第 {rank} 位。",
            county=_county(w.get("county")),
            talks=w.get("talks", 0),
            of=w.get("of", 1),
            rank=w.get("rank", 1),
        )
    if code == "school_history":
        if not w.get("talks"):
            return _("该校此前还没有听过大手拉小手报告。")
        return _("该校此前听过 {talks} 场报告。", talks=w["talks"])
    if code == "rural":
        return _("农村学校优先。")
    if code == "priority":
        return _("市县科协将该申请设为优先。") if w.get("level") == "high" else _("市县科协将该申请设为暂缓。")
    if code == "preferred_week":
        return _("在学校希望的周次（{week} 起的一周）内。", week=w.get("week", ""))
    if code == "manual":
        return _("由组委会人工安排。")
    return ""


def _why_expert(w: dict[str, Any]) -> str:
    code = w.get("code")
    if code == "requested_topic":
        return _("学校点名申请了这个报告。")
    if code == "subject_match":
        return _(
            "报告主题与学校希望的“{subject}”相符，适合{division}。",
            subject=w.get("subject", ""),
            division=_(str(w.get("division", ""))),
        )
    if code == "division_match":
        return _("学校未指定主题；这个报告适合{division}。", division=_(str(w.get("division", ""))))
    if code == "travels":
        return (
            _("专家可前往全省各市县。")
            if w.get("anywhere")
            else _("专家可前往{county}。", county=_county(w.get("county")))
        )
    if code == "available":
        return _("专家一般都有空。") if w.get("general") else _("当天在专家填写的可安排时间内。")
    if code == "same_county_day":
        return _(
            "专家当天已在{county}有 {talks} 场报告，顺路安排，少跑路。",
            county=_county(w.get("county")),
            talks=w.get("talks", 0),
        )
    if code == "load":
        return _("专家在本次巡讲中此前已安排 {talks} 场（场次少的专家优先）。", talks=w.get("talks", 0))
    if code == "manual":
        return _("由组委会人工安排。")
    return ""


def problem_words(
    problem: str, request: dict[str, Any], max_per_day: int, max_travel: int = 0, elsewhere: str = ""
) -> str:
    """A planner problem in words; ``elsewhere``: the counties where the expert already is that day."""
    county = _county(request.get("region_code"))
    if problem == "other_county" and max_travel > 0:
        return _(
            "专家当天已在其他市县，路程表中两地相距超过 {n} 分钟（或没有填写这两地的路程）。",
            n=max_travel,
        )
    if problem == "other_county" and elsewhere:
        return _("专家当天已在{county}（每位专家每天只去一个市县）。", county=elsewhere)
    return {
        "no_topic": _("没有适合该组别、符合所需主题的报告。"),
        "division": _("这个报告不适合{division}。", division=_(str(request.get("division", "")))),
        "no_day": _("巡讲日期不在学校希望的周次内，或学校当天已有报告。"),
        "no_travel": _("能讲这个主题的专家都不去{county}。", county=county),
        "booked": _("专家当天已在其他巡讲中有安排。"),
        "not_available": _("专家当天没空（不在可安排时间内）。"),
        "other_county": _("专家当天已在其他市县（每位专家每天只去一个市县）。"),
        "full": _("专家当天的场次已满（每天最多 {n} 场）。", n=max_per_day),
    }.get(problem, problem)


def _why_json(items: tuple[planner.Why, ...], county: str) -> list[dict[str, Any]]:
    return [{"code": w.code, "county": county, **dict(w.params)} for w in items]


# --------------------------------------------------------------------------- reading


def tour_days(starts: dt.date, ends: dt.date, weekends: bool = False) -> tuple[dt.date, ...]:
    days = [starts + dt.timedelta(days=i) for i in range((ends - starts).days + 1)]
    return tuple(d for d in days if weekends or d.weekday() < 5)


def _talk_query():
    return Talk.select(
        Talk.all_columns(),
        Talk.tour.name.as_alias("tour_name"),
        Talk.tour.status.as_alias("tour_status"),
        Talk.expert.name.as_alias("expert_name"),
        Talk.expert.affiliation.as_alias("expert_affiliation"),
        Talk.expert.user.as_alias("expert_user"),
        Talk.topic.title.as_alias("topic_title"),
        Talk.topic.duration_minutes.as_alias("duration_minutes"),
        Talk.topic.equipment.as_alias("topic_equipment"),
        Talk.school.code.as_alias("school_code"),
        Talk.school.name.as_alias("school_name"),
        Talk.school.region.as_alias("region_code"),
        Talk.school.rural.as_alias("rural"),
        Talk.request.division.as_alias("division"),
        Talk.request.audience_size.as_alias("audience_size"),
        Talk.request.hall.as_alias("hall"),
        Talk.request.equipment.as_alias("school_equipment"),
    ).output(load_json=True)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def hours_text(minutes: int | None) -> str | None:
    """Minutes as decimal hours (``90`` -> ``"1.5"``), exact to the minute (``"1.25"``, ``"0.33"`` for 20)."""
    if minutes is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    value = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return format(value, "f")


def talk_out(row: dict[str, Any], photos: int = 0) -> dict[str, Any]:
    return {
        "id": row["id"],
        "tour_id": row["tour"],
        "tour_name": row.get("tour_name") or "",
        "request_id": row["request"],
        "expert_id": row["expert"],
        "expert_name": row.get("expert_name") or "",
        "topic_id": row["topic"],
        "topic_title": row.get("topic_title") or "",
        "duration_minutes": row.get("duration_minutes"),
        "school_id": row["school"],
        "school_code": row.get("school_code") or "",
        "school_name": row.get("school_name") or "",
        "region_code": row.get("region_code"),
        "region_name": _county(row.get("region_code")),
        "rural": bool(row.get("rural")),
        "division": row.get("division") or "",
        "audience_size": row.get("audience_size"),
        "hall": row.get("hall") or "",
        "on_date": row["on_date"].isoformat(),
        "slot": row["slot"],
        "status": row["status"],
        "audience": row["audience"],
        "rating": row["rating"],
        "comment": row["comment"],
        "confirmed_at": _iso(row["confirmed_at"]),
        "hours": hours_text(row["minutes"]),
        "cancel_reason": row["cancel_reason"],
        "photos": photos,
        "why": why_words(row["why"] or {}),
    }


async def _photo_counts(talk_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    if talk_ids:
        for p in await TalkPhoto.select(TalkPhoto.talk).where(TalkPhoto.talk.is_in(talk_ids)):
            counts[p["talk"]] = counts.get(p["talk"], 0) + 1
    return counts


async def talks_out(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = await _photo_counts([r["id"] for r in rows])
    rows = sorted(rows, key=lambda r: (r["on_date"], r["expert_name"] or "", r["slot"], r["id"]))
    return [talk_out(r, counts.get(r["id"], 0)) for r in rows]


def tour_out(row: dict[str, Any], talks: list[dict[str, Any]]) -> dict[str, Any]:
    live = [t for t in talks if t["status"] != "cancelled"]
    return {
        "id": row["id"],
        "name": row["name"],
        "year": row["year"],
        "starts_on": row["starts_on"].isoformat(),
        "ends_on": row["ends_on"].isoformat(),
        "status": row["status"],
        "note": row["note"],
        "confirmed_at": _iso(row["confirmed_at"]),
        "cancel_reason": row["cancel_reason"],
        "talks": talks,
        "unplaced": (row.get("settings") or {}).get("unplaced_words", []),
        "max_day_travel_minutes": (row.get("settings") or {}).get("max_day_travel_minutes") or 0,
        "travel_minutes": [
            {"from": a, "from_name": _county(a), "to": b, "to_name": _county(b), "minutes": m}
            for a, b, m in (row.get("settings") or {}).get("travel_minutes") or []
        ],
        "counties": sorted({t["region_code"] for t in live if t["region_code"]}),
        "experts": sorted({t["expert_id"] for t in live}),
        "schools": len({t["school_id"] for t in live}),
    }


async def _tour_row(tour_id: int) -> dict[str, Any]:
    row = await Tour.select().output(load_json=True).where(Tour.id == tour_id).first()
    if row is None:
        raise NotFound(_("巡讲不存在（编号 {id}）。", id=tour_id))
    return row


async def get_tour(actor: Principal, tour_id: int) -> dict[str, Any]:
    require_organizer(actor)
    row = await _tour_row(tour_id)
    talks = await talks_out(await _talk_query().where(Talk.tour == tour_id))
    out = tour_out(row, talks)
    out["unplaced"] = await _unplaced_now(row)
    return out


async def list_tours(actor: Principal, year: int | None = None) -> list[dict[str, Any]]:
    require_organizer(actor)
    query = Tour.select().output(load_json=True).order_by(Tour.starts_on, ascending=False).order_by(Tour.id)
    if year is not None:
        query = query.where(Tour.year == year)
    tours = await query
    talks = await _talk_query().where(Talk.tour.is_in([t["id"] for t in tours] or [0]))
    by_tour: dict[int, list[dict[str, Any]]] = {}
    for t in talks:
        by_tour.setdefault(t["tour"], []).append(t)
    out = []
    for t in tours:
        mine = by_tour.get(t["id"], [])
        live = [x for x in mine if x["status"] != "cancelled"]
        out.append(
            {
                "id": t["id"],
                "name": t["name"],
                "year": t["year"],
                "starts_on": t["starts_on"].isoformat(),
                "ends_on": t["ends_on"].isoformat(),
                "status": t["status"],
                "talks": len(live),
                "delivered": sum(1 for x in live if x["status"] == "delivered"),
                "counties": len({x["region_code"] for x in live}),
                "experts": len({x["expert"] for x in live}),
            }
        )
    return out


# --------------------------------------------------------------------------- planning


async def history_before(day: dt.date) -> planner.History:
    """Talks delivered before ``day`` (a tour's first day) per county and per school, from this package's
    data: earlier years and earlier in the year alike (a county visited in spring waits in autumn)."""
    rows = await Talk.select(Talk.school, Talk.school.region.as_alias("region")).where(
        (Talk.status == "delivered") & (Talk.on_date < day)
    )
    county: dict[str, int] = {}
    school: dict[int, int] = {}
    for r in rows:
        if r["region"]:
            county[r["region"]] = county.get(r["region"], 0) + 1
        school[r["school"]] = school.get(r["school"], 0) + 1
    return planner.History(county_talks=county, school_talks=school)


def _plan_request(r: dict[str, Any]) -> planner.Request:
    return planner.Request(
        id=r["id"],
        school_id=r["school"],
        county=r["region_code"],
        division=r["division"],
        weeks=tuple(dt.date.fromisoformat(w) for w in r["preferred_weeks"] or []),
        topic_id=r["topic"],
        subject="" if r["topic"] else (r["subject"] or ""),
        rural=bool(r["school_rural"]),
        priority=r["priority"],
    )


async def _open_requests(starts: dt.date, ends: dt.date, counties: list[str]) -> list[dict[str, Any]]:
    rows = (
        await TalkRequest.select(
            TalkRequest.all_columns(),
            TalkRequest.school.region.as_alias("region_code"),
            TalkRequest.school.rural.as_alias("school_rural"),
        )
        .output(load_json=True)
        .where(TalkRequest.status == "open")
    )
    out = []
    for r in rows:
        if not r["region_code"] or (counties and r["region_code"] not in counties):
            continue
        weeks = [dt.date.fromisoformat(w) for w in r["preferred_weeks"] or []]
        if weeks and not any(w <= ends and w + dt.timedelta(days=6) >= starts for w in weeks):
            continue
        out.append(r)
    return out


async def _experts_and_topics(
    excluding_talk: int | None = None,
) -> tuple[list[planner.Expert], list[planner.Topic], list[dict[str, Any]]]:
    """Active experts (with their windows) and topics as the planner takes them, and every planned or
    scheduled talk (but ``excluding_talk``) with its county."""
    experts = await Expert.select().output(load_json=True).where(Expert.active == True)  # noqa: E712
    windows: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for w in await ExpertAvailability.select():
        windows.setdefault(w["expert"], []).append((w["starts_on"], w["ends_on"]))
    topics = await Topic.select().output(load_json=True).where(Topic.active == True)  # noqa: E712
    active_talks = await Talk.select(
        Talk.id, Talk.expert, Talk.on_date, Talk.school, Talk.tour, Talk.school.region.as_alias("region")
    ).where(Talk.status.is_in(list(ACTIVE)))
    if excluding_talk is not None:
        active_talks = [t for t in active_talks if t["id"] != excluding_talk]
    return (
        [
            planner.Expert(
                id=e["id"],
                regions=frozenset(e["regions"] or []),
                windows=tuple(sorted(windows.get(e["id"], []))),
                generally_available=e["generally_available"],
            )
            for e in experts
        ],
        [
            planner.Topic(t["id"], t["expert"], frozenset(t["divisions"] or []), t["subject"], t["title"])
            for t in topics
        ],
        active_talks,
    )


def _plan_topic(t: dict[str, Any]) -> planner.Topic:
    return planner.Topic(t["id"], t["expert"], frozenset(t["divisions"] or []), t["subject"] or "", t["title"] or "")


def _book(rules: planner.Rules, talks: list[dict[str, Any]]) -> planner.DayBook:
    book = planner.DayBook(rules)
    for t in sorted(talks, key=lambda t: t["id"]):
        book.add(t["expert"], t["on_date"], t["region"] or "", t["school"])
    return book


def _clean_plan_input(
    data: dict[str, Any], max_default: int, stored_travel: dict[tuple[str, str], int] | None = None
) -> dict[str, Any]:
    """The planning form or body checked (422 naming the field); ``travel_minutes`` when given, else
    ``stored_travel`` (the office's table)."""
    starts = parse_date(data.get("starts_on"), "starts_on")
    ends = parse_date(data.get("ends_on"), "ends_on")
    if ends < starts:
        raise invalid("ends_on", _("结束日期不能早于开始日期。"))
    if (ends - starts).days + 1 > MAX_TOUR_DAYS:
        raise invalid("ends_on", _("一次巡讲最长 {n} 天。", n=MAX_TOUR_DAYS))
    if ends < today():
        raise invalid("ends_on", _("巡讲日期已经过去。"))
    raw_max = data.get("max_talks_per_day")
    try:
        max_per_day = int(raw_max) if raw_max not in (None, "") else max_default
    except (TypeError, ValueError):
        max_per_day = 0
    if not 1 <= max_per_day <= 6:
        raise invalid(
            "max_talks_per_day",
            _("{label}应为 {low}–{high} 之间的整数。", label=_("每位专家每天最多场次"), low=1, high=6),
        )
    travel: dict[tuple[str, str], int] = {}
    if data.get("travel_minutes") is None:
        travel.update(stored_travel or {})
    for item in data.get("travel_minutes") or []:
        a, b = region_codes([item.get("from")], "travel_minutes"), region_codes([item.get("to")], "travel_minutes")
        try:
            minutes = int(item.get("minutes"))
        except (TypeError, ValueError):
            minutes = -1
        if not a or not b or not 0 <= minutes <= 1440:
            raise invalid("travel_minutes", _("路程表每项需要两个市县和 0–1440 之间的分钟数。"))
        travel[(a[0], b[0])] = minutes
    try:
        max_travel = int(data.get("max_day_travel_minutes") or 0)
    except (TypeError, ValueError):
        max_travel = -1
    if not 0 <= max_travel <= 600:
        raise invalid(
            "max_day_travel_minutes",
            _("{label}应为 {low}–{high} 之间的整数。", label=_("同一天两地间最长路程（分钟）"), low=0, high=600),
        )
    if max_travel == 0:
        travel = {}  # one county a day: the table plays no part (and is not copied into the tour)
    days = tour_days(starts, ends, bool(data.get("weekends")))
    if not days:
        raise invalid("starts_on", _("这段日期里没有上课日；要排在周末请勾选“含周末”。"))
    return {
        "starts": starts,
        "ends": ends,
        "days": days,
        "rules": planner.Rules(days, max_per_day, travel, max_travel),
        "counties": region_codes(data.get("regions"), "regions"),
        "name": clean_text(data.get("name"))[:200],
    }


async def _plan_input(data: dict[str, Any]) -> dict[str, Any]:
    settings = await settings_for(parse_date(data.get("starts_on"), "starts_on").year)
    stored = await travel_table() if data.get("travel_minutes") is None else {}
    return _clean_plan_input(data, settings["max_talks_per_day"], stored)


async def _run_plan(clean: dict[str, Any]) -> tuple[planner.Plan, list[dict[str, Any]]]:
    requests = await _open_requests(clean["starts"], clean["ends"], clean["counties"])
    experts, topics, active = await _experts_and_topics()
    rules: planner.Rules = clean["rules"]
    # the days experts already give talks in other tours are theirs: booked
    booked: dict[int, dict[dt.date, str]] = {}
    for t in active:
        booked.setdefault(t["expert"], {})[t["on_date"]] = t["region"] or ""
    experts = [planner.Expert(e.id, e.regions, e.windows, e.generally_available, booked.get(e.id, {})) for e in experts]
    book = planner.DayBook(rules)
    for t in active:  # a school's other talks keep its day
        book.school_days.add((t["school"], t["on_date"]))
    history = await history_before(clean["starts"])
    result = planner.plan([_plan_request(r) for r in requests], topics, experts, history, rules, book)
    return result, requests


async def _names(result: planner.Plan, requests: list[dict[str, Any]]) -> dict[str, Any]:
    from app.tables import School

    expert_ids = {t.expert_id for t in result.talks}
    topic_ids = {t.topic_id for t in result.talks}
    school_ids = {r["school"] for r in requests}
    return {
        "experts": {
            e["id"]: e["name"]
            for e in await Expert.select(Expert.id, Expert.name).where(Expert.id.is_in(list(expert_ids) or [0]))
        },
        "topics": {
            t["id"]: t
            for t in await Topic.select(Topic.id, Topic.title, Topic.duration_minutes).where(
                Topic.id.is_in(list(topic_ids) or [0])
            )
        },
        "schools": {
            s["id"]: s
            for s in await School.select(School.id, School.code, School.name, School.rural).where(
                School.id.is_in(list(school_ids) or [0])
            )
        },
    }


def _unplaced_words(
    result: planner.Plan, requests: list[dict[str, Any]], schools: dict[int, Any], rules: planner.Rules
) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in requests}
    out = []
    for u in result.unplaced:
        r = by_id[u.request_id]
        out.append(
            {
                "request_id": u.request_id,
                "school_name": schools.get(r["school"], {}).get("name", ""),
                "region_name": _county(r["region_code"]),
                "reason": u.reason,
                "words": problem_words(u.reason, r, rules.max_talks_per_day, rules.max_day_travel_minutes),
            }
        )
    return out


async def preview_tour(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """The planner's proposal for ``starts_on``..``ends_on`` (weekdays unless ``weekends``), optionally only
    for ``regions``, without storing anything: ``{"talks": [...], "unplaced": [...], "counties": [...]}``."""
    require_organizer(actor)
    clean = await _plan_input(data)
    result, requests = await _run_plan(clean)
    names = await _names(result, requests)
    by_id = {r["id"]: r for r in requests}
    talks = []
    for t in result.talks:
        school = names["schools"].get(t.school_id, {})
        topic = names["topics"].get(t.topic_id, {})
        why = {"school": _why_json(t.why_school, t.county), "expert": _why_json(t.why_expert, t.county)}
        talks.append(
            {
                "request_id": t.request_id,
                "expert_id": t.expert_id,
                "expert_name": names["experts"].get(t.expert_id, ""),
                "topic_id": t.topic_id,
                "topic_title": topic.get("title", ""),
                "school_id": t.school_id,
                "school_name": school.get("name", ""),
                "region_code": t.county,
                "region_name": _county(t.county),
                "rural": bool(school.get("rural")),
                "division": by_id[t.request_id]["division"],
                "audience_size": by_id[t.request_id]["audience_size"],
                "on_date": t.day.isoformat(),
                "slot": t.slot,
                "why": why_words(why),
            }
        )
    return {
        "starts_on": clean["starts"].isoformat(),
        "ends_on": clean["ends"].isoformat(),
        "days": [d.isoformat() for d in clean["days"]],
        "talks": talks,
        "unplaced": _unplaced_words(result, requests, names["schools"], clean["rules"]),
        "counties": [{"code": c, "name": _county(c), "earlier_talks": n} for c, n in result.county_order],
    }


async def create_tour(actor: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Plan and store a draft tour: its talks ``planned``, their requests ``planned``. Planned inside the
    write transaction, so two offices planning at once never give one request or one expert-day twice."""
    require_organizer(actor)
    clean = await _plan_input(data)
    if not clean["name"]:
        raise invalid("name", _("请填写巡讲名称。"))
    tour_id = await store_tour(
        actor, clean, note=str(data.get("note") or "")[:2000], weekends=bool(data.get("weekends"))
    )
    return await get_tour(actor, tour_id)


async def store_tour(actor: Principal, clean: dict[str, Any], *, note: str = "", weekends: bool = False) -> int:
    """Plan (``clean``: ``starts``, ``ends``, ``days``, ``rules``, ``counties``, ``name``) and store the draft;
    returns its id. The demo calls it for a tour in the past."""

    async def work() -> int:
        result, _requests = await _run_plan(clean)
        stamp = times.now()
        tour = await Tour.insert(
            Tour(
                name=clean["name"],
                year=clean["starts"].year,
                starts_on=clean["starts"],
                ends_on=clean["ends"],
                status="draft",
                note=note,
                settings={
                    "max_talks_per_day": clean["rules"].max_talks_per_day,
                    "weekends": weekends,
                    "regions": clean["counties"],
                    "max_day_travel_minutes": clean["rules"].max_day_travel_minutes,
                    "travel_minutes": [[a, b, m] for (a, b), m in clean["rules"].travel_minutes.items()],
                    "unplaced": [[u.request_id, u.reason] for u in result.unplaced],
                },
                created_by=actor.id,
                created_at=stamp,
            )
        ).returning(Tour.id)
        tour_id = int(tour[0]["id"])
        if result.talks:
            await Talk.insert(
                *[
                    Talk(
                        tour=tour_id,
                        request=t.request_id,
                        expert=t.expert_id,
                        topic=t.topic_id,
                        school=t.school_id,
                        on_date=t.day,
                        slot=t.slot,
                        status="planned",
                        why={"school": _why_json(t.why_school, t.county), "expert": _why_json(t.why_expert, t.county)},
                        created_at=stamp,
                        updated_at=stamp,
                    )
                    for t in result.talks
                ]
            )
            await TalkRequest.update({TalkRequest.status: "planned", TalkRequest.updated_at: stamp}).where(
                TalkRequest.id.is_in([t.request_id for t in result.talks])
            )
        await audit.record(
            actor,
            "outreach.tour.plan",
            "outreach_tour",
            tour_id,
            summary=_(
                "{name}：{talks} 场报告，{unplaced} 个申请未能安排",
                name=clean["name"],
                talks=len(result.talks),
                unplaced=len(result.unplaced),
            ),
        )
        return tour_id

    return await write_transaction(work)


async def _unplaced_now(tour: dict[str, Any]) -> list[dict[str, Any]]:
    """The requests the planner left out of this tour, with its reason, while they are still open."""
    left = (tour.get("settings") or {}).get("unplaced") or []
    if not left:
        return []
    reasons = {int(i): reason for i, reason in left}
    rows = (
        await TalkRequest.select(
            TalkRequest.all_columns(),
            TalkRequest.school.name.as_alias("school_name"),
            TalkRequest.school.region.as_alias("region_code"),
        )
        .output(load_json=True)
        .where(TalkRequest.id.is_in(list(reasons)) & (TalkRequest.status == "open"))
    )
    max_per_day = (tour.get("settings") or {}).get("max_talks_per_day", 3)
    max_travel = (tour.get("settings") or {}).get("max_day_travel_minutes") or 0
    return [
        {
            "request_id": r["id"],
            "school_name": r["school_name"],
            "region_name": _county(r["region_code"]),
            "division": r["division"],
            "reason": reasons[r["id"]],
            "words": problem_words(reasons[r["id"]], r, max_per_day, max_travel),
        }
        for r in sorted(rows, key=lambda r: r["id"])
    ]


# --------------------------------------------------------------------------- editing


async def _talk_row(talk_id: int) -> dict[str, Any]:
    row = await _talk_query().where(Talk.id == talk_id).first()
    if row is None:
        raise NotFound(_("报告不存在（编号 {id}）。", id=talk_id))
    return row


async def _check(
    tour: dict[str, Any],
    request: dict[str, Any],
    expert_id: int,
    topic_id: int,
    day: dt.date,
    excluding_talk: int | None,
) -> None:
    """Refuse (409) a talk that breaks a planner rule, naming every broken rule."""
    experts, topics, active = await _experts_and_topics(excluding_talk)
    expert = next((e for e in experts if e.id == expert_id), None)
    if expert is None:
        raise invalid("expert_id", _("专家不存在或已停用。"))
    topic = next((t for t in topics if t.id == topic_id and t.expert_id == expert_id), None)
    if topic is None:
        raise invalid("topic_id", _("这个报告主题不属于所选专家，或已停用。"))
    max_per_day = (tour.get("settings") or {}).get("max_talks_per_day") or (await settings_for(day.year))[
        "max_talks_per_day"
    ]
    travel = {(a, b): m for a, b, m in (tour.get("settings") or {}).get("travel_minutes") or []}
    max_travel = (tour.get("settings") or {}).get("max_day_travel_minutes") or 0
    rules = planner.Rules((day,), max_per_day, travel, max_travel)
    book = _book(rules, active)
    plan_request = planner.Request(
        request["id"] or 0, request["school"], request["region_code"] or "", request["division"], (), None, "", False
    )
    found = [p for p in planner.problems(plan_request, topic, expert, day, book) if p != "booked"]
    if found:
        elsewhere = "、".join(_county(c) for c in book.counties.get((expert_id, day), []))
        words = [problem_words(p, request, max_per_day, max_travel, elsewhere) for p in found]
        name = await Expert.select(Expert.name).where(Expert.id == expert_id).first()
        raise Conflict(
            _(
                "不能这样安排（{expert}，{date}）：{problems}",
                expert=name["name"] if name else "",
                date=day.isoformat(),
                problems="".join(words),
            ),
            extra={"problems": found},
        )


def _id(value: Any, field: str, message: str) -> int:
    """A row id from a body or a form (text or number); 422 naming ``field`` for anything else."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(field, message) from None
    if not 0 < number < 2**31:
        raise invalid(field, message)
    return number


def _request_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["request"],
        "school": row["school"],
        "region_code": row["region_code"],
        "division": row["division"] or "",
    }


async def move_talk(actor: Principal, talk_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office: another ``on_date``, ``expert_id`` and/or ``topic_id`` for a planned or scheduled talk.
    A scheduled talk (confirmed tour) needs a ``reason``; the school and the expert(s) are notified."""
    require_organizer(actor)
    row = await _talk_row(talk_id)
    if row["status"] not in ACTIVE:
        raise Conflict(
            _("报告当前为“{status}”，不能再调整。", status=pgettext("talk", TALK_STATUS_LABELS[row["status"]]))
        )
    tour = await _tour_row(row["tour"])
    day = parse_date(data["on_date"], "on_date") if data.get("on_date") else row["on_date"]
    expert_id = _id(data.get("expert_id") or row["expert"], "expert_id", _("专家不存在或已停用。"))
    topic_id = data.get("topic_id")
    if topic_id in (None, "") and expert_id != row["expert"]:
        # the new expert's topic for this division (the one asked for if it is theirs)
        candidates = [
            t
            for t in await Topic.select()
            .output(load_json=True)
            .where((Topic.expert == expert_id) & (Topic.active == True))  # noqa: E712
            if (row["division"] or "") in (t["divisions"] or [])
        ]
        if not candidates:
            raise invalid("topic_id", _("所选专家没有适合{division}的报告主题。", division=_(row["division"] or "")))
        topic_id = candidates[0]["id"]
    topic_id = _id(topic_id or row["topic"] or 0, "topic_id", _("这个报告主题不属于所选专家，或已停用。"))
    reason = clean_text(data.get("reason"))
    if row["status"] == "scheduled" and not reason:
        raise invalid("reason", _("已安排的报告改期或换人需要填写原因（会通知学校和专家）。"))
    if day < today():
        raise invalid("on_date", _("不能改到已经过去的日期。"))
    if row["status"] == "planned" and not tour["starts_on"] <= day <= tour["ends_on"]:
        raise invalid(
            "on_date",
            _(
                "草案中的报告只能安排在巡讲日期内（{a} 至 {b}）。",
                a=tour["starts_on"].isoformat(),
                b=tour["ends_on"].isoformat(),
            ),
        )
    if (day, expert_id, topic_id) == (row["on_date"], row["expert"], row["topic"]):
        return talk_out(row)
    await _check(tour, _request_view(row), expert_id, topic_id, day, talk_id)

    async def work() -> None:
        slot = 1 + await Talk.count().where(
            (Talk.expert == expert_id) & (Talk.on_date == day) & Talk.status.is_in(list(ACTIVE)) & (Talk.id != talk_id)
        )
        why = dict(row["why"] or {})
        if expert_id != row["expert"]:
            why["expert"] = [{"code": "manual"}]
        await Talk.update(
            {
                Talk.on_date: day,
                Talk.expert: expert_id,
                Talk.topic: topic_id,
                Talk.slot: slot,
                Talk.why: why,
                Talk.updated_at: times.now(),
            }
        ).where(Talk.id == talk_id)
        await audit.record(
            actor,
            "outreach.talk.move",
            "outreach_talk",
            talk_id,
            school_id=row["school"],
            summary=f"{row['school_name']} {row['on_date'].isoformat()} → {day.isoformat()}",
            changes=audit.diff(
                {"on_date": row["on_date"].isoformat(), "expert": row["expert"], "topic": row["topic"]},
                {"on_date": day.isoformat(), "expert": expert_id, "topic": topic_id},
            ),
            reason=reason,
        )
        if row["status"] == "scheduled":
            await signals.outreach_talks_changed.send(
                what="moved",
                tour_id=row["tour"],
                talk_ids=[talk_id],
                actor=actor,
                reason=reason,
                previous_expert=row["expert"] if expert_id != row["expert"] else None,
            )

    await write_transaction(work)
    return talk_out(await _talk_row(talk_id))


async def remove_talk(actor: Principal, talk_id: int) -> None:
    """The office: take a talk out of a draft tour; its request is open again."""
    require_organizer(actor)
    row = await _talk_row(talk_id)
    if row["status"] != "planned":
        raise Conflict(_("只能从巡讲草案中移除报告；已安排的报告请取消（需填写原因）。"))

    async def work() -> None:
        await Talk.delete().where(Talk.id == talk_id)
        if row["request"]:
            await TalkRequest.update({TalkRequest.status: "open", TalkRequest.updated_at: times.now()}).where(
                (TalkRequest.id == row["request"]) & (TalkRequest.status == "planned")
            )
        await audit.record(
            actor, "outreach.talk.remove", "outreach_talk", talk_id, school_id=row["school"], summary=row["school_name"]
        )

    await write_transaction(work)


async def assign_talk(actor: Principal, tour_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office: an open request given by hand to an expert (``expert_id``, ``topic_id`` optional) on a day
    (``on_date``) of a draft or confirmed tour (then it is scheduled and notified at once)."""
    require_organizer(actor)
    tour = await _tour_row(tour_id)
    if tour["status"] == "cancelled":
        raise Conflict(_("巡讲已取消。"))
    request_id = _id(data.get("request_id"), "request_id", _("申请不存在。"))
    expert_id = _id(data.get("expert_id"), "expert_id", _("专家不存在或已停用。"))
    request = (
        await TalkRequest.select(
            TalkRequest.all_columns(),
            TalkRequest.school.region.as_alias("region_code"),
            TalkRequest.school.name.as_alias("school_name"),
        )
        .output(load_json=True)
        .where(TalkRequest.id == request_id)
        .first()
        if 0 < request_id < 2**31
        else None
    )
    if request is None:
        raise invalid("request_id", _("申请不存在。"))
    if request["status"] != "open":
        raise Conflict(_("这个申请已经安排或已撤回。"))
    if not 0 < expert_id < 2**31:
        raise invalid("expert_id", _("专家不存在或已停用。"))
    day = parse_date(data.get("on_date"), "on_date")
    if not tour["starts_on"] <= day <= tour["ends_on"]:
        raise invalid(
            "on_date",
            _("请选择巡讲日期内的一天（{a} 至 {b}）。", a=tour["starts_on"].isoformat(), b=tour["ends_on"].isoformat()),
        )
    if day < today():
        raise invalid("on_date", _("不能安排在已经过去的日期。"))
    topic_id = data.get("topic_id")
    if topic_id in (None, "", 0):
        mine = [
            t
            for t in await Topic.select()
            .output(load_json=True)
            .where((Topic.expert == expert_id) & (Topic.active == True))  # noqa: E712
            .order_by(Topic.id)
            if request["division"] in (t["divisions"] or [])
        ]
        # the topic the school asked for when it is this expert's; else this expert's topic on the
        # school's subject, else any of theirs for the division
        asked = [t for t in mine if t["id"] == request["topic"]]
        on_subject = [t for t in mine if planner.subject_matches(request["subject"] or "", _plan_topic(t))]
        chosen = (asked or on_subject or mine)[:1]
        if not chosen:
            raise invalid("topic_id", _("所选专家没有适合{division}的报告主题。", division=_(request["division"])))
        topic_id = chosen[0]["id"]
    topic_id = _id(topic_id, "topic_id", _("这个报告主题不属于所选专家，或已停用。"))
    view = {
        "id": request_id,
        "school": request["school"],
        "region_code": request["region_code"],
        "division": request["division"],
    }
    await _check(tour, view, expert_id, topic_id, day, None)
    status = "scheduled" if tour["status"] == "confirmed" else "planned"

    async def work() -> int:
        again = await TalkRequest.select(TalkRequest.status).where(TalkRequest.id == request_id).first()
        if again is None or again["status"] != "open":
            raise Conflict(_("这个申请已经安排或已撤回。"))
        slot = 1 + await Talk.count().where(
            (Talk.expert == expert_id) & (Talk.on_date == day) & Talk.status.is_in(list(ACTIVE))
        )
        stamp = times.now()
        made = await Talk.insert(
            Talk(
                tour=tour_id,
                request=request_id,
                expert=expert_id,
                topic=topic_id,
                school=request["school"],
                on_date=day,
                slot=slot,
                status=status,
                why={"school": [{"code": "manual"}], "expert": [{"code": "manual"}]},
                created_at=stamp,
                updated_at=stamp,
            )
        ).returning(Talk.id)
        talk_id = int(made[0]["id"])
        await TalkRequest.update({TalkRequest.status: status, TalkRequest.updated_at: stamp}).where(
            TalkRequest.id == request_id
        )
        await audit.record(
            actor,
            "outreach.talk.assign",
            "outreach_talk",
            talk_id,
            school_id=request["school"],
            summary=request["school_name"],
        )
        if status == "scheduled":
            await signals.outreach_talks_changed.send(
                what="added", tour_id=tour_id, talk_ids=[talk_id], actor=actor, reason="", previous_expert=None
            )
        return talk_id

    talk_id = await write_transaction(work)
    return talk_out(await _talk_row(talk_id))


async def confirm_tour(actor: Principal, tour_id: int) -> dict[str, Any]:
    """The office: a draft tour becomes confirmed; its talks are scheduled, their requests too, and every
    school and expert of the tour gets a notice. 409 unless a draft with at least one talk."""
    require_organizer(actor)
    tour = await _tour_row(tour_id)
    if tour["status"] != "draft":
        raise Conflict(
            _("巡讲当前为“{status}”，不能再确认。", status=pgettext("tour", TOUR_STATUS_LABELS[tour["status"]]))
        )

    async def work() -> None:
        talks = await Talk.select(Talk.id, Talk.request).where((Talk.tour == tour_id) & (Talk.status == "planned"))
        if not talks:
            raise Conflict(_("巡讲里还没有报告，不能确认。"))
        stamp = times.now()
        await Tour.update({Tour.status: "confirmed", Tour.confirmed_at: stamp}).where(
            (Tour.id == tour_id) & (Tour.status == "draft")
        )
        await Talk.update({Talk.status: "scheduled", Talk.updated_at: stamp}).where(
            (Talk.tour == tour_id) & (Talk.status == "planned")
        )
        await TalkRequest.update({TalkRequest.status: "scheduled", TalkRequest.updated_at: stamp}).where(
            TalkRequest.id.is_in([t["request"] for t in talks if t["request"]] or [0])
        )
        await audit.record(
            actor,
            "outreach.tour.confirm",
            "outreach_tour",
            tour_id,
            summary=_("{name}：{n} 场报告", name=tour["name"], n=len(talks)),
        )
        await signals.outreach_talks_changed.send(
            what="confirmed", tour_id=tour_id, talk_ids=[t["id"] for t in talks], actor=actor, reason=""
        )

    await write_transaction(work)
    return await get_tour(actor, tour_id)


async def cancel_tour(actor: Principal, tour_id: int, reason: str) -> dict[str, Any]:
    """The office, with a reason: every planned or scheduled talk of the tour is cancelled and its request
    open again; schools and experts of scheduled talks are notified. Delivered talks stay."""
    require_organizer(actor)
    tour = await _tour_row(tour_id)
    reason = clean_text(reason)
    if not reason:
        raise invalid("reason", _("取消巡讲需要填写原因。"))
    if tour["status"] == "cancelled":
        raise Conflict(_("巡讲已取消。"))

    async def work() -> None:
        talks = await Talk.select(Talk.id, Talk.request, Talk.status).where(
            (Talk.tour == tour_id) & Talk.status.is_in(list(ACTIVE))
        )
        stamp = times.now()
        await Tour.update({Tour.status: "cancelled", Tour.cancel_reason: reason}).where(Tour.id == tour_id)
        await Talk.update({Talk.status: "cancelled", Talk.cancel_reason: reason, Talk.updated_at: stamp}).where(
            Talk.id.is_in([t["id"] for t in talks] or [0])
        )
        await TalkRequest.update({TalkRequest.status: "open", TalkRequest.updated_at: stamp}).where(
            TalkRequest.id.is_in([t["request"] for t in talks if t["request"]] or [0])
        )
        await audit.record(actor, "outreach.tour.cancel", "outreach_tour", tour_id, summary=tour["name"], reason=reason)
        scheduled = [t["id"] for t in talks if t["status"] == "scheduled"]
        if scheduled:
            await signals.outreach_talks_changed.send(
                what="cancelled", tour_id=tour_id, talk_ids=scheduled, actor=actor, reason=reason, previous_expert=None
            )

    await write_transaction(work)
    return await get_tour(actor, tour_id)


def contact_of(school: dict[str, Any]) -> str:
    """A school's contact (an adult teacher) as the expert's itinerary prints it."""
    phone = decrypt_pii(school.get("contact_phone_enc")) or ""
    return f"{school.get('contact_name') or ''} {phone}".strip()
