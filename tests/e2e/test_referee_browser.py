"""Referee tablets in a real browser (issue 13 "Done when"): a referee on a tablet-sized window
records a run (every item answered), loses the network, records another, reconnects; a head
referee approves both; the public standings JSON shows both in the right order with the reason
line. Also: the live total the page computes (app/static/referee.js) equals the server's
score (judging/robotics/sheets.py) for a sheet with every item type, requirement, restriction,
bonus and variant."""

from __future__ import annotations

import os
from decimal import Decimal

from judging.robotics import sheets
from judging.robotics.tables import Run
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE
from tests.judging.matches.test_api import SHEET as MATCH_SHEET
from tests.judging.robotics.referee_sheet import (
    FLL_RUN_45,
    FLL_RUN_FLOOR,
    FLL_RUN_REFUSED,
    FLL_SHEET,
    FULL_SHEET,
    RUN_35,
    RUN_160,
)
from tests.judging.robotics.test_api import Robotics

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url


def fill_run(page, values: dict) -> None:
    """Answer every item as a referee taps it: steppers from empty, yes/no and choice buttons, the time typed."""
    for code, value in values.items():
        item = page.locator(f'fieldset.item[data-code="{code}"]')
        if not item.is_visible():
            continue
        kind = item.get_attribute("data-type")
        if kind == "count":
            field = item.locator("input.count-value")
            if field.input_value() == "":
                item.locator("button.minus").tap()  # from empty: the minimum (0)
                for _ in range(int(value)):
                    item.locator("button.plus").tap()
            else:
                field.fill(str(value))  # a correction: typed
        elif kind == "yesno":
            item.locator(f'button.answer[data-value="{"yes" if value else "no"}"]').tap()
        elif kind == "choice":
            item.locator(f'button.answer[data-value="{value}"]').tap()
        else:
            item.locator("input.time-value").fill(str(value))


def server_score(values: dict, variant: str) -> str:
    result = sheets.score_run(sheets.parse_sheet(FULL_SHEET), values, variant)
    return format(result.score, "f")


def test_referee_records_runs_through_a_dropped_connection_and_the_head_referee_approves(world, live_server, browser):
    rob = Robotics(world)
    assert rob.put_sheet(FULL_SHEET).status_code == 200
    feilong, haiyan = rob.teams["飞龙队"], rob.teams["海燕队"]
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "referee")
    assert page.url.endswith("/referee/")
    page.locator(f'a[href="/referee/{rob.event_id}/R1/"]').tap()
    page.wait_for_selector("#referee-queue")
    # the referee records round 1's draw, then the queue is cached for offline use
    page.locator('li.draw[data-round="1"] button[value="A"]').tap()
    page.wait_for_selector('li.draw[data-round="1"] .drawn')
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== undefined")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "() => Number(document.documentElement.getAttribute('data-offline-pages')) >= 2", timeout=10000
    )
    # search narrows the queue
    page.fill("#queue-search", "飞龙")
    assert page.locator("tr.team-row:visible").count() == 1

    # run 1, online: every item answered before the form can be finished
    page.locator(f'tr[data-entry-id="{feilong}"] td[data-round="1"] a.record').tap()
    page.wait_for_selector("#run-page")
    assert page.locator("#finish").is_disabled()
    assert page.locator('button[aria-pressed="true"]').count() == 1  # only the recorded draw
    partial = dict(list(RUN_160.items())[:4])
    fill_run(page, partial)
    assert page.locator("#finish").is_disabled()
    # a restriction shows its message live: 6 blocks + 3 touches > 8
    fill_run(page, {"m1": 6, "p1": 3})
    page.wait_for_selector("#restriction-errors .restriction")
    assert "能量块与触碰次数合计不能超过 8。" in page.inner_text("#restriction-errors")
    fill_run(page, {k: v for k, v in RUN_160.items()})
    page.wait_for_function("() => document.getElementById('run-page').dataset.complete === 'true'")
    assert page.inner_text("#run-total") == server_score(RUN_160, "A") == "160.0"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/referee-run-tablet.png", full_page=True)
    page.locator("#finish").tap()
    page.locator("#captain-confirm").tap()
    page.wait_for_selector('#run-page[data-state="sent"]', timeout=10000)
    assert "160.0" in page.inner_text("#result-text")

    # the network drops: the queue and the form still open; run 2 waits on the tablet
    page.locator("#result-back").tap()
    page.wait_for_selector("#referee-queue")
    context.set_offline(True)
    page.locator(f'tr[data-entry-id="{haiyan}"] td[data-round="1"] a.record').tap()
    page.wait_for_selector("#run-page")
    fill_run(page, RUN_35)
    page.wait_for_function("() => document.getElementById('run-page').dataset.complete === 'true'")
    assert page.inner_text("#run-total") == server_score(RUN_35, "A") == "35.0"
    page.locator("#finish").tap()
    page.locator("#captain-refuse").tap()
    page.fill("#refuse-note", "队长认为旗帜已升起")
    page.locator("#refuse-submit").tap()
    page.wait_for_selector('#run-page[data-state="queued"]', timeout=10000)
    assert "未发送" in page.inner_text("#result-text")
    assert page.locator("#cached-notice").is_visible()  # served from the tablet's copy
    page.locator("#result-back").tap()
    page.wait_for_selector("#referee-queue")
    page.wait_for_function("() => document.getElementById('referee-queue').dataset.unsent === '1'")
    assert page.locator("#cached-notice").is_visible()
    assert "本机有 1 轮成绩未发送" in page.inner_text("#unsent-state")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/referee-queue-offline.png", full_page=True)
    assert world.run(Run.count()) == 1  # nothing reached the server

    # back online: sent once
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('referee-queue').dataset.local === '0'", timeout=20000)
    # the "network is down" notice of the tablet's copy goes once the network is back (not only on reload)
    page.wait_for_function("() => !document.getElementById('cached-notice').textContent.includes('网络已断开')")
    runs = world.run(Run.select(Run.entry, Run.score, Run.confirmation, Run.confirmation_note).order_by(Run.id))
    assert runs == [
        {"entry": feilong, "score": "160.0", "confirmation": "confirmed", "confirmation_note": ""},
        {"entry": haiyan, "score": "35.0", "confirmation": "refused", "confirmation_note": "队长认为旗帜已升起"},
    ]
    assert rob.standings()[0]["counted_score"] is None  # nothing approved yet
    context.close()

    # the head referee approves both on their own tablet
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "head")
    page.goto(f"{live_server}/referee/{rob.event_id}/R1/review")
    assert page.locator(".review-row").count() == 2
    assert "队长拒绝确认" in page.inner_text("#referee-review")
    # the approve action is at the top of the tablet's screen; "select all" ticks both
    assert page.locator("#approve-selected").bounding_box()["y"] < TABLET_LANDSCAPE["height"]
    page.locator("#select-all").check()
    assert page.locator('input[name="run_id"]:checked').count() == 2
    assert page.inner_text("#selected-count") == "(2)"
    with page.expect_navigation():
        page.locator("#approve-selected").tap()
    page.wait_for_selector("text=已审核 2 轮成绩")
    context.close()

    teams = rob.standings()
    assert [(t["team_name"], t["rank"], t["counted_score"]) for t in teams][:2] == [
        ("飞龙队", 1, "160.0"),
        ("海燕队", 2, "35.0"),
    ]
    assert teams[0]["explanation"] == "160.0 分，高于下一名的 35.0 分。"
    assert teams[1]["runs"][0]["confirmation"] == "refused"
    assert errors == []


def test_the_pages_live_total_equals_the_servers_score(world, live_server, browser):
    """referee.js's port of score_run against sheets.py on runs that exercise every rule."""
    rob = Robotics(world)
    assert rob.put_sheet(FULL_SHEET).status_code == 200
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "referee")
    page.goto(f"{live_server}/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=2")
    page.wait_for_selector("#run-page")
    # a 390 px phone: nothing wider than the screen, on the run form and on the queue
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server}/referee/{rob.event_id}/R1/")
    page.wait_for_selector("#referee-queue")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server}/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=2")
    page.wait_for_selector("#run-page")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/referee-run-phone.png", full_page=True)
    cases = [
        (RUN_160, "A"),
        (RUN_35, "A"),
        (RUN_160, "B"),  # "s" is not played in B
        ({**RUN_160, "m1": 0, "p1": 5, "retry": 3}, "B"),  # 0 x 12.5 = "0.0"; penalties; no bonus
        ({**RUN_160, "m2": False, "park": "none"}, "A"),  # m3 requires m2
        ({**RUN_160, "m1": 6, "p1": 3}, "A"),  # the restriction refuses it
        ({**RUN_160, "t": "120.5"}, "A"),  # over the time limit
        ({k: v for k, v in RUN_160.items() if k != "park"}, "A"),  # an item missing
    ]
    for values, variant in cases:
        js = page.evaluate(
            "([sheet, values, variant]) => { const r = XinmiaoReferee.score(XinmiaoReferee.readSheet(sheet), values, variant,"
            " {outOfRange: 'range', overLimit: 'limit', notNumber: 'nan', notInteger: 'int'});"
            " return {complete: r.complete, total: r.total, restrictions: r.restrictions,"
            " errors: Object.keys(r.errors), missing: r.missing}; }",
            [FULL_SHEET, values, variant],
        )
        try:
            expected = server_score(values, variant)
        except Exception as exc:  # noqa: BLE001 - the server refuses: the page must not be complete
            fields = [e["field"] for e in exc.errors]  # type: ignore[attr-defined]
            assert js["complete"] is False, (values, variant, js)
            assert sorted(f"items.{c}" for c in js["errors"] + js["missing"]) + (
                ["items.m1,p1"] if js["restrictions"] else []
            ) == sorted(fields), (values, variant, js, fields)
            continue
        assert js["complete"] is True and js["total"] == expected, (values, variant, js, expected)
        assert Decimal(js["total"]) == sheets.score_run(sheets.parse_sheet(FULL_SHEET), values, variant).score
    # the rules added for FLL-style games: a restriction bounded by another item (max_item), a
    # floor for the total (min_total) and a "both" bonus as a yesno with requires
    fll = sheets.parse_sheet(FLL_SHEET, strict=True)
    for values, expected in ((FLL_RUN_45, "45"), (FLL_RUN_FLOOR, "0"), (FLL_RUN_REFUSED, None)):
        js = page.evaluate(
            "([sheet, values]) => { const r = XinmiaoReferee.score(XinmiaoReferee.readSheet(sheet), values, null, {});"
            " return {complete: r.complete, total: r.total, restrictions: r.restrictions}; }",
            [FLL_SHEET, values],
        )
        if expected is None:  # m14b 3 > m14a 2: the server refuses with the message the page shows
            assert js["complete"] is False and js["restrictions"] == ["有观众的目的地数不能多于送达的观众人数。"]
            continue
        assert js["complete"] is True and js["total"] == expected == format(sheets.score_run(fll, values).score, "f")
    # the match form (referee-matches.js) scores each alliance with the same engine (sheet-score.js):
    # the match sheet of tests/judging/matches (goals 5, fouls -3 each: negative totals stay negative)
    assert page.evaluate("() => XinmiaoReferee.score === XinmiaoSheet.score")
    match_sheet = sheets.parse_sheet(MATCH_SHEET, strict=True)
    for values in (
        {"goals": 3, "fouls": 0},
        {"goals": 1, "fouls": 2},
        {"goals": 20, "fouls": 10},
        {"goals": 0, "fouls": 0},
    ):
        js = page.evaluate(
            "([sheet, values]) => { const r = XinmiaoSheet.score(XinmiaoSheet.readSheet(sheet), values, null, {});"
            " return {complete: r.complete, total: r.total}; }",
            [MATCH_SHEET, values],
        )
        assert js == {"complete": True, "total": format(sheets.score_run(match_sheet, values).score, "f")}, values
    context.close()


def test_run_form_layout_time_item_and_a_recorded_round(world, live_server, browser):
    """Findings of the issue 13 review on a tablet: the time input shows "148.5" whole and the time
    item shows the time (not "= 0"); a recorded round shows the recorded run, not an empty form
    with a disabled "done" button; the sheet form editor shows only the fields of each item's type."""
    rob = Robotics(world)
    assert rob.put_sheet(FULL_SHEET).status_code == 200
    recorded = rob.submit("飞龙队", round=1, items=RUN_160, variant="A")
    assert recorded.status_code == 201, recorded.text
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "referee")
    page.goto(f"{live_server}/referee/{rob.event_id}/R1/run?entry={rob.teams['海燕队']}&round=1")
    page.wait_for_selector("#run-page")
    time_input = page.locator('fieldset.item[data-code="t"] input.time-value')
    time_input.fill("148.5")
    assert time_input.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    time_input.fill("98.5")  # 148.5 is over this sheet's 120 s limit
    assert page.inner_text('fieldset.item[data-code="t"] .item-points') == "98.5 秒"
    assert page.locator("#recorded-box").is_hidden()

    page.goto(f"{live_server}/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=1")
    page.wait_for_selector("#run-page[data-state='recorded']")
    assert page.locator("#recorded-box").is_visible()
    assert page.locator("#finish").is_hidden() and page.locator("fieldset.item").first.is_hidden()
    assert page.inner_text("#recorded-score") == "160.0"
    assert "停靠位置 完全进入" in page.inner_text("#recorded-items")
    assert page.get_attribute("#recorded-link", "href") == f"/referee/runs/{recorded.json()['id']}"
    context.close()

    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/events/{rob.event_id}/robotics/R1/sheet/form")
    page.wait_for_selector("#sheet-form")
    box = page.locator("button.default-submit").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # not drawn on the page
    yesno = page.locator("#item-1")  # m2, yes/no
    assert yesno.get_attribute("data-type") == "yesno"
    assert yesno.locator(".f-min").is_hidden() and yesno.locator(".f-options").is_hidden()
    assert yesno.locator(".f-points").is_visible()
    count = page.locator("#item-0")  # m1, count
    assert count.locator(".f-min").is_visible() and count.locator(".f-options").is_hidden()
    yesno.locator("select.item-type").select_option("choice")  # the fields switch with the type
    assert yesno.locator(".f-options").is_visible() and yesno.locator(".f-points").is_hidden()
    context.close()
    assert errors == []
