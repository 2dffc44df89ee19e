"""Results through the JSON API: every aggregation method (expected values computed by hand
in the comments), publication, finalization, awards, recommendations, objections and rounds."""

from __future__ import annotations

import io
import itertools
import re

import openpyxl

from tests.conftest import gb11643
from tests.judging.api import (
    HALVES,
    SINGLE,
    add_judge,
    by_entry,
    ev,
    generate,
    halves,
    new_entry,
    ok,
    org,
    patch_event,
    put_rubric,
    results,
    score,
    sra,
)

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
    ids = [
        new_entry(world, "HK01"),
        new_entry(world, "HK02"),
        new_entry(world, "SY01"),
        new_entry(world, "HK01"),
        new_entry(world, "HK02"),
    ]
    judges = [add_judge(world, name, ["MA"]) for name in ("A", "B", "C")]
    answer = generate(world, 3)
    assert answer == {"assignments": 15, "unassigned_entries": [], "unassigned": []}
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
    assert sra(rows, order) == [
        ("74.67", 1, "first"),
        ("69.33", 3, "third"),
        ("70.67", 2, "second"),
        ("65.33", 4, None),
        (None, None, None),
    ]
    assert by_entry(rows)[e5]["status"] == "incomplete" and by_entry(rows)[e1]["status"] == "complete"
    assert [r["entry_id"] for r in rows] == [e1, e3, e2, e4, e5]  # by rank, incomplete last
    assert all(r["category_code"] == "MA" and r["division"] == "初中" for r in rows)

    # zscore: normalized A 80, 80, 60, 60; B 80, 60, 80, 60; C 70 everywhere (E5's 100 and 40 are left out:
    # only complete entries count). E1 (80+80+70)/3 = 76.67; E2 (80+60+70)/3 = 70.00; E3 70.00; E4 63.33.
    # Ranks 1, 2, 2, 4; cutoffs (1, 2, 3): E2 and E3 tied at rank 2 both second; E4 rank 4 none.
    patch_event(world, {"aggregation": "zscore"})
    rows = results(world)
    assert sra(rows, order) == [
        ("76.67", 1, "first"),
        ("70.00", 2, "second"),
        ("70.00", 2, "second"),
        ("63.33", 4, None),
        (None, None, None),
    ]
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
    assert sra(rows, order) == [
        ("78.00", 1, "first"),
        ("62.00", 3, "third"),
        ("74.00", 2, "second"),
        ("62.00", 3, "third"),
        (None, None, None),
    ]
    assert [r["entry_id"] for r in rows] == [e1, e3, e2, e4, e5]
    # invalid settings: 422
    for body in (
        {"aggregation": "median"},
        {"trim_min_scores": 2},
        {"score_decimals": 5},
        {"award_quotas": {"first": 0.5, "second": 0.5, "third": 0.1}},
        {"award_quotas": {"first": -0.1}},
        {"award_quotas": {"first": 1.5}},
        {"award_quotas": {"fourth": 0.1}},
        {"award_min_score": "abc"},
        {"national_quota": -1},
    ):
        assert world.client.patch(ev(world), json=body, headers=org(world)).status_code == 422, body
    response = world.client.get(ev(world, "/results?method=median"), headers=org(world))
    assert response.status_code == 422


def test_completing_the_missing_score_counts_the_entry(world):
    (e1, e2, e3, e4, e5), _judges = panel_world(world)
    # C completes E5 with 30 + 20 = 50 (version 1 -> 2). Mean: E5 (100+40+50)/3 = 63.33; N = 5 -> cutoffs (1, 2, 4):
    # E1 74.67 first, E3 70.67 second, E2 69.33 third, E4 65.33 third, E5 63.33 none
    score(world, "C", e5, {"b": 20}, version=1)
    assert sra(results(world), [e1, e2, e3, e4, e5]) == [
        ("74.67", 1, "first"),
        ("69.33", 3, "third"),
        ("70.67", 2, "second"),
        ("65.33", 4, "third"),
        ("63.33", 5, None),
    ]


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
        5,
        "84.00",
        "9.63",
        "62.22",
        "21.78",
        ["far_from_panel"],
    )
    # B: 78, 62, 78, 62, 40: mean 64, SD sqrt((196+4+196+4+576)/5) = sqrt(195.2) = 13.97;
    #    others: A 420 + C 240 = 660/9 = 73.33; 64 - 73.33 = -9.33 (within 14.64)
    b = judges[jb]
    assert (b["scored"], b["mean"], b["sd"], b["panel_mean"], b["difference"], b["flags"]) == (
        5,
        "64.00",
        "13.97",
        "73.33",
        "-9.33",
        [],
    )
    # C: 60 x 4: SD 0 -> all_equal; others: A 320 + B 280 = 600/8 = 75; -15 (|15| >= 14.64: far); 4 < 5 scores
    c = judges[jc]
    assert (c["scored"], c["mean"], c["sd"], c["panel_mean"], c["difference"], c["flags"]) == (
        4,
        "60.00",
        "0.00",
        "75.00",
        "-15.00",
        ["all_equal", "far_from_panel", "few_scores"],
    )
    assert c["name"] == "评委C"
    # rank changes between mean and z-score: only E2 (3rd by mean 69.33, 2nd by z-score 70.00)
    assert report["rank_changes"] == [
        {
            "entry_id": e2,
            "code": report["rank_changes"][0]["code"],
            "title": report["rank_changes"][0]["title"],
            "category_code": "MA",
            "division": "初中",
            "rank_mean": 3,
            "rank_zscore": 2,
            "score_mean": "69.33",
            "score_zscore": "70.00",
        }
    ]
    # progress: 15 assigned, 14 complete sheets (C's E5 is a draft)
    progress = ok(world.client.get(ev(world, "/progress"), headers=org(world)))
    assert (progress["assigned"], progress["scored"], progress["round_state"]) == (15, 14, "open")
    assert [(j["judge_id"], j["assigned"], j["scored"]) for j in progress["judges"]] == [
        (jc, 5, 4),
        (ja, 5, 5),
        (jb, 5, 5),
    ]
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
    e1 = new_entry(
        world,
        "HK01",
        title='=HYPERLINK("http://evil.example","点我")',
        students=[("张三丰", id_number, False)],
        advisers=["王老师"],
    )
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
        {
            "entry_id": e1,
            "category_code": "MA",
            "division": "初中",
            "status": "complete",
            "rank": 1,
            "score": "85.60",
            "award": "second",
        },
        {
            "entry_id": e2,
            "category_code": "MA",
            "division": "初中",
            "status": "complete",
            "rank": 2,
            "score": "80.00",
            "award": "third",
        },
    ]
    text = str(public)
    assert "张三" not in text and "李四" not in text and id_number not in text and "王老师" not in text
    # ?method= is the organizer's; the public always gets the event's method
    assert ok(world.client.get(ev(world, "/results?method=zscore")))["method"] == "mean"
    # the workbook: opens, frozen header, no ID numbers anywhere, formulas neutralized
    response = world.client.get(ev(world, "/results.xlsx"), headers=org(world))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
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
    assert (
        first[header.index("得分")] == 80
        and first[header.index("奖项")] == "三等奖"
        and first[header.index("学生")] == "李四"
    )
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
    assert (
        world.client.post(
            ev(world, "/awards/adjust"),
            json={"entry_id": 999999, "award": "first", "reason": "理由"},
            headers=org(world),
        ).status_code
        == 404
    )
    ok(
        world.client.post(
            ev(world, "/awards/adjust"),
            json={"entry_id": e2, "award": "second", "reason": "专家组复议：创新点突出"},
            headers=org(world),
        )
    )
    ok(
        world.client.post(
            ev(world, "/awards/adjust"),
            json={"entry_id": e1, "award": None, "reason": "查实抄袭，取消奖项"},
            headers=org(world),
        )
    )
    rows = by_entry(results(world))
    assert (rows[e2]["award"], rows[e2]["computed_award"], rows[e2]["adjustment_reason"]) == (
        "second",
        "third",
        "专家组复议：创新点突出",
    )
    assert (rows[e1]["award"], rows[e1]["computed_award"], rows[e1]["adjustment_reason"]) == (
        None,
        "second",
        "查实抄袭，取消奖项",
    )
    assert rows[e1]["rank"] == 1  # the rank is not changed by an award adjustment
    history = ok(world.client.get(f"/api/v1/entries/{e2}/history", headers=org(world)))
    adjust = [h for h in history if h["action"] == "award.adjust"]
    assert (
        len(adjust) == 1
        and adjust[0]["reason"] == "专家组复议：创新点突出"
        and adjust[0]["changes"]["award"] == ["third", "second"]
    )
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
    assert ok(world.client.put(url, json={"entry_ids": [ids[1], ids[0], ids[0]]}, headers=org(world))) == {
        "recommended": sorted(ids[:2])
    }
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
    assert (
        world.client.post("/api/v1/events/999999/objections", json={"content": "x"}, headers=org(world)).status_code
        == 404
    )
    assert world.client.post(url, json={"content": "x"}, headers=world.headers("hk01")).status_code == 403
    made = ok(
        world.client.post(
            url, json={"content": "该作品与往届作品雷同", "entry_id": e1, "raised_by": "某校家长"}, headers=org(world)
        ),
        201,
    )
    assert made["status"] == "open"
    resolve = f"/api/v1/objections/{made['id']}/resolve"
    assert world.client.post(resolve, json={"handling": ""}, headers=org(world)).status_code == 422
    assert (
        world.client.post(resolve, json={"handling": "核查", "status": "maybe"}, headers=org(world)).status_code == 422
    )
    assert (
        world.client.post(
            "/api/v1/objections/999999/resolve", json={"handling": "核查"}, headers=org(world)
        ).status_code
        == 404
    )
    ok(
        world.client.post(
            resolve, json={"handling": "经专家组核查，不属雷同", "status": "rejected"}, headers=org(world)
        )
    )
    listed = ok(world.client.get(url, headers=org(world)))
    assert [
        (o["entry_id"] if "entry_id" in o else o["entry"], o["status"], o["handling"], o["raised_by"]) for o in listed
    ] == [(e1, "rejected", "经专家组核查，不属雷同", "某校家长")]
    assert listed[0]["resolved_at"] is not None


def test_unknown_event_answers_404_everywhere(world):
    base = "/api/v1/events/999999"
    for method, path, body in (
        ("get", "/results", None),
        ("get", "/progress", None),
        ("get", "/consistency", None),
        ("get", "/assignments/sheets", None),
        ("get", "/rubric", None),
        ("post", "/publish", None),
        ("post", "/finalize", None),
        ("post", "/unlock", {"reason": "x"}),
        ("post", "/assignments/generate", {"judges_per_entry": 1}),
        ("post", "/awards/adjust", {"entry_id": 1, "award": None, "reason": "x"}),
        ("post", "/rounds/advance", {"top_n": 1}),
        ("get", "/results.xlsx", None),
    ):
        response = getattr(world.client, method)(
            base + path, headers=org(world), **({"json": body} if body is not None else {})
        )
        assert response.status_code == 404, (path, response.text)
    assert world.client.get(base + "/results").status_code == 404


# --------------------------------------------------------------------------- 公示期, incomplete entries, public list (issue 12)


def test_publish_with_a_notice_period_and_finalize_refused_until_it_ends_or_overridden(world):
    import datetime as dt

    from app.times import SHANGHAI, now
    from tests import factories

    factories.judged_event(world, entries=2, judges=1)
    end = (now() + dt.timedelta(days=5)).astimezone(SHANGHAI).replace(microsecond=0, second=0)
    body = {"notice_ends_at": end.strftime("%Y-%m-%dT%H:%M"), "objection_contact": "0898-65300000"}
    published = ok(world.client.post(ev(world, "/publish"), json=body, headers=org(world)))
    assert published["notice_ends_at"] == end.astimezone(dt.timezone.utc).isoformat()  # no offset: Shanghai time
    assert (published["objection_contact"], published["notice_running"], published["incomplete"]) == (
        "0898-65300000",
        True,
        [],
    )
    # the public sees the 公示期 and the contact with the results
    public = ok(world.client.get(ev(world, "/results")))
    assert (public["notice_ends_at"], public["objection_contact"]) == (published["notice_ends_at"], "0898-65300000")
    assert public["notice_starts_at"] == published["notice_starts_at"]

    early = world.client.post(ev(world, "/finalize"), headers=org(world))
    assert early.status_code == 409
    # the detail says in words what to do; the field to send is named in ``extra`` only
    detail = early.json()["detail"]
    assert detail == (
        f"公示期到 {end.strftime('%Y-%m-%d %H:%M')} 才结束，现在还不能定稿。"
        "如确需在公示期结束前定稿，请写明提前定稿的理由（会记入审计记录）。"
    )
    assert "override_notice_reason" not in detail
    assert early.json()["extra"] == {"notice_ends_at": published["notice_ends_at"], "field": "override_notice_reason"}
    done = ok(
        world.client.post(ev(world, "/finalize"), json={"override_notice_reason": "上级通知提前"}, headers=org(world))
    )
    assert (done["state"], done["unranked"]) == ("finalized", [])
    # a body of the wrong type is 422 naming the field
    bad = world.client.post(ev(world, "/publish"), json={"notice_ends_at": 5}, headers=org(world))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "notice_ends_at"


def test_finalize_answers_409_with_the_incomplete_entries_until_decided(world):
    from tests import factories

    made = factories.judged_event(world, entries=3, judges=1, scores=[90, None, 80])
    e0, e1, e2 = made.entry_ids
    assert ok(world.client.post(ev(world, "/publish"), headers=org(world)))["incomplete"] == [e1]
    held = world.client.post(ev(world, "/finalize"), headers=org(world))
    assert held.status_code == 409
    assert held.json()["incomplete"] == [e1] and held.json()["extra"] == {"incomplete": [e1]}
    no_reason = world.client.post(ev(world, "/finalize"), json={"incomplete_as_unranked": True}, headers=org(world))
    assert no_reason.status_code == 422 and no_reason.json()["errors"] == [
        {"field": "reason", "message": "请写明理由。"}
    ]
    done = ok(
        world.client.post(
            ev(world, "/finalize"),
            json={"incomplete_as_unranked": True, "reason": "作品未到场答辩"},
            headers=org(world),
        )
    )
    assert (done["state"], done["unranked"]) == ("finalized", [e1])
    rows = by_entry(results(world))
    assert (rows[e1]["status"], rows[e1]["rank"], rows[e1]["award"], rows[e1]["unranked_reason"]) == (
        "incomplete",
        None,
        None,
        "作品未到场答辩",
    )


def test_public_results_list_winners_only_unless_the_setting_says_all(world):
    from tests import factories

    # one judge, SINGLE: scores 90, 85, 80, 75 and one entry without a score.
    # N = 4: cutoffs round(0.6) = 1, round(1.6) = 2, round(3.0) = 3 -> first, second, third, none
    made = factories.judged_event(world, entries=5, judges=1, scores=[90, 85, 80, 75, None])
    e = made.entry_ids
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    public = ok(world.client.get(ev(world, "/results")))
    assert [(r["entry_id"], r["rank"], r["award"]) for r in public["entries"]] == [
        (e[0], 1, "first"),
        (e[1], 2, "second"),
        (e[2], 3, "third"),
    ]
    assert (public["public_results"], public["ranked"], public["awarded"], public["not_ranked"]) == ("winners", 4, 3, 1)
    # the organizer still sees all five
    assert len(results(world)) == 5

    settings = world.client.patch(ev(world, "/judging-settings"), json={"public_results": "all"}, headers=org(world))
    assert ok(settings) == {"public_results": "all", "objection_contact": "", "blind_review": False}
    public = ok(world.client.get(ev(world, "/results")))
    assert [(r["entry_id"], r["rank"], r["award"]) for r in public["entries"]] == [
        (e[0], 1, "first"),
        (e[1], 2, "second"),
        (e[2], 3, "third"),
        (e[3], 4, None),
    ]
    assert public["not_ranked"] == 1

    bad = world.client.patch(ev(world, "/judging-settings"), json={"public_results": "some"}, headers=org(world))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "public_results"
    assert world.client.patch(ev(world, "/judging-settings"), json={"public_results": "all"}).status_code == 401
    assert ok(world.client.get(ev(world, "/judging-settings"), headers=org(world)))["public_results"] == "all"


def test_award_preview_per_group_before_applying_settings(world):
    from tests import factories

    # one judge, SINGLE: one group of 4 (90, 85, 80, 75)
    factories.judged_event(world, entries=4, judges=1, scores=[90, 85, 80, 75])
    preview = ok(world.client.get(ev(world, "/awards/preview"), headers=org(world)))
    # the event's defaults: N = 4, cutoffs round(0.6) = 1, round(1.6) = 2, round(3.0) = 3
    assert preview == {
        "quotas": {"first": "0.15", "second": "0.25", "third": "0.35"},
        "min_score": None,
        "groups": [
            {
                "category_code": "MA",
                "category_name": "数学",
                "division": "初中",
                "n": 4,
                "cutoffs": {"first": 1, "second": 2, "third": 3},
                "counts": {"first": 1, "second": 1, "third": 1, "none": 1},
                "below_min": 0,
                "small": False,
            }
        ],
    }
    # first 0.4, minimum 82: cutoffs round(1.6) = 2, round(2.6) = 3, round(4.0) = 4; 80 and 75 are below 82
    preview = ok(world.client.get(ev(world, "/awards/preview?first=0.4&min_score=82"), headers=org(world)))
    group = preview["groups"][0]
    assert (preview["quotas"]["first"], preview["min_score"]) == ("0.4", "82")
    assert (group["cutoffs"], group["counts"], group["below_min"]) == (
        {"first": 2, "second": 3, "third": 4},
        {"first": 2, "second": 0, "third": 0, "none": 2},
        2,
    )
    # nothing stored
    assert patch_event(world, {})["award_quotas"]["first"] == "0.15"
    bad = world.client.get(ev(world, "/awards/preview?first=1.5"), headers=org(world))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "award_first"


def test_public_results_is_an_event_setting_of_the_events_api(world):
    """CONTRACT "Event lifecycle": the event's ``public_results`` setting, set with
    ``PATCH /api/v1/events/{id}`` like any other (judging keeps it) and shown in the event's JSON;
    a bad value is 422 naming the field and changes nothing, not even the other fields sent."""
    from tests import factories

    made = factories.judged_event(world, entries=5, judges=1, scores=[90, 85, 80, 75, None])
    event_url = f"/api/v1/events/{made.event_id}"
    assert ok(world.client.get(event_url, headers=org(world)))["public_results"] == "winners"
    bad = world.client.patch(event_url, json={"name": "改名", "public_results": "some"}, headers=org(world))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "public_results"
    assert ok(world.client.get(event_url, headers=org(world)))["name"] != "改名"
    changed = ok(
        world.client.patch(
            event_url, json={"public_results": "all", "objection_contact": "0898-66668888"}, headers=org(world)
        )
    )
    assert (changed["public_results"], changed["objection_contact"]) == ("all", "0898-66668888")
    ok(world.client.post(ev(world, "/publish"), headers=org(world)))
    public = ok(world.client.get(ev(world, "/results")))
    assert [r["rank"] for r in public["entries"]] == [1, 2, 3, 4]  # every ranked entry, not only the 3 winners
    listed = {e["id"]: e for e in ok(world.client.get("/api/v1/events", headers=org(world)))}
    assert listed[made.event_id]["public_results"] == "all"
