"""Judging pages of the panel: organizer pages set the rubric, add judges and assign through
forms with CSRF; judges see only their entries (never ID numbers or phones) and save through
the page endpoint (versioned, 409 for a stale version), read-only once results are published."""

from __future__ import annotations

import re

from app.accounts import services as accounts
from judging.panels import assignments
from judging.panels import services as panels
from judging.results import publication
from judging.scoring import services as scoring
from judging.scoring.tables import Assignment, Score
from tests.conftest import PASSWORD
from tests.judging.pages import assigned_to, build_panel, flashes, masked, post, put_score, text_of

# --------------------------------------------------------------------------- organizer: set up and assign


def test_organizer_sets_rubric_adds_judges_and_generates_assignments(world):
    panel = build_panel(world, judges=False)
    world.run(accounts.create_user(None, username="judge_hk", password=PASSWORD, role="judge", display_name="海口评委"))
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"

    page = client.get(f"{base}/")
    assert page.status_code == 200 and "评分标准" in page.text and "尚未保存" in page.text

    # the rubric editor shows the defaults and saves typed rows (blank rows ignored)
    page = client.get(f"{base}/rubric")
    assert "创新性" in page.text and 'value="40"' in page.text
    response = post(
        client,
        f"{base}/rubric",
        {
            "code": ["innovation", "scientific", "practical", ""],
            "name": ["创新性", "科学性", "实用性", ""],
            "weight": ["50", "30", "20", ""],
            "max_points": ["10", "10", "10", ""],
            "description": ["新颖", "严谨", "有用", ""],
        },
    )
    assert response.status_code == 303, text_of(response)
    assert "评分标准已保存" in flashes(client, f"{base}/rubric")
    from judging.scoring.rubric import get_rubric

    saved = world.run(get_rubric(world.event_id))
    assert [(c["code"], c["weight"]) for c in saved] in (
        [("innovation", "50"), ("scientific", "30"), ("practical", "20")],
        [("innovation", "5E+1"), ("scientific", "3E+1"), ("practical", "2E+1")],
    )
    # an invalid rubric comes back with the typed rows and the message
    response = post(
        client,
        f"{base}/rubric",
        {
            "code": ["a", "a"],
            "name": ["甲", "乙"],
            "weight": ["1", "2"],
            "max_points": ["10", "10"],
            "description": ["", ""],
        },
    )
    assert response.status_code == 422 and "重复" in response.text and 'value="乙"' in response.text
    # a category override
    response = post(
        client,
        f"{base}/rubric",
        {
            "category": "PH",
            "code": ["idea"],
            "name": ["创意"],
            "weight": ["100"],
            "max_points": ["20"],
            "description": [""],
        },
    )
    assert response.status_code == 303
    assert "PH 物理与天文学 ★" in text_of(client.get(f"{base}/rubric"))
    response = post(
        client,
        f"{base}/rubric",
        {
            "category": "PH",
            "code": ["innovation", "scientific", "practical"],
            "name": ["创新性", "科学性", "实用性"],
            "weight": ["50", "30", "20"],
            "max_points": ["10", "10", "10"],
            "description": ["", "", ""],
        },
    )
    assert response.status_code == 303

    # judges are added from the page: existing judge accounts with categories, school and conflicts
    page = client.get(f"{base}/judges")
    assert "海口评委" in page.text and "本赛事还没有评委" in page.text
    conflict_code = panel.entries[3]["code"]
    response = post(
        client,
        f"{base}/judges",
        {
            "username": "judge",
            "category_codes": ["PH", "CH"],
            "school_code": "",
            "conflict_entries": conflict_code,
            "conflict_advisers": "某老师、另一位老师",
        },
    )
    assert response.status_code == 303
    response = post(client, f"{base}/judges", {"username": "judge_hk", "category_codes": ["PH"], "school_code": "HK01"})
    assert response.status_code == 303
    judges = world.run(panels.list_judges(world.event_id))
    assert {j["username"] for j in judges} == {"judge", "judge_hk"}
    first = next(j for j in judges if j["username"] == "judge")
    assert first["conflict_entries"] == [panel.entries[3]["id"]] and first["conflict_advisers"] == [
        "某老师",
        "另一位老师",
    ]
    page = text_of(client.get(f"{base}/judges"))
    assert conflict_code in page and "海口市第一中学" in page
    # an unknown entry code is refused with a message, nothing changes
    response = post(
        client, f"{base}/judges", {"username": "judge", "category_codes": ["PH"], "conflict_entries": "XX-0000"}
    )
    assert "XX-0000" in flashes(client, f"{base}/judges")

    # generate with k=2: every entry needs both judges, but judge_hk may not score HK01's
    # entries and judge declared a conflict with entry 4
    response = post(client, f"{base}/assignments/generate", {"judges_per_entry": "2"})
    assert response.status_code == 303 and response.headers["location"].endswith("/assignments?k=2")
    total = world.run(Assignment.count())
    assert total == 7  # 5 entries x 2 judges - 2 own-school - 1 declared
    page = client.get(f"{base}/assignments?k=2")
    text = text_of(page)
    assert f"共 {total} 条分配" in text and "已生成分配" in text
    assert "评委不足的作品" in text and "评委与作品同校" in text and "评委申报回避该作品" in text
    for entry in (panel.entries[0], panel.entries[1], panel.entries[3]):
        assert entry["code"] in text
    # the selected judge's table and the printable sheet
    assert "改派给" in text and "打印评审单" in text
    sheet = client.get(f"{base}/assignments/print")
    assert sheet.status_code == 200 and "评委签名" in sheet.text and "海口评委" in sheet.text
    assert panel.entries[2]["code"] in sheet.text


def test_organizer_moves_an_assignment_with_conflict_checks(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 1))
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    # an HK01 entry can never go to judge_hk
    hk01_entry = panel.entries[0]["id"]
    row = world.run(Assignment.select().where(Assignment.entry == hk01_entry).first())
    page = client.get(f"{base}/assignments?judge={row['judge']}")
    assert page.status_code == 200
    options = re.search(rf'/assignments/{row["id"]}/move".*?</select>', page.text, flags=re.S).group(0)
    assert "海口评委" not in options
    response = post(
        client, f"{base}/assignments/{row['id']}/move", {"judge_id": str(panel.judges["judge_hk"]), "back": "?judge=1"}
    )
    assert response.status_code == 303
    assert "评委与作品同校" in flashes(client, f"{base}/assignments")
    target = next(j for name, j in panel.judges.items() if name != "judge_hk" and j != row["judge"])
    response = post(client, f"{base}/assignments/{row['id']}/move", {"judge_id": str(target)})
    assert response.status_code == 303
    assert world.run(Assignment.select().where(Assignment.id == row["id"]).first())["judge"] == target


def test_only_organizers_open_organizer_pages(world):
    build_panel(world)
    client = world.login_page("judge")
    assert client.get(f"/events/{world.event_id}/judging/results").status_code == 403
    assert post(client, f"/events/{world.event_id}/judging/publish", {"confirm": "yes"}).status_code == 403
    anonymous = client.__class__(app=client.app)
    with anonymous:
        response = anonymous.get(f"/events/{world.event_id}/judging/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --------------------------------------------------------------------------- judge pages


def test_judge_sees_only_assigned_entries_without_id_numbers_or_phones(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    mine = assigned_to(world, panel.judges["judge_hk"])
    assert mine and panel.entries[0]["id"] not in mine  # own school
    client = world.login_page("judge_hk")

    page = client.get("/judging/")
    assert page.status_code == 200
    text = text_of(page)
    assert f"已评 0 / {len(mine)}" in text
    for entry in panel.entries:
        if entry["id"] in mine:
            assert entry["title"] in text and f'href="/judging/entries/{entry["id"]}"' in page.text
        else:
            assert entry["title"] not in text
    assert "我的评审" in page.text  # nav link

    # an entry not assigned to this judge: 404, no data
    other = next(e for e in panel.entries if e["id"] not in mine)
    response = client.get(f"/judging/entries/{other['id']}")
    assert response.status_code == 404 and other["title"] not in response.text

    # the scoring page: project, criteria with touch controls, no ID numbers or phones
    entry = next(e for e in panel.entries if e["id"] in mine and any(m["role"] == "student" for m in e["members"]))
    page = client.get(f"/judging/entries/{entry['id']}")
    assert page.status_code == 200
    assert entry["title"] in page.text and entry["code"] in page.text and "研究简介" in page.text
    assert "物理与天文学" in page.text and "初中" in page.text
    assert page.text.count('class="pt"') == 33  # 0..10 for each of three criteria
    assert "创新性" in page.text and "/static/judge.js" in page.text
    for member in entry["members"]:
        name = member["name"]
        if name in panel.ids:
            full = panel.ids[name]
            assert full not in page.text and masked(full) not in page.text and full[-4:] + "<" not in page.text
            assert panel.phones[name] not in page.text and panel.phones[name][:3] + "****" not in page.text
    assert "136" + "****" not in page.text and "13600000000" not in page.text  # the adviser's phone

    # uploaded documents are listed with download links the judge may follow
    from competitions.registration import documents

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    doc = world.run(documents.upload_document(world.org, entry["id"], "research_report", "研究报告.pdf", pdf))
    page = client.get(f"/judging/entries/{entry['id']}")
    assert f'href="/documents/{doc["id"]}"' in page.text and "研究报告.pdf" in page.text
    download = client.get(f"/documents/{doc['id']}")
    assert download.status_code == 200 and download.content == pdf
    other_doc = world.run(documents.upload_document(world.org, other["id"], "research_report", "别人的报告.pdf", pdf))
    assert client.get(f"/documents/{other_doc['id']}").status_code == 404

    # organizers get the judges' overview instead of a judge list
    client = world.login_page("org")
    assert "进入评审管理" in client.get("/judging/").text


def test_saving_through_the_page_endpoint_is_versioned_and_needs_csrf(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    judge_id = panel.judges["judge"]
    entry_id = assigned_to(world, judge_id)[0]
    client = world.login_page("judge")
    client.get(f"/judging/entries/{entry_id}")

    body = {"criteria": {"innovation": "8", "scientific": "7.5"}, "comment": "数据扎实", "version": 0}
    assert put_score(client, entry_id, body, with_csrf=False).status_code == 403
    mine = world.run(assignments.my_assignments(world.principal("judge")))
    response = put_score(client, entry_id, body)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1 and response.json()["complete"] is False
    # the answer carries the judge's progress in the event, for the pages' "已评" counts
    assert response.json()["progress"] == {"event_id": world.event_id, "scored": 0, "assigned": len(mine)}
    # a replay of the same sheet (the tablet did not hear the answer) changes nothing
    response = put_score(client, entry_id, body)
    assert response.status_code == 200 and response.json()["version"] == 1
    # the next edit is based on version 1
    response = put_score(client, entry_id, {"criteria": {"practical": "6"}, "comment": "数据扎实", "version": 1})
    assert response.status_code == 200 and response.json()["version"] == 2 and response.json()["complete"] is True
    assert response.json()["progress"] == {"event_id": world.event_id, "scored": 1, "assigned": len(mine)}
    # the scoring page's header count is rendered in an element the page script updates
    assert re.search(
        r'<span id="scored-count" data-scored="1">已评 1</span>', client.get(f"/judging/entries/{entry_id}").text
    )
    # a late replay of an older edit with other values: 409 with the server's sheet, nothing overwritten
    response = put_score(client, entry_id, {"criteria": {"innovation": "3"}, "comment": "数据扎实", "version": 1})
    assert response.status_code == 409
    data = response.json()
    assert data["extra"]["current_version"] == 2 and data["server"]["version"] == 2
    assert data["progress"]["scored"] == 1 and data["server"]["total"] and data["server"]["complete"] is True
    assert data["server"]["criteria"] == {"innovation": "8", "scientific": "7.5", "practical": "6"}
    assert "版本" in data["detail"]
    score = world.run(
        Score.select().where((Score.entry == entry_id) & (Score.judge == judge_id)).output(load_json=True).first()
    )
    assert score["points"]["innovation"] == "8" and score["version"] == 2
    # out of range: 422 with a message; not assigned: 403 as JSON
    response = put_score(client, entry_id, {"criteria": {"innovation": "11"}, "version": 2})
    assert response.status_code == 422 and "0 到 10" in response.json()["detail"]
    other = next(e["id"] for e in panel.entries if e["id"] not in assigned_to(world, judge_id))
    response = put_score(client, other, {"criteria": {"innovation": "5"}, "version": 0})
    assert response.status_code in (403, 404) and response.headers["content-type"].startswith("application/json")
    assert put_score(client, entry_id, {"criteria": "nope"}).status_code == 400
    # the current sheet for the page script
    current = client.get(f"/judging/entries/{entry_id}/score").json()
    assert current["version"] == 2 and current["comment"] == "数据扎实"
    # the page shows the saved values and total: 8/10*40 + 7.5/10*30 + 6/10*30 = 72.50
    page = client.get(f"/judging/entries/{entry_id}")
    assert 'id="total" class="total">72.50<' in page.text and 'data-state="saved"' in page.text
    assert re.search(r'data-value="8" aria-pressed="true"', page.text)
    # the list page counts it as scored
    assert "已评 1 / " in text_of(client.get("/judging/"))


def test_scores_are_read_only_after_publication(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    entry_id = assigned_to(world, panel.judges["judge"])[0]
    world.run(scoring.put_score(world.principal("judge"), entry_id, {"innovation": 5, "scientific": 5, "practical": 5}))
    world.run(publication.publish(world.org, world.event_id))
    client = world.login_page("judge")
    page = client.get(f"/judging/entries/{entry_id}")
    assert page.status_code == 200
    assert "评分已锁定" in page.text and 'data-state="locked"' in page.text and "save-button" not in page.text
    assert re.search(r'class="pt" data-value="5" aria-pressed="true" disabled', page.text)
    response = put_score(client, entry_id, {"criteria": {"innovation": "9"}, "version": 1})
    assert response.status_code == 409 and "公示" in response.json()["detail"]
    assert "current_version" not in (response.json()["extra"] or {})
    assert "评分已锁定" in text_of(client.get("/judging/"))
    # published: both pages say so (not "final")
    listing, scoring_page = text_of(client.get("/judging/")), text_of(client.get(f"/judging/entries/{entry_id}"))
    for text in (listing, scoring_page):
        assert "结果已公示，评分已锁定" in text and "已定稿" not in text
    assert "公示中" in listing

    # finalized (the entries left unscored as unranked): the notices say the results are final, not that
    # they are on public notice
    world.run(publication.finalize(world.org, world.event_id, incomplete_as_unranked=True, reason="只测一个作品"))
    listing, scoring_page = text_of(client.get("/judging/")), text_of(client.get(f"/judging/entries/{entry_id}"))
    for text in (listing, scoring_page):
        assert "结果已定稿，评分已锁定，只能查看。" in text and "结果已公示" not in text
    assert "已定稿" in listing and "公示中" not in listing
    assert 'class="badge state-finalized"' in client.get("/judging/").text
    response = put_score(client, entry_id, {"criteria": {"innovation": "9"}, "version": 1})
    assert response.status_code == 409 and "定稿" in response.json()["detail"]
    client.cookies.set("lang", "en")
    assert "Results are final: scores are locked and read-only." in text_of(client.get("/judging/"))


def test_pages_in_english(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    client = world.login_page("judge")
    client.cookies.set("lang", "en")
    entry_id = assigned_to(world, panel.judges["judge"])[0]
    page = client.get("/judging/")
    assert "My judging" in page.text and "Scored 0 / " in text_of(page)
    page = client.get(f"/judging/entries/{entry_id}")
    assert "Not scored yet" in page.text and "Comments (optional)" in page.text
    client = world.login_page("org")
    client.cookies.set("lang", "en")
    page = client.get(f"/events/{world.event_id}/judging/assignments")
    assert "Generate assignments" in page.text and "Judges per entry" in page.text


def test_assignment_form_defaults_to_the_k_in_use_and_says_why_an_entry_has_no_judge(world):
    from competitions.events import services as events
    from tests import factories

    world.run(events.update_event(world.org, world.event_id, {"judge_city_conflict": True}))
    for name in ("hk1", "hk2", "hk3"):
        factories.judge(world, name, ["MA"], city="海口")
    hk_entry, sy_entry = factories.entries(world, 2, schools=("HK01", "SY01"), category="MA")
    world.run(assignments.generate(world.org, world.event_id, 2))
    client = world.login_page("org")
    page = client.get(f"/events/{world.event_id}/judging/assignments")
    # the SY01 entry got 2 judges, the HK01 one none: k in use is 2, the form offers it
    assert 'name="judges_per_entry" type="number" min="1" max="20" value="2"' in page.text
    text = text_of(page)
    assert "现在的分配是每个作品 2 位评委。" in text and "以下作品不足 2 位评委。" in text
    assert hk_entry["code"] in text and sy_entry["code"] not in text.split("评委工作量")[0]
    # in words: all three judges of the category are from the entry's city
    assert "“数学”的 3 位评委都来自该作品学校所在的市县（海口市），本赛事要求同市县回避。" in text


def test_blind_review_hides_school_and_city_from_judges(world):
    from tests import factories

    made = factories.judged_event(world, entries=1, judges=1, complete=False)
    entry_id = made.entry_ids[0]
    judge = world.headers("judge1")
    seen = world.client.get(f"/api/v1/entries/{entry_id}", headers=judge).json()
    assert (seen["school_code"], seen["school_name"], seen["city"]) == ("HK01", "海口市第一中学", "海口市")
    client = world.login_page("judge1")
    assert "海口市第一中学" in text_of(client.get(f"/judging/entries/{entry_id}"))

    # switched on from the judges page
    org = world.login_page("org")
    response = post(org, f"/events/{world.event_id}/judging/judges/blind", {"blind_review": "true"})
    assert response.status_code == 303
    judges_page = text_of(org.get(f"/events/{world.event_id}/judging/judges"))
    assert "盲评： 开启：评委看不到作品的学校和市县 关闭盲评" in judges_page
    # the judge's API entry view and list, and the scoring page, no longer show school or city
    seen = world.client.get(f"/api/v1/entries/{entry_id}", headers=judge).json()
    assert (seen["school_code"], seen["school_name"], seen["city"]) == ("", "", None)
    listed = world.client.get(f"/api/v1/events/{world.event_id}/entries", headers=judge).json()
    assert [(e["id"], e["school_code"], e["school_name"], e["city"]) for e in listed] == [(entry_id, "", "", None)]
    client = world.login_page("judge1")
    page = text_of(client.get(f"/judging/entries/{entry_id}"))
    assert "海口市第一中学" not in page and "海口" not in page and "盲评：不显示学校和市县" in page
    # organizers still see everything
    seen = world.client.get(f"/api/v1/entries/{entry_id}", headers=world.headers("org")).json()
    assert seen["school_code"] == "HK01"


def test_before_generating_the_page_counts_judges_per_category_and_lists_no_shortfall(world):
    """A fresh user's finding: before any assignment the page listed "评委不足的作品 … 0 / 1" while the
    form offered k = 5, and said "请先添加评委" although three judges were added."""
    from tests import factories

    for name in ("ma1", "ma2"):
        factories.judge(world, name, ["MA"])
    factories.judge(world, "ph1", ["PH"])
    factories.entries(world, 2, schools=("HK01", "SY01"), category="MA")
    client = world.login_page("org")
    text = text_of(client.get(f"/events/{world.event_id}/judging/assignments"))
    assert "评委不足的作品" not in text and "请先添加评委" not in text
    assert "还没有分配。本赛事有 3 位评委（MA 2 位、PH 1 位）：填好每个作品的评委人数 k，点“生成分配”。" in text
    # asking for a k shows the shortfall against that k
    asked = text_of(client.get(f"/events/{world.event_id}/judging/assignments?k=3"))
    assert "评委不足的作品" in asked and "以下作品不足 3 位评委。" in asked
