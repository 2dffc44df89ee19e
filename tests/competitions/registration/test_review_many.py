"""Bulk review (issue 12 item 4): one decision for many entries, "approve all shown", and
"save and review the next one"; and the categories table saved as one form."""

from __future__ import annotations

from tests.competitions.api import call, patch_event, set_quota
from tests.competitions.registration.test_entries_api import new_entry, student
from tests.factories.competitions import chinese_number

_made = iter(range(1, 10_000))


def _submitted(world, n, school="hk01", **kw):
    numbers = [next(_made) for _ in range(n)]
    return [
        new_entry(world, school, f"待审{i}", [student(f"学生{chinese_number(i)}")], submit=True, **kw) for i in numbers
    ]


def test_review_many_through_the_api_decides_each_and_lists_what_it_skipped(world):
    a, b, c = _submitted(world, 3)
    call(world, "POST", f"/api/v1/entries/{c['id']}/review", "org", json={"decision": "approve"})
    answer = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [a["id"], b["id"], c["id"], 999999], "decision": "return", "reason": "缺申报书"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reviewed"] == [a["id"], b["id"], c["id"]]  # an approved entry can be returned too
    assert body["skipped"] == [{"entry_id": 999999, "code": "", "detail": "作品不存在或您无权查看。"}]
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert [statuses[x["id"]] for x in (a, b, c)] == ["returned", "returned", "returned"]
    again = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [a["id"], b["id"]], "decision": "return", "reason": "再退"},
    ).json()
    assert again["reviewed"] == [] and [s["detail"] for s in again["skipped"]] == ["作品状态为“已退回”，不能退回。"] * 2


def test_review_many_refuses_before_changing_anything(world):
    (a,) = _submitted(world, 1)
    no_reason = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [a["id"]], "decision": "return"},
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"] == [
        {"field": "reason", "message": "请填写退回原因。"}
    ]
    empty = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [], "decision": "approve"},
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "entry_ids"
    school = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "hk01",
        json={"entry_ids": [a["id"]], "decision": "approve"},
    )
    assert school.status_code == 403
    assert call(world, "GET", f"/api/v1/entries/{a['id']}", "org").json()["status"] == "submitted"


def test_approve_all_shown_takes_the_filtered_waiting_entries_only(world):
    physics = _submitted(world, 2, category="PH")
    maths = _submitted(world, 1, category="MA")
    draft = new_entry(world, "hk01", "草稿", [student("草稿生")], category="PH")
    client = world.login_page("org")
    page = client.get(f"/events/{world.event_id}/entries?category=PH")
    assert "全部通过符合筛选条件的 2 个待审查作品" in page.text
    answer = client.post(
        f"/events/{world.event_id}/entries/review",
        data={
            "decision": "approve_all_shown",
            "query": "category=PH",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
    )
    assert "已通过 2 个作品。" in answer.text
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert [statuses[e["id"]] for e in physics] == ["approved", "approved"]
    assert statuses[maths[0]["id"]] == "submitted" and statuses[draft["id"]] == "draft"  # not shown / not waiting


def test_save_and_review_the_next_one(world):
    first, second = _submitted(world, 2)
    client = world.login_page("org")
    csrf = client.cookies.get("xinmiao_csrf")
    answer = client.post(
        f"/entries/{first['id']}/review",
        data={"decision": "approve", "next": "on", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code in (302, 303) and answer.headers["location"] == f"/entries/{second['id']}#review"
    # the message on the next entry's page names the entry just reviewed
    landed = client.get(answer.headers["location"])
    said = f"《{first['title']}》（{first['code']}）的审查结果已保存，当前状态：已通过。"
    assert said.replace("“", "&#8220;") in landed.text or said in landed.text
    last = client.post(
        f"/entries/{second['id']}/review",
        data={"decision": "approve", "next": "on", "_csrf_token": csrf},
        follow_redirects=True,
    )
    assert "没有其他待审查的作品了。" in last.text


def test_categories_saved_in_one_form_all_or_nothing(world):
    from competitions.events import services as events

    categories = {c["code"]: c for c in world.run(events.list_categories(world.event_id))}
    ph, ma = categories["PH"]["id"], categories["MA"]["id"]
    client = world.login_page("org")
    csrf = client.cookies.get("xinmiao_csrf")
    form = {
        "_csrf_token": csrf,
        f"name_{ph}": "物理与天文",
        f"school_quota_{ph}": "4",
        f"city_quota_{ph}": "",
        f"name_{ma}": "数学",
        f"school_quota_{ma}": "-2",
        f"city_quota_{ma}": "3",
    }
    refused = client.post(f"/events/{world.event_id}/categories/all", data=form)
    assert refused.status_code == 422
    assert "有 1 处填写不正确，所有类别都没有保存，请改正后再保存。" in refused.text
    assert "类别 MA：每校名额必须是非负整数，留空表示不限。" in refused.text
    assert 'value="-2"' in refused.text  # what was typed stays
    after = {c["code"]: c for c in world.run(events.list_categories(world.event_id))}
    assert after["PH"]["school_quota"] is None and after["PH"]["name"] == categories["PH"]["name"]  # nothing half saved
    form[f"school_quota_{ma}"] = "2"
    saved = client.post(f"/events/{world.event_id}/categories/all", data=form)
    assert "类别和名额已保存。" in saved.text
    after = {c["code"]: c for c in world.run(events.list_categories(world.event_id))}
    assert (after["PH"]["name"], after["PH"]["school_quota"], after["PH"]["city_quota"]) == ("物理与天文", 4, None)
    assert (after["MA"]["school_quota"], after["MA"]["city_quota"]) == (2, 3)


# --------------------------------------------------------------------------- set-based (issue 11)


def _counting_queries(monkeypatch) -> list[str]:
    """Every SQL statement run from now on (both engines), still executed."""
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    seen: list[str] = []
    for engine in (SQLiteEngine, PostgresEngine):
        original = engine.run_querystring

        async def counted(self, querystring, *args, _original=original, **kwargs):
            seen.append(str(querystring))
            return await _original(self, querystring, *args, **kwargs)

        monkeypatch.setattr(engine, "run_querystring", counted)
    return seen


def _org(world):
    from app.principal import Principal

    return Principal(id=1, username="org", role="organizer", display_name="组委会")


def test_bulk_review_runs_as_many_queries_for_30_entries_as_for_3(world, monkeypatch):
    """1,100 entries took 39 s reviewed one by one (checks, transaction and read-back each):
    the bulk review reads and writes set-wise, so its queries do not grow with the entries."""
    from competitions.registration import services as registration

    few = [e["id"] for e in _submitted(world, 3)]
    many = [e["id"] for e in _submitted(world, 30)]
    counts = []
    for ids in (few, many):
        seen = _counting_queries(monkeypatch)
        outcome = world.run(registration.review_entries(_org(world), world.event_id, ids, "approve"))
        assert outcome == {"reviewed": ids, "skipped": []}
        counts.append(len(seen))
        monkeypatch.undo()
    assert counts[0] == counts[1] and counts[1] < 20, counts
    history = call(world, "GET", f"/api/v1/entries/{many[-1]}/history", "org").json()
    assert [(h["action"], h["changes"]) for h in history][-1] == (
        "entry.review.approve",
        {"status": ["submitted", "approved"]},
    )


def test_bulk_review_is_all_or_nothing(world, monkeypatch):
    """A failure while the third entry's audit row is made leaves none of them reviewed."""
    from app import audit
    from competitions.registration import services as registration

    entries = _submitted(world, 4)
    original = audit.check_personal_data
    calls = iter(range(1, 100))

    def failing(changes):
        if next(calls) == 3:
            raise ValueError("simulated failure")
        return original(changes)

    monkeypatch.setattr(audit, "check_personal_data", failing)
    ids = [e["id"] for e in entries]
    try:
        world.run(registration.review_entries(_org(world), world.event_id, ids, "return", "缺申报书"))
    except ValueError:
        pass
    monkeypatch.undo()
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert [statuses[i] for i in ids] == ["submitted"] * 4


def test_an_entry_changed_meanwhile_stops_the_whole_bulk_review(world, monkeypatch):
    from competitions.registration import services as registration
    from competitions.registration.tables import Entry

    a, b, c = _submitted(world, 3)
    reading = registration._members_by_entry

    async def meanwhile(ids):  # another reviewer returns b after the bulk review read it
        await Entry.update({Entry.status: "returned"}).where(Entry.id == b["id"])
        return await reading(ids)

    monkeypatch.setattr(registration, "_members_by_entry", meanwhile)
    answer = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [a["id"], b["id"], c["id"]], "decision": "return", "reason": "缺申报书"},
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == "有作品刚刚被修改，没有审查任何作品，请刷新后重试。"
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert [statuses[x["id"]] for x in (a, b, c)] == ["submitted", "returned", "submitted"]


def test_a_city_recommends_many_within_its_quota(world):
    patch_event(world, {"city_review_required": True})
    set_quota(world, "PH", city_quota=2)
    ones = _submitted(world, 3)  # hk01: Haikou
    other = _submitted(world, 1, school="sy01")[0]  # Sanya: not the Haikou reviewer's
    answer = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "haikou",
        json={"entry_ids": [e["id"] for e in ones] + [other["id"]], "decision": "approve"},
    ).json()
    assert answer["reviewed"] == [ones[0]["id"], ones[1]["id"]]
    assert answer["skipped"] == [
        {
            "entry_id": ones[2]["id"],
            "code": ones[2]["code"],
            "detail": "“物理与天文学”类别每个市县最多推荐 2 个作品，海口市已推荐 2 个。",
        },
        {"entry_id": other["id"], "code": other["code"], "detail": "作品不存在或您无权查看。"},
    ]


def test_an_entry_whose_members_changed_meanwhile_stops_the_whole_bulk_review(world, monkeypatch):
    """Issue 11 re-test: only a changed status stopped the bulk review. A school that edits a waiting
    entry's students between the reviewer's read and write (here the guardian's consent is taken back,
    as the member form does it: members changed, the entry's ``updated_at`` moves, its status stays) got
    the entry approved on the strength of checks made on the old students."""
    from app.times import now
    from competitions.registration import services as registration
    from competitions.registration.tables import Entry, Member

    a, b, c = _submitted(world, 3)
    reading = registration._members_by_entry
    done = []

    async def meanwhile(ids):
        rows = await reading(ids)
        if not done:
            done.append(True)
            await Member.update({Member.consent_participation: False}).where(Member.entry == b["id"])
            await Entry.update({Entry.updated_at: now()}).where(Entry.id == b["id"])
        return rows

    monkeypatch.setattr(registration, "_members_by_entry", meanwhile)
    answer = call(
        world,
        "POST",
        f"/api/v1/events/{world.event_id}/entries/review",
        "org",
        json={"entry_ids": [a["id"], b["id"], c["id"]], "decision": "approve"},
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == "有作品刚刚被修改，没有审查任何作品，请刷新后重试。"
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert [statuses[x["id"]] for x in (a, b, c)] == ["submitted"] * 3


def test_one_entry_withdrawn_while_it_is_reviewed_is_not_approved(world, monkeypatch):
    """Issue 11 re-test: the single review wrote its decision over whatever the entry had become since
    it was read (an entry the school withdrew meanwhile came back approved)."""
    from competitions.registration import services as registration

    (a,) = _submitted(world, 1)
    checking = registration.entry_duplicates
    done = []

    async def meanwhile(actor, event_id, entry_id):
        if not done:
            done.append(True)
            await registration.withdraw_entry(actor, entry_id, "学校撤回")
        return await checking(actor, event_id, entry_id)

    monkeypatch.setattr(registration, "entry_duplicates", meanwhile)
    answer = call(world, "POST", f"/api/v1/entries/{a['id']}/review", "org", json={"decision": "approve"})
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == "作品刚刚被修改，没有审查，请刷新后重试。", answer.text
    statuses = {
        e["id"]: e["status"] for e in call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json()
    }
    assert statuses[a["id"]] == "withdrawn"
