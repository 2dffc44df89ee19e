"""The check-in live view's event stream: the session's counts on connect, then one event per
answered scan (the JSON API's scans included), never a name; the page's access rule; no
subscription left behind when the browser goes away."""

from __future__ import annotations

from app import live
from competitions.checkin.live import topic
from tests import factories
from tests.competitions.checkin.test_checkin import ok, scan, session, token_of
from tests.competitions.checkin.test_credentials import forge
from tests.sse import EventStream, wait_for


def subscribers(world, session_id: int) -> int:
    async def count() -> int:
        return live.subscriber_count(topic(session_id))

    return world.run(count())


def test_stream_sends_the_counts_then_one_event_per_answered_scan(world):
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"])
    sid = session(world)
    tokens = {name: token_of(world, entry["member_ids"][name]) for name in ("李明", "王芳")}
    world.login_page("staff")
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        state = stream.next_event()
        assert state["event"] == "state" and state["retry"] == str(live.RETRY_MS)
        assert state["data"] == {
            "session_id": sid,
            "expected": 3,
            "arrived": 0,
            "arrived_expected": 0,
            "missing": 3,
            "rejected": 0,
        }
        assert subscribers(world, sid) == 1

        # a scan through the JSON API
        assert scan(world, sid, tokens["李明"])["result"] == "checked_in"
        assert stream.next_event() == {
            "event": "change",
            "data": {"session_id": sid, "result": "checked_in", "changes": 1},
        }
        # the same badge again changes nothing on the live view: no event; a forged one does
        assert scan(world, sid, tokens["李明"])["result"] == "already_checked_in"
        forged = forge(tokens["王芳"])
        scan(world, sid, forged, expect=422)
        change = stream.next_event()
        assert change["event"] == "change" and change["data"]["result"] == "forged" and change["data"]["changes"] == 1
        # check-in by name on the staff page, then an undo
        headers = {"x-csrftoken": world.client.cookies.get("xinmiao_csrf")}
        manual = world.client.post(
            f"/checkin/{sid}/manual", json={"member_id": entry["member_ids"]["王芳"]}, headers=headers
        )
        assert manual.json()["result"] == "checked_in"
        assert stream.next_event()["data"]["result"] == "checked_in"
        ok(world.client.post(f"/checkin/{sid}/undo", json={"member_id": entry["member_ids"]["王芳"]}, headers=headers))
        assert stream.next_event()["data"]["result"] == "undone"
        # nothing personal in any event
        assert "李明" not in str(state) and "王芳" not in str(change)

    # the browser went away: its subscription is gone
    assert wait_for(lambda: subscribers(world, sid) == 0)
    # a new connection replays the state as it is now
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        assert stream.next_event()["data"] == {
            "session_id": sid,
            "expected": 3,
            "arrived": 1,
            "arrived_expected": 1,
            "missing": 2,
            "rejected": 1,
        }
    page = world.client.get(f"/checkin/{sid}/live")
    assert page.status_code == 200 and "1 / 3" in page.text


def test_stream_follows_the_page_access_rule(world, app):
    from litestar.testing import TestClient

    factories.entry(world, "HK01", students=["李明"])
    sid = session(world)
    with TestClient(app=app, raise_server_exceptions=False) as judge:
        world.login_page("judge", judge)
        assert judge.get(f"/checkin/{sid}/live").status_code == 403
        assert judge.get(f"/checkin/{sid}/live/events").status_code == 403
    with TestClient(app=app, raise_server_exceptions=False) as anonymous:
        response = anonymous.get(f"/checkin/{sid}/live/events", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    world.login_page("org")
    assert world.client.get(f"/checkin/{sid + 100}/live/events").status_code == 404
    with EventStream(world.client, f"/checkin/{sid}/live/events") as stream:
        assert stream.next_event()["data"]["expected"] == 1
