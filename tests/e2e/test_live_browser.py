"""Pages that update by themselves (app/static/live.js over the pages' event streams): the
check-in live view shows a scan made elsewhere within a few seconds, without a reload and
without polling; the judging progress page shows a saved score sheet; without EventSource
the page polls as before."""

from __future__ import annotations

import os
from pathlib import Path

from judging.panels import assignments
from judging.scoring import services as scoring
from tests import factories
from tests.competitions.checkin.test_checkin import scan, session, token_of
from tests.competitions.checkin.test_credentials import forge
from tests.e2e.conftest import TABLET
from tests.e2e.test_judging_browser import log_in
from tests.judging.pages import assigned_to, build_panel

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def test_checkin_live_view_updates_by_itself_after_a_scan(world, live_server, browser):
    """Scans through the API show on the live view without a reload: the counts come with the
    stream's deltas (the page is never fetched again), the latest names with a small JSON
    fetch; who is missing at a school opens on demand; without EventSource the page polls for
    the changes since its version."""
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"])
    other = factories.entry(world, "SY01", students=["张伟"])
    sid = session(world)
    tokens = {name: token_of(world, entry["member_ids"][name]) for name in ("李明", "王芳")}
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []  # the page's own fetches (not navigations)
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "fetch" else None)
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/checkin/{sid}/live")
    hk01 = f"#live tr[data-school='{world.schools['HK01']['id']}']"
    assert "0 / 4" in page.inner_text("#live .stats")
    assert page.inner_text(f"{hk01} td:nth-child(2)") == "0 / 3"
    page.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
    assert page.is_hidden('#live-note [data-live-mode="polling"]')
    assert page.inner_text("#live-note").startswith("实时更新")
    page.wait_for_timeout(500)
    assert requests == []  # the totals on connect matched the page: nothing fetched
    # a scan at the door (another device, through the API) shows up by itself
    scan(world, sid, tokens["李明"])
    page.wait_for_function("() => document.querySelector('#live .stats').innerText.includes('1 / 4')", timeout=5000)
    assert page.inner_text(f"{hk01} td:nth-child(2)") == "1 / 3"
    assert page.get_attribute(f"{hk01} progress", "value") == "1"
    assert page.inner_text(f"{hk01} button") == "2"
    page.wait_for_function("() => document.getElementById('recent').innerText.includes('李明')", timeout=8000)
    # a burst of changes: the counts follow; the page itself is never fetched again
    scan(world, sid, tokens["王芳"])
    scan(world, sid, forge(tokens["王芳"]), expect=422)  # several characters off: a forgery, not a typo
    page.wait_for_function("() => document.querySelector('#live .stats').innerText.includes('2 / 4')", timeout=5000)
    page.wait_for_function(
        "() => document.querySelector('#live .stats').innerText.includes('伪造/损坏 1')", timeout=6000
    )
    page.wait_for_function("() => document.getElementById('recent').innerText.includes('王芳')", timeout=8000)
    assert not [u for u in requests if u.endswith(f"/checkin/{sid}/live")]
    changes = [u for u in requests if "/live/changes" in u]
    assert 1 <= len(changes) <= 3 and all("since=" in u for u in changes)
    # who is missing at HK01, on demand
    page.click(f"{hk01} button")
    page.wait_for_selector("#live tr.missing-row td table")
    assert "陈老师" in page.inner_text("#live tr.missing-row") and "李明" not in page.inner_text("#live tr.missing-row")
    assert page.is_hidden("#live-error")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "checkin-live.png"), full_page=True)
    assert errors == []

    # a browser without EventSource polls for the changes since the version it shows
    old = context.new_page()
    old.add_init_script("delete window.EventSource")
    old.clock.install()
    polled: list[str] = []
    old.on("request", lambda r: polled.append(r.url) if r.resource_type == "fetch" else None)
    old.goto(f"{live_server}/checkin/{sid}/live")
    old.wait_for_selector('#live-note [data-live-mode="polling"]:not([hidden])')
    scan(world, sid, token_of(world, other["member_ids"]["张伟"]))
    old.clock.run_for(11000)
    old.wait_for_function("() => document.querySelector('#live .stats').innerText.includes('3 / 4')", timeout=5000)
    assert polled and all("/live/changes?" in u and "since=" in u for u in polled)
    context.close()


def test_progress_page_follows_saved_sheets_and_polls_without_eventsource(world, live_server, browser):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge = world.principal("judge")
    mine = assigned_to(world, panel.judges["judge"])
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.resource_type == "fetch" else None)
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/events/{world.event_id}/judging/progress")
    assert "0 / 10" in page.inner_text("#progress-live")
    page.wait_for_selector('#progress-note [data-live-mode="live"]:not([hidden])')
    world.run(scoring.put_score(judge, mine[0], {"innovation": 8, "scientific": 7, "practical": 6}))
    page.wait_for_function("() => document.getElementById('progress-live').innerText.includes('1 / 10')", timeout=5000)
    judge_row = f"#progress-live tr[data-judge_id='{panel.judges['judge']}'] td:nth-child(2)"
    assert page.inner_text(judge_row) == f"1 / {len(mine)}"
    assert fetched == []  # the delta was applied in place: the page part was not fetched again

    # a browser without EventSource: the old 15 s polling
    old = context.new_page()
    old.add_init_script("delete window.EventSource")
    old.clock.install()
    old.goto(f"{live_server}/events/{world.event_id}/judging/progress")
    assert "1 / 10" in old.inner_text("#progress-live")
    old.wait_for_selector('#progress-note [data-live-mode="polling"]:not([hidden])')
    assert old.inner_text("#progress-note").startswith("每 15 秒自动刷新")
    world.run(scoring.put_score(judge, mine[1], {"innovation": 5, "scientific": 5, "practical": 5}))
    old.clock.run_for(16000)
    old.wait_for_function("() => document.getElementById('progress-live').innerText.includes('2 / 10')", timeout=5000)
    context.close()
