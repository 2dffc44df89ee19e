"""Who of a camp takes part at the door: check-in and badges (营员证) follow the offers.

An application is an approved entry long before it holds a seat, and keeps being one after its
student declined or let the offer expire; check-in and badges (competitions.checkin) would let all
of them through. The camp decides instead (registered by the plugin with
``competitions.checkin.services.admission_checks`` and ``competitions.checkin.badges.badge_holders``):

- only students who accepted their seat (``accepted``) check in and get a badge. An offer not yet
  confirmed is not a participation (completion counts accepted students only, attendance.py): the
  school confirms first (or the organizer on its behalf); declined and expired never check in;
- at a session that is an activity of a site (:class:`CampActivity`), only that site's students;
  a session linked to no site (a province-wide departure meeting) takes every accepted student.

A refusal says why in words (the site each side names), so the door staff can send the student to
the right place.
"""

from __future__ import annotations

from typing import Any

from app.i18n import _
from app.times import format_time
from competitions.camps.tables import CampActivity, CampApplication, CampSite
from competitions.checkin.tables import CheckinSession
from competitions.registration.tables import Member

ADMITTED = "accepted"


async def _site_names(event_id: int) -> dict[str, dict[str, Any]]:
    return {
        s["code"]: s
        for s in await CampSite.select(CampSite.code, CampSite.name, CampSite.position, CampSite.id).where(
            CampSite.event == event_id
        )
    }


def refusal_message(status: str | None, site: str, session_site: str | None, expires: Any = None) -> tuple[str, str]:
    """``(reason, message)`` for an application in ``status`` holding ``site`` (a name) at a session
    of ``session_site`` (a name, or None); ``("", "")`` when it may check in."""
    if status is None:
        return "camp_no_application", _("没有科学营申请，不能签到")
    if status == "declined":
        return "camp_declined", _("已放弃录取（{site}），不能签到", site=site or "—")
    if status == "expired":
        return "camp_expired", _("录取逾期未确认（{site}），已作废，不能签到", site=site or "—")
    if status == "offered":
        return "camp_not_confirmed", _(
            "录取（{site}）尚未确认参营：请学校在 {time} 前确认后再签到",
            site=site or "—",
            time=format_time(expires) if expires else "—",
        )
    if status != ADMITTED:
        return "camp_not_admitted", _("未被科学营录取，不能签到")
    if session_site is not None and site != session_site:
        return "camp_other_site", _(
            "录取在{site}，不是本场次的{session_site}：不能在此签到", site=site, session_site=session_site
        )
    return "", ""


async def checkin_gate(session_id: int, member_id: int, generation: int | None) -> dict[str, Any] | None:
    """The camp's admission check of one scan (``competitions.checkin.services.admission_checks``):
    ``None`` to let it through, or ``{"reason", "message", "participant", "event_id"}``."""
    session = (
        await CheckinSession.select(CheckinSession.id, CheckinSession.event, CheckinSession.event.kind.as_alias("kind"))
        .where(CheckinSession.id == session_id)
        .first()
    )
    member = (
        await Member.select(
            Member.id,
            Member.event,
            Member.entry,
            Member.name,
            Member.role,
            Member.credential_generation,
            Member.entry.code.as_alias("entry_code"),
            Member.entry.title.as_alias("entry_title"),
            Member.entry.status.as_alias("entry_status"),
            Member.entry.school.name.as_alias("school_name"),
        )
        .where(Member.id == member_id)
        .first()
    )
    if (
        session is None
        or session["kind"] != "camp"
        or member is None
        or member["event"] != session["event"]
        or (generation is not None and generation != member["credential_generation"])
        or member["entry_status"] != "approved"
    ):
        return None  # the usual answers: unknown, another event, reissued, withdrawn, not approved
    application = (
        await CampApplication.select(
            CampApplication.status, CampApplication.site_code, CampApplication.offer_expires_at
        )
        .where(CampApplication.entry == member["entry"])
        .first()
    )
    link = await CampActivity.select(CampActivity.site_code).where(CampActivity.checkin_session == session_id).first()
    names = await _site_names(session["event"])

    def name(code: str | None) -> str:
        return names[code]["name"] if code in names else (code or "")

    reason, message = refusal_message(
        application["status"] if application else None,
        name(application["site_code"]) if application else "",
        name(link["site_code"]) if link else None,
        application["offer_expires_at"] if application else None,
    )
    if not reason:
        return None
    return {
        "reason": reason,
        "message": message,
        "event_id": session["event"],
        "participant": {
            "id": member["id"],
            "name": member["name"],
            "school_name": member["school_name"],
            "role": member["role"],
            "entry_code": member["entry_code"],
            "entry_title": member["entry_title"],
        },
    }


async def badge_holders(event_id: int) -> dict[int, dict[str, Any]]:
    """Who of a camp gets a badge (``competitions.checkin.badges.badge_holders``): member id ->
    ``{"site_code", "site_name", "site_position"}`` for students who accepted their seat."""
    apps = await CampApplication.select(CampApplication.entry, CampApplication.site_code).where(
        (CampApplication.event == event_id) & (CampApplication.status == ADMITTED)
    )
    if not apps:
        return {}
    site_of = {a["entry"]: a["site_code"] for a in apps}
    names = await _site_names(event_id)
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(apps), 500):
        part = [a["entry"] for a in apps[start : start + 500]]
        for m in await Member.select(Member.id, Member.entry).where(
            Member.entry.is_in(part) & (Member.role == "student")
        ):
            code = site_of[m["entry"]]
            site = names.get(code, {})
            out[m["id"]] = {
                "site_code": code,
                "site_name": site.get("name", code or ""),
                "site_position": (site.get("position", 0), site.get("id", 0)),
            }
    return out
