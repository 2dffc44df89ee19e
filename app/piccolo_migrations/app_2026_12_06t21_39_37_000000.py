"""Regions: insert Hainan's 19 cities and counties, then map every school's and account's
free-text ``city`` onto a region (``海口``, ``海口市``, ``白沙县``, ``白沙黎族自治县``, a code...).

A matched row gets ``region`` set and ``city`` rewritten to the region's full name, so the
names shown everywhere agree. Values that name no region are left as they are with
``region`` NULL and logged (logger ``xinmiao.migrations``); ``xinmiao db upgrade`` lists
them afterwards so an organizer can correct them on the schools and users pages.

The rows come from :data:`app.region_codes.REGIONS`; only missing codes are inserted, so a
later change of that list comes with a migration of its own.
"""
import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T21:39:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "regions: the 19 cities and counties; school.region and app_user.region filled from the free-text city"

log = logging.getLogger("xinmiao.migrations")


class RawSQL(Table):
    pass


async def _fill_regions() -> None:
    from app.region_codes import REGIONS, find_region

    present = {row["code"] for row in await RawSQL.raw("SELECT code FROM region")}
    for r in REGIONS:
        if r.code not in present:
            await RawSQL.raw(
                "INSERT INTO region (code, name, short_name, level, autonomous, parent_code, sort_order) "
                "VALUES ({}, {}, {}, {}, {}, {}, {})",
                r.code, r.name, r.short_name, r.level, r.autonomous, r.parent_code, r.sort_order,
            )
    for table, what in (("school", "schools"), ("app_user", "accounts")):
        rows = await RawSQL.raw(f"SELECT DISTINCT city FROM {table} WHERE city IS NOT NULL AND region IS NULL")
        unknown = []
        for row in rows:
            city = row["city"]
            region = find_region(city)
            if region is None:
                if city.strip():
                    unknown.append(city)
                continue
            await RawSQL.raw(f"UPDATE {table} SET region = {{}}, city = {{}} WHERE city = {{}} AND region IS NULL",
                             region.code, region.name, city)
        if unknown:
            log.warning("regions: %s with a city that names no Hainan city/county (left without a region): %s",
                        what, ", ".join(sorted(unknown)))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)

    async def fill():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()  # the database being migrated, not the first one used
        await _fill_regions()

    async def empty():
        from piccolo.engine.finder import engine_finder

        RawSQL._meta.db = engine_finder()
        await RawSQL.raw("UPDATE school SET region = NULL")
        await RawSQL.raw("UPDATE app_user SET region = NULL")
        await RawSQL.raw("DELETE FROM region")

    manager.add_raw(fill)
    manager.add_raw_backwards(empty)
    return manager
