"""Registration web pages: forms post with CSRF, show masked personal data, keep every
school and city to its own entries, and show what the services decided."""

from __future__ import annotations

import html
import io
import re

import pytest

from competitions.events import services as events
from competitions.registration import services as registration
from competitions.registration.members import MemberInput
from tests import factories
from tests.conftest import gb11643


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def post(client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={**(data or {}), "_csrf_token": _csrf(client)}, follow_redirects=False, **kwargs)


def text_of(response) -> str:
    """The page's text with tags removed and entities decoded (for content checks)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def id_ending_in_x(prefix: str = "11010120120315", male: bool = True) -> str:
    """A valid resident ID (born 2012-03-15) whose check character is X."""
    for seq in range(100, 1000):
        if (seq % 2 == 1) != male:
            continue
        number = gb11643(f"{prefix}{seq:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check character X")


def valid_id(prefix: str = "46010220120601", male: bool = True, skip: int = 0) -> str:
    found = 0
    for seq in range(100, 1000):
        if (seq % 2 == 1) == male:
            if found == skip:
                return gb11643(f"{prefix}{seq:03d}")
            found += 1
    raise AssertionError


def masked(number: str) -> str:
    """As lists show an 18-character ID number: the province prefix and the check character only."""
    return number[:3] + "*" * 14 + number[-1]


def student(name: str, id_number: str, gender: str = "男", grade: str = "初二", consent: bool = True) -> MemberInput:
    return MemberInput(
        role="student",
        name=name,
        gender=gender,
        id_number=id_number,
        grade=grade,
        phone="13800138000",
        consent_participation=consent,
    )


def entry_id_from(response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/entries/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


# --------------------------------------------------------------------------- school registers an entry


def test_school_registers_entry_adds_members_and_submits(world):
    client = world.login_page("hk01")
    form = client.get(f"/events/{world.event_id}/entries/new")
    assert form.status_code == 200
    assert "登记新作品" in form.text and 'name="category"' in form.text and "PH 物理与天文学" in form.text

    entry_id = entry_id_from(
        post(
            client,
            f"/events/{world.event_id}/entries/new",
            {"title": "海水淡化小装置", "category": "PH", "division": "初中", "summary": "利用太阳能"},
        )
    )
    page = client.get(f"/entries/{entry_id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = text_of(page)
    assert "海水淡化小装置" in text and "草稿" in text and "海口市第一中学" in text
    assert "PH-J0001" in text  # code from the service: category, division letter, sequence

    # a student typed with a lowercase x: stored as X and shown masked only
    id_number = id_ending_in_x()
    typed = id_number[:-1] + "x"
    response = post(
        client,
        f"/entries/{entry_id}/members/new",
        {
            "role": "student",
            "name": "王小明",
            "gender": "男",
            "id_type": "居民身份证",
            "id_number": typed,
            "grade": "初二",
            "phone": "13912345678",
            "consent_participation": "on",
            "consent_publication": "on",
        },
    )
    assert response.status_code == 303, text_of(response)
    response = post(
        client,
        f"/entries/{entry_id}/members/new",
        {
            "role": "adviser",
            "name": "李老师",
            "id_type": "居民身份证",
            "id_number": "",
            "phone": "13698765432",
        },
    )
    assert response.status_code == 303, text_of(response)

    page = client.get(f"/entries/{entry_id}")
    text = text_of(page)
    expected = masked(id_number)
    assert expected == "110**************X"
    assert expected in text
    assert id_number not in page.text and typed not in page.text
    assert "139****5678" in text and "13912345678" not in page.text
    assert "136****5432" in text  # adviser's phone, masked
    assert "王小明" in text and "李老师" in text and "✓ 同意参赛" in text and "✓ 同意公开姓名" in text

    # submit for review: the badge now says 待审查
    response = post(client, f"/entries/{entry_id}/submit")
    assert response.status_code == 303
    page = client.get(f"/entries/{entry_id}")
    assert re.search(r'<span class="badge submitted">待审查</span>', page.text)
    assert "已提交审查" in text_of(page)  # the flash message

    # the school's dashboard lists it with its status
    dash = text_of(client.get("/"))
    assert "海水淡化小装置" in dash and "待审查" in dash

    # the history shows who did what, with masked values only
    history = page.text[page.text.index('id="history"') :]
    assert "创建作品" in history and "添加成员" in history and "已提交审查" in history
    assert expected in html.unescape(history) and id_number not in history


def test_member_form_shows_errors_next_to_fields_with_typed_values(world):
    entry = factories.entry(world, "HK01", by="hk01", title="校园噪声地图", category="PH")
    client = world.login_page("hk01")
    bad_id = valid_id()[:-1] + ("0" if not valid_id().endswith("0") else "1")  # wrong check character
    response = post(
        client,
        f"/entries/{entry['id']}/members/new",
        {
            "role": "student",
            "name": "陈一",
            "gender": "女",
            "id_type": "居民身份证",
            "id_number": bad_id,
            "grade": "",
            "phone": "12345",
            "consent_participation": "on",
        },
    )
    assert response.status_code == 422
    page = response.text
    # typed values come back
    assert 'value="陈一"' in page and f'value="{bad_id}"' in page and 'value="12345"' in page
    assert re.search(r'name="consent_participation" value="on"\s+checked', page)
    # each message sits right after its field
    for field in ("id_number", "grade", "phone"):
        assert re.search(rf'name="{field}"[^>]*class="[^"]*invalid[^"]*"[^>]*>\s*<span class="field-error"', page), (
            field
        )
    assert "请填写年级" in page and "联系电话“12345”格式不正确" in page
    # nothing stored
    assert world.run(registration.get_entry(world.principal("hk01"), entry["id"]))["members"] == []


def test_new_entry_form_error_keeps_values(world):
    client = world.login_page("hk01")
    response = post(
        client, f"/events/{world.event_id}/entries/new", {"title": "  ", "category": "PH", "division": "初中"}
    )
    assert response.status_code == 422
    assert "请填写作品名称" in response.text
    assert re.search(r'<option value="PH" selected>', response.text)
    assert re.search(r'value="初中" required checked', response.text)


def test_member_edit_form_shows_full_id_to_its_school_only(world):
    id_number = valid_id()
    entry = factories.entry(
        world, "HK01", by="hk01", title="雨水花园", category="PH", students=[student("赵六", id_number)]
    )
    member_id = entry["members"][0]["id"]
    client = world.login_page("hk01")
    page = client.get(f"/members/{member_id}/edit")
    assert page.status_code == 200 and f'value="{id_number}"' in page.text
    assert 'inputmode="tel"' in page.text and 'autocapitalize="characters"' in page.text

    # change the grade through the form
    response = post(
        client,
        f"/members/{member_id}/edit",
        {
            "name": "赵六",
            "gender": "男",
            "id_type": "居民身份证",
            "id_number": id_number,
            "grade": "初三",
            "phone": "13800138000",
            "consent_participation": "on",
        },
    )
    assert response.status_code == 303
    assert world.run(registration.get_entry(world.principal("hk01"), entry["id"]))["members"][0]["grade"] == "初三"

    world.login_page("hk02")
    assert client.get(f"/members/{member_id}/edit").status_code == 404
    world.login_page("haikou")  # a city never opens the edit form with full numbers
    assert client.get(f"/members/{member_id}/edit").status_code in (403, 404)
    world.login_page("org")
    assert f'value="{id_number}"' in client.get(f"/members/{member_id}/edit").text


def test_remove_member_and_withdraw(world):
    entry = factories.entry(
        world, "HK01", by="hk01", title="自动浇花器", category="PH", students=[student("钱七", valid_id())]
    )
    client = world.login_page("hk01")
    assert post(client, f"/members/{entry['members'][0]['id']}/remove").status_code == 303
    assert "还没有学生" in text_of(client.get(f"/entries/{entry['id']}"))
    assert post(client, f"/entries/{entry['id']}/withdraw", {"reason": "改报其他作品"}).status_code == 303
    page = client.get(f"/entries/{entry['id']}")
    assert '<span class="badge withdrawn">已撤回</span>' in page.text
    assert "作品已撤回" in text_of(page) and "改报其他作品" in text_of(page)  # history with the reason
    assert "/withdraw" not in page.text  # no more actions


# --------------------------------------------------------------------------- review


def test_organizer_returns_with_reason_and_school_sees_it(world):
    entry = factories.entry(
        world, "HK01", by="hk01", title="智能垃圾分类箱", category="PH", students=[student("孙八", valid_id())]
    )
    world.run(registration.submit_entry(world.principal("hk01"), entry["id"]))
    client = world.login_page("org")
    page = client.get(f"/entries/{entry['id']}")
    assert "形式审查" in page.text and 'value="return"' in page.text and 'value="approve"' in page.text

    # a return without a reason is refused with the service's message
    post(client, f"/entries/{entry['id']}/review", {"decision": "return", "reason": " "})
    assert "退回作品时必须填写原因" in client.get(f"/entries/{entry['id']}").text

    reason = "学生孙八的监护人同意书未上传，请补充后重新提交。"
    assert post(client, f"/entries/{entry['id']}/review", {"decision": "return", "reason": reason}).status_code == 303

    world.login_page("hk01")
    dash = client.get("/")
    assert reason in dash.text and "reason-box" in dash.text
    page = client.get(f"/entries/{entry['id']}")
    box = page.text[page.text.index('class="reason-box"') :]
    assert reason in box[:500]
    assert '<span class="badge returned">已退回</span>' in page.text
    assert "重新提交审查" in page.text
    listing = client.get(f"/events/{world.event_id}/entries")
    assert reason in listing.text

    # resubmit, then the organizer approves
    post(client, f"/entries/{entry['id']}/submit")
    world.login_page("org")
    post(client, f"/entries/{entry['id']}/review", {"decision": "approve"})
    assert world.run(registration.get_entry(world.org, entry["id"]))["status"] == "approved"


def test_city_recommends_when_the_event_asks(world):
    world.run(events.update_event(world.org, world.event_id, {"city_review_required": True}))
    entry = factories.entry(
        world, "HK01", by="hk01", title="红树林监测", category="PH", students=[student("周九", valid_id())]
    )
    world.run(registration.submit_entry(world.principal("hk01"), entry["id"]))
    client = world.login_page("haikou")
    dash = text_of(client.get("/"))
    assert "待市县审查推荐（1）" in dash and "红树林监测" in dash
    page = client.get(f"/entries/{entry['id']}")
    assert "推荐至组委会" in page.text
    assert "/members/" not in page.text  # a city cannot edit members
    post(client, f"/entries/{entry['id']}/review", {"decision": "approve"})
    assert world.run(registration.get_entry(world.org, entry["id"]))["status"] == "recommended"


# --------------------------------------------------------------------------- who sees what


def test_school_sees_only_its_own_entries(world):
    own = factories.entry(world, "HK01", by="hk01", title="本校作品甲", category="PH")
    other = factories.entry(
        world, "HK02", by="hk02", title="华侨中学作品乙", category="PH", students=[student("吴十", valid_id())]
    )
    client = world.login_page("hk01")
    listing = client.get(f"/events/{world.event_id}/entries")
    assert "本校作品甲" in listing.text
    assert "华侨中学作品乙" not in listing.text and "海南华侨中学" not in listing.text
    # even when asking for the other school by filter
    assert "华侨中学作品乙" not in client.get(f"/events/{world.event_id}/entries?school=HK02").text
    assert client.get(f"/entries/{other['id']}").status_code == 404
    assert "华侨中学作品乙" not in client.get(f"/entries/{other['id']}").text
    assert client.get(f"/entries/{other['id']}/edit").status_code == 404
    assert client.get(f"/members/{other['members'][0]['id']}/edit").status_code == 404
    assert post(client, f"/entries/{other['id']}/withdraw").status_code in (303, 404)
    assert world.run(registration.get_entry(world.org, other["id"]))["status"] == "draft"
    assert client.get(f"/entries/{own['id']}").status_code == 200
    # a school cannot open organizer pages
    assert client.get(f"/events/{world.event_id}/settings").status_code == 403
    assert client.get(f"/events/{world.event_id}/export").status_code == 403


def test_city_sees_only_its_schools(world):
    factories.entry(world, "HK01", by="hk01", title="海口一中作品", category="PH")
    factories.entry(world, "HK02", by="hk02", title="华侨中学作品", category="PH")
    sanya = factories.entry(world, "SY01", by="sy01", title="三亚一中作品", category="PH")
    client = world.login_page("haikou")
    listing = client.get(f"/events/{world.event_id}/entries")
    assert "海口一中作品" in listing.text and "华侨中学作品" in listing.text
    assert "三亚一中作品" not in listing.text and "三亚市第一中学" not in listing.text
    assert "三亚一中作品" not in client.get(f"/events/{world.event_id}/entries?city=三亚市").text
    assert client.get(f"/entries/{sanya['id']}").status_code == 404
    # the school filter offers only the city's schools
    assert '<option value="HK02"' in listing.text and '<option value="SY01"' not in listing.text


def test_page_form_without_csrf_token_is_refused(world):
    client = world.login_page("hk01")
    response = client.post(
        f"/events/{world.event_id}/entries/new",
        data={"title": "无令牌", "category": "PH", "division": "初中"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert world.run(registration.list_entries(world.org, world.event_id)) == []


def test_anonymous_visitor_is_sent_to_login(world):
    response = world.client.get(f"/events/{world.event_id}/entries", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")


# --------------------------------------------------------------------------- organizer


def test_organizer_dashboard_counts_match_entries(world):
    factories.entry(world, "HK01", title="物理一", category="PH", division="初中")
    factories.entry(world, "SY01", title="物理二", category="PH", division="高中")
    factories.entry(world, "HK02", title="化学一", category="CH", division="初中")
    withdrawn = factories.entry(world, "HK01", by="hk01", title="撤回的", category="CH", division="初中")
    world.run(registration.withdraw_entry(world.principal("hk01"), withdrawn["id"]))
    factories.entry(world, "HK01", by="hk01", title="草稿一", category="CS", division="小学")
    client = world.login_page("org")
    page = client.get("/")
    assert page.status_code == 200
    body = page.text
    assert re.search(r'data-count="total">4<', body)

    def count(dimension: str, link_value: str) -> int:
        table = body[body.index(f'data-dimension="{dimension}"') :]
        table = table[: table.index("</table>")]
        match = re.search(
            rf'entries\?{dimension}={re.escape(link_value)}">.*?</a></td><td class="num">(\d+)</td>', table, re.S
        )
        assert match, (dimension, link_value)
        return int(match.group(1))

    from urllib.parse import quote

    assert count("category", "PH") == 2 and count("category", "CH") == 1 and count("category", "CS") == 1
    assert (
        count("division", quote("初中")) == 2
        and count("division", quote("高中")) == 1
        and count("division", quote("小学")) == 1
    )
    assert count("city", quote("海口市")) == 3 and count("city", quote("三亚市")) == 1
    assert count("status", "approved") == 3 and count("status", "draft") == 1 and count("status", "withdrawn") == 1

    # the links lead to the filtered lists
    listing = text_of(client.get(f"/events/{world.event_id}/entries?category=PH"))
    assert "物理一" in listing and "物理二" in listing and "化学一" not in listing
    listing = text_of(client.get(f"/events/{world.event_id}/entries?city=三亚市"))
    assert "物理二" in listing and "物理一" not in listing
    listing = text_of(client.get(f"/events/{world.event_id}/entries?status=draft&q=草稿"))
    assert "草稿一" in listing and "物理一" not in listing
    assert "共 1 个" in listing


def test_organizer_creates_entry_for_a_school(world):
    client = world.login_page("org")
    form = client.get(f"/events/{world.event_id}/entries/new")
    assert '<option value="SY01"' in form.text
    entry_id = entry_id_from(
        post(
            client,
            f"/events/{world.event_id}/entries/new",
            {"school_code": "SY01", "title": "珊瑚礁保护", "category": "EV", "division": "高中"},
        )
    )
    entry = world.run(registration.get_entry(world.org, entry_id))
    assert entry["school_code"] == "SY01" and entry["status"] == "approved"


def test_organizer_creates_and_edits_event_with_categories(world):
    client = world.login_page("org")
    response = post(
        client,
        "/events/",
        {
            "name": "2026年海南省青少年机器人竞赛",
            "kind": "robotics",
            "year": "2026",
            "registration_opens_at": "2026-03-01T08:00",
            "registration_closes_at": "2026-04-30T18:00",
            "city_review_required": "on",
        },
    )
    assert response.status_code == 303
    event_id = int(re.search(r"/events/(\d+)/settings", response.headers["location"]).group(1))
    event = world.run(events.get_event(event_id))
    assert event["registration_opens_at"].startswith("2026-03-01T00:00:00")  # 08:00 Beijing time is 00:00 UTC
    assert event["registration_closes_at"].startswith("2026-04-30T10:00:00")
    assert event["city_review_required"] is True and event["kind"] == "robotics"

    page = client.get(f"/events/{event_id}/settings")
    assert 'value="2026-03-01T08:00"' in page.text and 'value="2026-04-30T18:00"' in page.text
    listing = text_of(client.get("/events/"))
    assert "2026-03-01 08:00" in listing and "2026-04-30 18:00" in listing  # shown in Asia/Shanghai

    # team limits and divisions
    response = post(
        client,
        f"/events/{event_id}/settings",
        {
            "name": "2026年海南省青少年机器人竞赛",
            "kind": "robotics",
            "year": "2026",
            "registration_opens_at": "2026-03-01T08:00",
            "registration_closes_at": "2026-04-30T18:00",
            "min_team_size": "2",
            "max_team_size": "4",
            "max_advisers": "1",
            "divisions": ["初中", "高中"],
        },
    )
    assert response.status_code == 303
    event = world.run(events.get_event(event_id))
    assert event["divisions"] == ["初中", "高中"] and event["max_team_size"] == 4 and event["min_team_size"] == 2
    assert event["city_review_required"] is False  # unchecked box

    # invalid settings come back with the message and the typed values
    response = post(
        client,
        f"/events/{event_id}/settings",
        {
            "name": "改名",
            "kind": "robotics",
            "year": "2026",
            "registration_opens_at": "2026-05-01T08:00",
            "registration_closes_at": "2026-04-30T18:00",
            "min_team_size": "2",
            "max_team_size": "4",
            "max_advisers": "1",
            "divisions": ["初中"],
        },
    )
    assert response.status_code == 422 and "报名截止时间必须晚于开始时间" in response.text
    assert 'value="改名"' in response.text and 'value="2026-05-01T08:00"' in response.text

    # categories: add, then edit a quota inline
    assert (
        post(
            client, f"/events/{event_id}/categories", {"code": "fll", "name": "FLL 工程挑战赛", "school_quota": "2"}
        ).status_code
        == 303
    )
    categories = world.run(events.list_categories(event_id))
    assert [(c["code"], c["school_quota"], c["city_quota"]) for c in categories] == [("FLL", 2, None)]
    post(
        client,
        f"/events/{event_id}/categories/{categories[0]['id']}",
        {"name": "FLL 工程挑战赛", "school_quota": "", "city_quota": "5"},
    )
    categories = world.run(events.list_categories(event_id))
    assert (categories[0]["school_quota"], categories[0]["city_quota"]) == (None, 5)
    duplicate = post(client, f"/events/{event_id}/categories", {"code": "FLL", "name": "重复"})
    assert duplicate.status_code == 409 and "本赛事已有代码为“FLL”的类别" in duplicate.text


def test_school_cannot_add_entries_after_closing(world):
    world.run(
        events.update_event(
            world.org,
            world.event_id,
            {"registration_opens_at": "2025-01-01T00:00", "registration_closes_at": "2025-02-01T00:00"},
        )
    )
    client = world.login_page("hk01")
    form = client.get(f"/events/{world.event_id}/entries/new")
    assert "报名已于 2025-02-01 00:00 截止，学校不能再修改报名；如需更改请联系组委会。" in text_of(form)
    response = post(
        client, f"/events/{world.event_id}/entries/new", {"title": "迟到的作品", "category": "PH", "division": "初中"}
    )
    assert response.status_code == 409 and "报名已于 2025-02-01 00:00 截止" in response.text
    assert "登记新作品" not in text_of(client.get("/"))


# --------------------------------------------------------------------------- workbooks and documents


def _roster(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "证件类型", "身份证号", "年级", "学校", "联系电话", "角色", "作品名称", "类别", "组别"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_page_lists_every_error_and_stores_nothing(world):
    good = valid_id()
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    data = _roster(
        [
            ["林一", "男", "居民身份证", good, "初二", "HK01", "13800138000", "学生", "潮汐发电", "PH", "初中"],
            ["林二", "男", "居民身份证", bad, "初二", "HK01", "13800138001", "学生", "潮汐发电", "PH", "初中"],
            [
                "林三",
                "女",
                "居民身份证",
                valid_id(male=False),
                "初二",
                "HK01",
                "1380013",
                "学生",
                "潮汐发电",
                "PH",
                "初中",
            ],
        ]
    )
    client = world.login_page("hk01")
    page = client.get(f"/events/{world.event_id}/import")
    assert page.status_code == 200 and f"/events/{world.event_id}/registration-template" in page.text
    response = client.post(
        f"/events/{world.event_id}/import",
        data={"_csrf_token": _csrf(client)},
        files={"file": ("roster.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "导入失败，本次没有导入任何数据" in response.text and "处错误" in response.text
    table = response.text[response.text.index("errors-table") :]
    rows = re.findall(
        r'<tr><td data-label="行" class="num">(\d+)</td><td data-label="列" class="nowrap">([^<]*)</td>', table
    )
    assert ("3", "身份证号") in rows and ("4", "联系电话") in rows
    assert world.run(registration.list_entries(world.org, world.event_id)) == []


def test_import_page_success_redirects_to_entries(world):
    data = _roster(
        [
            ["林一", "男", "居民身份证", valid_id(), "初二", "HK01", "13800138000", "学生", "潮汐发电", "PH", "初中"],
            [
                "林二",
                "男",
                "居民身份证",
                valid_id(skip=1),
                "初二",
                "HK01",
                "13800138001",
                "学生",
                "潮汐发电",
                "PH",
                "初中",
            ],
            ["符老师", "女", "", "", "", "HK01", "13800138002", "辅导教师", "潮汐发电", "PH", "初中"],
        ]
    )
    client = world.login_page("hk01")
    response = client.post(
        f"/events/{world.event_id}/import",
        data={"_csrf_token": _csrf(client)},
        files={"file": ("roster.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        follow_redirects=False,
    )
    assert response.status_code == 303, text_of(response)
    assert response.headers["location"] == f"/events/{world.event_id}/entries"
    listing = client.get(response.headers["location"])
    assert "导入完成：新增作品 1 个、替换原有作品 0 个；学生 2 名，辅导教师 1 名" in listing.text
    assert "潮汐发电" in listing.text
    entry = world.run(registration.list_entries(world.org, world.event_id))[0]
    page = client.get(f"/entries/{entry['id']}")
    history = html.unescape(page.text[page.text.index('id="history"') :])
    assert "通过 Excel 导入" in history and masked(valid_id()) in history and valid_id() not in page.text


def test_import_page_refuses_a_file_that_is_not_xlsx(world):
    client = world.login_page("hk01")
    response = client.post(
        f"/events/{world.event_id}/import",
        data={"_csrf_token": _csrf(client)},
        files={"file": ("roster.xlsx", b"<html><table><tr><td>x</td></tr></table></html>", "text/html")},
        follow_redirects=False,
    )
    assert response.status_code in (400, 415, 422)
    assert "导入失败，本次没有导入任何数据" in response.text


def test_template_download_and_export_with_reason(world):
    factories.entry(world, "HK01", title="导出测试", category="PH", students=[student("郑一", valid_id())])
    client = world.login_page("hk01")
    template = client.get(f"/events/{world.event_id}/registration-template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert "attachment" in template.headers["content-disposition"]

    world.login_page("org")
    form = client.get(f"/events/{world.event_id}/export")
    assert form.status_code == 200 and 'name="reason"' in form.text
    refused = post(client, f"/events/{world.event_id}/export", {"reason": ""})
    assert refused.status_code == 422 and 'name="reason"' in refused.text
    exported = post(client, f"/events/{world.event_id}/export", {"reason": "核对保险名单"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"

    from openpyxl import load_workbook

    values = [c for row in load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True) for c in row]
    assert valid_id() in values  # the full export holds the full ID


def test_document_upload_list_and_download(world):
    entry = factories.entry(world, "HK01", by="hk01", title="带材料的作品", category="PH")
    client = world.login_page("hk01")
    page = client.get(f"/entries/{entry['id']}")
    if "材料上传功能尚未开放" in page.text:
        pytest.skip("competitions.registration.documents not available yet")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        f"/entries/{entry['id']}/documents",
        data={"_csrf_token": _csrf(client), "kind": "application_form"},
        files={"file": ("申报书.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(f"/entries/{entry['id']}")
    match = re.search(r'<a href="/documents/(\d+)">申报书.pdf</a>', page.text)
    assert match, text_of(page)
    download = client.get(f"/documents/{match.group(1)}")
    assert download.status_code == 200 and download.content == pdf
    world.login_page("hk02")
    assert client.get(f"/documents/{match.group(1)}").status_code == 404


# --------------------------------------------------------------------------- other roles, language


def test_referee_and_staff_dashboard_points_to_events(world):
    client = world.login_page("referee")
    response = client.get("/", follow_redirects=False)  # a referee's home is their challenges' queues
    assert response.status_code == 303 and response.headers["location"] == "/referee/"
    assert client.get(f"/events/{world.event_id}/entries").status_code == 403
    world.login_page("staff")  # check-in staff start at the check-in sessions
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/checkin/"
    world.login_page("judge")  # a judge's home is the scoring page
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/judging/"
    assert client.get(f"/events/{world.event_id}/entries").status_code == 403


def test_english_page(world):
    client = world.login_page("hk01")
    client.cookies.set("lang", "en")
    page = client.get(f"/events/{world.event_id}/entries")
    assert page.status_code == 200
    assert "Register a new entry" in page.text and "Download the registration template" in page.text
    assert "登记新作品" not in page.text
    dash = client.get("/")
    assert "School registration" in dash.text


def test_every_page_string_has_an_english_translation():
    """Every literal passed to _() in the registration pages and their templates is in an English catalog."""
    from pathlib import Path

    from app.i18n import _catalog

    root = Path(__file__).resolve().parents[3]
    sources = [
        *sorted((root / "competitions").rglob("pages.py")),
        *sorted((root / "competitions" / "checkin").glob("*.py")),
        *sorted((root / "templates" / "competitions").rglob("*.html")),
    ]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = a or b
            if re.search(r"[\u4e00-\u9fff]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    from competitions.registration import pages

    for label in [*pages.ACTION_LABELS.values(), *pages.CHANGE_LABELS.values(), *pages.ROLE_LABELS.values()]:
        if label not in catalog:
            missing.add(f"pages.py label: {label}")
    assert not missing, sorted(missing)


# --------------------------------------------------------------------------- after registration closes


def test_once_registration_closes_pages_say_so_and_offer_no_save_or_fix(world):
    """A fresh user's finding: after closing, the school's dashboard still said "被退回，请修改后重新提交
    … 去修改" and the forms still had save buttons (the API refused with 409). Now the pages say
    plainly what stage the event is in and what the school can still do, without the buttons."""
    from tests.competitions.api import call
    from tests.competitions.registration.test_entries_api import new_entry
    from tests.competitions.registration.test_entries_api import student as api_student

    entry = new_entry(world, "hk01", "红树林调查", [api_student("李明")], submit=True)
    returned = call(
        world,
        "POST",
        f"/api/v1/entries/{entry['id']}/review",
        "org",
        json={"decision": "return", "reason": "缺研究报告"},
    )
    assert returned.json()["status"] == "returned"
    member_id = entry["members"][0]["id"]
    client = world.login_page("hk01")
    dash = text_of(client.get("/"))  # while open: the returned entry asks to be fixed
    assert "被退回，请修改后重新提交" in dash and "去修改" in dash
    closed = call(world, "PATCH", f"/api/v1/events/{world.event_id}", "org", json={"status": "closed"})
    assert closed.json()["stage"] == "closed"

    said = "报名已截止，学校不能再修改报名；如需更改请联系组委会。"
    can = "您仍可查看本校作品和审查结果；形式审查仍在进行，作品如被退回也不能再修改。"
    dash = text_of(client.get("/"))
    assert "被退回，请修改后重新提交" not in dash and "去修改" not in dash
    assert "被退回；现在学校不能再修改，如需更改请联系组委会。" in dash and "缺研究报告" in dash
    assert said in dash and can in dash
    for url in (
        f"/entries/{entry['id']}/edit",
        f"/events/{world.event_id}/entries/new",
        f"/entries/{entry['id']}/members/new",
        f"/members/{member_id}/edit",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert said in text_of(page) and can in text_of(page), url
        assert "<button" not in page.text.split("</header>", 1)[-1].split("<footer", 1)[0], url
        assert '<fieldset class="plain" disabled>' in page.text, url
    entry_page = text_of(client.get(f"/entries/{entry['id']}"))
    assert said in entry_page and "重新提交审查" not in entry_page and "修改作品信息" not in entry_page
    # the organizer still edits while registration is closed (until judging starts)
    world.login_page("org")
    page = client.get(f"/entries/{entry['id']}/edit")
    assert "<button>保存</button>" in page.text and "disabled>" not in page.text
    # judging started: every page says so, for schools and the organizer alike
    assert call(world, "POST", f"/api/v1/events/{world.event_id}/start-judging", "org").status_code == 200
    page = client.get(f"/entries/{entry['id']}/edit")
    assert (
        "本赛事已开始评审，报名、修改和重新提交都已关闭。" in text_of(page) and "<button>保存</button>" not in page.text
    )
    world.login_page("hk01")
    dash = text_of(client.get("/"))
    assert "本赛事已开始评审，报名、修改和重新提交都已关闭。 您仍可查看本校作品，并为审查通过的作品打印参赛证。" in dash


# --------------------------------------------------------------------------- English leftovers

CJK_OR_FULL_WIDTH = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_english_pages_hold_no_chinese_or_full_width_punctuation_besides_the_data(world):
    """A fresh user's finding: in English the entry history showed Chinese commas and untranslated
    gender and grade values, full-width brackets （） and a full-width ＋ appeared, and the certificate
    verify page said "Events" for one event. Every page of a school's season, rendered in English,
    holds Chinese only where it is the data (names, titles, categories) or the language switch."""
    from app.i18n import pgettext, set_locale, translate_for
    from tests.competitions.registration.test_entries_api import _member_for_edit, new_entry
    from tests.competitions.registration.test_entries_api import adviser as api_adviser
    from tests.competitions.registration.test_entries_api import student as api_student

    entry = new_entry(world, "hk01", "红树林调查", [api_student("李明"), api_adviser("陈老师")])
    student_id = entry["members"][0]["id"]
    edit = world.run(_member_for_edit(world, student_id))
    changed = {**edit, "grade": "初三"}
    response = world.client.put(f"/api/v1/members/{student_id}", json=changed, headers=world.headers("hk01"))
    assert response.status_code == 200, response.text
    client = world.login_page("hk01")
    client.cookies.set("lang", "en")
    assert post(client, f"/members/{entry['members'][1]['id']}/remove").status_code == 303  # the history lists it
    categories = [c["name"] for c in world.run(events.list_categories(world.event_id))]
    data = ["李明", "陈老师", "红树林调查", "海口市第一中学", "2026年海南省青少年科技创新大赛", "海口市", *categories]
    pages = {
        url: text_of(client.get(url))
        for url in (
            "/",
            "/events/",
            f"/events/{world.event_id}/entries",
            f"/events/{world.event_id}/entries/new",
            f"/events/{world.event_id}/import",
            f"/entries/{entry['id']}",
            f"/entries/{entry['id']}/edit",
            f"/entries/{entry['id']}/members/new",
            f"/members/{student_id}/edit",
        )
    }
    for url, text in pages.items():
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        text = text.replace("中文", "")  # the language switch
        left = sorted(set(re.findall(r".{0,25}" + CJK_OR_FULL_WIDTH.pattern + r"+.{0,15}", text)))
        assert not left, (url, left)
    history = pages[f"/entries/{entry['id']}"]
    assert "Grade: Grade 8 → Grade 9" in history and "Adviser, 陈老师, 139" in history
    assert "海口市第一中学 (HK01)" in pages[f"/entries/{entry['id']}"]
    # one event is an "Event"; the menu and the list of events are "Events"
    assert translate_for("en", "赛事") == "Event"
    token = set_locale("en")
    try:
        assert pgettext("heading", "赛事") == "Events"
    finally:
        set_locale("zh")
        del token
    assert "Events" in pages["/events/"]


# --------------------------------------------------------------------------- a robotics event's words


def block_of(response, name: str) -> str:
    """The text of a page from the event's name up to the next event (dashboards, the event list)."""
    text = text_of(response)
    start = text.index(name)
    rest = text[start + len(name) :]
    ends = [rest.find(other) for other in ("科技创新大赛", "赛事") if rest.find(other) > 0]
    return name + (rest[: min(ends)] if ends else rest)


def test_robotics_event_pages_say_team_and_coach_not_entry_and_adviser(world):
    """A fresh user's finding (issue 13 review): a robotics event's registration pages said 作品名称,
    作品简介, 每个作品最少学生数, 辅导教师 and offered 申报书/查新报告. They now use the kind's words
    (competitions/events/kinds.py: 队伍, 队伍名称, 教练) and offer the documents a team has."""
    event = factories.event(world, "机器人竞赛", kind="robotics")
    factories.category(world, "R1", "综合技能", event_id=event["id"])
    team = factories.entry(
        world, "HK01", students=2, advisers=["王老师"], title="飞龙队", category="R1", event_id=event["id"]
    )
    client = world.client
    world.login_page("hk01")
    pages = {
        "new": text_of(client.get(f"/events/{event['id']}/entries/new")),
        "list": text_of(client.get(f"/events/{event['id']}/entries")),
        "entry": text_of(client.get(f"/entries/{team['id']}")),
        "adviser": text_of(client.get(f"/entries/{team['id']}/members/new?role=adviser")),
        "home": block_of(client.get("/"), event["name"]),
        "events": block_of(client.get("/events/"), event["name"]),
    }
    for name, text in pages.items():
        assert "作品" not in text and "辅导教师" not in text, (name, re.findall(r".{12}(?:作品|辅导教师).{12}", text))
    assert "队伍名称" in pages["new"] and "队伍简介（选填）" in pages["new"] and "登记新队伍" in pages["new"]
    assert "报名队伍" in pages["list"]
    assert "教练" in pages["entry"] and "添加教练" in pages["adviser"]
    # the organizer's settings: the kind's words and the documents a team has (photo, other)
    world.login_page("org")
    settings = client.get(f"/events/{event['id']}/settings").text
    settings_text = text_of(client.get(f"/events/{event['id']}/settings"))
    assert "每个队伍最少学生数" in settings_text and "每个队伍最多教练数" in settings_text
    assert re.findall(r'name="required_documents" value="(\w+)"', settings) == ["photo", "other"]
    # an innovation contest keeps its words and every document kind
    contest = factories.event(world, "科技创新大赛")
    contest_settings = client.get(f"/events/{contest['id']}/settings").text
    assert "每个作品最少学生数" in text_of(client.get(f"/events/{contest['id']}/settings"))
    assert re.findall(r'name="required_documents" value="(\w+)"', contest_settings) == [
        "application_form",
        "research_report",
        "novelty_report",
        "photo",
        "other",
    ]
    # in English: team and coach
    client.cookies.set("lang", "en")
    world.login_page("hk01")
    english = text_of(client.get(f"/entries/{team['id']}"))
    assert "Coaches" in english or "coach" in english.lower()
    assert "Entry" not in text_of(client.get(f"/events/{event['id']}/entries/new")).split("Team name")[0][-200:]


def test_the_list_search_finds_a_student_or_adviser_by_name_and_a_code_in_any_case(world):
    # a parent rings the school (or the office) about their child: the coordinator types the
    # child's name; a teacher's name finds the teacher's entries; a code typed in lower case
    # finds it on every engine (PostgreSQL's LIKE minds case, SQLite's does not)
    rain = factories.entry(world, "HK01", title="雨水花园", students=["林小雨"], advisers=["周老师"])
    factories.entry(world, "HK01", title="红树林", students=["王大海"], advisers=["吴老师"])
    factories.entry(world, "SY01", title="珊瑚", students=["林小雨"])  # the same name at another school
    client = world.login_page("hk01")
    url = f"/events/{world.event_id}/entries"
    by_student = text_of(client.get(url, params={"q": "林小雨"}))
    assert "雨水花园" in by_student and "红树林" not in by_student and "珊瑚" not in by_student
    assert "共 1 个" in by_student
    by_adviser = text_of(client.get(url, params={"q": "周老师"}))
    assert "雨水花园" in by_adviser and "红树林" not in by_adviser
    by_code = text_of(client.get(url, params={"q": rain["code"].lower()}))
    assert "雨水花园" in by_code and "红树林" not in by_code
    organizer = text_of(world.login_page("org").get(url, params={"q": "林小雨"}))
    assert "雨水花园" in organizer and "珊瑚" in organizer and "共 2 个" in organizer
    # the API's q reads the same
    found = world.client.get(
        f"/api/v1/events/{world.event_id}/entries", params={"q": "林小雨"}, headers=world.headers("org")
    )
    assert sorted(e["title"] for e in found.json()) == ["珊瑚", "雨水花园"]


def test_an_empty_list_says_which_filters_left_nothing(world):
    factories.entry(world, "HK01", title="雨水花园", students=["林小雨"])
    client = world.login_page("hk01")
    url = f"/events/{world.event_id}/entries"
    page = client.get(url, params={"q": "不存在", "status": "returned"})
    body = page.text
    empty = body[body.index('list-empty"') :]
    empty = empty[: empty.index("</td>")]
    # what was asked for, and the way back to the whole list
    assert "不存在" in empty and "已退回" in empty
    assert f'href="/events/{world.event_id}/entries"' in empty
    assert "每页" not in text_of(page)  # no page sizes for an empty list
    # English
    client.cookies.set("lang", "en")
    english = client.get(url, params={"q": "不存在"}).text
    empty = english[english.index('list-empty"') :]
    empty = empty[: empty.index("</td>")]
    assert "不存在" in empty and "Search" in empty and "Show all" in empty
