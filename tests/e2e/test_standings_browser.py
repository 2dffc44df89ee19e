"""The public standings page follows approvals by itself (app/static/standings.js over the
page's event stream): on a 390 px phone a run approved through the API appears in the right
place with its reason line, without a reload; the projector layout pages its rows."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import PHONE
from tests.judging.robotics.test_api import Robotics
from tests.judging.robotics.test_cache import RUN_75

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def test_standings_page_updates_when_a_run_is_approved(world, live_server, browser):
    rob = Robotics(world)
    assert rob.put_sheet().status_code == 200
    first = rob.submit("飞龙队").json()["id"]  # 60 points in 87.4 s
    second = rob.submit("海燕队", items=RUN_75).json()["id"]  # 75 points in 91.2 s
    assert rob.approve(first).status_code == 200
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/standings/{rob.event_id}/R1")
    first_row = "#standings tbody tr[data-entry]"  # after the division heading (初中)
    assert "飞龙队" in page.inner_text(first_row)
    page.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
    assert rob.approve(second).status_code == 200  # the head referee approves through the API
    page.wait_for_function(
        "() => document.querySelector('#standings tbody tr[data-entry]').innerText.includes('海燕队')", timeout=8000
    )
    row = page.inner_text(first_row)
    assert "75" in row and "91.2 秒" in row and "75 分，高于下一名的 60 分。" in row
    assert "飞龙队" in page.inner_text("#standings tbody tr:nth-child(3)")  # the heading row, then the teams
    # nothing wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "standings-phone.png"), full_page=True)

    # the projector: large type, one screenful of rows at a time
    screen = context.new_page()
    screen.set_viewport_size({"width": 1280, "height": 720})
    screen.goto(f"{live_server}/standings/{rob.event_id}/R1?display=1")
    assert "海燕队" in screen.inner_text("#standings")
    size = screen.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#standings table')).fontSize)")
    assert size >= 20
    if SHOTS:
        screen.screenshot(path=str(Path(SHOTS) / "standings-display.png"))
    assert errors == []
    context.close()
