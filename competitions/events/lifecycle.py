"""An event's lifecycle (赛事阶段): what the organizer has opened, and what it locks.

Two things make up where an event stands:

- its ``status`` (stored, CONTRACT.md "Event lifecycle"): ``draft`` -> ``open`` -> ``closed``,
  moved only by the organizer's explicit actions (:data:`STATUS_MOVES`);
- how far judging has gone, which the judging package reports through
  :func:`register_judging_stage` (scores recorded -> ``judging``, results published ->
  ``published`` (公示), finalized -> ``final``), and the organizer's explicit "start judging"
  (``judging_started_at``).

From these :func:`stage_of` gives one :class:`Stage`:

==========  ===============================  ==============================================
stage       when                             schools may
==========  ===============================  ==============================================
draft       status draft                     nothing: the event is invisible to them (404)
upcoming    open, before registration opens  see the event and its dates
open        open, inside the window          register, change, submit, resubmit
closed      closed, or the deadline passed   see their entries; reviewers still review
judging     judging started                  see; review and registration are closed
published   results in 公示                  see; objections
final       results finalized                see; certificates
==========  ===============================  ==============================================

Rules (issue 12): an event is never open without a registration deadline ("open forever by
accident"); entries change only while registration is open (schools) or before judging starts
(organizers); review (形式审查) ends when judging starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.times import now


class EventStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Stage(StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    JUDGING = "judging"
    PUBLISHED = "published"
    FINAL = "final"

    @property
    def label(self) -> str:
        """The untranslated label (pass it through ``_()``)."""
        return STAGE_LABELS[self]

    @property
    def judging_begun(self) -> bool:
        return self in (Stage.JUDGING, Stage.PUBLISHED, Stage.FINAL)


STAGE_LABELS: dict[Stage, str] = {
    Stage.DRAFT: "草稿",
    Stage.UPCOMING: "报名未开始",
    Stage.OPEN: "报名中",
    Stage.CLOSED: "报名已截止",
    Stage.JUDGING: "评审中",
    Stage.PUBLISHED: "公示中",
    Stage.FINAL: "已定稿",
}

# (from, to): the organizer's moves of ``status``; what each locks is in :func:`move_effect`
STATUS_MOVES: frozenset[tuple[EventStatus, EventStatus]] = frozenset(
    {
        (EventStatus.DRAFT, EventStatus.OPEN),
        (EventStatus.OPEN, EventStatus.CLOSED),
        (EventStatus.CLOSED, EventStatus.OPEN),
        (EventStatus.OPEN, EventStatus.DRAFT),
    }
)

JudgingStageReader = Callable[[list[int]], Awaitable[dict[int, "Stage"]]]
_judging_readers: list[JudgingStageReader] = []


def register_judging_stage(reader: JudgingStageReader) -> None:
    """Judging registers ``reader(event_ids) -> {event_id: Stage.JUDGING | PUBLISHED | FINAL}``
    (an event left out: judging has not begun), answering for any number of events with a fixed
    number of queries (a list of events must not cost queries per event). Competitions cannot
    import judging; this is the one way its progress reaches here."""
    if reader not in _judging_readers:
        _judging_readers.append(reader)


def as_time(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value if isinstance(value, dt.datetime) else None


def window_stage(event: dict[str, Any], at: dt.datetime | None = None) -> Stage:
    """The stage from ``status`` and the registration dates alone (no judging): draft,
    upcoming, open or closed. ``event`` is an event row or :func:`event_dict`."""
    status = event.get("status") or EventStatus.OPEN
    if status == EventStatus.DRAFT:
        return Stage.DRAFT
    if status == EventStatus.CLOSED:
        return Stage.CLOSED
    at = at or now()
    opens, closes = as_time(event.get("registration_opens_at")), as_time(event.get("registration_closes_at"))
    if opens is not None and at < opens:
        return Stage.UPCOMING
    if closes is not None and at >= closes:
        return Stage.CLOSED
    return Stage.OPEN


async def judging_stages(event_ids: list[int]) -> dict[int, Stage]:
    """Per event, the furthest stage the registered judging readers report (events where judging
    has not begun are left out)."""
    order = (Stage.JUDGING, Stage.PUBLISHED, Stage.FINAL)
    found: dict[int, Stage] = {}
    if not event_ids:
        return found
    for reader in _judging_readers:
        for event_id, stage in (await reader(event_ids)).items():
            held = found.get(event_id)
            if held is None or order.index(stage) > order.index(held):
                found[event_id] = stage
    return found


async def judging_stage(event_id: int) -> Stage | None:
    """The furthest stage the registered judging readers report, or ``None``."""
    return (await judging_stages([event_id])).get(event_id)


async def stages_of(events: list[dict[str, Any]], at: dt.datetime | None = None) -> dict[int, Stage]:
    """:func:`stage_of` of each of ``events`` by id, with the same queries for any number of them."""
    at = at or now()
    bases = {event["id"]: window_stage(event, at) for event in events}
    judged = await judging_stages([i for i, base in bases.items() if base is not Stage.DRAFT])
    stages = {}
    for event in events:
        base = bases[event["id"]]
        if base is Stage.DRAFT:
            stages[event["id"]] = base
        elif event["id"] in judged:
            stages[event["id"]] = judged[event["id"]]
        elif event.get("judging_started_at"):
            stages[event["id"]] = Stage.JUDGING
        else:
            stages[event["id"]] = base
    return stages


async def stage_of(event: dict[str, Any], at: dt.datetime | None = None) -> Stage:
    """Where ``event`` (a row or :func:`event_dict`) stands now (see the module's table)."""
    return (await stages_of([event], at))[event["id"]]


def move_effect(source: EventStatus, target: EventStatus) -> str:
    """What a move locks or opens, in words for the confirmation (untranslated; pass through ``_()``)."""
    return {
        (EventStatus.DRAFT, EventStatus.OPEN): "学校将看到本赛事并可在报名时间内报名；组别、类别和名额请在开放前确认。",
        (EventStatus.OPEN, EventStatus.CLOSED): "学校将不能再新增、修改或重新提交作品；形式审查可以继续。",
        (EventStatus.CLOSED, EventStatus.OPEN): "学校可以在报名截止时间前再次新增、修改和提交作品。",
        (EventStatus.OPEN, EventStatus.DRAFT): "本赛事将对学校和市县隐藏，直到再次开放报名。",
    }[(source, target)]


def check_move(
    current: dict[str, Any], target: str, stage: Stage, *, closes_at: dt.datetime | None, entries: int
) -> EventStatus:
    """Validate the organizer's move of ``status`` to ``target``; returns the new status.

    Raises :class:`ValidationFailed` (422) for a status that does not exist and :class:`Conflict`
    (409) for a move the lifecycle does not allow: an unknown pair,
    reopening or closing once judging has begun, opening without a deadline or with a
    deadline already past, returning to draft an event that has entries."""
    source = EventStatus(current.get("status") or EventStatus.OPEN)
    try:
        goal = EventStatus(target)
    except ValueError:  # not a move at all: invalid input (422), CONTRACT
        raise ValidationFailed(
            _("赛事状态只能是 draft（草稿）、open（开放报名）或 closed（报名截止）。"),
            errors=[
                {
                    "field": "status",
                    "message": _("赛事状态只能是 draft（草稿）、open（开放报名）或 closed（报名截止）。"),
                }
            ],
        ) from None
    if goal == source:
        return goal
    if (source, goal) not in STATUS_MOVES:
        raise Conflict(
            _(
                "赛事不能从“{source}”改为“{target}”。",
                source=_(STATUS_NAMES[source]),
                target=_(STATUS_NAMES[goal]),
            )
        )
    if stage.judging_begun:
        raise Conflict(_("评审已经开始（{stage}），不能再改变报名状态。", stage=_(stage.label)))
    if goal == EventStatus.OPEN:
        if closes_at is None:
            raise Conflict(_("开放报名前请先设置报名截止时间，赛事不会“无限期报名”。"))
        if closes_at <= now():
            raise Conflict(_("报名截止时间已过，请先把截止时间改到将来再开放报名。"))
    if goal == EventStatus.DRAFT and entries:
        raise Conflict(_("本赛事已有 {n} 个作品，不能退回草稿；可以改为报名截止。", n=entries))
    return goal


STATUS_NAMES: dict[EventStatus, str] = {
    EventStatus.DRAFT: "草稿",
    EventStatus.OPEN: "开放报名",
    EventStatus.CLOSED: "报名截止",
}


def require_registration_over(stage: Stage, finalizing: bool = False) -> None:
    """Results are published (公示) and finalized only once registration is over: the stage is at
    least ``closed`` (closed, or judging begun). 409 saying what to do first."""
    if stage in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        if finalizing:
            raise Conflict(
                _(
                    "本赛事现在是“{stage}”，报名还没有截止，不能定稿结果。请先截止报名（并开始评审），再公示和定稿。",
                    stage=_(stage.label),
                )
            )
        raise Conflict(
            _(
                "本赛事现在是“{stage}”，报名还没有截止，不能公示结果。请先截止报名（并开始评审），再公示。",
                stage=_(stage.label),
            )
        )


def registration_closed_message(stage: Stage, closes_at: str | None) -> str:
    """Why a school cannot register or change an entry at ``stage`` (translated)."""
    if stage is Stage.UPCOMING:
        return _("报名尚未开始，请在报名开始后再提交。")
    if stage is Stage.CLOSED and closes_at:
        return _("报名已于 {time} 截止，学校不能再修改报名；如需更改请联系组委会。", time=closes_at)
    if stage is Stage.CLOSED:
        return _("报名已截止，学校不能再修改报名；如需更改请联系组委会。")
    if stage is Stage.FINAL:
        return _("本赛事结果已定稿，报名、修改和重新提交都已关闭。")
    if stage is Stage.PUBLISHED:
        return _("本赛事结果正在公示，报名、修改和重新提交都已关闭。")
    return _("本赛事已开始评审，报名、修改和重新提交都已关闭。")


def school_can_still(stage: Stage) -> str:
    """What a school can still do at ``stage`` once it can no longer change entries (translated)."""
    if stage is Stage.UPCOMING:
        return _("报名开始后即可登记作品；现在可以先下载报名表模板。")
    if stage is Stage.CLOSED:
        return _("您仍可查看本校作品和审查结果；形式审查仍在进行，作品如被退回也不能再修改。")
    if stage is Stage.JUDGING:
        return _("您仍可查看本校作品，并为审查通过的作品打印参赛证。")
    if stage is Stage.PUBLISHED:
        return _("您可以查看公示结果；对结果有异议，请在公示期内联系组委会。")
    return _("您可以查看结果，并下载本校的获奖证书。")
