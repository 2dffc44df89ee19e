"""Judging web pages.

- Organizer pages under ``/events/{event_id}/judging/...``: overview, rubric editor, judges,
  assignments (generate, move, printable sheets), live progress, consistency report,
  results (methods compared, award adjustments, recommendations), one entry's score sheets,
  publication (公示, objections, finalize, unlock), results workbook.
- Judge pages under ``/judging/...``: the judge's entries with progress and the tablet
  scoring page. The page keeps unsent scores on the device (``app/static/judge.js``) and
  sends them with ``PUT /judging/entries/{id}/score`` (session cookie + ``x-csrftoken``),
  which calls :func:`judging.scoring.services.put_score`: idempotent and versioned, so a late
  replay never overwrites a newer edit (409 with the server's current sheet).
- The public results page ``/results/{event_id}`` (no log-in; only once published;
  names masked without the guardian's consent, by :func:`judging.results.services.public_results`).

Thin controllers: parse the form, call the judging services (the same ones the JSON API
calls), render a template. The services check every action again.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import MediaType, Request, Response

from app.i18n import _
from app.web import redirect, render
from app.web.auth import requires
from competitions.events import services as events
from competitions.events.lifecycle import Stage
from competitions.events.views import event_view
from competitions.registration import services as registration
from judging.rounds import services as rounds
from judging.scoring.rules import round_half_up

judge_only = requires("judge")

METHOD_LABELS = {
    "mean": "平均分",
    "trimmed_mean": "去掉最高分和最低分后的平均分",
    "zscore": "按评委标准化（Z 分数）",
}
FLAG_LABELS = {
    "all_equal": "所有评分都相同",
    "far_from_panel": "与同组评委差异大",
    "few_scores": "评分少于 5 个（标准化不可靠）",
}
SHEET_STATUS_LABELS = {"pending": "未评", "draft": "未完成", "scored": "已评"}
OBJECTION_STATUS_LABELS = {"open": "待处理", "resolved": "已处理", "rejected": "不予支持"}
ROUND_KIND_LABELS = {"single": "评审", "preliminary": "初评", "final": "终评（答辩）"}
TABS = (
    ("overview", "概览", ""),
    ("rubric", "评分标准", "/rubric"),
    ("judges", "评委", "/judges"),
    ("assignments", "分配", "/assignments"),
    ("progress", "评分进度", "/progress"),
    ("consistency", "一致性", "/consistency"),
    ("results", "结果", "/results"),
    ("publication", "公示与定稿", "/publication"),
    ("certificates", "证书", "/certificates/"),
)


# --------------------------------------------------------------------------- small helpers


def two(value: Any) -> str:
    """A score shown to two decimals, half-up (``""`` for none)."""
    if value in (None, ""):
        return ""
    try:
        return str(round_half_up(Decimal(str(value)), 2))
    except (InvalidOperation, ValueError):
        return str(value)


def number_text(value: Any) -> str:
    """A decimal without trailing zeros (``"10.0"`` -> ``"10"``)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.normalize(), "f")
    return text


def point_buttons(max_points: Any) -> list[str]:
    """The big point buttons of a criterion: every whole point up to 10, else about ten
    evenly spaced values (the +/- buttons and the number field give the rest)."""
    maximum = Decimal(str(max_points))
    if maximum <= 10 and maximum == maximum.to_integral_value():
        return [str(i) for i in range(int(maximum) + 1)]
    if maximum <= 10:
        return [str(i) for i in range(int(maximum) + 1)] + [number_text(maximum)]
    values = []
    for i in range(11):
        value = number_text(round_half_up(maximum * i / 10, 0))
        if value not in values:
            values.append(value)
    return values


def split_list(text: str) -> list[str]:
    """Items typed in one field, separated by commas, 、, semicolons, spaces or lines."""
    return [part for part in re.split(r"[\s,，、;；]+", text or "") if part]


def share_text(value: Any) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.0f}%"
    except (InvalidOperation, ValueError):
        return str(value)


def json_response(data: Any, status_code: int = 200) -> Response:
    return Response(data, status_code=status_code, media_type=MediaType.JSON, headers={"cache-control": "no-store"})


async def event_context(event_id: int) -> dict[str, Any]:
    """The judging pages' header: the event, its current round and ``state`` (the round's state,
    which the pages' logic reads), and ``state_label``: the event's real stage (草稿, 报名中, ...,
    评审中, 公示中, 已定稿; competitions/events/lifecycle.py), not the round's "评审中" for an
    event still in draft or open for registration."""
    found = await events.get_event(event_id)
    event = event_view(found)
    round_row = await rounds.current_round(event_id)
    return {
        "event": event,
        "round": round_row,
        "state": round_row["state"],
        "stage": found["stage"],
        "state_label": _(Stage(found["stage"]).label),
        "round_label": _(ROUND_KIND_LABELS[round_row["kind"]]) if round_row["kind"] in ("preliminary", "final") else "",
        "tabs": TABS,
        "base": f"/events/{event_id}/judging",
    }


async def judging_page(
    request: Request, event_id: int, template: str, tab: str, status_code: int = 200, **context: Any
) -> Any:
    ctx = await event_context(event_id)
    return render(request, f"judging/{template}", status_code=status_code, tab=tab, **ctx, **context)


def back_to(event_id: int, path: str = "") -> Any:
    return redirect(f"/events/{event_id}/judging{path}")


async def entry_ids_by_code(actor: Any, event_id: int) -> dict[str, int]:
    """``{entry code: entry id}`` of the event (as the organizer sees them)."""
    return await registration.entry_codes(actor, event_id)
