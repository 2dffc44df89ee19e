"""Event streams of the judging pages that update by themselves: 评分进度 (a change per saved
score sheet) and the certificate batches (a change as a batch advances), counts only,
organizers only."""

from __future__ import annotations

from litestar.testing import TestClient

from judging.certificates import services as certificates
from judging.certificates.live import batches_topic
from judging.results.live import progress_topic
from tests.judging.api import generate, score
from tests.judging.certificates.test_certificates import awarded
from tests.judging.pages import assigned_to, build_panel, post
from tests.sse import EventStream, wait_for


def subscribers(world, topic: str) -> int:
    from app import live

    async def count() -> int:
        return live.subscriber_count(topic)

    return world.run(count())


def test_progress_stream_counts_scored_sheets(world, app):
    panel = build_panel(world)
    generate(world, 2)
    judge_id = panel.judges["judge"]
    entry_id = assigned_to(world, judge_id)[0]
    world.login_page("org")
    url = f"/events/{world.event_id}/judging/progress/events"
    with EventStream(world.client, url) as stream:
        assert stream.status == 200
        state = stream.next_event()
        assert state["event"] == "state"
        assert state["data"] == {"event_id": world.event_id, "assigned": 10, "scored": 0, "judges": 3, "judges_done": 0}
        # a judge saves a complete sheet through the JSON API
        score(world, "judge", entry_id, {"innovation": 8, "scientific": 7, "practical": 6})
        # a delta: the totals, and only the rows of that judge and that entry's category
        mine = len(assigned_to(world, judge_id))
        change = stream.next_event()
        assert change["event"] == "change"
        delta = change["data"]
        assert {k: delta[k] for k in ("event_id", "assigned", "scored", "judges", "judges_done", "changes")} == {
            "event_id": world.event_id,
            "assigned": 10,
            "scored": 1,
            "judges": 3,
            "judges_done": 0,
            "changes": 1,
        }
        judges = [r for r in delta["rows"] if "judge_id" in r]
        categories = [r for r in delta["rows"] if "category_code" in r]
        assert judges == [{"judge_id": judge_id, "scored": 1, "assigned": mine}]
        assert len(categories) == 1 and categories[0]["scored"] == 1
        # the same sheet saved again: nothing changed on the page, an empty delta
        score(world, "judge", entry_id, {"innovation": 9, "scientific": 7, "practical": 6})
        again = stream.next_event()["data"]
        assert again["rows"] == [] and again["scored"] == 1
        assert subscribers(world, progress_topic(world.event_id)) == 1
    assert wait_for(lambda: subscribers(world, progress_topic(world.event_id)) == 0)
    with EventStream(world.client, url) as stream:
        assert stream.next_event()["data"]["scored"] == 1
    # only organizers, as the page
    with TestClient(app=app, raise_server_exceptions=False) as judge:
        world.login_page("judge", judge)
        assert judge.get(f"/events/{world.event_id}/judging/progress").status_code == 403
        assert judge.get(url).status_code == 403
    assert world.client.get(f"/events/{world.event_id + 100}/judging/progress/events").status_code == 404


def test_batch_stream_follows_a_certificate_batch(world, app):
    awarded(world)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    with EventStream(client, f"{base}/events") as stream:
        assert stream.next_event() == {
            "event": "state",
            "retry": "3000",
            "data": {"event_id": world.event_id, "batches": []},
        }
        assert post(client, f"{base}/batches?kind=award", {"school_code": "", "category_id": ""}).status_code == 303
        batch_id = world.run(certificates.CertificateBatch.select(certificates.CertificateBatch.id).first())["id"]
        seen = [stream.next_event(timeout=60)]  # the job runs niced in a process of its own
        while seen[-1]["data"]["status"] not in ("done", "failed"):
            seen.append(stream.next_event(timeout=60))
        assert all(e["event"] == "change" and e["data"]["batch_id"] == batch_id for e in seen)
        # a 4-page batch may finish before the server reads it running: changes are coalesced, never reordered
        statuses = [e["data"]["status"] for e in seen]
        assert statuses == sorted(statuses, key=("queued", "running", "done").index), statuses
        last = seen[-1]["data"]
        assert (last["status"], last["done"], last["total"]) == ("done", 4, 4)  # one certificate unprintable
    with EventStream(client, f"{base}/events") as stream:
        batches = stream.next_event()["data"]["batches"]
        assert [(b["id"], b["status"], b["done"], b["total"], b["percent"]) for b in batches] == [
            (batch_id, "done", 4, 4, 100)
        ]
    assert wait_for(lambda: subscribers(world, batches_topic(world.event_id)) == 0)
    with TestClient(app=app, raise_server_exceptions=False) as school:
        world.login_page("hk01", school)
        assert school.get(f"{base}/events").status_code == 403
