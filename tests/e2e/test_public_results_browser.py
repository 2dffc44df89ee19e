"""The public results page on a phone (issue 19: "a fresh user on a phone opens the results page of
a large published event and finds their school at once"): typing filters the rows already on the
page (app/static/results-filter.js) and only the matching rows stay visible, also where the phone
layout stacks each row as a block."""

from __future__ import annotations

from tests.e2e.conftest import PHONE
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import awarded


def test_typing_on_a_phone_leaves_only_the_matching_rows(world, live_server, browser):
    awarded(world, finalize=False)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/results/{world.event_id}")
    rows = "details.result-group tbody tr"
    assert page.locator(rows).count() == 4
    page.fill("input[name=q]", "红树林")
    page.wait_for_function("() => !document.getElementById('result-found').hidden", timeout=5000)
    visible = [r for r in page.locator(rows).all() if r.is_visible()]
    assert [r.inner_text().count("红树林的秘密") for r in visible] == [1]  # the other three are hidden, not only marked
    assert "找到 1 个" in page.inner_text("#result-found")
    page.fill("input[name=q]", "")
    page.wait_for_function("() => document.getElementById('result-found').hidden", timeout=5000)
    context.close()
