"""Events and their categories: creation, settings, registration window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from app import audit, signals
from app.db import write_transaction
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.text import name_problem
from app.times import SHANGHAI, UTC, now
from competitions.events import extensions, lifecycle
from competitions.events.kinds import kind_codes, kind_of
from competitions.events.lifecycle import EventStatus, Stage
from competitions.events.tables import DIVISIONS, DOCUMENT_KINDS, Category, Event

AGGREGATIONS = ("mean", "trimmed_mean", "zscore")
DIVISION_LETTERS = {"小学": "P", "初中": "J", "高中": "S"}


def divisions_of(value: Any) -> list[str]:
    """An event's divisions from its JSON column (a list, or JSON text as SQLite and
    PostgreSQL return it); all divisions when unset or unreadable."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if isinstance(value, list) and value:
        return [d for d in DIVISIONS if d in value]
    return list(DIVISIONS)


def kinds_of(value: Any) -> list[str] | None:
    """Document kinds from a JSON column (list or JSON text), in :data:`DOCUMENT_KINDS` order;
    ``None`` stays ``None`` (a category without its own list)."""
    if value is None:
        return None
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [k for k in DOCUMENT_KINDS if k in (value or [])]


def _document_kinds(value: Any, field: str) -> list[str]:
    """Validate a list of document kinds (422 naming ``field`` and the allowed kinds)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",") if v.strip()]
    unknown = [str(v) for v in value if v not in DOCUMENT_KINDS] if isinstance(value, list) else [str(value)]
    if unknown:
        raise ValidationFailed(
            _("材料类型只能是 {kinds}，“{bad}”无效。", kinds="、".join(DOCUMENT_KINDS), bad="、".join(unknown)),
            errors=[{"field": field, "message": _("材料类型无效：{bad}", bad="、".join(unknown))}],
        )
    return [k for k in DOCUMENT_KINDS if k in value]


def event_dict(row: dict) -> dict[str, Any]:
    """Public shape of an event row (times ISO 8601 with offset, quotas as strings)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "year": row["year"],
        "divisions": divisions_of(row["divisions"]),
        "status": row.get("status") or EventStatus.OPEN.value,
        "judging_started_at": row["judging_started_at"].isoformat() if row.get("judging_started_at") else None,
        "registration_opens_at": row["registration_opens_at"].isoformat() if row.get("registration_opens_at") else None,
        "registration_closes_at": row["registration_closes_at"].isoformat()
        if row.get("registration_closes_at")
        else None,
        "min_team_size": row["min_team_size"],
        "max_team_size": row["max_team_size"],
        "max_advisers": row["max_advisers"],
        "min_advisers": row.get("min_advisers") or 0,
        "required_documents": kinds_of(row.get("required_documents")) or [],
        "city_review_required": row["city_review_required"],
        "aggregation": row["aggregation"],
        "trim_min_scores": row["trim_min_scores"],
        "score_decimals": row["score_decimals"],
        "award_quotas": {"first": row["award_first"], "second": row["award_second"], "third": row["award_third"]},
        "judge_city_conflict": bool(row.get("judge_city_conflict")),
        "national_quota": row.get("national_quota"),
        "award_min_score": row.get("award_min_score"),
    }


def parse_time(value: Any, field: str) -> dt.datetime | None:
    """Parse an ISO 8601 time; a time without offset is read as Asia/Shanghai.
    ``""``/``None`` -> ``None``. Raises :class:`ValidationFailed`."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(
                _("“{field}”的时间格式不正确，请使用 2026-03-31 18:00 这样的格式。", field=field)
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(UTC)


def _quota_decimal(value: Any, name: str) -> Decimal:
    try:
        # read exactly as written: str() of a JSON number keeps its digits when parsed as Decimal
        quota = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("获奖比例“{name}”必须是 0 到 1 之间的小数。", name=name)) from None
    if not quota.is_finite() or quota < 0 or quota > 1:
        raise ValidationFailed(_("获奖比例“{name}”必须在 0 到 1 之间，现在是 {value}。", name=name, value=value))
    return quota


def _validated_settings(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate settable event fields; returns column-name -> value. Raises ValidationFailed."""
    values: dict[str, Any] = {}
    if "name" in data:
        if data["name"] is not None and not isinstance(data["name"], str):
            message = _("赛事名称必须是文字。")
            raise ValidationFailed(message, errors=[{"field": "name", "message": message}])
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed(_("请填写赛事名称。"))
        if problem := name_problem(name, _("赛事名称")):
            raise ValidationFailed(problem, errors=[{"field": "name", "message": problem}])
        values["name"] = name[:200]
    if "kind" in data:
        if data["kind"] not in kind_codes():
            raise ValidationFailed(
                _("赛事类型必须是 innovation（科技创新大赛）、robotics（机器人竞赛）或 camp（科学营）。")
            )
        values["kind"] = data["kind"]
    if "year" in data:
        try:
            year = int(data["year"])
        except (TypeError, ValueError):
            raise ValidationFailed(_("年份必须是四位数字，例如 2026。")) from None
        if not 2000 <= year <= 2100:
            raise ValidationFailed(_("年份必须是四位数字，例如 2026。"))
        values["year"] = year
    for key, label in (("registration_opens_at", _("报名开始时间")), ("registration_closes_at", _("报名截止时间"))):
        if key in data:
            values[key] = parse_time(data[key], label)
    opens = values.get("registration_opens_at", (current or {}).get("registration_opens_at"))
    closes = values.get("registration_closes_at", (current or {}).get("registration_closes_at"))
    if opens and closes and closes <= opens:
        raise ValidationFailed(_("报名截止时间必须晚于开始时间。"))
    if "divisions" in data:
        divisions = [d for d in DIVISIONS if d in (data["divisions"] or [])]
        unknown = [d for d in (data["divisions"] or []) if d not in DIVISIONS]
        if unknown or not divisions:
            raise ValidationFailed(_("组别只能是 小学、初中、高中，至少选一个。"))
        values["divisions"] = divisions
    for key, low, high in (
        ("min_team_size", 1, 10),
        ("max_team_size", 1, 10),
        ("max_advisers", 0, 5),
        ("min_advisers", 0, 5),
    ):
        if key in data:
            try:
                number = int(data[key])
            except (TypeError, ValueError):
                raise ValidationFailed(_("人数限制必须是整数。")) from None
            if not low <= number <= high:
                raise ValidationFailed(_("人数限制 {value} 超出范围 {low}–{high}。", value=number, low=low, high=high))
            values[key] = number
    low = values.get("min_team_size", (current or {}).get("min_team_size", 1))
    high = values.get("max_team_size", (current or {}).get("max_team_size", 3))
    if low > high:
        raise ValidationFailed(_("每队最少人数不能大于最多人数。"))
    fewest = values.get("min_advisers", (current or {}).get("min_advisers") or 0)
    most = values.get("max_advisers", (current or {}).get("max_advisers", 2))
    if fewest > most:
        raise ValidationFailed(
            _("每个作品最少辅导教师数（{low}）不能大于最多辅导教师数（{high}）。", low=fewest, high=most),
            errors=[{"field": "min_advisers", "message": _("不能大于最多辅导教师数。")}],
        )
    if "required_documents" in data:
        values["required_documents"] = _document_kinds(data["required_documents"], "required_documents")
    if "city_review_required" in data:
        values["city_review_required"] = bool(data["city_review_required"])
    if "aggregation" in data:
        if data["aggregation"] not in AGGREGATIONS:
            raise ValidationFailed(_("汇总方法必须是 mean、trimmed_mean 或 zscore。"))
        values["aggregation"] = data["aggregation"]
    if "trim_min_scores" in data:
        try:
            trim = int(data["trim_min_scores"])
        except (TypeError, ValueError):
            trim = 0
        if trim < 3:
            raise ValidationFailed(_("去掉最高分和最低分所需的最少评分数必须是不小于 3 的整数。"))
        values["trim_min_scores"] = trim
    if "score_decimals" in data:
        try:
            decimals = int(data["score_decimals"])
        except (TypeError, ValueError):
            decimals = -1
        if not 0 <= decimals <= 4:
            raise ValidationFailed(_("分数保留的小数位数必须是 0 到 4 的整数。"))
        values["score_decimals"] = decimals
    if "award_quotas" in data:
        quotas = data["award_quotas"] or {}
        if not isinstance(quotas, dict):
            raise ValidationFailed(_('获奖比例必须写成 {"first": 0.15, "second": 0.25, "third": 0.35}。'))
        merged = {
            "first": (current or {}).get("award_first", "0.15"),
            "second": (current or {}).get("award_second", "0.25"),
            "third": (current or {}).get("award_third", "0.35"),
        }
        unknown = set(quotas) - set(merged)
        if unknown:
            raise ValidationFailed(_("获奖比例只能设置 first、second、third。"))
        merged.update(quotas)
        parsed = {k: _quota_decimal(v, k) for k, v in merged.items()}
        if sum(parsed.values()) > 1:
            raise ValidationFailed(_("一、二、三等奖比例之和不能超过 1，现在是 {total}。", total=sum(parsed.values())))
        values.update({f"award_{k}": str(v) for k, v in parsed.items()})
    if "judge_city_conflict" in data:
        # judges also avoid every entry of their own city/county (回避同市县)
        flag = data["judge_city_conflict"]
        if isinstance(flag, str):
            flag = flag.strip().lower() not in ("", "0", "false", "off", "no", "否")
        values["judge_city_conflict"] = bool(flag)
    if "national_quota" in data:
        value = data["national_quota"]
        if value in (None, ""):
            values["national_quota"] = None
        else:
            try:
                quota = int(str(value).strip())
            except (TypeError, ValueError):
                quota = -1
            if quota < 0:
                raise ValidationFailed(_("推荐全国赛名额必须是非负整数，留空表示不限。"))
            values["national_quota"] = quota
    if "award_min_score" in data:
        value = data["award_min_score"]
        if value in (None, ""):
            values["award_min_score"] = None
        else:
            try:
                minimum = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                minimum = Decimal(-1)
            if not minimum.is_finite() or minimum < 0 or minimum > 1000:
                raise ValidationFailed(_("获奖最低分必须是 0 到 1000 之间的数，留空表示不设最低分。"))
            values["award_min_score"] = str(minimum)
    return values


async def create_event(actor: Principal, data: dict[str, Any], *, default_categories: bool = True) -> dict[str, Any]:
    """Create an event from ``{"name", "kind", "year", ...settings}``; an innovation
    contest gets the CASTIC-style categories unless ``default_categories`` is false.
    Returns :func:`event_dict`. Raises :class:`ValidationFailed`."""
    for required in ("name", "kind", "year"):
        if data.get(required) in (None, ""):
            raise ValidationFailed(
                _("请填写{field}。", field={"name": _("赛事名称"), "kind": _("赛事类型"), "year": _("年份")}[required])
            )
    values = _validated_settings(data)
    status = lifecycle.check_move(
        {"status": EventStatus.DRAFT},
        str(data.get("status") or EventStatus.DRAFT),
        Stage.DRAFT,
        closes_at=values.get("registration_closes_at"),
        entries=0,
    )
    values["status"] = status.value
    event = Event(**values)
    await event.save()
    if default_categories and kind_of(event.kind).default_categories:
        await Category.insert(
            *[
                Category(event=event.id, code=code, name=name, position=i)
                for i, (code, name) in enumerate(kind_of(event.kind).default_categories)
            ]
        )
    await audit.record(actor, "event.create", "event", event.id, event_id=event.id, summary=event.name)
    return await get_event(event.id)


def hidden_from(row: dict[str, Any], viewer: Principal | None) -> bool:
    """A draft event is invisible to everyone but organizers (404, CONTRACT.md)."""
    return viewer is not None and not viewer.is_organizer and row.get("status") == EventStatus.DRAFT


async def get_event(event_id: int, viewer: Principal | None = None) -> dict[str, Any]:
    """One event as :func:`event_dict` plus ``stage`` (:class:`lifecycle.Stage` value).
    Raises :class:`NotFound`, also for a draft when ``viewer`` is not an organizer."""
    return await event_of_row(await get_event_row(event_id, viewer))


async def event_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """:func:`get_event` of an event row already read (and checked as visible)."""
    return {
        **event_dict(row),
        "stage": (await lifecycle.stage_of(row)).value,
        **(await extensions.read_all(row["id"])),
    }


async def get_event_row(event_id: int, viewer: Principal | None = None) -> dict[str, Any]:
    """The event's table row; raises :class:`NotFound` (also for a draft that ``viewer``,
    when given, may not see)."""
    row = await Event.select().where(Event.id == event_id).first()
    if row is None or hidden_from(row, viewer):
        raise NotFound(_("赛事不存在（编号 {id}）。", id=event_id))
    return row


async def _entry_count(event_id: int) -> int:
    """Entries of the event (registration sits above events, so its table is read by name)."""
    rows = await Event.raw("SELECT COUNT(*) AS n FROM entry WHERE event = {}", event_id)
    return int(rows[0]["n"])


async def approved_without_students(event_id: int) -> list[dict[str, Any]]:
    """Approved entries of the event that have no student, ``[{"id", "code", "title"}]`` by code
    (registration sits above events, so its tables are read by name): judged and ranked, they would
    get no certificate, and once judging starts nobody can add their students."""
    rows = await Event.raw(
        "SELECT e.id AS id, e.code AS code, e.title AS title FROM entry e "
        "WHERE e.event = {} AND e.status = 'approved' "
        "AND NOT EXISTS (SELECT 1 FROM member m WHERE m.entry = e.id AND m.role = 'student') "
        "ORDER BY e.code, e.id",
        event_id,
    )
    return [{"id": r["id"], "code": r["code"], "title": r["title"]} for r in rows]


async def stage(event_id: int) -> Stage:
    """Where the event stands now (:func:`lifecycle.stage_of`)."""
    return await lifecycle.stage_of(await get_event_row(event_id))


async def set_status(actor: Principal, event_id: int, target: str) -> dict[str, Any]:
    """The organizer moves the event's ``status`` (draft/open/closed, :data:`lifecycle.STATUS_MOVES`).
    Raises :class:`Conflict` (409) for a move the lifecycle does not allow, :class:`NotFound`."""
    return await update_event(actor, event_id, {"status": target})


async def start_judging(actor: Principal, event_id: int) -> dict[str, Any]:
    """The organizer starts judging: registration, resubmission and review close for good
    (entries are what judges score). Only after registration has closed; 409 otherwise."""
    row = await get_event_row(event_id)
    current = await lifecycle.stage_of(row)
    if current.judging_begun:
        return await get_event(event_id)
    if current is not Stage.CLOSED:
        raise Conflict(_("请先截止报名（现在是“{stage}”），再开始评审。", stage=_(current.label)))
    at = now()
    await Event.update(
        {Event.judging_started_at: at, Event.status: EventStatus.CLOSED.value, Event.updated_at: at}
    ).where(Event.id == event_id)
    await audit.record(actor, "event.judging_started", "event", event_id, event_id=event_id, summary=row["name"])
    return await get_event(event_id)


async def update_event(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change event settings (any subset of the fields :func:`create_event` takes).
    Raises :class:`ValidationFailed` (422) for invalid settings, :class:`NotFound`."""
    current = await get_event_row(event_id)
    data, others = extensions.split(data)  # settings later programmes keep (public_results ...)
    values = _validated_settings(data, current)
    if "status" in data and data["status"] is not None:
        goal = lifecycle.check_move(
            current,
            str(data["status"]),
            await lifecycle.stage_of(current),
            closes_at=values.get("registration_closes_at", current.get("registration_closes_at")),
            entries=await _entry_count(event_id),
        )
        if goal != (current.get("status") or EventStatus.OPEN):
            values["status"] = goal.value
    elif (
        "registration_closes_at" in values
        and values["registration_closes_at"] is None
        and current.get("status") == EventStatus.OPEN
    ):
        raise ValidationFailed(
            _("开放报名的赛事必须有报名截止时间；如要停止报名，请把赛事改为报名截止。"),
            errors=[{"field": "registration_closes_at", "message": _("请填写报名截止时间。")}],
        )
    if values or others:

        async def work() -> None:
            if values:
                values["updated_at"] = now()
                await Event.update({getattr(Event, k): v for k, v in values.items()}).where(Event.id == event_id)
                await audit.record(
                    actor,
                    "event.update",
                    "event",
                    event_id,
                    event_id=event_id,
                    changes=audit.diff({k: current.get(k) for k in values}, values),
                )
            for owner, part in others:
                await owner.store(actor, event_id, part)

        await write_transaction(work)
        await signals.public_view_changed.send(event_id=event_id, what="event")  # its name, notice settings
    return await get_event(event_id)


async def list_events(viewer: Principal | None = None) -> list[dict[str, Any]]:
    """All events ``viewer`` may see (drafts only for organizers; all when ``viewer`` is
    ``None``), newest first, as :func:`get_event` gives them (with ``stage``)."""
    rows = await Event.select().order_by(Event.year, ascending=False).order_by(Event.id, ascending=False)
    return [
        {**event_dict(r), "stage": (await lifecycle.stage_of(r)).value, **(await extensions.read_all(r["id"]))}
        for r in rows
        if not hidden_from(r, viewer)
    ]


async def list_categories(event_id: int) -> list[dict[str, Any]]:
    """``[{"id", "code", "name", "school_quota", "city_quota", "required_documents"}]`` in
    display order (``required_documents`` ``None``: the event's list applies)."""
    rows = (
        await Category.select(
            Category.id,
            Category.code,
            Category.name,
            Category.school_quota,
            Category.city_quota,
            Category.required_documents,
        )
        .where(Category.event == event_id)
        .order_by(Category.position)
        .order_by(Category.id)
    )
    return [{**r, "required_documents": kinds_of(r["required_documents"])} for r in rows]


def _quota_value(value: Any, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("{label}必须是非负整数，留空表示不限。", label=label)) from None
    if number < 0:
        raise ValidationFailed(_("{label}必须是非负整数，留空表示不限。", label=label))
    return number


async def add_category(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Add a category ``{"code", "name", "school_quota"?, "city_quota"?}``. Raises
    :class:`ValidationFailed` for blanks, :class:`Conflict` for a duplicate code."""
    await get_event_row(event_id)
    code = (data.get("code") or "").strip().upper()
    name = (data.get("name") or "").strip()
    if not code or not name:
        raise ValidationFailed(_("请填写类别代码和名称。"))
    if len(code) > 32 or len(name) > 100:
        raise ValidationFailed(_("类别代码不超过 32 个字符，名称不超过 100 个字符。"))
    if problem := name_problem(name, _("类别名称")):
        raise ValidationFailed(problem, errors=[{"field": "name", "message": problem}])
    if await Category.exists().where((Category.event == event_id) & (Category.code == code)):
        raise Conflict(_("本赛事已有代码为“{code}”的类别。", code=code))
    position = await Category.count().where(Category.event == event_id)
    category = Category(
        event=event_id,
        code=code,
        name=name,
        position=position,
        school_quota=_quota_value(data.get("school_quota"), _("每校名额")),
        city_quota=_quota_value(data.get("city_quota"), _("每个市县推荐名额")),
    )
    await category.save()
    await audit.record(actor, "category.create", "category", category.id, event_id=event_id, summary=f"{code} {name}")
    return {
        "id": category.id,
        "code": code,
        "name": name,
        "school_quota": category.school_quota,
        "city_quota": category.city_quota,
        "required_documents": None,
    }


async def update_category(actor: Principal, event_id: int, category_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Rename a category or change its quotas (``None``/blank = no limit)."""
    row = await Category.select().where((Category.id == category_id) & (Category.event == event_id)).first()
    if row is None:
        raise NotFound(_("类别不存在。"))
    values: dict[str, Any] = {}
    if "name" in data and (data["name"] or "").strip():
        values["name"] = data["name"].strip()[:100]
        if problem := name_problem(values["name"], _("类别名称")):
            raise ValidationFailed(problem, errors=[{"field": "name", "message": problem}])
    if "school_quota" in data:
        values["school_quota"] = _quota_value(data["school_quota"], _("每校名额"))
    if "city_quota" in data:
        values["city_quota"] = _quota_value(data["city_quota"], _("每个市县推荐名额"))
    if "required_documents" in data:  # null: the event's list applies
        values["required_documents"] = (
            None
            if data["required_documents"] is None
            else _document_kinds(data["required_documents"], "required_documents")
        )
    if values:
        await Category.update({getattr(Category, k): v for k, v in values.items()}).where(Category.id == category_id)
        await audit.record(
            actor,
            "category.update",
            "category",
            category_id,
            event_id=event_id,
            changes=audit.diff({k: row.get(k) for k in values}, values),
        )
    row.update(values)
    out = {k: row[k] for k in ("id", "code", "name", "school_quota", "city_quota")}
    return {**out, "required_documents": kinds_of(row.get("required_documents"))}


async def update_categories(
    actor: Principal, event_id: int, changes: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Save every category's name and quotas at once (the settings page's one form):
    ``changes`` is ``{category id: {"name"?, "school_quota"?, "city_quota"?}}``. Every row is
    checked first; one bad value refuses all (422 whose ``errors`` name the category code and
    field, ``[{"field": "PH.school_quota", "message"}]``) so nothing is half saved. Returns
    :func:`list_categories`. Raises :class:`NotFound` for a category of another event."""
    await get_event_row(event_id)
    rows = {r["id"]: r for r in await Category.select().where(Category.event == event_id)}
    unknown = [cid for cid in changes if cid not in rows]
    if unknown:
        raise NotFound(_("类别不存在。"))
    errors: list[dict[str, str]] = []
    planned: dict[int, dict[str, Any]] = {}
    for cid, data in changes.items():
        code = rows[cid]["code"]
        values: dict[str, Any] = {}
        if "name" in data:
            name = (data["name"] or "").strip()
            if not name:
                errors.append({"field": f"{code}.name", "message": _("类别 {code}：请填写名称。", code=code)})
            else:
                values["name"] = name[:100]
        for key, label in (("school_quota", _("每校名额")), ("city_quota", _("每个市县推荐名额"))):
            if key in data:
                try:
                    values[key] = _quota_value(data[key], label)
                except ValidationFailed as exc:
                    errors.append(
                        {
                            "field": f"{code}.{key}",
                            "message": _("类别 {code}：{problem}", code=code, problem=exc.message),
                        }
                    )
        changed = {k: v for k, v in values.items() if rows[cid].get(k) != v}
        if changed:
            planned[cid] = changed
    if errors:
        raise ValidationFailed(
            _("有 {n} 处填写不正确，所有类别都没有保存，请改正后再保存。", n=len(errors)), errors=errors
        )

    async def work() -> None:
        for cid, values in planned.items():
            await Category.update({getattr(Category, k): v for k, v in values.items()}).where(Category.id == cid)
        await audit.record_many(
            actor,
            [
                audit.AuditRecord(
                    action="category.update",
                    object_type="category",
                    object_id=cid,
                    event_id=event_id,
                    summary=rows[cid]["code"],
                    changes=audit.diff({k: rows[cid].get(k) for k in values}, values),
                )
                for cid, values in planned.items()
            ],
        )

    if planned:
        await write_transaction(work)
    return await list_categories(event_id)


def registration_is_open(event: dict[str, Any], at: dt.datetime | None = None) -> bool:
    """True while the event is ``open`` and inside its registration window (dates may be
    unset). Judging's progress is not looked at here: see :func:`lifecycle.stage_of`."""
    return lifecycle.window_stage(event, at) is Stage.OPEN


async def category_ids(event_id: int) -> dict[str, int]:
    """``{category code: category id}`` of an event."""
    return {
        r["code"]: r["id"] for r in await Category.select(Category.id, Category.code).where(Category.event == event_id)
    }
