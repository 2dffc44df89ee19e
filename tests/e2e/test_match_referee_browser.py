"""Referees score matches on tablets (issue 14 item 3 and "Done when"): the audience leaderboard is
open on a phone; a referee on a 1024x768 tablet opens the match list (filtered by field, searched
by team), scores match 1 side by side (red online, blue after the network dropped), both captains
answer, the score waits on the tablet and is sent once the network is back; the head referee
commits it on their page and the leaderboard changes without a reload. Also: the form on a
portrait tablet and a phone, in Chinese and English, and the live totals equal the server's."""

from __future__ import annotations

import json
import os
import re

from competitions.registration.tables import Entry
from judging.matches.tables import Match, MatchVersion
from judging.robotics import sheets
from tests.e2e.conftest import PHONE
from tests.e2e.test_referee_browser import log_in
from tests.judging.matches.test_api import SHEET, Arena

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def fill_side(page, side: str, values: dict, card: str) -> None:
    """One alliance as a referee taps it: steppers from empty, then a card for each of its teams."""
    section = page.locator(f'section.alliance[data-side="{side}"]')
    for code, value in values.items():
        item = section.locator(f'fieldset.item[data-code="{code}"]')
        item.locator("button.minus").tap()  # from empty: the minimum (0)
        for _ in range(int(value)):
            item.locator("button.plus").tap()
    teams = section.locator("fieldset.card-item[data-team]")
    assert teams.count() >= 1
    for i in range(teams.count()):
        team_card(page, side, teams.nth(i).get_attribute("data-team"), card)


def team_card(page, side: str, team, card: str) -> None:
    """The referee gives one team a card ("" for none)."""
    fieldset = page.locator(f'section.alliance[data-side="{side}"] fieldset.card-item[data-team="{team}"]')
    fieldset.locator(f'button.card-answer[data-value="{card}"]').tap()


def server_total(values: dict) -> str:
    return format(sheets.score_run(sheets.parse_sheet(SHEET), values).score, "f")


def test_referee_scores_a_match_offline_head_referee_commits_and_the_leaderboard_follows(world, live_server, browser):
    arena = Arena(world)
    matches = arena.schedule(starts_at="2026-07-01T09:00", cycle_seconds=300).json()["matches"]
    match = matches[0]
    leader = match["red"][0]
    errors: list[str] = []

    # the audience leaderboard on a phone, before anything is played
    audience = browser.new_context(viewport=PHONE, locale="zh-CN")
    board = audience.new_page()
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    board.goto(f"{live_server}/screens/{arena.event_id}/V/leaderboard")
    row = f'#screen tr[data-entry="{leader}"]'
    assert board.inner_text(f"{row} td.rank").strip() == "—"
    board.wait_for_selector('#live-note [data-live-mode="live"]:not([hidden])')

    # the referee's tablet: home -> the challenge's matches, cached for offline use
    tablet = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    page = tablet.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "vref")
    page.locator(f'a.match-link[href="/referee/{arena.event_id}/V/matches/"]').tap()
    page.wait_for_selector("#match-list")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "() => Number(document.documentElement.getAttribute('data-offline-pages')) >= 2", timeout=10000
    )
    assert page.locator("tr.match-row").first.get_attribute("data-match-id") == str(match["id"])  # next first
    page.select_option("#field-filter", "2")
    fields = page.eval_on_selector_all("tr.match-row:not([hidden])", "rows => rows.map(r => r.dataset.field)")
    assert fields and set(fields) == {"2"} and len(fields) == sum(1 for m in matches if m["field"] == 2)
    page.select_option("#field-filter", "")
    page.fill("#match-search", "v队7")
    shown = page.eval_on_selector_all("tr.match-row:not([hidden])", "rows => rows.map(r => Number(r.dataset.matchId))")
    seventh = arena.teams[7]
    assert sorted(shown) == sorted(m["id"] for m in matches if seventh in m["red"] + m["blue"])
    page.fill("#match-search", "")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/match-list-tablet-zh.png", full_page=True)

    # match 1: nothing answered until tapped; the red alliance online
    page.locator(f'tr[data-match-id="{match["id"]}"] a.record').tap()
    page.wait_for_selector("#match-page")
    assert page.locator("#finish").is_disabled()
    assert page.locator('button[aria-pressed="true"]').count() == 0
    red = {"goals": 3, "fouls": 0}
    blue = {"goals": 2, "fouls": 1}
    fill_side(page, "red", red, "")
    assert not errors, errors
    assert page.inner_text("#red-total") == server_total(red) == "15"
    assert page.locator("#finish").is_disabled()  # blue not answered yet

    # the network drops: blue, both captains, the score waits on the tablet
    tablet.set_offline(True)
    fill_side(page, "blue", blue, "yellow")
    assert page.inner_text("#blue-total") == server_total(blue) == "7"
    assert page.inner_text("#winner-preview") == "红方胜"
    # cards go to teams: red's second team red-carded, red still wins (that team gets nothing)
    red_a, red_b = match["red"]
    code_b = world.run(Entry.select(Entry.code).where(Entry.id == red_b).first())["code"]
    team_card(page, "red", red_b, "red")
    assert page.inner_text("#winner-preview") == f"红方胜（{code_b} 红牌：本场不得积分）"
    team_card(page, "red", red_a, "red")  # every red team red-carded: the alliance is disqualified
    assert page.inner_text("#winner-preview") == "蓝方胜（红牌判负）"
    team_card(page, "red", red_a, "")
    assert page.inner_text("#winner-preview") == f"红方胜（{code_b} 红牌：本场不得积分）"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/match-form-tablet-zh.png", full_page=True)
    page.locator("#finish").tap()
    assert page.locator("#submit-match").is_disabled()
    # a button that cannot be pressed yet looks it (it looked like any green button before)
    faded = "() => Number(getComputedStyle(document.getElementById('submit-match')).opacity)"
    assert page.evaluate(faded) < 1
    assert page.locator("#card-rule").count() == 1  # the card rule said once, under both alliances
    page.locator('.captain[data-side="red"] button[data-value="confirmed"]').tap()
    page.locator('.captain[data-side="blue"] button[data-value="refused"]').tap()
    page.fill('.captain[data-side="blue"] textarea', "对犯规判罚有异议")
    page.locator("#submit-match").tap()
    page.wait_for_selector('#match-page[data-state="queued"]', timeout=10000)
    assert "未发送" in page.inner_text("#result-text")
    page.locator("#result-back").tap()
    page.wait_for_selector("#match-list")
    page.wait_for_function("() => document.getElementById('match-list').dataset.unsent === '1'")
    assert page.locator("#cached-notice").is_visible()  # the tablet's copy of the list
    assert "本机有 1 场成绩未发送" in page.inner_text("#unsent-state")
    assert world.run(Match.select(Match.status).where(Match.id == match["id"]).first())["status"] == "scheduled"

    # back online: sent once, with both captains' answers
    tablet.set_offline(False)
    page.wait_for_function("() => document.getElementById('match-list').dataset.unsent === '0'", timeout=15000)
    stored = world.run(Match.select().where(Match.id == match["id"]).first())
    assert (stored["status"], stored["red_score"], stored["blue_score"], stored["blue_card"]) == (
        "scored",
        "15",
        "7",
        "yellow",
    )
    cards = json.loads(stored["cards"]) if isinstance(stored["cards"], str) else stored["cards"]
    assert stored["red_card"] is None
    assert cards == {str(red_b): "red", **{str(t): "yellow" for t in match["blue"]}}
    versions = world.run(MatchVersion.select().where(MatchVersion.match == match["id"]).output(load_json=True))
    assert len(versions) == 1 and versions[0]["data"]["blue"]["confirmation_note"] == "对犯规判罚有异议"
    assert board.inner_text(f"{row} td.rank").strip() == "—"  # scored is not committed

    # the head referee commits it on their page; the phone's leaderboard follows
    head_context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    head = head_context.new_page()
    head.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(head, live_server, "vhead")
    head.locator(f'a.match-review-link[href="/referee/{arena.event_id}/V/matches/review"]').tap()
    article = head.locator(f'article[data-match-id="{match["id"]}"]')
    assert article.locator('[data-side-score="red"]').inner_text() == "15"
    assert "对犯规判罚有异议" in article.inner_text() and "对抗赛裁判" in article.inner_text()
    if SHOTS:
        head.screenshot(path=f"{SHOTS}/match-review-tablet-zh.png", full_page=True)
    article.locator('input[name="match_id"]').check()
    head.locator("#commit-selected").tap()
    head.wait_for_selector(".flash")
    assert "已确认 1 场" in head.inner_text("body")
    board.wait_for_function(
        f"() => document.querySelector('{row} td.rank').innerText.trim() === '1'",
        timeout=8000,
    )
    assert board.inner_text(f"{row} td.rp").strip() == "2"
    # the red-carded partner earned nothing from the match it won
    assert board.inner_text(f'#screen tr[data-entry="{red_b}"] td.rp').strip() == "0"
    assert board.inner_text(f'#screen tr[data-entry="{red_b}"] td.wlt').strip() == "0-1-0"
    # after commit a correction needs a reason and keeps every version
    head.goto(f"{live_server}/referee/matches/{match['id']}")
    head.fill('input[name="blue_fouls"]', "0")
    head.locator("#correct-submit").tap()
    assert head.inner_text("#correct-error") == "更正已确认的比赛成绩时必须填写原因。"
    head.fill('input[name="reason"]', "看录像后撤销犯规")
    head.locator("#correct-submit").tap()
    head.wait_for_selector('tr.version-row[data-version="2"]')
    assert "看录像后撤销犯规" in head.inner_text(".history-table")
    assert head.inner_text('[data-side-score="blue"]') == "10"  # 2 goals, no foul
    if SHOTS:
        head.screenshot(path=f"{SHOTS}/match-detail-tablet-zh.png", full_page=True)
    assert errors == []
    for context in (audience, tablet, head_context):
        context.close()


def test_match_form_on_a_portrait_tablet_and_a_phone_in_both_languages(world, live_server, browser):
    arena = Arena(world)
    match = arena.schedule().json()["matches"][0]
    errors: list[str] = []
    for viewport, locale, lang, name in (  # the language from the browser (Accept-Language)
        (TABLET_PORTRAIT, "en-US", "en", "tablet-portrait-en"),
        (PHONE, "zh-CN", "zh", "phone-zh"),
        (PHONE, "en-US", "en", "phone-en"),
        (TABLET_LANDSCAPE, "en-US", "en", "tablet-en"),
    ):
        context = browser.new_context(viewport=viewport, has_touch=True, locale=locale)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, live_server, "vref")
        page.goto(f"{live_server}/referee/{arena.event_id}/V/matches/")
        page.wait_for_selector("#match-list")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/match-list-{name}.png", full_page=True)
        page.goto(f"{live_server}/referee/{arena.event_id}/V/matches/score?match={match['id']}")
        page.wait_for_selector("#match-page")
        fill_side(page, "red", {"goals": 1, "fouls": 2}, "yellow")  # 5 - 6 = -1
        fill_side(page, "blue", {"goals": 0, "fouls": 0}, "")
        assert page.inner_text("#red-total") == server_total({"goals": 1, "fouls": 2}) == "-1"
        assert page.inner_text("#winner-preview") == ("Blue wins" if lang == "en" else "蓝方胜")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        if viewport["width"] >= 768:  # red left, blue right
            red_box = page.locator('section.alliance[data-side="red"]').bounding_box()
            blue_box = page.locator('section.alliance[data-side="blue"]').bounding_box()
            assert red_box["x"] + red_box["width"] <= blue_box["x"]
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/match-form-{name}.png", full_page=True)
        context.close()
    assert errors == []


def test_a_second_tablet_is_told_who_scored_the_match(world, live_server, browser):
    """Two tablets open match 1; the first sends its score; the second's is refused (409) and the
    form says who scored the match and when; the score stays on that tablet until deleted."""
    arena = Arena(world)
    match = arena.schedule().json()["matches"][0]
    tablets = []
    for username in ("vref", "vhead"):
        context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, username)
        page.goto(f"{live_server}/referee/{arena.event_id}/V/matches/score?match={match['id']}")
        page.wait_for_selector("#match-page")
        tablets.append((context, page))
    for (_context, page), goals in zip(tablets, (3, 4)):
        fill_side(page, "red", {"goals": goals, "fouls": 0}, "")
        fill_side(page, "blue", {"goals": 2, "fouls": 1}, "")
        page.locator("#finish").tap()
        page.locator('.captain[data-side="red"] button[data-value="confirmed"]').tap()
        page.locator('.captain[data-side="blue"] button[data-value="confirmed"]').tap()
        page.locator("#submit-match").tap()
    first, second = tablets[0][1], tablets[1][1]
    first.wait_for_selector('#match-page[data-state="sent"]', timeout=10000)
    second.wait_for_selector('#match-page[data-state="conflict"]', timeout=10000)
    words = second.inner_text("#result-text")
    assert "对抗赛裁判" in words and "红 15 : 蓝 7" in words
    assert re.search(r"于 \d\d:\d\d:\d\d", words)
    assert second.locator("#finish").is_hidden()  # sent once: nothing to send twice
    assert second.get_attribute("#result-match", "href") == f"/referee/matches/{match['id']}"
    if SHOTS:
        second.screenshot(path=f"{SHOTS}/match-conflict-tablet-zh.png", full_page=True)
    # opened again, the form shows the recorded score and nothing of the form (nor the card rule)
    first.goto(f"{live_server}/referee/{arena.event_id}/V/matches/score?match={match['id']}")
    first.wait_for_selector('#match-page[data-state="recorded"]')
    assert first.locator("#recorded-box").is_visible()
    assert first.locator("#alliances").is_hidden() and first.locator("#card-rule").is_hidden()
    second.locator("#result-back").tap()
    second.wait_for_selector("#match-list")
    assert "本机有 1 场成绩被拒绝" in second.inner_text("#unsent-state")
    stored = world.run(Match.select(Match.red_score, Match.version).where(Match.id == match["id"]).first())
    assert stored == {"red_score": "15", "version": 1}
    for context, _page in tablets:
        context.close()
