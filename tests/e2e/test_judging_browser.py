"""A judge scores on a tablet-sized browser window through a dropped connection; the
organizer assigns, publishes and finalizes in the browser.

Set ``XINMIAO_SCREENSHOTS=/some/dir`` to also save screenshots of the judging pages at
tablet (portrait and landscape) and phone sizes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from judging.panels import assignments
from judging.scoring import services as scoring
from judging.scoring.tables import Score, ScoreChange
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, TABLET
from tests.judging.pages import assigned_to, build_panel, score_all

PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}
SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url


def sheet(world, entry_id: int, judge_id: int) -> dict:
    return world.run(
        Score.select().where((Score.entry == entry_id) & (Score.judge == judge_id)).output(load_json=True).first()
    )


def changes(world, score_id: int) -> int:
    return world.run(ScoreChange.count().where(ScoreChange.score == score_id))


def wait_saved(page, version: int) -> None:
    page.wait_for_function(
        "v => { const p = document.getElementById('score-page'); return p.xinmiao && p.xinmiao.version() === v && p.xinmiao.state() === 'saved'; }",
        arg=version,
        timeout=10000,
    )


def tap_points(page, code: str, value: str) -> None:
    page.locator(f'fieldset[data-code="{code}"] button.pt[data-value="{value}"]').tap()


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_judge_scores_on_a_tablet_through_a_dropped_connection(world, live_server, browser):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge_id = panel.judges["judge"]
    mine = assigned_to(world, judge_id)
    entry_id = mine[0]
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "judge")

    page.goto(f"{live_server}/judging/")
    assert f"已评 0 / {len(mine)}" in page.inner_text("main")
    page.locator(f'a[href="/judging/entries/{entry_id}"]').tap()
    page.wait_for_selector("#score-page")
    assert page.get_attribute("#save-state", "data-state") == "new"
    assert page.inner_text("#scored-count") == "已评 0"

    # tap points: the live total is computed in the browser exactly like the server
    tap_points(page, "innovation", "8")
    assert page.inner_text("#total") == "32.00"
    wait_saved(page, 1)
    tap_points(page, "scientific", "7")
    assert page.inner_text("#total") == "53.00"
    wait_saved(page, 2)
    tap_points(page, "practical", "6")
    assert page.inner_text("#total") == "71.00"
    wait_saved(page, 3)
    # the sheet is now complete: the header count follows the save's answer, without a reload
    page.wait_for_function("() => document.getElementById('scored-count').textContent === '已评 1'", timeout=5000)
    page.locator('fieldset[data-code="scientific"] button.plus').tap()  # 7 -> 7.5
    assert page.input_value("#points-scientific") == "7.5"
    assert page.inner_text("#total") == "72.50"
    wait_saved(page, 4)
    assert "已保存" in page.inner_text("#save-state")
    row = sheet(world, entry_id, judge_id)
    assert row["version"] == 4 and row["points"] == {"innovation": "8", "scientific": "7.5", "practical": "6"}
    assert row["complete"] is True and row["total"] in ("72.5", "72.50")

    # the connection drops: the change is kept on the tablet and shown as not sent
    context.set_offline(True)
    tap_points(page, "innovation", "9")
    assert page.inner_text("#total") == "76.50"
    page.wait_for_selector('#save-state[data-state="queued"]', timeout=10000)
    assert "未发送，联网后自动提交" in page.inner_text("#save-state")
    stored = json.loads(page.evaluate(f"localStorage.getItem('xinmiao:score:{judge_id}:{entry_id}')"))
    assert stored["criteria"]["innovation"] == "9" and stored["baseVersion"] == 4
    assert sheet(world, entry_id, judge_id)["version"] == 4  # nothing reached the server

    # back online: sent once, exactly the last values
    context.set_offline(False)
    wait_saved(page, 5)
    assert page.evaluate(f"localStorage.getItem('xinmiao:score:{judge_id}:{entry_id}')") is None
    page.wait_for_timeout(1500)  # no second send
    row = sheet(world, entry_id, judge_id)
    assert row["version"] == 5 and row["points"] == {"innovation": "9", "scientific": "7.5", "practical": "6"}
    assert changes(world, row["id"]) == 5

    # an answer lost on the way back: the server stored the edit but the tablet never heard;
    # the next save's 409 is recognised as the tablet's own write, and the edit goes on top
    url = f"**/judging/entries/{entry_id}/score"
    dropped: list[int] = []

    def drop_answer(route):
        if dropped:
            route.continue_()
            return
        dropped.append(route.fetch().status)  # it reaches the server ...
        route.abort("failed")  # ... but the answer never arrives

    page.route(url, drop_answer)
    tap_points(page, "practical", "7")
    page.wait_for_selector('#save-state[data-state="queued"]', timeout=10000)
    assert dropped == [200] and sheet(world, entry_id, judge_id)["version"] == 6
    tap_points(page, "practical", "8")
    wait_saved(page, 7)
    page.unroute(url)
    assert not page.is_visible("#conflict")
    row = sheet(world, entry_id, judge_id)
    assert (
        row["points"] == {"innovation": "9", "scientific": "7.5", "practical": "8"} and changes(world, row["id"]) == 7
    )
    assert page.inner_text("#total") == "82.50"

    # a late replay of an old edit (queued before version 7) never overwrites the newer sheet
    stale = {
        "entryId": entry_id,
        "userId": judge_id,
        "url": f"/judging/entries/{entry_id}/score",
        "criteria": {"innovation": "2", "scientific": "7.5", "practical": "6"},
        "comment": "",
        "baseVersion": 3,
    }
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [f"xinmiao:score:{judge_id}:{entry_id}", json.dumps(stale)])
    page.reload()
    page.wait_for_selector('#save-state[data-state="conflict"]', timeout=10000)
    assert "冲突：已在别处更新" in page.inner_text("#save-state") and "7" in page.inner_text("#save-state")
    assert page.is_visible("#conflict") and re.search(r"创新性\s+9\s+2", page.inner_text("#conflict-values"))
    assert sheet(world, entry_id, judge_id)["version"] == 7
    page.locator("#use-server").tap()
    assert page.get_attribute("#save-state", "data-state") == "saved"
    assert page.input_value("#points-innovation") == "9" and page.inner_text("#total") == "82.50"
    assert page.evaluate(f"localStorage.getItem('xinmiao:score:{judge_id}:{entry_id}')") is None

    # the same judge changed the sheet on another device: the page's next save is a 409;
    # the judge sees the server's values and re-applies their own
    world.run(scoring.put_score(world.principal("judge"), entry_id, {"practical": "3"}, None, 7))
    tap_points(page, "scientific", "10")
    page.wait_for_selector('#save-state[data-state="conflict"]', timeout=10000)
    assert re.search(r"实用性\s+3\s+8", page.inner_text("#conflict-values"))
    assert sheet(world, entry_id, judge_id)["points"]["scientific"] == "7.5"
    page.locator("#keep-mine").tap()
    wait_saved(page, 9)
    row = sheet(world, entry_id, judge_id)
    assert row["points"] == {"innovation": "9", "scientific": "10", "practical": "8"}
    assert row["version"] == 9 and changes(world, row["id"]) == 9
    assert page.inner_text("#total") == "90.00"

    # the list shows the progress
    page.goto(f"{live_server}/judging/")
    assert f"已评 1 / {len(mine)}" in page.inner_text("main")
    card = f'a[data-entry-id="{entry_id}"]'
    assert page.inner_text(f"{card} .total") == "90.00"

    # sheets queued on the tablet (e.g. by a scoring page closed offline) are sent by the list
    # page: it then shows what the server stored, never the total rendered before the send
    other = mine[1]
    queued = {
        entry_id: {"innovation": "10", "scientific": "10", "practical": "8"},
        other: {"innovation": "7", "scientific": "6", "practical": "5"},
    }
    page.goto(f"{live_server}/static/app.css")  # same origin, no page script
    for eid, base in ((entry_id, 9), (other, 0)):
        item = {
            "entryId": eid,
            "userId": judge_id,
            "url": f"/judging/entries/{eid}/score",
            "criteria": queued[eid],
            "comment": "",
            "baseVersion": base,
        }
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [f"xinmiao:score:{judge_id}:{eid}", json.dumps(item)])
    page.goto(f"{live_server}/judging/")
    other_card = f'a[data-entry-id="{other}"]'
    for c in (card, other_card):
        page.wait_for_selector(f"{c} .local-state.local-saved", timeout=10000)
        assert page.inner_text(f"{c} .local-state") == "已补发"
    assert sheet(world, entry_id, judge_id)["version"] == 10 and sheet(world, other, judge_id)["version"] == 1
    # 10/10*40 + 10/10*30 + 8/10*30 = 94.00; 7/10*40 + 6/10*30 + 5/10*30 = 61.00
    assert page.inner_text(f"{card} .total") == "94.00"
    assert page.inner_text(f"{other_card} .total") == "61.00" and page.is_visible(f"{other_card} .total")
    assert page.inner_text(f"{other_card} .badge.sheet-scored") == "已评"
    assert f"已评 2 / {len(mine)}" in page.inner_text("main")
    page.reload()  # and the server agrees
    assert page.inner_text(f"{card} .total") == "94.00" and page.inner_text(f"{other_card} .total") == "61.00"
    assert f"已评 2 / {len(mine)}" in page.inner_text("main")
    assert errors == []
    context.close()


def test_organizer_runs_the_judging_day_in_the_browser(world, live_server, browser):
    panel = build_panel(world)
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    base = f"{live_server}/events/{world.event_id}/judging"

    page.goto(f"{base}/assignments")
    page.fill("input[name=judges_per_entry]", "2")
    page.click("text=生成分配")
    page.wait_for_load_state()
    assert "已生成分配" in page.inner_text(".flash")
    assert "共 10 条分配" in page.inner_text("main")

    score_all(world, panel)
    page.goto(f"{base}/progress")
    assert "10 / 10" in page.inner_text("#progress-live")
    page.goto(f"{base}/results")
    assert "一等奖" in page.inner_text("main") and "评分未完成" not in page.inner_text("main")

    # publish: the confirmation box must be ticked
    page.goto(f"{base}/publication")
    page.check("form[action$='/publish'] input[name=confirm]")  # the form is open at the top
    page.click("form[action$='/publish'] button")
    page.wait_for_load_state()
    assert "结果已公示" in page.inner_text(".flash")
    public = context.new_page()
    public.goto(f"{live_server}/results/{world.event_id}")
    assert "公示中" in public.inner_text("main") and "李*" in public.inner_text("main")

    # the 公示期 (a week by default) and the contact are on the public page
    assert "公示期" in public.inner_text("main")

    # finalizing inside the 公示期 needs a written reason (the form asks for it)
    page.click("summary:has-text('公示结束，定稿')")
    assert "才结束" in page.inner_text("form[action$='/finalize']")
    page.fill("form[action$='/finalize'] textarea[name=override_notice_reason]", "组委会决定提前定稿")
    page.check("form[action$='/finalize'] input[name=confirm]")
    page.click("form[action$='/finalize'] button")
    page.wait_for_load_state()
    assert "结果已定稿" in page.inner_text(".flash")
    public.reload()
    assert re.search(r"定稿于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", public.inner_text("main"))  # the badge, with its time
    context.close()


def test_rubric_page_shows_the_running_total_of_the_weights(world, live_server, browser):
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/events/{world.event_id}/judging/rubric")
    # the defaults 40 + 30 + 30 = 100
    assert page.inner_text("#weight-sum") == "100" and page.inner_text("#weight-note") == "权重合计为 100，可以保存。"
    page.fill("input.weight >> nth=0", "50")  # 50 + 30 + 30 = 110
    assert page.inner_text("#weight-sum") == "110"
    assert page.inner_text("#weight-note") == "权重合计必须是 100，现在是 110，请调整后再保存。"
    assert "error-text" in page.get_attribute("#weight-line", "class")
    page.fill("input.weight >> nth=2", "20")  # 50 + 30 + 20 = 100
    assert page.inner_text("#weight-note") == "权重合计为 100，可以保存。"
    context.close()


@pytest.mark.skipif(not SHOTS, reason="set XINMIAO_SCREENSHOTS=<dir> to save screenshots")
def test_judging_screenshots(world, live_server, browser):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge_id = panel.judges["judge"]
    mine = assigned_to(world, judge_id)
    world.run(scoring.put_score(world.principal("judge"), mine[1], {"innovation": 7, "scientific": 8, "practical": 6}))
    world.run(scoring.put_score(world.principal("judge"), mine[2], {"innovation": 5}))
    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, has_touch=True, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, "judge")
        page.goto(f"{live_server}/judging/")
        shoot(page, f"judge-list-{name}")
        page.goto(f"{live_server}/judging/entries/{mine[0]}")
        tap_points(page, "innovation", "8")
        tap_points(page, "scientific", "7")
        page.wait_for_function("() => document.getElementById('score-page').xinmiao.state() === 'saved'")
        page.screenshot(path=str(Path(SHOTS) / f"score-online-{name}.png"))
        shoot(page, f"score-online-{name}-full")
        context.set_offline(True)
        tap_points(page, "practical", "6")
        page.wait_for_selector('#save-state[data-state="queued"]')
        page.screenshot(path=str(Path(SHOTS) / f"score-queued-{name}.png"))
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('score-page').xinmiao.state() === 'saved'")
        current = sheet(world, mine[0], judge_id)
        world.run(scoring.put_score(world.principal("judge"), mine[0], {"innovation": "4"}, None, current["version"]))
        tap_points(page, "scientific", "9")
        page.wait_for_selector('#save-state[data-state="conflict"]')
        page.screenshot(path=str(Path(SHOTS) / f"score-conflict-{name}.png"))
        page.locator("#use-server").tap()
        context.close()
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    page.goto(f"{live_server}/events/{world.event_id}/judging/progress")
    shoot(page, "org-progress-partial-portrait")
    page.goto(f"{live_server}/events/{world.event_id}/judging/results")
    shoot(page, "org-results-partial-portrait")
    context.close()
    score_all(world, panel)
    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, "org")
        base = f"{live_server}/events/{world.event_id}/judging"
        for path in (
            "progress",
            "results",
            "assignments",
            "publication",
            "consistency",
            "",
            "rubric",
            "judges",
            "assignments/print",
        ):
            page.goto(f"{base}/{path}")
            shoot(page, f"org-{path.replace('/', '-') or 'overview'}-{name}")
        page.emulate_media(media="print")
        shoot(page, f"org-print-media-{name}")
        context.close()
    from judging.results import publication

    world.run(publication.publish(world.org, world.event_id))
    for name, viewport in (("portrait", PORTRAIT), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server}/results/{world.event_id}")
        shoot(page, f"public-results-{name}")
        log_in(page, live_server, "judge")
        page.goto(f"{live_server}/judging/entries/{mine[0]}")
        shoot(page, f"score-locked-{name}")
        context.close()


def test_judge_moves_between_entries_and_the_list_while_offline(world, live_server, browser):
    """Issue 12 item 7: once the list was opened online, the list and every entry page open
    without the network (service worker /judging/sw.js); scores entered offline are queued,
    the list says which are unsent, and they go out once the connection is back."""
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge_id = panel.judges["judge"]
    first, second = assigned_to(world, judge_id)[:2]
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "judge")
    page.goto(f"{live_server}/judging/")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== undefined")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "() => Number(document.documentElement.getAttribute('data-offline-pages')) >= 3", timeout=10000
    )

    context.set_offline(True)
    page.locator(f'a[href="/judging/entries/{second}"]').tap()  # never opened before: from the cache
    page.wait_for_selector("#score-page")
    tap_points(page, "innovation", "6")
    page.wait_for_selector('#save-state[data-state="queued"]', timeout=10000)
    page.locator("a.crumb-back").tap()  # back to the list, still offline
    page.wait_for_selector("#judge-list")
    card = page.locator(f'a[data-entry-id="{second}"] .local-state')
    card.wait_for()
    page.wait_for_function(
        f"() => document.querySelector('a[data-entry-id=\"{second}\"] .local-state').textContent === '未发送，联网后自动提交'"
    )
    assert "local-queued" in card.get_attribute("class")
    assert sheet(world, second, judge_id) is None  # nothing reached the server
    # a page that was never cached answers with the offline page, not the browser's error
    page.goto(f"{live_server}/judging/entries/999999")
    assert "网络已断开" in page.inner_text("body") and page.locator('a[href="/judging/"]').count() >= 1

    context.set_offline(False)
    page.goto(f"{live_server}/judging/")
    page.wait_for_function(
        f"() => document.querySelector('a[data-entry-id=\"{second}\"] .local-state').textContent === '已补发'",
        timeout=15000,
    )
    assert sheet(world, second, judge_id)["points"] == {"innovation": "6"}
    assert errors == []
    context.close()


def test_a_sheet_completed_offline_counts_as_scored_and_unsent(world, live_server, browser):
    """The "已评" counts move when a complete sheet is queued offline: on the scoring page and on
    the list (from the cache), shown as not sent yet; once sent, the server's count takes over."""
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge_id = panel.judges["judge"]
    mine = assigned_to(world, judge_id)
    first = mine[0]
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "judge")
    page.goto(f"{live_server}/judging/")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "() => Number(document.documentElement.getAttribute('data-offline-pages')) >= 3", timeout=10000
    )
    context.set_offline(True)
    page.locator(f'a[href="/judging/entries/{first}"]').tap()
    page.wait_for_selector("#score-page")
    assert page.inner_text("#scored-count") == "已评 0"
    tap_points(page, "innovation", "8")
    tap_points(page, "scientific", "7")
    page.wait_for_selector('#save-state[data-state="queued"]', timeout=10000)
    assert page.inner_text("#scored-count") == "已评 0"  # not complete yet: not counted
    tap_points(page, "practical", "6")
    page.wait_for_function(
        "() => document.getElementById('scored-count').textContent === '已评 1（其中 1 个未发送）'", timeout=5000
    )
    assert "has-unsent" in page.get_attribute("#scored-count", "class")
    page.locator("a.crumb-back").tap()  # the list, from the cache
    page.wait_for_selector("#judge-list")
    page.wait_for_function(
        f"() => document.querySelector('.judge-event .scored-count').textContent === '已评 1 / {len(mine)}（其中 1 个未发送）'",
        timeout=5000,
    )
    assert sheet(world, first, judge_id) is None
    context.set_offline(False)
    page.goto(f"{live_server}/judging/")
    page.wait_for_function(
        f"() => document.querySelector('.judge-event .scored-count').textContent === '已评 1 / {len(mine)}'",
        timeout=60000,  # the outbox sends once the page is back online (or on its 10 s retry): slow on a loaded machine
    )
    # 8/10*40 + 7/10*30 + 6/10*30 = 71.00
    assert page.inner_text(f'a[data-entry-id="{first}"] .total') == "71.00"
    assert sheet(world, first, judge_id)["complete"] is True
    assert errors == []
    context.close()


def test_the_small_share_warning_spans_the_settings_form_on_a_tablet(world, live_server, browser):
    """A fresh user's finding: at 1024 px the yellow "0.15 % -- did you mean 15 %?" warning took the first
    grid column of the settings form and left a big blank block beside it."""
    from tests import factories

    factories.judged_event(world, entries=4, judges=1)
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    query = "preview=1&award_first=0.15&award_second=25&award_third=35"
    page.goto(f"{live_server}/events/{world.event_id}/judging/results?{query}")
    warning = page.locator("#small-shares").bounding_box()
    form = page.locator("#settings-form").bounding_box()
    assert warning is not None and form is not None
    assert abs(warning["width"] - form["width"]) <= 2, (warning, form)
    context.close()


def test_the_list_says_when_offline_scoring_is_ready(world, live_server, browser):
    """A fresh user's finding: going offline 2 s after logging in, 下一个 showed "这一页还没有在联网时
    打开过". The list now counts its prefetch ("正在准备离线评分 n/total …") and says "已可离线评分"
    once every page is cached and the service worker is active."""
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    total = 1 + len(assigned_to(world, panel.judges["judge"]))  # the list and each entry page
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="zh-CN")
    page = context.new_page()
    seen: list[str] = []
    page.expose_function("recordStatus", lambda text: seen.append(text))
    page.add_init_script(
        "new MutationObserver(() => { const el = document.getElementById('offline-status');"
        " if (el && !el.hidden) window.recordStatus(el.textContent); })"
        ".observe(document, {subtree: true, childList: true, characterData: true, attributes: true});"
    )
    log_in(page, live_server, "judge")
    page.goto(f"{live_server}/judging/")
    page.wait_for_selector('#offline-status[data-state="ready"]', timeout=15000)
    assert page.inner_text("#offline-status") == "已可离线评分"
    assert page.get_attribute("html", "data-offline-pages") == str(total)
    assert any(re.fullmatch(rf"正在准备离线评分 \d+/{total} …", text) for text in seen), seen
    # offline now, every entry page opens from the cache
    context.set_offline(True)
    page.locator("a[data-entry-id] >> nth=-1").tap()
    page.wait_for_selector("#score-page")
    context.close()
