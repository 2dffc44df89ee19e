"""Birth dates encrypted at rest, ID numbers masked anew, events' finish times filled in.

- every ``member.birth_date`` is encrypted into ``birth_date_enc`` (``YYYY-MM-DD``, with the
  service key, :func:`app.security.encrypt_pii`) and the clear column is dropped;
- ``member.id_masked`` is recomputed from the decrypted ID number with the current
  :func:`app.security.mask_id_number` (no date or sequence digits any more);
- masked ID numbers quoted in the audit trail (``audit_log.changes``, key ``id_masked``) in the
  old form (first 3 and last 4 characters of an 18-character number) are cut to the new one;
- ``event.finished_at`` is taken from the current judging round's ``finalized_at`` where that
  round is finalized (when the judging tables exist already).

Needs the same secret key as the service (``xinmiao db upgrade`` reads it like ``serve``).
"""

import json
import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T02:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "member birth dates encrypted (clear column dropped), ID numbers re-masked, event.finished_at filled"

BATCH = 500


class RawSQL(Table):
    pass


def _as_date_text(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]


async def _table_exists(name: str) -> bool:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    if engine.engine_type == "sqlite":
        rows = await RawSQL.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = {}", name)
    else:
        rows = await RawSQL.raw("SELECT tablename AS name FROM pg_tables WHERE tablename = {}", name)
    return bool(rows)


async def _encrypt_and_remask() -> None:
    from app.security import decrypt_pii, encrypt_pii, mask_id_number

    last = 0
    while True:
        rows = await RawSQL.raw(
            "SELECT id, birth_date, id_number_enc, id_masked FROM member WHERE id > {} ORDER BY id LIMIT {}",
            last,
            BATCH,
        )
        if not rows:
            break
        for row in rows:
            last = row["id"]
            birth = _as_date_text(row["birth_date"])
            masked = mask_id_number(decrypt_pii(row["id_number_enc"])) if row["id_number_enc"] else row["id_masked"]
            if birth is None and masked == row["id_masked"]:
                continue
            await RawSQL.raw(
                "UPDATE member SET birth_date_enc = {}, id_masked = {} WHERE id = {}",
                encrypt_pii(birth) if birth else None,
                masked,
                row["id"],
            )


_OLD_MASK = re.compile(r"^(\w{3})\*{11}\w{3}(\w)$")


def _remask(value):
    """``changes`` with every ``id_masked`` of the old 18-character form re-masked; and whether any was."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if key == "id_masked" and isinstance(item, str) and _OLD_MASK.match(item):
                out[key] = _OLD_MASK.sub(lambda m: m.group(1) + "*" * 14 + m.group(2), item)
                changed = True
            else:
                out[key], inner = _remask(item)
                changed = changed or inner
        return out, changed
    if isinstance(value, list):
        items = [_remask(v) for v in value]
        return [v for v, _c in items], any(c for _v, c in items)
    return value, False


async def _remask_audit_trail() -> None:
    if not await _table_exists("audit_log"):
        return
    rows = await RawSQL.raw("SELECT id, changes FROM audit_log WHERE CAST(changes AS TEXT) LIKE {}", "%id_masked%")
    for row in rows:
        changes = row["changes"]
        if isinstance(changes, str):
            changes = json.loads(changes)
        fixed, changed = _remask(changes)
        if changed:
            await RawSQL.raw(
                "UPDATE audit_log SET changes = {} WHERE id = {}", json.dumps(fixed, ensure_ascii=False), row["id"]
            )


async def _finished_events() -> None:
    if not await _table_exists("judging_round"):
        return
    rows = await RawSQL.raw(
        "SELECT event, finalized_at FROM judging_round WHERE is_current = {} AND state = 'finalized'", True
    )
    for row in rows:
        await RawSQL.raw(
            "UPDATE event SET finished_at = {} WHERE id = {} AND finished_at IS NULL", row["finalized_at"], row["event"]
        )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)

    async def fill():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        await _encrypt_and_remask()
        await _remask_audit_trail()
        await _finished_events()

    manager.add_raw(fill)  # raw steps run before the column is dropped below
    manager.drop_column(
        table_class_name="Member",
        tablename="member",
        column_name="birth_date",
        db_column_name="birth_date",
        schema=None,
    )
    return manager

