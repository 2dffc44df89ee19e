"""Judging through the JSON API: rubric, judges, assignment with conflicts, versioned
scores from tablets, results by every aggregation method (expected values computed by
hand in the comments), publication, finalization, awards, recommendations and rounds."""
from __future__ import annotations

import io
import itertools
import re
from collections import Counter, defaultdict

import openpyxl
import pytest

from tests.conftest import PASSWORD, gb11643

_seq = itertools.count(1)


# --------------------------------------------------------------------------- helpers


def org(world) -> dict:
    return world.headers("org")


def ev(world, path: str = "") -> str:
    return f"/api/v1/events/{world.event_id}{path}"


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def patch_event(world, body: dict) -> dict:
    return ok(world.client.patch(ev(world), json=body, headers=org(world)))


def put_rubric(world, criteria: list[dict], expect: int = 200, **extra):
    response = world.client.put(ev(world, "/rubric"), json={"criteria": criteria, **extra}, headers=org(world))
    assert response.status_code == expect, response.text
    return response.json()


# one criterion out of 100: a judge's score is the points given
SINGLE = [{"code": "s", "name": "总分", "weight": "100", "max_points": "100"}]
# two halves: a judge's score is a + b (each 0..50), so a sheet can be left half done
HALVES = [{"code": "a", "name": "创新性", "weight": "50", "max_points": "50"},
          {"code": "b", "name": "科学性", "weight": "50", "max_points": "50"}]
CASTIC = [{"code": "innovation", "name": "创新性", "weight": "40", "max_points": "10"},
          {"code": "scientific", "name": "科学性", "weight": "30", "max_points": "10"},
          {"code": "practical", "name": "实用性", "weight": "30", "max_points": "10"}]


def halves(total: int) -> dict:
    return {"a": total // 2, "b": total - total // 2}


def add_school(world, code: str, name: str, city: str) -> None:
    from app.schools import services as schools

    world.run(schools.create_school(world.org, {"code": code, "name": name, "city": city}))


def add_judge(world, username: str, categories, expect: int = 201, create: bool = True, **extra) -> int | dict:
    """Create a judge account (unless ``create`` is false) and add it to the event; returns its user id."""
    from app.accounts import services as accounts

    if create:
        world.run(accounts.create_user(None, username=username, password=PASSWORD, role="judge", display_name=f"评委{username}"))
    response = world.client.post(ev(world, "/judges"), json={"username": username, "category_codes": list(categories), **extra},
                                 headers=org(world))
    assert response.status_code == expect, response.text
    return response.json()["user_id"] if expect == 201 else response.json()


def new_entry(world, school: str, title: str | None = None, category: str = "MA", division: str = "初中",
              advisers=(), students=()) -> int:
    """An approved entry created by the organizer; ``students`` are (name, id_number, consent) tuples."""
    from competitions.registration.members import MemberInput
    from competitions.registration.services import create_entry

    grade = {"小学": "五年级", "初中": "初二", "高中": "高二"}[division]
    members = [MemberInput(role="student", name=name, gender="男", id_number=number, grade=grade, phone="13800001111",
                           consent_participation=True, consent_publication=consent) for name, number, consent in students]
    members += [MemberInput(role="adviser", name=name, phone="13900002222") for name in advisers]
    entry = world.run(create_entry(world.org, world.event_id, {"title": title or f"作品{next(_seq)}", "category": category,
                                                                "division": division, "school_code": school}, members))
    assert entry["status"] == "approved"
    return entry["id"]


def generate(world, k: int, seed: int = 0, expect: int = 200) -> dict:
    response = world.client.post(ev(world, "/assignments/generate"), json={"judges_per_entry": k, "seed": seed}, headers=org(world))
    assert response.status_code == expect, response.text
    return response.json()


def pairs(world) -> list[tuple[int, int]]:
    """(entry, judge) of every assignment of the event's current round."""
    from judging.scoring.tables import Assignment

    rows = world.run(Assignment.select(Assignment.entry, Assignment.judge).where(
        (Assignment.round.event == world.event_id) & (Assignment.round.is_current == True)))  # noqa: E712
    return [(r["entry"], r["judge"]) for r in rows]


def assignment_id(world, entry_id: int, judge_id: int) -> int:
    from judging.scoring.tables import Assignment

    row = world.run(Assignment.select(Assignment.id).where((Assignment.entry == entry_id) & (Assignment.judge == judge_id)
                                                           & (Assignment.round.is_current == True)).first())  # noqa: E712
    return row["id"]


def score(world, judge: str, entry_id: int, criteria: dict, expect: int = 200, **extra):
    response = world.client.put(f"/api/v1/entries/{entry_id}/scores", json={"criteria": criteria, **extra}, headers=world.headers(judge))
    assert response.status_code == expect, response.text
    return response.json()


def results(world, method: str | None = None, headers=None) -> list[dict]:
    url = ev(world, "/results") + (f"?method={method}" if method else "")
    return ok(world.client.get(url, headers=org(world) if headers is None else headers))["entries"]


def by_entry(rows: list[dict]) -> dict[int, dict]:
    return {r["entry_id"]: r for r in rows}


def sra(rows: list[dict], ids: list[int]) -> list[tuple]:
    """(score, rank, award) of ``ids`` in order."""
    found = by_entry(rows)
    return [(found[i]["score"], found[i]["rank"], found[i]["award"]) for i in ids]


# --------------------------------------------------------------------------- rubric


def test_rubric_defaults_and_validation(world):
    # a new event offers the CASTIC-style criteria, numbers as plain decimal strings
    criteria = ok(world.client.get(ev(world, "/rubric"), headers=org(world)))["criteria"]
    assert [(c["code"], c["name"], c["weight"], c["max_points"]) for c in criteria] == [
        ("innovation", "创新性", "40", "10"), ("scientific", "科学性", "30", "10"), ("practical", "实用性", "30", "10")]
    bad = [
        [],
        [{"code": "a", "name": "甲", "weight": "0", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "abc", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "50", "max_points": "-1"}],
        [{"code": "a", "name": "甲", "weight": "NaN", "max_points": "10"}],
        [{"code": "a", "name": "", "weight": "50", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "50", "max_points": "10"}, {"code": "a", "name": "乙", "weight": "50", "max_points": "10"}],
        [{"code": "a", "name": "甲", "weight": "33.3333", "max_points": "10"}],  # more decimals than can be stored
        [{"code": "a", "name": "甲", "weight": "1000000", "max_points": "10"}],  # too large to store
    ]
    for criteria in bad:
        body = put_rubric(world, criteria, expect=422)
        assert body["detail"]
    put_rubric(world, SINGLE, expect=422, category_code="NOPE")
    # a rubric whose weights do not add to 100 is allowed (scores are then out of its total)
    saved = put_rubric(world, [{"code": "x", "name": "甲", "weight": "33.333", "max_points": "9", "description": "说明"}])["criteria"]
    assert saved == [{"code": "x", "name": "甲", "description": "说明", "weight": "33.333", "max_points": "9"}]
    # only organizers
    assert world.client.put(ev(world, "/rubric"), json={"criteria": SINGLE}, headers=world.headers("judge")).status_code == 403
    assert world.client.put(ev(world, "/rubric"), json={"criteria": SINGLE}).status_code == 401


def test_editing_the_rubric_never_loses_a_recorded_score(world):
    put_rubric(world, CASTIC)
    judge = add_judge(world, "j1", ["MA"])
    entry = new_entry(world, "HK01")
    generate(world, 1)
    # 8/10*40 + 7/10*30 + 9/10*30 = 32 + 21 + 27 = 80
    saved = score(world, "j1", entry, {"innovation": 8, "scientific": 7, "practical": 9})
    assert saved["total"] == "80" and saved["complete"] is True and saved["version"] == 1
    assert results(world)[0]["score"] == "80.00"
    # drop 'practical': the sheet keeps its points; the score is now 32 + 21 = 53
    put_rubric(world, CASTIC[:2])
    sheet = ok(world.client.get(f"/api/v1/entries/{entry}/scores", headers=world.headers("j1")))
    assert sheet["criteria"] == {"innovation": "8", "scientific": "7", "practical": "9"}
    assert [c["code"] for c in sheet["rubric"]] == ["innovation", "scientific"]
    assert results(world)[0]["score"] == "53.00"
    # re-add it (same code) with weight 30 again: 80 is back, nothing was re-entered
    put_rubric(world, CASTIC)
    row = results(world)[0]
    assert (row["score"], row["status"], row["rank"]) == ("80.00", "complete", 1)
    # change a weight: points per code are kept and re-weighted: 8/10*50 + 21 + 27 = 40 + 21 + 27 = 88
    put_rubric(world, [dict(CASTIC[0], weight="50"), *CASTIC[1:]])
    assert results(world)[0]["score"] == "88.00"
    # adding a new criterion makes the sheet incomplete (no score is invented), never deleted
    put_rubric(world, [*CASTIC, {"code": "team", "name": "团队", "weight": "10", "max_points": "10"}])
    row = results(world)[0]
    assert (row["status"], row["score"], row["rank"], row["award"]) == ("incomplete", None, None, None)
    # ... and the judge's list and the progress board say so too
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("j1")))
    assert [(a["entry_id"], a["status"], a["total"]) for a in mine] == [(entry, "draft", "")]
    assert ok(world.client.get(ev(world, "/progress"), headers=org(world)))["scored"] == 0
    # weights 40/30/30/10 now: 8/10*40 + 7/10*30 + 9/10*30 + 5/10*10 = 32 + 21 + 27 + 5 = 85
    score(world, "j1", entry, {"team": 5}, version=1)
    assert results(world)[0]["score"] == "85.00"
    assert ok(world.client.get(ev(world, "/progress"), headers=org(world)))["scored"] == 1
    history = ok(world.client.get(f"/api/v1/entries/{entry}/score-history", headers=org(world)))
    assert [h["new_total"] for h in history] == ["80", "85"]
    # 50/30/30 without 'team' again: complete with 40 + 21 + 27 = 88, on the judge's list as well
    put_rubric(world, [dict(CASTIC[0], weight="50"), *CASTIC[1:]])
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("j1")))
    assert [(a["status"], a["total"]) for a in mine] == [("scored", "88")]
    # once results are published the rubric is frozen (it would change published scores)
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    assert "公示" in put_rubric(world, CASTIC, expect=409)["detail"]
    assert results(world)[0]["score"] == "88.00"
    assert judge


def test_uneven_rubric_rounds_once_at_the_end(world):
    # max 9 points: 7/9*40 + 8/9*30 + 5/9*30 = 670/9 = 74.444... -> "74.44"
    # (rounding each term first would give 31.11 + 26.67 + 16.67 = 74.45)
    put_rubric(world, [dict(c, max_points="9") for c in CASTIC])
    add_judge(world, "j1", ["MA"])
    entry = new_entry(world, "HK01")
    generate(world, 1)
    saved = score(world, "j1", entry, {"innovation": 7, "scientific": 8, "practical": 5})
    assert saved["total"].startswith("74.4444444444")
    assert results(world)[0]["score"] == "74.44"
    patch_event(world, {"score_decimals": 1})
    assert results(world)[0]["score"] == "74.4"
    patch_event(world, {"score_decimals": 0})
    assert results(world)[0]["score"] == "74"


# --------------------------------------------------------------------------- judges


def test_add_judges(world):
    from app.accounts import services as accounts

    judge = add_judge(world, "prof", ["ma", "PH"], school_code="HK01", conflict_schools=["SY01"], conflict_advisers=["王老师"])
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
    response = world.client.post(ev(world, "/judges"), json={"username": "j2", "category_codes": ["MA"]}, headers=world.headers("hk01"))
    assert response.status_code == 403


# --------------------------------------------------------------------------- assignment


def test_generate_gives_k_judges_never_conflicted_with_even_loads(world):
    # 12 MA entries, 4 per school; two HK02 entries have the adviser 王老师
    hk01 = [new_entry(world, "HK01") for _ in range(4)]
    hk02 = [new_entry(world, "HK02", advisers=["王老师"] if i < 2 else ["李老师"]) for i in range(4)]
    sy01 = [new_entry(world, "SY01") for _ in range(4)]
    ma = hk01 + hk02 + sy01
    j1 = add_judge(world, "j1", ["MA"], school_code="HK01")           # own school HK01
    j2 = add_judge(world, "j2", ["MA"], school_code="SY01")           # own school SY01
    j3 = add_judge(world, "j3", ["MA"], conflict_schools=["HK02"])    # declared school
    j4 = add_judge(world, "j4", ["MA"], conflict_advisers=["王老师"])  # declared adviser
    j5 = add_judge(world, "j5", ["MA"], conflict_entries=[hk01[0]])   # declared entry
    j6 = add_judge(world, "j6", ["MA", "PH"])
    j7 = add_judge(world, "j7", ["PH"], school_code="HK02")
    # 3 PH entries: only j6 and j7 judge PH, and j7 may not judge HK02's
    ph = [new_entry(world, code, category="PH") for code in ("HK01", "HK02", "SY01")]
    # a draft of a school is not approved: never assigned
    world.run(__import__("competitions.registration.services", fromlist=["x"]).create_entry(
        world.principal("hk01"), world.event_id, {"title": "草稿作品", "category": "MA", "division": "初中"}))

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
        (ph[0], 2, 3), (ph[1], 1, 3), (ph[2], 2, 3)]
    assert all(u["code"].startswith("PH-") for u in answer["unassigned_entries"])
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
    assert world.client.post(ev(world, "/assignments/generate"), json={"judges_per_entry": 3}, headers=world.headers("j1")).status_code == 403
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
        return world.client.post(f"/api/v1/assignments/{assignment}/move", json={"judge_id": judge}, headers=world.headers(user))

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


# --------------------------------------------------------------------------- scores


def test_scores_from_a_tablet_versions_locks_and_history(world):
    put_rubric(world, HALVES)
    e1, e2 = new_entry(world, "HK01"), new_entry(world, "HK02")
    add_judge(world, "ja", ["MA"])
    add_judge(world, "jb", ["PH"])
    generate(world, 1)
    # not assigned: 403 (another judge, and a judge of another category)
    score(world, "jb", e1, {"a": 10}, expect=403)
    score(world, "judge", e1, {"a": 10}, expect=403)
    assert world.client.put(f"/api/v1/entries/{e1}/scores", json={"criteria": {"a": 1}}, headers=org(world)).status_code == 403
    # out of range and malformed: 422, nothing stored
    for criteria in ({"a": 51}, {"a": -1}, {"a": "abc"}, {"a": 10.555}, {"zz": 5}, {"a": "NaN"}, {"a": "Infinity"}):
        body = score(world, "ja", e1, criteria, expect=422)
        assert body["detail"]
    mine = ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))
    assert (mine["version"], mine["criteria"], mine["complete"], mine["locked"]) == (0, {}, False, False)
    # a draft: only one criterion
    draft = score(world, "ja", e1, {"a": "40.5"}, comment="第一印象不错")
    assert draft == {"entry_id": e1, "version": 1, "total": "", "complete": False}
    # the same body replayed (a tablet retrying after a dropped connection): 200, version unchanged
    again = score(world, "ja", e1, {"a": "40.5"}, comment="第一印象不错", version=0)
    assert again["version"] == 1
    again = score(world, "ja", e1, {"a": 40.5}, comment="第一印象不错", version=1)
    assert again["version"] == 1
    # completing it, based on version 1 -> version 2: 40.5 + 45 = 85.5
    done = score(world, "ja", e1, {"b": 45}, version=1)
    assert done == {"entry_id": e1, "version": 2, "total": "85.5", "complete": True}
    # the comment was not lost by a request without one
    assert ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["comment"] == "第一印象不错"
    # an edit at version 2 on another device -> version 3
    assert score(world, "ja", e1, {"a": 41}, version=2)["version"] == 3
    # the offline tablet now replays its edit based on version 1: 409, nothing overwritten
    stale = score(world, "ja", e1, {"a": 30, "b": 30}, version=1, expect=409)
    assert "版本" in stale["detail"] and stale["extra"]["current_version"] == 3
    stale = score(world, "ja", e1, {"a": 30}, version=2, expect=409)
    mine = ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))
    assert (mine["criteria"], mine["version"], mine["total"]) == ({"a": "41", "b": "45"}, 3, "86")
    # a first sheet claiming a version that does not exist: 409
    generate(world, 1)
    # results: 41 + 45 = 86 -> "86.00"
    assert by_entry(results(world))[e1]["score"] == "86.00"
    # publication locks judges' scores
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    locked = score(world, "ja", e1, {"a": 42}, version=3, expect=409)
    assert "公示" in locked["detail"]
    # even a replay answers 409 now: the lock comes first, with a clear message
    assert ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["locked"] is True
    # the organizer changes a score citing the objection it answers
    sheets = ok(world.client.get(f"/api/v1/entries/{e1}/score-sheets", headers=org(world)))
    score_id = sheets[0]["score_id"]
    response = world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 44}, "reason": ""}, headers=org(world))
    assert response.status_code == 422
    response = world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 60}, "reason": "异议1"}, headers=org(world))
    assert response.status_code == 422
    changed = ok(world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 44}, "reason": "异议第1号：复核后更正"},
                                  headers=org(world)))
    assert changed == {"entry_id": e1, "version": 4, "total": "89", "complete": True}
    assert world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 44}, "reason": "x"},
                            headers=world.headers("ja")).status_code == 403
    assert by_entry(results(world))[e1]["score"] == "89.00"  # 44 + 45
    history = ok(world.client.get(f"/api/v1/entries/{e1}/score-history", headers=org(world)))
    assert [(h["old_total"], h["new_total"]) for h in history] == [("", ""), ("", "85.5"), ("85.5", "86"), ("86", "89")]
    last = history[-1]
    assert last["old_points"] == {"a": "41", "b": "45"} and last["new_points"] == {"a": "44", "b": "45"}
    assert last["reason"] == "异议第1号：复核后更正" and last["changed_by"] == "组委会" and last["judge"] == "评委ja"
    assert history[0]["new_points"] == {"a": "40.5"} and history[0]["changed_by"] == "评委ja"
    audit = ok(world.client.get(f"/api/v1/entries/{e1}/history", headers=org(world)))
    assert any(a["action"] == "score.organizer_change" and a["reason"] == "异议第1号：复核后更正" for a in audit)
    # finalize: everything 409 with a clear message
    ok(world.client.post(ev(world, "/finalize"), headers=org(world)))
    body = score(world, "ja", e1, {"a": 43}, version=4, expect=409)
    assert "定稿" in body["detail"]
    response = world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 43}, "reason": "异议2"}, headers=org(world))
    assert response.status_code == 409 and "定稿" in response.json()["detail"]
    assert world.client.post(ev(world, "/assignments/generate"), json={"judges_per_entry": 1}, headers=org(world)).status_code == 409
    response = world.client.post(ev(world, "/awards/adjust"), json={"entry_id": e1, "award": "first", "reason": "理由"}, headers=org(world))
    assert response.status_code == 409
    assert world.client.post(ev(world, "/finalize"), headers=org(world)).status_code == 409
    assert world.client.post(ev(world, "/publish"), headers=org(world)).status_code == 409
    # unlocking needs a reason and is audited; it goes back to the public-notice state
    response = world.client.post(ev(world, "/unlock"), json={"reason": "  "}, headers=org(world))
    assert response.status_code == 422
    assert world.client.post(ev(world, "/unlock"), json={"reason": "x"}, headers=world.headers("ja")).status_code == 403
    unlocked = ok(world.client.post(ev(world, "/unlock"), json={"reason": "省科协复核通知"}, headers=org(world)))
    assert unlocked["state"] == "published"
    assert world.client.post(ev(world, "/unlock"), json={"reason": "再次"}, headers=org(world)).status_code == 409
    score(world, "ja", e1, {"a": 43}, version=4, expect=409)  # judges stay locked
    ok(world.client.put(f"/api/v1/scores/{score_id}", json={"criteria": {"a": 43}, "reason": "异议2"}, headers=org(world)))
    assert by_entry(results(world))[e1]["score"] == "88.00"
    from app.tables import AuditLog

    actions = [r["action"] for r in world.run(AuditLog.select(AuditLog.action, AuditLog.reason).where(AuditLog.event_id == world.event_id))]
    assert {"results.publish", "results.finalize", "results.unlock"} <= set(actions)
    unlock_row = world.run(AuditLog.select(AuditLog.reason).where(AuditLog.action == "results.unlock").first())
    assert unlock_row["reason"] == "省科协复核通知"
    assert e2


def test_first_sheet_with_a_stale_version_and_comment_only_changes(world):
    put_rubric(world, HALVES)
    e1 = new_entry(world, "HK01")
    add_judge(world, "ja", ["MA"])
    generate(world, 1)
    # a tablet that believes there is a version 2 but nothing is stored: 409, nothing stored
    score(world, "ja", e1, halves(60), version=2, expect=409)
    assert ok(world.client.get(f"/api/v1/entries/{e1}/scores", headers=world.headers("ja")))["version"] == 0
    assert score(world, "ja", e1, halves(60))["version"] == 1
    # a comment change alone is a change: version 2; replaying it is not
    assert score(world, "ja", e1, {}, comment="很好", version=1)["version"] == 2
    assert score(world, "ja", e1, {}, comment="很好", version=2)["version"] == 2
    assert score(world, "ja", e1, {}, comment="很好", version=1)["version"] == 2  # identical replay of an older request
    # without a version the last write wins (no offline draft involved)
    assert score(world, "ja", e1, {"a": 31})["version"] == 3


# --------------------------------------------------------------------------- results


def panel_world(world):
    """Three MA judges A, B, C on five 初中 entries (each judge on every entry):

        entry   A    B    C
        E1      86   78   60
        E2      86   62   60
        E3      74   78   60
        E4      74   62   60
        E5     100   40   (draft: only 'a')  -> incomplete

    Over the complete entries E1..E4: A has mean 80 and population SD 6, B mean 70 and SD 8
    (both z = +-1), C gives 60 everywhere (SD 0 -> the global mean). All twelve raw scores:
    mean 840/12 = 70, squared deviations 2*256 + 2*16 + 4*64 + 4*100 = 1200 -> SD sqrt(100) = 10.
    """
    put_rubric(world, HALVES)
    ids = [new_entry(world, "HK01"), new_entry(world, "HK02"), new_entry(world, "SY01"), new_entry(world, "HK01"), new_entry(world, "HK02")]
    judges = [add_judge(world, name, ["MA"]) for name in ("A", "B", "C")]
    answer = generate(world, 3)
    assert answer == {"assignments": 15, "unassigned_entries": []}
    table = {"A": (86, 86, 74, 74, 100), "B": (78, 62, 78, 62, 40), "C": (60, 60, 60, 60, None)}
    for name, totals in table.items():
        for entry, total in zip(ids, totals):
            if total is not None:
                score(world, name, entry, halves(total))
    score(world, "C", ids[4], {"a": 30})  # a draft does not complete E5
    return ids, judges


def test_results_by_each_method_computed_by_hand(world):
    (e1, e2, e3, e4, e5), _judges = panel_world(world)
    order = [e1, e2, e3, e4, e5]

    # mean: E1 (86+78+60)/3 = 224/3 = 74.666.. -> 74.67; E2 208/3 = 69.33; E3 212/3 = 70.67; E4 196/3 = 65.33.
    # E5 is incomplete: not counted, so N = 4 -> cutoffs (1, 2, 3): E1 first, E3 second, E2 third, E4 none.
    # (Were E5 counted, N = 5 would give cutoffs (1, 2, 4) and E4 a third prize.)
    rows = results(world)
    assert sra(rows, order) == [("74.67", 1, "first"), ("69.33", 3, "third"), ("70.67", 2, "second"), ("65.33", 4, None),
                                (None, None, None)]
    assert by_entry(rows)[e5]["status"] == "incomplete" and by_entry(rows)[e1]["status"] == "complete"
    assert [r["entry_id"] for r in rows] == [e1, e3, e2, e4, e5]  # by rank, incomplete last
    assert all(r["category_code"] == "MA" and r["division"] == "初中" for r in rows)

    # zscore: normalized A 80, 80, 60, 60; B 80, 60, 80, 60; C 70 everywhere (E5's 100 and 40 are left out:
    # only complete entries count). E1 (80+80+70)/3 = 76.67; E2 (80+60+70)/3 = 70.00; E3 70.00; E4 63.33.
    # Ranks 1, 2, 2, 4; cutoffs (1, 2, 3): E2 and E3 tied at rank 2 both second; E4 rank 4 none.
    patch_event(world, {"aggregation": "zscore"})
    rows = results(world)
    assert sra(rows, order) == [("76.67", 1, "first"), ("70.00", 2, "second"), ("70.00", 2, "second"), ("63.33", 4, None),
                                (None, None, None)]
    assert [r["entry_id"] for r in rows] == [e1, e2, e3, e4, e5]
    # the organizer may compare methods without changing the setting
    assert sra(results(world, "mean"), [e1])[0] == ("74.67", 1, "first")

    # trimmed_mean with 3 scores and trim_min_scores 5 (default): the plain mean
    patch_event(world, {"aggregation": "trimmed_mean"})
    assert sra(results(world), order) == sra(results(world, "mean"), order)
    # trim_min_scores 3: drop the highest and the lowest -> the middle score:
    # E1 78, E2 62, E3 74, E4 62; ranks 1, 3, 2, 3; E2 and E4 tied at the third cutoff (3) both third
    patch_event(world, {"trim_min_scores": 3})
    rows = results(world)
    assert sra(rows, order) == [("78.00", 1, "first"), ("62.00", 3, "third"), ("74.00", 2, "second"), ("62.00", 3, "third"),
                                (None, None, None)]
    assert [r["entry_id"] for r in rows] == [e1, e3, e2, e4, e5]
    # invalid settings: 422
    for body in ({"aggregation": "median"}, {"trim_min_scores": 2}, {"score_decimals": 5},
                 {"award_quotas": {"first": 0.5, "second": 0.5, "third": 0.1}}, {"award_quotas": {"first": -0.1}},
                 {"award_quotas": {"first": 1.5}}, {"award_quotas": {"fourth": 0.1}}, {"award_min_score": "abc"},
                 {"national_quota": -1}):
        assert world.client.patch(ev(world), json=body, headers=org(world)).status_code == 422, body
    response = world.client.get(ev(world, "/results?method=median"), headers=org(world))
    assert response.status_code == 422


def test_completing_the_missing_score_counts_the_entry(world):
    (e1, e2, e3, e4, e5), _judges = panel_world(world)
    # C completes E5 with 30 + 20 = 50 (version 1 -> 2). Mean: E5 (100+40+50)/3 = 63.33; N = 5 -> cutoffs (1, 2, 4):
    # E1 74.67 first, E3 70.67 second, E2 69.33 third, E4 65.33 third, E5 63.33 none
    score(world, "C", e5, {"b": 20}, version=1)
    assert sra(results(world), [e1, e2, e3, e4, e5]) == [
        ("74.67", 1, "first"), ("69.33", 3, "third"), ("70.67", 2, "second"), ("65.33", 4, "third"), ("63.33", 5, None)]


def test_consistency_report_and_progress(world):
    (e1, e2, e3, e4, e5), (ja, jb, jc) = panel_world(world)
    report = ok(world.client.get(ev(world, "/consistency"), headers=org(world)))
    judges = {j["judge_id"]: j for j in report["judges"]}
    # every complete sheet counts (E5's too). All 14 raw scores: sum 840 + 140 = 980, mean 70,
    # squared deviations 1200 + 900 + 900 = 3000 -> population SD sqrt(3000/14) = 14.64.
    # A: 86, 86, 74, 74, 100: mean 420/5 = 84, SD sqrt((4+4+100+100+256)/5) = sqrt(92.8) = 9.63;
    #    the others on A's entries: B 78+62+78+62+40 = 320, C 4*60 = 240 -> 560/9 = 62.22; 84 - 62.22 = 21.78 >= 14.64: far
    a = judges[ja]
    assert (a["scored"], a["mean"], a["sd"], a["panel_mean"], a["difference"], a["flags"]) == (
        5, "84.00", "9.63", "62.22", "21.78", ["far_from_panel"])
    # B: 78, 62, 78, 62, 40: mean 64, SD sqrt((196+4+196+4+576)/5) = sqrt(195.2) = 13.97;
    #    others: A 420 + C 240 = 660/9 = 73.33; 64 - 73.33 = -9.33 (within 14.64)
    b = judges[jb]
    assert (b["scored"], b["mean"], b["sd"], b["panel_mean"], b["difference"], b["flags"]) == (5, "64.00", "13.97", "73.33", "-9.33", [])
    # C: 60 x 4: SD 0 -> all_equal; others: A 320 + B 280 = 600/8 = 75; -15 (|15| >= 14.64: far); 4 < 5 scores
    c = judges[jc]
    assert (c["scored"], c["mean"], c["sd"], c["panel_mean"], c["difference"], c["flags"]) == (
        4, "60.00", "0.00", "75.00", "-15.00", ["all_equal", "far_from_panel", "few_scores"])
    assert c["name"] == "评委C"
    # rank changes between mean and z-score: only E2 (3rd by mean 69.33, 2nd by z-score 70.00)
    assert report["rank_changes"] == [{
        "entry_id": e2, "code": report["rank_changes"][0]["code"], "title": report["rank_changes"][0]["title"], "category_code": "MA",
        "division": "初中", "rank_mean": 3, "rank_zscore": 2, "score_mean": "69.33", "score_zscore": "70.00"}]
    # progress: 15 assigned, 14 complete sheets (C's E5 is a draft)
    progress = ok(world.client.get(ev(world, "/progress"), headers=org(world)))
    assert (progress["assigned"], progress["scored"], progress["round_state"]) == (15, 14, "open")
    assert [(j["judge_id"], j["assigned"], j["scored"]) for j in progress["judges"]] == [(jc, 5, 4), (ja, 5, 5), (jb, 5, 5)]
    assert [(c["category_code"], c["assigned"], c["scored"]) for c in progress["categories"]] == [("MA", 15, 14)]
    assert world.client.get(ev(world, "/progress"), headers=world.headers("A")).status_code == 403


# groups of 1 to 7 entries (one judge per category, k = 1, so each score is the judge's points)
# with the default quotas the cutoffs are (see test_rules): N=1 (0,0,1), 2 (0,1,2), 3 (0,1,2), 4 (1,2,3),
# 5 (1,2,4), 6 (1,2,5), 7 (1,3,5)
GROUPS = [
    ("MA", "小学", [90], ["third"]),
    ("MA", "初中", [90, 80], ["second", "third"]),
    ("MA", "高中", [90, 80, 70], ["second", "third", None]),
    ("PH", "小学", [90, 80, 70, 60], ["first", "second", "third", None]),
    ("PH", "初中", [90, 80, 70, 60, 50], ["first", "second", "third", "third", None]),
    ("PH", "高中", [90, 80, 70, 60, 50, 40], ["first", "second", "third", "third", "third", None]),
    # ties at both boundaries: ranks 1, 1, 3, 3, 5, 6, 7; first cutoff 1 -> both 95s first; second cutoff 3 -> both 80s second
    ("CH", "初中", [95, 95, 80, 80, 60, 50, 40], ["first", "first", "second", "second", "third", None, None]),
]


def test_groups_of_one_to_seven_entries(world):
    put_rubric(world, SINGLE)
    for code in ("MA", "PH", "CH"):
        add_judge(world, f"j{code.lower()}", [code])
    created = []
    schools = itertools.cycle(["HK01", "HK02", "SY01"])
    for category, division, scores_, _awards in GROUPS:
        created.append([new_entry(world, next(schools), category=category, division=division) for _ in scores_])
    generate(world, 1)
    for (category, _division, scores_, _awards), ids in zip(GROUPS, created):
        for entry, points in zip(ids, scores_):
            score(world, f"j{category.lower()}", entry, {"s": points})
    rows = results(world)
    found = by_entry(rows)
    for (category, division, scores_, awards), ids in zip(GROUPS, created):
        ranks = [1 + sum(1 for other in scores_ if other > s) for s in scores_]
        assert [found[i]["award"] for i in ids] == awards, (category, division)
        assert [found[i]["rank"] for i in ids] == ranks
        assert [found[i]["score"] for i in ids] == [f"{s}.00" for s in scores_]
        assert all(found[i]["category_code"] == category and found[i]["division"] == division for i in ids)
    # sorted by category (as the event lists them: MA, PH, CH), division (小学, 初中, 高中), then rank
    assert [(r["category_code"], r["division"]) for r in rows] == [(c, d) for c, d, s, _a in GROUPS for _ in s]
    for _c, _d, _s, _a in GROUPS:
        group = [r["rank"] for r in rows if (r["category_code"], r["division"]) == (_c, _d)]
        assert group == sorted(group)


def test_quotas_are_read_exactly_and_a_minimum_score(world):
    put_rubric(world, SINGLE)
    add_judge(world, "jma", ["MA"])
    ids = [new_entry(world, "HK01") for _ in range(10)]
    generate(world, 1)
    for i, entry in enumerate(ids):
        score(world, "jma", entry, {"s": 95 - 5 * i})  # 95, 90, ..., 50
    # N = 10, default quotas: cutoffs 1.5 -> 2, 4.0 -> 4, 7.5 -> 8 (half up; the float 0.15 would give 1.4999.. -> 1)
    awards = [by_entry(results(world))[e]["award"] for e in ids]
    assert awards == ["first"] * 2 + ["second"] * 2 + ["third"] * 4 + [None] * 2
    # quotas 0.1 / 0.2 / 0.3 as JSON numbers: cumulative 0.1, 0.3, 0.6 -> cutoffs 1, 3, 6
    event = patch_event(world, {"award_quotas": {"first": 0.1, "second": 0.2, "third": 0.3}})
    assert event["award_quotas"] == {"first": "0.1", "second": "0.2", "third": "0.3"}
    awards = [by_entry(results(world))[e]["award"] for e in ids]
    assert awards == ["first"] + ["second"] * 2 + ["third"] * 3 + [None] * 4
    # first 0.05 with N = 10: 0.5 -> 1 (half up); 0.05 + 0.2 = 0.25 -> 2.5 -> 3; 0.25 + 0.3 = 0.55 -> 5.5 -> 6
    patch_event(world, {"award_quotas": {"first": 0.05}})
    awards = [by_entry(results(world))[e]["award"] for e in ids]
    assert awards == ["first"] + ["second"] * 2 + ["third"] * 3 + [None] * 4
    # a minimum score for any award: 80 -> the 75 and 70 entries (ranks 5, 6) lose their third prize
    assert patch_event(world, {"award_min_score": "80"})["award_min_score"] == "80"
    awards = [by_entry(results(world))[e]["award"] for e in ids]
    assert awards == ["first"] + ["second"] * 2 + ["third"] + [None] * 6
    assert patch_event(world, {"award_min_score": None})["award_min_score"] is None


# --------------------------------------------------------------------------- publication, workbook, awards


def test_public_results_and_the_workbook(world):
    put_rubric(world, SINGLE)
    add_judge(world, "jma", ["MA"])
    id_number = gb11643("46010220110315123")
    e1 = new_entry(world, "HK01", title='=HYPERLINK("http://evil.example","点我")', students=[("张三丰", id_number, False)],
                   advisers=["王老师"])
    e2 = new_entry(world, "HK02", title="校园雨水花园", students=[("李四", gb11643("46010220110316125"), True)])
    generate(world, 1)
    score(world, "jma", e1, {"s": "85.6"})
    score(world, "jma", e2, {"s": 80})
    # before publication: 404 for the public and for other roles; the organizer sees everything
    assert world.client.get(ev(world, "/results")).status_code == 404
    assert world.client.get(ev(world, "/results"), headers=world.headers("hk01")).status_code == 404
    assert world.client.get("/api/v1/events/999999/results").status_code == 404
    full = results(world)
    assert full[0]["title"].startswith("=HYPERLINK")
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    public = ok(world.client.get(ev(world, "/results")))
    # N = 2: cutoffs (0, 1, 2): 85.60 second, 80.00 third
    assert public["entries"] == [
        {"entry_id": e1, "category_code": "MA", "division": "初中", "status": "complete", "rank": 1, "score": "85.60", "award": "second"},
        {"entry_id": e2, "category_code": "MA", "division": "初中", "status": "complete", "rank": 2, "score": "80.00", "award": "third"},
    ]
    text = str(public)
    assert "张三" not in text and "李四" not in text and id_number not in text and "王老师" not in text
    # ?method= is the organizer's; the public always gets the event's method
    assert ok(world.client.get(ev(world, "/results?method=zscore")))["method"] == "mean"
    # the workbook: opens, frozen header, no ID numbers anywhere, formulas neutralized
    response = world.client.get(ev(world, "/results.xlsx"), headers=org(world))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["类别", "组别", "名次", "作品编号"] and "得分" in header and "奖项" in header
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    # formula-like text is a string cell with Excel's quote prefix, never a formula
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@")
    texts = " ".join(str(c.value) for c in cells if c.value is not None)
    assert id_number not in texts and not re.search(r"\d{15,}", texts)
    title_cell = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    # kept exactly, stored as text with Excel's quote prefix (no literal apostrophe shown)
    assert title_cell.data_type == "s" and title_cell.value == '=HYPERLINK("http://evil.example","点我")'
    assert title_cell.quotePrefix is True
    rows = {r[header.index("作品名称")]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    first = rows["校园雨水花园"]
    assert first[header.index("得分")] == 80 and first[header.index("奖项")] == "三等奖" and first[header.index("学生")] == "李四"
    assert first[header.index("名次")] == 2
    assert world.client.get(ev(world, "/results.xlsx"), headers=world.headers("hk01")).status_code == 403
    assert world.client.get(ev(world, "/results.xlsx")).status_code == 401


def test_award_adjustment_with_reason_is_shown_and_audited(world):
    put_rubric(world, SINGLE)
    add_judge(world, "jma", ["MA"])
    e1, e2 = new_entry(world, "HK01"), new_entry(world, "HK02")
    generate(world, 1)
    score(world, "jma", e1, {"s": 90})
    score(world, "jma", e2, {"s": 80})
    # N = 2: second, third
    for body in ({"entry_id": e2, "award": "first", "reason": ""}, {"entry_id": e2, "award": "gold", "reason": "理由"}):
        assert world.client.post(ev(world, "/awards/adjust"), json=body, headers=org(world)).status_code == 422
    assert world.client.post(ev(world, "/awards/adjust"), json={"entry_id": 999999, "award": "first", "reason": "理由"},
                             headers=org(world)).status_code == 404
    ok(world.client.post(ev(world, "/awards/adjust"), json={"entry_id": e2, "award": "second", "reason": "专家组复议：创新点突出"},
                         headers=org(world)))
    ok(world.client.post(ev(world, "/awards/adjust"), json={"entry_id": e1, "award": None, "reason": "查实抄袭，取消奖项"},
                         headers=org(world)))
    rows = by_entry(results(world))
    assert (rows[e2]["award"], rows[e2]["computed_award"], rows[e2]["adjustment_reason"]) == ("second", "third", "专家组复议：创新点突出")
    assert (rows[e1]["award"], rows[e1]["computed_award"], rows[e1]["adjustment_reason"]) == (None, "second", "查实抄袭，取消奖项")
    assert rows[e1]["rank"] == 1  # the rank is not changed by an award adjustment
    history = ok(world.client.get(f"/api/v1/entries/{e2}/history", headers=org(world)))
    adjust = [h for h in history if h["action"] == "award.adjust"]
    assert len(adjust) == 1 and adjust[0]["reason"] == "专家组复议：创新点突出" and adjust[0]["changes"]["award"] == ["third", "second"]
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    assert by_entry(ok(world.client.get(ev(world, "/results")))["entries"])[e2]["award"] == "second"


def test_recommendations_within_the_national_quota(world):
    put_rubric(world, SINGLE)
    add_judge(world, "jma", ["MA"])
    ids = [new_entry(world, "HK01") for _ in range(4)]
    generate(world, 1)
    for entry, points in zip(ids[:3], (90, 80, 70)):
        score(world, "jma", entry, {"s": points})
    # ids[3] has no score: incomplete. N = 3 -> cutoffs (0, 1, 2): 90 second, 80 third, 70 none
    assert patch_event(world, {"national_quota": 2})["national_quota"] == 2
    url = ev(world, "/recommendations")
    assert world.client.put(url, json={"entry_ids": ids[:3]}, headers=org(world)).status_code == 422  # 3 > 2
    assert world.client.put(url, json={"entry_ids": [ids[3]]}, headers=org(world)).status_code == 422  # incomplete
    assert world.client.put(url, json={"entry_ids": [ids[2]]}, headers=org(world)).status_code == 422  # no award
    assert ok(world.client.put(url, json={"entry_ids": [ids[1], ids[0], ids[0]]}, headers=org(world))) == {"recommended": sorted(ids[:2])}
    rows = by_entry(results(world))
    assert [rows[e]["recommended"] for e in ids] == [True, True, False, False]
    ok(world.client.put(url, json={"entry_ids": [ids[1]]}, headers=org(world)))
    assert [by_entry(results(world))[e]["recommended"] for e in ids] == [False, True, False, False]
    assert world.client.put(url, json={"entry_ids": []}, headers=world.headers("hk01")).status_code == 403


# --------------------------------------------------------------------------- rounds


def preliminary(world):
    """MA 初中: 90, 85, 85, 70, 60 (ranks 1, 2, 2, 4, 5); PH 初中: 80, 75, 70, 65 (ranks 1..4); one MA entry unscored."""
    put_rubric(world, SINGLE)
    add_judge(world, "jma", ["MA"])
    add_judge(world, "jph", ["PH"])
    ma = [new_entry(world, "HK01") for _ in range(6)]
    ph = [new_entry(world, "HK02", category="PH") for _ in range(4)]
    generate(world, 1)
    for entry, points in zip(ma, (90, 85, 85, 70, 60)):
        score(world, "jma", entry, {"s": points})
    for entry, points in zip(ph, (80, 75, 70, 65)):
        score(world, "jph", entry, {"s": points})
    return ma, ph


def test_advance_top_n_ties_at_the_cutoff_all_advance(world):
    ma, ph = preliminary(world)
    for body in ({}, {"top_n": 2, "top_share": 0.5}, {"top_n": 0}, {"top_share": 0}, {"top_share": 1.5}):
        assert world.client.post(ev(world, "/rounds/advance"), json=body, headers=org(world)).status_code == 422, body
    # top 2 of each group: MA ranks 1, 2, 2 (tied at the cutoff: both advance) -> 3; PH -> 2
    answer = ok(world.client.post(ev(world, "/rounds/advance"), json={"top_n": 2}, headers=org(world)))
    assert answer["advanced"] == 5 and answer["entry_ids"] == sorted(ma[:3] + ph[:2])
    # the final round holds only the advanced entries, none scored yet
    rows = results(world)
    assert sorted(r["entry_id"] for r in rows) == sorted(ma[:3] + ph[:2])
    assert all(r["status"] == "incomplete" for r in rows)
    assert generate(world, 1)["assignments"] == 5
    mine = ok(world.client.get("/api/v1/judging/assignments", headers=world.headers("jma")))
    assert sorted(a["entry_id"] for a in mine) == sorted(ma[:3]) and all(a["status"] == "pending" for a in mine)
    # scoring the final: 88, 92, 79 -> ranks 2, 1, 3
    for entry, points in zip(ma[:3], (88, 92, 79)):
        score(world, "jma", entry, {"s": points})
    final = by_entry(results(world))
    assert [final[e]["rank"] for e in ma[:3]] == [2, 1, 3] and final[ma[1]]["score"] == "92.00"
    # an entry that did not advance cannot be scored in the final
    score(world, "jma", ma[3], {"s": 99}, expect=403)
    assert world.client.post(ev(world, "/rounds/advance"), json={"top_n": 1}, headers=org(world)).status_code == 409


def test_advance_top_share(world):
    ma, ph = preliminary(world)
    # share 0.3 (read exactly): MA N = 5 -> 1.5 -> 2: ranks <= 2 -> 90, 85, 85; PH N = 4 -> 1.2 -> 1: 80
    answer = ok(world.client.post(ev(world, "/rounds/advance"), json={"top_share": 0.3}, headers=org(world)))
    assert answer["entry_ids"] == sorted(ma[:3] + ph[:1])


def test_objections_are_recorded_and_handled(world):
    e1 = new_entry(world, "HK01")
    url = ev(world, "/objections")
    assert world.client.post(url, json={"content": "  "}, headers=org(world)).status_code == 422
    assert world.client.post(url, json={"content": "x", "entry_id": 999999}, headers=org(world)).status_code == 404
    assert world.client.post("/api/v1/events/999999/objections", json={"content": "x"}, headers=org(world)).status_code == 404
    assert world.client.post(url, json={"content": "x"}, headers=world.headers("hk01")).status_code == 403
    made = ok(world.client.post(url, json={"content": "该作品与往届作品雷同", "entry_id": e1, "raised_by": "某校家长"}, headers=org(world)), 201)
    assert made["status"] == "open"
    resolve = f"/api/v1/objections/{made['id']}/resolve"
    assert world.client.post(resolve, json={"handling": ""}, headers=org(world)).status_code == 422
    assert world.client.post(resolve, json={"handling": "核查", "status": "maybe"}, headers=org(world)).status_code == 422
    assert world.client.post("/api/v1/objections/999999/resolve", json={"handling": "核查"}, headers=org(world)).status_code == 404
    ok(world.client.post(resolve, json={"handling": "经专家组核查，不属雷同", "status": "rejected"}, headers=org(world)))
    listed = ok(world.client.get(url, headers=org(world)))
    assert [(o["entry_id"] if "entry_id" in o else o["entry"], o["status"], o["handling"], o["raised_by"]) for o in listed] == [
        (e1, "rejected", "经专家组核查，不属雷同", "某校家长")]
    assert listed[0]["resolved_at"] is not None


def test_unknown_event_answers_404_everywhere(world):
    base = "/api/v1/events/999999"
    for method, path, body in (("get", "/results", None), ("get", "/progress", None), ("get", "/consistency", None),
                               ("get", "/assignments/sheets", None), ("get", "/rubric", None), ("post", "/publish", None),
                               ("post", "/finalize", None), ("post", "/unlock", {"reason": "x"}),
                               ("post", "/assignments/generate", {"judges_per_entry": 1}),
                               ("post", "/awards/adjust", {"entry_id": 1, "award": None, "reason": "x"}),
                               ("post", "/rounds/advance", {"top_n": 1}), ("get", "/results.xlsx", None)):
        response = getattr(world.client, method)(base + path, headers=org(world), **({"json": body} if body is not None else {}))
        assert response.status_code == 404, (path, response.text)
    assert world.client.get(base + "/results").status_code == 404


def test_points_in_scientific_notation_or_booleans_are_refused():
    from app.errors import ValidationFailed
    from judging.scoring.services import _points

    criteria = [{"code": "innovation", "name": "创新性", "weight": "40", "max_points": "10"}]
    assert _points(criteria, {"innovation": "7.5"}) == {"innovation": "7.5"}
    assert _points(criteria, {"innovation": 8}) == {"innovation": "8"}
    for bad in ("1e1", True, "八"):
        with pytest.raises(ValidationFailed):
            _points(criteria, {"innovation": bad})
