"""A student's own link to its page in the talent programme (issue 16, "A year of growth": growth-log
entries "by the student or school"). Minors get no accounts: the student's school (or the office)
makes a link ``/talent/my/<token>`` for a matched student and hands it over (shown once, with a QR code
of the URL alone). Only the keyed hash of the token is stored; a new link revokes the previous one;
making and revoking are audited.

Opening the link (no log-in; look-ups rate-limited per address like certificate verification) shows
only the student's own name, its mentor's name, the training plan, the growth log with the mentor's
comments, and lets the student add an entry through :func:`competitions.talent.growth.add_log` (the
same validation as the school's; the entry is marked ``by_student``), delete its own entries the mentor
has not commented on, and open the attachments of its own log (:func:`open_attachment`). Never an ID
number, phone or birth date, never another student. An unknown or revoked token is a plain 404.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import NotFound, TooManyRequests
from app.i18n import _
from app.principal import Principal
from app.security import keyed_hash
from app.stores import increment
from app.times import now
from competitions.events.tables import Event
from competitions.registration import documents
from competitions.registration.tables import EntryDocument
from competitions.talent import growth
from competitions.talent import services as talent
from competitions.talent.tables import GrowthLog, StudentLink

TOKEN_BYTES = 32  # 256 random bits, 43 URL-safe characters
LOOKUP_LIMIT_PER_MINUTE = 60  # per address, as certificate verification


def token_hash(token: str) -> str:
    """The keyed hash (HMAC with the installation's key) stored for ``token``."""
    return keyed_hash("talent-student-link:" + token)


def link_path(token: str) -> str:
    return f"/talent/my/{token}"


async def _writable(actor: Principal, application_id: int) -> dict[str, Any]:
    """The application row when ``actor`` is its school or the office (404 unseen, 403 others)."""
    row, _mentor = await growth._student(actor, application_id)
    growth._require_school_or_office(actor, row)
    return row


async def _active(application_id: int) -> dict[str, Any] | None:
    return (
        await StudentLink.select()
        .where((StudentLink.application == application_id) & StudentLink.revoked_at.is_null())
        .order_by(StudentLink.id, ascending=False)
        .first()
    )


async def link_state(actor: Principal, application_id: int) -> dict[str, Any]:
    """Whether the student has a live link and since when (the token itself is never kept)."""
    await _writable(actor, application_id)
    live = await _active(application_id)
    return {"application_id": application_id, "active": live is not None, "created_at": live and live["created_at"]}


async def create_link(actor: Principal, application_id: int) -> dict[str, Any]:
    """The school (or the office) makes a new link for its matched student (409 once training has
    ended), revoking any previous one. The answer carries the token: it cannot be shown again."""
    row = await _writable(actor, application_id)
    growth._require_training(row)
    token = secrets.token_urlsafe(TOKEN_BYTES)

    async def work() -> dict[str, Any]:
        stamp = now()
        revoked = (
            await StudentLink.update({StudentLink.revoked_at: stamp, StudentLink.revoked_by: actor.id or None})
            .where((StudentLink.application == application_id) & StudentLink.revoked_at.is_null())
            .returning(StudentLink.id)
        )
        result = await StudentLink.insert(
            StudentLink(
                event=row["event"],
                application=application_id,
                token_hash=token_hash(token),
                created_by=actor.id or None,
                created_at=stamp,
            )
        ).returning(StudentLink.id)
        link_id = int(result[0]["id"])
        await audit.record(
            actor,
            "talent.link.create",
            "talent_student_link",
            link_id,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school"],
            summary=row["name"],
            changes={"revoked": [[r["id"] for r in revoked], None]} if revoked else {},
        )
        return {"id": link_id, "created_at": stamp}

    made = await write_transaction(work)
    return {
        "application_id": application_id,
        "active": True,
        "created_at": made["created_at"],
        "token": token,
        "path": link_path(token),
    }


async def revoke_link(actor: Principal, application_id: int) -> dict[str, Any]:
    """The school (or the office) revokes the student's link (nothing to revoke is fine)."""
    row = await _writable(actor, application_id)

    async def work() -> int:
        revoked = (
            await StudentLink.update({StudentLink.revoked_at: now(), StudentLink.revoked_by: actor.id or None})
            .where((StudentLink.application == application_id) & StudentLink.revoked_at.is_null())
            .returning(StudentLink.id)
        )
        for r in revoked:
            await audit.record(
                actor,
                "talent.link.revoke",
                "talent_student_link",
                r["id"],
                event_id=row["event"],
                entry_id=row["entry"],
                school_id=row["school"],
                summary=row["name"],
            )
        return len(revoked)

    await write_transaction(work)
    return {"application_id": application_id, "active": False, "created_at": None}


# --------------------------------------------------------------------------- the student's side


async def resolve(token: str, address: str | None) -> tuple[Principal, dict[str, Any]]:
    """``(the student's actor, its application row)`` for a live token; every look-up counts against
    the address's rate limit (:class:`TooManyRequests`); 404 for an unknown or revoked token."""
    if await increment(f"talent-student-link:{address or '-'}", 60) > LOOKUP_LIMIT_PER_MINUTE:
        raise TooManyRequests(_("查询过于频繁，请一分钟后再试。"))
    token = str(token or "").strip()
    link = (
        await StudentLink.select(StudentLink.id, StudentLink.application)
        .where((StudentLink.token_hash == token_hash(token)) & StudentLink.revoked_at.is_null())
        .first()
        if 20 <= len(token) <= 100
        else None
    )
    if link is None:
        raise NotFound(_("页面不存在。"))
    actor = growth.student_actor(link["id"])
    row = await growth._linked_student(actor, link["application"])
    return actor, row


async def open_attachment(actor: Principal, row: dict[str, Any], document_id: int) -> tuple[dict[str, Any], Path]:
    """``(document row, stored file)`` of an attachment of the student's own growth log (entries by
    the student or its school alike: they are the log it sees); 404 for any other document, the
    application's own materials and the report included."""
    await growth._linked_student(actor, row["id"])  # the link is still live
    attached = {
        int(d)
        for r in await GrowthLog.select(GrowthLog.attachments)
        .output(load_json=True)
        .where(GrowthLog.application == row["id"])
        for d in r["attachments"] or []
    }
    doc = (
        await EntryDocument.select()
        .where((EntryDocument.id == document_id) & (EntryDocument.entry == row["entry"]))
        .first()
        if document_id in attached
        else None
    )
    if doc is None:
        raise NotFound(_("文件不存在。"))
    path = documents.storage_path(doc["storage_key"])
    if not path.is_file():
        raise NotFound(_("文件“{filename}”已丢失，请学校重新上传。", filename=doc["filename"]))
    return doc, path


async def student_page(actor: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """What the student sees of itself: its name, subject, mentor (name, university, lab), the plan,
    the growth log with the mentor's comments (attachments by file name). Nothing else."""
    mentor = await talent.mentor_row(row["event"], row["mentor"]) if row["mentor"] else None
    event = await Event.select(Event.name).where(Event.id == row["event"]).first()
    _docs, logs = await growth.growth_log(row["id"], row["entry"])
    hours = sum((Decimal(r["hours"]) for r in logs), Decimal(0))
    return {
        "application_id": row["id"],
        "event_id": row["event"],
        "event_name": event["name"] if event else "",
        "name": row["name"],
        "subject_name": row["subject_name"],
        "mentor": {"name": mentor["name"], "title": mentor["title"], "university": mentor["university"]}
        if mentor
        else None,
        "plan": row["plan"],
        "plan_updated_at": row["plan_updated_at"],
        "logs": [
            {
                "id": r["id"],
                # its own entry (written through a link) the mentor has not commented on: it may delete it
                "can_delete": r["by_student"] and not r["mentor_comment"] and row["status"] == "matched",
                "on": r["on"],
                "activity": r["activity"],
                "hours": r["hours"],
                "reflection": r["reflection"],
                "attachments": [{"id": d["id"], "filename": d["filename"]} for d in r["attachments"]],
                "mentor_comment": r["mentor_comment"],
                "by_student": r["by_student"],
            }
            for r in logs
        ],
        "hours": talent.plain(hours) if hours else "0",
        "can_log": row["status"] == "matched",
    }
