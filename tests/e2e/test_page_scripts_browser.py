"""Issue 11 item 9: scripts that were inline in templates now live in app/static (page.js,
rubric.js); they still work under the Content-Security-Policy (the e2e conftest fails a test on
any CSP violation)."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.e2e.conftest import TABLET
from tests.factories import competitions as factories


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_confirm_before_deleting_a_session_and_the_rubric_editor(world, live_server, browser, run):
    from competitions.checkin.tables import CheckinSession

    session = factories.checkin_session(world, "开幕式")
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server, "org")

    # page.js: a form with data-confirm asks first; "cancel" keeps the session
    dialogs: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"{live_server}/checkin/")
    page.click(f"form[action='/checkin/{session['id']}/delete'] >> xpath=ancestor::details/summary")
    page.click(f"form[action='/checkin/{session['id']}/delete'] button")
    page.wait_for_timeout(300)
    assert dialogs == ["删除这个签到场次？"]
    assert run(CheckinSession.count().where(CheckinSession.id == session["id"])) == 1
    answer["accept"] = True
    page.click(f"form[action='/checkin/{session['id']}/delete'] button")
    page.wait_for_load_state()
    assert len(dialogs) == 2
    assert run(CheckinSession.count().where(CheckinSession.id == session["id"])) == 0

    # rubric.js: the weights' sum follows typing; "add a row" adds a blank row
    page.goto(f"{live_server}/events/{world.event_id}/judging/rubric")
    blank = page.locator("tr.blank-row")
    before = blank.count()
    assert page.inner_text("#weight-sum") == "100"  # the event's default rubric adds up to 100
    weights = page.locator("tr.blank-row input.weight")
    weights.nth(0).fill("60")
    weights.nth(1).fill("25.5")
    assert page.inner_text("#weight-sum") == "185.5"  # 100 + 60 + 25.5
    page.click("#add-row")
    assert page.locator("tr.blank-row").count() == before + 1
    assert errors == []
    context.close()
