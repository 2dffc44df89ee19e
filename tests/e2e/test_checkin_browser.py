"""Check-in staff scan badges on a phone-sized browser window: a USB scanner typing into the
page (Enter or Tab, Caps Lock), forged and revoked credentials, a dropped connection with
scans queued on the phone and sent once, a reload while offline (the service worker), the
input-method warning and clearing, typing a code by hand on a touch screen, check-in by name
with a confirmation (and members of entries that are not approved refused), undoing a
mistaken check-in, the session's time window, and the camera (Chromium's fake camera showing
a badge's QR code).

Set ``XINMIAO_SCREENSHOTS=/some/dir`` to also save screenshots of the scan page at phone and
tablet sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from competitions.checkin import credentials
from competitions.checkin import services as checkin
from competitions.checkin.tables import Checkin, RejectedScan
from competitions.events import services as events
from competitions.registration import services as registration
from competitions.registration.tables import Member
from tests import factories
from tests.competitions.checkin.test_credentials import forge
from tests.conftest import gb11643
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TABLET
from tests.e2e.test_judging_browser import log_in
from tests.judging.pages import build_panel

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"checkin-{name}.png"), full_page=True)


class Door:
    """Five approved entries of the event (build_panel), a session 报到 and the staff account."""

    def __init__(self, world):
        self.world = world
        build_panel(world, judges=False)
        rows = world.run(
            Member.select(Member.id, Member.name, Member.credential_generation).where(Member.event == world.event_id)
        )
        self.ids = {r["name"]: r["id"] for r in rows}
        self.session = world.run(checkin.create_session(world.org, world.event_id, "报到", location="体育馆东门"))
        self.url = f"/checkin/{self.session['id']}/scan"

    def other_event_member(self) -> str:
        """周九, a student of the previous year's contest: his badge is not for this event."""
        other = self.world.run(
            events.create_event(
                self.world.org, {"name": "2025年海南省青少年科技创新大赛", "kind": "innovation", "year": 2025}
            )
        )
        entry = factories.entry(
            self.world,
            "SY01",
            event_id=other["id"],
            title="椰林防风结构",
            category="PH",
            students=[
                factories.student("周九", id_number=gb11643("46020020110315121"), phone="13900000121", publication=True)
            ],
        )
        self.ids["周九"] = entry["members"][0]["id"]
        return "周九"

    def credential(self, name: str) -> str:
        return self.world.run(credentials.member_credential(self.world.org, self.ids[name]))

    def checkins(self) -> dict[str, dict]:
        rows = self.world.run(Checkin.select().where(Checkin.checkin_session == self.session["id"]))
        names = {v: k for k, v in self.ids.items()}
        return {names[r["member"]]: r for r in rows}

    def count(self) -> int:
        return self.world.run(Checkin.count().where(Checkin.checkin_session == self.session["id"]))


def open_scan_page(browser, base: str, door: Door, viewport=PHONE, clock: bool = False):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    if clock:  # the page's timers under the test's control (time still runs by itself)
        context.clock.install()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "staff")
    page.goto(base + door.url)
    page.wait_for_selector("#result[data-result=idle]")
    return context, page, errors


def scan(page, text: str, suffix: str = "Enter") -> None:
    """What a USB scanner does: types the text, then Enter or Tab."""
    page.locator("#scan-input").focus()
    page.keyboard.type(text)
    page.keyboard.press(suffix)


def wait_result(page, result: str, name: str | None = None) -> None:
    page.wait_for_selector(f"#result[data-result={result}]", timeout=10000)
    if name is not None:
        page.wait_for_function("n => document.getElementById('result-name').textContent === n", arg=name, timeout=5000)


def panel(page) -> dict[str, str]:
    return {k: page.inner_text(f"#result-{k}") for k in ("title", "name", "school", "entry", "detail")}


def recent(page) -> list[tuple[str, str]]:
    """(state, name-or-token) of the recent scans, newest first."""
    return [
        tuple(x)
        for x in page.evaluate("""() => Array.from(document.querySelectorAll('#recent li')).map(
        li => [li.dataset.state, li.querySelector('.recent-who strong').textContent])""")
    ]


def queued_count(page) -> int:
    return int(page.get_attribute("#queue-count", "data-count"))


def recent_times(page) -> list[tuple[str, str]]:
    """(source, text) of the recent scans' times: "server", "device" (not answered yet, marked
    本机时间) or "scan" (the device's time of a scan that is final without a server time:
    refused by the server or on the spot)."""
    return [
        tuple(x)
        for x in page.evaluate("""() => Array.from(document.querySelectorAll('#recent li .recent-time')).map(
        t => [t.dataset.source, t.textContent])""")
    ]


def first_time(row: dict) -> str:
    return row["checked_in_at"].astimezone(SHANGHAI).strftime("%H:%M")


def add_entry(world, door: Door, school: str, title: str, students: list[str], actor=None) -> dict:
    """Another entry of the event (approved when the organizer creates it, a draft when a
    school does); its members are added to ``door.ids``."""
    entry = factories.entry(world, school, by=actor, title=title, category="PH", students=students)
    door.ids.update({m["name"]: m["id"] for m in entry["members"] if m["role"] == "student"})
    return entry


def test_usb_scanner_enter_tab_caps_lock_repeat_and_forged(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    assert page.inner_text("h1") == "报到"
    assert "2026年海南省青少年科技创新大赛" in page.inner_text(".checkin-meta") and "体育馆东门" in page.inner_text(
        ".checkin-meta"
    )
    assert page.evaluate("document.activeElement.id") == "scan-input"  # ready for the scanner
    assert page.inner_text("#queue-count") == "全部已上传" and queued_count(page) == 0
    assert page.is_hidden("#window-banner")  # a session without a time window
    shoot(page, "phone-idle")

    # lower case (Caps Lock off on a scanner that sends lower case) + Enter
    scan(page, door.credential("张三丰").lower())
    wait_result(page, "checked_in", "张三丰")
    assert panel(page) == {
        "title": "签到成功",
        "name": "张三丰",
        "school": "海口市第一中学 · 学生",
        "entry": "PH-J0001 椰壳纤维的隔热性能研究",
        "detail": "",
    }
    assert page.input_value("#scan-input") == ""
    shoot(page, "phone-checked-in")

    # Caps Lock style upper case with a Tab suffix: the focus stays in the scanner field
    scan(page, door.credential("李四"), "Tab")
    wait_result(page, "checked_in", "李四")
    assert page.evaluate("document.activeElement.id") == "scan-input"
    assert page.input_value("#scan-input") == ""

    # the same badge again: already checked in, with the first time, in another colour
    scan(page, door.credential("张三丰"))
    wait_result(page, "already_checked_in", "张三丰")
    rows = door.checkins()
    assert set(rows) == {"张三丰", "李四"}
    assert panel(page)["title"] == f"已于 {first_time(rows['张三丰'])} 签到"
    assert (
        page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") != "rgb(27, 127, 59)"
    )  # not the green of a first check-in
    shoot(page, "phone-already")

    # a forged credential: several characters changed (one changed character is a typo)
    genuine = door.credential("王五")
    forged = forge(genuine)
    scan(page, forged)
    wait_result(page, "invalid")
    assert panel(page)["title"] == "无效凭证"
    assert panel(page)["detail"] == "凭证签名无效：此二维码是伪造或被改动过的。"
    assert page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") == "rgb(198, 40, 40)"
    shoot(page, "phone-forged")

    # text that is no credential at all (another QR code, a stray keystroke) is refused on the spot
    scan(page, "https://example.com/x")
    wait_result(page, "invalid")
    assert panel(page)["detail"] == "这不是新苗的参赛凭证二维码。"
    assert page.input_value("#scan-input") == ""  # cleared: the next scan is not appended to it

    # a genuine badge of another event
    scan(page, door.credential(door.other_event_member()))
    wait_result(page, "wrong_event", "周九")
    assert panel(page)["title"] == "不是本活动的凭证" and panel(page)["school"] == "三亚市第一中学 · 学生"

    assert [s for s, _ in recent(page)] == [
        "wrong_event",
        "invalid",
        "invalid",
        "already_checked_in",
        "checked_in",
        "checked_in",
    ]
    assert [n for _, n in recent(page)][3:] == ["张三丰", "李四", "张三丰"]
    assert door.count() == 2 and "王五" not in door.checkins()
    forged_rows = world.run(RejectedScan.select().where(RejectedScan.checkin_session == door.session["id"]))
    assert sorted(r["result"] for r in forged_rows) == ["forged", "wrong_event"]
    assert door.checkins()["张三丰"]["device"] == "门口1" and door.checkins()["张三丰"]["method"] == "qr"
    # times: the server's check-in time where it answered with one, the device's (marked) otherwise
    rows = door.checkins()
    times = recent_times(page)
    assert times[3:] == [
        ("server", first_time(rows["张三丰"])),
        ("server", first_time(rows["李四"])),
        ("server", first_time(rows["张三丰"])),
    ]
    # the server answered the forged and the other event's badge, the URL was refused on the
    # spot: final, so none of them is marked as the device's unconfirmed time
    assert [src for src, _ in times[:3]] == ["scan"] * 3
    assert all(re.fullmatch(r"\d\d:\d\d", t) for _, t in times[:3])
    assert page.locator("#recent li .device-time").count() == 0
    assert errors == []
    context.close()


def test_scans_queued_offline_are_sent_once_and_revoked_ones_reported(world, live_server, browser):
    door = Door(world)
    old_sun = door.credential("孙八")
    world.run(credentials.reissue_credential(world.org, door.ids["孙八"], "参赛证遗失"))
    context, page, errors = open_scan_page(browser, live_server, door)
    page.fill("#device-name", "东门2")
    page.dispatch_event("#device-name", "change")

    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online=false]")
    for name in ("王五", "赵小六", "钱七"):
        scan(page, door.credential(name))
        wait_result(page, "queued")
        assert panel(page)["title"] == "已排队，待联网确认"
    assert queued_count(page) == 3 and page.inner_text("#queue-count") == "待上传 3 条"
    # not answered yet: the device's time, marked as such (in the event's time zone)
    assert [src for src, _ in recent_times(page)] == ["device"] * 3
    assert all(re.fullmatch(r"\d\d:\d\d 本机时间", t) for _, t in recent_times(page))
    assert page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") == "rgb(245, 180, 0)"
    shoot(page, "phone-queued")
    # the same badge twice while offline, and a revoked credential
    scan(page, door.credential("王五"))
    scan(page, old_sun.lower(), "Tab")
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '5'")
    stored = page.evaluate("""() => Object.keys(localStorage).filter(k => k.startsWith('xinmiao:checkin:')
        && k.indexOf(':q:') > 0).map(k => JSON.parse(localStorage.getItem(k)))""")
    assert len(stored) == 5 and len({s["id"] for s in stored}) == 5
    assert all(
        s["device"] == "东门2" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", s["scannedAt"])
        for s in stored
    )
    assert all(
        k.startswith(f"xinmiao:checkin:{door.session['id']}:q:")
        for k in page.evaluate("Object.keys(localStorage)")
        if ":q:" in k
    )
    assert door.count() == 0  # nothing reached the server

    # back online: every queued scan is sent, the panel turns into the real answer
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    wait_result(page, "revoked", "孙八")
    # the server's reason is the main line
    assert (
        panel(page)["title"] == "凭证已作废（已补发新凭证）：请使用新参赛证或到服务台" and panel(page)["detail"] == ""
    )
    assert recent(page) == [
        ("revoked", "孙八"),
        ("already_checked_in", "王五"),
        ("checked_in", "钱七"),
        ("checked_in", "赵小六"),
        ("checked_in", "王五"),
    ]
    assert page.inner_text("#queue-count") == "全部已上传"
    rows = door.checkins()
    assert sorted(rows) == sorted(["王五", "赵小六", "钱七"]) and door.count() == 3
    # answered: the server's times (the revoked scan has none: it stays the device's)
    assert recent_times(page)[1:] == [("server", first_time(rows[n])) for n in ("王五", "钱七", "赵小六", "王五")]
    assert recent_times(page)[0][0] == "scan" and re.fullmatch(r"\d\d:\d\d", recent_times(page)[0][1])
    assert page.locator("#recent li .device-time").count() == 0
    assert all(r["device"] == "东门2" for r in rows.values())
    # each check-in carries the phone's time of the scan, not the time it was sent
    stored_by_id = {s["id"]: s for s in stored}
    for r in rows.values():
        assert r["client_scan_id"] in stored_by_id
        assert r["checked_in_at"] == dt.datetime.fromisoformat(stored_by_id[r["client_scan_id"]]["scannedAt"])
    revoked = world.run(RejectedScan.select().where(RejectedScan.checkin_session == door.session["id"]))
    assert [(r["result"], r["member"]) for r in revoked] == [("revoked", door.ids["孙八"])]
    shoot(page, "phone-synced")

    # the answer never arrives: the scan stays queued, survives a reload and is sent by the retry
    def lost(route):  # the scan requests fail; the page itself still loads
        if route.request.method == "POST":
            route.abort("failed")
        else:
            route.continue_()

    page.route("**/checkin/*/scan", lost)
    scan(page, door.credential("椰壳老师"))
    wait_result(page, "queued")
    page.reload()
    page.wait_for_selector("#result[data-result=idle]")
    assert queued_count(page) == 1 and recent(page)[0][0] == "queued"
    assert door.count() == 3
    page.unroute("**/checkin/*/scan")
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    assert recent(page)[0] == ("checked_in", "椰壳老师")
    assert door.count() == 4 and door.checkins()["椰壳老师"]["device"] == "东门2"

    # a replay of what was already sent (an answer lost on the way back) is stored once
    replay = {**stored[0]}
    page.evaluate(
        "([k, v]) => localStorage.setItem(k, v)",
        [f"xinmiao:checkin:{door.session['id']}:q:{replay['id']}", json.dumps(replay)],
    )
    page.reload()
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    assert door.count() == 4

    # logged out (session ended): the scan is kept and the operator asked to log in again
    context.clear_cookies()
    scan(page, door.credential("简易老师"))
    wait_result(page, "queued")
    assert page.is_visible("#auth-warning") and "登录已失效" in page.inner_text("#auth-warning")
    assert panel(page)["detail"] == "请重新登录后继续；本机已保存的扫码不会丢失，登录后自动上传。"
    assert queued_count(page) == 1 and door.count() == 4
    log_in(page, live_server, "staff")
    page.goto(live_server + door.url)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    assert recent(page)[0] == ("checked_in", "简易老师") and page.is_hidden("#auth-warning")
    assert door.count() == 5
    assert errors == []
    context.close()


def test_chinese_input_method_is_detected_and_its_leftovers_cleared(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    assert page.is_hidden("#ime-warning")
    page.dispatch_event("#scan-input", "compositionstart")
    assert page.is_visible("#ime-warning")
    assert "按 Shift 或 Ctrl+空格 切换到英文输入法" in page.inner_text("#ime-warning")
    page.dispatch_event("#scan-input", "compositionend")
    wait_result(page, "ime")
    # what an input method makes of the scanner's keystrokes: Chinese text, then Enter
    scan(page, "学妈")
    wait_result(page, "ime")
    assert panel(page)["title"] == "无法识别：输入法拦截了扫码内容"
    assert panel(page)["detail"] == "请切换到英文输入法后重新扫码。"
    assert page.is_visible("#ime-warning") and door.count() == 0
    page.wait_for_function("() => document.getElementById('scan-input').value === ''")
    shoot(page, "phone-ime")

    # a real composition (pinyin letters held by the input method), one part committed as
    # Chinese and the rest left half-composed when the keys stop: all of it is cleared
    cdp = context.new_cdp_session(page)
    page.locator("#scan-input").focus()
    cdp.send("Input.imeSetComposition", {"text": "xm", "selectionStart": 2, "selectionEnd": 2})
    cdp.send("Input.insertText", {"text": "学"})
    cdp.send("Input.imeSetComposition", {"text": "abcd", "selectionStart": 4, "selectionEnd": 4})
    assert "学" in page.input_value("#scan-input")
    page.wait_for_function("() => document.getElementById('scan-input').value === ''", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "scan-input"
    # switched to English input: the next scan goes through on an empty field, the warning goes away
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    assert page.is_hidden("#ime-warning") and page.input_value("#scan-input") == ""
    assert door.count() == 1

    # committed ASCII leftovers (an input method that commits the raw letters) are cleared too
    page.locator("#scan-input").focus()
    cdp.send("Input.imeSetComposition", {"text": "xmabc", "selectionStart": 5, "selectionEnd": 5})
    cdp.send("Input.insertText", {"text": "xmabc"})
    page.wait_for_function("() => document.getElementById('scan-input').value === ''", timeout=5000)
    assert page.is_visible("#ime-warning")
    scan(page, door.credential("钱七"))
    wait_result(page, "checked_in", "钱七")
    assert door.count() == 2
    assert [st for st, _ in recent(page)] == ["checked_in", "ime", "checked_in", "ime", "ime", "ime"]
    assert errors == []
    context.close()


def _search(page, text: str, rows: int) -> None:
    page.fill("#search-input", text)
    page.wait_for_function(
        "n => document.querySelectorAll('#search-results li').length === n && "
        "document.getElementById('search-message').hidden",
        arg=rows,
    )


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= -1 && r.top < window.innerHeight && r.bottom > 0; }""",
        selector,
    )


def test_search_by_name_confirms_before_checking_in(world, live_server, browser):
    door = Door(world)
    world.run(checkin.scan(world.principal("staff"), door.session["id"], door.credential("张三丰"), device="门口2"))
    first = first_time(door.checkins()["张三丰"])
    # another 钱七, at another school
    other = add_entry(world, door, "SY01", "海岛淡水透镜", ["钱七"])
    other_qian = other["members"][0]["id"]
    context, page, errors = open_scan_page(browser, live_server, door)
    _search(page, "钱七", 2)
    rows = page.locator("#search-results li")
    texts = [rows.nth(i).inner_text() for i in range(2)]
    assert any("海南华侨中学" in t and "PH-J0004 台风路径的概率模型" in t for t in texts)
    assert any("三亚市第一中学" in t and "海岛淡水透镜" in t for t in texts)
    shoot(page, "phone-search")
    row = page.locator(f'#search-results li[data-member-id="{other_qian}"]')
    # one tap does not check in: it asks first, large, with school, entry and role
    row.locator("button.checkin-button").click()
    box = row.locator(".confirm-box")
    box.wait_for()
    assert box.locator(".confirm-title").inner_text() == "确认为此人签到？"
    assert box.locator(".confirm-name").inner_text() == "钱七 学生"
    assert box.locator(".confirm-school").inner_text() == "三亚市第一中学"
    assert box.locator(".confirm-entry").inner_text() == f"{other['code']} 海岛淡水透镜"
    assert [b.inner_text() for b in box.locator("button").all()] == ["确认签到", "取消"]
    assert page.locator(".confirm-box").count() == 1
    shoot(page, "phone-confirm")
    page.wait_for_timeout(500)
    assert door.count() == 1 and page.get_attribute("#result", "data-result") == "idle"
    box.locator("button.confirm-no").click()
    assert page.locator(".confirm-box").count() == 0 and door.count() == 1
    # confirmed: checked in, and the big result comes into view
    row.locator("button.checkin-button").click()
    page.click(".confirm-box button.confirm-yes")
    wait_result(page, "checked_in", "钱七")
    assert panel(page)["school"] == "三亚市第一中学 · 学生" and panel(page)["entry"] == f"{other['code']} 海岛淡水透镜"
    page.wait_for_function(
        """() => { const r = document.getElementById('result').getBoundingClientRect();
        return scrollY > 0 && r.top >= -10 && r.top < 80; }""",
        timeout=5000,
    )
    shoot(page, "phone-confirmed")
    rows_db = world.run(Checkin.select().where(Checkin.checkin_session == door.session["id"]))
    assert sorted(r["member"] for r in rows_db) == sorted([door.ids["张三丰"], other_qian])
    assert [r for r in rows_db if r["member"] == other_qian][0]["method"] == "manual"
    checked = page.locator(f'#search-results li[data-member-id="{other_qian}"] .checked-badge')
    checked.wait_for()
    checkin_time = first_time([r for r in rows_db if r["member"] == other_qian][0])
    assert checked.inner_text() == f"{checkin_time} 已签到"
    assert recent_times(page) == [("server", checkin_time)]

    # someone already checked in shows the time instead of a button; a school finds its people
    _search(page, "海口市第一中学", 5)
    names = page.eval_on_selector_all("#search-results li .search-name", "els => els.map(e => e.textContent)")
    assert sorted(names) == sorted(["张三丰", "李四", "椰壳老师", "王五", "简易老师"])
    zhang = page.locator('#search-results li[data-member-id="%d"]' % door.ids["张三丰"])
    assert zhang.locator("button").count() == 0 and zhang.locator(".checked-badge").inner_text() == f"{first} 已签到"
    assert page.is_hidden("#search-more")
    # a scanner fired while the search box has the focus: taken as a scan
    page.fill("#search-input", "")
    page.locator("#search-input").focus()
    page.keyboard.type(door.credential("孙八").lower())
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "孙八")
    assert page.input_value("#search-input") == "" and page.evaluate("document.activeElement.id") == "scan-input"
    page.fill("#search-input", "没有这个人")
    page.wait_for_selector("#search-message:not([hidden])")
    assert page.inner_text("#search-message") == "没有找到匹配的人。"
    # more than 20 matches: the first 20 and a request to type more
    for n in "一二三四五六":
        add_entry(world, door, "HK02", f"椰林课题{n}", [f"椰林{n}{k}" for k in "甲乙丙"])
    _search(page, "椰", 20)  # 6 entries x 3 students + 张三丰, 李四 and 椰壳老师 (椰壳纤维...): 21
    assert page.is_visible("#search-more")
    assert page.inner_text("#search-more") == "结果超过 20 条，请输入更完整的姓名、作品编号或学校"
    _search(page, "椰林课题二", 3)
    assert page.is_hidden("#search-more")
    # the tablet layout
    page.set_viewport_size(TABLET)
    _search(page, "海南华侨中学", 20)  # 4 + the 18 students added above
    assert page.is_visible("#search-more")
    shoot(page, "tablet-search")
    assert errors == []
    context.close()


def test_members_of_entries_not_approved_are_refused_by_search_and_scan(world, live_server, browser):
    door = Door(world)
    draft = add_entry(world, door, "HK01", "未提交的作品", ["高家乐"], actor=world.principal("hk01"))
    assert draft["status"] == "draft"
    withdrawn = add_entry(world, door, "HK02", "退赛的作品", ["吉天佑"])
    world.run(registration.withdraw_entry(world.org, withdrawn["id"], "退赛"))
    context, page, errors = open_scan_page(browser, live_server, door)
    _search(page, "高家乐", 1)
    row = page.locator("#search-results li")
    assert row.locator("button").count() == 0
    assert row.locator(".status-badge").inner_text() == "作品未通过审查"
    assert row.locator(".status-note").inner_text() == "不能签到：请到服务台"
    shoot(page, "phone-not-approved")
    # a withdrawn entry's members are listed as not checkable too, with the reason
    page.fill("#search-input", "吉天佑")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#search-results .search-name'))"
        ".map(e => e.textContent).join() === '吉天佑'"
    )
    assert row.locator("button").count() == 0
    assert row.locator(".status-badge").inner_text() == "作品已撤回"
    assert row.locator(".status-note").inner_text() == "不能签到：请到服务台"
    # their badges are refused with the server's reason as the main line
    scan(page, door.credential("高家乐"))
    wait_result(page, "revoked", "高家乐")
    assert panel(page)["title"] == "作品未通过审查，不能签到：请到服务台"
    assert page.is_hidden("#undo-button")
    shoot(page, "phone-revoked-not-approved")
    scan(page, door.credential("吉天佑"))
    wait_result(page, "revoked", "吉天佑")
    assert panel(page)["title"] == "作品已撤回，不能签到"
    assert page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") == "rgb(198, 40, 40)"
    assert recent(page) == [("revoked", "吉天佑"), ("revoked", "高家乐")]
    assert door.count() == 0
    assert errors == []
    context.close()


def test_undo_a_mistaken_checkin(world, live_server, browser):
    from app.tables import AuditLog

    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    dialogs: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    assert page.is_visible("#undo-button") and page.inner_text("#undo-button") == "撤销"
    # asked first; "cancel" keeps the check-in
    page.click("#undo-button")
    assert dialogs == ["撤销 王五 的签到？撤销后此人算作未到场。"]
    page.wait_for_timeout(300)
    assert door.count() == 1 and page.get_attribute("#result", "data-result") == "checked_in"
    answer["accept"] = True
    page.click("#undo-button")
    wait_result(page, "undone", "王五")
    assert panel(page)["title"] == "已撤销签到" and panel(page)["detail"] == "王五 已改回未签到。"
    assert page.is_hidden("#undo-button")
    assert recent(page) == [("undone", "王五")] and page.inner_text("#recent li .recent-badge") == "已撤销"
    assert door.count() == 0
    audit = world.run(AuditLog.select().where(AuditLog.action == "checkin.undo"))
    assert len(audit) == 1 and audit[0]["reason"] == "签到页撤销（门口1）"
    shoot(page, "phone-undone")
    # scanned again: checked in again
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    assert door.count() == 1
    # an "already checked in" answer cannot be undone from here; the list offers undo only
    # for check-ins made on this device
    scan(page, door.credential("王五"))
    wait_result(page, "already_checked_in", "王五")
    assert page.is_hidden("#undo-button")
    assert page.locator("#recent li[data-state=checked_in] .undo-button").count() == 1
    assert page.locator("#recent li[data-state=already_checked_in] .undo-button").count() == 0
    assert page.locator("#recent li[data-state=undone] .undo-button").count() == 0
    # offline: undo needs the network
    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online=false]")
    page.click("#recent li[data-state=checked_in] .undo-button")
    page.wait_for_selector("#recent li[data-state=checked_in] .undo-error")
    assert page.inner_text("#recent li[data-state=checked_in] .undo-error") == "撤销需要联网，请联网后再试。"
    assert door.count() == 1 and len(dialogs) == 2
    context.set_offline(False)
    page.wait_for_selector("#net-state[data-online=true]")
    # from the recent list, online
    page.click("#recent li[data-state=checked_in] .undo-button")
    page.wait_for_function("() => document.querySelectorAll('#recent li[data-state=undone]').length === 2")
    assert door.count() == 0 and len(dialogs) == 3
    assert page.locator("#recent li .undo-error").count() == 0
    assert errors == []
    context.close()


def test_page_in_english_and_camera_needs_https_notice(world, live_server, browser):
    door = Door(world)
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    log_in(page, live_server, "staff")
    page.goto(f"{live_server}/lang/en?next={door.url}")
    page.goto(live_server + door.url)
    assert page.inner_text("#result-title") == "Ready to scan"
    assert page.inner_text("#camera-button") == "Scan with the camera"
    # 127.0.0.1 is a secure context: no HTTPS notice
    assert page.locator("#camera-insecure").count() == 0
    shoot(page, "phone-english")
    # the same page over plain HTTP on a LAN address says so and keeps the other ways
    world.login_page("staff")
    html = world.client.get(door.url, headers={"host": "192.168.1.20:8000"}).text
    assert "摄像头需要 HTTPS" in html and 'id="camera-button" class="camera-button wide" disabled' in html
    context.close()


def test_reload_while_offline_still_brings_up_the_scanner(world, live_server, browser):
    """Phones reload background tabs: a reload without network is answered by the service
    worker's copy of the page, the queue is shown and sent when the network is back."""
    door = Door(world)
    world.login_page("staff")
    sw = world.client.get("/checkin/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("application/javascript")
    assert sw.headers["cache-control"] == "no-cache" and "__ASSETS_VERSION__" not in sw.text
    # a device whose clock is in another time zone: times are still shown in the event's
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="America/New_York")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "staff")
    page.goto(live_server + door.url)
    page.wait_for_selector("#result[data-result=idle]")
    # wait until the service worker controls the page (it caches the open page on activation)
    page.evaluate("navigator.serviceWorker.ready")
    # a function, not a bare expression: Playwright evaluates bare expressions with eval(), which the CSP refuses
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10000)
    assert page.evaluate("document.getElementById('checkin-page').xinmiao.cachedCopy") is False
    cached = page.evaluate("""async () => {
        const out = [];
        for (const name of await caches.keys()) {
            for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
        }
        return out.sort(); }""")
    assert cached == sorted([door.url, "/static/app.css", "/static/checkin.js", "/static/vendor/jsqr/jsQR.js"])

    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online=false]")
    scan(page, door.credential("王五"))
    wait_result(page, "queued")
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("#result[data-result=idle]")
    assert page.evaluate("document.getElementById('checkin-page').xinmiao.cachedCopy") is True
    assert page.inner_text("#net-state") == "离线：扫码先保存在本机"
    assert queued_count(page) == 1 and recent(page)[0][0] == "queued"
    # the scanner works on the offline copy
    scan(page, door.credential("赵小六"))
    wait_result(page, "queued")
    assert queued_count(page) == 2 and page.inner_text("#queue-count") == "待上传 2 条"
    shanghai_now = dt.datetime.now(SHANGHAI)
    allowed = {(shanghai_now + dt.timedelta(minutes=d)).strftime("%H:%M") + " 本机时间" for d in (-1, 0, 1)}
    assert all(src == "device" and text in allowed for src, text in recent_times(page))
    shoot(page, "phone-offline-reload")
    assert door.count() == 0

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    assert recent(page) == [("checked_in", "赵小六"), ("checked_in", "王五")]
    rows = door.checkins()
    assert sorted(rows) == ["王五", "赵小六"] and door.count() == 2
    assert recent_times(page) == [("server", first_time(rows["赵小六"])), ("server", first_time(rows["王五"]))]
    # nothing else was cached: not the JSON endpoints, not other pages
    page.fill("#search-input", "王五")
    page.wait_for_selector("#search-results li")
    page.goto(live_server + "/checkin/")
    cached = page.evaluate("""async () => {
        const out = [];
        for (const name of await caches.keys()) {
            for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
        }
        return out.sort(); }""")
    assert cached == sorted([door.url, "/static/app.css", "/static/checkin.js", "/static/vendor/jsqr/jsQR.js"])
    assert errors == []
    context.close()


def test_touch_screen_types_a_code_by_hand(world, live_server, browser):
    door = Door(world)
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", has_touch=True, is_mobile=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, "staff")
    page.goto(live_server + door.url)
    page.wait_for_selector("#result[data-result=idle]")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    # a Bluetooth scanner types without the on-screen keyboard
    assert page.get_attribute("#scan-input", "inputmode") == "none"
    toggle = page.locator("#manual-toggle")
    assert toggle.is_visible() and toggle.inner_text() == "手动输入凭证"
    scan(page, door.credential("李四"))
    wait_result(page, "checked_in", "李四")
    # a damaged QR: type the code printed under it, in two lines as printed, lower case
    toggle.click()
    assert page.get_attribute("#scan-input", "inputmode") == "text"
    assert page.evaluate("document.activeElement.id") == "scan-input"
    assert toggle.inner_text() == "改回扫码枪" and toggle.get_attribute("aria-pressed") == "true"
    assert page.is_visible("#manual-hint") and "XM 开头，共 26 位" in page.inner_text("#manual-hint")
    shoot(page, "phone-manual-entry")
    code = door.credential("王五")
    page.keyboard.type(code[:13].lower() + " " + code[13:-1].lower())
    page.keyboard.press("Enter")
    wait_result(page, "invalid")  # the last character missing: a typo, back in the field to be corrected
    assert "凭证号码少输了一个字符：第 26 位" in page.inner_text("#result")
    assert page.input_value("#scan-input") == code[:-1].upper()
    assert page.evaluate("[document.activeElement.id, document.activeElement.selectionStart]") == ["scan-input", 25]
    page.keyboard.type(code[-1].lower())  # the caret waits where it is missing
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "王五")
    # the mode stays as chosen after a code went through (a fresh user's finding: it flipped back to
    # the scanner after each success), ready for the next typed code
    assert page.get_attribute("#scan-input", "inputmode") == "text" and toggle.inner_text() == "改回扫码枪"
    assert page.is_visible("#manual-hint") and page.input_value("#scan-input") == ""
    # back to the scanner by the button
    toggle.click()
    assert page.get_attribute("#scan-input", "inputmode") == "none" and toggle.inner_text() == "手动输入凭证"
    assert door.count() == 2
    assert errors == []
    context.close()
    # with a mouse there is no toggle (the field takes typing anyway)
    context, page, errors = open_scan_page(browser, live_server, door)
    assert page.is_hidden("#manual-toggle") and page.get_attribute("#scan-input", "inputmode") is None
    context.close()


def _hhmm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%H:%M")


def _window_time(when: dt.datetime) -> str:
    """As the page shows a session's time: HH:MM, with the date when it is not today."""
    when = when.astimezone(SHANGHAI)
    if when.date() == dt.datetime.now(SHANGHAI).date():
        return when.strftime("%H:%M")
    return f"{when.month}月{when.day}日 {when:%H:%M}"


def test_session_window_banner(world, live_server, browser):
    door = Door(world)
    now = dt.datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    staff = world.principal("staff")
    context, page, errors = open_scan_page(browser, live_server, door)
    # upcoming: more than 30 minutes before the start
    starts = now + dt.timedelta(hours=2)
    later = world.run(
        checkin.create_session(
            world.org,
            world.event_id,
            "开幕式",
            starts_at=starts.isoformat(),
            ends_at=(starts + dt.timedelta(hours=1)).isoformat(),
        )
    )
    page.goto(f"{live_server}/checkin/{later['id']}/scan")
    page.wait_for_selector("#window-banner:not([hidden])")
    assert page.get_attribute("#window-banner", "data-window") == "upcoming"
    assert page.inner_text("#window-text") == f"本场次 {_window_time(starts)} 开始"
    assert page.get_attribute("#window-banner a", "href") == "/checkin/"
    shoot(page, "phone-banner-upcoming")
    # closed: after the end
    ends = now - dt.timedelta(hours=1)
    over = world.run(
        checkin.create_session(
            world.org,
            world.event_id,
            "闭幕式",
            starts_at=(ends - dt.timedelta(hours=2)).isoformat(),
            ends_at=ends.isoformat(),
        )
    )
    page.goto(f"{live_server}/checkin/{over['id']}/scan")
    page.wait_for_selector("#window-banner:not([hidden])")
    assert page.get_attribute("#window-banner", "data-window") == "closed"
    assert page.inner_text("#window-text") == f"本场次已于 {_window_time(ends)} 结束，确认是否选错了场次"
    shoot(page, "phone-banner-closed")
    # scans still work (the banner only warns)
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    page.click("#window-banner a")
    page.wait_for_url(f"{live_server}/checkin/")
    # open (within 30 minutes of the start): no banner
    soon = world.run(
        checkin.create_session(
            world.org, world.event_id, "午餐", starts_at=(now + dt.timedelta(minutes=20)).isoformat()
        )
    )
    page.goto(f"{live_server}/checkin/{soon['id']}/scan")
    page.wait_for_selector("#result[data-result=idle]")
    assert page.is_hidden("#window-banner")
    # in English
    page.goto(f"{live_server}/lang/en?next=/checkin/{over['id']}/scan")
    page.goto(f"{live_server}/checkin/{over['id']}/scan")
    page.wait_for_selector("#window-banner:not([hidden])")
    english = _window_time(ends)
    if "月" in english:
        english = f"{ends.month}/{ends.day} {ends:%H:%M}"
    assert page.inner_text("#window-text") == f"This session ended at {english}. Is this the right session?"
    assert staff.role == "staff"
    assert errors == []
    context.close()


def _y4m_of_qr(text: str, path: Path) -> None:
    """A short Y4M video (the format Chromium's fake camera reads) showing ``text`` as a QR code."""
    from PIL import Image

    image = credentials.qr_code(text, box_size=8).make_image().convert("L")
    width, height = 640, 480
    frame = Image.new("L", (width, height), 255)
    side = min(400, image.size[0])
    frame.paste(image.resize((side, side)), ((width - side) // 2, (height - side) // 2))
    y = frame.tobytes()
    uv = bytes([128]) * (width * height // 4)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            fh.write(b"FRAME\n" + y + uv + uv)


def test_camera_reads_a_badge_once_while_it_stays_in_view(world, live_server, browser, tmp_path):
    door = Door(world)
    video = tmp_path / "badge.y4m"
    _y4m_of_qr(door.credential("赵小六"), video)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    if True:
        try:
            context, page, errors = open_scan_page(camera_browser, live_server, door)
            context.grant_permissions(["camera"], origin=live_server)
            page.click("#camera-button")
            wait_result(page, "checked_in", "赵小六")
            assert page.inner_text("#camera-button") == "关闭摄像头" and page.is_visible("#camera-box")
            assert page.evaluate("document.getElementById('checkin-page').xinmiao.decoder()") in ("native", "jsqr")
            shoot(page, "phone-camera")
            page.wait_for_timeout(3000)  # the badge stays in front of the camera: read once
            assert recent(page) == [("checked_in", "赵小六")]
            assert door.count() == 1
            page.click("#camera-button")
            assert page.is_hidden("#camera-box") and page.inner_text("#camera-button") == "打开摄像头扫码"
            assert errors == []
        finally:
            camera_browser.close()


def _variant(credential: str) -> str:
    """The same credential as some scanners send it: lower case, O/I/B as 0/1/8 (the server
    reads both)."""
    return (credential[:2] + credential[2:].replace("O", "0").replace("I", "1").replace("B", "8")).lower()


def _search_rows(page) -> list[str]:
    return page.eval_on_selector_all("#search-results li .search-name", "els => els.map(e => e.textContent)")


def test_scanner_typing_into_the_search_box_or_the_device_name_is_a_scan(world, live_server, browser):
    """A USB scanner types into whatever field has the focus. In the search box or the device
    name, Enter/Tab right after a credential is a scan: the credential is taken out of the
    field (which gets its own text back) and checked in as from the scanner field."""
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    # someone was searching by name: the box holds 李 and its result
    _search(page, "李", 1)
    page.locator("#search-input").focus()
    page.keyboard.type(door.credential("王五"))
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "王五")
    assert page.input_value("#search-input") == "李"
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    assert _search_rows(page) == ["李四"] and page.is_hidden("#search-message")
    assert page.evaluate("document.activeElement.id") == "scan-input"  # ready for the next scan

    # 马 (nobody), then a lower-case credential with 0/1/8 and a Tab suffix
    page.fill("#search-input", "马")
    page.wait_for_selector("#search-message:not([hidden])")
    page.locator("#search-input").focus()
    page.keyboard.type(_variant(door.credential("钱七")))
    page.keyboard.press("Tab")
    wait_result(page, "checked_in", "钱七")
    assert page.input_value("#search-input") == "马"
    assert page.inner_text("#search-message") == "没有找到匹配的人。"
    assert page.evaluate("document.activeElement.id") == "scan-input"

    # the caret at the start of the box: the credential lands before 李, and is taken out again
    page.fill("#search-input", "李")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    page.locator("#search-input").focus()
    page.keyboard.press("Home")
    page.keyboard.type(door.credential("赵小六"))
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "赵小六")
    assert page.input_value("#search-input") == "李"

    # the device name: the scan is taken, the name keeps its value and is not saved with the credential
    page.fill("#device-name", "东门2")
    page.dispatch_event("#device-name", "change")
    page.locator("#device-name").focus()
    page.keyboard.press("End")
    page.keyboard.type(door.credential("孙八"))
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "孙八")
    assert page.input_value("#device-name") == "东门2"
    page.locator("#device-name").focus()
    page.keyboard.press("End")
    page.keyboard.type(_variant(door.credential("张三丰")))
    page.keyboard.press("Tab")
    wait_result(page, "checked_in", "张三丰")
    assert page.input_value("#device-name") == "东门2"
    assert page.evaluate("document.activeElement.id") == "scan-input"
    page.reload()
    page.wait_for_selector("#result[data-result=idle]")
    assert page.input_value("#device-name") == "东门2"
    assert page.evaluate("localStorage.getItem('xinmiao:checkin:device')") == json.dumps("东门2", ensure_ascii=False)

    # a long device name: the credential typed after it is not cut off by the field's length limit
    long_name = "体育馆东门报到台" * 6  # 48 characters
    page.fill("#device-name", long_name)
    page.dispatch_event("#device-name", "change")
    page.locator("#device-name").focus()
    page.keyboard.press("End")
    page.keyboard.type(door.credential("李四"))
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "李四")
    assert page.input_value("#device-name") == long_name

    rows = door.checkins()
    assert {n: r["device"] for n, r in rows.items()} == {
        "王五": "门口1",
        "钱七": "门口1",
        "赵小六": "门口1",
        "孙八": "东门2",
        "张三丰": "东门2",
        "李四": long_name,
    }
    assert all(r["method"] == "qr" for r in rows.values())
    assert errors == []
    context.close()


def test_result_panel_goes_stale_after_a_few_seconds(world, live_server, browser):
    """A volunteer glancing at the panel must not take the previous person's green for the
    scan that just went nowhere: after 8 s the panel is dimmed and labelled as the previous
    scan, with everything it said still readable."""
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door, clock=True)

    def background() -> str:
        return page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor")

    def left_border() -> str:
        return page.evaluate("getComputedStyle(document.getElementById('result')).borderLeftColor")

    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    assert page.get_attribute("#result", "data-stale") == "false" and page.is_hidden("#result-stale")
    assert background() == "rgb(27, 127, 59)"
    page.clock.run_for(5000)
    assert page.get_attribute("#result", "data-stale") == "false" and background() == "rgb(27, 127, 59)"
    page.clock.run_for(3500)
    page.wait_for_selector("#result[data-stale=true]")
    scanned = door.checkins()["王五"]["checked_in_at"].astimezone(SHANGHAI).strftime("%H:%M:%S")
    assert page.is_visible("#result-stale")
    assert page.inner_text("#result-stale") == f"上一次扫码（{scanned}）· 可扫下一张"
    # dimmed: no longer the green of a check-in, which stays as a coloured edge
    assert background() == "rgb(245, 247, 248)" and left_border() == "rgb(27, 127, 59)"
    assert page.get_attribute("#result", "data-result") == "checked_in"
    assert panel(page) == {
        "title": "签到成功",
        "name": "王五",
        "school": "海口市第一中学 · 学生",
        "entry": "PH-J0002 简易地震波演示装置",
        "detail": "",
    }
    assert page.is_visible("#undo-button")
    shoot(page, "phone-stale")

    # the next scan is fresh again
    scan(page, door.credential("王五"))
    page.wait_for_selector("#result[data-result=already_checked_in][data-stale=false]")
    assert page.is_hidden("#result-stale") and background() == "rgb(91, 60, 196)"

    # queued: still plainly amber when it goes stale, and the counter still says it waits
    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online=false]")
    scan(page, door.credential("赵小六"))
    wait_result(page, "queued")
    assert background() == "rgb(245, 180, 0)"
    page.clock.run_for(8500)
    page.wait_for_selector("#result[data-result=queued][data-stale=true]")
    assert background() == "rgb(255, 248, 225)" and left_border() == "rgb(245, 180, 0)"
    assert panel(page)["title"] == "已排队，待联网确认"
    assert panel(page)["detail"] == "网络恢复后自动上传，请让此人先进场。"
    assert page.inner_text("#queue-count") == "待上传 1 条"
    shoot(page, "phone-stale-queued")
    # its answer arriving later updates the panel but does not make an old scan look new
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    page.wait_for_selector("#result[data-result=checked_in][data-stale=true]")
    assert panel(page)["name"] == "赵小六" and door.count() == 2
    assert errors == []
    context.close()


def test_offline_repeat_scans_get_a_local_hint_and_are_still_sent(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    first = first_time(door.checkins()["王五"])
    assert page.is_hidden("#result-hint")
    _search(page, "钱七", 1)  # found while online, checked in by name offline below

    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online=false]")
    # this device saw 王五 checked in while online
    scan(page, door.credential("王五"))
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '1'")
    wait_result(page, "queued")
    assert panel(page)["title"] == "已排队，待联网确认"
    assert page.is_visible("#result-hint") and page.inner_text("#result-hint") == f"本机记录：已于 {first} 签到"
    # a badge first seen offline: no hint
    scan(page, door.credential("赵小六"))
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '2'")
    assert page.is_hidden("#result-hint")
    # the same badge again (lower case, 0/1/8, Tab): the time of the first scan on this device
    scan(page, _variant(door.credential("赵小六")), "Tab")
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '3'")
    stored = page.evaluate("""() => Object.keys(localStorage).filter(k => k.indexOf(':q:') > 0)
        .map(k => JSON.parse(localStorage.getItem(k)))""")
    zhao_first = [s for s in stored if s["token"] == door.credential("赵小六")]
    assert len(zhao_first) == 1
    seen = f"本机已于 {_hhmm(zhao_first[0]['scannedAt'])} 扫过此证（待联网确认）"
    assert page.get_attribute("#result", "data-result") == "queued"
    assert page.inner_text("#result-hint") == seen
    assert panel(page)["detail"] == "网络恢复后自动上传，请让此人先进场。"
    # both rows name the badge alike (as the server reads it), whatever the scanner sent
    assert [n for _, n in recent(page)[:2]] == ["XM…" + door.credential("赵小六")[-6:]] * 2
    shoot(page, "phone-queued-again")
    # checked in by name twice while offline
    for count in ("4", "5"):
        page.click("#search-results li button.checkin-button")
        page.click(".confirm-box button.confirm-yes")
        page.wait_for_function("n => document.getElementById('queue-count').dataset.count === n", arg=count)
    qian = [
        s
        for s in page.evaluate("""() => Object.keys(localStorage).filter(k => k.indexOf(':q:') > 0)
        .map(k => JSON.parse(localStorage.getItem(k)))""")
        if s["kind"] == "manual"
    ]
    qian_first = min(s["scannedAt"] for s in qian)
    by_name = f"本机已于 {_hhmm(qian_first)} 为此人登记过签到（待联网确认）"
    assert panel(page)["name"] == "钱七" and page.inner_text("#result-hint") == by_name
    hints = page.evaluate("""() => Array.from(document.querySelectorAll('#recent li')).map(
        li => { const h = li.querySelector('.recent-hint'); return h ? h.textContent : null; })""")
    assert hints == [by_name, None, seen, None, f"本机记录：已于 {first} 签到", None]
    assert door.count() == 1

    # back online: the server judges; every scan is sent, each person stored once
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    assert recent(page) == [
        ("already_checked_in", "钱七"),
        ("checked_in", "钱七"),
        ("already_checked_in", "赵小六"),
        ("checked_in", "赵小六"),
        ("already_checked_in", "王五"),
        ("checked_in", "王五"),
    ]
    rows = door.checkins()
    assert sorted(rows) == ["王五", "赵小六", "钱七"] and door.count() == 3
    assert rows["赵小六"]["client_scan_id"] == zhao_first[0]["id"]
    assert rows["钱七"]["method"] == "manual"
    assert page.locator("#recent li .recent-hint").count() == 0
    wait_result(page, "already_checked_in", "钱七")
    assert page.is_hidden("#result-hint")
    assert errors == []
    context.close()


def test_garbled_scans_are_shown_whole_when_short(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    scan(page, "HELLO")
    wait_result(page, "invalid", "HELLO")
    assert panel(page)["detail"] == "这不是新苗的参赛凭证二维码。"
    assert recent(page) == [("invalid", "HELLO")]
    scan(page, "xmabc", "Tab")  # a credential cut short
    wait_result(page, "invalid", "XMABC")
    # a long one: its start (what it is) and its end
    scan(page, "https://weixin.qq.com/r/abcdefghijklmnopqrstuvwxyz0123456789")
    wait_result(page, "invalid", "HTTPS://WEIXIN.Q…456789")
    # a forged credential answered by the server: XM and its last six characters
    genuine = door.credential("王五")
    forged = forge(genuine)
    scan(page, forged)
    wait_result(page, "invalid", "XM…" + forged[-6:])
    assert recent(page) == [
        ("invalid", "XM…" + forged[-6:]),
        ("invalid", "HTTPS://WEIXIN.Q…456789"),
        ("invalid", "XMABC"),
        ("invalid", "HELLO"),
    ]
    assert door.count() == 0
    assert errors == []
    context.close()


def test_search_offline_message_clears_when_back_online(world, live_server, browser):
    """Issue 12 item 11: "离线时无法查找" stayed after the connection came back; now it goes and
    the search it stopped runs by itself."""
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    context.set_offline(True)
    page.fill("#search-input", "钱七")
    page.wait_for_function("() => document.getElementById('search-message').textContent.includes('离线时无法查找')")
    assert page.locator("#search-results li").count() == 0
    context.set_offline(False)
    page.wait_for_selector("#search-results li")
    assert page.is_hidden("#search-message") and page.inner_text("#search-message") == ""
    assert "钱七" in page.locator("#search-results li").first.inner_text()
    assert errors == []
    context.close()


def test_a_code_typed_on_a_computer_with_one_wrong_character_comes_back_to_correct(world, live_server, browser):
    """A fresh user's finding: on a computer (no manual-entry toggle) a mistyped code emptied the
    field; now the text comes back with the wrong character selected."""
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door, viewport=TABLET)
    code = door.credential("李四")
    wrong = code[:9] + ("A" if code[9] != "A" else "B") + code[10:]
    page.focus("#scan-input")
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    wait_result(page, "invalid")
    assert "请核对第 10 个字符" in page.inner_text("#result")
    assert page.input_value("#scan-input") == wrong
    assert page.evaluate("() => [document.activeElement.selectionStart, document.activeElement.selectionEnd]") == [
        9,
        10,
    ]
    page.keyboard.type(code[9])  # the selected character is replaced
    page.keyboard.press("Enter")
    wait_result(page, "checked_in", "李四")
    assert door.count() == 1 and errors == []
    context.close()
