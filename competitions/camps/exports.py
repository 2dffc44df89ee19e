"""Per-site workbooks for the host university (分营名单): the site's students holding a seat
(offered or accepted), one row each: 姓名, 性别, 学校, 年级, 市县, 带队教师, 状态.

No ID numbers or phones by default. With ``personal`` the organizer gets 证件类型, 证件号码 and
联系电话 too, and, as for the registration's full export
(:func:`competitions.registration.roster.export_registrations`), only with a reason, which is stored
with an audit row ``camp.site.export``.
"""

from __future__ import annotations

from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Forbidden, NotFound, ValidationFailed
from app.exports.exporters import SheetData, build_workbook
from app.i18n import _
from app.principal import Principal
from app.security import decrypt_pii
from competitions.camps import notices
from competitions.camps.tables import CampApplication, CampSite
from competitions.registration.tables import Member

HOLDING = ("offered", "accepted")


async def site_workbook(
    actor: Principal, event_id: int, site_code: str | None, personal: bool = False, reason: str = ""
) -> bytes:
    """The site's list as .xlsx bytes (organizer only); ``personal`` adds ID numbers and phones and
    needs ``reason`` (audited)."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以导出分营名单。"))
    await notices._event(event_id)
    if not site_code:
        raise ValidationFailed(_("请选择分营。"), errors=[{"field": "site_code", "message": _("请选择分营。")}])
    site = await CampSite.select().where((CampSite.event == event_id) & (CampSite.code == site_code)).first()
    if site is None:
        raise NotFound(_("分营 {code} 不存在。", code=site_code))
    reason = (reason or "").strip()
    if personal and not reason:
        raise ValidationFailed(
            _("导出含身份证号和电话的分营名单必须填写原因，原因会记入操作日志。"),
            errors=[{"field": "reason", "message": _("请填写导出原因。")}],
        )
    apps = await CampApplication.select(
        CampApplication.entry,
        CampApplication.status,
        CampApplication.school.name.as_alias("school_name"),
        CampApplication.school.city.as_alias("city"),
        CampApplication.school.code.as_alias("school_code"),
    ).where(
        (CampApplication.event == event_id)
        & (CampApplication.site_code == site_code)
        & CampApplication.status.is_in(list(HOLDING))
    )
    members = {
        m["entry"]: m
        for m in await Member.select(
            Member.entry,
            Member.name,
            Member.gender,
            Member.grade,
            Member.id_type,
            Member.id_number_enc,
            Member.phone_enc,
        ).where(Member.entry.is_in([a["entry"] for a in apps] or [0]) & (Member.position == 0))
    }
    leaders = "；".join(t["name"] for t in (await notices.leaders_by_site(event_id)).get(site_code, []))
    status_words = {"offered": _("已录取待确认"), "accepted": _("已确认参营")}
    header = [_("姓名"), _("性别"), _("学校"), _("年级"), _("市县"), _("带队教师"), _("状态")]
    personal_header = [_("证件类型"), _("证件号码"), _("联系电话")]
    rows = []
    for a in sorted(apps, key=lambda a: (a["school_code"], members.get(a["entry"], {}).get("name", ""))):
        m = members.get(a["entry"])
        if m is None:
            continue
        row: list[Any] = [
            m["name"],
            m["gender"],
            a["school_name"],
            m["grade"],
            a["city"],
            leaders,
            status_words[a["status"]],
        ]
        if personal:
            row += [m["id_type"], decrypt_pii(m["id_number_enc"]) or "", decrypt_pii(m["phone_enc"]) or ""]
        rows.append(row)
    sheet = SheetData(
        title=f"{site['code']} {site['name']}",
        header=header + (personal_header if personal else []),
        rows=rows,
        column_widths={_("学校"): 28, _("带队教师"): 20},
        text_columns=tuple(personal_header) if personal else (),
    )
    content = build_workbook([sheet])
    if personal:

        async def log() -> None:
            await audit.record(
                actor,
                "camp.site.export",
                "event",
                event_id,
                event_id=event_id,
                reason=reason,
                summary=_("导出分营名单（含身份证号和电话）：{site}，{n} 人", site=site["name"], n=len(rows)),
            )

        await write_transaction(log)
    return content
