"""Outreach pages for each role, in Chinese and in English (no Chinese words of our own in English), and
the page actions end to end: the office plans a tour (preview, draft, confirm), the school confirms a
delivered talk on its phone page, the expert records hours on theirs and opens the itinerary."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import TestClient

from tests.competitions.outreach.conftest import monday_in

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff1f\uff5b-\uff65]+")


def _own_chinese(html: str, data: list[str]) -> list[str]:
    html = html[html.find("<main") :] if "<main" in html else html
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for piece in sorted(data, key=len, reverse=True):
        text = text.replace(piece, " ")
    return sorted(set(CHINESE.findall(text)))


def _csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def _season(outreach):
    """An expert with an account (王海洋), one office-kept (李航天), topics, three requests."""
    wang = outreach.expert("王海洋", username="expert1", generally_available=True, affiliation="海南大学")
    li = outreach.expert("李航天", regions=["三亚"], generally_available=True)
    ocean = outreach.topic(wang["id"], "珊瑚礁的秘密", divisions=["小学", "初中"], subject="海洋", equipment="投影仪")
    outreach.topic(li["id"], "火箭是怎样飞上天的", divisions=["高中"], subject="航天")
    outreach.request("hk01", weeks=(4,), topic_id=ocean["id"], hall="报告厅", equipment="投影仪、话筒")
    outreach.request("hk02", weeks=(4,), subject="海洋")
    outreach.request("sy01", weeks=(4,), division="高中", subject="化学")  # no topic: stays unplaced
    return wang, li


def test_a_tour_through_the_pages(outreach, world, app):
    wang, _li = _season(outreach)
    monday = monday_in(4)
    with TestClient(app=app) as org:
        world.login_page("org", org)
        form = {
            "name": "一月海口巡讲",
            "starts_on": monday.isoformat(),
            "ends_on": (monday + dt.timedelta(days=4)).isoformat(),
            "_csrf_token": _csrf(org),
        }
        preview = org.post("/outreach/tours", data={**form, "action": "preview"})
        assert preview.status_code == 200
        assert (
            "方案预览" in preview.text
            and "海口市第一中学" in preview.text
            and "没有适合该组别、符合所需主题的报告。" in preview.text
        )
        made = org.post("/outreach/tours", data={**form, "action": "create"}, follow_redirects=False)
        assert made.status_code == 303, made.text
        tour_url = made.headers["location"]
        page = org.get(tour_url)
        assert page.status_code == 200 and "为什么这样安排" in page.text and "海南华侨中学" in page.text
        tour_id = int(tour_url.rsplit("/", 1)[1])
        confirmed = org.post(
            f"/outreach/tours/{tour_id}/confirm", data={"_csrf_token": _csrf(org)}, follow_redirects=False
        )
        assert confirmed.status_code == 303
        assert "巡讲已确认，已通知学校和专家。" in org.get(tour_url).text
        pdf = org.get(f"/outreach/tours/{tour_id}/experts/{wang['id']}/itinerary.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    talks = {t["school_code"]: t for t in outreach.call("GET", "/talks").json()}
    from app.times import local_now
    from competitions.outreach.tables import Talk

    world.run(
        Talk.update({Talk.on_date: local_now().date() - dt.timedelta(days=1)}).where(Talk.id == talks["HK01"]["id"])
    )
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        listing = school.get("/outreach/talks")
        assert "确认报告情况" in listing.text and "通知" in listing.text
        talk_url = f"/outreach/talks/{talks['HK01']['id']}"
        bad = school.post(f"{talk_url}/confirm", data={"audience": "0", "rating": "5", "_csrf_token": _csrf(school)})
        assert bad.status_code == 422 and "听众人数应为 1–5000 之间的整数。" in bad.text
        ok = school.post(
            f"{talk_url}/confirm",
            data={"audience": "230", "rating": "4", "comment": "很精彩", "_csrf_token": _csrf(school)},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        shown = school.get(talk_url).text
        assert "230" in shown and "很精彩" in shown and "确认报告已举行" not in shown
    with TestClient(app=app) as expert:
        world.login_page("expert1", expert)
        home = expert.get("/", follow_redirects=False)  # the expert's home: talks to record, coming talks
        assert home.status_code == 200 and "请记录工作时长" in home.text and "海口市第一中学" in home.text
        me = expert.get("/outreach/me")
        assert me.status_code == 200 and "已举行的报告" in me.text and "海口市第一中学" in me.text
        saved = expert.post(
            f"/outreach/talks/{talks['HK01']['id']}/hours",
            data={"hours": "2.5", "back": "me", "_csrf_token": _csrf(expert)},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/outreach/me"
        assert outreach.call("GET", f"/talks/{talks['HK01']['id']}").json()["hours"] == "2.5"
        assert expert.get("/outreach/experts").status_code == 403
        assert expert.get("/outreach/tours").status_code == 403


def test_pages_in_english_have_no_chinese_of_their_own(outreach, world, app):
    from app.tables import School

    wang, li = _season(outreach)
    monday = monday_in(4)
    body = {
        "name": "一月海口巡讲",
        "starts_on": monday.isoformat(),
        "ends_on": (monday + dt.timedelta(days=4)).isoformat(),
    }
    from competitions.events.tables import Event

    data = [s["name"] for s in world.run(School.select(School.name))]
    data += [e["name"] for e in world.run(Event.select(Event.name))]  # the registration block of a school's home
    data += [
        "王海洋",
        "李航天",
        "海南大学",
        "中国空间技术研究院",
        "研究员",
        "珊瑚礁的秘密",
        "火箭是怎样飞上天的",
        "海洋",
        "航天",
        "化学",
    ]
    data += ["投影仪、话筒", "投影仪", "报告厅", "一月海口巡讲", "中文", "大手拉小手"]
    data += [r.name for r in __import__("app.region_codes", fromlist=["REGIONS"]).REGIONS]
    with TestClient(app=app) as client:  # the planner's words in English too
        world.login_page("org", client)
        client.cookies.set("lang", "en")
        preview = client.post(
            "/outreach/tours",
            data={
                "starts_on": monday.isoformat(),
                "ends_on": (monday + dt.timedelta(days=4)).isoformat(),
                "action": "preview",
                "_csrf_token": _csrf(client),
            },
        )
        assert preview.status_code == 200 and "Why this arrangement" in preview.text
        assert _own_chinese(preview.text, data) == [], _own_chinese(preview.text, data)
    tour = outreach.call("POST", "/tours", json=body).json()
    assert outreach.call("POST", f"/tours/{tour['id']}/confirm").status_code == 200
    talk = tour["talks"][0]["id"]
    pages = {
        "org": [
            "/outreach/",
            "/outreach/experts",
            f"/outreach/experts/{wang['id']}",
            "/outreach/topics",
            "/outreach/requests",
            "/outreach/tours",
            f"/outreach/tours/{tour['id']}",
            "/outreach/talks",
            "/outreach/talks?unconfirmed=1",
            f"/outreach/talks/{talk}",
            "/outreach/numbers",
        ],
        "haikou": ["/outreach/requests", "/outreach/topics", "/outreach/talks", "/outreach/numbers"],
        "hk01": ["/", "/outreach/topics", "/outreach/requests", "/outreach/talks", f"/outreach/talks/{talk}"],
        "expert1": ["/", "/outreach/me"],
    }
    for user, paths in pages.items():
        for lang in ("zh", "en"):
            with TestClient(app=app) as client:
                world.login_page(user, client)
                client.cookies.set("lang", lang)
                for path in paths:
                    page = client.get(path)
                    if user == "hk01" and path.startswith("/outreach/talks/") and page.status_code == 404:
                        continue  # the first talk may be another school's
                    assert page.status_code == 200, (user, path, page.status_code)
                    if lang == "en":
                        assert _own_chinese(page.text, data) == [], (user, path, _own_chinese(page.text, data))


def test_pages_refuse_other_roles(outreach, world, app):
    with TestClient(app=app) as judge:
        world.login_page("judge", judge)
        for path in ("/outreach/", "/outreach/topics", "/outreach/me", "/outreach/tours"):
            assert judge.get(path).status_code == 403, path
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        for path in ("/outreach/experts", "/outreach/tours", "/outreach/me"):
            assert school.get(path).status_code == 403, path


def test_the_numbers_page_links_a_workbook_that_downloads(outreach, world, app):
    """The 下载工作簿 link of the numbers page answers the workbook (it answered 404)."""
    year = monday_in(0).year
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/outreach/numbers?year={year}")
        link = re.search(r'href="([^"]+)">下载工作簿', page.text).group(1)
        book = org.get(link)
        assert book.status_code == 200, (link, book.status_code)
        assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        assert school.get(link).status_code == 403


def test_the_request_form_in_english_asks_for_the_hall(outreach, world, app):
    """场地 of a talk request is the school's hall (the robotics 场地 is a field)."""
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        school.cookies.set("lang", "en")
        page = school.get("/outreach/requests")
        assert "Hall<input" in page.text and "Field<input" not in page.text
        bad = school.post(
            "/outreach/requests",
            data={
                "subject": "海洋",
                "division": "初中",
                "audience_size": "100",
                "preferred_weeks": monday_in(4).isoformat(),
                "hall": "x" * 201,
                "_csrf_token": _csrf(school),
            },
        )
        assert bad.status_code == 422 and "Hall" in bad.text


def test_the_overview_shows_next_years_waiting_requests_and_settings(outreach, world, app):
    """In December the office plans January: the overview lists the requests waiting in every year, and
    the settings of next year (which a January request is checked with) are set from its page (only this
    year's were shown before)."""
    from competitions.outreach.tables import TalkRequest

    first = outreach.request("hk01", subject="海洋", weeks=(4,))
    this_year = monday_in(0).year
    made = outreach.request("hk02", subject="航天", weeks=(5,))
    later = made["year"] + 1  # a request of a later year (its weeks were moved there)
    world.run(TalkRequest.update({TalkRequest.year: later}).where(TalkRequest.id == made["id"]))
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get("/outreach/")
        assert f"{first['year']} 年度 1 个" in page.text and f"{later} 年度 1 个" in page.text
        assert f'href="/outreach/?year={this_year + 1}"' in page.text
        nxt = org.get(f"/outreach/?year={this_year + 1}")
        assert nxt.status_code == 200 and f"{this_year + 1} 年度设置" in nxt.text
        saved = org.post(
            "/outreach/settings",
            data={"year": str(this_year + 1), "min_days_ahead": "21", "_csrf_token": _csrf(org)},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"] == f"/outreach/?year={this_year + 1}"
        assert outreach.call("GET", f"/settings/{this_year + 1}").json()["min_days_ahead"] == 21
        assert outreach.call("GET", f"/settings/{this_year}").json()["min_days_ahead"] == 14
        assert org.get("/outreach/?year=1999").status_code == 404
        assert org.get("/outreach/?year=abc").status_code == 400


def test_the_school_confirms_with_photos_in_one_form(outreach, world, app):
    """On the phone the school confirms the talk and adds its photos in one step; a photo that is not a JPEG
    or PNG is refused naming it, and nothing is stored (neither the confirmation nor the good photo)."""
    import tests.competitions.outreach.test_delivery_api as delivery_tests

    talks, _expert = delivery_tests._tour(outreach, "HK01")
    talk = talks["HK01"]["id"]
    delivery_tests._days_ago(outreach, talk, 1)
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        form = {"audience": "150", "rating": "5", "comment": "很好", "_csrf_token": _csrf(school)}
        bad = school.post(
            f"/outreach/talks/{talk}/confirm",
            data=form,
            files=[
                ("photos", ("现场.jpg", delivery_tests.JPEG, "image/jpeg")),
                ("photos", ("会场.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 50, "image/heic")),
            ],
        )
        assert bad.status_code == 422 and "“会场.heic”不是 JPEG 或 PNG 照片" in bad.text
        got = outreach.call("GET", f"/talks/{talk}", user="hk01").json()
        assert (got["status"], got["photos"]) == ("scheduled", 0)
        ok = school.post(
            f"/outreach/talks/{talk}/confirm",
            data=form,
            files=[
                ("photos", ("现场.jpg", delivery_tests.JPEG, "image/jpeg")),
                ("photos", ("合影.png", delivery_tests.PNG, "image/png")),
            ],
            follow_redirects=False,
        )
        assert ok.status_code == 303, ok.text
    got = outreach.call("GET", f"/talks/{talk}", user="hk01").json()
    assert (got["status"], got["audience"], got["rating"], got["photos"]) == ("delivered", 150, 5, 2)
    names = [p["filename"] for p in outreach.call("GET", f"/talks/{talk}/photos", user="hk01").json()]
    assert names == ["现场.jpg", "合影.png"]


def test_english_words_of_the_programme_not_another_ones(outreach, world, app):
    """Words shared with other programmes read as this one means them: a talk's 时长 is its length (the
    talent programme's are hours), the by-hand form's 申请 is a request, the workbook's 项目 a figure."""
    import io

    import openpyxl

    import tests.competitions.outreach.test_delivery_api as delivery_tests

    talks, _expert = delivery_tests._tour(outreach, "HK01")
    talk = talks["HK01"]
    with TestClient(app=app) as org:
        world.login_page("org", org)
        org.cookies.set("lang", "en")
        page = org.get(f"/outreach/talks/{talk['id']}").text
        assert "<dt>Length</dt>" in page and "<dt>Hours</dt>" not in page
        tour = org.get(f"/outreach/tours/{talk['tour_id']}").text
        assert 'Request<select name="request_id"' in tour
        book = org.get(f"/outreach/numbers/{monday_in(4).year}/workbook.xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets[0]
        assert sheet.cell(1, 1).value == "Figure"
