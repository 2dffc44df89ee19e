"""In-app notices of the outreach programme: when the office confirms a tour, or moves, cancels or adds a
scheduled talk, every coordinator account of the talk's school and the expert's account (if the expert
logs in) get a notice, written by the receiver of :data:`app.signals.outreach_talks_changed` inside the
office's transaction. A notice stores its kind and values; it is worded in the reader's language."""

from __future__ import annotations

from typing import Any

from app import times
from app.errors import Forbidden
from app.i18n import _
from app.principal import Principal
from app.tables import User
from competitions.outreach.tables import Expert, OutreachNotice, Talk, Tour


async def on_talks_changed(
    *,
    what: str,
    tour_id: int,
    talk_ids: list[int],
    actor: Principal,
    reason: str = "",
    previous_expert: int | None = None,
    **_rest: Any,
) -> int:
    """Write the notices of one change; returns how many were written."""
    if not talk_ids:
        return 0
    talks = await Talk.select(
        Talk.id,
        Talk.school,
        Talk.on_date,
        Talk.expert,
        Talk.expert.user.as_alias("expert_user"),
        Talk.expert.name.as_alias("expert_name"),
        Talk.expert.affiliation.as_alias("affiliation"),
        Talk.topic.title.as_alias("topic"),
        Talk.school.name.as_alias("school_name"),
    ).where(Talk.id.is_in(talk_ids))
    tour = await Tour.select(Tour.name).where(Tour.id == tour_id).first()
    schools = {t["school"] for t in talks}
    accounts: dict[int, list[int]] = {}
    for u in await User.select(User.id, User.school).where(
        (User.role == "school") & User.school.is_in(list(schools) or [0]) & (User.is_active == True)  # noqa: E712
    ):
        accounts.setdefault(u["school"], []).append(u["id"])
    stamp = times.now()
    notices: list[OutreachNotice] = []

    def add(user: int | None, kind: str, talk: dict[str, Any] | None, **params: Any) -> None:
        if user:
            notices.append(
                OutreachNotice(
                    user=user,
                    kind=kind,
                    tour=tour_id,
                    talk=talk["id"] if talk else None,
                    params=params,
                    created_at=stamp,
                )
            )

    def values(t: dict[str, Any]) -> dict[str, Any]:
        return {
            "date": t["on_date"].isoformat(),
            "expert": t["expert_name"],
            "affiliation": t["affiliation"] or "",
            "topic": t["topic"] or "",
            "school": t["school_name"],
            "reason": reason,
        }

    if what == "confirmed":
        per_expert: dict[int, list[dict[str, Any]]] = {}
        for t in talks:
            for user in accounts.get(t["school"], []):
                add(user, "talk_scheduled", t, **values(t))
            if t["expert_user"]:
                per_expert.setdefault(t["expert_user"], []).append(t)
        for user, mine in per_expert.items():
            dates = sorted(t["on_date"] for t in mine)
            add(
                user,
                "tour_confirmed",
                None,
                tour=tour["name"] if tour else "",
                n=len(mine),
                first=dates[0].isoformat(),
                last=dates[-1].isoformat(),
            )
    else:
        kind = {"moved": "talk_moved", "cancelled": "talk_cancelled", "added": "talk_scheduled"}.get(what, what)
        previous_user = None
        if previous_expert:
            row = await Expert.select(Expert.user).where(Expert.id == previous_expert).first()
            previous_user = row["user"] if row else None
        for t in talks:
            for user in accounts.get(t["school"], []):
                add(user, kind, t, **values(t))
            add(t["expert_user"], "talk_added" if what == "added" else kind, t, **values(t))
            if previous_user and previous_user != t["expert_user"]:
                add(previous_user, "talk_moved_away", t, **values(t))
    if notices:
        await OutreachNotice.insert(*notices)
    return len(notices)


def notice_text(kind: str, p: dict[str, Any]) -> str:
    """A notice in the current language."""
    if kind == "talk_scheduled":
        return _(
            "{date}，{expert}（{affiliation}）将到校作科普报告“{topic}”。报告结束后请在“我校的报告”中确认听众人数和反馈。",
            **p,
        )
    if kind == "tour_confirmed":
        return _("巡讲“{tour}”已确认：您有 {n} 场报告，{first} 至 {last}。行程单可在“我的科普报告”中下载。", **p)
    if kind == "talk_added":
        return _("新增一场报告：{date}，{school}，“{topic}”。", **p)
    if kind == "talk_moved":
        return _("报告“{topic}”（{school}）调整为 {date}，由{expert}主讲。原因：{reason}", **p)
    if kind == "talk_moved_away":
        return _("您在{school}的报告“{topic}”已改由其他专家承担。原因：{reason}", **p)
    if kind == "talk_cancelled":
        return _("{date} 在{school}的报告“{topic}”已取消。原因：{reason}", **p)
    return kind


async def list_notices(actor: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The caller's notices, newest first (schools and experts)."""
    if actor.role not in ("school", "expert"):
        raise Forbidden(_("只有学校和专家有科普报告通知。"))
    rows = (
        await OutreachNotice.select()
        .output(load_json=True)
        .where(OutreachNotice.user == actor.id)
        .order_by(OutreachNotice.id, ascending=False)
        .limit(limit)
    )
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "text": notice_text(r["kind"], r["params"] or {}),
            "talk_id": r["talk"],
            "tour_id": r["tour"],
            "created_at": r["created_at"].isoformat(),
            "at": times.format_time(r["created_at"]),
            "read": r["read_at"] is not None,
        }
        for r in rows
    ]


async def mark_read(actor: Principal) -> int:
    """Every unread notice of the caller marked read; returns how many."""
    if actor.role not in ("school", "expert"):
        raise Forbidden(_("只有学校和专家有科普报告通知。"))
    unread = await OutreachNotice.count().where((OutreachNotice.user == actor.id) & OutreachNotice.read_at.is_null())
    if unread:
        await OutreachNotice.update({OutreachNotice.read_at: times.now()}).where(
            (OutreachNotice.user == actor.id) & OutreachNotice.read_at.is_null()
        )
    return int(unread)
