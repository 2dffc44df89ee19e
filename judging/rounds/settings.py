"""An event's judging settings kept on the judging side (:class:`judging.rounds.tables.JudgingSettings`):
``public_results`` (``winners``: the public results list award winners only, the default;
``all``: every ranked entry), ``objection_contact`` (where objections go during the 公示期, shown
on the public page) and ``blind_review`` (judges do not see the school or city of an entry).

Read with :func:`get_settings` (defaults when nothing is stored), changed with
:func:`update_settings` (any subset; 422 naming the field; audited)."""

from __future__ import annotations

from typing import Any

from app import audit, signals
from app.db import write_transaction
from app.errors import ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.times import now
from competitions.events.services import get_event_row
from judging.rounds.services import current_round, require_not_finalized
from judging.rounds.tables import PUBLIC_RESULTS, JudgingSettings

DEFAULTS: dict[str, Any] = {"public_results": "winners", "objection_contact": "", "blind_review": False}
MAX_CONTACT = 500


async def get_settings(event_id: int) -> dict[str, Any]:
    """``{"public_results", "objection_contact", "blind_review"}`` of the event (defaults when unset)."""
    row = await JudgingSettings.select().where(JudgingSettings.event == event_id).first()
    if row is None:
        return dict(DEFAULTS)
    return {key: row[key] for key in DEFAULTS}


async def get_settings_many(event_ids: list[int]) -> dict[int, dict[str, Any]]:
    """:func:`get_settings` of each of ``event_ids`` (one query)."""
    found = {event_id: dict(DEFAULTS) for event_id in event_ids}
    if event_ids:
        for row in await JudgingSettings.select().where(JudgingSettings.event.is_in(list(event_ids))):
            found[row["event"]] = {key: row[key] for key in DEFAULTS}
    return found


async def blind_review(event_id: int) -> bool:
    return bool((await get_settings(event_id))["blind_review"])


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes", "是"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "off", "no", "否"):
        return False
    raise ValidationFailed(
        _("“{field}”必须是 true 或 false。", field=field),
        errors=[{"field": field, "message": _("必须是 true 或 false。")}],
    )


def validated(data: dict[str, Any]) -> dict[str, Any]:
    """The settable keys of ``data``, checked; :class:`ValidationFailed` (422) naming the field."""
    values: dict[str, Any] = {}
    if "public_results" in data:
        value = data["public_results"]
        if value not in PUBLIC_RESULTS:
            raise ValidationFailed(
                _("公开结果范围必须是 winners（只列获奖作品）或 all（列出全部排名作品）。"),
                errors=[{"field": "public_results", "message": _("必须是 winners 或 all。")}],
            )
        values["public_results"] = value
    if "objection_contact" in data:
        value = data["objection_contact"]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationFailed(
                _("异议联系方式必须是文字。"),
                errors=[{"field": "objection_contact", "message": _("必须是文字。")}],
            )
        value = value.strip()
        if len(value) > MAX_CONTACT:
            raise ValidationFailed(
                _("异议联系方式最多 {n} 个字。", n=MAX_CONTACT),
                errors=[{"field": "objection_contact", "message": _("最多 {n} 个字。", n=MAX_CONTACT)}],
            )
        values["objection_contact"] = value
    if "blind_review" in data:
        values["blind_review"] = _flag(data["blind_review"], "blind_review")
    return values


async def store_settings(actor: Principal, event_id: int, values: dict[str, Any]) -> None:
    """Store checked ``values`` (from :func:`validated`) and audit the change; the caller holds
    the write transaction."""
    current = await get_settings(event_id)
    stamp = now()
    if await JudgingSettings.exists().where(JudgingSettings.event == event_id):
        await JudgingSettings.update(
            {**{getattr(JudgingSettings, k): v for k, v in values.items()}, JudgingSettings.updated_at: stamp}
        ).where(JudgingSettings.event == event_id)
    else:
        await JudgingSettings.insert(JudgingSettings(event=event_id, updated_at=stamp, **{**DEFAULTS, **values}))
    changes = {k: [current[k], v] for k, v in values.items() if current[k] != v}
    if changes:
        await audit.record(actor, "judging.settings", "event", event_id, event_id=event_id, changes=changes)


async def update_settings(actor: Principal, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change any of ``public_results``, ``objection_contact``, ``blind_review``; returns the settings."""
    await get_event_row(event_id)
    values = validated(data)
    if values.keys() & {"public_results", "objection_contact"}:
        require_not_finalized(await current_round(event_id))  # the notice settings are part of the result
    if values:
        await write_transaction(lambda: store_settings(actor, event_id, values))
        await signals.public_view_changed.send(event_id=event_id, what="settings")
    return await get_settings(event_id)
