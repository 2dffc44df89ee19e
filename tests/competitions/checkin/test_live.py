"""The check-in live view by deltas: a small summary on first load (counts per school, the
missing count, recent arrivals; who is missing on demand), then deltas through the stream (a
scan -> the school's new count, a few hundred bytes, never a name), coalesced to one per
second per session however fast the door scans, and polling for the changes since a version.
Also the page's access rule, and no subscription left behind when the browser goes away."""

from __future__ import annotations

import datetime as dt
import json
import time

from app import live
from competitions.checkin import services as checkin_services
from competitions.checkin.live import FLUSH_SECONDS, topic
from tests import factories
from tests.competitions.checkin.test_checkin import ok, scan, session, token_of
from tests.competitions.checkin.test_credentials import forge
from tests.sse import EventStream, wait_for


def subscribers(world, session_id: int) -> int:
    async def count() -> int:
        return live.subscriber_count(topic(session_id))

    return world.run(count())


def school_id(world, code: str) -> int:
    return world.schools[code]["id"]


def test_stream_sends_the_totals_then_a_delta_with_the_schools_new_count(world):
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"])
    factories.entry(world, "SY01", students=["张伟"])
    sid = session(world)
    tokens = {name: token_of(world, entry["member_ids"][name]) for name in ("李明", "王芳")}
    world.login_page("staff")
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        state = stream.next_event()
        assert state["event"] == "state" and state["retry"] == str(live.RETRY_MS)
        version = state["data"].pop("version")
        assert abs(version - time.time() * 1000) < 60_000
        assert state["data"] == {
            "session_id": sid,
            "expected": 4,
            "arrived": 0,
            "arrived_expected": 0,
            "missing": 4,
            "rejected": 0,
            "rejected_by": {},
        }
        assert subscribers(world, sid) == 1

        # a scan through the JSON API: HK01 goes from 0 to 1 of 3, nothing said about SY01
        assert scan(world, sid, tokens["李明"])["result"] == "checked_in"
        change = stream.next_event()
        assert change["event"] == "change"
        delta = change["data"]
        assert delta["version"] >= version
        assert delta["schools"] == [{"school_id": school_id(world, "HK01"), "expected": 3, "arrived": 1, "other": 0}]
        assert (delta["expected"], delta["arrived"], delta["arrived_expected"], delta["missing"]) == (4, 1, 1, 3)
        assert (delta["rejected"], delta["scans"], delta["session_id"]) == (0, 1, sid)
        assert len(json.dumps(delta, ensure_ascii=False).encode()) < 400  # a few hundred bytes per watcher
        assert "李明" not in json.dumps(delta, ensure_ascii=False)

        # the same badge again changes nothing on the live view: no delta; a forged one changes the totals only
        assert scan(world, sid, tokens["李明"])["result"] == "already_checked_in"
        scan(world, sid, forge(tokens["王芳"]), expect=422)
        delta = stream.next_event(timeout=FLUSH_SECONDS + 3)["data"]
        assert (delta["rejected"], delta["rejected_by"], delta["scans"]) == (1, {"forged": 1}, 1)
        assert delta["arrived_expected"] == 1
        # check-in by name on the staff page, then an undo: the undo's delta carries every school
        headers = {"x-csrftoken": world.client.cookies.get("xinmiao_csrf")}
        wang = entry["member_ids"]["王芳"]
        assert (
            world.client.post(f"/checkin/{sid}/manual", json={"member_id": wang}, headers=headers).json()["result"]
            == "checked_in"
        )
        delta = stream.next_event(timeout=FLUSH_SECONDS + 3)["data"]
        assert delta["schools"] == [{"school_id": school_id(world, "HK01"), "expected": 3, "arrived": 2, "other": 0}]
        ok(world.client.post(f"/checkin/{sid}/undo", json={"member_id": wang}, headers=headers))
        delta = stream.next_event(timeout=FLUSH_SECONDS + 3)["data"]
        assert sorted((s["school_id"], s["arrived"], s["expected"]) for s in delta["schools"]) == sorted(
            [(school_id(world, "HK01"), 1, 3), (school_id(world, "SY01"), 0, 1)]
        )
        assert delta["arrived_expected"] == 1 and delta["missing"] == 3

    # the browser went away: its subscription is gone
    assert wait_for(lambda: subscribers(world, sid) == 0)
    # a new connection replays the totals as they are now
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        data = stream.next_event()["data"]
        assert (data["expected"], data["arrived"], data["arrived_expected"], data["missing"], data["rejected"]) == (
            4,
            1,
            1,
            3,
            1,
        )
    page = world.client.get(f"/checkin/{sid}/live")
    assert page.status_code == 200 and "1 / 4" in page.text


def test_a_burst_of_scans_is_one_delta_per_second(world):
    entries = [
        factories.entry(world, "HK01", students=["甲一", "乙二", "丙三"]),
        factories.entry(world, "HK01", students=["丁四", "戊五"]),
    ]
    sid = session(world)
    tokens = [token_of(world, m) for e in entries for m in e["member_ids"].values()]
    world.login_page("org")
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        stream.next_event()
        started = time.monotonic()
        scan(world, sid, tokens[0])  # a quiet session: its delta goes at once
        first = stream.next_event()["data"]
        assert first["scans"] == 1 and first["schools"][0]["arrived"] == 1
        for token in tokens[1:]:
            scan(world, sid, token)
        assert time.monotonic() - started < FLUSH_SECONDS  # the four came within the second
        second = stream.next_event(timeout=FLUSH_SECONDS + 3)
        assert time.monotonic() - started >= FLUSH_SECONDS * 0.9
        # one delta for the four scans, with the school's count after all of them
        assert second["data"]["scans"] == 4
        assert second["data"]["schools"] == [
            {"school_id": school_id(world, "HK01"), "expected": 5, "arrived": 5, "other": 0}
        ]
        assert second["data"]["missing"] == 0
        # and nothing more
        try:
            extra = stream.next_event(timeout=FLUSH_SECONDS + 0.5)
        except Exception:  # noqa: BLE001 - the timeout is the expected outcome
            extra = None
        assert extra is None


def test_polling_asks_for_the_changes_since_a_version(world, monkeypatch):
    monkeypatch.setattr(checkin_services, "SINCE_MARGIN", dt.timedelta(0))
    hk = factories.entry(world, "HK01", students=["李明", "王芳"])
    sy = factories.entry(world, "SY01", students=["张伟"])
    sid = session(world)
    staff = world.login_page("staff")
    first = ok(staff.get(f"/checkin/{sid}/live/changes"))  # no version: every school
    assert sorted((s["school_id"], s["expected"], s["arrived"]) for s in first["schools"]) == sorted(
        [(school_id(world, "HK01"), 2, 0), (school_id(world, "SY01"), 1, 0)]
    )
    scan(world, sid, token_of(world, hk["member_ids"]["李明"]))
    time.sleep(0.01)
    after_hk = ok(staff.get(f"/checkin/{sid}/live/changes", params={"since": first["version"]}))
    assert after_hk["schools"] == [{"school_id": school_id(world, "HK01"), "expected": 2, "arrived": 1, "other": 0}]
    assert "recent" not in after_hk
    time.sleep(0.01)
    scan(world, sid, token_of(world, sy["member_ids"]["张伟"]))
    changes = ok(staff.get(f"/checkin/{sid}/live/changes", params={"since": after_hk["version"], "recent": "true"}))
    # only SY01 changed since that version; the totals are always whole
    assert changes["schools"] == [{"school_id": school_id(world, "SY01"), "expected": 1, "arrived": 1, "other": 0}]
    assert (changes["expected"], changes["arrived_expected"], changes["missing"]) == (3, 2, 1)
    assert [r["name"] for r in changes["recent"]] == ["张伟", "李明"]
    time.sleep(0.01)
    nothing = ok(staff.get(f"/checkin/{sid}/live/changes", params={"since": changes["version"]}))
    assert nothing["schools"] == [] and nothing["version"] >= changes["version"]


def test_the_margin_repeats_recent_changes_harmlessly(world):
    """A version reaches back SINCE_MARGIN: a check-in stored by another worker just before the
    version was read is still reported (absolute counts, so repeating one does no harm)."""
    hk = factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    scan(world, sid, token_of(world, hk["member_ids"]["李明"]))
    staff = world.login_page("staff")
    now = ok(staff.get(f"/checkin/{sid}/live/changes"))["version"]
    again = ok(staff.get(f"/checkin/{sid}/live/changes", params={"since": now}))
    assert again["schools"] == [{"school_id": school_id(world, "HK01"), "expected": 1, "arrived": 1, "other": 0}]


def test_first_load_is_a_summary_under_20_kib_for_800_people_of_60_schools(world):
    sid = session(world)
    crowd(world, schools=60, people=800, arrived=150)
    for lang in ("zh", "en"):
        staff = world.login_page("org")
        if lang == "en":
            staff.get("/lang/en?next=/")
        page = staff.get(f"/checkin/{sid}/live")
        assert page.status_code == 200
        size = len(page.content)
        assert size < 20 * 1024, f"{lang}: {size} bytes"
        assert page.text.count("data-school=") == 60  # every school with people expected
        assert "650" in page.text  # missing: 800 - 150
        assert page.text.count("<tr><td>学生") == checkin_services.RECENT_LIMIT  # the last arrivals
    # the details come on demand: one school's missing people, or the full list
    school = ok(staff.get(f"/checkin/{sid}/live/changes"))["schools"][0]["school_id"]
    part = staff.get(f"/checkin/{sid}/missing", params={"school_id": school})
    assert part.status_code == 200 and 'id="missing-part"' in part.text
    full = staff.get(f"/checkin/{sid}/missing")
    assert full.status_code == 200 and full.text.count("<tr><td>") == 650


def crowd(world, *, schools: int, people: int, arrived: int) -> None:
    """``people`` approved members (three per entry) spread over ``schools`` new schools, the
    first ``arrived`` of them checked in at the event's first session."""
    from app.tables import School
    from app.times import now
    from competitions.checkin.tables import Checkin, CheckinSession
    from competitions.events.tables import Category
    from competitions.registration.tables import Entry, Member

    async def fill() -> None:
        at = now()
        made = await School.insert(
            *[School(code=f"C{i:03d}", name=f"海南省第{i}中学附属实验学校", city="海口市") for i in range(schools)]
        ).returning(School.id)
        school_ids = [r["id"] for r in made]
        category = await Category.select(Category.id).where(Category.event == world.event_id).first()
        if category is None:
            category = (
                await Category.insert(Category(event=world.event_id, code="MA", name="数学")).returning(Category.id)
            )[0]
        n_entries = (people + 2) // 3
        entries = await Entry.insert(
            *[
                Entry(
                    event=world.event_id,
                    code=f"E{i:04d}",
                    title=f"校园节水装置的设计与实验研究{i}",
                    school=school_ids[i % schools],
                    category=category["id"],
                    division="初中",
                    status="approved",
                    created_at=at,
                    updated_at=at,
                )
                for i in range(n_entries)
            ]
        ).returning(Entry.id)
        members = await Member.insert(
            *[
                Member(
                    entry=entries[i // 3]["id"],
                    event=world.event_id,
                    role="student",
                    name=f"学生{i:04d}",
                    position=i % 3,
                )
                for i in range(people)
            ]
        ).returning(Member.id)
        session_id = (
            await CheckinSession.select(CheckinSession.id).where(CheckinSession.event == world.event_id).first()
        )["id"]
        await Checkin.insert(
            *[
                Checkin(checkin_session=session_id, member=m["id"], checked_in_at=at, recorded_at=at, device="门口1")
                for m in members[:arrived]
            ]
        )

    world.run(fill())


def test_stream_follows_the_page_access_rule(world, app):
    from litestar.testing import TestClient

    factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    with TestClient(app=app, raise_server_exceptions=False) as judge:
        world.login_page("judge", judge)
        for path in ("live", "live/events", "live/changes", "missing"):
            assert judge.get(f"/checkin/{sid}/{path}").status_code == 403, path
    with TestClient(app=app, raise_server_exceptions=False) as anonymous:
        response = anonymous.get(f"/checkin/{sid}/live/events", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    world.login_page("org")
    assert world.client.get(f"/checkin/{sid + 100}/live/events").status_code == 404
    assert world.client.get(f"/checkin/{sid + 100}/live/changes").status_code == 404
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        assert stream.next_event()["data"]["expected"] == 1
