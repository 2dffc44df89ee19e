"""Credentials, badges and check-in through the JSON API and the services: signed
credentials (forged, revoked, garbled, scanner suffixes and case), one check-in per member
and session under concurrency, queued scans with their own id and time, live view and
attendance workbook, badges PDF."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
import shutil
import subprocess

import openpyxl
import pytest

from tests import factories
from tests.competitions.checkin.test_credentials import forge
from tests.conftest import gb11643, skip_or_fail

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def session(world, name="报到", **extra) -> int:
    body = ok(
        world.client.post(
            f"/api/v1/events/{world.event_id}/checkin-sessions",
            json={"name": name, **extra},
            headers=world.headers("org"),
        ),
        201,
    )
    return body["id"]


def token_of(world, member_id: int, username="org") -> str:
    response = world.client.get(f"/api/v1/participants/{member_id}/credential", headers=world.headers(username))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    return response.headers["x-credential"]


def scan(world, session_id: int, token: str, expect=200, username="staff", **extra):
    response = world.client.post(
        "/api/v1/checkin/scan",
        json={"session_id": session_id, "token": token, **extra},
        headers=world.headers(username),
    )
    assert response.status_code == expect, response.text
    return response.json()


def checkin_rows(world, session_id: int) -> list[dict]:
    from competitions.checkin.tables import Checkin

    return world.run(Checkin.select().where(Checkin.checkin_session == session_id).order_by(Checkin.id))


# --------------------------------------------------------------------------- credential text


def test_credential_text_is_short_signed_ascii_and_survives_scanners(settings):
    from competitions.checkin.credentials import InvalidCredential, credential_for, read_credential

    text = credential_for(1234, 3)
    # "XM" + Base32 of 4-byte id + 2-byte generation + 9-byte MAC = 2 + 24 characters
    assert len(text) == 26 and text.startswith("XM")
    assert set(text[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    # the first 8 Base32 characters hold the id and generation: 00 00 04 D2 00 03 ...
    assert base64.b32decode(text[2:])[:6] == bytes([0, 0, 4, 0xD2, 0, 3])
    for variant in (text.lower(), text + "\r\n", text + "\t", f"  {text[:10]}-{text[10:]} ", text.swapcase()):
        ref = read_credential(variant)
        assert (ref.member_id, ref.generation) == (1234, 3)
    # a digit 0/1/8 typed for O/I/B still reads (never produced, so no ambiguity)
    if "O" in text:
        assert read_credential(text.replace("O", "0")).member_id == 1234
    # forged: any single changed character breaks the signature
    for position in (2, 5, 10, 25):
        changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
        with pytest.raises(InvalidCredential):
            read_credential(changed)
    # garbled: wrong length, wrong prefix, characters outside Base32, empty, Chinese IME output
    for garbled in (text[:-1], "YY" + text[2:], text[:20] + "999999", "", "ＸＭ签到", "https://example.com/" + text):
        with pytest.raises(InvalidCredential):
            read_credential(garbled)


def test_credential_signed_with_the_service_secret(settings):
    from app.settings import get_settings, set_settings
    from competitions.checkin.credentials import InvalidCredential, credential_for, read_credential

    text = credential_for(7)
    original = get_settings()
    import dataclasses

    set_settings(dataclasses.replace(original, secret_key="another-secret"))
    try:
        with pytest.raises(InvalidCredential):
            read_credential(text)
    finally:
        set_settings(original)
    assert read_credential(text).member_id == 7


# --------------------------------------------------------------------------- scanning


def test_scan_checks_in_once_and_reports_the_first_time(world):
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"])
    # a queued scan made 40 minutes ago (within the 2-day limit for device times)
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    at = now - dt.timedelta(minutes=40)
    later = now - dt.timedelta(minutes=35)
    sid = session(
        world,
        "报到",
        starts_at=(now - dt.timedelta(hours=1)).isoformat(),
        ends_at=(now + dt.timedelta(hours=3)).isoformat(),
    )
    token = token_of(world, entry["member_ids"]["李明"])
    first = scan(
        world, sid, token.lower() + "\r", client_scan_id="dev1-0001", scanned_at=at.isoformat(), device="门口1"
    )
    assert first["result"] == "checked_in"
    assert first["participant"] == {
        "id": entry["member_ids"]["李明"],
        "name": "李明",
        "school_name": "海口市第一中学",
        "role": "student",
        "entry_code": entry["code"],
        "entry_title": first["participant"]["entry_title"],
    }
    assert first["first_checked_in_at"] == at.isoformat()
    assert first["first_checked_in_time"] == at.strftime("%H:%M")
    assert first["outside_window"] is False
    # the same badge again, from another device, later: already checked in at the first time
    again = scan(world, sid, token, client_scan_id="dev2-0001", scanned_at=later.isoformat(), device="门口2")
    assert again["result"] == "already_checked_in"
    assert again["first_checked_in_at"] == at.isoformat()
    assert again["message"] == f"已签到（{at:%H:%M} 首次签到）"
    # a replay of the first scan (its response was lost) is answered as before
    replay = scan(world, sid, token, client_scan_id="dev1-0001", scanned_at=at.isoformat(), device="门口1")
    assert replay["result"] == "checked_in" and replay["first_checked_in_at"] == at.isoformat()
    rows = checkin_rows(world, sid)
    assert len(rows) == 1
    assert (rows[0]["device"], rows[0]["client_scan_id"], rows[0]["method"]) == ("门口1", "dev1-0001", "qr")
    assert rows[0]["checked_in_at"] == at.astimezone(dt.timezone.utc)
    staff_id = world.principal("staff").id
    assert rows[0]["staff"] == staff_id
    # an adviser checks in with their own credential; the other student is not yet here
    adviser = scan(world, sid, token_of(world, entry["member_ids"]["陈老师"]))
    assert adviser["result"] == "checked_in" and adviser["participant"]["role"] == "adviser"
    assert len(checkin_rows(world, sid)) == 2
    # the same credential checks in separately at another session
    other = session(world, "开幕式")
    assert scan(world, other, token)["result"] == "checked_in"


@pytest.mark.parametrize("device_time", ["2099-01-01T00:00:00+08:00", "2020-01-01T08:00:00+08:00"])
def test_scan_time_from_a_wrong_device_clock_is_replaced_by_the_server_time(world, device_time):
    """Future times, and times more than 2 days old, come from a wrong device clock."""
    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    before = dt.datetime.now(dt.timezone.utc)
    answer = scan(world, sid, token_of(world, entry["member_ids"]["李明"]), scanned_at=device_time)
    stored = checkin_rows(world, sid)[0]["checked_in_at"]
    assert before <= stored <= dt.datetime.now(dt.timezone.utc)
    assert answer["first_checked_in_at"].startswith(stored.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"))


def test_unreadable_scan_fields_are_refused_with_a_reason(world):
    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    body = scan(world, sid, token, expect=422, scanned_at="0001-01-01T00:00:00+14:00")
    assert body["detail"] == "scanned_at 不是有效的时间，例如 2026-05-01T08:30。"
    assert scan(world, sid, token, expect=422, client_scan_id="x" * 65)["detail"] == "client_scan_id 最长 64 个字符。"
    huge = world.client.post(
        "/api/v1/checkin/scan", json={"session_id": sid, "token": "A" * 20000}, headers=world.headers("staff")
    )
    assert huge.status_code == 413
    assert checkin_rows(world, sid) == []


def test_forged_garbled_unknown_and_wrong_session(world):
    from competitions.checkin.credentials import credential_for

    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    forged = forge(token)
    body = scan(world, sid, forged, expect=422)
    assert body["detail"] == "凭证签名无效：此二维码是伪造或被改动过的。"
    assert scan(world, sid, "ＸＭ１２３", expect=422)["detail"] == "这不是新苗的参赛凭证二维码。"
    assert scan(world, sid, "hello world", expect=422)["detail"] == "这不是新苗的参赛凭证二维码。"
    # well signed, but no such member (deleted)
    assert (
        scan(world, sid, credential_for(987654), expect=404)["detail"] == "凭证无效：找不到这个参赛人员，可能已被删除。"
    )
    assert scan(world, 999999, token, expect=404)["detail"] == "找不到这个签到场次。"
    # one character typed wrong: told where to look, not counted as a forgery (issue 12 item 8)
    wrong = token[:7] + ("A" if token[7] != "A" else "B") + token[8:]
    typo = scan(world, sid, wrong, expect=422)
    assert typo["extra"] == {"problem": "mistyped", "position": 8, "fix": "replace"}
    assert typo["detail"] == "凭证号码输错了：请核对第 8 个字符（从 XM 的 X 数起）后重新输入。"
    assert checkin_rows(world, sid) == []
    # refused scans are kept for the live view (the typo is not among them)
    live = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/live", headers=world.headers("org")))
    assert live["rejected"] == {"forged": 3, "unknown": 1}


def test_reissue_revokes_the_old_credential(world):
    entry = factories.entry(world, "HK01", students=["李明"])
    member_id = entry["member_ids"]["李明"]
    sid = session(world)
    old = token_of(world, member_id)
    response = world.client.post(
        f"/api/v1/participants/{member_id}/credential/reissue", json={"reason": ""}, headers=world.headers("org")
    )
    assert response.status_code == 422
    new = ok(
        world.client.post(
            f"/api/v1/participants/{member_id}/credential/reissue",
            json={"reason": "参赛证丢失"},
            headers=world.headers("org"),
        )
    )["credential"]
    assert new != old and new == token_of(world, member_id)
    assert (
        world.client.post(
            f"/api/v1/participants/{member_id}/credential/reissue", json={"reason": "x"}, headers=world.headers("hk01")
        ).status_code
        == 403
    )
    revoked = scan(world, sid, old, client_scan_id="q-1")
    assert revoked["result"] == "revoked" and revoked["participant"]["name"] == "李明"
    assert revoked["first_checked_in_at"] is None
    assert checkin_rows(world, sid) == []
    assert scan(world, sid, new)["result"] == "checked_in"
    # the old one stays revoked even after the member checked in with the new one
    assert scan(world, sid, old)["result"] == "revoked"
    from app.tables import AuditLog

    log = world.run(
        AuditLog.select(AuditLog.action, AuditLog.reason)
        .where(AuditLog.object_id == member_id)
        .where(AuditLog.action == "credential.reissue")
    )
    assert log == [{"action": "credential.reissue", "reason": "参赛证丢失"}]


def test_wrong_event_and_withdrawn_entry(world):
    from competitions.events import services as events
    from competitions.registration import services as registration

    other_event = world.run(
        events.create_event(world.org, {"name": "2026年海南省青少年机器人竞赛", "kind": "robotics", "year": 2026})
    )
    ok(
        world.client.post(
            f"/api/v1/events/{other_event['id']}/categories",
            json={"code": "FLL", "name": "机器人挑战赛"},
            headers=world.headers("org"),
        ),
        201,
    )
    stranger = factories.entry(world, "HK02", students=["赵六"], event_id=other_event["id"], category="FLL")
    mine = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    answer = scan(world, sid, token_of(world, stranger["member_ids"]["赵六"]))
    assert answer["result"] == "wrong_event" and answer["message"] == "不是本活动的凭证"
    world.run(registration.withdraw_entry(world.org, mine["id"], "学生生病"))
    assert scan(world, sid, token_of(world, mine["member_ids"]["李明"]))["result"] == "revoked"
    assert checkin_rows(world, sid) == []


def test_who_may_scan_and_see_credentials(world):
    entry = factories.entry(world, "HK01", students=["李明"])
    member_id = entry["member_ids"]["李明"]
    sid = session(world)
    token = token_of(world, member_id)
    # the member's own school gets the QR (PNG and SVG), another school and judges do not
    assert token_of(world, member_id, "hk01") == token
    svg = world.client.get(f"/api/v1/participants/{member_id}/credential?format=svg", headers=world.headers("hk01"))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert (
        world.client.get(f"/api/v1/participants/{member_id}/credential", headers=world.headers("hk02")).status_code
        == 404
    )
    assert (
        world.client.get(f"/api/v1/participants/{member_id}/credential", headers=world.headers("judge")).status_code
        == 403
    )
    assert (
        world.client.get(
            f"/api/v1/participants/{member_id}/credential?format=gif", headers=world.headers("org")
        ).status_code
        == 422
    )
    for username in ("hk01", "judge", "haikou", "referee"):
        scan(world, sid, token, expect=403, username=username)
    assert world.client.post("/api/v1/checkin/scan", json={"session_id": sid, "token": token}).status_code == 401
    assert (
        world.client.post(
            f"/api/v1/events/{world.event_id}/checkin-sessions", json={"name": "x"}, headers=world.headers("staff")
        ).status_code
        == 403
    )
    # organizers scan too
    assert scan(world, sid, token, username="org")["result"] == "checked_in"
    # the credential holds no personal data: only the member id, generation and signature
    assert "李明" not in token and "460100" not in token


def test_session_validation(world):
    response = world.client.post(
        f"/api/v1/events/{world.event_id}/checkin-sessions",
        json={"name": "开幕式", "starts_at": "2026-05-01T10:00", "ends_at": "2026-05-01T09:00"},
        headers=world.headers("org"),
    )
    assert response.status_code == 422 and response.json()["detail"] == "结束时间必须晚于开始时间。"
    response = world.client.post(
        f"/api/v1/events/{world.event_id}/checkin-sessions",
        json={"name": "开幕式", "starts_at": "五月一日"},
        headers=world.headers("org"),
    )
    assert response.status_code == 422 and "开始时间" in response.json()["detail"]
    assert (
        world.client.post(
            f"/api/v1/events/{world.event_id}/checkin-sessions", json={"name": "  "}, headers=world.headers("org")
        ).status_code
        == 422
    )
    assert (
        world.client.post(
            "/api/v1/events/99999/checkin-sessions", json={"name": "报到"}, headers=world.headers("org")
        ).status_code
        == 404
    )
    sid = session(world, "开幕式", starts_at="2026-05-01T09:00", ends_at="2026-05-01T10:30", location="大礼堂")
    body = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}", headers=world.headers("staff")))
    assert (body["starts_at"], body["ends_at"], body["location"]) == (
        "2026-05-01T09:00:00+08:00",
        "2026-05-01T10:30:00+08:00",
        "大礼堂",
    )
    assert body["window"] == "2026-05-01 09:00 – 10:30"


def test_fifty_concurrent_scans_of_one_credential_give_one_checkin(world):
    from competitions.checkin import services as checkin

    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    staff = world.principal("staff")

    async def burst():
        return await asyncio.gather(
            *[checkin.scan(staff, sid, token, client_scan_id=f"phone{i}-1", device=f"phone{i}") for i in range(50)]
        )

    answers = world.run(burst())
    results = sorted(a["result"] for a in answers)
    assert results == ["already_checked_in"] * 49 + ["checked_in"]
    assert len({a["first_checked_in_at"] for a in answers}) == 1
    rows = checkin_rows(world, sid)
    assert len(rows) == 1
    winner = next(a for a in answers if a["result"] == "checked_in")
    assert rows[0]["client_scan_id"] == winner["client_scan_id"]


def test_fifty_concurrent_http_scans_give_one_checkin(world):
    from concurrent.futures import ThreadPoolExecutor

    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    headers = world.headers("staff")

    def one(i):
        return world.client.post(
            "/api/v1/checkin/scan", json={"session_id": sid, "token": token, "client_scan_id": f"c{i}"}, headers=headers
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(one, range(50)))
    assert [r.status_code for r in responses] == [200] * 50
    assert sorted(r.json()["result"] for r in responses) == ["already_checked_in"] * 49 + ["checked_in"]
    assert len(checkin_rows(world, sid)) == 1


def test_the_database_refuses_a_second_checkin(world):
    """The rule lives in the database (unique index), not only in the service."""
    from competitions.checkin.tables import Checkin

    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    member_id = entry["member_ids"]["李明"]
    now = dt.datetime.now(dt.timezone.utc)
    world.run(Checkin.insert(Checkin(checkin_session=sid, member=member_id, checked_in_at=now, recorded_at=now)))
    with pytest.raises(Exception) as caught:
        world.run(Checkin.insert(Checkin(checkin_session=sid, member=member_id, checked_in_at=now, recorded_at=now)))
    assert "unique" in str(caught.value).lower()


def test_search_manual_checkin_live_view_and_workbook(world):
    a = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"], title="校园雨水回收装置")
    factories.entry(world, "HK02", students=["阿依古丽·买买提"], title="椰子壳活性炭")
    sid = session(world, "报到")
    staff = world.headers("staff")
    found = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q=阿依古丽", headers=staff))
    assert [(m["name"], m["school_name"], m["checked_in_at"]) for m in found] == [
        ("阿依古丽·买买提", "海南华侨中学", None)
    ]
    by_title = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q=雨水", headers=staff))
    assert [m["name"] for m in by_title] == ["李明", "王芳", "陈老师"]
    manual = ok(
        world.client.post(
            "/api/v1/checkin/manual",
            json={"session_id": sid, "member_id": found[0]["id"], "device": "服务台"},
            headers=staff,
        )
    )
    assert manual["result"] == "checked_in"
    assert scan(world, sid, token_of(world, a["member_ids"]["李明"]), device="门口1")["result"] == "checked_in"
    found = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q=阿依古丽", headers=staff))
    assert found[0]["checked_in_time"] == manual["first_checked_in_time"]
    live = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/live", headers=world.headers("org")))
    assert (live["expected"], live["arrived"], live["arrived_expected"]) == (4, 2, 2)
    # fewest arrived share first: 海口一中 1 of 3, then 华侨中学 1 of 1
    assert [(s["code"], s["arrived"], s["expected"]) for s in live["schools"]] == [("HK01", 1, 3), ("HK02", 1, 1)]
    assert [m["name"] for m in live["missing"]] == ["王芳", "陈老师"]
    assert [(r["name"], r["method"], r["device"]) for r in live["recent"]] == [
        ("李明", "qr", "门口1"),
        ("阿依古丽·买买提", "manual", "服务台"),
    ]
    # the workbook: one row per expected person, sorted by school and entry, no ID numbers or phones
    response = world.client.get(f"/api/v1/checkin-sessions/{sid}/attendance.xlsx", headers=world.headers("org"))
    assert response.status_code == 200
    assert world.client.get(f"/api/v1/checkin-sessions/{sid}/attendance.xlsx", headers=staff).status_code == 403
    from urllib.parse import quote

    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"checkin-{sid}.xlsx\"; filename*=UTF-8''{quote('签到-2026年海南省青少年科技创新大赛-报到.xlsx')}"
    )
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == [
        "学校代码",
        "学校",
        "作品编号",
        "作品名称",
        "姓名",
        "角色",
        "签到",
        "签到时间",
        "设备",
        "签到员",
        "方式",
    ]
    assert [(r[0], r[4], r[5], r[6], r[8], r[9], r[10]) for r in rows[1:]] == [
        ("HK01", "李明", "学生", "已到", "门口1", "staff", "扫码"),
        ("HK01", "王芳", "学生", "未到", None, None, None),
        ("HK01", "陈老师", "辅导教师", "未到", None, None, None),
        ("HK02", "阿依古丽·买买提", "学生", "已到", "服务台", "staff", "按姓名"),
    ]
    # the check-in time is a real date-time cell in Beijing time, to the second
    stored = checkin_rows(world, sid)
    li_ming = next(r for r in stored if r["member"] == a["member_ids"]["李明"])
    assert rows[1][7] == li_ming["checked_in_at"].astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    assert ws["H2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:K5"
    flat = " ".join(str(c) for r in rows for c in r if c)
    assert "1380000" not in flat and "460100" not in flat


def test_session_delete_only_before_checkins(world):
    entry = factories.entry(world, "HK01", students=["李明"])
    empty = session(world, "闭幕式")
    assert world.client.delete(f"/api/v1/checkin-sessions/{empty}", headers=world.headers("org")).status_code == 204
    used = session(world, "报到")
    scan(world, used, token_of(world, entry["member_ids"]["李明"]))
    assert world.client.delete(f"/api/v1/checkin-sessions/{used}", headers=world.headers("org")).status_code == 409


# --------------------------------------------------------------------------- badges


def _pdftotext(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "badges.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_badges_pdf_for_a_school_and_the_event(world, tmp_path):
    a = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"], title="校园雨水回收装置")
    factories.entry(world, "HK02", students=["阿依古丽·买买提"], title="椰子壳活性炭")
    names = ["张一", "张二", "张三", "林一", "林二", "林三", "吴一", "吴二", "吴三"]
    for i in range(3):
        factories.entry(world, "SY01", students=names[i * 3 : i * 3 + 3])
    # 3 + 1 + 9 = 13 badges -> two A4 sheets of eight
    response = world.client.get(f"/api/v1/events/{world.event_id}/badges.pdf", headers=world.headers("org"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = _pdftotext(response.content, tmp_path)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 2
    for name in ("李明", "王芳", "陈老师", "阿依古丽·买买提", "张一", "吴三"):
        assert name in text
    # sorted by school: HK01 before HK02 before SY01
    assert text.index("李明") < text.index("阿依古丽·买买提") < text.index("张一")
    assert "460100" not in text and "1380000" not in text and "1390000" not in text
    # the credential text printed under the QR is the member's current credential
    token = token_of(world, a["member_ids"]["李明"])
    assert token[:13] in text and token[13:] in text
    path = tmp_path / "badges.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all(" yes " in line for line in font_lines)  # every font embedded
    # a school gets only its own badges, whatever it asks for
    own = world.client.get(
        f"/api/v1/events/{world.event_id}/badges.pdf?school_code=SY01", headers=world.headers("hk01")
    )
    own_text = _pdftotext(own.content, tmp_path)
    assert "李明" in own_text and "张一" not in own_text and "阿依古丽" not in own_text
    one_school = world.client.get(
        f"/api/v1/events/{world.event_id}/badges.pdf?school_code=HK02", headers=world.headers("org")
    )
    assert "阿依古丽·买买提" in _pdftotext(one_school.content, tmp_path)
    assert (
        world.client.get(f"/api/v1/events/{world.event_id}/badges.pdf", headers=world.headers("staff")).status_code
        == 403
    )
    # nothing approved -> 409 with a reason
    empty = world.client.get(f"/api/v1/events/{world.event_id}/badges.pdf", headers=world.headers("sy01"))
    assert empty.status_code == 200  # SY01 has three approved entries


def test_badge_with_a_character_the_font_cannot_draw_is_listed_not_printed(world, tmp_path):
    from competitions.checkin.badges import badge_rows, render_badges

    factories.entry(world, "HK01", students=["𠮷田"], title="测试")
    factories.entry(world, "HK01", students=["李明"], title="测试二")
    rows = world.run(badge_rows(world.org, world.event_id))
    data, left_out = render_badges(rows)
    assert [(r["characters"]) for r in left_out] == ["𠮷"]
    text = _pdftotext(data, tmp_path)
    assert "李明" in text and "田" not in text.replace("未打印", "")
    assert f"人员编号 {left_out[0]['id']}" in text


def test_sqlite_scan_waits_for_another_writer_without_blocking(world, settings):
    """While another connection holds SQLite's write lock, a scan is not refused: it waits
    on a worker thread (the event loop keeps serving) and succeeds once the lock is free."""
    import sqlite3
    import threading

    from app import db

    if not db.is_sqlite():
        pytest.skip("SQLite only")
    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    path = settings.database_url[len("sqlite:///") :]
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release():
        import time

        time.sleep(0.5)
        blocker.execute("COMMIT")
        released.set()

    threading.Thread(target=release).start()
    answer = scan(world, sid, token)
    assert released.is_set()  # the scan finished only after the other writer let go
    assert answer["result"] == "checked_in"
    assert len(checkin_rows(world, sid)) == 1
    blocker.close()


def test_members_of_entries_not_approved_are_not_checked_in(world):
    """Badges exist only for approved entries; a draft/returned/withdrawn entry's member is
    refused with a reason, by QR and by name, and is listed by search as not checkable."""
    from competitions.registration import services as registration
    from competitions.registration.members import MemberInput

    school = world.principal("hk01")
    draft = world.run(
        registration.create_entry(
            school,
            world.event_id,
            {"title": "草稿作品", "category": "MA", "division": "初中"},
            [
                MemberInput(
                    role="student",
                    name="高家乐",
                    gender="男",
                    id_number=gb11643("46010020100101991"),
                    grade="初二",
                    phone="13800001111",
                    consent_participation=True,
                )
            ],
        )
    )
    assert draft["status"] == "draft"
    member_id = draft["members"][0]["id"]
    sid = session(world)
    answer = scan(world, sid, token_of(world, member_id))
    assert (answer["result"], answer["reason"], answer["message"]) == (
        "revoked",
        "not_approved",
        "作品未通过审查，不能签到：请到服务台",
    )
    manual = ok(
        world.client.post(
            "/api/v1/checkin/manual", json={"session_id": sid, "member_id": member_id}, headers=world.headers("staff")
        )
    )
    assert manual["result"] == "revoked" and manual["reason"] == "not_approved"
    found = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q=高家乐", headers=world.headers("staff")))
    assert [(m["name"], m["entry_status"], m["can_check_in"]) for m in found] == [("高家乐", "draft", False)]
    withdrawn = factories.entry(world, "HK02", students=["吉天佑"])
    world.run(registration.withdraw_entry(world.org, withdrawn["id"], "退赛"))
    answer = scan(world, sid, token_of(world, withdrawn["member_ids"]["吉天佑"]))
    assert (answer["result"], answer["reason"], answer["message"]) == ("revoked", "withdrawn", "作品已撤回，不能签到")
    assert checkin_rows(world, sid) == []


def test_old_credential_after_checking_in_with_the_new_one_says_when(world):
    entry = factories.entry(world, "HK01", students=["李明"])
    member_id = entry["member_ids"]["李明"]
    sid = session(world)
    old = token_of(world, member_id)
    new = ok(
        world.client.post(
            f"/api/v1/participants/{member_id}/credential/reissue",
            json={"reason": "丢失"},
            headers=world.headers("org"),
        )
    )["credential"]
    first = scan(world, sid, new)
    answer = scan(world, sid, old)
    assert (answer["result"], answer["reason"]) == ("revoked", "reissued")
    assert answer["first_checked_in_at"] == first["first_checked_in_at"]
    assert answer["message"] == f"旧凭证已作废（本人已于 {first['first_checked_in_time']} 用新凭证签到）"


def test_undo_a_mistaken_checkin(world):
    from app.tables import AuditLog

    entry = factories.entry(world, "HK01", students=["李明"])
    member_id = entry["member_ids"]["李明"]
    sid = session(world, "开幕式")
    token = token_of(world, member_id)
    scan(world, sid, token, device="门口1")
    undone = world.client.delete(
        f"/api/v1/checkin-sessions/{sid}/checkins/{member_id}?reason=扫错场次", headers=world.headers("staff")
    )
    assert undone.status_code == 200 and undone.json()["member_id"] == member_id
    assert checkin_rows(world, sid) == []
    again = world.client.delete(f"/api/v1/checkin-sessions/{sid}/checkins/{member_id}", headers=world.headers("staff"))
    assert again.status_code == 404 and again.json()["detail"] == "此人在这个场次还没有签到。"
    assert (
        world.client.delete(
            f"/api/v1/checkin-sessions/{sid}/checkins/{member_id}", headers=world.headers("hk01")
        ).status_code
        == 403
    )
    log = world.run(
        AuditLog.select(AuditLog.action, AuditLog.reason, AuditLog.summary).where(AuditLog.action == "checkin.undo")
    )
    assert log == [{"action": "checkin.undo", "reason": "扫错场次", "summary": "李明 · 开幕式"}]
    # checked in again afterwards: a fresh check-in
    assert scan(world, sid, token)["result"] == "checked_in"


def test_session_patch_changes_only_given_fields_and_reports_state(world):
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    sid = session(
        world,
        "开幕式",
        starts_at=(now + dt.timedelta(hours=2)).isoformat(),
        ends_at=(now + dt.timedelta(hours=3)).isoformat(),
        location="大礼堂",
    )
    body = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}", headers=world.headers("staff")))
    assert body["state"] == "upcoming"
    body = ok(
        world.client.patch(
            f"/api/v1/checkin-sessions/{sid}",
            json={"starts_at": (now - dt.timedelta(minutes=10)).isoformat()},
            headers=world.headers("org"),
        )
    )
    assert (body["name"], body["location"], body["state"]) == ("开幕式", "大礼堂", "open")
    body = ok(
        world.client.patch(
            f"/api/v1/checkin-sessions/{sid}",
            json={"ends_at": (now - dt.timedelta(minutes=5)).isoformat()},
            headers=world.headers("org"),
        )
    )
    assert body["state"] == "closed"
    long_name = world.client.patch(
        f"/api/v1/checkin-sessions/{sid}", json={"name": "长" * 101}, headers=world.headers("org")
    )
    assert long_name.status_code == 422 and long_name.json()["detail"] == "场次名称最长 100 个字。"


def test_malformed_scan_requests_get_translated_reasons(world):
    sid = session(world)
    missing = world.client.post("/api/v1/checkin/scan", json={"session_id": sid}, headers=world.headers("staff"))
    assert missing.status_code == 422
    assert missing.json()["detail"] == "请求数据格式不正确，请检查这些字段：token"
    assert missing.json()["errors"] == [{"field": "token", "message": "缺少必填字段 token。"}]
    huge = world.client.post(
        "/api/v1/checkin/scan", json={"session_id": sid, "token": "A" * 20000}, headers=world.headers("staff")
    )
    assert huge.status_code == 413 and huge.json()["detail"] == "请求内容超过 16 KB 上限。"
    wrong_type = world.client.post(
        "/api/v1/checkin/scan", json={"session_id": sid, "token": "x", "device": 5}, headers=world.headers("staff")
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["detail"] == "请求数据格式不正确，请检查这些字段：device"


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def test_postgresql_scan_statement_reads_every_row_by_key_in_its_generic_plan(world, settings):
    """After five executions PostgreSQL reuses a generic plan of the prepared scan statement,
    chosen from table statistics that are stale at the start of a contest day (an empty
    checkin table that fills up, a bulk import of entries). Written with joins the plan
    scanned all approved entries and all check-ins of the session for every scan (2.3x
    slower through HTTP); each table must be reached by its primary key, and the check-in
    by both columns of its unique index."""
    import asyncpg

    from app import db
    from competitions.checkin.scanstore import PG_SCAN_SQL

    if db.is_sqlite():
        pytest.skip("PostgreSQL statement")
    entry = factories.entry(world, "HK01", students=["李明", "王芳"])
    sid = session(world)
    scan(world, sid, token_of(world, entry["member_ids"]["李明"]))

    async def explain():
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute("SET plan_cache_mode = force_generic_plan")
            await conn.execute(
                "PREPARE scan_plan(integer, integer, integer, timestamptz, text, integer, text, text) AS " + PG_SCAN_SQL
            )
            return await conn.fetchval("EXPLAIN (FORMAT JSON) EXECUTE scan_plan(1, 1, 1, now(), 'd', NULL, NULL, 'qr')")
        finally:
            await conn.close()

    import json

    plan = json.loads(world.run(explain()))[0]["Plan"]
    reads = [n for n in _plan_nodes(plan) if n.get("Relation Name") and n["Node Type"] != "ModifyTable"]
    by_table = {}
    for node in reads:
        by_table.setdefault(node["Relation Name"], []).append(node)
    assert set(by_table) == {"checkin_session", "member", "entry", "school", "checkin"}
    assert {(n["Node Type"], n.get("Index Name")) for n in by_table["entry"]} == {("Index Scan", "entry_pkey")}
    assert {(n["Node Type"], n.get("Index Name")) for n in by_table["member"]} == {("Index Scan", "member_pkey")}
    [checkin_read] = by_table["checkin"]
    assert checkin_read["Index Name"] == "checkin_session_member_uq"
    assert "checkin_session = $1" in checkin_read["Index Cond"] and "member = $2" in checkin_read["Index Cond"]


@pytest.mark.parametrize("huge", [2**31, 2**63])
def test_ids_too_large_for_the_database_are_not_found(world, huge):
    """An id beyond the database's integer (32 bits on PostgreSQL, 64 on SQLite) cannot
    exist: 404 like any unknown id, never a 500."""
    entry = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    token = token_of(world, entry["member_ids"]["李明"])
    staff, org = world.headers("staff"), world.headers("org")
    answers = [
        world.client.post("/api/v1/checkin/scan", json={"session_id": huge, "token": token}, headers=staff),
        world.client.post(
            "/api/v1/checkin/manual", json={"session_id": huge, "member_id": entry["member_ids"]["李明"]}, headers=staff
        ),
        world.client.post("/api/v1/checkin/manual", json={"session_id": sid, "member_id": huge}, headers=staff),
        world.client.get(f"/api/v1/checkin-sessions/{huge}/search?q=李", headers=staff),
        world.client.get(f"/api/v1/participants/{huge}/credential", headers=org),
        world.client.get(f"/api/v1/entries/{huge}", headers=org),
    ]
    assert [(r.status_code, r.json()["status_code"]) for r in answers] == [(404, 404)] * len(answers)
    assert checkin_rows(world, sid) == []


def test_entry_withdrawn_after_checking_in_leaves_school_counts_and_workbook_consistent(world):
    """Someone who checked in and whose entry is then withdrawn is not 'expected' any more:
    the school row shows them apart (+1), never 2 / 1, and the workbook's 已到 count equals
    the headline."""
    from competitions.registration import services as registration

    stays = factories.entry(world, "HK01", students=["李明"], title="留下的作品")
    leaves = factories.entry(world, "HK01", students=["王芳", "张伟"], title="撤回的作品")
    sid = session(world)
    for token in (token_of(world, stays["member_ids"]["李明"]), token_of(world, leaves["member_ids"]["王芳"])):
        assert scan(world, sid, token)["result"] == "checked_in"
    world.run(registration.withdraw_entry(world.org, leaves["id"], "学生生病"))
    live = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/live", headers=world.headers("org")))
    assert (live["expected"], live["arrived"], live["arrived_expected"]) == (1, 2, 1)
    assert [(s["code"], s["arrived"], s["expected"], s["arrived_other"]) for s in live["schools"]] == [
        ("HK01", 1, 1, 1)
    ]
    assert live["missing"] == []
    page = world.login_page("org").get(f"/checkin/{sid}/live")
    assert "1 / 1" in page.text and "+1" in page.text
    response = world.client.get(f"/api/v1/checkin-sessions/{sid}/attendance.xlsx", headers=world.headers("org"))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [(r[4], r[6]) for r in rows[1:]] == [("李明", "已到"), ("王芳", "已到（作品已撤回）")]
    assert sum(1 for r in rows[1:] if r[6] == "已到") == live["arrived_expected"]


def test_a_big_attendance_workbook_is_made_in_another_process(world, monkeypatch):
    """An event of more than ROWS_IN_PROCESS people (lowered to 1 here): the attendance workbook is
    read and written by another process (issue 11, item 13) -- this process's row reader is broken
    for the test -- and streamed from disk: the same rows and file name as inline, deleted once sent."""
    from app.exports import exporters
    from app.settings import get_settings
    from competitions.checkin import services as checkin

    stays = factories.entry(world, "HK01", students=["李明", "王芳"], title="雨水花园")
    sid = session(world)
    assert scan(world, sid, token_of(world, stays["member_ids"]["李明"]))["result"] == "checked_in"
    url = f"/api/v1/checkin-sessions/{sid}/attendance.xlsx"
    inline = world.client.get(url, headers=world.headers("org"))
    assert inline.status_code == 200

    monkeypatch.setattr(exporters, "ROWS_IN_PROCESS", 1)

    async def not_here(session):
        raise AssertionError("read in the server process")

    monkeypatch.setattr(checkin, "_attendance_rows", not_here)
    response = world.client.get(url, headers=world.headers("org"))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == inline.headers["content-disposition"]

    def values(content: bytes) -> list[list]:
        return [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]

    assert values(response.content) == values(inline.content)
    assert [(r[4], r[6]) for r in values(response.content)[1:]] == [("李明", "已到"), ("王芳", "未到")]
    assert list((get_settings().data_dir / "exports").iterdir()) == []  # deleted once sent
    page = world.login_page("org").get(f"/checkin/{sid}/attendance.xlsx")
    assert page.status_code == 200 and values(page.content) == values(inline.content)


def test_two_sessions_of_an_event_cannot_share_a_name(world):
    first = session(world, "报到")
    other = session(world, "开幕式")
    org = world.headers("org")
    again = world.client.post(f"/api/v1/events/{world.event_id}/checkin-sessions", json={"name": " 报到 "}, headers=org)
    assert again.status_code == 422
    assert again.json()["detail"] == "本赛事已有名为“报到”的签到场次，请换一个名称（例如加上日期或地点）。"
    renamed = world.client.patch(f"/api/v1/checkin-sessions/{other}", json={"name": "报到"}, headers=org)
    assert renamed.status_code == 422
    # keeping its own name while changing the window is fine, and so is a distinct name
    assert (
        ok(
            world.client.patch(
                f"/api/v1/checkin-sessions/{first}", json={"name": "报到", "location": "东门"}, headers=org
            )
        )["location"]
        == "东门"
    )
    assert (
        ok(
            world.client.post(
                f"/api/v1/events/{world.event_id}/checkin-sessions", json={"name": "报到（第二天）"}, headers=org
            ),
            201,
        )["name"]
        == "报到（第二天）"
    )


@pytest.mark.parametrize(
    "typed", ["阿依古丽·买买提", "阿依古丽买买提", "阿依古丽.买买提", "阿依古丽 买买提", "阿依古丽•买买提", "丽买"]
)
def test_search_finds_names_with_a_middle_dot_however_it_is_typed(world, typed):
    from urllib.parse import quote

    b = factories.entry(world, "HK02", students=["阿依古丽·买买提"], title="椰子壳活性炭")
    sid = session(world)
    found = ok(
        world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q={quote(typed)}", headers=world.headers("staff"))
    )
    assert [(m["id"], m["name"]) for m in found] == [(b["member_ids"]["阿依古丽·买买提"], "阿依古丽·买买提")]


def test_search_lists_members_of_a_withdrawn_entry_as_not_checkable(world):
    from competitions.registration import services as registration

    gone = factories.entry(world, "HK01", students=["吉天佑"])
    world.run(registration.withdraw_entry(world.org, gone["id"], "退赛"))
    sid = session(world)
    found = ok(world.client.get(f"/api/v1/checkin-sessions/{sid}/search?q=吉天佑", headers=world.headers("staff")))
    assert [(m["name"], m["entry_status"], m["can_check_in"]) for m in found] == [("吉天佑", "withdrawn", False)]
