"""Delivery of outreach talks (issue 17 item 4): the school of a talk confirms it took place, with the
audience count and its feedback (rating 1–5 and a comment), and may add photos (stored like entry
documents); the expert records the hours; the office cancels or moves a talk with a reason (audited,
notified) and sees the talks not confirmed within the year's ``confirm_within_days``.

Confirmation rules: only the talk's own school (a coordinator account of that school; nobody else, not
even the office, speaks for the audience), only once the talk's day has come (on the day or after),
only for a scheduled talk (not a draft, not cancelled, not twice), with an audience of at least one and
at most 5,000, and a rating from 1 to 5.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app import audit, signals, times
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, TooLarge
from app.exports.workbook import clean_text
from app.files import private_dir, write_private
from app.i18n import _, pgettext
from app.principal import Principal
from app.settings import get_settings
from competitions.outreach import tours
from competitions.outreach.services import expert_id_of, invalid, require_organizer, settings_for, today
from competitions.outreach.tables import Talk, TalkPhoto, TalkRequest
from competitions.registration.documents import PHOTO_TYPES, sanitize_filename, sniff_content_type, storage_path

MAX_AUDIENCE = 5000
MAX_PHOTOS = 10
MAX_HOURS = Decimal(12)


# --------------------------------------------------------------------------- who sees a talk


def _may_see(actor: Principal, row: dict[str, Any], expert_id: int | None) -> bool:
    if actor.is_organizer:
        return True
    if actor.role == "expert":
        return expert_id is not None and row["expert"] == expert_id and row["status"] != "planned"
    if actor.role in ("school", "city"):
        return row["status"] != "planned" and actor.can_see_school(row["school"], row["region_code"])
    return False


async def visible_talk(actor: Principal, talk_id: int) -> dict[str, Any]:
    """The talk row if ``actor`` may see it (the office; the expert, the school and its city once the tour
    is confirmed); 404 otherwise."""
    row = await tours._talk_query().where(Talk.id == talk_id).first()
    mine = await expert_id_of(actor, create=False) if actor.role == "expert" else None
    if row is None or not _may_see(actor, row, mine):
        raise NotFound(_("报告不存在（编号 {id}）。", id=talk_id))
    return row


async def get_talk(actor: Principal, talk_id: int) -> dict[str, Any]:
    row = await visible_talk(actor, talk_id)
    out = (await tours.talks_out([row]))[0]
    if not actor.is_organizer:
        out["why"] = {"school": [], "expert": []}  # the office's reasoning
    return out


async def list_talks(actor: Principal, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Talks the caller may see; ``filters``: ``status``, ``tour_id``, ``year``, ``expert_id``,
    ``unconfirmed`` (scheduled talks whose day is more than ``confirm_within_days`` past)."""
    filters = filters or {}
    query = tours._talk_query()
    if actor.role == "expert":
        mine = await expert_id_of(actor)
        query = query.where((Talk.expert == mine) & (Talk.status != "planned"))
    elif actor.role == "school":
        query = query.where((Talk.school == actor.school_id) & (Talk.status != "planned"))
    elif actor.role == "city":
        if not actor.region_code:
            return []
        query = query.where((Talk.school.region == actor.region_code) & (Talk.status != "planned"))
    elif not actor.is_organizer:
        raise Forbidden(_("您的角色不能查看科普报告。"))
    if filters.get("status"):
        if filters["status"] not in tours.TALK_STATUS_LABELS:
            raise invalid("status", _("状态“{s}”无效。", s=filters["status"]))
        query = query.where(Talk.status == filters["status"])
    if filters.get("tour_id"):
        query = query.where(Talk.tour == int(filters["tour_id"]))
    if filters.get("expert_id"):
        query = query.where(Talk.expert == int(filters["expert_id"]))
    if filters.get("year"):
        year = int(filters["year"])
        query = query.where((Talk.on_date >= dt.date(year, 1, 1)) & (Talk.on_date <= dt.date(year, 12, 31)))
    rows = await query
    if filters.get("unconfirmed"):
        rows = await _overdue(rows)
    out = await tours.talks_out(rows)
    if not actor.is_organizer:
        for t in out:
            t["why"] = {"school": [], "expert": []}  # the office's reasoning
    return out


async def _overdue(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = today()
    limits: dict[int, int] = {}
    out = []
    for r in rows:
        if r["status"] != "scheduled":
            continue
        year = r["on_date"].year
        if year not in limits:
            limits[year] = (await settings_for(year))["confirm_within_days"]
        if r["on_date"] + dt.timedelta(days=limits[year]) < now:
            out.append(r)
    return out


async def unconfirmed_talks(actor: Principal) -> list[dict[str, Any]]:
    """The office's list: scheduled talks not confirmed by their school within ``confirm_within_days``
    days after the talk (the year's setting), oldest first, each with ``days_overdue``."""
    require_organizer(actor)
    rows = await _overdue(await tours._talk_query().where(Talk.status == "scheduled"))
    out = await tours.talks_out(rows)
    now = today()
    for t in out:
        t["days_since"] = (now - dt.date.fromisoformat(t["on_date"])).days
    return out


# --------------------------------------------------------------------------- the school confirms


def _whole(data: dict[str, Any], key: str, label: str, low: int, high: int) -> int:
    raw = data.get(key)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise invalid(key, _("{label}应为 {low}–{high} 之间的整数。", label=label, low=low, high=high)) from None
    if not low <= value <= high:
        raise invalid(key, _("{label}应为 {low}–{high} 之间的整数。", label=label, low=low, high=high))
    return value


async def confirm_talk(actor: Principal, talk_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The talk's school: it took place, ``audience`` (1..5000) attended, ``rating`` 1–5 and an optional
    ``comment`` (up to 500 characters). See the module's rules."""
    row = await visible_talk(actor, talk_id)
    if actor.role != "school" or actor.school_id != row["school"]:
        raise Forbidden(_("只有听报告的学校可以确认报告情况。"))
    if row["status"] == "delivered":
        raise Conflict(_("这场报告已经确认过了。"))
    if row["status"] != "scheduled":
        raise Conflict(
            _("报告当前为“{status}”，不能确认。", status=pgettext("talk", tours.TALK_STATUS_LABELS[row["status"]]))
        )
    if row["on_date"] > today():
        raise Conflict(_("报告日期（{date}）还没到，报告结束后再确认。", date=row["on_date"].isoformat()))
    audience = _whole(data, "audience", _("听众人数"), 1, MAX_AUDIENCE)
    rating = _whole(data, "rating", pgettext("feedback", "评分"), 1, 5)
    comment = str(data.get("comment") or "").strip()
    if len(comment) > 500:
        raise invalid("comment", _("{label}不能超过 {n} 个字符。", label=_("意见和建议"), n=500))

    async def work() -> None:
        stamp = times.now()
        changed = (
            await Talk.update(
                {
                    Talk.status: "delivered",
                    Talk.audience: audience,
                    Talk.rating: rating,
                    Talk.comment: comment,
                    Talk.confirmed_at: stamp,
                    Talk.confirmed_by: actor.id,
                    Talk.updated_at: stamp,
                }
            )
            .where((Talk.id == talk_id) & (Talk.status == "scheduled"))
            .returning(Talk.id)
        )
        if not changed:
            raise Conflict(_("这场报告已经确认过了。"))
        if row["request"]:
            await TalkRequest.update({TalkRequest.status: "delivered", TalkRequest.updated_at: stamp}).where(
                TalkRequest.id == row["request"]
            )
        await audit.record(
            actor,
            "outreach.talk.confirm",
            "outreach_talk",
            talk_id,
            school_id=row["school"],
            summary=_("听众 {n} 人，评分 {r}", n=audience, r=rating),
        )

    await write_transaction(work)
    return await get_talk(actor, talk_id)


# --------------------------------------------------------------------------- photos


def _photo_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "talk_id": row["talk"],
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size": row["size"],
        "uploaded_at": row["uploaded_at"].isoformat()
        if hasattr(row["uploaded_at"], "isoformat")
        else row["uploaded_at"],
    }


def check_photo(data: bytes, field: str = "file", name: str = "") -> str:
    """The photo's content type (JPEG or PNG, by its bytes); 413 above the document size limit, 422 naming
    ``field`` (and the file's ``name``) for anything else."""
    limit = get_settings().max_document_bytes
    if len(data) > limit:
        raise TooLarge(
            _("文件大小 {size} MB 超过上限 {limit} MB。", size=f"{len(data) / 1048576:.1f}", limit=limit // 1048576)
        )
    content_type = sniff_content_type(data) if data else None
    if content_type not in PHOTO_TYPES:
        if name:
            raise invalid(
                field, _("“{name}”不是 JPEG 或 PNG 照片。请在手机或电脑上另存为 JPG 或 PNG 后再上传。", name=name)
            )
        raise invalid(field, _("照片只接受 JPEG 或 PNG 格式。请在手机或电脑上另存为 JPG 或 PNG 后再上传。"))
    return str(content_type)


async def confirm_with_photos(
    actor: Principal, talk_id: int, data: dict[str, Any], photos: list[tuple[str, bytes]]
) -> dict[str, Any]:
    """The school's confirmation with the photos chosen on the same form: every photo is checked first
    (nothing is stored when one is refused), then the talk confirmed, then the photos added."""
    photos = [(name, content) for name, content in photos if content]
    if len(photos) > MAX_PHOTOS:
        raise invalid("photos", _("每场报告最多上传 {n} 张照片。", n=MAX_PHOTOS))
    for name, content in photos:
        check_photo(content, "photos", name)
    talk = await confirm_talk(actor, talk_id, data)
    for name, content in photos:
        await add_photo(actor, talk_id, name, content)
    if photos:
        talk["photos"] = talk.get("photos", 0) + len(photos)
    return talk


async def add_photo(actor: Principal, talk_id: int, filename: str, data: bytes) -> dict[str, Any]:
    """The talk's school (or the office): a JPEG or PNG photo of the talk, once its day has come; at most
    :data:`MAX_PHOTOS` per talk, each within the document size limit."""
    row = await visible_talk(actor, talk_id)
    if not (actor.is_organizer or (actor.role == "school" and actor.school_id == row["school"])):
        raise Forbidden(_("只有听报告的学校可以上传照片。"))
    if row["status"] not in ("scheduled", "delivered") or row["on_date"] > today():
        raise Conflict(_("报告举行后才能上传照片。"))
    content_type = check_photo(data)
    if await TalkPhoto.count().where(TalkPhoto.talk == talk_id) >= MAX_PHOTOS:
        raise invalid("file", _("每场报告最多上传 {n} 张照片。", n=MAX_PHOTOS))
    name = sanitize_filename(filename, content_type)
    key = secrets.token_hex(16)
    path = storage_path(key)
    private_dir(path.parent)
    partial = path.with_name(path.name + ".part")
    write_private(partial, data, sync=True)
    os.replace(partial, path)
    stamp = times.now()

    async def work() -> int:
        if await TalkPhoto.count().where(TalkPhoto.talk == talk_id) >= MAX_PHOTOS:
            raise invalid("file", _("每场报告最多上传 {n} 张照片。", n=MAX_PHOTOS))
        made = await TalkPhoto.insert(
            TalkPhoto(
                talk=talk_id,
                filename=name,
                content_type=content_type,
                size=len(data),
                storage_key=key,
                uploaded_by=actor.id,
                uploaded_at=stamp,
            )
        ).returning(TalkPhoto.id)
        await audit.record(
            actor, "outreach.photo.upload", "outreach_talk", talk_id, school_id=row["school"], summary=name
        )
        return int(made[0]["id"])

    try:
        photo_id = await write_transaction(work)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {
        "id": photo_id,
        "talk_id": talk_id,
        "filename": name,
        "content_type": content_type,
        "size": len(data),
        "uploaded_at": stamp.isoformat(),
    }


async def list_photos(actor: Principal, talk_id: int) -> list[dict[str, Any]]:
    await visible_talk(actor, talk_id)
    rows = await TalkPhoto.select().where(TalkPhoto.talk == talk_id).order_by(TalkPhoto.id)
    return [_photo_out(r) for r in rows]


async def open_photo(actor: Principal, photo_id: int) -> tuple[dict[str, Any], Path]:
    row = await TalkPhoto.select().where(TalkPhoto.id == photo_id).first()
    if row is None:
        raise NotFound(_("照片不存在或您无权查看。"))
    try:
        await visible_talk(actor, row["talk"])
    except NotFound:
        raise NotFound(_("照片不存在或您无权查看。")) from None
    path = storage_path(row["storage_key"])
    if not path.is_file():
        raise NotFound(_("照片文件已丢失。"))
    return _photo_out(row), path


async def delete_photo(actor: Principal, photo_id: int) -> None:
    """The talk's school (or the office): a photo taken off the talk, its file removed from disk. Audited.
    Anyone else who may see the photo: 403; anyone who may not: 404."""
    row = await TalkPhoto.select().where(TalkPhoto.id == photo_id).first()
    if row is None:
        raise NotFound(_("照片不存在或您无权查看。"))
    try:
        talk = await visible_talk(actor, row["talk"])
    except NotFound:
        raise NotFound(_("照片不存在或您无权查看。")) from None
    if not (actor.is_organizer or (actor.role == "school" and actor.school_id == talk["school"])):
        raise Forbidden(_("只有听报告的学校和组委会可以删除照片。"))

    async def work() -> None:
        gone = await TalkPhoto.delete().where(TalkPhoto.id == photo_id).returning(TalkPhoto.id)
        if not gone:
            raise NotFound(_("照片不存在或您无权查看。"))
        await audit.record(
            actor,
            "outreach.photo.delete",
            "outreach_talk",
            row["talk"],
            school_id=talk["school"],
            summary=row["filename"],
        )

    await write_transaction(work)
    storage_path(row["storage_key"]).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the expert's hours


def parse_hours(value: Any) -> int:
    """Hours as typed (``1.5``, ``2``) to whole minutes; 422 (field ``hours``) outside 0 < h <= 12."""
    try:
        hours = Decimal(clean_text(value))
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if not hours.is_finite() or not Decimal(0) < hours <= MAX_HOURS:
        raise invalid("hours", _("工作时长应大于 0、不超过 {n} 小时（例如 1.5）。", n=MAX_HOURS))
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def record_hours(actor: Principal, talk_id: int, hours: Any) -> dict[str, Any]:
    """The talk's expert (or the office): hours spent on the talk (travel and preparation included), once
    its day has come; recorded again it replaces the earlier figure (audited)."""
    row = await visible_talk(actor, talk_id)
    mine = await expert_id_of(actor, create=False) if actor.role == "expert" else None
    if not (actor.is_organizer or (mine is not None and mine == row["expert"])):
        raise Forbidden(_("只有主讲专家和组委会可以记录工作时长。"))
    if row["status"] not in ("scheduled", "delivered"):
        raise Conflict(
            _(
                "报告当前为“{status}”，不能记录工作时长。",
                status=pgettext("talk", tours.TALK_STATUS_LABELS[row["status"]]),
            )
        )
    if row["on_date"] > today():
        raise Conflict(_("报告日期（{date}）还没到，报告结束后再记录工作时长。", date=row["on_date"].isoformat()))
    minutes = parse_hours(hours)

    async def work() -> None:
        await Talk.update({Talk.minutes: minutes, Talk.minutes_recorded_at: times.now()}).where(Talk.id == talk_id)
        await audit.record(
            actor,
            "outreach.talk.hours",
            "outreach_talk",
            talk_id,
            school_id=row["school"],
            changes={"hours": [tours.hours_text(row["minutes"]), tours.hours_text(minutes)]},
        )

    await write_transaction(work)
    return await get_talk(actor, talk_id)


# --------------------------------------------------------------------------- cancelling


async def cancel_talk(actor: Principal, talk_id: int, reason: str) -> dict[str, Any]:
    """The office, with a reason: a planned or scheduled talk is cancelled, its request open again; the
    school and the expert of a scheduled talk are notified. Audited."""
    require_organizer(actor)
    row = await visible_talk(actor, talk_id)
    reason = clean_text(reason)
    if not reason:
        raise invalid("reason", _("取消报告需要填写原因（会通知学校和专家）。"))
    if row["status"] not in tours.ACTIVE:
        raise Conflict(
            _("报告当前为“{status}”，不能取消。", status=pgettext("talk", tours.TALK_STATUS_LABELS[row["status"]]))
        )

    async def work() -> None:
        stamp = times.now()
        await Talk.update({Talk.status: "cancelled", Talk.cancel_reason: reason, Talk.updated_at: stamp}).where(
            Talk.id == talk_id
        )
        if row["request"]:
            await TalkRequest.update({TalkRequest.status: "open", TalkRequest.updated_at: stamp}).where(
                TalkRequest.id == row["request"]
            )
        await audit.record(
            actor,
            "outreach.talk.cancel",
            "outreach_talk",
            talk_id,
            school_id=row["school"],
            summary=f"{row['school_name']} {row['on_date'].isoformat()}",
            reason=reason,
        )
        if row["status"] == "scheduled":
            await signals.outreach_talks_changed.send(
                what="cancelled",
                tour_id=row["tour"],
                talk_ids=[talk_id],
                actor=actor,
                reason=reason,
                previous_expert=None,
            )

    await write_transaction(work)
    return await get_talk(actor, talk_id)
