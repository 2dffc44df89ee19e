"""Tours through the API (issue 17 item 3): the office previews and stores a plan from the open requests,
edits it with the planner's rules (409 naming a broken rule), confirms it (talks scheduled, schools and
experts notified in the app), cancels it; the expert's itinerary is a PDF.

The case (all in the week four weeks from now): expert 李航天 (no account) travels to 海口 and 三亚 and is
generally available, topic 航天 for 初中/高中; expert 王海洋 (account expert1) travels to 三亚 only and is
available Monday to Wednesday, topic 海洋 for 小学/初中. Requests: HK01 (海口) the 航天 topic; HK02 (海口)
subject 海洋; SY01 (三亚) the 航天 topic for 高中. No earlier talks: 海口 (460100) goes before 三亚
(460200) by code. So 李航天 goes to HK01 on Monday and, being in 海口 that day, to SY01 on Tuesday;
HK02 cannot be placed: the only 海洋 expert does not travel to 海口."""

from __future__ import annotations

import datetime as dt

from tests.competitions.outreach.conftest import monday_in


def _setup(outreach):
    monday = monday_in(4)
    li = outreach.expert("李航天", regions=["海口", "三亚"], generally_available=True)
    wang = outreach.expert("王海洋", username="expert1", regions=["三亚"])
    r = outreach.call(
        "POST",
        f"/experts/{wang['id']}/availability",
        json={"starts_on": monday.isoformat(), "ends_on": (monday + dt.timedelta(days=2)).isoformat()},
    )
    assert r.status_code == 201
    space = outreach.topic(li["id"], "火箭是怎样飞上天的", divisions=["初中", "高中"], subject="航天")
    ocean = outreach.topic(wang["id"], "珊瑚礁的秘密", divisions=["小学", "初中"], subject="海洋")
    hk01 = outreach.request("hk01", weeks=(4,), topic_id=space["id"], hall="报告厅")
    hk02 = outreach.request("hk02", weeks=(4,), subject="海洋")
    sy01 = outreach.request("sy01", weeks=(4,), division="高中", topic_id=space["id"])
    return monday, li, wang, space, ocean, hk01, hk02, sy01


def _body(monday, **extra):
    return {"starts_on": monday.isoformat(), "ends_on": (monday + dt.timedelta(days=4)).isoformat(), **extra}


def test_plan_edit_confirm_and_notify(outreach):
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    preview = outreach.call("POST", "/tours/preview", json=_body(monday))
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert [(t["school_name"], t["expert_name"], t["on_date"]) for t in p["talks"]] == [
        ("海口市第一中学", "李航天", monday.isoformat()),
        ("三亚市第一中学", "李航天", (monday + dt.timedelta(days=1)).isoformat()),
    ]
    assert [(u["request_id"], u["reason"]) for u in p["unplaced"]] == [(hk02["id"], "no_travel")]
    assert p["unplaced"][0]["words"] == "能讲这个主题的专家都不去海口市。"
    assert [c["code"] for c in p["counties"]] == ["460100", "460200"]
    assert p["talks"][0]["why"]["school"][0] == "海口市此前共有 0 场报告，在本次 2 个市县中按覆盖由少到多排第 1 位。"
    assert "学校点名申请了这个报告。" in p["talks"][0]["why"]["expert"]
    # nothing was stored by the preview
    assert outreach.call("GET", "/requests", user="org", params={"status": "open"}).json().__len__() == 3
    english = outreach.client.post(
        "/api/v1/outreach/tours/preview", json=_body(monday), headers={**outreach.h("org"), "Accept-Language": "en"}
    ).json()
    assert english["unplaced"][0]["words"].isascii() or "海口市" in english["unplaced"][0]["words"]
    assert all(w.replace("海口市", "").isascii() for w in english["talks"][0]["why"]["school"])

    made = outreach.call("POST", "/tours", json=_body(monday, name="四月文昌—三亚巡讲"))
    assert made.status_code == 201, made.text
    tour = made.json()
    assert tour["status"] == "draft" and len(tour["talks"]) == 2 and tour["unplaced"][0]["request_id"] == hk02["id"]
    statuses = {r["id"]: r["status"] for r in outreach.call("GET", "/requests").json()}
    assert statuses == {hk01["id"]: "planned", hk02["id"]: "planned" if False else "open", sy01["id"]: "planned"}
    assert outreach.call("POST", "/tours", json=_body(monday)).json()["errors"][0]["field"] == "name"
    # a draft is the office's: the school and the expert do not see its talks yet
    assert outreach.call("GET", "/talks", user="hk01").json() == []
    by_school = {t["school_code"]: t for t in tour["talks"]}

    # edits follow the planner's rules: 李航天 is in 海口 on Monday, so SY01 cannot move there
    moved = outreach.call("PATCH", f"/talks/{by_school['SY01']['id']}", json={"on_date": monday.isoformat()})
    assert moved.status_code == 409 and moved.json()["extra"]["problems"] == ["other_county"]
    assert "每位专家每天只去一个市县" in moved.json()["detail"]
    ok = outreach.call(
        "PATCH", f"/talks/{by_school['SY01']['id']}", json={"on_date": (monday + dt.timedelta(days=2)).isoformat()}
    )
    assert ok.status_code == 200 and ok.json()["on_date"] == (monday + dt.timedelta(days=2)).isoformat()
    # HK02 by hand: 王海洋 does not travel to 海口 (409) until the office adds it
    body = {"request_id": hk02["id"], "expert_id": wang["id"], "on_date": monday.isoformat()}
    refused = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert refused.status_code == 409 and refused.json()["extra"]["problems"] == ["no_travel"]
    assert outreach.call("PATCH", f"/experts/{wang['id']}", json={"regions": ["三亚", "海口"]}).status_code == 200
    thursday = {**body, "on_date": (monday + dt.timedelta(days=3)).isoformat()}
    late = outreach.call("POST", f"/tours/{tour['id']}/talks", json=thursday)
    assert late.status_code == 409 and late.json()["extra"]["problems"] == ["not_available"]
    added = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert (
        added.status_code == 201
        and added.json()["topic_title"] == "珊瑚礁的秘密"
        and added.json()["status"] == "planned"
    )
    assert added.json()["why"]["expert"] == ["由组委会人工安排。"]
    again = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert again.status_code == 409

    confirmed = outreach.call("POST", f"/tours/{tour['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert {t["status"] for t in confirmed.json()["talks"]} == {"scheduled"}
    assert {r["status"] for r in outreach.call("GET", "/requests").json()} == {"scheduled"}
    assert outreach.call("POST", f"/tours/{tour['id']}/confirm").status_code == 409
    # the school and the expert with an account are told; 李航天 (no account) gets the printed itinerary
    school_notes = outreach.call("GET", "/notices", user="hk01").json()
    assert [n["kind"] for n in school_notes] == ["talk_scheduled"]
    assert school_notes[0]["text"].startswith(
        f"{monday.isoformat()}，李航天（中国空间技术研究院）将到校作科普报告“火箭是怎样飞上天的”。"
    )
    expert_notes = outreach.call("GET", "/notices", user="expert1").json()
    assert [n["kind"] for n in expert_notes] == ["tour_confirmed"] and "1 场报告" in expert_notes[0]["text"]
    assert outreach.call("POST", "/notices/read", user="hk01").json() == {"marked": 1}
    assert outreach.call("GET", "/notices", user="hk01").json()[0]["read"] is True
    assert [t["school_code"] for t in outreach.call("GET", "/talks", user="hk01").json()] == ["HK01"]
    assert sorted(t["school_code"] for t in outreach.call("GET", "/talks", user="haikou").json()) == ["HK01", "HK02"]
    assert [t["school_code"] for t in outreach.call("GET", "/talks", user="expert1").json()] == ["HK02"]
    assert outreach.call("GET", "/talks", user="hk01").json()[0]["why"] == {"school": [], "expert": []}
    # itineraries: the office any expert's, an expert only their own
    pdf = outreach.call("GET", f"/tours/{tour['id']}/experts/{li['id']}/itinerary.pdf")
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    assert (
        outreach.call("GET", f"/tours/{tour['id']}/experts/{wang['id']}/itinerary.pdf", user="expert1").status_code
        == 200
    )
    assert (
        outreach.call("GET", f"/tours/{tour['id']}/experts/{li['id']}/itinerary.pdf", user="expert1").status_code == 404
    )
    assert outreach.call("GET", f"/tours/{tour['id']}/experts/{li['id']}/itinerary.pdf", user="hk01").status_code == 403

    # a scheduled talk moves only with a reason; the school and the expert hear of it
    hk01_talk = by_school["HK01"]["id"]
    no_reason = outreach.call(
        "PATCH", f"/talks/{hk01_talk}", json={"on_date": (monday + dt.timedelta(days=1)).isoformat()}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    with_reason = outreach.call(
        "PATCH",
        f"/talks/{hk01_talk}",
        json={"on_date": (monday + dt.timedelta(days=4)).isoformat(), "reason": "学校运动会"},
    )
    assert with_reason.status_code == 200
    assert outreach.call("GET", "/notices", user="hk01").json()[0]["text"].endswith("原因：学校运动会")
    from app.tables import AuditLog

    row = outreach.world.run(
        AuditLog.select().where(AuditLog.action == "outreach.talk.move").order_by(AuditLog.id, ascending=False).first()
    )
    assert row["reason"] == "学校运动会" and row["object_id"] == hk01_talk


def test_cancelling_a_tour_reopens_its_requests_and_tells_the_schools(outreach):
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    tour = outreach.call("POST", "/tours", json=_body(monday, name="巡讲")).json()
    assert outreach.call("POST", f"/tours/{tour['id']}/confirm").status_code == 200
    assert outreach.call("POST", f"/tours/{tour['id']}/cancel", json={"reason": ""}).status_code == 422
    gone = outreach.call("POST", f"/tours/{tour['id']}/cancel", json={"reason": "台风"})
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert {t["status"] for t in gone.json()["talks"]} == {"cancelled"}
    assert {r["status"] for r in outreach.call("GET", "/requests").json()} == {"open"}
    assert outreach.call("GET", "/notices", user="sy01").json()[0]["text"].endswith("已取消。原因：台风")
    # a draft's talk is removed (request open again); a removed one is gone
    second = outreach.call("POST", "/tours", json=_body(monday, name="再排一次")).json()
    talk = second["talks"][0]
    assert outreach.call("DELETE", f"/talks/{talk['id']}").status_code == 204
    assert outreach.call("GET", f"/requests/{talk['request_id']}").json()["status"] == "open"
    assert outreach.call("GET", f"/talks/{talk['id']}").status_code == 404


def test_who_may_plan(outreach):
    monday = monday_in(4)
    for user in ("haikou", "hk01", "expert1", "judge"):
        assert outreach.call("POST", "/tours/preview", user=user, json=_body(monday)).status_code == 403, user
        assert outreach.call("GET", "/tours", user=user).status_code == 403, user
    past = outreach.call("POST", "/tours/preview", json=_body(monday_in(-3)))
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "ends_on"
    long = outreach.call(
        "POST", "/tours/preview", json={"starts_on": monday.isoformat(), "ends_on": monday_in(10).isoformat()}
    )
    assert long.status_code == 422
    assert outreach.call("GET", "/tours/999999").status_code == 404


def test_the_itinerary_lists_the_experts_days_in_order(outreach, tmp_path):
    """李航天's itinerary: Monday 海口 (HK01), Tuesday 三亚 (SY01), each with its topic, audience and hall."""
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    tour = outreach.call("POST", "/tours", json=_body(monday, name="一月巡讲")).json()
    pdf = outreach.call("GET", f"/tours/{tour['id']}/experts/{li['id']}/itinerary.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "it.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    tuesday = (monday + dt.timedelta(days=1)).isoformat()
    assert text.index(f"{monday.isoformat()} 周一") < text.index("海口市第一中学") < text.index(f"{tuesday} 周二")
    assert text.index(f"{tuesday} 周二") < text.index("三亚市第一中学")
    assert "报告：“火箭是怎样飞上天的”，60 分钟" in text and "场地：报告厅" in text and "共 2 场报告" in text
    # a draft's itinerary is the office's: the expert sees it once the tour is confirmed
    wang_pdf = outreach.call("GET", f"/tours/{tour['id']}/experts/{wang['id']}/itinerary.pdf", user="expert1")
    assert wang_pdf.status_code == 409  # 王海洋 has no talk in this tour


def test_state_conflicts_name_the_state_once(outreach):
    """A 409 names the state the tour or talk is in, in words that read (it said 巡讲已已确认)."""
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    tour = outreach.call("POST", "/tours", json=_body(monday, name="巡讲")).json()
    assert outreach.call("POST", f"/tours/{tour['id']}/confirm").status_code == 200
    again = outreach.call("POST", f"/tours/{tour['id']}/confirm")
    assert again.status_code == 409 and again.json()["detail"] == "巡讲当前为“已确认”，不能再确认。"
    talk = tour["talks"][0]["id"]
    assert outreach.call("POST", f"/talks/{talk}/cancel", json={"reason": "台风"}).status_code == 200
    moved = outreach.call("PATCH", f"/talks/{talk}", json={"on_date": monday.isoformat(), "reason": "改期"})
    assert moved.status_code == 409 and moved.json()["detail"] == "报告当前为“已取消”，不能再调整。"
    english = outreach.client.post(
        f"/api/v1/outreach/tours/{tour['id']}/confirm", headers={**outreach.h("org"), "Accept-Language": "en"}
    )
    assert english.json()["detail"] == "The tour is “Confirmed”; it cannot be confirmed."


def test_a_request_is_assigned_by_hand_to_another_expert_than_its_topics(outreach):
    """HK01 asked for 李航天's topic; the office gives the request to 王海洋 instead: the talk takes his
    topic for the division (it was refused as 'the topic is not this expert's', with no topic field on the
    page). SY01 (高中) cannot go to 王海洋, who has no topic for 高中: 422 naming topic_id."""
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    assert outreach.call("PATCH", f"/experts/{wang['id']}", json={"regions": ["三亚", "海口"]}).status_code == 200
    tour = outreach.call("POST", "/tours", json=_body(monday, name="巡讲")).json()
    by_school = {t["school_code"]: t for t in tour["talks"]}
    assert outreach.call("DELETE", f"/talks/{by_school['HK01']['id']}").status_code == 204
    assert outreach.call("DELETE", f"/talks/{by_school['SY01']['id']}").status_code == 204
    body = {"request_id": hk01["id"], "expert_id": wang["id"], "on_date": monday.isoformat()}
    added = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert added.status_code == 201, added.text
    assert (added.json()["expert_name"], added.json()["topic_title"]) == ("王海洋", "珊瑚礁的秘密")
    body = {"request_id": sy01["id"], "expert_id": wang["id"], "on_date": monday.isoformat()}
    refused = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "topic_id"
    assert refused.json()["detail"] == "所选专家没有适合高中的报告主题。"
    # the expert of the topic asked for keeps that topic
    body = {"request_id": sy01["id"], "expert_id": li["id"], "on_date": (monday + dt.timedelta(days=1)).isoformat()}
    kept = outreach.call("POST", f"/tours/{tour['id']}/talks", json=body)
    assert kept.status_code == 201 and kept.json()["topic_title"] == "火箭是怎样飞上天的"


def test_a_refused_edit_names_the_expert_the_day_and_where_they_are(outreach):
    """李航天 gives HK01's talk in 海口 on Monday: moving SY01's talk (三亚) to Monday is refused with his name,
    the day and the county he is in (it said only 'the expert is in another county that day')."""
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    tour = outreach.call("POST", "/tours", json=_body(monday, name="巡讲")).json()
    sy_talk = next(t for t in tour["talks"] if t["school_code"] == "SY01")
    moved = outreach.call("PATCH", f"/talks/{sy_talk['id']}", json={"on_date": monday.isoformat()})
    assert moved.status_code == 409
    assert moved.json()["detail"] == (
        f"不能这样安排（李航天，{monday.isoformat()}）：专家当天已在海口市（每位专家每天只去一个市县）。"
    )


def test_the_itinerary_gives_each_schools_contact_or_says_there_is_none(outreach):
    """HK01 has a contact teacher (name and phone, an adult's: printed for the expert); SY01 has none: the
    itinerary says so and where to ask, instead of leaving the expert without a way to reach the school."""
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    monday, li, wang, space, ocean, hk01, hk02, sy01 = _setup(outreach)
    from app.security import encrypt_pii
    from app.tables import School

    hk = outreach.world.schools["HK01"]["id"]  # contacts come with the school workbook (联系人, 联系电话)
    outreach.world.run(
        School.update({School.contact_name: "王老师", School.contact_phone_enc: encrypt_pii("13800138000")}).where(
            School.id == hk
        )
    )
    tour = outreach.call("POST", "/tours", json=_body(monday, name="巡讲")).json()
    pdf = outreach.call("GET", f"/tours/{tour['id']}/experts/{li['id']}/itinerary.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    text = text.decode("utf-8")
    hk_part, sy_part = text.split("三亚市第一中学")
    assert "学校联系人：王老师 13800138000" in hk_part
    assert "学校联系人：未登记，请向组委会询问" in sy_part
