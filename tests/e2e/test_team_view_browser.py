"""A coach's "my matches" view follows commits by itself (app/static/matches.js over the screens'
event stream): a phone finds its team from the queue screen, opens the team's view, the head
referee commits the team's match through the API, and the result, rank and ranking points appear
without a reload; the view stays 390 px wide, in Chinese and English."""

from __future__ import annotations

import os
from pathlib import Path

from app import times
from tests.e2e.conftest import PHONE
from tests.judging.matches.test_api import Arena

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def test_team_view_updates_when_its_match_is_committed(world, live_server, browser):
    arena = Arena(world)
    starts = (times.now().astimezone(times.SHANGHAI)).strftime("%Y-%m-%dT%H:%M")  # the day runs on time
    match = arena.schedule(starts_at=starts, cycle_seconds=300).json()["matches"][0]
    team = match["red"][0]
    name = f"V队{arena.teams.index(team)}"
    delayed = arena.client.post(
        f"{arena.url}/schedule/adjust", json={"kind": "delay", "from_match": 5, "seconds": 600}, headers=arena.org
    )
    assert delayed.status_code == 200
    errors: list[str] = []
    for locale, lang in (("zh-CN", "zh"), ("en-US", "en")):
        context = browser.new_context(viewport=PHONE, locale=locale)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if lang == "zh":
            # from the queue screen: find the team by name
            page.goto(f"{live_server}/screens/{arena.event_id}/V/queue")
            page.click(".my-team a")
            page.fill("#team-q", name)
            page.click(".team-search button")
            page.click(f'#team-list li[data-entry="{team}"] a')
            page.wait_for_url(f"**/screens/{arena.event_id}/V/teams/{team}")
            assert page.inner_text("#team-rank").strip() == "—"
            assert page.query_selector('li[data-match="1"] .result') is None
            page.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')
            # the head referee commits match 1 (through the API): red 15 : blue 7
            assert (
                arena.score(
                    match["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 2, "fouls": 1}}
                ).status_code
                == 200
            )
            assert arena.commit(match["id"]).status_code == 200
            page.wait_for_selector('li[data-match="1"] .result[data-result="win"]', timeout=8000)
            assert page.inner_text('li[data-match="1"] .result').strip() == "胜 15 : 7"
            assert page.inner_text("#team-rank").strip() == "1"
            assert page.inner_text("#team-points").strip() == "2"
            assert page.inner_text("#team-record").strip() == "1-0-0"
        else:
            page.goto(f"{live_server}/screens/{arena.event_id}/V/teams/{team}")
            assert page.inner_text('li[data-match="1"] .result').strip() == "Won 15 : 7"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"team-view-phone-{lang}.png"), full_page=True)
            page.click(".keep summary")
            page.screenshot(path=str(Path(SHOTS) / f"team-view-qr-phone-{lang}.png"), full_page=True)
            page.goto(f"{live_server}/screens/{arena.event_id}/V/teams?q=V")
            page.screenshot(path=str(Path(SHOTS) / f"team-picker-phone-{lang}.png"), full_page=True)
        context.close()
    assert errors == []
