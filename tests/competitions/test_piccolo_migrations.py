"""The competitions migrations of issue 11: a database from before them keeps its students'
birth dates only encrypted, its ID numbers masked anew, and learns when its events finished."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import PG_URL, TEST_SECRET, _with_db, gb11643, pg_exec

BEFORE = "2026-11-29T20:32:00:000000"  # the last competitions migration before birth dates were encrypted
STUDENT_ID = gb11643("46010220120601123")
FINALIZED = dt.datetime(2026, 5, 20, 8, 0, tzinfo=dt.timezone.utc)


async def _old_database_then_upgrade() -> dict:
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.table import Table

    from app import db
    from app.security import encrypt_pii

    class Raw(Table):
        pass

    Raw._meta.db = db.current_engine()
    with contextlib.redirect_stdout(io.StringIO()):
        for app_name, upto in (("app", "all"), ("competitions", BEFORE), ("judging", "all")):
            response = await run_forwards(app_name=app_name, migration_id=upto, fake=False)
            assert response.success, response.message
    stamp = "CURRENT_TIMESTAMP"
    await Raw.raw(
        f"INSERT INTO school (code, name, city, created_at, updated_at) VALUES ('HK1', '一中', '海口市', {stamp}, {stamp})"
    )
    await Raw.raw(
        f"INSERT INTO event (name, kind, year, created_at, updated_at) VALUES ('旧赛事', 'innovation', 2026, {stamp}, {stamp})"
    )
    await Raw.raw("INSERT INTO category (event, code, name) VALUES (1, 'PH', '物理')")
    await Raw.raw(
        "INSERT INTO entry (event, code, title, school, category, division, status, created_at, updated_at) "
        f"VALUES (1, 'PH-J0001', '旧作品', 1, 1, '初中', 'approved', {stamp}, {stamp})"
    )
    await Raw.raw(
        "INSERT INTO member (entry, event, role, name, gender, id_number_enc, id_masked, birth_date, grade) "
        "VALUES (1, 1, 'student', '李明', '男', {}, {}, {}, '初二')",
        encrypt_pii(STUDENT_ID),
        STUDENT_ID[:3] + "*" * 11 + STUDENT_ID[-4:],
        dt.date(2012, 6, 1),
    )
    await Raw.raw(
        "INSERT INTO judging_round (event, kind, name, position, is_current, state, finalized_at, created_at) "
        f"VALUES (1, 'single', '评审', 0, {{}}, 'finalized', {{}}, {stamp})",
        True,
        FINALIZED,
    )
    await Raw.raw(
        "INSERT INTO audit_log (at, actor_name, action, object_type, object_id, event_id, summary, changes, reason) "
        f"VALUES ({stamp}, 'x', 'member.add', 'member', 1, 1, '', {{}}, '')",
        json.dumps({"member": [None, {"name": "李明", "id_masked": STUDENT_ID[:3] + "*" * 11 + STUDENT_ID[-4:]}]}),
    )
    with contextlib.redirect_stdout(io.StringIO()):
        await db.migrate()
    member = (await Raw.raw("SELECT * FROM member"))[0]
    event = (await Raw.raw("SELECT finished_at FROM event"))[0]
    changes = (await Raw.raw("SELECT changes FROM audit_log"))[0]["changes"]
    return {"member": member, "event": event, "audit": json.loads(changes) if isinstance(changes, str) else changes}


def test_upgrade_encrypts_birth_dates_remasks_ids_and_fills_finished_at(tmp_path):
    from app import db
    from app.security import decrypt_pii
    from app.settings import Settings, get_settings, set_settings

    previous = get_settings()
    name = None
    if PG_URL:
        name = f"xm_pii_{uuid.uuid4().hex[:8]}"
        pg_exec(PG_URL, f'CREATE DATABASE "{name}"')
        url = _with_db(PG_URL, name)
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    set_settings(Settings(data_dir=tmp_path, database_url=url, secret_key=TEST_SECRET, database_pool=False))
    db.configure_database(url)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            result = pool.submit(asyncio.run, _old_database_then_upgrade()).result()
        member = result["member"]
        assert "birth_date" not in member  # the clear column is gone
        assert decrypt_pii(member["birth_date_enc"]) == "2012-06-01"
        assert member["id_masked"] == "460**************" + STUDENT_ID[-1]
        assert result["audit"] == {"member": [None, {"name": "李明", "id_masked": member["id_masked"]}]}
        finished = result["event"]["finished_at"]
        if isinstance(finished, str):
            finished = dt.datetime.fromisoformat(finished)
        assert finished == FINALIZED
    finally:
        set_settings(previous)
        if name:
            pg_exec(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BEFORE_PER_SCHOOL = "2026-12-07T05:00:02:000000"  # the last competitions migration with one student per event


async def _per_event_index_then_upgrade() -> dict:
    """A database whose unique index kept a student in one entry per event: upgraded, the
    student's member row names its entry's school and a second school may register him, while
    one school still may not register him twice."""
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.table import Table

    from app import db

    class Raw(Table):
        pass

    Raw._meta.db = db.current_engine()
    with contextlib.redirect_stdout(io.StringIO()):
        for app_name, upto in (("app", "all"), ("competitions", BEFORE_PER_SCHOOL), ("judging", "all")):
            response = await run_forwards(app_name=app_name, migration_id=upto, fake=False)
            assert response.success, response.message
    stamp = "CURRENT_TIMESTAMP"
    for code in ("HK1", "HK2"):
        await Raw.raw(
            f"INSERT INTO school (code, name, city, created_at, updated_at) VALUES ('{code}', '{code}', '海口市', {stamp}, {stamp})"
        )
    await Raw.raw(
        f"INSERT INTO event (name, kind, year, created_at, updated_at) VALUES ('旧赛事', 'innovation', 2026, {stamp}, {stamp})"
    )
    await Raw.raw("INSERT INTO category (event, code, name) VALUES (1, 'PH', '物理')")
    for n, school in ((1, 1), (2, 2), (3, 1)):
        await Raw.raw(
            "INSERT INTO entry (event, code, title, school, category, division, status, created_at, updated_at) "
            f"VALUES (1, 'PH-J000{n}', '作品{n}', {school}, 1, '初中', 'submitted', {stamp}, {stamp})"
        )
    key = "k" * 64
    insert = (
        "INSERT INTO member (entry, event, role, name, id_hash, student_key) VALUES ({}, 1, 'student', '李明', {}, {})"
    )
    await Raw.raw(insert, 1, key, key)
    try:  # the old index: a second school may not register him
        await Raw.raw(insert, 2, key, key)
        refused_before = False
    except Exception:
        refused_before = True
    with contextlib.redirect_stdout(io.StringIO()):
        await db.migrate()
    schools = [r["school"] for r in await Raw.raw("SELECT school FROM member ORDER BY id")]
    insert = (
        "INSERT INTO member (entry, event, school, role, name, id_hash, student_key) "
        "VALUES ({}, 1, {}, 'student', '李明', {}, {})"
    )
    await Raw.raw(insert, 2, 2, key, key)  # another school: allowed now
    try:  # the same school twice: still refused by the database
        await Raw.raw(insert, 3, 1, key, key)
        refused_same_school = False
    except Exception:
        refused_same_school = True
    return {"refused_before": refused_before, "schools": schools, "refused_same_school": refused_same_school}


def test_upgrade_keeps_a_student_unique_per_school_not_per_event(tmp_path):
    from app import db
    from app.settings import Settings, get_settings, set_settings

    previous = get_settings()
    name = None
    if PG_URL:
        name = f"xm_dup_{uuid.uuid4().hex[:8]}"
        pg_exec(PG_URL, f'CREATE DATABASE "{name}"')
        url = _with_db(PG_URL, name)
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    set_settings(Settings(data_dir=tmp_path, database_url=url, secret_key=TEST_SECRET, database_pool=False))
    db.configure_database(url)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            result = pool.submit(asyncio.run, _per_event_index_then_upgrade()).result()
        assert result["refused_before"] is True
        assert result["schools"] == [1]  # filled in from the entry
        assert result["refused_same_school"] is True
    finally:
        set_settings(previous)
        if name:
            pg_exec(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
