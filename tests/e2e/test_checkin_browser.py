"""Check-in staff scan badges on a phone-sized browser window: a USB scanner typing into the
page (Enter or Tab, Caps Lock), forged and revoked credentials, a dropped connection with
scans queued on the phone and sent once, the input-method warning, check-in by name, and
the camera (Chromium's fake camera showing a badge's QR code).

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

from competitions import checkin, credentials, events, registration
from competitions.members import MemberInput
from competitions.tables import Checkin, Member, RejectedScan
from tests.conftest import gb11643
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TABLET
from tests.e2e.test_judging_browser import log_in
from tests.judging.test_pages import build_panel

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
        rows = world.run(Member.select(Member.id, Member.name, Member.credential_generation).where(Member.event == world.event_id))
        self.ids = {r["name"]: r["id"] for r in rows}
        self.session = world.run(checkin.create_session(world.org, world.event_id, "报到", location="体育馆东门"))
        self.url = f"/checkin/{self.session['id']}/scan"

    def other_event_member(self) -> str:
        """周九, a student of the previous year's contest: his badge is not for this event."""
        other = self.world.run(events.create_event(self.world.org, {"name": "2025年海南省青少年科技创新大赛", "kind": "innovation", "year": 2025}))
        entry = self.world.run(registration.create_entry(self.world.org, other["id"], {
            "title": "椰林防风结构", "category": "PH", "division": "初中", "school_code": "SY01"},
            [MemberInput(role="student", name="周九", gender="男", id_number=gb11643("46020020110315121"), grade="初二",
                         phone="13900000121", consent_participation=True, consent_publication=True)]))
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


def open_scan_page(browser, base: str, door: Door, viewport=PHONE):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
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
    return [tuple(x) for x in page.evaluate("""() => Array.from(document.querySelectorAll('#recent li')).map(
        li => [li.dataset.state, li.querySelector('.recent-who strong').textContent])""")]


def queued_count(page) -> int:
    return int(page.get_attribute("#queue-count", "data-count"))


def first_time(row: dict) -> str:
    return row["checked_in_at"].astimezone(SHANGHAI).strftime("%H:%M")


def test_usb_scanner_enter_tab_caps_lock_repeat_and_forged(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    assert page.inner_text("h1") == "报到"
    assert "2026年海南省青少年科技创新大赛" in page.inner_text(".checkin-meta") and "体育馆东门" in page.inner_text(".checkin-meta")
    assert page.evaluate("document.activeElement.id") == "scan-input"   # ready for the scanner
    assert page.inner_text("#queue-count") == "全部已上传" and queued_count(page) == 0
    shoot(page, "phone-idle")

    # lower case (Caps Lock off on a scanner that sends lower case) + Enter
    scan(page, door.credential("张三丰").lower())
    wait_result(page, "checked_in", "张三丰")
    assert panel(page) == {"title": "签到成功", "name": "张三丰", "school": "海口市第一中学 · 学生",
                           "entry": "PH-J0001 椰壳纤维的隔热性能研究", "detail": ""}
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
    assert page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") != \
        "rgb(27, 127, 59)"  # not the green of a first check-in
    shoot(page, "phone-already")

    # a forged credential: one character changed
    genuine = door.credential("王五")
    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
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

    # a genuine badge of another event
    scan(page, door.credential(door.other_event_member()))
    wait_result(page, "wrong_event", "周九")
    assert panel(page)["title"] == "不是本活动的凭证" and panel(page)["school"] == "三亚市第一中学 · 学生"

    assert [s for s, _ in recent(page)] == ["wrong_event", "invalid", "invalid", "already_checked_in", "checked_in", "checked_in"]
    assert [n for _, n in recent(page)][3:] == ["张三丰", "李四", "张三丰"]
    assert door.count() == 2 and "王五" not in door.checkins()
    forged_rows = world.run(RejectedScan.select().where(RejectedScan.checkin_session == door.session["id"]))
    assert sorted(r["result"] for r in forged_rows) == ["forged", "wrong_event"]
    assert door.checkins()["张三丰"]["device"] == "门口1" and door.checkins()["张三丰"]["method"] == "qr"
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
    assert page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") == "rgb(245, 180, 0)"
    shoot(page, "phone-queued")
    # the same badge twice while offline, and a revoked credential
    scan(page, door.credential("王五"))
    scan(page, old_sun.lower(), "Tab")
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '5'")
    stored = page.evaluate("""() => Object.keys(localStorage).filter(k => k.startsWith('xinmiao:checkin:')
        && k.indexOf(':q:') > 0).map(k => JSON.parse(localStorage.getItem(k)))""")
    assert len(stored) == 5 and len({s["id"] for s in stored}) == 5
    assert all(s["device"] == "东门2" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", s["scannedAt"]) for s in stored)
    assert all(k.startswith(f"xinmiao:checkin:{door.session['id']}:q:") for k in page.evaluate("Object.keys(localStorage)")
               if ":q:" in k)
    assert door.count() == 0   # nothing reached the server

    # back online: every queued scan is sent, the panel turns into the real answer
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').dataset.count === '0'", timeout=15000)
    wait_result(page, "revoked", "孙八")
    assert panel(page)["title"] == "凭证已作废" and panel(page)["detail"] == "凭证已作废：请到服务台补发"
    assert recent(page) == [("revoked", "孙八"), ("already_checked_in", "王五"), ("checked_in", "钱七"),
                            ("checked_in", "赵小六"), ("checked_in", "王五")]
    assert page.inner_text("#queue-count") == "全部已上传"
    rows = door.checkins()
    assert sorted(rows) == sorted(["王五", "赵小六", "钱七"]) and door.count() == 3
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
    page.evaluate("([k, v]) => localStorage.setItem(k, v)",
                  [f"xinmiao:checkin:{door.session['id']}:q:{replay['id']}", json.dumps(replay)])
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


def test_chinese_input_method_is_detected(world, live_server, browser):
    door = Door(world)
    context, page, errors = open_scan_page(browser, live_server, door)
    assert page.is_hidden("#ime-warning")
    page.dispatch_event("#scan-input", "compositionstart")
    assert page.is_visible("#ime-warning")
    assert "按 Shift 或 Ctrl+空格 切换到英文输入法" in page.inner_text("#ime-warning")
    # what an input method makes of the scanner's keystrokes
    page.fill("#scan-input", "")
    scan(page, "学妈")
    wait_result(page, "ime")
    assert panel(page)["title"] == "无法识别：输入法拦截了扫码内容"
    assert page.is_visible("#ime-warning") and door.count() == 0
    shoot(page, "phone-ime")
    # switched to English input: the next scan goes through and the warning goes away
    scan(page, door.credential("王五"))
    wait_result(page, "checked_in", "王五")
    assert page.is_hidden("#ime-warning")
    assert errors == []
    context.close()


def test_search_by_name_and_check_in_with_the_button(world, live_server, browser):
    door = Door(world)
    world.run(checkin.scan(world.principal("staff"), door.session["id"], door.credential("张三丰"), device="门口2"))
    first = first_time(door.checkins()["张三丰"])
    context, page, errors = open_scan_page(browser, live_server, door)
    page.fill("#search-input", "钱七")
    page.wait_for_selector('#search-results li[data-member-id="%d"]' % door.ids["钱七"])
    row = page.locator("#search-results li")
    assert row.count() == 1
    assert "海南华侨中学" in row.inner_text() and "PH-J0004 台风路径的概率模型" in row.inner_text()
    shoot(page, "phone-search")
    row.locator("button.checkin-button").click()
    wait_result(page, "checked_in", "钱七")
    assert panel(page)["school"] == "海南华侨中学 · 学生"
    page.wait_for_selector("#search-results li .checked-badge")
    rows = door.checkins()
    assert page.inner_text("#search-results li .checked-badge") == f"{first_time(rows['钱七'])} 已签到"
    assert rows["钱七"]["method"] == "manual" and door.count() == 2

    # someone already checked in shows the time instead of a button; a school finds its people
    page.fill("#search-input", "海口市第一中学")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 5")
    names = page.eval_on_selector_all("#search-results li .search-name", "els => els.map(e => e.textContent)")
    assert sorted(names) == sorted(["张三丰", "李四", "椰壳老师", "王五", "简易老师"])
    zhang = page.locator('#search-results li[data-member-id="%d"]' % door.ids["张三丰"])
    assert zhang.locator("button").count() == 0 and zhang.locator(".checked-badge").inner_text() == f"{first} 已签到"
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
    # the tablet layout
    page.set_viewport_size(TABLET)
    page.fill("#search-input", "海南华侨中学")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 4")
    shoot(page, "tablet-search")
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
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    if True:
        try:
            context, page, errors = open_scan_page(camera_browser, live_server, door)
            context.grant_permissions(["camera"], origin=live_server)
            page.click("#camera-button")
            wait_result(page, "checked_in", "赵小六")
            assert page.inner_text("#camera-button") == "关闭摄像头" and page.is_visible("#camera-box")
            assert page.evaluate("document.getElementById('checkin-page').xinmiao.decoder()") in ("native", "jsqr")
            shoot(page, "phone-camera")
            page.wait_for_timeout(3000)   # the badge stays in front of the camera: read once
            assert recent(page) == [("checked_in", "赵小六")]
            assert door.count() == 1
            page.click("#camera-button")
            assert page.is_hidden("#camera-box") and page.inner_text("#camera-button") == "打开摄像头扫码"
            assert errors == []
        finally:
            camera_browser.close()
