"""Public pages served from what was already computed (issue 19, item 1): the public results page
and API, and certificate verification, kept per version of the event with ETag/Last-Modified and
304, changed by every organizer action at once, holding only what the public may see."""

from __future__ import annotations

import re

from app import pubcache
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import awarded


def _rows(html: str) -> list[str]:
    """The entry titles of a results page, in page order."""
    return re.findall(r"<td><strong>([^<]+)</strong></td>", html)


def _published(world) -> dict:
    ids = awarded(world, finalize=False)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    world.client.cookies.clear()
    return ids


def test_results_page_and_api_answer_304_until_an_action_changes_them(world):
    _published(world)
    url = f"/results/{world.event_id}"
    first = world.client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "no-cache" and "Accept-Language" in first.headers["vary"]
    # MA 初中 (N = 3, shares 0.4/0.3/0.3: cutoffs 1, 2, 3) then PH 高中 (N = 1: cutoffs 0, 1 -> second)
    assert _rows(first.text) == ["校园雨水花园的设计", "红树林的秘密", "珊瑚白化的观察", "智能浇花器"]
    again = world.client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert world.client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert world.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    api = world.client.get(ev(world, "/results"))
    assert api.status_code == 200 and api.json()["awarded"] == 4
    assert world.client.get(ev(world, "/results"), headers={"If-None-Match": api.headers["etag"]}).status_code == 304

    # an award adjustment: the next request (same ETag) gets the new page and the new JSON
    entries = {e["entry_id"]: e for e in api.json()["entries"]}
    li = next(e for e in api.json()["entries"] if e["award"] == "second" and e["category_code"] == "MA")
    ok(
        world.client.post(
            ev(world, "/awards/adjust"),
            json={"entry_id": li["entry_id"], "award": None, "reason": "复核后取消"},
            headers=org(world),
        )
    )
    changed = world.client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "红树林的秘密" not in _rows(changed.text)  # winners only: no award, not listed
    changed_api = world.client.get(ev(world, "/results"), headers={"If-None-Match": api.headers["etag"]})
    assert changed_api.status_code == 200 and changed_api.json()["awarded"] == 3
    assert len(entries) == 4

    # the notice settings: every ranked entry listed
    ok(world.client.patch(ev(world, "/judging-settings"), json={"public_results": "all"}, headers=org(world)))
    assert "红树林的秘密" in _rows(world.client.get(url).text)

    # finalizing, then unlocking: the state line follows at once
    ok(world.client.post(ev(world, "/finalize"), headers=org(world)))
    assert "定稿于" in world.client.get(url).text
    ok(world.client.post(ev(world, "/unlock"), json={"reason": "更正"}, headers=org(world)))
    assert "定稿于" not in world.client.get(url).text


def test_every_action_raises_the_version(world, run):
    _published(world)

    def version() -> str:
        return run(pubcache.version(world.event_id))

    before = version()
    objection = ok(
        world.client.post(
            ev(world, "/objections"), json={"raised_by": "家长", "content": "分数有误"}, headers=org(world)
        ),
        201,
    )
    ok(
        world.client.post(
            f"/api/v1/objections/{objection['id']}/resolve",
            json={"handling": "已复核，维持原结果", "status": "rejected"},
            headers=org(world),
        )
    )
    after_objection = version()
    assert after_objection != before
    ok(world.client.patch(ev(world, ""), json={"name": "2026年海南省青少年科技创新大赛（公示）"}, headers=org(world)))
    assert version() != after_objection
    assert "2026年海南省青少年科技创新大赛（公示）" in world.client.get(f"/results/{world.event_id}").text


def test_the_cached_variant_holds_only_what_the_public_sees(world):
    _published(world)
    url = f"/results/{world.event_id}"
    page = world.client.get(url).text
    # 王小明 consented, 阿依古丽·买买提 did not: her name shows masked; advisers and ID numbers never
    assert "王小明" in page and "阿**" in page and "阿依古丽" not in page
    assert "陈老师" not in page and "460102" not in page
    assert 'class="who"' not in page  # nobody's menu
    api = world.client.get(ev(world, "/results")).text
    for hidden in ("阿依古丽", "陈老师", "adjustment_reason", "computed_award", "recommended", "王小明"):
        assert hidden not in api
    # a logged-in organizer gets their own page (their menu), never the one kept for the public,
    # and the public never gets theirs
    client = world.login_page("org")
    mine = client.get(url)
    assert 'class="who"' in mine.text and "etag" not in mine.headers
    client.cookies.clear()
    assert 'class="who"' not in world.client.get(url).text
    # per language: the English page is kept apart from the Chinese one
    english = world.client.get(url, headers={"Accept-Language": "en"})
    chinese = world.client.get(url, headers={"Accept-Language": "zh-CN"})
    assert english.headers["etag"] != chinese.headers["etag"]
    assert 'lang="en"' in english.text and 'lang="zh-CN"' in chinese.text
    assert world.client.get(url, headers={"Accept-Language": "en"}).text == english.text
    # gzip, made once per change, is the same page (httpx decodes it)
    packed = world.client.get(url, headers={"Accept-Encoding": "gzip", "Accept-Language": "zh-CN"})
    assert packed.headers.get("content-encoding") == "gzip" and packed.text == chinese.text


def test_search_and_filters_by_hand(world):
    _published(world)
    url = f"/results/{world.event_id}"
    # schools: HK01 海口市第一中学 (雨水花园 first, 浇花器 second), HK02 海南华侨中学 (红树林 second),
    # SY01 三亚市第一中学 (珊瑚 third)
    assert _rows(world.client.get(url, params={"q": "海口市第一"}).text) == ["校园雨水花园的设计", "智能浇花器"]
    assert _rows(world.client.get(url, params={"award": "second"}).text) == ["红树林的秘密", "智能浇花器"]
    assert _rows(world.client.get(url, params={"school": "三亚市第一中学"}).text) == ["珊瑚白化的观察"]
    assert _rows(world.client.get(url, params={"q": "阿依古丽"}).text) == []  # a masked name is not found
    assert _rows(world.client.get(url, params={"q": "阿**"}).text) == ["校园雨水花园的设计"]
    assert _rows(world.client.get(url, params={"division": "高中", "award": "second"}).text) == ["智能浇花器"]
    page = world.client.get(url).text
    assert '<option value="海南华侨中学">' in page and 'src="/static/results-filter.js"' in page


def test_a_revoked_certificate_reads_revoked_at_once(world):
    awarded(world)
    listed = ok(world.client.get(ev(world, "/certificates"), headers=org(world)))
    cert = next(c for c in listed if c["name"] == "李华")
    world.client.cookies.clear()
    page = world.client.get(f"/verify/{cert['number']}")
    assert page.status_code == 200 and "有效" in page.text
    kept = world.client.get(f"/verify/{cert['number']}")
    assert (
        kept.headers["etag"]
        and world.client.get(f"/verify/{cert['number']}", headers={"If-None-Match": kept.headers["etag"]}).status_code
        == 304
    )
    api = world.client.get(f"/api/v1/certificates/{cert['number']}")
    assert api.json()["valid"] is True
    assert world.client.get(f"/api/v1/certificates/{cert['number']}").json()["valid"] is True
    ok(
        world.client.post(
            f"/api/v1/certificates/{cert['id']}/revoke", json={"reason": "获奖信息有误"}, headers=org(world)
        )
    )
    revoked = world.client.get(f"/verify/{cert['number']}", headers={"If-None-Match": kept.headers["etag"]})
    assert revoked.status_code == 200 and "已作废" in revoked.text and "获奖信息有误" in revoked.text
    assert world.client.get(f"/api/v1/certificates/{cert['number']}").json()["valid"] is False
    reissued = ok(
        world.client.post(f"/api/v1/certificates/{cert['id']}/reissue", json={"reason": "补发"}, headers=org(world)),
        201,
    )
    assert world.client.get(f"/api/v1/certificates/{reissued['number']}").json()["valid"] is True
    assert world.client.get(f"/api/v1/certificates/{cert['number']}").json()["valid"] is False


def test_head_answers_like_get_without_the_body(world):
    """HEAD /results/<id> answered 405 (a link checker or a chat app's preview asking HEAD first was
    told the page does not exist): now the GET answer's status and headers, no body; a 304 for a
    known ETag; 404 and 405 where GET would give them."""
    _published(world)
    url = f"/results/{world.event_id}"
    got = world.client.get(url)
    head = world.client.head(url)
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "last-modified", "content-type", "content-length", "content-security-policy"):
        assert head.headers[name] == got.headers[name], name
    assert int(head.headers["content-length"]) > 1000  # the (gzip) size GET sends
    assert world.client.head(url, headers={"If-None-Match": got.headers["etag"]}).status_code == 304
    api = world.client.head(ev(world, "/results"))
    assert api.status_code == 200 and api.content == b"" and api.headers["content-type"].startswith("application/json")
    missing = world.client.head("/results/999999")
    assert missing.status_code == 404 and missing.content == b""
    assert world.client.head("/api/v1/auth/login").status_code == 405  # POST only
    css = world.client.head("/static/app.css")
    assert css.status_code == 200 and css.content == b"" and int(css.headers["content-length"]) > 10_000
