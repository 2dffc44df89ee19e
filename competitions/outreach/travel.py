"""The office's travel table (路程表): minutes by road between two cities/counties, kept once for the
province and used by every tour planned with a longest same-day trip (``max_day_travel_minutes`` > 0):
an expert may then give talks in two counties on one day when the table gives at most that many minutes
between them. A pair missing from the table is never shared in a day. Each tour keeps a copy of the
table it was planned with, so later edits of the table do not change how a stored tour's edits are checked.

Pages and the API call these; every change is audited.
"""

from __future__ import annotations

import re
from typing import Any

from app import audit, times
from app.db import write_transaction
from app.errors import ValidationFailed
from app.exports.workbook import clean_text
from app.i18n import _
from app.principal import Principal
from app.region_codes import REGIONS, find_region
from competitions.outreach.services import REGION_NAME, require_organizer
from competitions.outreach.tables import OutreachTravel

MAX_MINUTES = 1440
MAX_LINES = 400  # 19 regions make 171 pairs
_ORDER = {r.code: i for i, r in enumerate(REGIONS)}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _ORDER.get(a, 99) <= _ORDER.get(b, 99) else (b, a)


def pair_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": row["from_code"],
        "from_name": REGION_NAME.get(row["from_code"], row["from_code"]),
        "to": row["to_code"],
        "to_name": REGION_NAME.get(row["to_code"], row["to_code"]),
        "minutes": row["minutes"],
    }


async def list_travel(actor: Principal) -> list[dict[str, Any]]:
    """The table, in the regions' order."""
    require_organizer(actor)
    rows = await OutreachTravel.select()
    rows.sort(key=lambda r: (_ORDER.get(r["from_code"], 99), _ORDER.get(r["to_code"], 99)))
    return [pair_out(r) for r in rows]


async def travel_table() -> dict[tuple[str, str], int]:
    """The table as the planner takes it: ``{(from, to): minutes}`` (either order is looked up)."""
    return {(r["from_code"], r["to_code"]): r["minutes"] for r in await OutreachTravel.select()}


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def clean_pair(item: dict[str, Any], field: str) -> tuple[tuple[str, str], int | None, list[dict[str, str]]]:
    """``{"from", "to", "minutes"}`` (names, short names or codes; minutes 0..1440, empty: remove the pair)
    to ``((from code, to code), minutes)`` with the problems found, each naming ``field.<key>``."""
    problems: list[dict[str, str]] = []
    codes: list[str] = []
    for key in ("from", "to"):
        name = f"{field}.{key}" if field else key
        raw = clean_text(item.get(key))
        region = find_region(raw) if raw else None
        if region is None:
            problems.append(
                _problem(
                    name,
                    _("“{city}”不是海南省的市县。", city=raw) if raw else _("请选择两个市县。"),
                )
            )
        else:
            codes.append(region.code)
    if len(codes) == 2 and codes[0] == codes[1]:
        problems.append(_problem(f"{field}.to" if field else "to", _("路程表的两个市县不能相同。")))
    raw_minutes = item.get("minutes")
    minutes: int | None = None
    if raw_minutes not in (None, ""):
        try:
            minutes = int(str(raw_minutes).strip())
            if isinstance(raw_minutes, float) and raw_minutes != minutes:
                raise ValueError
        except (TypeError, ValueError):
            minutes = -1
        if not 0 <= minutes <= MAX_MINUTES:
            problems.append(
                _problem(
                    f"{field}.minutes" if field else "minutes", _("路程应为 0–{n} 之间的整数（分钟）。", n=MAX_MINUTES)
                )
            )
    pair = _pair(*codes) if len(codes) == 2 else ("", "")
    return pair, minutes, problems


def _refuse(problems: list[dict[str, str]]) -> ValidationFailed:
    return ValidationFailed(
        _("路程表有 {n} 处错误：{first}", n=len(problems), first=problems[0]["message"]), errors=problems
    )


async def _store(actor: Principal, changes: dict[tuple[str, str], int | None], replace: bool) -> None:
    """Write ``changes`` (minutes, or ``None`` to remove a pair); ``replace``: every other pair removed."""

    async def work() -> None:
        stamp = times.now()
        old = {(r["from_code"], r["to_code"]): r["minutes"] for r in await OutreachTravel.select()}
        new = {} if replace else dict(old)
        for pair, minutes in changes.items():
            if minutes is None:
                new.pop(pair, None)
            else:
                new[pair] = minutes
        gone = [p for p in old if p not in new]
        if gone:
            await OutreachTravel.delete().where(OutreachTravel.pair.is_in([f"{a}-{b}" for a, b in gone]))
        for (a, b), minutes in new.items():
            if (a, b) not in old:
                await OutreachTravel.insert(
                    OutreachTravel(
                        pair=f"{a}-{b}", from_code=a, to_code=b, minutes=minutes, updated_by=actor.id, updated_at=stamp
                    )
                )
            elif old[(a, b)] != minutes:
                await OutreachTravel.update(
                    {
                        OutreachTravel.minutes: minutes,
                        OutreachTravel.updated_by: actor.id,
                        OutreachTravel.updated_at: stamp,
                    }
                ).where(OutreachTravel.pair == f"{a}-{b}")
        changed = {
            f"{REGION_NAME.get(a, a)}—{REGION_NAME.get(b, b)}": [old.get((a, b)), new.get((a, b))]
            for (a, b) in sorted(set(old) | set(new))
            if old.get((a, b)) != new.get((a, b))
        }
        if changed:
            await audit.record(
                actor,
                "outreach.travel",
                "outreach_travel",
                None,
                summary=_("路程表：{n} 处修改", n=len(changed)),
                changes=changed,
            )

    await write_transaction(work)


async def set_pair(actor: Principal, data: dict[str, Any]) -> list[dict[str, Any]]:
    """One pair added or changed (``minutes`` empty: removed). Returns the table."""
    require_organizer(actor)
    pair, minutes, problems = clean_pair(data, "")
    if problems:
        raise ValidationFailed(problems[0]["message"], errors=problems)
    await _store(actor, {pair: minutes}, replace=False)
    return await list_travel(actor)


async def replace_table(actor: Principal, pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole table replaced by ``pairs`` (each ``{"from", "to", "minutes"}``, minutes required); 422
    naming ``pairs[i].<key>`` and nothing stored when any pair is wrong or given twice."""
    require_organizer(actor)
    if len(pairs) > MAX_LINES:
        raise ValidationFailed(
            _("路程表最多 {n} 项。", n=MAX_LINES), errors=[_problem("pairs", _("路程表最多 {n} 项。", n=MAX_LINES))]
        )
    changes: dict[tuple[str, str], int | None] = {}
    problems: list[dict[str, str]] = []
    for i, item in enumerate(pairs):
        pair, minutes, found = clean_pair(item, f"pairs[{i}]")
        if not found and minutes is None:
            found = [_problem(f"pairs[{i}].minutes", _("请填写路程（分钟）。"))]
        if not found and pair in changes:
            found = [
                _problem(
                    f"pairs[{i}]", _("{a}和{b}之间的路程填了两次。", a=REGION_NAME[pair[0]], b=REGION_NAME[pair[1]])
                )
            ]
        problems += found
        if not found:
            changes[pair] = minutes
    if problems:
        raise _refuse(problems)
    await _store(actor, changes, replace=True)
    return await list_travel(actor)


async def import_lines(actor: Principal, text: str) -> int:
    """Lines pasted on the page, each ``市县 市县 分钟`` (spaces, commas or tabs between; a spreadsheet's
    three columns copied): pairs added or changed. 422 naming every wrong line, nothing stored. Returns
    how many pairs were given."""
    require_organizer(actor)
    changes: dict[tuple[str, str], int | None] = {}
    problems: list[dict[str, str]] = []
    lines = [(n, line) for n, line in enumerate(str(text or "").splitlines(), start=1) if line.strip()]
    if not lines:
        raise ValidationFailed(
            _("请粘贴路程表：每行“市县 市县 分钟”。"), errors=[_problem("lines", _("请粘贴路程表。"))]
        )
    if len(lines) > MAX_LINES:
        raise ValidationFailed(
            _("路程表最多 {n} 项。", n=MAX_LINES), errors=[_problem("lines", _("路程表最多 {n} 项。", n=MAX_LINES))]
        )
    for n, line in lines:
        parts = [p for p in re.split(r"[\s,，、;；\t]+", line.strip()) if p]
        if len(parts) != 3:
            problems.append(
                _problem("lines", _("第 {n} 行应为“市县 市县 分钟”三项：{line}", n=n, line=clean_text(line)[:60]))
            )
            continue
        pair, minutes, found = clean_pair({"from": parts[0], "to": parts[1], "minutes": parts[2]}, "lines")
        problems += [_problem("lines", _("第 {n} 行：{problem}", n=n, problem=p["message"])) for p in found]
        if not found:
            changes[pair] = minutes
    if problems:
        raise ValidationFailed(
            _("路程表有 {n} 处错误，没有保存：{first}", n=len(problems), first=problems[0]["message"]), errors=problems
        )
    await _store(actor, changes, replace=False)
    return len(changes)
