"""Purging a finished event's personal data (PIPL: minors' data is kept no longer than needed),
modelled on pretix's "shredder": a dry run says what will go, the purge itself needs a reason and
is audited, and it is refused while the event's results are not final.

What goes, for every student and adviser of the event: the ID number (ciphertext, keyed hash,
masked form), the phone (ciphertext and masked form) and the birth date; every uploaded document
of its entries (申报书, reports, photos, guardian papers: rows deleted, files deleted from disk);
and the masked ID numbers and phones quoted in the event's audit trail. What stays: names,
gender, grade, schools, entries, scores, awards, check-ins and certificates (their numbers still
verify), and the guardian-consent flags with who recorded them.

"Final" is what competitions can see without importing judging: the event's judging stage
(:func:`competitions.events.lifecycle.judging_stage`, which judging answers) is ``final``; and
*since when* is ``Event.finished_at``, set when :data:`app.signals.results_finalized` is sent and
cleared on :data:`app.signals.results_unlocked` (receivers below, connected by the competitions
plugin). The data is *due*
``settings.personal_data_retention_days`` (``XINMIAO_PERSONAL_DATA_RETENTION_DAYS``, default 180)
after that; the organizer's home page lists the events that are due (:func:`due_events`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app import audit
from app.db import executemany, is_sqlite, placeholders, write_transaction
from app.errors import Conflict, Forbidden, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.settings import get_settings
from app.tables import AuditLog
from app.times import now
from competitions.events.lifecycle import Stage, judging_stage
from competitions.events.services import get_event_row
from competitions.events.tables import Event
from competitions.registration.documents import storage_path
from competitions.registration.tables import Entry, EntryDocument, Member

MAX_REASON_LENGTH = 500
# keys of audit ``changes`` that quote personal data in masked form; removed by a purge
AUDIT_KEYS = ("id_masked", "phone_masked", "birth_date")
# what a purge removes, in the order pages and answers list it: key -> label (a message id)
KINDS = {
    "id_numbers": "身份证件号码",
    "phones": "联系电话",
    "birth_dates": "出生日期",
    "documents": "上传的材料（文件从磁盘删除）",
    "audit_rows": "操作日志中的脱敏号码",
}
KEPT = "姓名、学校、作品、评分、奖项、签到记录和证书（证书编号仍可查验）"


# --------------------------------------------------------------------------- "finished"


async def on_results_finalized(event_id: int, **_kwargs: Any) -> None:
    """Receiver of :data:`app.signals.results_finalized`: the event is finished from now on."""
    await Event.update({Event.finished_at: now()}).where(Event.id == event_id)


async def on_results_unlocked(event_id: int, **_kwargs: Any) -> None:
    """Receiver of :data:`app.signals.results_unlocked`: not finished any more."""
    await Event.update({Event.finished_at: None}).where(Event.id == event_id)


def due_at(event: dict[str, Any]) -> dt.datetime | None:
    """When the event's personal data is due to be purged (``None`` while results are not final)."""
    finished = event.get("finished_at")
    if finished is None:
        return None
    return finished + dt.timedelta(days=get_settings().personal_data_retention_days)


# --------------------------------------------------------------------------- what a purge removes


async def _counts(event_id: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Per kind (:data:`KINDS`), how many items the event still holds; and its document rows."""
    members = await Member.select(
        Member.id_number_enc, Member.id_hash, Member.id_masked, Member.phone_enc, Member.phone_masked,
        Member.birth_date_enc,
    ).where(Member.event == event_id)  # fmt: skip
    documents = await EntryDocument.select(EntryDocument.id, EntryDocument.storage_key, EntryDocument.size).where(
        EntryDocument.entry.is_in(Entry.select(Entry.id).where(Entry.event == event_id))
    )
    audit_rows = await _audit_rows_quoting(event_id)
    counts = {
        "id_numbers": sum(1 for m in members if m["id_number_enc"] or m["id_hash"] or m["id_masked"]),
        "phones": sum(1 for m in members if m["phone_enc"] or m["phone_masked"]),
        "birth_dates": sum(1 for m in members if m["birth_date_enc"]),
        "documents": len(documents),
        "audit_rows": len(audit_rows),
    }
    return counts, documents


def _strip(value: Any) -> tuple[Any, bool]:
    """``value`` without the :data:`AUDIT_KEYS` at any depth, and whether any was found."""
    if isinstance(value, dict):
        found = any(k in value for k in AUDIT_KEYS)
        out = {}
        for key, item in value.items():
            if key in AUDIT_KEYS:
                continue
            out[key], inner = _strip(item)
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_strip(v) for v in value]
        return [v for v, _found in items], any(f for _v, f in items)
    return value, False


async def _audit_rows_quoting(event_id: int) -> list[dict[str, Any]]:
    """The event's audit rows whose ``changes`` quote a masked ID number, phone or a birth date,
    each with its stripped ``changes``."""
    rows = await (
        AuditLog.select(AuditLog.id, AuditLog.changes).where(AuditLog.event_id == event_id).output(load_json=True)
    )
    found = []
    for row in rows:
        stripped, hit = _strip(row["changes"])
        if hit:
            found.append({"id": row["id"], "changes": stripped})
    return found


# --------------------------------------------------------------------------- the purge


def _require_organizer(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以清除赛事的个人信息。"))


async def purge_preview(actor: Principal, event_id: int) -> dict[str, Any]:
    """What a purge of the event would remove, without removing anything (organizers only).

    ``{"event_id", "dry_run": True, "purged": False, "counts": {kind: n}, "total", "final": bool,
    "finished_at", "due_at", "purged_at"}`` (times ISO 8601 with offset or ``None``); kinds as in
    :data:`KINDS`. Raises :class:`Forbidden`, :class:`NotFound`."""
    _require_organizer(actor)
    event = await get_event_row(event_id)
    counts, _documents = await _counts(event_id)
    return _answer(event, counts, dry_run=True, purged=False, final=await _final(event_id))


async def _final(event_id: int) -> bool:
    """The event's results are final (judging's answer through the lifecycle hook)."""
    return await judging_stage(event_id) is Stage.FINAL


def _answer(
    event: dict[str, Any], counts: dict[str, int], *, dry_run: bool, purged: bool, final: bool
) -> dict[str, Any]:
    due = due_at(event)

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "event_id": event["id"],
        "dry_run": dry_run,
        "purged": purged,
        "counts": counts,
        "total": sum(counts.values()),
        "final": final,
        "finished_at": iso(event.get("finished_at")),
        "due_at": iso(due),
        "purged_at": iso(event.get("personal_data_purged_at")),
    }


async def purge_personal_data(
    actor: Principal, event_id: int, reason: str | None, *, dry_run: bool = False
) -> dict[str, Any]:
    """Remove the personal data of a finished event (see the module's docstring for what goes
    and what stays). ``dry_run`` only counts (:func:`purge_preview`).

    Returns the shape of :func:`purge_preview`, ``counts`` being what was removed and
    ``purged`` true. Audited as ``personal_data.purge`` with the reason and the counts; files are
    deleted from disk after the database change is committed.

    Raises :class:`Forbidden` (not an organizer), :class:`NotFound` (event),
    :class:`ValidationFailed` (422, field ``reason``: missing or longer than 500 characters),
    :class:`Conflict` (409: the event's results are not final)."""
    if dry_run:
        return await purge_preview(actor, event_id)
    _require_organizer(actor)
    event = await get_event_row(event_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("清除个人信息必须填写原因，原因会记入操作日志。"),
            errors=[{"field": "reason", "message": _("请填写清除原因。")}],
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            _("原因不能超过 {n} 个字符。", n=MAX_REASON_LENGTH),
            errors=[{"field": "reason", "message": _("原因不能超过 {n} 个字符。", n=MAX_REASON_LENGTH)}],
        )
    if not await _final(event_id):
        raise Conflict(_("本赛事的结果尚未定稿，不能清除个人信息。请在结果定稿后再操作。"))

    async def work() -> tuple[dict[str, int], list[dict[str, Any]], dt.datetime]:
        counts, documents = await _counts(event_id)  # again inside the transaction: what is really removed
        stamp = now()
        await Member.update(
            {
                Member.id_number_enc: None,
                Member.id_hash: None,
                Member.student_key: None,
                Member.id_masked: "",
                Member.phone_enc: None,
                Member.phone_masked: "",
                Member.birth_date_enc: None,
            }
        ).where(Member.event == event_id)
        if documents:
            await EntryDocument.delete().where(EntryDocument.id.is_in([d["id"] for d in documents]))
        pg = not is_sqlite()
        await executemany(  # one statement for every audit row that quoted a masked value
            'UPDATE "audit_log" SET "changes" = {0} WHERE "id" = {1}'.format(*placeholders(2, pg)),
            [(json.dumps(r["changes"], ensure_ascii=False), r["id"]) for r in await _audit_rows_quoting(event_id)],
        )
        await Event.update({Event.personal_data_purged_at: stamp}).where(Event.id == event_id)
        await audit.record(
            actor,
            "personal_data.purge",
            "event",
            event_id,
            event_id=event_id,
            reason=reason,
            summary=_("清除个人信息：{event}", event=event["name"]),
            changes={"removed": counts},
        )
        return counts, documents, stamp

    counts, documents, stamp = await write_transaction(work)
    for document in documents:  # after the commit: a rolled-back purge keeps its files
        try:
            storage_path(document["storage_key"]).unlink(missing_ok=True)
        except (ValueError, OSError):  # a malformed key or an unwritable directory: the row is gone anyway
            continue
    return _answer({**event, "personal_data_purged_at": stamp}, counts, dry_run=False, purged=True, final=True)


# --------------------------------------------------------------------------- due


async def due_events(at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Finished events whose personal data is due (``finished_at`` + retention days <= ``at``,
    default now) and not purged since they finished, oldest due first:
    ``[{"id", "name", "year", "finished_at", "due_at", "overdue_days"}]`` (datetimes)."""
    at = at or now()
    cutoff = at - dt.timedelta(days=get_settings().personal_data_retention_days)
    rows = await Event.select(Event.id, Event.name, Event.year, Event.finished_at, Event.personal_data_purged_at).where(
        Event.finished_at.is_not_null() & (Event.finished_at <= cutoff)
    )
    due = []
    for row in rows:
        purged = row["personal_data_purged_at"]
        if purged is not None and purged >= row["finished_at"]:
            continue
        when = due_at(row)
        assert when is not None
        due.append({**row, "due_at": when, "overdue_days": (at - when).days})
    due.sort(key=lambda r: (r["due_at"], r["id"]))
    return due
