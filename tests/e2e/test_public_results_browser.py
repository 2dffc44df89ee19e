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


def _visible_rows(page):
    return [r for r in page.locator("details.result-group tbody tr").all() if r.is_visible()]


def _group_counts(page):
    """{group heading: the count it shows} of the groups on screen."""
    counts = {}
    for group in page.locator("details.result-group").all():
        if group.is_visible():
            counts[group.get_attribute("data-category") + group.get_attribute("data-division")] = group.locator(
                "summary small"
            ).inner_text()
    return counts


def test_a_parent_finds_school_and_child_in_any_order_and_the_groups_count_what_is_shown(world, live_server, browser):
    # MA 初中: 校园雨水花园的设计 (海口市第一中学), 红树林的秘密 (海南华侨中学), 珊瑚白化的观察 (三亚市第一中学);
    # PH 高中: 智能浇花器 (海口市第一中学, 张三)
    awarded(world, finalize=False)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/results/{world.event_id}")
    assert _group_counts(page) == {"MA初中": "3 个", "PH高中": "1 个"}
    page.fill("input[name=q]", "海口市第一中学")
    page.wait_for_function(
        "() => document.getElementById('result-found').textContent.includes('找到 2 个')", timeout=5000
    )
    # each group says how many of its rows are shown, not how many it has (1 of MA 初中's 3)
    assert _group_counts(page) == {"MA初中": "1 个", "PH高中": "1 个"}
    page.fill("input[name=q]", "张三 海口市第一中学")  # the child's name first, then the school
    page.wait_for_function(
        "() => document.getElementById('result-found').textContent.includes('找到 1 个')", timeout=5000
    )
    assert [r.locator("strong").inner_text() for r in _visible_rows(page)] == ["智能浇花器"]
    assert _group_counts(page) == {"PH高中": "1 个"}
    page.fill("input[name=q]", "")
    page.wait_for_function("() => document.getElementById('result-found').hidden", timeout=5000)
    assert _group_counts(page) == {"MA初中": "3 个", "PH高中": "1 个"}  # the full counts again
    context.close()

    # without JavaScript the form goes to the server, which reads the words the same way
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/results/{world.event_id}")
    page.fill("input[name=q]", "张三 海口市第一中学")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    assert [r.locator("strong").inner_text() for r in _visible_rows(page)] == ["智能浇花器"]
    assert _group_counts(page) == {"PH高中": "1 个"}
    context.close()


def test_a_result_on_a_phone_is_a_compact_card(world, live_server, browser):
    # a school's 40-odd winners on one phone page: rank, award and score share the card's first
    # line, the title has the second, students and school share the third when they fit
    awarded(world, finalize=False)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/results/{world.event_id}?q=" + "智能浇花器")
    row = _visible_rows(page)[0]
    cells = [row.locator("td").nth(i).bounding_box() for i in range(6)]
    rank, award, title, students, school, score = cells
    assert abs(rank["y"] - award["y"]) < 4 and abs(rank["y"] - score["y"]) < 4  # one line
    assert title["y"] >= rank["y"] + rank["height"] - 1  # below it
    assert abs(students["y"] - school["y"]) < 4 and students["y"] >= title["y"] + title["height"] - 1
    assert score["x"] > award["x"] + award["width"]  # the score at the line's end
    assert "张三" in row.locator("td").nth(3).inner_text() and "海口市第一中学" in row.locator("td").nth(4).inner_text()
    context.close()
