"""Audit trail: one row per change, with personal data masked before it is written."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from app import times
from app.db import bulk_insert, current_engine, write_transaction
from app.principal import Principal
from app.tables import AuditLog

# field names whose values are masked in audit rows (values must already be masked
# by the caller when they are ID numbers or phones; these keys are refused in clear)
SENSITIVE_KEYS = {"id_number", "phone"}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs (``old`` may lack keys)."""
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# a bare ID number (GB 11643: 17 digits and a check character) or a mainland mobile phone number
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def check_personal_data(changes: Any) -> None:
    """Refuse (``ValueError``) audit data that carries raw personal data: an ``id_number`` or
    ``phone`` key at any depth of ``changes`` (use ``id_masked``/``phone_masked``), or a value
    in ``changes`` that is a bare ID number (18 characters, GB 11643) or mobile phone (11
    digits). Free text that merely contains digits passes."""
    leaked: set[str] = set()
    values: list[Any] = []
    stack: list[Any] = [changes]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            leaked |= SENSITIVE_KEYS & set(item)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            values.append(item)
    if leaked:
        raise ValueError(f"audit changes must not carry raw personal data: {sorted(leaked)}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        text = str(value).strip()
        if _ID_NUMBER.fullmatch(text) or _MOBILE.fullmatch(text):
            raise ValueError("audit rows must not carry a raw ID number or phone number")


@dataclass(frozen=True)
class AuditRecord:
    """One audit row of :func:`record_many` (the actor and the time are shared)."""

    action: str
    object_type: str
    object_id: int | None
    summary: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    event_id: int | None = None
    entry_id: int | None = None
    school_id: int | None = None


async def record(
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    event_id: int | None = None,
    entry_id: int | None = None,
    school_id: int | None = None,
) -> None:
    """Append an audit row. ``changes`` must hold masked values for ID numbers and phones
    (use ``id_masked``/``phone_masked``); raw personal data raises ``ValueError``
    (:func:`check_personal_data`)."""
    changes = changes or {}
    check_personal_data(changes)
    await AuditLog.insert(
        AuditLog(
            at=times.now(),
            actor=actor.id if actor and actor.id else None,  # id 0: no account (a student's link)
            actor_name=_actor_name(actor),
            action=action,
            object_type=object_type,
            object_id=object_id,
            event_id=event_id,
            entry_id=entry_id,
            school_id=school_id,
            summary=summary,
            changes=_jsonable(changes),
            reason=reason,
        )
    )


def _actor_name(actor: Principal | None) -> str:
    return (actor.display_name or actor.username) if actor else "system"


AUDIT_COLUMNS = (
    "at",
    "actor",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "event_id",
    "entry_id",
    "school_id",
    "summary",
    "changes",
    "reason",
)


async def record_many(actor: Principal | None, records: Iterable[AuditRecord], *, at: dt.datetime | None = None) -> int:
    """Append many audit rows at once (one ``executemany``; a workbook import writes one per
    entry), every one checked like :func:`record` before anything is written: one row with
    raw personal data refuses the whole batch (``ValueError``). Runs inside the caller's write
    transaction, or in its own. Returns the number of rows written."""
    records = list(records)
    for r in records:
        check_personal_data(r.changes)
    if not records:
        return 0
    stamp = at or times.now()
    actor_id, actor_name = (actor.id if actor and actor.id else None), _actor_name(actor)
    rows = [
        (
            stamp,
            actor_id,
            actor_name,
            r.action,
            r.object_type,
            r.object_id,
            r.event_id,
            r.entry_id,
            r.school_id,
            r.summary,
            json.dumps(_jsonable(r.changes), ensure_ascii=False),
            r.reason,
        )
        for r in records
    ]

    async def work() -> None:
        await bulk_insert(AuditLog, AUDIT_COLUMNS, rows)

    if current_engine().current_transaction.get() is None:
        await write_transaction(work)
    else:
        await work()
    return len(rows)


# audit actions about judging (judges' scores, objections, awards) that only organizers see
ORGANIZER_ONLY_PREFIXES = ("score.", "objection.", "award.", "assignment.", "recommendation.", "results.", "round.")


async def entry_history(entry_id: int, *, organizer: bool = True) -> list[dict[str, Any]]:
    """Audit rows of one entry, oldest first: ``[{"at", "actor_name", "action", "summary",
    "changes", "reason"}]``. Without ``organizer``, judging records (individual judges'
    scores, objections, award adjustments) are left out: schools and cities see only
    registration history."""
    rows = (
        await AuditLog.select(
            AuditLog.at, AuditLog.actor_name, AuditLog.action, AuditLog.summary, AuditLog.changes, AuditLog.reason
        )
        .where(AuditLog.entry_id == entry_id)
        .order_by(AuditLog.at)
        .order_by(AuditLog.id)
        .output(load_json=True)
    )
    if organizer:
        return rows
    return [r for r in rows if not r["action"].startswith(ORGANIZER_ONLY_PREFIXES)]
