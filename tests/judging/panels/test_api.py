"""Judges and assignment through the JSON API: judges with their categories and conflicts,
k judges per entry never conflicted with even loads, regeneration and manual moves."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

from tests.conftest import PASSWORD
from tests.judging.api import (
    HALVES,
    add_judge,
    add_school,
    assignment_id,
    ev,
    generate,
    halves,
    new_entry,
    ok,
    org,
    pairs,
    patch_event,
    put_rubric,
    score,
)

# --------------------------------------------------------------------------- judges


def test_add_judges(world):
    from app.accounts import services as accounts

    judge = add_judge(
        world, "prof", ["ma", "PH"], school_code="HK01", conflict_schools=["SY01"], conflict_advisers=["王老师"]
    )
    listed = ok(world.client.get(ev(world, "/judges"), headers=org(world)))
    assert len(listed) == 1
    row = listed[0]
    assert row["user_id"] == judge and row["username"] == "prof"
    assert row["category_codes"] == ["MA", "PH"]
    assert row["city"] == "海口市"  # taken from the judge's school
    assert row["school_name"] == "海口市第一中学"
    assert row["conflict_schools"] == [world.schools["SY01"]["id"]]
    assert row["conflict_advisers"] == ["王老师"]
    # adding again updates the same judge
    add_judge(world, "prof", ["CH"], create=False, city="三亚市")
    listed = ok(world.client.get(ev(world, "/judges"), headers=org(world)))
    assert [(r["username"], r["category_codes"], r["city"]) for r in listed] == [("prof", ["CH"], "三亚市")]
    # a user who is not a judge, an unknown user, an unknown category or school: 422 with a message
    assert "不是评委" in add_judge(world, "staff", ["MA"], expect=422, create=False)["detail"]
    assert add_judge(world, "nobody", ["MA"], expect=422, create=False)["detail"]
    world.run(accounts.create_user(None, username="j2", password=PASSWORD, role="judge"))
    assert add_judge(world, "j2", ["XX"], expect=422, create=False)["detail"]
    assert add_judge(world, "j2", [], expect=422, create=False)["detail"]
    assert add_judge(world, "j2", ["MA"], expect=422, create=False, school_code="NOPE")["detail"]
    assert add_judge(world, "j2", ["MA"], expect=422, create=False, conflict_schools=["NOPE"])["detail"]
    # only organizers
    response = world.client.post(
        ev(world, "/judges"), json={"username": "j2", "category_codes": ["MA"]}, headers=world.headers("hk01")
    )
    assert response.status_code == 403


# --------------------------------------------------------------------------- assignment


def test_generate_gives_k_judges_never_conflicted_with_even_loads(world):
    # 12 MA entries, 4 per school; two HK02 entries have the adviser 王老师
    hk01 = [new_entry(world, "HK01") for _ in range(4)]
    hk02 = [new_entry(world, "HK02", advisers=["王老师"] if i < 2 else ["李老师"]) for i in range(4)]
    sy01 = [new_entry(world, "SY01") for _ in range(4)]
    ma = hk01 + hk02 + sy01
    j1 = add_judge(world, "j1", ["MA"], school_code="HK01")  # own school HK01
    j2 = add_judge(world, "j2", ["MA"], school_code="SY01")  # own school SY01
    j3 = add_judge(world, "j3", ["MA"], conflict_schools=["HK02"])  # declared school
    j4 = add_judge(world, "j4", ["MA"], conflict_advisers=["王老师"])  # declared adviser
    j5 = add_judge(world, "j5", ["MA"], conflict_entries=[hk01[0]])  # declared entry
    j6 = add_judge(world, "j6", ["MA", "PH"])
    j7 = add_judge(world, "j7", ["PH"], school_code="HK02")
    # 3 PH entries: only j6 and j7 judge PH, and j7 may not judge HK02's
    ph = [new_entry(world, code, category="PH") for code in ("HK01", "HK02", "SY01")]
    # a draft of a school is not approved: never assigned
    world.run(
        __import__("competitions.registration.services", fromlist=["x"]).create_entry(
            world.principal("hk01"), world.event_id, {"title": "草稿作品", "category": "MA", "division": "初中"}
        )
    )

    answer = generate(world, 3)
    got = pairs(world)
    # 12 MA entries x 3 + PH: 2 + 1 + 2 = 41
    assert answer["assignments"] == 41 == len(got) == len(set(got))
    judges_of = defaultdict(set)
    for e, j in got:
        judges_of[e].add(j)
    assert set(judges_of) == set(ma + ph)
    assert all(len(judges_of[e]) == 3 for e in ma)
    assert (len(judges_of[ph[0]]), len(judges_of[ph[1]]), len(judges_of[ph[2]])) == (2, 1, 2)
    assert judges_of[ph[1]] == {j6}
    # the PH entries that could not get 3 judges are reported, not skipped silently
    assert sorted((u["entry_id"], u["assigned"], u["needed"]) for u in answer["unassigned_entries"]) == [
        (ph[0], 2, 3),
        (ph[1], 1, 3),
        (ph[2], 2, 3),
    ]
    assert all(u["code"].startswith("PH-") for u in answer["unassigned_entries"])
    # ... each with the reason in words, as the assignment page explains it
    reasons = {u["entry_id"]: u["reason"] for u in answer["unassigned"]}
    assert reasons == {
        ph[0]: "“物理与天文学”只有 2 位评委，少于每个作品需要的 3 位。",
        ph[1]: "“物理与天文学”共 2 位评委，其中 1 位与该作品同校，只有 1 位可以评这个作品，少于每个作品需要的 3 位。",
        ph[2]: "“物理与天文学”只有 2 位评委，少于每个作品需要的 3 位。",
    }
    assert [u["code"] for u in answer["unassigned"]] == [u["code"] for u in answer["unassigned_entries"]]
    assert all(u["reason"] == reasons[u["entry_id"]] for u in answer["unassigned_entries"])
    # judges only judge their categories
    assert all(j in (j6, j7) for e in ph for j in judges_of[e])
    assert all(j != j7 for e in ma for j in judges_of[e])
    # never a conflicted judge
    assert not any(j1 in judges_of[e] for e in hk01)
    assert not any(j2 in judges_of[e] for e in sy01)
    assert not any(j3 in judges_of[e] for e in hk02)
    assert not any(j4 in judges_of[e] for e in hk02[:2])
    assert j5 not in judges_of[hk01[0]]
    # loads: 41 assignments; j7 can take only 2; j1..j6 share 39 -> 6 or 7 each (differ by at most one)
    load = Counter(j for _e, j in got)
    assert load[j7] == 2
    assert max(load[j] for j in (j1, j2, j3, j4, j5, j6)) - min(load[j] for j in (j1, j2, j3, j4, j5, j6)) <= 1
    assert sum(load[j] for j in (j1, j2, j3, j4, j5, j6)) == 39
    # judges' sets of entries overlap (needed for per-judge normalization): every pair of MA judges shares an entry
    entries_of = defaultdict(set)
    for e, j in got:
        entries_of[j].add(e)
    ma_judges = (j1, j2, j3, j4, j5, j6)
    shared = sum(1 for a, b in itertools.combinations(ma_judges, 2) if entries_of[a] & entries_of[b])
    assert shared >= 12  # of 15 pairs
    # the rows read back normally (they are bulk-inserted)
    from judging.scoring.tables import Assignment

    stamps = world.run(Assignment.select(Assignment.created_at))
    assert len(stamps) == 41 and all(r["created_at"].tzinfo is not None for r in stamps)
    # a sheet per judge to print
    sheets = ok(world.client.get(ev(world, "/assignments/sheets"), headers=org(world)))
    assert sorted((s["judge_id"], len(s["entries"])) for s in sheets) == sorted(load.items())
    assert all(e["category_code"] in ("MA", "PH") for s in sheets for e in s["entries"])
    # only organizers generate
    assert (
        world.client.post(
            ev(world, "/assignments/generate"), json={"judges_per_entry": 3}, headers=world.headers("j1")
        ).status_code
        == 403
    )
    generate(world, 0, expect=422)
    generate(world, 21, expect=422)


def test_city_conflict_setting_extends_to_the_whole_city(world):
    add_school(world, "WC01", "文昌中学", "文昌市")
    entries = {code: [new_entry(world, code) for _ in range(2)] for code in ("HK01", "HK02", "SY01", "WC01")}
    jc1 = add_judge(world, "jc1", ["MA"], school_code="HK01")  # city 海口市 from the school
    jc2 = add_judge(world, "jc2", ["MA"], city="三亚市")
    jc3 = add_judge(world, "jc3", ["MA"])
    jc4 = add_judge(world, "jc4", ["MA"])
    event = patch_event(world, {"judge_city_conflict": False})
    assert event["judge_city_conflict"] is False
    generate(world, 2)
    first = pairs(world)
    assert not any(j == jc1 and e in entries["HK01"] for e, j in first)  # own school, always
    # now the whole city: jc1 (海口) never gets HK01/HK02, jc2 (三亚) never SY01
    assert patch_event(world, {"judge_city_conflict": True})["judge_city_conflict"] is True
    answer = generate(world, 2)
    got = pairs(world)
    assert answer["assignments"] == 16 == len(got) and answer["unassigned_entries"] == []
    city_of = {e: code for code, ids in entries.items() for e in ids}
    assert {city_of[e] for e, j in got if j == jc1} <= {"SY01", "WC01"}
    assert {city_of[e] for e, j in got if j == jc2} <= {"HK01", "HK02", "WC01"}
    # 16 over 4 judges; jc1 is eligible for 4 entries only -> at most 4; the rest share
    load = Counter(j for _e, j in got)
    assert sorted(load.values()) == [4, 4, 4, 4]
    assert jc3 in load and jc4 in load


def test_regenerate_keeps_scored_assignments_and_manual_moves_are_checked(world):
    put_rubric(world, HALVES)
    e1, e2, e3 = new_entry(world, "HK01"), new_entry(world, "HK02"), new_entry(world, "SY01")
    ja = add_judge(world, "ja", ["MA"])
    jb = add_judge(world, "jb", ["MA"])
    jc = add_judge(world, "jc", ["MA"], school_code="SY01")
    jd = add_judge(world, "jd", ["PH"])
    generate(world, 1, seed=1)
    first = dict(pairs(world))  # entry -> its only judge
    assert set(first) == {e1, e2, e3}
    # the judge of e1 scores it (complete), the judge of e2 leaves a draft
    name = {ja: "ja", jb: "jb", jc: "jc"}
    score(world, name[first[e1]], e1, halves(80))
    score(world, name[first[e2]], e2, {"a": 30})
    for seed in (2, 3, 4, 5):
        generate(world, 1, seed=seed)
        now = pairs(world)
        assert (e1, first[e1]) in now and (e2, first[e2]) in now  # kept: they hold a score sheet
        assert len(now) == 3
    sheet = ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers(name[first[e1]])))
    assert sheet["criteria"] == {"a": "40", "b": "40"} and sheet["version"] == 1
    # k=2 keeps the scored ones and adds one judge each; e3 (SY01) can only have ja and jb
    answer = generate(world, 2, seed=9)
    now = pairs(world)
    assert answer["assignments"] == 6 and (e1, first[e1]) in now and (e2, first[e2]) in now
    assert {j for e, j in now if e == e3} == {ja, jb}
    target = assignment_id(world, e3, ja)

    def move(assignment: int, judge: int, user: str = "org"):
        return world.client.post(
            f"/api/v1/assignments/{assignment}/move", json={"judge_id": judge}, headers=world.headers(user)
        )

    # jc is at SY01, e3's school -> 422 with the reason; jd does not judge MA -> 422; not a judge of the event -> 422
    response = move(target, jc)
    assert response.status_code == 422 and "同校" in response.json()["detail"]
    assert move(target, jd).status_code == 422
    assert move(target, 999999).status_code == 422
    # jb is already on e3 -> 409
    assert move(target, jb).status_code == 409
    # a declared conflict is checked too
    je = add_judge(world, "je", ["MA"], conflict_entries=[e3])
    response = move(target, je)
    assert response.status_code == 422 and "回避" in response.json()["detail"]
    # a scored (or drafted) assignment cannot be moved: its score would be lost -> 409
    jf = add_judge(world, "jf", ["MA"])
    assert move(assignment_id(world, e1, first[e1]), jf).status_code == 409
    assert move(assignment_id(world, e2, first[e2]), jf).status_code == 409
    assert move(999999, jf).status_code == 404
    # a valid move
    assert ok(move(target, jf)) == {"id": target, "entry_id": e3, "judge_id": jf}
    now = pairs(world)
    assert (e3, jf) in now and (e3, ja) not in now and len(now) == 6
    # judges may not move assignments
    assert move(target, ja, user="ja").status_code == 403
    # after publication assignments are frozen
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    assert move(target, ja).status_code == 409
    generate(world, 2, expect=409)


def test_judge_sees_only_own_assignments(world):
    e1, e2 = new_entry(world, "HK01"), new_entry(world, "HK02")
    add_judge(world, "ja", ["MA"], school_code="HK01")
    add_judge(world, "jb", ["MA"], school_code="HK02")
    generate(world, 1)
    put_rubric(world, HALVES)
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("ja")))
    assert [(a["entry_id"], a["event_id"], a["status"]) for a in mine] == [(e2, world.event_id, "pending")]
    score(world, "ja", e2, {"a": 20})
    assert ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("ja")))[0]["status"] == "draft"
    score(world, "ja", e2, {"b": 20}, version=1)
    assert ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("ja")))[0]["status"] == "scored"
    other = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("jb")))
    assert [(a["entry_id"], a["status"]) for a in other] == [(e1, "pending")]
    # the judge sees the entry assigned to them, without ID numbers; not the other one
    assert world.client.get(f"/api/v1/entries/{e2}", headers=world.headers("ja")).status_code == 200
    assert world.client.get(f"/api/v1/entries/{e1}", headers=world.headers("ja")).status_code == 404
    assert world.client.get("/api/v1/judging/assignments", headers=world.headers("hk01")).status_code == 403


def test_a_judges_totals_are_decimal_strings_with_the_events_score_decimals(world):
    """``/judging/assignments`` (JSON and the judge's list) gives a scored sheet's total like
    every score: half-up with ``score_decimals`` places (72.5 -> "72.50" by default)."""
    from competitions.events import services as events
    from tests import factories
    from tests.judging.pages import text_of

    factories.judged_event(world, entries=2, judges=1, scores=["72.5", "80"])
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("judge1")))
    assert sorted(a["total"] for a in mine) == ["72.50", "80.00"]
    assert {a["score_decimals"] for a in mine} == {2}
    page = world.login_page("judge1")
    text = text_of(page.get("/judging/"))
    assert "72.50" in text and "80.00" in text
    # three places: "72.500"; none: half-up to "73"
    world.run(events.update_event(world.org, world.event_id, {"score_decimals": 3}))
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("judge1")))
    assert sorted(a["total"] for a in mine) == ["72.500", "80.000"]
    assert "72.500" in text_of(page.get("/judging/"))
    world.run(events.update_event(world.org, world.event_id, {"score_decimals": 0}))
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("judge1")))
    assert sorted(a["total"] for a in mine) == ["73", "80"]
