"""Camp attendance and completion (结营): a site's activities are check-in sessions of the camp event
(:class:`CampActivity` links a session to a site, ``required`` or not); students check in with the QR
of their admission notice; a student completes when it attended at least ``completion_threshold``
percent (setting, default 80) of its site's required activities
(:func:`competitions.camps.completion.completion`).

Who is judged: students who accepted their seat (``accepted``): an offer never confirmed is no
participation. A site without a required activity decides nothing: its students are listed as
undecided with that reason, and get no certificate.

Completion certificates (结营证书) are issued by judging's certificates capability (judging imports
competitions, not the reverse): :func:`certificate_recipients` is what it issues them to.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _, list_separator
from app.principal import Principal
from app.times import now
from competitions.camps import completion as rule
from competitions.camps import services as camps
from competitions.camps.tables import CampActivity, CampApplication, CampSite
from competitions.checkin.tables import Checkin, CheckinSession
from competitions.registration.tables import Member


async def link_activity(
    actor: Principal, event_id: int, session_id: int, site_code: str | None, required: bool = True
) -> dict[str, Any]:
    """Organizer: make the check-in session an activity of the site (``required`` counts for
    completion); ``site_code`` empty unlinks it."""
    camps._require_organizer(actor)
    await camps.camp_event(event_id, actor)
    session = (
        await CheckinSession.select()
        .where((CheckinSession.id == session_id) & (CheckinSession.event == event_id))
        .first()
    )
    if session is None:
        raise NotFound(_("签到场次不存在。"))
    code = (site_code or "").strip() or None
    if code is not None and not await CampSite.exists().where((CampSite.event == event_id) & (CampSite.code == code)):
        raise ValidationFailed(
            _("分营 {code} 不存在。", code=code), errors=[{"field": "site_code", "message": _("分营不存在。")}]
        )

    async def work() -> None:
        await CampActivity.delete().where(CampActivity.checkin_session == session_id)
        if code is not None:
            await CampActivity.insert(
                CampActivity(event=event_id, site_code=code, checkin_session=session_id, required=bool(required))
            )
        await audit.record(
            actor,
            "camp.activity",
            "checkin_session",
            session_id,
            event_id=event_id,
            summary=session["name"],
            changes={"site_code": [None, code], "required": [None, bool(required)]},
        )

    await write_transaction(work)
    return {"session_id": session_id, "name": session["name"], "site_code": code, "required": bool(required)}


async def activities(event_id: int) -> list[dict[str, Any]]:
    """Every check-in session of the event with its site link: ``[{"session_id", "name",
    "starts_at", "site_code", "required"}]`` (site null when not linked), by start time."""
    sessions = (
        await CheckinSession.select(
            CheckinSession.id, CheckinSession.name, CheckinSession.starts_at, CheckinSession.ends_at
        )
        .where(CheckinSession.event == event_id)
        .order_by(CheckinSession.starts_at)
        .order_by(CheckinSession.id)
    )
    links = {a["checkin_session"]: a for a in await CampActivity.select().where(CampActivity.event == event_id)}
    return [
        {
            "session_id": s["id"],
            "name": s["name"],
            "starts_at": s["starts_at"],
            "ends_at": s["ends_at"],
            "site_code": links[s["id"]]["site_code"] if s["id"] in links else None,
            "required": bool(links[s["id"]]["required"]) if s["id"] in links else False,
        }
        for s in sessions
    ]


async def _report(event_id: int) -> dict[str, Any]:
    settings = await camps.settings_of(event_id)
    threshold = Decimal(settings["completion_threshold"])
    acts = await activities(event_id)
    sites = (
        await CampSite.select(CampSite.code, CampSite.name)
        .where(CampSite.event == event_id)
        .order_by(CampSite.position)
        .order_by(CampSite.id)
    )
    apps = await CampApplication.select(
        CampApplication.id,
        CampApplication.entry,
        CampApplication.site_code,
        CampApplication.school,
        CampApplication.entry.title.as_alias("name"),
        CampApplication.entry.category.as_alias("category"),
        CampApplication.entry.division.as_alias("division"),
        CampApplication.school.code.as_alias("school_code"),
        CampApplication.school.name.as_alias("school_name"),
    ).where((CampApplication.event == event_id) & (CampApplication.status == "accepted"))
    members = {
        m["entry"]: m
        for m in await Member.select(Member.id, Member.entry, Member.position).where(
            Member.entry.is_in([a["entry"] for a in apps] or [0]) & (Member.position == 0)
        )
    }
    session_ids = [a["session_id"] for a in acts if a["site_code"]]
    attended: dict[int, set[int]] = {}
    if session_ids and members:
        for c in await Checkin.select(Checkin.member, Checkin.checkin_session).where(
            Checkin.checkin_session.is_in(session_ids) & Checkin.member.is_in([m["id"] for m in members.values()])
        ):
            attended.setdefault(c["member"], set()).add(c["checkin_session"])
    names = {a["session_id"]: a["name"] for a in acts}
    stamp = now()
    # an activity counts once it has started (Asia/Shanghai times are stored aware, compared as instants);
    # one without a time counts at once. A site decides once its last required activity is over (its
    # end, or its start when it has no end): until then its students are "in_progress" (进行中)
    started = {a["session_id"] for a in acts if a["starts_at"] is None or a["starts_at"] <= stamp}
    over = {
        a["session_id"]
        for a in acts
        if (a["ends_at"] or a["starts_at"]) is None or (a["ends_at"] or a["starts_at"]) <= stamp
    }
    out = []
    for s in sites:
        required = [a["session_id"] for a in acts if a["site_code"] == s["code"] and a["required"]]
        optional = [a["session_id"] for a in acts if a["site_code"] == s["code"] and not a["required"]]
        need = rule.fewest_needed(len(required), threshold) if required else None
        decided = bool(required) and all(i in over for i in required)
        so_far = [i for i in required if i in started]
        students = []
        for a in sorted(
            (a for a in apps if a["site_code"] == s["code"]), key=lambda a: (a["school_code"], a["name"], a["id"])
        ):
            m = members.get(a["entry"])
            went = attended.get(m["id"], set()) if m else set()
            row = {
                "application_id": a["id"],
                "member_id": m["id"] if m else None,
                "entry_id": a["entry"],
                "name": a["name"],
                "school": a["school"],
                "school_code": a["school_code"],
                "school_name": a["school_name"],
                "category": a["category"],
                "division": a["division"],
            }
            if not required:
                row.update(status="undecided", attended=0, share=None, missed=[], reason=_("分营还没有指定必修活动。"))
            elif not decided:
                missed = [names[i] for i in so_far if i not in went]
                attended_so_far = sum(1 for i in so_far if i in went)
                row.update(
                    status="in_progress",
                    attended=attended_so_far,
                    share=None,
                    missed=missed,
                    reason=_(
                        "进行中：已开始的必修活动出席 {a}/{b}（共 {n} 项，至少需要 {k} 次）",
                        a=attended_so_far,
                        b=len(so_far),
                        n=len(required),
                        k=need,
                    )
                    + (_("；已缺席：{missed}", missed=list_separator().join(missed)) if missed else ""),
                )
            else:
                r = rule.completion(required, went, threshold)
                missed = [names[i] for i in r.missed]
                row.update(
                    status="completed" if r.completed else "short",
                    attended=r.attended,
                    share=str(r.share),
                    missed=missed,
                    reason=""
                    if r.completed
                    else _(
                        "出席必修活动 {a}/{n}，至少需要 {k} 次；缺席：{missed}",
                        a=r.attended,
                        n=r.required,
                        k=r.needed,
                        missed=list_separator().join(missed),
                    ),
                )
            students.append(row)
        out.append(
            {
                "site_code": s["code"],
                "site_name": s["name"],
                "required": [{"session_id": i, "name": names[i]} for i in required],
                "optional": [{"session_id": i, "name": names[i]} for i in optional],
                "needed": need,
                "decided": decided,
                "completed": sum(1 for x in students if x["status"] == "completed"),
                "short": sum(1 for x in students if x["status"] == "short"),
                "in_progress": sum(1 for x in students if x["status"] == "in_progress"),
                "students": students,
            }
        )
    return {"threshold": settings["completion_threshold"], "sites": out}


async def completion_report(actor: Principal, event_id: int) -> dict[str, Any]:
    """Organizer: per site the required activities and, per accepted student, ``status``
    (completed | short | in_progress until the site's last required activity is over | undecided
    without required activities), attendance (of the activities started so far while in progress), ``share`` percent and the missed activities by
    name with the reason in words."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以查看结营情况。"))
    await camps.camp_event(event_id, actor)
    return await _report(event_id)


async def certificate_recipients(event_id: int) -> list[dict[str, Any]]:
    """The students who completed, in the shape judging's certificates issue from (one per member):
    the camp completion certificate (结营证书) goes to them only."""
    from competitions.events.tables import Category

    report = await _report(event_id)
    cats = {c["id"]: c for c in await Category.select().where(Category.event == event_id)}
    out = []
    for site in report["sites"]:
        for s in site["students"]:
            if s["status"] != "completed" or s["member_id"] is None:
                continue
            cat = cats.get(s["category"], {})
            out.append(
                {
                    "member": s["member_id"],
                    "entry": s["entry_id"],
                    "school": s["school"],
                    "school_code": s["school_code"],
                    "school_name": s["school_name"],
                    "category": s["category"],
                    "category_name": cat.get("name", ""),
                    "category_position": cat.get("position", 0),
                    "division": s["division"],
                    "title": site["site_name"],
                    "award": None,
                    "rank": None,
                    "name": s["name"],
                    "position": 0,
                }
            )
    return out
