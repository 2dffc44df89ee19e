"""Robotics services: score sheet versions, referees, runs (submit, approve, correct, history) and
standings (CONTRACT.md "Robotics: score sheets, runs, standings"; issue 13).

The rules themselves live in :mod:`judging.robotics.sheets` (a run's score) and
:mod:`judging.robotics.standings` (counted score, tie-breaks, reason lines); this module stores
and reads what they work on. Scores are stored as decimal text and answered as decimal strings.

Who may do what:

- organizers: sheets, referees, approve, correct, history;
- a referee of a challenge (``robotics_referee``): submit runs in it, correct runs not yet
  approved, read their history; a head referee also approves and corrects approved runs
  (with a reason). A run of a challenge the referee is not assigned to is answered 404.
- the public: standings (approved runs only).

Referees never see ID numbers or phones: nothing here reads or answers members.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app import audit, signals, times
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import _, list_separator
from app.principal import Principal
from app.tables import User
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry
from judging.robotics import sheets, standings
from judging.robotics.tables import Referee, RoundDraw, Run, RunVersion, ScoreSheetVersion
from judging.rounds.services import current_round
from judging.rounds.states import RoundState

ROBOTICS = "robotics"
MAX_ID = 2**63 - 1  # larger ids are unknown (and would overflow the database driver)


# --- challenges and sheets -------------------------------------------------------------------


async def challenge(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """The challenge (category) ``code`` of robotics event ``event_id`` with its event:
    ``{"id", "code", "name", "event_id", "event_status"}``. Raises :class:`NotFound` for an unknown
    event or code, an event that is not a robotics competition, or a draft ``viewer`` may not see
    (``viewer`` ``None``: the public, who never see drafts)."""
    event = await Event.select(Event.id, Event.kind, Event.status).where(Event.id == event_id).first()
    if event is None or (event["status"] == "draft" and not (viewer and viewer.is_organizer)):
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    if event["kind"] != ROBOTICS:
        raise NotFound(_("赛事（编号 {id}）不是机器人竞赛，没有赛项记分表。", id=event_id))
    code = str(code or "").strip().upper()
    row = (
        await Category.select(Category.id, Category.code, Category.name)
        .where((Category.event == event_id) & (Category.code == code))
        .first()
    )
    if row is None:
        raise NotFound(_("本赛事没有代码为“{code}”的赛项。", code=code))
    return {**row, "event_id": event_id, "event_status": event["status"]}


async def _latest_sheet_row(category_id: int) -> dict[str, Any] | None:
    return (
        await ScoreSheetVersion.select()
        .where(ScoreSheetVersion.category == category_id)
        .order_by(ScoreSheetVersion.version, ascending=False)
        .first()
        .output(load_json=True)
    )


async def _sheet_version(category_id: int, version: int) -> sheets.Sheet:
    row = (
        await ScoreSheetVersion.select(ScoreSheetVersion.sheet)
        .where((ScoreSheetVersion.category == category_id) & (ScoreSheetVersion.version == version))
        .first()
        .output(load_json=True)
    )
    if row is None:  # pragma: no cover - runs always name a stored version
        raise NotFound(_("记分表第 {v} 版不存在。", v=version))
    return sheets.parse_sheet(row["sheet"])


async def get_sheet(event_id: int, code: str, viewer: Principal | None = None) -> dict[str, Any]:
    """The challenge's current score sheet: ``{"version", ...sheet}``; 404 before the first one."""
    category = await challenge(event_id, code, viewer)
    row = await _latest_sheet_row(category["id"])
    if row is None:
        raise NotFound(_("赛项“{code}”还没有记分表。", code=category["code"]))
    return {**row["sheet"], "version": row["version"]}


LIST_KEYS = ("items", "restrictions", "bonuses", "variants", "tiebreaks")


def _parse(source: dict[str, Any]) -> sheets.Sheet:
    """:func:`sheets.parse_sheet` after checking the shape it expects: lists of objects where it
    reads lists, an object for ``counted`` (422 naming the key, never a 500 on a malformed sheet)."""
    problems = []
    for key in LIST_KEYS:
        value = source.get(key)
        if value is not None and not isinstance(value, list):
            problems.append({"field": key, "message": _("记分表的“{key}”必须是列表。", key=key)})
        elif key != "tiebreaks" and isinstance(value, list):
            for i, element in enumerate(value):
                if key != "items" and not isinstance(element, dict):
                    problems.append(
                        {"field": f"{key}[{i}]", "message": _("记分表的“{key}”第 {n} 项必须是对象。", key=key, n=i + 1)}
                    )
                elif isinstance(element, dict):
                    for inner in ("options", "variants", "items"):
                        if element.get(inner) is not None and not isinstance(element[inner], list):
                            problems.append(
                                {
                                    "field": f"{key}[{i}].{inner}",
                                    "message": _(
                                        "记分表的“{key}”第 {n} 项的“{inner}”必须是列表。", key=key, n=i + 1, inner=inner
                                    ),
                                }
                            )
    if source.get("counted") is not None and not isinstance(source["counted"], dict):
        problems.append({"field": "counted", "message": _("记分表的“{key}”必须是对象。", key="counted")})
    if problems:
        raise ValidationFailed(problems[0]["message"], errors=problems)
    return sheets.parse_sheet(source, strict=True)


def _without_recompute(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("recompute", "version")}


async def put_sheet(actor: Principal, event_id: int, code: str, data: Any) -> dict[str, Any]:
    """Store a new version of the challenge's score sheet (organizers). 422 naming the item
    (:func:`sheets.parse_sheet`); 409 once runs are recorded unless ``data["recompute"]`` is true,
    in which case every run is rescored under the new version (each rescored run gets a new run
    version, and the whole is audited). A sheet equal to the current one stores nothing."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("记分表必须是一个 JSON 对象。"))
    recompute = data.get("recompute") is True
    source = _without_recompute(data)
    sheet = _parse(source)
    category = await challenge(event_id, code, actor)

    async def work() -> dict[str, Any]:
        latest = await _latest_sheet_row(category["id"])
        if latest is not None and latest["sheet"] == source:
            return {**source, "version": latest["version"]}
        runs = await Run.select().where(Run.category == category["id"]).order_by(Run.id).output(load_json=True)
        if runs:
            await require_sheet_changeable(actor, event_id, category["code"])
        if runs and not recompute:
            raise Conflict(
                _(
                    "赛项“{code}”已按第 {v} 版记分表记录了 {n} 轮成绩，记分表不能直接修改；"
                    '如确需修改，请带上 "recompute": true，所有成绩将按新版本重新计分。',
                    code=category["code"],
                    v=latest["version"] if latest else 0,
                    n=len(runs),
                ),
                extra={"recompute_needed": True, "runs": len(runs), "version": latest["version"] if latest else 0},
            )
        version = (latest["version"] if latest else 0) + 1
        now = times.now()
        await ScoreSheetVersion.insert(
            ScoreSheetVersion(
                event=event_id,
                category=category["id"],
                version=version,
                sheet=source,
                created_by=actor.id,
                created_at=now,
            )
        )
        rescored = await _rescore_all(actor, sheet, version, runs, now) if runs else []
        await audit.record(
            actor,
            "robotics.sheet.recompute" if runs else "robotics.sheet.put",
            "robotics_sheet",
            category["id"],
            event_id=event_id,
            summary=_("赛项 {code} 记分表第 {v} 版", code=category["code"], v=version),
            changes={"version": [latest["version"] if latest else None, version], "runs_rescored": rescored},
        )
        return {**source, "version": version}

    stored = await write_transaction(work)
    await _standings_changed(event_id, category["id"], category["code"], None)
    return stored


async def _rescore_all(
    actor: Principal, sheet: sheets.Sheet, version: int, runs: list[dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """Rescore ``runs`` under ``sheet`` (version ``version``): 422 listing every run the new sheet
    cannot score (nothing is stored then); returns ``[{"run_id", "old", "new"}]``."""
    problems: list[dict[str, str]] = []
    scored = []
    for run in runs:
        try:
            if run["round"] > sheet.rounds:
                raise ValidationFailed(_("新记分表只有 {n} 轮。", n=sheet.rounds))
            scored.append((run, sheets.score_run(sheet, run["items"], run["variant"])))
        except ValidationFailed as exc:
            problems.append(
                {
                    "field": f"runs[{run['id']}]",
                    "message": _(
                        "成绩 {id}（第 {round} 轮）无法按新记分表计分：{why}",
                        id=run["id"],
                        round=run["round"],
                        why=exc.message,
                    ),
                }
            )
    if problems:
        raise ValidationFailed(
            _("有 {n} 轮成绩无法按新记分表重新计分：{first}", n=len(problems), first=problems[0]["message"]),
            errors=problems,
        )
    changed = []
    reason = _("记分表更新为第 {v} 版，重新计分。", v=version)
    for run, result in scored:
        new_time = _text(result.time_seconds) if result.time_seconds is not None else run["time_seconds"]
        await Run.update(
            {
                Run.score: _text(result.score),
                Run.penalties: _text(result.penalties),
                Run.time_seconds: new_time,
                Run.sheet_version: version,
                Run.version: run["version"] + 1,
                Run.updated_at: now,
            }
        ).where(Run.id == run["id"])
        await RunVersion.insert(
            RunVersion(
                run=run["id"],
                version=run["version"] + 1,
                items=run["items"],
                variant=run["variant"],
                time_seconds=new_time,
                score=_text(result.score),
                sheet_version=version,
                changed_by=actor.id,
                changed_at=now,
                reason=reason,
            )
        )
        changed.append({"run_id": run["id"], "old": run["score"], "new": _text(result.score)})
    return changed


def _text(value: Decimal) -> str:
    """A decimal as text without an exponent (``1E+2`` -> ``100``)."""
    text = format(value, "f")
    return text


# --- referees --------------------------------------------------------------------------------


async def add_referee(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Make the account ``username`` (role referee) a referee of the event's challenges
    ``category_codes``; ``head`` makes them head referee (主裁判) of those. Adding again updates
    the head flag. Raises :class:`ValidationFailed`, :class:`NotFound`."""
    event = await Event.select(Event.id, Event.kind).where(Event.id == event_id).first()
    if event is None:
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    if event["kind"] != ROBOTICS:
        raise ValidationFailed(
            _("只有机器人竞赛可以设置裁判。"),
            errors=[{"field": "event_id", "message": _("只有机器人竞赛可以设置裁判。")}],
        )
    username = str(data.get("username") or "").strip()
    user = await User.select(User.id, User.role, User.display_name).where(User.username == username).first()
    if user is None:
        message = _("账号“{username}”不存在，请先创建裁判账号。", username=username)
        raise ValidationFailed(message, errors=[{"field": "username", "message": message}])
    if user["role"] != "referee":
        message = _("账号“{username}”不是裁判账号。", username=username)
        raise ValidationFailed(message, errors=[{"field": "username", "message": message}])
    codes = list(dict.fromkeys(str(c).strip().upper() for c in data.get("category_codes") or [] if str(c).strip()))
    known = {
        r["code"]: r["id"] for r in await Category.select(Category.id, Category.code).where(Category.event == event_id)
    }
    unknown = [c for c in codes if c not in known]
    if not codes or unknown:
        message = _("请为裁判选择本赛事的赛项；不存在的赛项：{codes}。", codes=list_separator().join(unknown) or "-")
        raise ValidationFailed(message, errors=[{"field": "category_codes", "message": message}])
    head = data.get("head") is True

    async def work() -> None:
        for code in codes:
            existing = (
                await Referee.select(Referee.id)
                .where((Referee.category == known[code]) & (Referee.user == user["id"]))
                .first()
            )
            if existing:
                await Referee.update({Referee.head: head}).where(Referee.id == existing["id"])
            else:
                await Referee.insert(
                    Referee(event=event_id, category=known[code], user=user["id"], head=head, created_at=times.now())
                )
        await audit.record(
            actor,
            "robotics.referee.add",
            "robotics_referee",
            user["id"],
            event_id=event_id,
            summary=username,
            changes={"category_codes": [None, codes], "head": [None, head]},
        )

    await write_transaction(work)
    return {
        "event_id": event_id,
        "user_id": user["id"],
        "username": username,
        "display_name": user["display_name"],
        "category_codes": codes,
        "head": head,
    }


async def _robotics_event_row(event_id: int) -> dict[str, Any]:
    event = None
    if 1 <= event_id <= MAX_ID:
        event = await Event.select(Event.id, Event.kind).where(Event.id == event_id).first()
    if event is None or event["kind"] != ROBOTICS:
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    return event


async def list_referees(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """The event's referees, one line per account, by username: ``[{"user_id",
    "username", "display_name", "category_codes", "head", "head_category_codes"}]``. ``head`` is true
    when the account is head referee of at least one of its challenges; ``head_category_codes``
    names those. Organizers only (the caller's guard); 404 for an unknown or non-robotics event."""
    await _robotics_event_row(event_id)
    rows = (
        await Referee.select(
            Referee.head,
            Referee.user.id.as_alias("user_id"),
            Referee.user.username.as_alias("username"),
            Referee.user.display_name.as_alias("display_name"),
            Referee.category.code.as_alias("code"),
        )
        .where(Referee.event == event_id)
        .order_by(Referee.category.code)
    )
    people: dict[int, dict[str, Any]] = {}
    for r in rows:
        line = people.setdefault(
            r["user_id"],
            {
                "user_id": r["user_id"],
                "username": r["username"],
                "display_name": r["display_name"],
                "category_codes": [],
                "head": False,
                "head_category_codes": [],
            },
        )
        line["category_codes"].append(r["code"])
        if r["head"]:
            line["head"] = True
            line["head_category_codes"].append(r["code"])
    return sorted(people.values(), key=lambda p: p["username"])


async def remove_referee(actor: Principal, event_id: int, user_id: int, code: str) -> None:
    """Take the account off challenge ``code`` of the event (its recorded runs stay, with who
    recorded them). 404 when it is not a referee of that challenge."""
    await _robotics_event_row(event_id)
    code = str(code or "").strip().upper()
    row = (
        await Referee.select(Referee.id, Referee.user.username.as_alias("username"))
        .where((Referee.event == event_id) & (Referee.user == user_id) & (Referee.category.code == code))
        .first()
    )
    if row is None:
        raise NotFound(_("该账号不是赛项“{code}”的裁判。", code=code))

    async def work() -> None:
        await Referee.delete().where(Referee.id == row["id"])
        await audit.record(
            actor,
            "robotics.referee.remove",
            "robotics_referee",
            user_id,
            event_id=event_id,
            summary=row["username"],
            changes={"category_codes": [[code], None]},
        )

    await write_transaction(work)


async def referee_accounts() -> list[dict[str, Any]]:
    """Every account of role referee (``{"id", "username", "display_name"}``), for picking one."""
    return list(
        await User.select(User.id, User.username, User.display_name)
        .where(User.role == "referee")
        .order_by(User.username)
    )


async def _referee_of(user_id: int, category_id: int) -> dict[str, Any] | None:
    return (
        await Referee.select(Referee.id, Referee.head)
        .where((Referee.category == category_id) & (Referee.user == user_id))
        .first()
    )


# --- runs ------------------------------------------------------------------------------------


@dataclass
class RunInput:
    entry_id: int
    category_code: str
    round: int
    items: dict[str, Any]
    time_seconds: Any = None
    client_run_id: str | None = None
    variant: str | None = None
    confirmation: str | None = None
    confirmation_note: str | None = None


def _with_time(sheet: sheets.Sheet, items: dict[str, Any], time_seconds: Any) -> dict[str, Any]:
    """The items with ``time_seconds`` put into the sheet's time item (when it has one and the
    items lack it); a different time in both is refused (422)."""
    items = dict(items)
    time_item = sheet.time_item
    if time_seconds is None or time_item is None:
        return items
    given = items.get(time_item.code)
    if given is None or given == "":
        items[time_item.code] = time_seconds
    elif sheets._number(given) != sheets._number(time_seconds):
        message = _(
            "用时填写了两次且不一致：“{name}”为 {a}，time_seconds 为 {b}。",
            name=time_item.name,
            a=given,
            b=time_seconds,
        )
        raise ValidationFailed(message, errors=[{"field": "time_seconds", "message": message}])
    return items


def _run_time(sheet: sheets.Sheet, result: sheets.RunScore, time_seconds: Any) -> str | None:
    """The run's time as text: the time item's value, else ``time_seconds`` when the sheet has no
    time item (a non-negative number), else ``None``."""
    if result.time_seconds is not None:
        return _text(result.time_seconds)
    if time_seconds is None or sheet.time_item is not None:
        return None
    value = sheets._number(time_seconds)
    if value is None or value < 0:
        message = _("用时（time_seconds）必须是不小于 0 的数字。")
        raise ValidationFailed(message, errors=[{"field": "time_seconds", "message": message}])
    return _text(value)


def _score(sheet: sheets.Sheet, items: dict[str, Any], variant: str | None) -> sheets.RunScore:
    """:func:`sheets.score_run`; a value too large to compute with (``1e999999``) is 422, not a 500."""
    try:
        return sheets.score_run(sheet, items, variant)
    except ArithmeticError:
        message = _("填写的数值过大，无法计分。")
        raise ValidationFailed(message, errors=[{"field": "items", "message": message}]) from None


def _run_answer(run: dict[str, Any]) -> dict[str, Any]:
    return {"id": run["id"], "score": run["score"], "status": run["status"]}


async def _recorder_name(user_id: int | None) -> str:
    if user_id is None:
        return _("未知")
    row = await User.select(User.username, User.display_name).where(User.id == user_id).first()
    return (row["display_name"] or row["username"]) if row else _("未知")


async def _duplicate(
    entry_id: int, category_id: int, round_number: int, actor_id: int, client_run_id: str | None
) -> Conflict | dict[str, Any] | None:
    """The team's run in that round as a :class:`Conflict` naming who recorded it; the run itself
    when it is this referee's run with this ``client_run_id`` (the same run sent again, which may
    have been committed between two reads); ``None`` when the round is free."""
    existing = (
        await Run.select(Run.id, Run.score, Run.status, Run.recorded_by, Run.recorded_at, Run.client_run_id)
        .where((Run.entry == entry_id) & (Run.category == category_id) & (Run.round == round_number))
        .first()
    )
    if existing is None:
        return None
    if client_run_id and existing["recorded_by"] == actor_id and existing["client_run_id"] == client_run_id:
        return existing
    at = existing["recorded_at"].astimezone(times.SHANGHAI).strftime("%H:%M:%S")
    name = await _recorder_name(existing["recorded_by"])
    if "裁判" in name:  # "裁判 陈明" is not called "裁判 裁判 陈明"
        message = _(
            "该队第 {round} 轮的成绩已由 {name} 于 {at} 记录（成绩编号 {id}），不能重复记录；如需更正请修改该成绩。",
            round=round_number,
            name=name,
            at=at,
            id=existing["id"],
        )
    else:
        message = _(
            "该队第 {round} 轮的成绩已由裁判 {name} 于 {at} 记录（成绩编号 {id}），不能重复记录；如需更正请修改该成绩。",
            round=round_number,
            name=name,
            at=at,
            id=existing["id"],
        )
    return Conflict(message, extra={"run_id": existing["id"]})


async def _by_client_id(user_id: int, client_run_id: str | None) -> dict[str, Any] | None:
    if not client_run_id:
        return None
    return (
        await Run.select(Run.id, Run.score, Run.status)
        .where((Run.recorded_by == user_id) & (Run.client_run_id == client_run_id))
        .first()
    )


def _is_unique_violation(exc: BaseException) -> bool:
    return type(exc).__name__ in {"IntegrityError", "UniqueViolationError"}


async def require_runs_open(actor: Principal, event_id: int) -> None:
    """Runs follow the judges' rule (judging/rounds/states.py): referees record, approve and
    correct runs until the event's results are published (公示); after that only an organizer
    corrects (with a reason), and once finalized nobody does (409 saying why)."""
    state = RoundState.of(await current_round(event_id))
    if state is RoundState.FINALIZED:
        raise Conflict(_("结果已定稿，比赛成绩已锁定，不能再记录或修改；如确需修改，请组委会先解锁并说明理由。"))
    if state is RoundState.PUBLISHED and not actor.is_organizer:
        raise Conflict(_("结果已公示，裁判不能再记录或修改比赛成绩；如需更正请联系组委会。"))


async def require_sheet_changeable(actor: Principal, event_id: int, code: str) -> None:
    """A new sheet version rescores every recorded run, so it follows the runs' rule
    (:func:`require_runs_open`): refused once the results are finalized (certificates are numbered
    from the final scores: unlock first), and during 公示 left to organizers (409 saying why)."""
    state = RoundState.of(await current_round(event_id))
    if state is RoundState.FINALIZED:
        raise Conflict(
            _(
                "结果已定稿，赛项“{code}”的成绩已锁定：新版记分表会重新计算已定稿的成绩（证书已按定稿成绩编号），"
                "因此不能保存。如确需修改，请先解锁定稿结果并写明理由；公示期间只有组委会可以修改记分表并重新计分。",
                code=code,
            )
        )
    if state is RoundState.PUBLISHED and not actor.is_organizer:
        raise Conflict(_("结果已公示，公示期间只有组委会可以修改记分表并重新计分。"))


async def submit_run(actor: Principal, data: RunInput) -> tuple[dict[str, Any], bool]:
    """Record a run (a referee of the entry's challenge). Returns ``({"id", "score", "status"},
    created)``: a repeated ``client_run_id`` of the same referee answers the stored run, not
    created again. 404 for an unknown entry (or not in a robotics event), 403 for a referee of
    another challenge, 409 when the team already has a run in that round (naming who recorded
    it) or the challenge has no sheet yet, 422 for a wrong round or items."""
    client_run_id = (str(data.client_run_id).strip() or None) if data.client_run_id is not None else None
    if client_run_id and len(client_run_id) > 64:
        message = _("client_run_id 不能超过 64 个字符。")
        raise ValidationFailed(message, errors=[{"field": "client_run_id", "message": message}])
    again = await _by_client_id(actor.id, client_run_id)
    if again is not None:
        return _run_answer(again), False
    if not 1 <= data.entry_id <= MAX_ID:
        raise NotFound(_("队伍不存在（编号 {id}）。", id=data.entry_id))
    entry = (
        await Entry.select(Entry.id, Entry.event, Entry.status, Entry.category.code.as_alias("category_code"))
        .where(Entry.id == data.entry_id)
        .first()
    )
    if entry is None:
        raise NotFound(_("队伍不存在（编号 {id}）。", id=data.entry_id))
    category = await challenge(entry["event"], entry["category_code"], actor)
    if str(data.category_code or "").strip().upper() != category["code"]:
        message = _("该队伍报名的赛项是“{code}”，不是“{given}”。", code=category["code"], given=data.category_code)
        raise ValidationFailed(message, errors=[{"field": "category_code", "message": message}])
    if await _referee_of(actor.id, category["id"]) is None:
        raise Forbidden(_("您不是赛项“{code}”的裁判，不能记录该赛项的成绩。", code=category["code"]))
    await require_runs_open(actor, entry["event"])
    if entry["status"] != "approved":
        raise Conflict(_("该队伍还没有通过审核，不能记录成绩。"))
    latest = await _latest_sheet_row(category["id"])
    if latest is None:
        raise Conflict(_("赛项“{code}”还没有记分表，请组委会先设置记分表。", code=category["code"]))
    sheet = sheets.parse_sheet(latest["sheet"])
    if isinstance(data.round, bool) or not isinstance(data.round, int) or not 1 <= data.round <= sheet.rounds:
        message = _("轮次必须是 1 到 {n} 之间的整数。", n=sheet.rounds)
        raise ValidationFailed(message, errors=[{"field": "round", "message": message}])
    if not isinstance(data.items, dict):
        message = _("任务项（items）必须是 {代码: 数值} 的对象。")
        raise ValidationFailed(message, errors=[{"field": "items", "message": message}])
    items = _with_time(sheet, data.items, data.time_seconds)
    variant = (str(data.variant).strip() or None) if data.variant is not None else None
    if not sheet.variants and variant is not None:
        message = _("该赛项没有现场抽签方案，不需要填写 variant。")
        raise ValidationFailed(message, errors=[{"field": "variant", "message": message}])
    confirmation, confirmation_note = _confirmation(data.confirmation, data.confirmation_note)
    drawn = await _draw_of(category["id"], data.round) if sheet.variants else None
    if drawn is not None and variant is None:
        variant = drawn["variant"]  # the round's recorded draw
    elif drawn is not None and variant != drawn["variant"]:
        raise Conflict(_draw_conflict(data.round, drawn))
    result = _score(sheet, items, variant)
    items = sheets.normalized(sheet, items, variant)  # "1" from a form and 1 from a tablet are one value
    time_text = _run_time(sheet, result, data.time_seconds)

    async def work() -> dict[str, Any]:
        again = await _by_client_id(actor.id, client_run_id)
        if again is not None:
            return {**_run_answer(again), "created": False}
        conflict = await _duplicate(entry["id"], category["id"], data.round, actor.id, client_run_id)
        if isinstance(conflict, Conflict):
            raise conflict
        if conflict is not None:
            return {**_run_answer(conflict), "created": False}
        now = times.now()
        if sheet.variants and drawn is None and variant is not None:
            await _store_draw(actor, entry["event"], category["id"], data.round, variant, now)
        rows = await Run.insert(
            Run(
                event=entry["event"],
                category=category["id"],
                entry=entry["id"],
                round=data.round,
                variant=variant,
                items=items,
                time_seconds=time_text,
                score=_text(result.score),
                penalties=_text(result.penalties),
                status="submitted",
                sheet_version=latest["version"],
                version=1,
                recorded_by=actor.id,
                recorded_at=now,
                client_run_id=client_run_id,
                updated_at=now,
                confirmation=confirmation,
                confirmation_note=confirmation_note,
            )
        )
        run_id = rows[0]["id"]
        await RunVersion.insert(
            RunVersion(
                run=run_id,
                version=1,
                items=items,
                variant=variant,
                time_seconds=time_text,
                score=_text(result.score),
                sheet_version=latest["version"],
                changed_by=actor.id,
                changed_at=now,
                reason="",
            )
        )
        await audit.record(
            actor,
            "robotics.run.submit",
            "robotics_run",
            run_id,
            event_id=entry["event"],
            entry_id=entry["id"],
            summary=_("第 {round} 轮 {score} 分", round=data.round, score=_text(result.score)),
            changes={"items": [None, items], "score": [None, _text(result.score)], "variant": [None, variant]},
        )
        return {"id": run_id, "score": _text(result.score), "status": "submitted", "created": True}

    try:
        stored = await write_transaction(work)
    except Exception as exc:
        if not _is_unique_violation(exc):
            raise
        # a parallel submission won the race (PostgreSQL, read committed): answer as it does
        again = await _by_client_id(actor.id, client_run_id)
        if again is not None:
            return _run_answer(again), False
        conflict = await _duplicate(entry["id"], category["id"], data.round, actor.id, client_run_id)
        if isinstance(conflict, Conflict):
            raise conflict from None
        if conflict is not None:
            return _run_answer(conflict), False
        raise
    created = stored.pop("created")
    return stored, created


async def _run_for(actor: Principal, run_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The run and the actor's referee row for its challenge (``None`` for an organizer).
    404 for an unknown run or one of a challenge the referee is not assigned to."""
    run = await Run.select().where(Run.id == run_id).first().output(load_json=True)
    if run is None:
        raise NotFound(_("成绩不存在（编号 {id}）。", id=run_id))
    if actor.is_organizer:
        return run, None
    referee = await _referee_of(actor.id, run["category"]) if actor.role == "referee" else None
    if referee is None:
        raise NotFound(_("成绩不存在（编号 {id}）。", id=run_id))
    return run, referee


async def approve_run(actor: Principal, run_id: int) -> dict[str, Any]:
    """Approve a run (the head referee of its challenge or an organizer): it then counts in the
    public standings. Approving an approved run changes nothing (a tablet may send it twice)."""
    run, referee = await _run_for(actor, run_id)
    if referee is not None and not referee["head"]:
        raise Forbidden(_("只有主裁判或组委会可以审核成绩。"))
    await require_runs_open(actor, run["event"])

    async def work() -> dict[str, Any]:
        current = await Run.select(Run.status).where(Run.id == run_id).first()
        if current["status"] == "approved":
            return {"id": run_id, "status": "approved"}
        await Run.update({Run.status: "approved", Run.approved_by: actor.id, Run.approved_at: times.now()}).where(
            Run.id == run_id
        )
        await audit.record(
            actor,
            "robotics.run.approve",
            "robotics_run",
            run_id,
            event_id=run["event"],
            entry_id=run["entry"],
            summary=_("第 {round} 轮 {score} 分", round=run["round"], score=run["score"]),
        )
        return {"id": run_id, "status": "approved"}

    approved = await write_transaction(work)
    await _standings_changed(run["event"], run["category"], None, run["entry"])
    return approved


async def change_run(actor: Principal, run_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Correct a run: ``{"items"?, "time_seconds"?, "variant"?, "reason"}`` (the items given
    replace the stored ones). A referee of the challenge corrects runs not yet approved; an
    approved run only the head referee or an organizer, and only with a reason (422 without).
    Rescored under the sheet version the run was recorded with; every version is kept and the
    change audited. A change that changes nothing stores nothing."""
    run, referee = await _run_for(actor, run_id)
    reason = str(data.get("reason") or "").strip()
    await require_runs_open(actor, run["event"])
    if run["status"] == "approved":
        if referee is not None and not referee["head"]:
            raise Forbidden(_("已审核的成绩只能由主裁判或组委会更正。"))
        if not reason:
            message = _("已审核的成绩更正时必须填写原因。")
            raise ValidationFailed(message, errors=[{"field": "reason", "message": message}])
    sheet = await _sheet_version(run["category"], run["sheet_version"])
    items = data["items"] if data.get("items") is not None else run["items"]
    if not isinstance(items, dict):
        message = _("任务项（items）必须是 {代码: 数值} 的对象。")
        raise ValidationFailed(message, errors=[{"field": "items", "message": message}])
    time_seconds = data.get("time_seconds")
    if time_seconds is not None and sheet.time_item is not None and data.get("items") is None:
        items = {**items, sheet.time_item.code: time_seconds}  # a new time alone replaces the stored one
    items = _with_time(sheet, items, time_seconds)
    variant = run["variant"]
    if data.get("variant") is not None:
        variant = str(data["variant"]).strip() or None
    result = _score(sheet, items, variant)
    items = sheets.normalized(sheet, items, variant)  # "1" from the run page and 1 from a tablet are one value
    if sheet.time_item is not None or time_seconds is not None:
        time_text = _run_time(sheet, result, time_seconds)
    else:
        time_text = run["time_seconds"]  # kept: the sheet has no time item and no new time was given
    stored = sheets.normalized(sheet, run["items"], run["variant"])  # as stored before values were normalised
    if items == stored and variant == run["variant"] and time_text == run["time_seconds"]:
        return await _run_detail(run)

    async def work() -> dict[str, Any]:
        now = times.now()
        # one statement takes the next version number (a parallel correction waits for the row)
        updated = await (
            Run.update(
                {
                    Run.items: items,
                    Run.variant: variant,
                    Run.time_seconds: time_text,
                    Run.score: _text(result.score),
                    Run.penalties: _text(result.penalties),
                    Run.version: Run.version + 1,
                    Run.updated_at: now,
                }
            )
            .where(Run.id == run_id)
            .returning(Run.version, Run.status)
        )
        if updated[0]["status"] != run["status"]:  # approved meanwhile: the checks above no longer hold
            raise Conflict(_("这轮成绩刚刚已被审核，请刷新后再更正（已审核的成绩更正需填写原因）。"))
        version = updated[0]["version"]
        await RunVersion.insert(
            RunVersion(
                run=run_id,
                version=version,
                items=items,
                variant=variant,
                time_seconds=time_text,
                score=_text(result.score),
                sheet_version=run["sheet_version"],
                changed_by=actor.id,
                changed_at=now,
                reason=reason,
            )
        )
        await audit.record(
            actor,
            "robotics.run.change",
            "robotics_run",
            run_id,
            event_id=run["event"],
            entry_id=run["entry"],
            reason=reason,
            changes=audit.diff(
                {
                    "items": run["items"],
                    "score": run["score"],
                    "time_seconds": run["time_seconds"],
                    "variant": run["variant"],
                },
                {"items": items, "score": _text(result.score), "time_seconds": time_text, "variant": variant},
            ),
        )
        updated = await Run.select().where(Run.id == run_id).first().output(load_json=True)
        return await _run_detail(updated)

    changed = await write_transaction(work)
    if changed["status"] == "approved":
        await _standings_changed(run["event"], run["category"], None, run["entry"])
    return changed


async def _run_detail(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "entry_id": run["entry"],
        "round": run["round"],
        "variant": run["variant"],
        "items": run["items"],
        "score": run["score"],
        "time_seconds": run["time_seconds"],
        "penalties": run["penalties"],
        "status": run["status"],
        "version": run["version"],
        "sheet_version": run["sheet_version"],
        "confirmation": run.get("confirmation"),
        "confirmation_note": run.get("confirmation_note") or "",
    }


async def run_history(actor: Principal, run_id: int) -> list[dict[str, Any]]:
    """Every version of a run, oldest first: ``[{"version", "items", "score", "by", "at", "reason",
    "variant", "time_seconds", "sheet_version"}]`` (``by``: the account's display name)."""
    run, _referee = await _run_for(actor, run_id)
    rows = (
        await RunVersion.select(
            RunVersion.all_columns(),
            RunVersion.changed_by.display_name.as_alias("by_name"),
            RunVersion.changed_by.username.as_alias("by_username"),
        )
        .where(RunVersion.run == run_id)
        .order_by(RunVersion.version)
        .output(load_json=True)
    )
    return [
        {
            "version": r["version"],
            "items": r["items"],
            "score": r["score"],
            "by": r["by_name"] or r["by_username"] or "",
            "at": r["changed_at"],
            "reason": r["reason"],
            "variant": r["variant"],
            "time_seconds": r["time_seconds"],
            "sheet_version": r["sheet_version"],
            "confirmation": run.get("confirmation"),
        }
        for r in rows
    ]


# --- referee tablets: draws, confirmations, queues, review (issue 13 item 3) -----------------

CONFIRMATIONS = ("confirmed", "refused")
MAX_NOTE = 500


def _confirmation(value: Any, note: Any) -> tuple[str | None, str]:
    """The captain's confirmation as stored: ``"confirmed"``, ``"refused"`` or ``None`` (not asked),
    and the referee's note (trimmed, at most :data:`MAX_NOTE` characters). 422 naming the field."""
    text = str(value).strip() if value is not None else ""
    if text and text not in CONFIRMATIONS:
        message = _("队长确认（confirmation）只能是 confirmed 或 refused。")
        raise ValidationFailed(message, errors=[{"field": "confirmation", "message": message}])
    note_text = str(note).strip() if note is not None else ""
    if len(note_text) > MAX_NOTE:
        message = _("备注不能超过 {n} 个字。", n=MAX_NOTE)
        raise ValidationFailed(message, errors=[{"field": "confirmation_note", "message": message}])
    return (text or None), note_text


async def _draw_of(category_id: int, round_number: int) -> dict[str, Any] | None:
    return (
        await RoundDraw.select(
            RoundDraw.round,
            RoundDraw.variant,
            RoundDraw.drawn_at,
            RoundDraw.drawn_by.display_name.as_alias("by_name"),
            RoundDraw.drawn_by.username.as_alias("by_username"),
        )
        .where((RoundDraw.category == category_id) & (RoundDraw.round == round_number))
        .first()
    )


def _draw_conflict(round_number: int, drawn: dict[str, Any]) -> str:
    return _(
        "第 {round} 轮已由 {name} 记录抽签结果“{variant}”，不能改为其他方案。",
        round=round_number,
        name=drawn["by_name"] or drawn["by_username"] or _("未知"),
        variant=drawn["variant"],
    )


async def _store_draw(
    actor: Principal, event_id: int, category_id: int, round_number: int, variant: str, now: dt.datetime
) -> None:
    await RoundDraw.insert(
        RoundDraw(
            event=event_id, category=category_id, round=round_number, variant=variant, drawn_by=actor.id, drawn_at=now
        )
    )
    await audit.record(
        actor,
        "robotics.draw.record",
        "robotics_draw",
        category_id,
        event_id=event_id,
        summary=_("第 {round} 轮抽签：{variant}", round=round_number, variant=variant),
        changes={"round": [None, round_number], "variant": [None, variant]},
    )


async def _referee_or_organizer(actor: Principal, category_id: int, head: bool = False) -> dict[str, Any]:
    """The actor's rights in a challenge: ``{"head": bool}``; 404 for a referee not assigned to it
    (as for its runs), 403 when ``head`` is asked of a referee who is not the head referee."""
    if actor.is_organizer:
        return {"head": True}
    referee = await _referee_of(actor.id, category_id) if actor.role == "referee" else None
    if referee is None:
        raise NotFound(_("您不是该赛项的裁判。"))
    if head and not referee["head"]:
        raise Forbidden(_("只有主裁判或组委会可以审核成绩。"))
    return {"head": bool(referee["head"])}


async def record_draw(actor: Principal, event_id: int, code: str, round_number: Any, variant: Any) -> dict[str, Any]:
    """Record the task variant drawn on site for a round (a referee of the challenge or an
    organizer): ``{"round", "variant", "by"}``. Recording the same variant again changes nothing;
    another variant once recorded is 409 naming who recorded it; unknown round or variant 422."""
    category = await challenge(event_id, code, actor)
    await _referee_or_organizer(actor, category["id"])
    latest = await _latest_sheet_row(category["id"])
    if latest is None:
        raise Conflict(_("赛项“{code}”还没有记分表，请组委会先设置记分表。", code=category["code"]))
    sheet = sheets.parse_sheet(latest["sheet"])
    try:
        number = int(str(round_number).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= sheet.rounds:
        message = _("轮次必须是 1 到 {n} 之间的整数。", n=sheet.rounds)
        raise ValidationFailed(message, errors=[{"field": "round", "message": message}])
    codes = [c for c, _n in sheet.variants]
    chosen = str(variant or "").strip()
    if chosen not in codes:
        message = _("请选择抽到的方案（{codes}）。", codes=list_separator().join(codes) or "-")
        raise ValidationFailed(message, errors=[{"field": "variant", "message": message}])

    async def work() -> dict[str, Any]:
        drawn = await _draw_of(category["id"], number)
        if drawn is not None and drawn["variant"] != chosen:
            raise Conflict(_draw_conflict(number, drawn))
        if drawn is None:
            await _store_draw(actor, event_id, category["id"], number, chosen, times.now())
            drawn = await _draw_of(category["id"], number)
        assert drawn is not None
        return {"round": number, "variant": chosen, "by": drawn["by_name"] or drawn["by_username"] or ""}

    try:
        return await write_transaction(work)
    except Exception as exc:
        if not _is_unique_violation(exc):
            raise
        drawn = await _draw_of(category["id"], number)  # another tablet recorded it at the same moment
        if drawn is not None and drawn["variant"] == chosen:
            return {"round": number, "variant": chosen, "by": drawn["by_name"] or drawn["by_username"] or ""}
        raise Conflict(_draw_conflict(number, drawn or {"by_name": "", "by_username": "", "variant": ""})) from None


async def my_challenges(actor: Principal) -> list[dict[str, Any]]:
    """The challenges the actor referees (organizers: every challenge of every robotics event that
    has a score sheet), event by event: ``[{"event_id", "event_name", "code", "name", "head"}]``."""
    if actor.is_organizer:
        rows = (
            await Category.select(
                Category.id,
                Category.code,
                Category.name,
                Category.event.id.as_alias("event_id"),
                Category.event.name.as_alias("event_name"),
            )
            .where(Category.event.kind == ROBOTICS)
            .order_by(Category.event.id, ascending=False)
            .order_by(Category.code)
        )
        return [{**r, "head": True} for r in rows]
    rows = (
        await Referee.select(
            Referee.head,
            Referee.category.id.as_alias("id"),
            Referee.category.code.as_alias("code"),
            Referee.category.name.as_alias("name"),
            Referee.event.id.as_alias("event_id"),
            Referee.event.name.as_alias("event_name"),
            Referee.event.status.as_alias("event_status"),
        )
        .where(Referee.user == actor.id)
        .order_by(Referee.event, ascending=False)
        .order_by(Referee.category.code)
    )
    return [r for r in rows if r["event_status"] != "draft"]


async def referee_queue(actor: Principal, event_id: int, code: str) -> dict[str, Any]:
    """A challenge's queue for a referee's tablet: the approved teams (code, name, school; never
    members), each with its run per round (``{"id", "status", "score", "by", "confirmation", "items",
    "time_seconds"}`` or
    absent), the rounds with their recorded draws, and the current sheet.

    ``{"challenge", "head", "sheet": {"version", ...}, "rounds": [1..n], "draws": {round: {"variant",
    "name", "by"}}, "teams": [{"entry_id", "code", "title", "school_name", "runs": {round: run}}]}``."""
    category = await challenge(event_id, code, actor)
    rights = await _referee_or_organizer(actor, category["id"])
    latest = await _latest_sheet_row(category["id"])
    if latest is None:
        raise NotFound(_("赛项“{code}”还没有记分表。", code=category["code"]))
    sheet = sheets.parse_sheet(latest["sheet"])
    names = dict(sheet.variants)
    draws = {
        r["round"]: {
            "variant": r["variant"],
            "name": names.get(r["variant"], r["variant"]),
            "by": r["by_name"] or r["by_username"] or "",
        }
        for r in await RoundDraw.select(
            RoundDraw.round,
            RoundDraw.variant,
            RoundDraw.drawn_by.display_name.as_alias("by_name"),
            RoundDraw.drawn_by.username.as_alias("by_username"),
        ).where(RoundDraw.category == category["id"])
    }
    teams = await (
        Entry.select(Entry.id, Entry.code, Entry.title, Entry.school.name.as_alias("school_name"))
        .where((Entry.category == category["id"]) & (Entry.status == "approved"))
        .order_by(Entry.code)
    )
    runs = (
        await Run.select(
            Run.id,
            Run.entry,
            Run.round,
            Run.status,
            Run.score,
            Run.confirmation,
            Run.items,
            Run.time_seconds,
            Run.recorded_by.display_name.as_alias("by_name"),
            Run.recorded_by.username.as_alias("by_username"),
        )
        .where(Run.category == category["id"])
        .output(load_json=True)
    )
    by_team: dict[int, dict[int, dict[str, Any]]] = {}
    for r in runs:
        by_team.setdefault(r["entry"], {})[r["round"]] = {
            "id": r["id"],
            "status": r["status"],
            "score": r["score"],
            "confirmation": r["confirmation"],
            "by": r["by_name"] or r["by_username"] or "",
            "items": r["items"],
            "time_seconds": r["time_seconds"],
        }
    return {
        "challenge": category,
        "head": rights["head"],
        "sheet": {**latest["sheet"], "version": latest["version"]},
        "rounds": list(range(1, sheet.rounds + 1)),
        "draws": draws,
        "teams": [
            {
                "entry_id": t["id"],
                "code": t["code"],
                "title": t["title"],
                "school_name": t["school_name"],
                "runs": by_team.get(t["id"], {}),
            }
            for t in teams
        ],
    }


async def runs_for_review(actor: Principal, event_id: int, code: str, status: str | None = None) -> dict[str, Any]:
    """The runs of a challenge for its head referee (or an organizer), oldest first, each with its
    items, total, who recorded it and the captain's confirmation; ``status`` filters
    (``submitted`` or ``approved``). ``{"challenge", "sheet", "runs": [...]}``."""
    category = await challenge(event_id, code, actor)
    await _referee_or_organizer(actor, category["id"], head=True)
    latest = await _latest_sheet_row(category["id"])
    query = Run.select(
        Run.all_columns(),
        Run.entry.code.as_alias("team_code"),
        Run.entry.title.as_alias("team_name"),
        Run.recorded_by.display_name.as_alias("by_name"),
        Run.recorded_by.username.as_alias("by_username"),
        Run.approved_by.display_name.as_alias("approved_name"),
        Run.approved_by.username.as_alias("approved_username"),
    ).where(Run.category == category["id"])
    if status in ("submitted", "approved"):
        query = query.where(Run.status == status)
    rows = await query.order_by(Run.recorded_at).order_by(Run.id).output(load_json=True)
    return {
        "challenge": category,
        "sheet": {**latest["sheet"], "version": latest["version"]} if latest else None,
        "runs": [
            {
                **await _run_detail(r),
                "team_code": r["team_code"],
                "team_name": r["team_name"],
                "recorded_by": r["by_name"] or r["by_username"] or "",
                "recorded_at": r["recorded_at"],
                "approved_by": r["approved_name"] or r["approved_username"] or "",
                "approved_at": r["approved_at"],
            }
            for r in rows
        ],
    }


async def run_for_page(actor: Principal, run_id: int) -> dict[str, Any]:
    """One run as its page shows it (a referee of its challenge, or an organizer): the run, its
    team, who recorded and approved it, the actor's rights (``head``), and the sheet version it was
    scored under."""
    run, referee = await _run_for(actor, run_id)
    team = await Entry.select(Entry.code, Entry.title).where(Entry.id == run["entry"]).first()
    category = await Category.select(Category.code, Category.name).where(Category.id == run["category"]).first()
    sheet = (
        await ScoreSheetVersion.select(ScoreSheetVersion.sheet)
        .where((ScoreSheetVersion.category == run["category"]) & (ScoreSheetVersion.version == run["sheet_version"]))
        .first()
        .output(load_json=True)
    )
    return {
        **await _run_detail(run),
        "event_id": run["event"],
        "category_code": category["code"],
        "category_name": category["name"],
        "team_code": team["code"],
        "team_name": team["title"],
        "recorded_by": await _recorder_name(run["recorded_by"]),
        "recorded_at": run["recorded_at"],
        "approved_by": await _recorder_name(run["approved_by"]) if run["approved_by"] else "",
        "approved_at": run["approved_at"],
        "head": referee is None or bool(referee["head"]),
        "sheet": sheet["sheet"] if sheet else {},
    }


# --- standings -------------------------------------------------------------------------------


async def _standings_changed(event_id: int, category_id: int, code: str | None, entry_id: int | None) -> None:
    """Tell the standings cache and live screens (:data:`app.signals.robotics_runs_changed`) that
    a challenge's public standings may have changed: ``entry_id``'s runs, or every team (``None``)."""
    if code is None:
        row = await Category.select(Category.code).where(Category.id == category_id).first()
        code = row["code"] if row else ""
    await signals.robotics_runs_changed.send(
        event_id=event_id, category_id=category_id, category_code=code, entry_id=entry_id
    )


_SHEET_CACHE: dict[str, sheets.Sheet] = {}  # a sheet's JSON text -> the parsed sheet (versions never change)

_STANDINGS_HEAD = """
SELECT c.id AS category_id, ev.kind AS kind, ev.status AS status, rs.sheet AS sheet
FROM category c
JOIN event ev ON ev.id = c.event
LEFT JOIN robotics_sheet rs ON rs.category = c.id
    AND rs.version = (SELECT MAX(v.version) FROM robotics_sheet v WHERE v.category = c.id)
WHERE c.event = {} AND c.code = {}
"""

_STANDINGS_TEAMS = """
SELECT e.id AS id, e.title AS title, e.status AS entry_status, e.division AS division, s.name AS school_name,
    r.round AS round, r.score AS score, r.time_seconds AS time_seconds, r.penalties AS penalties,
    r.approved_at AS approved_at, r.confirmation AS confirmation
FROM entry e
JOIN school s ON s.id = e.school
LEFT JOIN robotics_run r ON r.entry = e.id AND r.category = e.category AND r.status = 'approved'
WHERE e.category = {}
ORDER BY e.id, r.round
"""


@dataclass(frozen=True)
class _StoredRun(standings.Run):
    """An approved run with its score and time as stored (decimal text, answered as is)."""

    score_text: str = ""
    time_text: str | None = None
    confirmation: str | None = None


def _parsed(text: Any) -> sheets.Sheet:
    key = text if isinstance(text, str) else json.dumps(text, sort_keys=True)
    sheet = _SHEET_CACHE.get(key)
    if sheet is None:
        if len(_SHEET_CACHE) > 256:
            _SHEET_CACHE.clear()
        sheet = sheets.parse_sheet(json.loads(text) if isinstance(text, str) else text)
        _SHEET_CACHE[key] = sheet
    return sheet


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=times.UTC)
    return dt.datetime.fromisoformat(str(value))


async def category_standings(event_id: int, code: str) -> dict[str, Any]:
    """Public standings of a challenge: approved teams and any team with an approved run, ranked
    by :func:`standings.order_by_division` under the current sheet (per division, as results and
    awards rank: lines by division, then rank); only approved runs count and show.

    Two queries (the challenge with its event and current sheet; the teams with their approved
    runs): it runs after every approval, for every live screen (bench/robotics_runs.py)."""
    code = str(code or "").strip().upper()
    head = await Category.raw(_STANDINGS_HEAD, event_id, code) if 1 <= event_id <= MAX_ID else []
    if not head or head[0]["kind"] != ROBOTICS or head[0]["status"] == "draft":
        await challenge(event_id, code)  # says which: unknown event, not robotics, unknown code
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))  # pragma: no cover - challenge() raised
    if head[0]["sheet"] is None:
        raise NotFound(_("赛项“{code}”还没有记分表。", code=code))
    sheet = _parsed(head[0]["sheet"])
    rows = await Entry.raw(_STANDINGS_TEAMS, head[0]["category_id"])
    teams: list[tuple[dict[str, Any], list[standings.Run]]] = []
    current: dict[str, Any] | None = None
    runs: list[standings.Run] = []
    for r in rows:
        if current is None or current["id"] != r["id"]:
            if current is not None and (current["entry_status"] == "approved" or runs):
                teams.append((current, runs))
            current, runs = r, []
        if r["score"] is not None:
            time_text = r["time_seconds"]
            runs.append(
                _StoredRun(
                    round=r["round"],
                    score=Decimal(r["score"]),
                    time_seconds=Decimal(time_text) if time_text is not None else None,
                    penalties=Decimal(r["penalties"]),
                    approved_at=_when(r["approved_at"]),
                    score_text=r["score"],
                    time_text=time_text,
                    confirmation=r["confirmation"],
                )
            )
    if current is not None and (current["entry_status"] == "approved" or runs):
        teams.append((current, runs))
    lines = [standings.line_of(sheet, team, runs) for team, runs in teams]
    lines = standings.order_by_division(sheet, lines, lambda line: line.team["division"])
    return {
        "teams": [
            {
                "entry_id": line.team["id"],
                "team_name": line.team["title"],
                "school_name": line.team["school_name"],
                "division": line.team["division"],
                "rank": line.rank,
                "counted_score": _text(line.counted_score) if line.counted_score is not None else None,
                "runs": [
                    {
                        "round": run.round,
                        "score": run.score_text,
                        "time_seconds": run.time_text,
                        "status": "approved",
                        "confirmation": run.confirmation,
                    }
                    for run in line.runs
                    if isinstance(run, _StoredRun)
                ],
                "explanation": line.explanation,
            }
            for line in lines
        ]
    }


# --- public index and the sheet editor (pages) ----------------------------------------------


async def robotics_event(event_id: int, viewer: Principal | None = None) -> dict[str, Any]:
    """A robotics event ``{"id", "name", "year", "status"}`` with its challenges ``[{"id", "code",
    "name", "has_sheet"}]``. 404 for an unknown event, one of another kind, or a draft ``viewer``
    may not see (``None``: the public)."""
    if not 1 <= event_id <= MAX_ID:
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    event = (
        await Event.select(Event.id, Event.name, Event.year, Event.kind, Event.status)
        .where(Event.id == event_id)
        .first()
    )
    if (
        event is None
        or event["kind"] != ROBOTICS
        or (event["status"] == "draft" and not (viewer and viewer.is_organizer))
    ):
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    rows = (
        await Category.select(Category.id, Category.code, Category.name)
        .where(Category.event == event_id)
        .order_by(Category.id)
    )
    with_sheet = {
        r["category"]
        for r in await ScoreSheetVersion.select(ScoreSheetVersion.category).where(ScoreSheetVersion.event == event_id)
    }
    return {**event, "challenges": [{**r, "has_sheet": r["id"] in with_sheet} for r in rows]}


async def public_robotics_events() -> list[dict[str, Any]]:
    """Robotics events the public may see (not drafts), newest first: ``[{"id", "name", "year", "status"}]``."""
    return list(
        await Event.select(Event.id, Event.name, Event.year, Event.status)
        .where((Event.kind == ROBOTICS) & (Event.status != "draft"))
        .order_by(Event.id, ascending=False)
    )


async def sheet_versions(actor: Principal, event_id: int, code: str) -> dict[str, Any]:
    """For the organizer's sheet editor: the challenge, its sheet versions newest first
    (``[{"version", "created_at", "by", "sheet"}]``) and how many runs are recorded
    (``runs``; ``approved`` of them), which decides whether a new version needs ``recompute``."""
    category = await challenge(event_id, code, actor)
    versions = (
        await ScoreSheetVersion.select(
            ScoreSheetVersion.version,
            ScoreSheetVersion.sheet,
            ScoreSheetVersion.created_at,
            ScoreSheetVersion.created_by.display_name.as_alias("by_name"),
            ScoreSheetVersion.created_by.username.as_alias("by_username"),
        )
        .where(ScoreSheetVersion.category == category["id"])
        .order_by(ScoreSheetVersion.version, ascending=False)
        .output(load_json=True)
    )
    runs = await Run.count().where(Run.category == category["id"])
    approved = await Run.count().where((Run.category == category["id"]) & (Run.status == "approved"))
    return {
        "challenge": category,
        "versions": [
            {
                "version": v["version"],
                "created_at": v["created_at"],
                "by": v["by_name"] or v["by_username"] or "",
                "sheet": v["sheet"],
            }
            for v in versions
        ],
        "runs": runs,
        "approved": approved,
    }


def check_sheet(data: Any) -> sheets.Sheet:
    """Validate a sheet's JSON form as :func:`put_sheet` does, storing nothing (the editor's preview)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("记分表必须是一个 JSON 对象。"))
    return _parse(_without_recompute(data))
