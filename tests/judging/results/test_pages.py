"""Results pages: results, progress and consistency for the organizer, publication,
objections, finalization and unlocking, and the public results page that appears only once
results are published, with names masked without the guardian's consent."""

from __future__ import annotations

import re

from judging.panels import assignments
from judging.results import publication
from judging.results import services as results
from judging.scoring import services as scoring
from judging.scoring.tables import Assignment
from tests.judging.pages import build_panel, flashes, masked, post, score_all, text_of

# --------------------------------------------------------------------------- results, progress, publication


def test_results_progress_and_consistency_pages(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"

    text = text_of(client.get(f"{base}/results"))
    assert text.count("评分未完成") >= 5
    progress = client.get(f"{base}/progress")
    assert progress.status_code == 200 and "每 15 秒自动刷新" in progress.text and 'id="progress-live"' in progress.text
    partial = client.get(f"{base}/progress?partial=1")
    assert partial.status_code == 200 and partial.text.lstrip().startswith('<div id="progress-live"')
    total = world.run(Assignment.count())
    assert "<html" not in partial.text and f"0 / {total}" in text_of(partial)
    assert client.get(f"{base}/progress.json").json()["assigned"] == total

    score_all(world, panel)
    assert f"{total} / {total}" in text_of(client.get(f"{base}/progress?partial=1"))
    data = world.run(results.compute_results(world.event_id))
    page = client.get(f"{base}/results")
    text = text_of(page)
    assert "评分未完成" not in text
    top = next(r for r in data["entries"] if r["rank"] == 1)
    assert top["score"] in text and top["title"] in text and "一等奖" in text
    # comparing methods
    page = client.get(f"{base}/results?method=zscore")
    assert page.status_code == 200 and "正在比较" in page.text
    # the consistency report
    page = client.get(f"{base}/consistency")
    assert page.status_code == 200 and "海口评委" in page.text and "评分少于 5 个" in page.text

    # an award adjusted by hand, with its reason
    last = max((r for r in data["entries"] if r["status"] == "complete"), key=lambda r: r["rank"])
    response = post(client, f"{base}/awards", {"entry_id": str(last["entry_id"]), "award": "third", "reason": ""})
    assert "理由" in flashes(client, f"{base}/results")
    response = post(
        client, f"{base}/awards", {"entry_id": str(last["entry_id"]), "award": "third", "reason": "现场答辩表现突出"}
    )
    assert response.status_code == 303
    text = text_of(client.get(f"{base}/results"))
    assert "现场答辩表现突出" in text and "已调整" in text
    assert (
        next(
            r
            for r in world.run(results.compute_results(world.event_id))["entries"]
            if r["entry_id"] == last["entry_id"]
        )["award"]
        == "third"
    )

    # recommendations
    response = post(client, f"{base}/recommendations", {"entry_ids": [str(top["entry_id"])]})
    assert response.status_code == 303
    assert "1 个作品推荐" in flashes(client, f"{base}/results")
    # settings: aggregation method and quotas (typed as percentages) through the event service
    response = post(client, f"{base}/settings", {"aggregation": "trimmed_mean", "award_first": "20"})
    assert response.status_code == 303
    from competitions.events.services import get_event_row

    assert world.run(get_event_row(world.event_id))["award_first"] == "0.2"
    # the sum is checked in the unit typed on the page: percent (90 + 90 + 35 = 215 %)
    response = post(client, f"{base}/settings", {"award_first": "90", "award_second": "90"})
    assert response.status_code == 422
    assert "一、二、三等奖比例之和不能超过 100%，现在是 215%。" in text_of(response)
    assert "不能超过 1，" not in text_of(response)
    assert 'name="award_first" value="90"' in response.text  # the input is kept
    assert world.run(get_event_row(world.event_id))["award_first"] == "0.2"
    # the organizer's view of one entry's sheets and history
    page = client.get(f"{base}/entries/{top['entry_id']}")
    assert page.status_code == 200 and "各评委的评分表" in page.text and "评分修改记录" in page.text
    # workbook
    response = client.get(f"{base}/results.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert "spreadsheetml" in response.headers["content-type"]


def test_publication_objections_finalize_unlock_and_public_page(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    score_all(world, panel)
    anonymous = world.client.__class__(app=world.client.app)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"

    with anonymous:
        response = anonymous.get(f"/results/{world.event_id}")
        assert response.status_code == 404 and "尚未公示" in response.text

    # publishing needs the confirmation box
    response = post(client, f"{base}/publish")
    assert response.status_code == 303 and world.run(publication.is_published(world.event_id)) is False
    assert "请先勾选确认框" in flashes(client, f"{base}/publication")
    response = post(client, f"{base}/publish", {"confirm": "yes"})
    assert response.status_code == 303 and world.run(publication.is_published(world.event_id)) is True

    with anonymous:
        page = anonymous.get(f"/results/{world.event_id}")
        assert page.status_code == 200
        text = text_of(page)
        # consent given: full name; not given: masked
        assert "张三丰" in text and "王五" in text and "钱七" in text
        assert "李*" in text and "李四" not in text
        assert "赵**" in text and "赵小六" not in text
        # award winners only (issue 12): N = 5, cutoffs round(0.75) = 1, round(2.0) = 2, round(3.75) = 4,
        # so the fifth (孙八's entry) is ranked without an award and not listed
        assert "孙" not in text and "珊瑚白化" not in text
        assert "本页只列获奖作品：5 个作品参加排名，4 个获奖。" in text
        assert panel.entries[0]["title"] in text and "公示中" in text
        for number in panel.ids.values():
            assert number not in page.text and masked(number) not in page.text

    # an objection and its handling; an organizer change citing it
    response = post(
        client,
        f"{base}/objections",
        {"entry_code": panel.entries[2]["code"], "raised_by": "海南华侨中学", "content": "对实用性评分有异议"},
    )
    assert response.status_code == 303
    objection = world.run(publication.list_objections(world.event_id))[0]
    assert objection["entry"] == panel.entries[2]["id"]
    sheet = next(s for s in world.run(scoring.entry_scores(panel.entries[2]["id"])) if s["score_id"])
    response = post(
        client,
        f"{base}/scores/{sheet['score_id']}",
        {
            "entry_id": str(panel.entries[2]["id"]),
            "points_practical": "9",
            "objection": str(objection["id"]),
            "reason": "复核后更正",
        },
    )
    assert response.status_code == 303
    page = text_of(client.get(f"{base}/entries/{panel.entries[2]['id']}"))
    assert "复核后更正" in page and f"异议 #{objection['id']}" in page
    response = post(
        client,
        f"{base}/objections/{objection['id']}/resolve",
        {"status": "resolved", "handling": "已复核并更正实用性得分"},
    )
    assert response.status_code == 303
    assert "已复核并更正实用性得分" in text_of(client.get(f"{base}/publication"))

    # finalize, then unlocking needs a reason
    response = post(client, f"{base}/finalize", {"confirm": "yes"})
    assert response.status_code == 303
    assert "已定稿" in text_of(client.get(f"{base}/publication"))
    # once final, the notice settings and new objections are read-only, and a POST is refused with 409
    final = text_of(client.get(f"{base}/publication"))
    assert "保存公示设置" not in final and "登记异议" not in final.replace("不能再登记异议", "")
    assert "结果已定稿，公示设置不能再修改" in final and "结果已定稿，不能再登记异议" in final
    headers = world.headers("org")
    refused = world.client.post(
        f"/api/v1/events/{world.event_id}/objections", json={"content": "迟到"}, headers=headers
    )
    assert refused.status_code == 409 and "不能再登记异议" in refused.json()["detail"]
    refused = world.client.patch(
        f"/api/v1/events/{world.event_id}/judging-settings", json={"public_results": "all"}, headers=headers
    )
    assert refused.status_code == 409 and "结果已定稿" in refused.json()["detail"]
    response = post(client, f"{base}/objections", {"content": "迟到的异议"})
    assert "不能再登记异议" in flashes(client, f"{base}/publication")
    # the public page says "定稿于 <time>" once (English read "Finalized Finalized on ...")
    with world.client.__class__(app=world.client.app) as visitor:
        public = text_of(visitor.get(f"/results/{world.event_id}"))
        assert re.search(r"定稿于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", public) and "定稿 定稿于" not in public
        visitor.cookies.set("lang", "en")
        public = text_of(visitor.get(f"/results/{world.event_id}"))
        assert re.search(r"Finalized on \d{4}-\d{2}-\d{2} \d{2}:\d{2}", public) and "Finalized Finalized" not in public
    response = post(client, f"{base}/unlock", {"confirm": "yes", "reason": ""})
    assert "理由" in flashes(client, f"{base}/publication")
    assert world.run(publication.is_published(world.event_id)) is True
    from judging.rounds.services import current_round

    assert world.run(current_round(world.event_id))["state"] == "finalized"
    response = post(client, f"{base}/unlock", {"confirm": "yes", "reason": "异议复核需要更正"})
    assert world.run(current_round(world.event_id))["state"] == "published"


def test_publication_page_sets_the_notice_lists_incomplete_entries_and_finalizes_them_as_unranked(world):
    import datetime as dt

    from app.times import local_now
    from judging.rounds.services import current_round

    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    score_all(world, panel)
    # one sheet of the last entry removed: it is incomplete
    last = panel.entries[4]
    from judging.scoring.tables import Score

    world.run(Score.delete().where(Score.entry == last["id"]))
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    page = text_of(client.get(f"{base}/publication"))
    assert "评分未完成的作品 1" in page and last["code"] in page and "待决定" in page

    # the contact and the listing are set on the page
    post(
        client,
        f"{base}/publication/settings",
        {"objection_contact": "科协青少年部 0898-65300000", "public_results": "all"},
    )
    end = (local_now() + dt.timedelta(days=3)).date()
    response = post(
        client,
        f"{base}/publish",
        {"confirm": "yes", "notice_ends_at": end.isoformat(), "objection_contact": "科协青少年部 0898-65300000"},
    )
    assert response.status_code == 303
    messages = flashes(client, f"{base}/publication")
    assert "有 1 个作品评分未完成" in messages

    anonymous = world.client.__class__(app=world.client.app)
    with anonymous:
        text = text_of(anonymous.get(f"/results/{world.event_id}"))
    published = world.run(current_round(world.event_id))["published_at"]
    from app.times import show_time

    assert f"公示期 ：{show_time(published)} – {end.isoformat()} 23:59" in text
    assert "异议联系方式 ：科协青少年部 0898-65300000" in text
    # all ranked entries listed (4 complete: N = 4, cutoffs 1, 2, 3 -> three awards), one not ranked
    assert "共 4 个作品参加排名，其中 3 个获奖。" in text and "另有 1 个作品评分未完成，未排名。" in text

    # finalizing during the 公示期 without a reason, or without deciding on the incomplete entry, is refused
    post(client, f"{base}/finalize", {"confirm": "yes"})
    refused = flashes(client, f"{base}/publication")
    assert f"公示期到 {end.isoformat()} 23:59 才结束，现在还不能定稿。" in refused
    assert "请写明提前定稿的理由" in refused and "override_notice_reason" not in refused
    assert world.run(current_round(world.event_id))["state"] == "published"
    post(client, f"{base}/finalize", {"confirm": "yes", "override_notice_reason": "国赛推荐截止"})
    assert "1 个作品评分未完成" in flashes(client, f"{base}/publication")
    post(
        client,
        f"{base}/finalize",
        {
            "confirm": "yes",
            "override_notice_reason": "国赛推荐截止",
            "incomplete_as_unranked": "yes",
            "reason": "学生未到场答辩",
        },
    )
    assert world.run(current_round(world.event_id))["state"] == "finalized"
    assert "已定为不排名（未获奖）：学生未到场答辩" in text_of(client.get(f"{base}/publication"))


def test_award_shares_as_percentages_a_per_group_preview_and_a_minimum_score(world):
    import re

    from competitions.events.services import get_event_row
    from tests import factories
    from tests.judging.pages import text_of

    # a one-entry group: its only entry scores 88.50; N = 1, default shares: cutoffs
    # round(0.15) = 0, round(0.40) = 0, round(0.75) = 1 -> a third prize
    made = factories.judged_event(world, entries=1, judges=1, scores=["88.5"])
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    page = client.get(f"{base}/results")
    # shares shown as percentages
    assert re.search(r'name="award_first" value="15"', page.text) and 'name="award_third" value="35"' in page.text
    text = text_of(page)
    # the per-group outcome with the current settings: N 1, cutoffs 0/0/1, one third prize, flagged as small
    assert "当前设置下各组的获奖情况" in text
    assert "MA 数学 初中 1 0 / 0 / 1 0 0 1 0" in text
    assert "小组别：只有 1 个作品，请确认是否应当获奖。" in text

    # preview a minimum score of 90 (nothing stored): the 88.50 falls below it, no award
    preview = client.get(
        f"{base}/results",
        params={
            "preview": "1",
            "award_first": "15",
            "award_second": "25",
            "award_third": "35",
            "award_min_score": "90",
        },
    )
    text = text_of(preview)
    assert "预览：按新设置各组的获奖情况" in text and "获奖最低分 90" in text
    assert "MA 数学 初中 1 0 / 0 / 1 0 0 0 1 （1 个低于最低分）" in text
    assert world.run(get_event_row(world.event_id))["award_min_score"] is None
    # a bad preview value is a message, not an error page
    bad = client.get(f"{base}/results", params={"preview": "1", "award_first": "abc"})
    assert bad.status_code == 200 and "获奖比例请填写百分数，例如 15 表示 15%。" in text_of(bad)

    # saved: the minimum applies to the results
    response = post(
        client,
        f"{base}/settings",
        {"award_first": "15", "award_second": "25", "award_third": "35", "award_min_score": "90"},
    )
    assert response.status_code == 303
    assert world.run(get_event_row(world.event_id))["award_min_score"] == "90"
    row = world.run(results.compute_results(world.event_id))["entries"][0]
    assert (row["entry_id"], row["rank"], row["score"], row["award"]) == (made.entry_ids[0], 1, "88.50", None)
    # cleared again: the third prize is back
    post(client, f"{base}/settings", {"award_min_score": ""})
    assert world.run(results.compute_results(world.event_id))["entries"][0]["award"] == "third"


def test_publication_page_puts_the_publish_action_first_and_folds_a_long_incomplete_list(world):
    """A season with many unscored entries: the publish action (with its 公示期 and contact
    fields) comes before the incomplete list, a count sums the list up, and the list is folded."""
    from tests import factories

    factories.judged_event(world, entries=14, judges=1, scores=[90, 89] + [[None]] * 12)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    html_text = client.get(f"{base}/publication").text
    publish_form = html_text.index(f'action="{base}/publish"')
    ends_field = html_text.index('name="notice_ends_at"')
    contact_field = html_text.index('name="objection_contact"')
    incomplete_list = html_text.index('id="incomplete-entries"')
    assert publish_form < ends_field < contact_field < incomplete_list
    # the publish form is shown as it is (not folded); the list of 12 is folded (more than 10 rows)
    assert html_text.index('<div class="publish-action" id="publish-action">') < publish_form
    assert "<details" not in html_text[html_text.index('id="publish-action"') : publish_form]
    assert re.search(r'<details id="incomplete-entries" class="incomplete-list">', html_text)
    text = text_of(client.get(f"{base}/publication"))
    assert "本轮 14 个作品：评分完成 2 个，评分未完成 12 个。其中 12 个待决定。" in text
    assert text.index("本轮 14 个作品") < text.index("确认发布公示") < text.index("评分未完成的作品 12 个")


def test_award_shares_under_one_percent_ask_before_saving_and_errors_speak_percent(world):
    """The awards settings page works in percent: 0.15 there is 0.15 % (likely meant as 15 %),
    so it is not taken without a confirmation; messages name percentages, never "1"."""
    from competitions.events.services import get_event_row
    from tests import factories

    factories.judged_event(world, entries=4, judges=1)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    typed = {"award_first": "0.15", "award_second": "25", "award_third": "35"}
    asked = post(client, f"{base}/settings", typed)
    assert asked.status_code == 422
    text = text_of(asked)
    assert "一等奖比例填的是 0.15%（不到百分之一）。是不是想填 15%？" in text
    assert 'name="award_first" value="0.15"' in asked.text and 'name="confirm_small"' in asked.text
    assert world.run(get_event_row(world.event_id))["award_first"] == "0.15"  # unchanged: still 15 %
    # a preview warns the same way, without refusing
    preview = client.get(f"{base}/results", params={"preview": "1", **typed})
    assert "一等奖比例填的是 0.15%（不到百分之一）。是不是想填 15%？" in text_of(preview)
    assert "预览：按新设置各组的获奖情况" in text_of(preview)
    # "did you mean 15 %?" -- yes: the button takes 0.15 as 15 % (stored as the share 0.15)
    fixed = post(
        client,
        f"{base}/settings",
        {"award_first": "0.2", "award_second": "25", "award_third": "35", "use_meant": "yes"},
    )
    assert fixed.status_code == 303
    assert world.run(get_event_row(world.event_id))["award_first"] == "0.2"
    assert "改为 一等奖 15% 并保存" in text
    # confirmed: 0.15 % is stored as the decimal share 0.0015
    saved = post(client, f"{base}/settings", {**typed, "confirm_small": "yes"})
    assert saved.status_code == 303
    assert world.run(get_event_row(world.event_id))["award_first"] == "0.0015"
    # a tier over 100 % names the tier and the value in percent; the sum likewise
    over = post(client, f"{base}/settings", {"award_second": "150"})
    assert over.status_code == 422 and "二等奖比例必须在 0% 到 100% 之间，现在是 150%。" in text_of(over)
    total = post(client, f"{base}/settings", {"award_first": "50", "award_second": "60", "award_third": "35"})
    assert "一、二、三等奖比例之和不能超过 100%，现在是 145%。" in text_of(total)
    assert "现在是 1.45" not in text_of(total)
    # in English the same, in words and percent
    client.cookies.set("lang", "en")
    english = text_of(post(client, f"{base}/settings", {"award_first": "0.15"}))
    assert "First prize share: 0.15% (less than one percent). Did you mean 15%?" in english


def test_the_api_keeps_award_shares_as_decimals(world):
    """The JSON API takes shares 0..1 (CONTRACT): 0.15 there is 15 % without a question."""
    from tests import factories
    from tests.judging.api import org

    factories.judged_event(world, entries=4, judges=1)
    response = world.client.patch(
        f"/api/v1/events/{world.event_id}", json={"award_quotas": {"first": 0.15}}, headers=org(world)
    )
    assert response.status_code == 200 and response.json()["award_quotas"]["first"] == "0.15"
    over = world.client.get(
        f"/api/v1/events/{world.event_id}/awards/preview", params={"first": "0.5", "second": "0.6"}, headers=org(world)
    )
    assert over.status_code == 422
    assert over.json()["detail"] == "一、二、三等奖比例之和不能超过 1，现在是 1.45。"
    assert over.json()["errors"] == [{"field": "award_third", "message": "三项之和不能超过 1。"}]


def test_robotics_results_page_hides_judges_methods_where_runs_rank(world):
    """Issue 13 review: a robotics event's results page offered 平均分 / Z 分数 and 评委一致性. With
    every challenge on a score sheet they are gone (and the page says why); with a judged category
    left (no sheet) they stay and the page names the categories they apply to."""
    from tests.judging.robotics.test_api import SHEET, Robotics

    rob = Robotics(world)
    assert rob.put_sheet(SHEET).status_code == 200  # R1 runs; R2 judged
    world.login_page("org")
    base = f"/events/{rob.event_id}/judging"
    mixed = world.client.get(f"{base}/results").text
    assert 'name="method"' in mixed and f'href="{base}/consistency"' in mixed
    assert "评委一致性只用于评委打分的类别：R2。" in text_of_html(mixed)
    assert rob.put_sheet(SHEET, code="R2").status_code == 200  # now every challenge runs
    runs = world.client.get(f"{base}/results").text
    assert 'name="method"' not in runs and f'href="{base}/consistency"' not in runs
    assert 'name="trim_min_scores"' not in runs and '<input type="hidden" name="aggregation" value="mean">' in runs
    assert "评委一致性不适用" in text_of_html(runs)
    # an innovation contest keeps everything, without the note
    from tests.factories import competitions as factories

    contest = factories.event(world, "科技创新大赛")
    page = world.client.get(f"/events/{contest['id']}/judging/results").text
    assert 'name="method"' in page and 'id="robotics-results-note"' not in page


def text_of_html(page: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_score_history_names_the_rubric_criteria_with_language_aware_separators(world):
    """A fresh user's finding: the history showed "innovation=10，scientific=8" (internal codes)."""
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    score_all(world, panel)
    entry_id = panel.entries[0]["id"]
    client = world.login_page("org")
    page = client.get(f"/events/{world.event_id}/judging/entries/{entry_id}")
    history = text_of(page).split("评分修改记录")[1]
    assert re.search(r"创新性 9(\.0+)?、科学性 8(\.0+)?、实用性 7(\.0+)?", history), history
    assert "innovation" not in history and "=" not in history
    client.cookies.set("lang", "en")
    english = client.get(f"/events/{world.event_id}/judging/entries/{entry_id}")
    assert re.search(r"创新性 9(\.0+)?, 科学性 8", text_of(english)), text_of(english)


def test_a_robotics_events_publication_page_speaks_of_teams(world):
    """Lead's check: the results pages of a robotics event said 作品 (entries) where every other page
    of the event says 队伍 (teams)."""
    from tests.judging.robotics.test_api import Robotics

    rob = Robotics(world)
    client = world.login_page("org")
    page = text_of_html(client.get(f"/events/{rob.event_id}/judging/publication").text)
    assert re.search(r"本轮 \d+ 个队伍", page), page
    assert "作品" not in page
    client.cookies.set("lang", "en")
    english = text_of_html(client.get(f"/events/{rob.event_id}/judging/publication").text)
    assert " teams" in english and " entries" not in english, english
