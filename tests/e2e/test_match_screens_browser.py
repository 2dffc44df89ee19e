"""The public match screens follow commits by themselves (app/static/matches.js over the
screens' event stream): a phone opens the audience leaderboard and a projector the bracket, the
head referee commits matches through the API, and both screens change without a reload."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import PHONE
from tests.judging.matches.test_api import Arena

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def test_leaderboard_and_bracket_follow_commits(world, live_server, browser):
    arena = Arena(world)
    match = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()["matches"][0]
    leader = match["red"][0]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/screens/{arena.event_id}/V/leaderboard")
    row = f'#screen tr[data-entry="{leader}"]'
    assert page.inner_text(f"{row} td.rank").strip() == "—"
    page.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
    # the head referee scores and commits match 1 on a tablet (through the API): red 3 goals = 15,
    # blue 2 goals and a foul = 7: red's teams share first place with 2 ranking points
    assert (
        arena.score(match["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 1}}).status_code
        == 200
    )
    assert arena.commit(match["id"]).status_code == 200
    page.wait_for_function(
        f"() => document.querySelector('{row} td.rank').innerText.trim() === '1'",
        timeout=8000,
    )
    assert page.inner_text(f"{row} td.wlt").strip() == "1-0-0"
    assert page.inner_text(f"{row} td.rp").strip() == "2"
    assert page.inner_text(f"{row} td.avg").strip() == "15.00"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "match-leaderboard-phone.png"), full_page=True)

    # the leaderboard on a (low) projector: large type, one screenful of the 8 rows at a time
    board = context.new_page()
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    board.set_viewport_size({"width": 1280, "height": 300})
    board.goto(f"{live_server}/screens/{arena.event_id}/V/leaderboard")
    size = board.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#screen table')).fontSize)")
    assert size >= 15  # 3vh, at least .95rem (15.2 px); 21.6 px on a 720 px projector
    shown = board.evaluate("() => [...document.querySelectorAll('#screen tbody tr')].filter(tr => !tr.hidden).length")
    assert 0 < shown < 8
    # the audience knows more rows follow: "page 1 of N" (it was not said at all)
    pages = -(-8 // shown)
    assert board.inner_text("#screen-page") == f"第 1 / {pages} 页"
    board.close()

    # the bracket on a projector: 3 alliances, seed 1 has a bye; 2 v 3 decides the other finalist
    t = arena.teams
    made = arena.client.post(
        f"{arena.url}/bracket", json={"alliances": [t[0:2], t[2:4], t[4:6]], "best_of": 1}, headers=arena.org
    )
    assert made.status_code == 201
    screen = context.new_page()
    screen.on("pageerror", lambda exc: errors.append(str(exc)))
    screen.set_viewport_size({"width": 1280, "height": 720})
    screen.goto(f"{live_server}/screens/{arena.event_id}/V/bracket")
    final = '#screen svg g[data-series="U2-1"]'
    assert "待定" in screen.text_content(final)
    screen.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
    game = next(m for m in arena.matches(arena.org) if m["series"] == "U1-2")
    arena.score(game["id"], {"items": {"goals": 0, "fouls": 0}}, {"items": {"goals": 2, "fouls": 0}})
    assert arena.commit(game["id"]).status_code == 200
    screen.wait_for_function(
        "() => document.querySelector('#screen svg g[data-series=\"U2-1\"]').textContent.includes('V队4')",
        timeout=8000,
    )
    assert "待定" not in screen.text_content(final)
    if SHOTS:
        screen.screenshot(path=str(Path(SHOTS) / "match-bracket-projector.png"))
    # the same bracket on the phone: the page stays 390 px wide, the drawing scrolls inside its box
    page.goto(f"{live_server}/screens/{arena.event_id}/V/bracket")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "match-bracket-phone.png"), full_page=True)
    assert errors == []
    context.close()
