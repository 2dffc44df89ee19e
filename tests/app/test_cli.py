"""``xinmiao backup`` of a running service and ``xinmiao restore`` into a fresh data directory
with the same key file: the restored service shows the same entries, scores, check-ins and
decryptable ID numbers through the API; a restore is refused while the service runs, for a
file that is not a Xinmiao SQLite backup, and with another key; the replaced database is kept."""

from __future__ import annotations

import io
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import httpx
import openpyxl
import pytest

from app.settings import Settings
from tests import factories
from tests.conftest import PASSWORD, TEST_SECRET, _migrate
from tests.server import serve, server_env, xinmiao


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A service's data directory on SQLite (on either test engine: restore is SQLite's) with
    its key in the key file beside the database, as ``xinmiao serve`` keeps it."""
    data_dir = tmp_path / "service"
    url = f"sqlite:///{data_dir / 'xinmiao.sqlite3'}"
    _migrate(url, data_dir)
    (data_dir / "secret.key").write_text(TEST_SECRET + "\n", encoding="ascii")
    return Settings(data_dir=data_dir, database_url=url, secret_key=TEST_SECRET, database_pool=False)


def login(http: httpx.Client, username: str) -> dict[str, str]:
    answer = http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def id_numbers(http: httpx.Client, headers: dict[str, str], event_id: int) -> dict[str, str]:
    """name -> ID number from the organizer's full export (decrypted by the service)."""
    answer = http.post(
        f"/api/v1/events/{event_id}/registrations/export", json={"reason": "备份恢复核对"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if "身份证号" in row)
    name_col, id_col = rows[header].index("姓名"), rows[header].index("身份证号")
    return {row[name_col]: row[id_col] for row in rows[header + 1 :] if row[name_col]}


def snapshot(http: httpx.Client, headers: dict[str, str], event_id: int) -> dict:
    entries = http.get(f"/api/v1/events/{event_id}/entries", headers=headers)
    results = http.get(f"/api/v1/events/{event_id}/results", headers=headers)
    assert entries.status_code == 200 and results.status_code == 200, (entries.text, results.text)
    return {"entries": entries.json(), "results": results.json(), "ids": id_numbers(http, headers, event_id)}


def test_backup_of_a_running_service_restores_the_same_data(run, settings, tmp_path):
    from competitions.registration.tables import Member

    scope = factories.scope(run)
    scope.event_id = factories.event(scope)["id"]
    students = [factories.student(name) for name in ("张小明", "李小红", "王大力", "赵晓燕", "陈思远", "林海")]
    for i in range(3):  # registration closes once judging starts: entries first
        factories.entry(scope, ("HK01", "HK02", "SY01")[i], students=students[2 * i : 2 * i + 2])
    made = factories.judged_event(scope, entries=4, judges=3, scores=[90, 85, (80, 70, 60), 76])
    factories.user(made, "staff", "staff")
    session_id = factories.checkin_session(made)["id"]
    member_ids = {r["name"]: r["id"] for r in run(Member.select(Member.name, Member.id))}
    scanned = [member_ids[s.name] for s in students]

    service_a = server_env(settings.data_dir)  # the key comes from the key file, as in production
    backup_file = tmp_path / "backups" / "xinmiao.sqlite3"
    with serve(service_a, tmp_path / "a.log") as base:
        http = httpx.Client(base_url=base, timeout=30)
        org, staff = login(http, "org"), login(http, "staff")
        tokens = {
            m: http.get(f"/api/v1/participants/{m}/credential", headers=org).headers["x-credential"] for m in scanned
        }

        def check_in(member_id: int) -> str:
            answer = http.post(
                "/api/v1/checkin/scan", json={"session_id": session_id, "token": tokens[member_id]}, headers=staff
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["result"] == "checked_in"
            return answer.json()["first_checked_in_at"]

        before = {m: check_in(m) for m in scanned[:3]}  # checked in before the backup
        expected = snapshot(http, org, made.event_id)
        assert sorted(expected["ids"]) == sorted(s.name for s in students)

        # traffic while the backup runs: more check-ins and reads on other connections
        during: dict[int, str] = {}

        def more_traffic() -> None:
            for m in scanned[3:]:
                during[m] = check_in(m)
                assert http.get(f"/api/v1/events/{made.event_id}/entries", headers=org).status_code == 200

        traffic = threading.Thread(target=more_traffic)
        traffic.start()
        done = xinmiao("backup", str(backup_file), env=service_a)
        traffic.join()
        assert done.returncode == 0, done.stderr
        assert len(during) == 3
        # the whole database, ID numbers included: the service's user only (issue 11)
        assert (stat.S_IMODE(backup_file.stat().st_mode), stat.S_IMODE(backup_file.parent.stat().st_mode)) == (
            0o600,
            0o700,
        )

        # while the service runs, a restore over its database is refused and changes nothing
        refused = xinmiao("restore", str(backup_file), env=service_a)
        assert refused.returncode != 0 and "a Xinmiao service is running" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
        assert sorted(p.name for p in settings.data_dir.glob("xinmiao.sqlite3.before-restore-*")) == []
        assert http.get(f"/api/v1/events/{made.event_id}/entries", headers=org).status_code == 200

    # a fresh data directory with the same key file; nothing there yet
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    service_b = server_env(fresh)
    no_key = xinmiao("restore", str(backup_file), env=service_b)
    assert no_key.returncode != 0 and "secret.key" in no_key.stderr
    assert not (fresh / "secret.key").exists()  # never generated by restore
    shutil.copy(settings.data_dir / "secret.key", fresh / "secret.key")
    restored = xinmiao("restore", str(backup_file), env=service_b)
    assert restored.returncode == 0, restored.stderr
    assert "7 entries" in restored.stdout and "kept at" not in restored.stdout  # 4 judged + 3 with students

    with serve(service_b, tmp_path / "b.log") as base:
        http = httpx.Client(base_url=base, timeout=30)
        org, staff = login(http, "org"), login(http, "staff")
        assert snapshot(http, org, made.event_id) == expected  # entries, scores and awards, ID numbers
        scores = sorted(e["score"] for e in expected["results"]["entries"] if e["score"] is not None)
        assert scores == ["70.00", "76.00", "85.00", "90.00"]  # (80+70+60)/3 = 70
        assert expected["ids"] == {s.name: s.id_number for s in students}
        for member_id in scanned:  # every check-in made before the backup is there, at its time
            answer = http.post(
                "/api/v1/checkin/scan",
                json={"session_id": session_id, "token": tokens[member_id]},
                headers=staff,
            )
            assert answer.status_code == 200, answer.text
            if member_id in before:
                assert answer.json()["result"] == "already_checked_in"
                assert answer.json()["first_checked_in_at"] == before[member_id]
            elif answer.json()["result"] == "already_checked_in":  # made while the backup ran
                assert answer.json()["first_checked_in_at"] == during[member_id]


def test_restore_refuses_what_is_not_a_xinmiao_backup_and_keeps_the_replaced_database(run, settings, tmp_path):
    scope = factories.scope(run)
    scope.event_id = factories.event(scope)["id"]
    factories.entry(scope, "HK01", students=["张小明"])  # an encrypted ID number in the backup
    service = server_env(settings.data_dir)
    backup = tmp_path / "backup.sqlite3"
    assert xinmiao("backup", str(backup), env=service).returncode == 0

    # this test's own app has the service's database open: a restore there is refused
    running = xinmiao("restore", str(backup), env=service)
    assert running.returncode != 0 and "a Xinmiao service is running" in running.stderr, running.stderr
    assert "Traceback" not in running.stderr

    target = tmp_path / "target"
    target.mkdir()
    (target / "secret.key").write_text(TEST_SECRET + "\n", encoding="ascii")
    env = server_env(target)
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    for path, reason in (
        (text, "not an SQLite database"),
        (other, "not a Xinmiao database"),
        (tmp_path / "missing.sqlite3", "does not exist"),
    ):
        answer = xinmiao("restore", str(path), env=env)
        assert answer.returncode != 0 and reason in answer.stderr, answer.stderr
        assert "Traceback" not in answer.stderr
    assert not (target / "xinmiao.sqlite3").exists()

    # another key: the backup's ID numbers could never be read there
    wrong = tmp_path / "wrong-key"
    wrong.mkdir()
    (wrong / "secret.key").write_text("another-key\n", encoding="ascii")
    answer = xinmiao("restore", str(backup), env=server_env(wrong))
    assert answer.returncode != 0 and "cannot be decrypted" in answer.stderr, answer.stderr
    assert not (wrong / "xinmiao.sqlite3").exists()

    # a good backup, twice: the second time the replaced database is moved aside, not deleted
    assert xinmiao("restore", str(backup), env=env).returncode == 0
    database = target / "xinmiao.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO school (code, name, city) VALUES ('OLD1', '旧学校', '海口市')")
    done = xinmiao("restore", str(backup), env=env)
    assert done.returncode == 0, done.stderr
    (aside,) = target.glob("xinmiao.sqlite3.before-restore-*[0-9]Z")
    assert str(aside) in done.stdout
    with sqlite3.connect(aside) as conn:
        assert conn.execute("SELECT name FROM school WHERE code = 'OLD1'").fetchone() == ("旧学校",)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM school WHERE code = 'OLD1'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM member").fetchone() == (1,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
