"""The outreach programme's numbers per calendar year (issue 17 item 5): delivered talks (confirmed by their
school), schools, counties, audience, the rural share, expert hours, ratings; per county and per expert;
a workbook; and :func:`delivered_talks`, what the coverage report counts (one row per delivered talk).

Counted: talks ``delivered`` (the school confirmed) whose day lies in the year. Expert hours count
every talk of the year the expert recorded hours for, confirmed by the school or not yet (the expert's
work is done either way). Shares and means are decimal strings (``"0.6667"``, ``"4.50"``), rounded half
up only at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.errors import Forbidden, NotFound
from app.exports.workbook import add_sheet, new_workbook, workbook_bytes, write_table
from app.i18n import _, pgettext
from app.principal import Principal
from app.region_codes import REGIONS
from competitions.outreach.services import REGION_NAME
from competitions.outreach.tables import Talk
from competitions.outreach.tours import hours_text

SHARE = Decimal("0.0001")
MEAN = Decimal("0.01")


def _share(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_UP))


def _mean(values: list[int]) -> str | None:
    if not values:
        return None
    return str((Decimal(sum(values)) / Decimal(len(values))).quantize(MEAN, rounding=ROUND_HALF_UP))


async def delivered_talks(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """For the coverage report: one row per talk delivered (confirmed by its school) on a day ``start`` <=
    day < ``end``: ``{"date", "school_id", "region", "audience", "rural"}`` (``region`` the school's GB/T
    2260 code, ``rural`` the school's flag), by date."""
    rows = await Talk.select(
        Talk.on_date,
        Talk.school,
        Talk.audience,
        Talk.school.region.as_alias("region"),
        Talk.school.rural.as_alias("rural"),
    ).where((Talk.status == "delivered") & (Talk.on_date >= start) & (Talk.on_date < end))
    return sorted(
        (
            {
                "date": r["on_date"],
                "school_id": r["school"],
                "region": r["region"],
                "audience": int(r["audience"] or 0),
                "rural": bool(r["rural"]),
            }
            for r in rows
        ),
        key=lambda r: (r["date"], r["school_id"]),
    )


async def talks_in_year(year: int) -> list[dict[str, Any]]:
    """:func:`delivered_talks` of the calendar year ``year``."""
    return await delivered_talks(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


async def _rows(year: int, region: str | None) -> list[dict[str, Any]]:
    query = Talk.select(
        Talk.id,
        Talk.on_date,
        Talk.status,
        Talk.school,
        Talk.audience,
        Talk.rating,
        Talk.comment,
        Talk.minutes,
        Talk.expert,
        Talk.expert.name.as_alias("expert_name"),
        Talk.topic.title.as_alias("topic_title"),
        Talk.school.code.as_alias("school_code"),
        Talk.school.name.as_alias("school_name"),
        Talk.school.region.as_alias("region"),
        Talk.school.rural.as_alias("rural"),
    ).where((Talk.on_date >= dt.date(year, 1, 1)) & (Talk.on_date <= dt.date(year, 12, 31)))
    if region:
        query = query.where(Talk.school.region == region)
    return sorted(await query, key=lambda r: (r["on_date"], r["school_code"], r["id"]))


async def year_numbers(actor: Principal, year: int) -> dict[str, Any]:
    """The office (all) or a city (its own schools): the year's figures, ``by_county`` and ``by_expert``."""
    if not 2000 <= year <= 2100:
        raise NotFound(_("没有 {year} 年度的科普报告计划。", year=year))
    if actor.role == "city":
        region = actor.region_code or "-"
    elif actor.is_organizer:
        region = None
    else:
        raise Forbidden(_("只有组委会和市县科协可以查看统计。"))
    rows = await _rows(year, region)
    done = [r for r in rows if r["status"] == "delivered"]
    ratings = [r["rating"] for r in done if r["rating"]]
    minutes = sum(r["minutes"] or 0 for r in rows if r["status"] in ("scheduled", "delivered"))
    by_county = []
    for record in REGIONS:
        mine = [r for r in done if r["region"] == record.code]
        if region and record.code != region:
            continue
        by_county.append(
            {
                "code": record.code,
                "name": record.name,
                "talks": len(mine),
                "schools": len({r["school"] for r in mine}),
                "audience": sum(r["audience"] or 0 for r in mine),
                "rural_talks": sum(1 for r in mine if r["rural"]),
            }
        )
    experts: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["status"] not in ("scheduled", "delivered"):
            continue
        e = experts.setdefault(
            r["expert"], {"id": r["expert"], "name": r["expert_name"], "talks": 0, "minutes": 0, "ratings": []}
        )
        e["minutes"] += r["minutes"] or 0
        if r["status"] == "delivered":
            e["talks"] += 1
            if r["rating"]:
                e["ratings"].append(r["rating"])
    return {
        "year": year,
        "talks": len(done),
        "schools": len({r["school"] for r in done}),
        "counties": len({r["region"] for r in done if r["region"]}),
        "audience": sum(r["audience"] or 0 for r in done),
        "rural_talks": sum(1 for r in done if r["rural"]),
        "rural_share": _share(sum(1 for r in done if r["rural"]), len(done)),
        "rural_audience_share": _share(
            sum(r["audience"] or 0 for r in done if r["rural"]), sum(r["audience"] or 0 for r in done)
        ),
        "expert_hours": hours_text(minutes) or "0",
        "experts": len({r["expert"] for r in done}),
        "ratings": len(ratings),
        "mean_rating": _mean(ratings),
        "rating_counts": {str(k): ratings.count(k) for k in range(1, 6)},
        "scheduled": sum(1 for r in rows if r["status"] == "scheduled"),
        "cancelled": sum(1 for r in rows if r["status"] == "cancelled"),
        "by_county": by_county,
        "by_expert": [
            {
                "id": e["id"],
                "name": e["name"],
                "talks": e["talks"],
                "hours": hours_text(e["minutes"]) or "0",
                "mean_rating": _mean(e["ratings"]),
            }
            for e in sorted(experts.values(), key=lambda e: (-e["talks"], e["name"], e["id"]))
        ],
    }


async def numbers_workbook(actor: Principal, year: int) -> bytes:
    """The year's figures as a workbook: 概况 (the figures), 按市县, 按专家, 报告明细 (every delivered talk:
    date, county, school, rural, expert, topic, audience, rating, hours, comment). No personal data."""
    figures = await year_numbers(actor, year)
    rows = await _rows(year, None if actor.is_organizer else actor.region_code or "-")
    wb = new_workbook(_("概况"))
    write_table(
        wb.active,
        [pgettext("figure", "项目"), _("数值")],
        [
            [_("年度"), year],
            [_("报告场次"), figures["talks"]],
            [_("学校数"), figures["schools"]],
            [_("市县数"), figures["counties"]],
            [_("听众人次"), figures["audience"]],
            [_("农村学校场次"), figures["rural_talks"]],
            [_("农村学校场次占比"), figures["rural_share"] or ""],
            [_("农村学校听众占比"), figures["rural_audience_share"] or ""],
            [_("专家工作时长（小时）"), figures["expert_hours"]],
            [_("参与专家"), figures["experts"]],
            [_("评分份数"), figures["ratings"]],
            [_("平均评分"), figures["mean_rating"] or ""],
            [_("已安排未确认"), figures["scheduled"]],
            [_("已取消"), figures["cancelled"]],
        ],
        widths={pgettext("figure", "项目"): 24, _("数值"): 14},
    )
    write_table(
        add_sheet(wb, _("按市县")),
        [_("区划代码"), _("市县"), _("报告场次"), _("学校数"), _("听众人次"), _("农村学校场次")],
        [
            [c["code"], c["name"], c["talks"], c["schools"], c["audience"], c["rural_talks"]]
            for c in figures["by_county"]
        ],
        text_columns=[_("区划代码")],
    )
    write_table(
        add_sheet(wb, _("按专家")),
        [_("专家"), _("报告场次"), _("工作时长（小时）"), _("平均评分")],
        [[e["name"], e["talks"], e["hours"], e["mean_rating"] or ""] for e in figures["by_expert"]],
    )
    write_table(
        add_sheet(wb, _("报告明细")),
        [
            _("日期"),
            _("市县"),
            _("学校代码"),
            _("学校"),
            _("农村学校"),
            _("专家"),
            _("报告"),
            _("听众人数"),
            pgettext("feedback", "评分"),
            _("工作时长（小时）"),
            _("意见和建议"),
        ],
        [
            [
                r["on_date"].isoformat(),
                REGION_NAME.get(r["region"] or "", ""),
                r["school_code"],
                r["school_name"],
                _("是") if r["rural"] else _("否"),
                r["expert_name"],
                r["topic_title"] or "",
                r["audience"],
                r["rating"],
                hours_text(r["minutes"]) or "",
                r["comment"],
            ]
            for r in rows
            if r["status"] == "delivered"
        ],
        text_columns=[_("学校代码"), _("学校"), _("报告"), _("意见和建议")],
        widths={_("学校"): 28, _("报告"): 30, _("意见和建议"): 40},
    )
    return workbook_bytes(wb)
