"""Audit trail: one row per change, with personal data masked before it is written."""
from __future__ import annotations

import datetime as dt
from typing import Any

from app import times
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
    (use ``id_masked``/``phone_masked``); raw ``id_number``/``phone`` keys raise ``ValueError``."""
    changes = changes or {}
    leaked = SENSITIVE_KEYS & set(changes)
    if leaked:
        raise ValueError(f"audit changes must not carry raw personal data: {sorted(leaked)}")
    await AuditLog.insert(
        AuditLog(
            at=times.now(),
            actor=actor.id if actor else None,
            actor_name=(actor.display_name or actor.username) if actor else "system",
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


# audit actions about judging (judges' scores, objections, awards) that only organizers see
ORGANIZER_ONLY_PREFIXES = ("score.", "objection.", "award.", "assignment.", "recommendation.", "results.", "round.")


async def entry_history(entry_id: int, *, organizer: bool = True) -> list[dict[str, Any]]:
    """Audit rows of one entry, oldest first: ``[{"at", "actor_name", "action", "summary",
    "changes", "reason"}]``. Without ``organizer``, judging records (individual judges'
    scores, objections, award adjustments) are left out: schools and cities see only
    registration history."""
    rows = await AuditLog.select(
        AuditLog.at, AuditLog.actor_name, AuditLog.action, AuditLog.summary, AuditLog.changes, AuditLog.reason
    ).where(AuditLog.entry_id == entry_id).order_by(AuditLog.at).order_by(AuditLog.id).output(load_json=True)
    if organizer:
        return rows
    return [r for r in rows if not r["action"].startswith(ORGANIZER_ONLY_PREFIXES)]
