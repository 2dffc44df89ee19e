"""Public robotics pages and live streams: a challenge's standings page (phone and projector
layouts), the event's index, the link from /results/, the page's event stream and the
CONTRACT's ``GET /api/v1/events/{event_id}/live`` (state on connect, then one event per change)."""

from __future__ import annotations

import html

import pytest

from tests.judging.robotics.test_api import Robotics
from tests.judging.robotics.test_cache import RUN_75
from tests.sse import EventStream


@pytest.fixture
def rob(world):
    rob = Robotics(world)
    assert rob.put_sheet().status_code == 200
    return rob


def text(response) -> str:
    return html.unescape(response.text)


def test_standings_page_shows_rank_scores_times_and_reason(rob):
    for team, items in (("飞龙队", None), ("海燕队", RUN_75)):
        run_id = (rob.submit(team, items=items) if items else rob.submit(team)).json()["id"]
        rob.approve(run_id)
    unapproved = rob.submit("椰风队", items={"m1": 6, "m2": True, "p1": 0, "t": "60"}).json()["id"]
    page = rob.client.get(f"/standings/{rob.event_id}/R1")
    assert page.status_code == 200
    body = text(page)
    assert body.index("海燕队") < body.index("飞龙队")  # 75 above 60
    assert "海南华侨中学" in body and "91.2 秒" in body and "87.4 秒" in body
    assert "75 分，高于下一名的 60 分。" in body
    assert "85" not in body.split('id="standings"')[1]  # 椰风队's run (6x10+25 = 85) is not approved yet
    assert f"/standings/{rob.event_id}/R1/events" in body
    big = rob.client.get(f"/standings/{rob.event_id}/R1?display=1")
    assert big.status_code == 200 and 'class="standings-display"' in big.text
    assert rob.approve(unapproved).status_code == 200
    assert "85" in text(rob.client.get(f"/standings/{rob.event_id}/r1")).split('id="standings"')[1]


def test_index_and_results_link_and_drafts(rob, world):
    index = text(rob.client.get(f"/standings/{rob.event_id}"))
    assert f'href="/standings/{rob.event_id}/R1"' in index and "综合技能" in index
    assert "创意搭建" in index and "尚未发布记分表" in index  # R2 has no sheet
    results = text(rob.client.get("/results/"))
    assert f'href="/standings/{rob.event_id}"' in results and "机器人竞赛实时成绩" in results
    assert rob.client.get(f"/standings/{rob.event_id}/R2").status_code == 404  # no sheet
    assert rob.client.get(f"/standings/{world.event_id}").status_code == 404  # the innovation event
    assert rob.client.get(f"/standings/{rob.event_id}/ZZ/events").status_code == 404


def test_page_stream_sends_the_state_then_each_change(rob):
    run_id = rob.submit("飞龙队").json()["id"]
    with EventStream(rob.client, f"/standings/{rob.event_id}/R1/events") as stream:
        assert stream.status == 200
        state = stream.next_event()
        assert state["event"] == "state"
        assert state["data"]["category_code"] == "R1" and state["data"]["event_id"] == rob.event_id
        page = rob.client.get(f"/standings/{rob.event_id}/R1").text
        assert f'data-version="{state["data"]["version"]}"' in page  # the page shows this state
        assert rob.approve(run_id).status_code == 200
        change = stream.next_event()
        assert change["event"] == "change" and change["data"]["category_code"] == "R1"
        assert change["data"]["version"] != state["data"]["version"]
        assert f'data-version="{change["data"]["version"]}"' in rob.client.get(f"/standings/{rob.event_id}/R1").text


def test_event_live_api_stream(rob):
    run_id = rob.submit("飞龙队").json()["id"]
    with EventStream(rob.client, f"/api/v1/events/{rob.event_id}/live") as stream:
        state = stream.next_event()
        assert state["event"] == "state"
        challenges = {c["code"]: c for c in state["data"]["challenges"]}
        assert challenges["R2"]["standings"] is None  # no sheet yet
        assert [t["rank"] for t in challenges["R1"]["standings"]["teams"]] == [None, None, None]
        rob.approve(run_id)
        change = stream.next_event()
        assert change["event"] == "standings"
        assert change["data"]["category_code"] == "R1" and change["data"]["event_id"] == rob.event_id
    assert rob.client.get("/api/v1/events/999999/live").status_code == 404


def test_every_standings_and_editor_string_has_an_english_translation():
    """Every literal passed to _() in the public standings pages, the sheet editor, their
    templates and labels is in an English catalog."""
    import re
    from pathlib import Path

    from app.i18n import _catalog
    from judging.robotics import sheet_pages

    root = Path(__file__).resolve().parents[3]
    sources = [
        *(root / "judging" / "robotics" / name for name in ("public.py", "sheet_pages.py", "live.py", "cache.py")),
        *sorted((root / "templates" / "judging" / "robotics").glob("*.html")),
        root / "templates" / "judging" / "results" / "public_index.html",
    ]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = a or b
            if re.search(r"[\u4e00-\u9fff]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    for labels in (sheet_pages.EXAMPLES, sheet_pages.TYPE_LABELS, sheet_pages.RULE_LABELS, sheet_pages.TIEBREAK_LABELS):
        missing.update(f"label: {v}" for v in labels.values() if v not in catalog)
    assert not missing, sorted(missing)


def test_standings_page_in_english(rob):
    rob.approve(rob.submit("飞龙队").json()["id"])
    page = rob.client.get(f"/standings/{rob.event_id}/R1", headers={"Accept-Language": "en"})
    assert "Counted score" in page.text and "Why this rank" in page.text and "round 1" in page.text


def test_standings_say_final_once_results_are_finalized(rob):
    """Issue 13 review: after finalizing, the standings still said "实时更新"."""
    rob.approve(rob.submit("飞龙队").json()["id"])
    before = text(rob.client.get(f"/standings/{rob.event_id}/R1"))
    assert "实时更新" in before and "最终成绩" not in before
    final = rob.client.post(
        f"/api/v1/events/{rob.event_id}/finalize",
        json={"incomplete_as_unranked": True, "reason": "演示"},
        headers=rob.org,
    )
    assert final.status_code == 200, final.text
    for url in (f"/standings/{rob.event_id}/R1", f"/standings/{rob.event_id}/R1?display=1"):
        after = text(rob.client.get(url))
        assert "最终成绩" in after and "实时更新" not in after, url


def test_standings_are_kept_until_an_approval_changes_them(rob):
    """Issue 19: the public standings (page and API) are made once per change, with ETag/304."""
    rob.approve(rob.submit("飞龙队").json()["id"])
    rob.client.cookies.clear()
    api_url = f"/api/v1/events/{rob.event_id}/categories/R1/standings"
    for url in (f"/standings/{rob.event_id}/R1", api_url):
        first = rob.client.get(url)
        assert first.status_code == 200 and first.headers["etag"]
        assert rob.client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    before = rob.client.get(api_url)
    assert [t["team_name"] for t in before.json()["teams"] if t["counted_score"]] == ["飞龙队"]
    page_before = rob.client.get(f"/standings/{rob.event_id}/R1")
    assert rob.approve(rob.submit("海燕队", items=RUN_75).json()["id"]).status_code == 200
    after = rob.client.get(api_url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert [t["team_name"] for t in after.json()["teams"] if t["counted_score"]] == ["海燕队", "飞龙队"]
    page = rob.client.get(f"/standings/{rob.event_id}/R1", headers={"If-None-Match": page_before.headers["etag"]})
    assert page.status_code == 200 and text(page).index("海燕队") < text(page).index("飞龙队")
    english = rob.client.get(api_url, headers={"Accept-Language": "en"})
    assert english.headers["etag"] != after.headers["etag"]  # the reason lines are translated
