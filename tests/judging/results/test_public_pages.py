"""The public can find things (issue 12 item 3): a public home for anonymous visitors, the list of
published results, search and filters on a results page, and groups that fold on a phone."""

from __future__ import annotations

from judging.results import services as results
from tests import factories


def _publish(world, **kw):
    made = factories.judged_event(world, **kw)
    response = world.client.post(f"/api/v1/events/{made.event_id}/publish", headers=world.headers("org"))
    assert response.status_code == 200, response.text
    return made


def test_anonymous_visitors_land_on_the_published_results(world):
    world.client.cookies.clear()
    home = world.client.get("/", follow_redirects=False)
    assert home.status_code in (302, 303) and home.headers["location"] == "/results/"
    empty = world.client.get("/results/")
    assert empty.status_code == 200 and "目前没有公示中的评审结果。" in empty.text and 'href="/verify/"' in empty.text
    made = _publish(world, entries=3, judges=1)
    listing = world.client.get("/results/")
    assert f'href="/results/{made.event_id}"' in listing.text and "公示中" in listing.text
    # a logged-in organizer still gets the dashboard
    client = world.login_page("org")
    assert client.get("/", follow_redirects=False).status_code == 200


def test_search_and_filters_on_the_results_page(world):
    # MA 初中: 90, 89, 88 (schools HK01, HK02, SY01 in turn). N = 3: cutoffs round(0.45) = 0,
    # round(1.2) = 1, round(2.25) = 2 -> ranks 1 and 2 take second and third prize; the public
    # page lists winners only, so two rows
    made = _publish(world, entries=3, judges=1, scores=[90, 89, 88])
    e = {x["id"]: x for x in made.entries}
    url = f"/results/{made.event_id}"
    everything = world.client.get(url)
    assert everything.text.count("<tr>") - 1 == 2  # rows (one header row)
    by_school = world.client.get(url, params={"q": "华侨"})
    assert "找到 1 个（共 2 个）" in by_school.text
    assert "海南华侨中学" in by_school.text and "三亚市第一中学" not in by_school.text
    none = world.client.get(url, params={"q": "不存在的名字"})
    assert "没有找到符合条件的作品。" in none.text
    other_division = world.client.get(url, params={"division": "高中"})
    assert "没有找到符合条件的作品。" in other_division.text
    assert len(e) == 3


def test_a_masked_name_is_found_only_as_shown():
    rows = [
        {
            "title": "红树林调查",
            "school_name": "文昌中学",
            "students": ["王*"],
            "category_code": "LS",
            "division": "初中",
        },
        {
            "title": "雨水花园",
            "school_name": "海口一中",
            "students": ["李明"],
            "category_code": "EN",
            "division": "高中",
        },
    ]
    assert results.filter_public_rows(rows, q="王小明") == []  # the hidden name cannot be searched for
    assert [r["title"] for r in results.filter_public_rows(rows, q="李 明")] == ["雨水花园"]
    assert [r["title"] for r in results.filter_public_rows(rows, q="王*")] == ["红树林调查"]
    assert [r["title"] for r in results.filter_public_rows(rows, category="LS", division="初中")] == ["红树林调查"]
    assert results.filter_public_rows(rows, category="LS", division="高中") == []


def test_words_are_found_in_any_order():
    # a parent types the school and the child's name, in whichever order comes to mind: every
    # word must be found (in the title, the school or a name as shown), not the words run together
    rows = [
        {
            "title": "雨水花园",
            "school_name": "海口一中",
            "students": ["李明"],
            "category_code": "EN",
            "division": "高中",
        },
        {
            "title": "红树林调查",
            "school_name": "海口一中",
            "students": ["王*"],
            "category_code": "LS",
            "division": "初中",
        },
        {
            "title": "珊瑚观察",
            "school_name": "三亚一中",
            "students": ["李明"],
            "category_code": "LS",
            "division": "初中",
        },
    ]
    found = results.filter_public_rows
    assert [r["title"] for r in found(rows, q="海口一中 李明")] == ["雨水花园"]
    assert [r["title"] for r in found(rows, q="李明 海口一中")] == ["雨水花园"]
    assert [r["title"] for r in found(rows, q="李明　海口")] == ["雨水花园"]  # a full-width space separates too
    assert [r["title"] for r in found(rows, q="  李明 ")] == ["雨水花园", "珊瑚观察"]
    assert found(rows, q="李明 文昌") == []  # each word must be found
    assert found(rows, q="王小明 海口一中") == []  # a masked name still only as shown
