"""Birth dates encrypted at rest, ID numbers masked anew, events' finish times filled in.

- every ``member.birth_date`` is encrypted into ``birth_date_enc`` (``YYYY-MM-DD``, with the
  service key, :func:`app.security.encrypt_pii`) and the clear column is dropped;
- ``member.id_masked`` is recomputed from the decrypted ID number with the current
  :func:`app.security.mask_id_number` (no date or sequence digits any more);
- ``event.finished_at`` is taken from the current judging round's ``finalized_at`` where that
  round is finalized (when the judging tables exist already).

Needs the same secret key as the service (``xinmiao db upgrade`` reads it like ``serve``).
"""

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

