"""Requirements checked before review (issue 12 item 5): the fewest advisers and the documents an
entry must carry before a school can submit it; reviewers see what is missing."""

from __future__ import annotations

from tests.competitions.api import call, category_id, hdr, patch_event
from tests.competitions.registration.test_documents import pdf, upload
from tests.competitions.registration.test_entries_api import adviser, new_entry, student


def test_a_school_cannot_submit_until_the_requirements_are_met(world):
    patch_event(world, {"min_advisers": 1, "required_documents": ["research_report", "application_form"]})
    event = call(world, "GET", f"/api/v1/events/{world.event_id}", "org").json()
    assert (event["min_advisers"], event["required_documents"]) == (1, ["application_form", "research_report"])
    entry = new_entry(world, "hk01", "红树林", [student("李明")])
    assert entry["missing"] == ["至少需要 1 名辅导教师，现在有 0 名。", "缺少申报书。", "缺少研究报告。"]
    refused = call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01")
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "作品还不能提交：至少需要 1 名辅导教师，现在有 0 名。 缺少申报书。 缺少研究报告。 请补齐后再提交。"
    )
    assert [e["field"] for e in refused.json()["errors"]] == ["requirements"] * 3
    call(world, "POST", f"/api/v1/entries/{entry['id']}/members", "hk01", json=adviser("陈老师"))
    assert upload(world, "hk01", entry["id"], "application_form", pdf()).status_code == 201
    # the reviewer sees what is still missing, in the list and on the entry
    listed = {e["id"]: e for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()}
    assert listed[entry["id"]]["missing"] == ["缺少研究报告。"]
    assert upload(world, "hk01", entry["id"], "research_report", pdf()).status_code == 201
    submitted = call(world, "POST", f"/api/v1/entries/{entry['id']}/submit", "hk01")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["missing"] == []


def test_a_category_can_require_its_own_documents_and_judges_never_see_the_list(world):
    patch_event(world, {"required_documents": ["research_report"]})
    ph = category_id(world, "PH")
    changed = call(
        world,
        "PATCH",
        f"/api/v1/events/{world.event_id}/categories/{ph}",
        "org",
        json={"required_documents": ["photo"]},
    )
    assert changed.json()["required_documents"] == ["photo"]
    physics = new_entry(world, "hk01", "物理作品", [student("王一"), adviser("陈老师")], category="PH")
    maths = new_entry(world, "hk01", "数学作品", [student("王二"), adviser("陈老师")], category="MA")
    assert physics["missing"] == ["缺少照片。"] and maths["missing"] == ["缺少研究报告。"]
    bad = call(world, "PATCH", f"/api/v1/events/{world.event_id}", "org", json={"required_documents": ["视频"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "required_documents"
    too_many = call(world, "PATCH", f"/api/v1/events/{world.event_id}", "org", json={"min_advisers": 3})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "min_advisers"


def test_the_organizer_may_approve_an_incomplete_entry_and_the_page_shows_the_gap(world):
    patch_event(world, {"required_documents": ["research_report"]})
    entry = new_entry(world, "org", "组委会代报", [student("赵一")], school_code="HK01")
    assert entry["status"] == "approved" and entry["missing"] == ["缺少研究报告。"]
    draft = new_entry(world, "hk01", "待补材料", [student("赵二")])
    client = world.login_page("org")
    page = client.get(f"/entries/{draft['id']}")
    assert "提交前还缺：" in page.text and "缺少研究报告。" in page.text
    listing = client.get(f"/events/{world.event_id}/entries")
    assert listing.text.count("材料不全") == 1  # the approved entry is not flagged


def test_a_school_import_keeps_incomplete_entries_as_drafts_and_bulk_approval_skips_them(world):
    """A fresh user's finding: a school's workbook put entries straight into review without the
    required documents, and bulk approval passed them. Now they stay drafts (the answer says how
    many), and bulk approval skips an incomplete entry with the reason."""
    from tests.competitions.registration.test_roster import stu, upload, workbook

    patch_event(world, {"required_documents": ["research_report"]})
    answer = upload(world, "hk01", workbook([stu("李明", _id(1))]))
    assert answer.status_code == 201, answer.text
    assert answer.json()["entries_incomplete"] == 1
    (entry,) = call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "hk01").json()
    assert entry["status"] == "draft" and entry["missing"] == ["缺少研究报告。"]
    # an entry submitted before the requirement was set is not passed in bulk either
    patch_event(world, {"required_documents": []})
    submitted = new_entry(world, "hk01", "先交的作品", [student("王一"), adviser("陈老师")], submit=True)
    patch_event(world, {"required_documents": ["research_report"]})
    bulk = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [submitted["id"]], "decision": "approve"},
    ).json()
    assert bulk["reviewed"] == []
    assert bulk["skipped"][0]["detail"] == "材料不全（缺少研究报告。），请打开作品逐个审查。"


def _id(n: int) -> str:
    from tests.competitions.registration.test_roster import sid

    return sid(n)


def test_submit_reports_every_problem_at_once_and_the_checklist_names_the_missing_student(world):
    """A fresh user's finding: the checklist did not say "no student yet", and submitting reported one
    problem at a time (first the students, then consent, then the rest). Now all of them, at once."""
    from tests.competitions.registration.test_pages import post, text_of

    patch_event(world, {"min_advisers": 1, "required_documents": ["research_report"]})
    problems = ["每个作品至少需要 1 名学生，现在有 0 名。", "至少需要 1 名辅导教师，现在有 0 名。", "缺少研究报告。"]
    empty = new_entry(world, "hk01", "空的作品", [])
    assert empty["missing"] == problems
    refused = call(world, "POST", f"/api/v1/entries/{empty['id']}/submit", "hk01")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "requirements", "message": m} for m in problems]
    unconsented = new_entry(world, "hk01", "未同意", [student("钱一", consent=False)])
    consent = "以下学生尚未确认监护人同意参赛：钱一。请在学生信息中勾选“监护人已同意参加本次活动”。"
    assert unconsented["missing"] == [consent, *problems[1:]]
    refused = call(world, "POST", f"/api/v1/entries/{unconsented['id']}/submit", "hk01")
    assert [e["message"] for e in refused.json()["errors"]] == [consent, *problems[1:]]
    # the page: the flash after submitting and the checklist both list every problem
    client = world.login_page("hk01")
    assert post(client, f"/entries/{empty['id']}/submit").status_code == 303
    page = text_of(client.get(f"/entries/{empty['id']}"))
    assert "作品还不能提交：" + " ".join(problems) + " 请补齐后再提交。" in page
    checklist = page.split("提交前还缺：")[1]
    assert all(p in checklist for p in problems)
    # the organizer may accept an entry without advisers or documents, never without a student
    as_org = call(world, "POST", f"/api/v1/entries/{empty['id']}/submit", "org")
    assert as_org.status_code == 422 and as_org.json()["errors"] == [{"field": "requirements", "message": problems[0]}]


def test_an_organizer_import_says_entries_were_approved_directly_and_links_to_those_lacking_materials(world):
    """A fresh user's finding: the organizer's import only said "导入完成" although the event requires
    documents: the entries are approved at once (CONTRACT), and the flash now says so and how many
    lack required materials, with a link to the list filtered to them."""
    from tests.competitions.registration.test_pages import _csrf
    from tests.competitions.registration.test_roster import stu, workbook

    patch_event(world, {"required_documents": ["application_form"]})
    client = world.login_page("org")
    response = client.post(
        f"/events/{world.event_id}/import",
        data={"_csrf_token": _csrf(client)},
        files={"file": ("roster.xlsx", workbook([stu("李明", _id(1)), stu("王二", _id(2), title="第二个作品")]), "x")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    listing = client.get(response.headers["location"]).text
    assert "组织者导入的作品已由组织者直接批准" in listing
    assert "其中 2 个作品还缺少本赛事要求的材料" in listing
    assert f'href="/events/{world.event_id}/entries?missing=1"' in listing
    entries = call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    assert sorted(e["status"] for e in entries) == ["approved", "approved"]
    # the filtered list holds exactly the entries lacking materials
    first = entries[0]
    assert upload(world, "org", first["id"], "application_form", pdf()).status_code == 201
    filtered = client.get(f"/events/{world.event_id}/entries?missing=1").text
    assert 'data-count="entries">共 1 个' in filtered


def test_an_entry_without_students_is_not_approved_and_the_organizer_is_told_which(world):
    """A fresh tester's finding: an organizer-registered team with 0 students was approved, the event
    finalized, and 0 certificates came out for it without a word. Approving an entry without a
    student is refused naming it (one by one and in bulk); an entry the organizer creates is approved
    at once (CONTRACT), so the page says at once that it has no student and the entry page and the
    list keep saying so until one is added."""
    from tests.competitions.registration.test_pages import post, text_of

    empty = new_entry(world, "hk01", "空的作品", [])
    no_student = "每个作品至少需要 1 名学生，现在有 0 名。"
    refused = call(world, "POST", f"/api/v1/entries/{empty['id']}/review", "org", json={"decision": "approve"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"作品“空的作品”（{empty['code']}）还不能通过审查：{no_student}"
    assert refused.json()["errors"] == [{"field": "requirements", "message": no_student}]
    english = world.client.post(
        f"/api/v1/entries/{empty['id']}/review",
        json={"decision": "approve"},
        headers={**hdr(world, "org"), "Accept-Language": "en"},
    )
    assert english.json()["detail"].startswith(f"Entry “空的作品” ({empty['code']}) cannot be approved yet: ")
    assert call(world, "GET", f"/api/v1/entries/{empty['id']}", "org").json()["status"] == "draft"
    bulk = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [empty["id"]], "decision": "approve"},
    ).json()
    assert bulk["reviewed"] == [] and no_student in bulk["skipped"][0]["detail"]
    # the organizer registers a team on the page: approved at once, and told it has no student
    client = world.login_page("org")
    made = post(
        client,
        f"/events/{world.event_id}/entries/new",
        {"title": "组委会代报", "category": "PH", "division": "初中", "school_code": "HK01"},
    )
    assert made.status_code in (302, 303), made.text
    page = client.get(made.headers["location"])
    (created,) = [
        e
        for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
        if e["title"] == "组委会代报"
    ]
    assert created["status"] == "approved" and created["members"] == []
    text = text_of(page)
    assert f"作品“组委会代报”已创建（编号 {created['code']}）并直接通过审查，但还没有学生" in text
    assert 'id="no-students"' in page.text and "本作品已通过审查，但还没有学生。" in text
    listing = client.get(f"/events/{world.event_id}/entries")
    assert listing.text.count('class="badge returned no-students"') == 1
    # a student added: the warnings go
    added = call(world, "POST", f"/api/v1/entries/{created['id']}/members", "org", json=student("孙一"))
    assert added.status_code == 201, added.text
    assert 'id="no-students"' not in client.get(f"/entries/{created['id']}").text
    assert "no-students" not in client.get(f"/events/{world.event_id}/entries").text
