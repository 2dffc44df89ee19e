"""Purging a finished event's personal data (issue 11, item 10; pretix's "shredder" as the model):
a dry run counts what would go, the purge needs a reason, is audited and refused while results
are not final; ID numbers, phones, birth dates and uploaded files go, names, entries, scores,
awards and certificate verification stay; due events are listed on the organizer's home page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest

from app.settings import get_settings, set_settings
from tests.competitions.api import call
from tests.factories import competitions as factories
from tests.factories import judging as judging_factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PURGE = "/api/v1/events/{id}/personal-data/purge"
# by hand: two students (ID number, phone, birth date each), one adviser (phone only), one file,
# three audit rows quoting masked values (one per member added)
EXPECTED = {"id_numbers": 2, "phones": 3, "birth_dates": 2, "documents": 1, "audit_rows": 3}


@pytest.fixture
def judged(world):
    """A judged event of 3 entries (awards by score), the first with two students, an adviser and a document."""
    from competitions.registration import documents
    from competitions.registration import services as registration

    made = judging_factories.judged_event(world, entries=3, judges=3, complete=False)
    first = made.entries[0]["id"]
    for member in (
        factories.student("李明", phone="13812345678"),
        factories.student("王芳", gender="女", phone="13812345679"),
        factories.adviser("陈老师", phone="13912345678"),
    ):
        world.run(registration.add_member(world.org, first, member))
    document = world.run(documents.upload_document(world.org, first, "application_form", "申报书.pdf", PDF))
    world.first_entry = first
    world.document_path = documents.storage_path(world.run(_document_key(document["id"])))
    assert world.document_path.exists()
    for i, entry in enumerate(made.entries):  # scored last: registration closes once judging has begun
        for username in made.judges:
            made.sheets[(entry["id"], username)] = judging_factories.score(made, username, entry["id"], 90 - i)
    return made


async def _document_key(document_id: int) -> str:
    from competitions.registration.tables import EntryDocument

    row = await EntryDocument.select(EntryDocument.storage_key).where(EntryDocument.id == document_id).first()
    return row["storage_key"]


def purge(world, body, username="org"):
    return world.client.post(PURGE.format(id=world.event_id), json=body, headers=world.headers(username))


def members(world):
    from competitions.registration.tables import Member

    return world.run(Member.select().where(Member.entry == world.first_entry).order_by(Member.id))


def test_refused_while_results_are_not_final_but_the_dry_run_counts(world, judged):
    dry = purge(world, {"dry_run": True})
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["counts"] == EXPECTED and body["total"] == 11
    assert (body["dry_run"], body["purged"], body["final"], body["due_at"]) == (True, False, False, None)
    refused = purge(world, {"reason": "保存期满"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "本赛事的结果尚未定稿，不能清除个人信息。请在结果定稿后再操作。"
    assert all(m["id_number_enc"] or m["role"] == "adviser" for m in members(world))
    assert world.document_path.exists()


def test_only_organizers_may_purge(world, judged):
    for username in ("hk01", "haikou", "judge1", "referee", "staff"):
        assert purge(world, {"dry_run": True}, username).status_code == 403, username
        assert purge(world, {"reason": "x"}, username).status_code == 403, username
    assert call(world, "GET", f"/api/v1/events/{world.event_id}/personal-data", "hk01").status_code == 403
    missing = world.client.post(PURGE.format(id=999999), json={"reason": "x"}, headers=world.headers("org"))
    assert missing.status_code == 404


def test_purge_removes_personal_data_and_keeps_the_rest(world, judged):
    from app.security import decrypt_pii
    from app.tables import AuditLog
    from judging.certificates import services as certificates

    finalized = call(world, "POST", f"/api/v1/events/{world.event_id}/finalize", "org")
    assert finalized.status_code == 200, finalized.text
    numbers = [c["number"] for c in world.run(certificates.list_certificates(world.event_id, "award"))]
    assert numbers  # the first entry's students hold award certificates
    results_before = call(world, "GET", f"/api/v1/events/{world.event_id}/results", "org").json()

    preview = call(world, "GET", f"/api/v1/events/{world.event_id}/personal-data", "org").json()
    assert preview["counts"] == EXPECTED and preview["final"] is True
    finished = dt.datetime.fromisoformat(preview["finished_at"])
    assert dt.datetime.fromisoformat(preview["due_at"]) - finished == dt.timedelta(days=180)  # the default

    no_reason = purge(world, {"reason": "  "})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [{"field": "reason", "message": "请填写清除原因。"}]
    assert decrypt_pii(members(world)[0]["id_number_enc"])  # nothing happened

    done = purge(world, {"reason": "赛事结束，保存期满"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["purged"], body["dry_run"], body["counts"], body["total"]) == (True, False, EXPECTED, 11)
    assert body["purged_at"] is not None

    rows = members(world)
    assert [(m["name"], m["role"], m["grade"]) for m in rows] == [
        ("李明", "student", "初二"),
        ("王芳", "student", "初二"),
        ("陈老师", "adviser", ""),
    ]
    for m in rows:
        gone = ("id_number_enc", "id_hash", "student_key", "phone_enc", "birth_date_enc")
        assert all(m[k] is None for k in gone) and (m["id_masked"], m["phone_masked"]) == ("", ""), m["name"]
    assert not world.document_path.exists()  # the file is deleted from disk
    assert call(world, "GET", f"/api/v1/entries/{world.first_entry}/documents", "org").json() == []
    # the audit trail keeps what happened, without the masked numbers it quoted
    history = world.run(AuditLog.select(AuditLog.action, AuditLog.changes).where(AuditLog.event_id == world.event_id))
    text = json.dumps([h["changes"] for h in history], ensure_ascii=False)
    assert "id_masked" not in text and "phone_masked" not in text and not re.search(r"1[3-9]\d\*{4}\d{4}", text)
    purge_row = world.run(
        AuditLog.select().where((AuditLog.action == "personal_data.purge") & (AuditLog.event_id == world.event_id))
    )
    assert [(r["reason"], json.loads(r["changes"])["removed"]) for r in purge_row] == [("赛事结束，保存期满", EXPECTED)]
    # entries, scores, awards and certificate verification stay
    assert call(world, "GET", f"/api/v1/events/{world.event_id}/results", "org").json() == results_before
    for number in numbers:
        verified = world.client.get(f"/api/v1/certificates/{number}")
        assert verified.status_code == 200 and verified.json()["valid"] is True
    # a second dry run finds nothing left
    assert purge(world, {"dry_run": True}).json()["total"] == 0


def test_unlocking_results_makes_the_event_unfinished_again(world, judged):
    call(world, "POST", f"/api/v1/events/{world.event_id}/finalize", "org")
    assert purge(world, {"dry_run": True}).json()["final"] is True
    unlocked = call(world, "POST", f"/api/v1/events/{world.event_id}/unlock", "org", json={"reason": "更正"})
    assert unlocked.status_code == 200, unlocked.text
    assert purge(world, {"dry_run": True}).json()["final"] is False
    assert purge(world, {"reason": "保存期满"}).status_code == 409


def _finished_days_ago(world, days: int) -> None:
    from app.times import now
    from competitions.events.tables import Event

    stamp = now() - dt.timedelta(days=days)
    world.run(Event.update({Event.finished_at: stamp}).where(Event.id == world.event_id))


def test_due_events_are_listed_for_the_organizer(world, judged):
    home = world.login_page("org")
    assert "到期应清除个人信息的赛事" not in home.get("/").text
    call(world, "POST", f"/api/v1/events/{world.event_id}/finalize", "org")
    assert "到期应清除个人信息的赛事" not in home.get("/").text  # finished today: due in 180 days
    _finished_days_ago(world, 179)
    assert call(world, "GET", "/api/v1/personal-data/due", "org").json() == []
    _finished_days_ago(world, 181)
    due = call(world, "GET", "/api/v1/personal-data/due", "org").json()
    assert [(d["id"], d["overdue_days"]) for d in due] == [(world.event_id, 1)]
    page = home.get("/").text
    assert "到期应清除个人信息的赛事" in page and f'href="/events/{world.event_id}/personal-data"' in page
    assert "到期应清除个人信息的赛事" not in world.login_page("hk01").get("/").text
    assert call(world, "GET", "/api/v1/personal-data/due", "hk01").status_code == 403
    # the setting: 365 days -> not due yet
    previous = get_settings()
    set_settings(dataclasses.replace(previous, personal_data_retention_days=365))
    try:
        assert call(world, "GET", "/api/v1/personal-data/due", "org").json() == []
    finally:
        set_settings(previous)
    # purged: no longer due
    assert purge(world, {"reason": "保存期满"}).status_code == 200
    assert call(world, "GET", "/api/v1/personal-data/due", "org").json() == []
    assert "到期应清除个人信息的赛事" not in home.get("/").text


def test_retention_days_come_from_the_environment():
    from app.settings import load_settings

    base = {"XINMIAO_DATA_DIR": "/tmp/xinmiao-retention-test", "XINMIAO_SECRET_KEY": "k"}
    assert load_settings(base).personal_data_retention_days == 180
    assert load_settings({**base, "XINMIAO_PERSONAL_DATA_RETENTION_DAYS": "30"}).personal_data_retention_days == 30
    with pytest.raises(SystemExit, match="XINMIAO_PERSONAL_DATA_RETENTION_DAYS"):
        load_settings({**base, "XINMIAO_PERSONAL_DATA_RETENTION_DAYS": "half a year"})


def test_the_page_asks_for_a_reason_and_a_confirmation(world, judged):
    from tests.competitions.registration.test_pages import post

    call(world, "POST", f"/api/v1/events/{world.event_id}/finalize", "org")
    client = world.login_page("org")
    url = f"/events/{world.event_id}/personal-data"
    page = client.get(url)
    assert page.status_code == 200
    counts = dict(re.findall(r'data-kind="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td>', page.text))
    assert {k: int(v) for k, v in counts.items()} == EXPECTED
    unconfirmed = post(client, f"{url}/purge", {"reason": "保存期满"})
    assert unconfirmed.status_code == 422 and "请勾选确认：清除后无法恢复。" in unconfirmed.text
    no_reason = post(client, f"{url}/purge", {"reason": "", "confirm": "1"})
    assert no_reason.status_code == 422 and "清除个人信息必须填写原因" in no_reason.text
    assert members(world)[0]["id_number_enc"] is not None
    done = post(client, f"{url}/purge", {"reason": "保存期满", "confirm": "1"})
    assert done.status_code == 303 and done.headers["location"] == url
    after = client.get(url).text
    assert "已清除本赛事的个人信息（共 11 项）" in after and "本赛事已没有需要清除的个人信息。" in after
    assert members(world)[0]["id_number_enc"] is None
    # English
    client.cookies.set("lang", "en")
    english = client.get(url).text
    assert "Personal data" in english and "清除个人信息" not in english


def test_every_message_has_an_english_translation():
    from app.i18n import _catalog
    from app.settings import PROJECT_ROOT

    catalog = _catalog("en")
    sources = [
        PROJECT_ROOT / "competitions" / "registration" / "personal_data.py",
        PROJECT_ROOT / "templates" / "competitions" / "registration" / "personal_data.html",
        PROJECT_ROOT / "templates" / "competitions" / "registration" / "dashboard_purge_due.html",
    ]
    texts = [p.read_text(encoding="utf-8") for p in sources]
    pages = (PROJECT_ROOT / "competitions" / "registration" / "pages.py").read_text(encoding="utf-8")
    texts.append(pages[pages.index("class PersonalDataPages") :])
    messages = {m for t in texts for m in re.findall(r"""_\(\s*["']([^"']+)["']""", t)}
    from competitions.registration.personal_data import KEPT, KINDS

    messages |= set(KINDS.values()) | {KEPT}
    missing = sorted(m for m in messages if re.search(r"[\u4e00-\u9fff]", m) and m not in catalog)
    assert missing == []
