"""Judging web pages: organizer pages drive the judging services through forms with CSRF,
judges see only their entries (never ID numbers or phones) and save through the page
endpoint (versioned, 409 for a stale version), and the public results page appears only
once results are published, with names masked without the guardian's consent."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from app.accounts import services as accounts
from competitions.registration import services as registration
from competitions.registration.members import MemberInput
from judging.panels import assignments
from judging.panels import services as panels
from judging.results import publication
from judging.results import services as results
from judging.scoring import services as scoring
from judging.scoring.tables import Assignment
from judging.scoring.tables import Score
from tests.conftest import PASSWORD, gb11643


def csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def post(client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={**(data or {}), "_csrf_token": csrf(client)}, follow_redirects=False, **kwargs)


def put_score(client, entry_id: int, body: dict, with_csrf: bool = True):
    headers = {"x-csrftoken": csrf(client)} if with_csrf else {}
    return client.put(f"/judging/entries/{entry_id}/score", json=body, headers=headers)


def text_of(response) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def flashes(client, url: str) -> str:
    return text_of(client.get(url))


def id_number(seq: int) -> str:
    return gb11643(f"46010520110315{seq:03d}")


def masked(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


@dataclass
class Panel:
    """Five PH entries (two from HK01, two from HK02, one from SY01) and three PH judges:
    ``judge`` (no school), ``judge_hk`` (of HK01: never scores HK01's entries) and ``judge_sy``."""

    entries: list[dict] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)   # student name -> full ID number
    phones: dict[str, str] = field(default_factory=dict)
    judges: dict[str, int] = field(default_factory=dict)


def build_panel(world, *, judges: bool = True) -> Panel:
    run, org = world.run, world.org
    panel = Panel()
    specs = [
        ("HK01", "椰壳纤维的隔热性能研究", ("张三丰", True), ("李四", False)),
        ("HK01", "简易地震波演示装置", ("王五", True), None),
        ("HK02", "太阳能海水淡化蒸发效率", ("赵小六", False), None),
        ("HK02", "台风路径的概率模型", ("钱七", True), None),
        ("SY01", "珊瑚白化与水温的关系", ("孙八", False), None),
    ]
    seq = 101  # odd 17th digit: male
    for school, title, *students in specs:
        members = []
        for student in students:
            if student is None:
                continue
            name, consent = student
            seq += 2
            panel.ids[name] = id_number(seq)
            panel.phones[name] = f"139{seq:08d}"
            members.append(MemberInput(role="student", name=name, gender="男", id_number=panel.ids[name], grade="初二",
                                       phone=panel.phones[name], consent_participation=True, consent_publication=consent))
        members.append(MemberInput(role="adviser", name=f"{title[:2]}老师", phone="13600000000"))
        entry = run(registration.create_entry(org, world.event_id, {"title": title, "category": "PH", "division": "初中",
                                                                     "school_code": school, "summary": "研究简介：" + title}, members))
        assert entry["status"] == "approved"
        panel.entries.append(entry)
    if judges:
        run(accounts.create_user(None, username="judge_hk", password=PASSWORD, role="judge", display_name="海口评委"))
        run(accounts.create_user(None, username="judge_sy", password=PASSWORD, role="judge", display_name="三亚评委"))
        for username, school in (("judge", None), ("judge_hk", "HK01"), ("judge_sy", "SY01")):
            added = run(panels.add_judge(org, world.event_id, {"username": username, "category_codes": ["PH"], "school_code": school}))
            panel.judges[username] = added["user_id"]
    return panel


def assigned_to(world, judge_id: int) -> list[int]:
    return sorted(r["entry"] for r in world.run(Assignment.select(Assignment.entry).where(Assignment.judge == judge_id)))


def score_all(world, panel: Panel, points: dict[str, dict[int, dict[str, int]]] | None = None) -> None:
    """Every assigned judge scores every entry (default: points from the entry's position)."""
    for username, judge_id in panel.judges.items():
        actor = world.principal(username)
        for entry_id in assigned_to(world, judge_id):
            index = [e["id"] for e in panel.entries].index(entry_id)
            values = (points or {}).get(username, {}).get(entry_id) or {"innovation": 9 - index, "scientific": 8, "practical": 7}
            world.run(scoring.put_score(actor, entry_id, values))


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
    response = post(client, f"{base}/rubric", {
        "code": ["innovation", "scientific", "practical", ""], "name": ["创新性", "科学性", "实用性", ""],
        "weight": ["50", "30", "20", ""], "max_points": ["10", "10", "10", ""],
        "description": ["新颖", "严谨", "有用", ""],
    })
    assert response.status_code == 303, text_of(response)
    assert "评分标准已保存" in flashes(client, f"{base}/rubric")
    from judging.scoring.rubric import get_rubric

    saved = world.run(get_rubric(world.event_id))
    assert [(c["code"], c["weight"]) for c in saved] in ([("innovation", "50"), ("scientific", "30"), ("practical", "20")],
                                                         [("innovation", "5E+1"), ("scientific", "3E+1"), ("practical", "2E+1")])
    # an invalid rubric comes back with the typed rows and the message
    response = post(client, f"{base}/rubric", {"code": ["a", "a"], "name": ["甲", "乙"], "weight": ["1", "2"],
                                               "max_points": ["10", "10"], "description": ["", ""]})
    assert response.status_code == 422 and "重复" in response.text and 'value="乙"' in response.text
    # a category override
    response = post(client, f"{base}/rubric", {"category": "PH", "code": ["idea"], "name": ["创意"], "weight": ["100"],
                                               "max_points": ["20"], "description": [""]})
    assert response.status_code == 303
    assert "PH 物理与天文学 ★" in text_of(client.get(f"{base}/rubric"))
    response = post(client, f"{base}/rubric", {"category": "PH", "code": ["innovation", "scientific", "practical"],
                                               "name": ["创新性", "科学性", "实用性"], "weight": ["50", "30", "20"],
                                               "max_points": ["10", "10", "10"], "description": ["", "", ""]})
    assert response.status_code == 303

    # judges are added from the page: existing judge accounts with categories, school and conflicts
    page = client.get(f"{base}/judges")
    assert "海口评委" in page.text and "本赛事还没有评委" in page.text
    conflict_code = panel.entries[3]["code"]
    response = post(client, f"{base}/judges", {"username": "judge", "category_codes": ["PH", "CH"], "school_code": "",
                                               "conflict_entries": conflict_code, "conflict_advisers": "某老师、另一位老师"})
    assert response.status_code == 303
    response = post(client, f"{base}/judges", {"username": "judge_hk", "category_codes": ["PH"], "school_code": "HK01"})
    assert response.status_code == 303
    judges = world.run(panels.list_judges(world.event_id))
    assert {j["username"] for j in judges} == {"judge", "judge_hk"}
    first = next(j for j in judges if j["username"] == "judge")
    assert first["conflict_entries"] == [panel.entries[3]["id"]] and first["conflict_advisers"] == ["某老师", "另一位老师"]
    page = text_of(client.get(f"{base}/judges"))
    assert conflict_code in page and "海口市第一中学" in page
    # an unknown entry code is refused with a message, nothing changes
    response = post(client, f"{base}/judges", {"username": "judge", "category_codes": ["PH"], "conflict_entries": "XX-0000"})
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
    response = post(client, f"{base}/assignments/{row['id']}/move", {"judge_id": str(panel.judges["judge_hk"]), "back": "?judge=1"})
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
    assert re.search(r'<span id="scored-count" data-scored="1">已评 1</span>', client.get(f"/judging/entries/{entry_id}").text)
    # a late replay of an older edit with other values: 409 with the server's sheet, nothing overwritten
    response = put_score(client, entry_id, {"criteria": {"innovation": "3"}, "comment": "数据扎实", "version": 1})
    assert response.status_code == 409
    data = response.json()
    assert data["extra"]["current_version"] == 2 and data["server"]["version"] == 2
    assert data["progress"]["scored"] == 1 and data["server"]["total"] and data["server"]["complete"] is True
    assert data["server"]["criteria"] == {"innovation": "8", "scientific": "7.5", "practical": "6"}
    assert "版本" in data["detail"]
    score = world.run(Score.select().where((Score.entry == entry_id) & (Score.judge == judge_id)).output(load_json=True).first())
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

    # finalized: the notices say the results are final, not that they are on public notice
    world.run(publication.finalize(world.org, world.event_id))
    listing, scoring_page = text_of(client.get("/judging/")), text_of(client.get(f"/judging/entries/{entry_id}"))
    for text in (listing, scoring_page):
        assert "结果已定稿，评分已锁定，只能查看。" in text and "结果已公示" not in text
    assert "已定稿" in listing and "公示中" not in listing
    assert 'class="badge state-finalized"' in client.get("/judging/").text
    response = put_score(client, entry_id, {"criteria": {"innovation": "9"}, "version": 1})
    assert response.status_code == 409 and "定稿" in response.json()["detail"]
    client.cookies.set("lang", "en")
    assert "Results are final: scores are locked and read-only." in text_of(client.get("/judging/"))


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
    response = post(client, f"{base}/awards", {"entry_id": str(last["entry_id"]), "award": "third", "reason": "现场答辩表现突出"})
    assert response.status_code == 303
    text = text_of(client.get(f"{base}/results"))
    assert "现场答辩表现突出" in text and "已调整" in text
    assert next(r for r in world.run(results.compute_results(world.event_id))["entries"] if r["entry_id"] == last["entry_id"])["award"] == "third"

    # recommendations
    response = post(client, f"{base}/recommendations", {"entry_ids": [str(top["entry_id"])]})
    assert response.status_code == 303
    assert "1 个作品推荐" in flashes(client, f"{base}/results")
    # settings: aggregation method and quotas through the event service
    response = post(client, f"{base}/settings", {"aggregation": "trimmed_mean", "award_first": "0.2"})
    assert response.status_code == 303
    response = post(client, f"{base}/settings", {"award_first": "0.9", "award_second": "0.9"})
    assert "不能超过 1" in flashes(client, f"{base}/results")
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
        assert "孙*" in text and "孙八" not in text
        assert panel.entries[0]["title"] in text and "公示中" in text
        for number in panel.ids.values():
            assert number not in page.text and masked(number) not in page.text

    # an objection and its handling; an organizer change citing it
    response = post(client, f"{base}/objections", {"entry_code": panel.entries[2]["code"], "raised_by": "海南华侨中学",
                                                   "content": "对实用性评分有异议"})
    assert response.status_code == 303
    objection = world.run(publication.list_objections(world.event_id))[0]
    assert objection["entry"] == panel.entries[2]["id"]
    sheet = next(s for s in world.run(scoring.entry_scores(panel.entries[2]["id"])) if s["score_id"])
    response = post(client, f"{base}/scores/{sheet['score_id']}", {"entry_id": str(panel.entries[2]["id"]), "points_practical": "9",
                                                                    "objection": str(objection["id"]), "reason": "复核后更正"})
    assert response.status_code == 303
    page = text_of(client.get(f"{base}/entries/{panel.entries[2]['id']}"))
    assert "复核后更正" in page and f"异议 #{objection['id']}" in page
    response = post(client, f"{base}/objections/{objection['id']}/resolve", {"status": "resolved", "handling": "已复核并更正实用性得分"})
    assert response.status_code == 303
    assert "已复核并更正实用性得分" in text_of(client.get(f"{base}/publication"))

    # finalize, then unlocking needs a reason
    response = post(client, f"{base}/finalize", {"confirm": "yes"})
    assert response.status_code == 303
    assert "已定稿" in text_of(client.get(f"{base}/publication"))
    response = post(client, f"{base}/unlock", {"confirm": "yes", "reason": ""})
    assert "理由" in flashes(client, f"{base}/publication")
    assert world.run(publication.is_published(world.event_id)) is True
    from judging.rounds.services import current_round

    assert world.run(current_round(world.event_id))["state"] == "finalized"
    response = post(client, f"{base}/unlock", {"confirm": "yes", "reason": "异议复核需要更正"})
    assert world.run(current_round(world.event_id))["state"] == "published"


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
