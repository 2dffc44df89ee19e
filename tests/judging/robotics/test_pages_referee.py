"""Referee tablet pages (issue 13 item 3): home, queue with draws, run submission through the page
endpoint (the same service as POST /api/v1/runs) with the captain's confirmation, head referee
review and approval, corrections with every version. Scores computed by hand (referee_sheet.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from judging.robotics.tables import RoundDraw, Run
from tests.judging.robotics.referee_sheet import FULL_SHEET, RUN_35, RUN_160
from tests.judging.robotics.test_api import Robotics


@pytest.fixture
def rob(world):
    r = Robotics(world)
    response = r.put_sheet(FULL_SHEET)
    assert response.status_code == 200, response.text
    return r


def page_client(rob, username):
    """The test client logged in through the log-in page as ``username`` (session cookie; the
    API calls of ``rob`` use bearer tokens and are not affected). Call again to switch users."""
    rob.client.cookies.clear()
    rob.world.login_page(username, rob.client)
    return rob.client


def post_run(client, body):
    return client.post("/referee/runs", json=body, headers={"x-csrftoken": client.cookies.get("xinmiao_csrf")})


def form(client, url, data, **kwargs):
    return client.post(
        url, data={**data, "_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False, **kwargs
    )


def run_body(rob, team, items, round=1, variant="A", **extra):
    return {
        "entry_id": rob.teams[team],
        "category_code": "R1",
        "round": round,
        "items": items,
        "variant": variant,
        **extra,
    }


def test_referee_home_lists_only_their_challenges_and_the_menu_leads_there(rob):
    referee = page_client(rob, "referee")
    home = referee.get("/referee/")
    assert home.status_code == 200
    assert f'href="/referee/{rob.event_id}/R1/"' in home.text and "综合技能" in home.text
    assert f'/referee/{rob.event_id}/R2/"' not in home.text  # R2 is ref2's
    assert 'href="/referee/"' in home.text  # the menu item of role referee
    assert referee.get("/", follow_redirects=False).headers["location"] == "/referee/"
    other = page_client(rob, "ref2")
    assert f'/referee/{rob.event_id}/R2/"' in other.get("/referee/").text
    assert other.get(f"/referee/{rob.event_id}/R1/").status_code == 404  # not their challenge
    head = page_client(rob, "head")
    assert f"/referee/{rob.event_id}/R1/review" in head.get("/referee/").text
    organizer = page_client(rob, "org")  # organizers see every challenge, with its review page
    text = organizer.get("/referee/").text
    assert f"/referee/{rob.event_id}/R1/review" in text and f"/referee/{rob.event_id}/R2/review" in text
    assert organizer.get(f"/referee/{rob.event_id}/R1/review").status_code == 200
    school = page_client(rob, "hk01")
    assert school.get("/referee/", follow_redirects=False).status_code in (302, 303, 401, 403)


def test_queue_shows_teams_rounds_draws_and_status(rob):
    referee = page_client(rob, "referee")
    queue = referee.get(f"/referee/{rob.event_id}/R1/")
    assert queue.status_code == 200
    for team in ("飞龙队", "海燕队", "椰风队"):
        assert team in queue.text
    assert queue.text.count('class="button small record"') == 3 * 2  # three teams, two rounds, nothing recorded
    assert "第 1 轮" in queue.text and "第 2 轮" in queue.text
    # the referee records round 1's draw
    drawn = form(referee, f"/referee/{rob.event_id}/R1/draw", {"round": "1", "variant": "A"})
    assert drawn.status_code == 303
    stored = rob.world.run(RoundDraw.select(RoundDraw.round, RoundDraw.variant))
    assert stored == [{"round": 1, "variant": "A"}]
    # another tablet cannot change it: 409 naming who recorded it, the page kept
    other = page_client(rob, "referee2")
    refused = form(other, f"/referee/{rob.event_id}/R1/draw", {"round": "1", "variant": "B"})
    assert refused.status_code == 409
    assert "第 1 轮已由 referee 记录抽签结果“A”" in refused.text or "记录抽签结果“A”" in refused.text
    assert form(other, f"/referee/{rob.event_id}/R1/draw", {"round": "1", "variant": "A"}).status_code == 303
    bad = form(other, f"/referee/{rob.event_id}/R1/draw", {"round": "3", "variant": "A"})
    assert bad.status_code == 422 and "轮次必须是 1 到 2 之间的整数" in bad.text
    assert rob.world.run(RoundDraw.count()) == 1

    # a run: the team's round-1 cell shows it as submitted with its score
    referee = page_client(rob, "referee")
    assert post_run(referee, run_body(rob, "飞龙队", RUN_160)).status_code == 201
    queue = referee.get(f"/referee/{rob.event_id}/R1/").text
    row = re.search(rf'<tr class="team-row" data-entry-id="{rob.teams["飞龙队"]}".*?</tr>', queue, re.S).group(0)
    assert "待审核" in row and "160.0" in row and row.count('class="button small record"') == 1
    assert 'data-search="' in row and "飞龙队" in row


def test_run_submission_scores_as_hand_computed_with_the_captains_confirmation(rob):
    referee = page_client(rob, "referee")
    first = post_run(referee, run_body(rob, "飞龙队", RUN_160, client_run_id="tab-1", confirmation="confirmed"))
    assert first.status_code == 201, first.text
    assert first.json()["score"] == "160.0" and first.json()["status"] == "submitted"
    again = post_run(referee, run_body(rob, "飞龙队", RUN_160, client_run_id="tab-1", confirmation="confirmed"))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]  # sent once
    refused = post_run(
        referee,
        run_body(rob, "海燕队", RUN_35, confirmation="refused", confirmation_note="队长认为旗帜已升起"),
    )
    assert refused.status_code == 201 and refused.json()["score"] == "35.0"
    stored = rob.world.run(Run.select(Run.entry, Run.confirmation, Run.confirmation_note, Run.variant).order_by(Run.id))
    assert stored == [
        {"entry": rob.teams["飞龙队"], "confirmation": "confirmed", "confirmation_note": "", "variant": "A"},
        {
            "entry": rob.teams["海燕队"],
            "confirmation": "refused",
            "confirmation_note": "队长认为旗帜已升起",
            "variant": "A",
        },
    ]
    # the first run recorded the round's draw: a later run without a variant is scored under it
    assert rob.world.run(RoundDraw.select(RoundDraw.variant)) == [{"variant": "A"}]
    third = post_run(referee, run_body(rob, "椰风队", RUN_35, variant=None))
    assert third.status_code == 201 and third.json()["score"] == "35.0"
    wrong = post_run(referee, run_body(rob, "椰风队", {**RUN_35, "s": None}, round=2, variant="B"))
    assert wrong.status_code == 201 and wrong.json()["score"] == "35.0"  # in B "s" is not played

    # another tablet, same team and round: 409 naming who recorded it
    other = page_client(rob, "referee2")
    clash = post_run(other, run_body(rob, "飞龙队", RUN_35, client_run_id="tab-2"))
    assert clash.status_code == 409 and "已由裁判 referee" in clash.json()["detail"]
    # a missing item or a broken restriction: 422 naming the item / with the sheet's message
    missing = post_run(
        other, run_body(rob, "飞龙队", {k: v for k, v in RUN_160.items() if k != "park"}, round=2, variant="B")
    )
    assert missing.status_code == 422 and "“停靠位置”还没有填写" in missing.json()["detail"]
    broken = post_run(other, run_body(rob, "飞龙队", {**RUN_160, "m1": 6, "p1": 3}, round=2, variant="B"))
    assert broken.status_code == 422 and broken.json()["detail"] == "能量块与触碰次数合计不能超过 8。"
    odd = post_run(other, run_body(rob, "飞龙队", RUN_160, round=2, variant="B", confirmation="maybe"))
    assert odd.status_code == 422 and odd.json()["extra"]["errors"][0]["field"] == "confirmation"

    # the API takes the confirmation too, and shows it in history and (approved) standings runs
    api = rob.submit("海燕队", round=2, items=RUN_160, variant="B", confirmation="confirmed")
    assert api.status_code == 201, api.text
    # in B "s" is not played: 160.0 - 30 = 130.0
    assert api.json()["score"] == "130.0"
    history = rob.client.get(f"/api/v1/runs/{api.json()['id']}/history", headers=rob.org).json()
    assert history[0]["confirmation"] == "confirmed"
    assert rob.approve(api.json()["id"]).status_code == 200
    teams = rob.standings()
    haiyan = next(t for t in teams if t["team_name"] == "海燕队")
    assert haiyan["runs"] == [
        {"round": 2, "score": "130.0", "time_seconds": "87.4", "status": "approved", "confirmation": "confirmed"}
    ]


def test_head_referee_reviews_approves_several_and_corrects_with_every_version(rob):
    referee = page_client(rob, "referee")
    a = post_run(referee, run_body(rob, "飞龙队", RUN_160, confirmation="confirmed")).json()["id"]
    b = post_run(
        referee, run_body(rob, "海燕队", RUN_35, confirmation="refused", confirmation_note="不同意触碰判罚")
    ).json()["id"]
    assert referee.get(f"/referee/{rob.event_id}/R1/review").status_code == 403  # not the head referee
    head = page_client(rob, "head")
    review = head.get(f"/referee/{rob.event_id}/R1/review")
    assert review.status_code == 200
    for text in ("飞龙队", "160.0", "35.0", "队长已确认", "队长拒绝确认", "不同意触碰判罚", "referee"):
        assert text in review.text, text
    assert review.text.count('name="run_id"') == 2

    approved = form(head, f"/referee/{rob.event_id}/R1/review/approve", {"run_id": [str(a), str(b)]})
    assert approved.status_code == 303
    assert rob.world.run(Run.select(Run.status).order_by(Run.id)) == [{"status": "approved"}, {"status": "approved"}]
    assert "已审核 2 轮成绩" in head.get(approved.headers["location"]).text
    assert 'name="run_id"' not in head.get(f"/referee/{rob.event_id}/R1/review").text

    # a correction once approved needs a reason: the form comes back with the input kept
    fields = {"item_m1": "3", "item_m2": "yes", "item_m3": "2", "item_park": "full", "item_p1": "1", "item_retry": "0"}
    fields.update({"item_s": "yes", "item_t": "87.4"})
    no_reason = form(head, f"/referee/runs/{a}", fields)
    assert no_reason.status_code == 422 and "必须填写原因" in no_reason.text and 'value="3"' in no_reason.text
    done = form(head, f"/referee/runs/{a}", {**fields, "reason": "录像复核：只有 3 个能量块到位"})
    assert done.status_code == 303
    page = head.get(f"/referee/runs/{a}").text
    # 160.0 - 12.5 = 147.5; both versions listed with who, old and new
    assert "147.5" in page and "160.0 → " in page and "搬运能量块：4 → 3" in page
    assert "录像复核：只有 3 个能量块到位" in page and page.count('class="version-row"') == 2
    assert "王主裁" in page and "首次提交" in page
    # an ordinary referee sees the run but cannot correct an approved one
    referee = page_client(rob, "referee")
    assert 'class="correct-form"' not in referee.get(f"/referee/runs/{a}").text


def test_every_entry_path_stores_the_same_types_and_history_lists_real_changes(rob):
    """Issue 13: a correction through the run page stored counts as strings ("1"), so the history
    listed unchanged items ("搬运能量块：4 → 4"). Values are stored by item type whatever the path."""
    referee = page_client(rob, "referee")
    sent = {**RUN_160, "m1": "4", "t": 87.4}  # a count typed as text, the time as a number
    a = post_run(referee, run_body(rob, "飞龙队", sent, confirmation="confirmed")).json()["id"]
    stored = rob.world.run(Run.select(Run.items).where(Run.id == a).first().output(load_json=True))["items"]
    assert stored == {"m1": 4, "m2": True, "m3": 2, "park": "full", "p1": 1, "retry": 0, "s": True, "t": 87.4}
    # the run page posts every value as text; only m3 really changes (2 -> 1): 160.0 - 15 = 145.0
    fields = {"item_m1": "4", "item_m2": "yes", "item_m3": "1", "item_park": "full", "item_p1": "1"}
    fields.update({"item_retry": "0", "item_s": "yes", "item_t": "87.40"})
    assert form(referee, f"/referee/runs/{a}", fields).status_code == 303
    after = rob.world.run(
        Run.select(Run.items, Run.version, Run.score).where(Run.id == a).first().output(load_json=True)
    )
    assert after["items"] == {**stored, "m3": 1} and (after["version"], after["score"]) == (2, "145.0")
    page = referee.get(f"/referee/runs/{a}").text
    assert "升起旗帜：2 → 1" in page and "搬运能量块：" not in page and "用时：" not in page
    # the same values again through the page: nothing changed, no new version
    assert form(referee, f"/referee/runs/{a}", fields).status_code == 303
    assert rob.world.run(Run.select(Run.version).where(Run.id == a).first())["version"] == 2


def test_run_form_carries_the_sheet_and_asks_every_item(rob):
    referee = page_client(rob, "referee")
    page = referee.get(f"/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=1")
    assert page.status_code == 200
    assert page.text.count('class="item item-') == len(FULL_SHEET["items"])
    assert 'aria-pressed="true"' not in page.text  # no answer is preselected
    assert 'value="0"' not in page.text  # nothing defaults to zero
    # a yes/no requirement reads "需先完成…" (not "至少 1")
    assert "限时 120 秒" in page.text and "需先完成“开启闸门”" in page.text and "至少 1" not in page.text
    assert '<button type="button" id="finish" disabled>' in page.text
    assert 'src="/static/referee.js"' in page.text and "<script>" not in page.text
    worker = referee.get("/referee/sw.js")
    assert worker.status_code == 200 and "__ASSETS_VERSION__" not in worker.text
    assert "sw-common.js" in worker.text


def test_english_pages(rob):
    referee = page_client(rob, "referee")
    referee.cookies.set("lang", "en")
    queue = referee.get(f"/referee/{rob.event_id}/R1/").text
    assert "Search by team name or code" in queue and "round 1" in queue, queue[queue.find("<main") :][:3000]
    run = referee.get(f"/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=1").text
    assert "Done: ask the captain to confirm" in run


def test_every_referee_page_string_has_an_english_translation():
    from app.i18n import _catalog
    from judging.robotics import pages

    root = Path(__file__).resolve().parents[3]
    sources = [
        root / "judging" / "robotics" / "pages.py",
        *sorted((root / "templates" / "judging" / "robotics").glob("referee*.html")),
    ]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = a or b
            if re.search(r"[\u4e00-\u9fff]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    for label in [*pages.STATUS_LABELS.values(), *pages.CONFIRMATION_LABELS.values(), *pages.TYPE_LABELS.values()]:
        if label not in catalog:
            missing.add(f"pages.py label: {label}")
    assert not missing, sorted(missing)


def item_values(page_text: str, run_id: int) -> dict[str, str]:
    """The review page's item list of one run: ``{item name: value as shown}``."""
    card = page_text[page_text.index(f'data-run-id="{run_id}"') :]
    card = card[: card.index("</article>")]
    return dict(re.findall(r"<li><span>([^<]*)</span> <strong>([^<]*)</strong></li>", card))


def test_review_shows_names_and_yes_no_compactly_with_the_approve_action_on_top(rob):
    referee = page_client(rob, "referee")
    a = post_run(referee, run_body(rob, "飞龙队", RUN_160, confirmation="confirmed")).json()["id"]
    b = post_run(referee, run_body(rob, "海燕队", RUN_35, confirmation="refused", confirmation_note="不服")).json()[
        "id"
    ]
    head = page_client(rob, "head")
    page = head.get(f"/referee/{rob.event_id}/R1/review").text
    # values as the referee entered them: 是/否, the option's name, seconds; never yes/no/full
    assert item_values(page, a) == {
        "搬运能量块": "4",
        "开启闸门": "是",
        "升起旗帜": "2",
        "停靠位置": "完全进入",
        "触碰场地": "1",
        "重试次数": "0",
        "点亮信号灯": "是",
        "用时": "87.4 秒",
    }
    assert item_values(page, b)["开启闸门"] == "否" and item_values(page, b)["停靠位置"] == "部分进入"
    # the approve button and "select all" come before the first run; the items are folded
    assert page.index('id="approve-selected"') < page.index(f'data-run-id="{a}"')
    assert 'id="select-all"' in page and "全选（2 轮待审核）" in page
    assert page.count('<details class="review-items">') == 2 and "8 个任务项" in page
    assert 'src="/static/referee-review.js"' in page
    # the history of a correction names options and 是/否 too
    fields = {"item_m1": "4", "item_m2": "no", "item_m3": "2", "item_park": "part", "item_p1": "1", "item_retry": "0"}
    fields.update({"item_s": "yes", "item_t": "87.4"})
    assert form(head, f"/referee/runs/{a}", {**fields, "reason": "复核"}).status_code == 303
    detail = head.get(f"/referee/runs/{a}").text
    assert "开启闸门：是 → 否" in detail and "停靠位置：完全进入 → 部分进入" in detail


def test_run_form_of_a_recorded_round_carries_the_recorded_run(rob):
    import json

    referee = page_client(rob, "referee")
    run_id = post_run(referee, run_body(rob, "飞龙队", RUN_160, confirmation="confirmed")).json()["id"]
    page = referee.get(f"/referee/{rob.event_id}/R1/run?entry={rob.teams['飞龙队']}&round=1").text
    data = json.loads(page.split('<script id="referee-data" type="application/json">')[1].split("</script>")[0])
    team = next(t for t in data["teams"] if t["entry_id"] == rob.teams["飞龙队"])
    assert team["runs"]["1"] == {
        "id": run_id,
        "status": "submitted",
        "statusLabel": "待审核",
        "by": "referee",
        "score": "160.0",
        "time": "87.4",
        "confirmation": "队长已确认",
        "items": [
            ["搬运能量块", "4"],
            ["开启闸门", "是"],
            ["升起旗帜", "2"],
            ["停靠位置", "完全进入"],
            ["触碰场地", "1"],
            ["重试次数", "0"],
            ["点亮信号灯", "是"],
            ["用时", "87.4 秒"],
        ],
    }
    assert 'id="recorded-box" hidden' in page and 'id="recorded-link"' in page
    assert data["messages"]["seconds"] == "{s} 秒"


def test_a_second_tablets_conflict_does_not_say_referee_twice(rob):
    from tests.factories import app as app_factories

    app_factories.user(rob.world, "chen", "referee", display_name="裁判 陈明")
    rob.assign("chen", ["R1"])
    first = post_run(page_client(rob, "chen"), run_body(rob, "飞龙队", RUN_160))
    assert first.status_code == 201
    clash = post_run(page_client(rob, "referee"), run_body(rob, "飞龙队", RUN_35))
    assert clash.status_code == 409
    assert "已由 裁判 陈明 于" in clash.json()["detail"] and "裁判 裁判" not in clash.json()["detail"]
