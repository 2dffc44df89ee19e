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
    entry = factories.entry(world, "HK01", students=["李明", "王芳"], advisers=["陈老师"])
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
    assert "0 / 3" in page.inner_text("#live .stats")
    page.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
    assert page.is_hidden('#live-note [data-live-mode="polling"]')
    assert page.inner_text("#live-note").startswith("实时更新")
    page.wait_for_timeout(500)
    assert not [u for u in requests if u.endswith(f"/checkin/{sid}/live")]  # the snapshot matched: no refetch
    # a scan at the door (another device, through the API) shows up by itself
    scan(world, sid, tokens["李明"])
    page.wait_for_function("() => document.querySelector('#live .stats').innerText.includes('1 / 3')", timeout=5000)
    assert "李明" in page.inner_text("#live .recent-table")
    # a burst of changes is one refresh per two seconds at most
    before = len([u for u in requests if u.endswith(f"/checkin/{sid}/live")])
    scan(world, sid, tokens["王芳"])
    scan(world, sid, forge(tokens["王芳"]), expect=422)  # several characters off: a forgery, not a typo
    page.wait_for_function("() => document.querySelector('#live .stats').innerText.includes('2 / 3')", timeout=5000)
    page.wait_for_function(
        "() => document.querySelector('#live .stats').innerText.includes('伪造/损坏 1')", timeout=6000
    )
    page.wait_for_timeout(2500)
    assert len([u for u in requests if u.endswith(f"/checkin/{sid}/live")]) - before <= 2
    assert page.is_hidden("#live-error")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "checkin-live.png"), full_page=True)
    assert errors == []
    context.close()


def test_progress_page_follows_saved_sheets_and_polls_without_eventsource(world, live_server, browser):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge = world.principal("judge")
    mine = assigned_to(world, panel.judges["judge"])
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/events/{world.event_id}/judging/progress")
    assert "0 / 10" in page.inner_text("#progress-live")
    page.wait_for_selector('#progress-note [data-live-mode="live"]:not([hidden])')
    world.run(scoring.put_score(judge, mine[0], {"innovation": 8, "scientific": 7, "practical": 6}))
    page.wait_for_function("() => document.getElementById('progress-live').innerText.includes('1 / 10')", timeout=5000)

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
