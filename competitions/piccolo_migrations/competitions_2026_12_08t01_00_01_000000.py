"""One entry per student per school and event (was: per event). Raw steps of a migration run
before its columns are added, so this follows the migration that adds ``member.school``."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-08T01:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "member.school filled in; unique (event, school, student_key) instead of (event, student_key)"


class RawSQL(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)

    async def per_school_index():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        await RawSQL.raw("UPDATE member SET school = (SELECT entry.school FROM entry WHERE entry.id = member.entry)")
        await RawSQL.raw("DROP INDEX IF EXISTS member_event_student_key_uq")
        await RawSQL.raw(
            "CREATE UNIQUE INDEX member_event_school_student_key_uq ON member (event, school, student_key)"
        )
        await RawSQL.raw("CREATE UNIQUE INDEX cross_school_hit_bucket_uq ON cross_school_hit (event, school, bucket)")

    async def per_event_index():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        await RawSQL.raw("DROP INDEX IF EXISTS cross_school_hit_bucket_uq")
        await RawSQL.raw("DROP INDEX IF EXISTS member_event_school_student_key_uq")
        # refused while a student is in entries of two schools: the organizers settle those first
        await RawSQL.raw("CREATE UNIQUE INDEX member_event_student_key_uq ON member (event, student_key)")

    manager.add_raw(per_school_index)
    manager.add_raw_backwards(per_event_index)
    return manager
