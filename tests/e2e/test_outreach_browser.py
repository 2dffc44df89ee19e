"""大手拉小手 in Chromium, end to end: the office plans a week's tour on a tablet (preview, draft, a talk
moved, confirmed, an itinerary opened); the school, on a phone, finds the talk to confirm on its home page
and confirms it with the audience, a rating and a photo; the expert, on a phone, records the hours from
the home page. Nothing is wider than the phone's screen; no CSP violation."""

from __future__ import annotations

import datetime as dt

from tests.competitions.outreach.conftest import monday_in, outreach  # noqa: F401 - fixture
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE

TABLET = {"width": 1024, "height": 768}
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 400


def _log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _no_overflow(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url}: {overflow}px wider than the screen"


def test_a_tour_planned_confirmed_and_delivered_in_the_browser(world, outreach, live_server, browser, tmp_path):  # noqa: F811
    wang = outreach.expert("王海洋", username="expert1", generally_available=True, affiliation="海南大学")
    ocean = outreach.topic(wang["id"], "珊瑚礁的秘密", divisions=["小学", "初中"], subject="海洋")
    outreach.request("hk01", weeks=(4,), topic_id=ocean["id"], hall="报告厅")
    outreach.request("hk02", weeks=(4,), subject="海洋")
    monday = monday_in(4)

    # the office plans the week on a tablet
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = _log_in(context, live_server, "org")
    page.goto(f"{live_server}/outreach/tours")
    page.fill("input[name=name]", "海口一周巡讲")
    page.fill("input[name=starts_on]", monday.isoformat())
    page.fill("input[name=ends_on]", (monday + dt.timedelta(days=4)).isoformat())
    page.click("button[value=preview]")
    page.wait_for_load_state()
    assert page.locator("#preview tbody tr").count() == 2
    page.click("button[value=create]")
    page.wait_for_load_state()
    assert "/outreach/tours/" in page.url and "已生成巡讲草案" in page.inner_text("main")
    tour_url = page.url
    # HK02's talk moves to Wednesday
    row = page.locator("tr", has_text="海南华侨中学")
    row.locator("summary", has_text="调整").click()
    wednesday = (monday + dt.timedelta(days=2)).isoformat()
    row.locator("select[name=on_date]").select_option(wednesday)
    row.locator("button", has_text="保存").click()
    page.wait_for_load_state()
    assert "已调整。" in page.inner_text("body")
    page.click("text=确认巡讲并通知学校和专家")
    page.wait_for_load_state()
    assert "巡讲已确认" in page.inner_text("body")
    itinerary = page.locator("a[href$='itinerary.pdf']").first.get_attribute("href")
    pdf = page.request.get(f"{live_server}{itinerary}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    context.close()
    talks = {t["school_code"]: t for t in outreach.call("GET", "/talks").json()}
    assert talks["HK02"]["on_date"] == wednesday and tour_url.endswith(str(talks["HK02"]["tour_id"]))

    # the talk at HK01 took place yesterday
    from app.times import local_now
    from competitions.outreach.tables import Talk

    talk = talks["HK01"]["id"]
    world.run(Talk.update({Talk.on_date: local_now().date() - dt.timedelta(days=1)}).where(Talk.id == talk))

    # the school confirms it on a phone, from its home page, with a photo
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(JPEG)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = _log_in(context, live_server, "hk01")
    _no_overflow(page)
    page.click("text=确认报告情况")
    page.wait_for_load_state()
    assert page.url.endswith(f"/outreach/talks/{talk}#confirm")
    page.fill("input[name=audience]", "230")
    page.check("input[name=rating][value='4']")
    page.fill("textarea[name=comment]", "学生们很喜欢")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button:has-text('确认报告已举行')")
    page.wait_for_load_state()
    assert "已确认报告情况" in page.inner_text("body")
    assert page.locator(".photos img").count() == 1
    _no_overflow(page)
    page.goto(f"{live_server}/")
    assert page.locator("text=确认报告情况").count() == 0
    context.close()
    got = outreach.call("GET", f"/talks/{talk}").json()
    assert (got["status"], got["audience"], got["rating"], got["comment"], got["photos"]) == (
        "delivered",
        230,
        4,
        "学生们很喜欢",
        1,
    )

    # the expert records the hours on a phone, from the home page
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = _log_in(context, live_server, "expert1")
    assert "请记录工作时长" in page.inner_text("main")
    _no_overflow(page)
    form = page.locator(f"form[action='/outreach/talks/{talk}/hours']")
    form.locator("input[name=hours]").fill("abc")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "工作时长应大于 0、不超过 12 小时" in page.inner_text("body")
    page.locator(f"form[action='/outreach/talks/{talk}/hours'] input[name=hours]").fill("2.5")
    page.locator(f"form[action='/outreach/talks/{talk}/hours'] button").click()
    page.wait_for_load_state()
    assert "已记录工作时长。" in page.inner_text("body") and "请记录工作时长" not in page.inner_text("main")
    context.close()
    assert outreach.call("GET", f"/talks/{talk}").json()["hours"] == "2.5"
