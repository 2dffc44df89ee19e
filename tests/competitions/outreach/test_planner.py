"""The tour planner on a small case worked out by hand (issue 17 "Done when": availability, one place per
day, topics match, under-served counties first), and its rules one at a time.

The case: a three-day tour, Monday 1 to Wednesday 3 March 2027, at most two talks per expert per day.

- counties: A = 白沙 (469025, no talks in earlier years), B = 琼海 (469002, 3), C = 海口 (460100, 9);
- expert 1 travels to A and B, available Monday and Tuesday only, topic 10 (航天, 初中/高中);
- expert 2 travels anywhere and is generally available, but Tuesday is booked by another tour;
  topic 20 (海洋, 小学/初中);
- requests (all for the week of 1 March unless said): 1 school 1 in B topic 10; 2 school 2 in A topic 10;
  3 school 3 in A topic 10, rural, 高中; 4 school 4 in A topic 10; 5 school 5 in A topic 10 (2 talks in
  earlier years); 6 school 6 in B 小学 subject 海洋; 7 school 7 in C 小学 subject 航天; 8 school 8 in C
  初中 subject 海洋; 9 school 9 in B topic 10; 10 school 10 in B 小学 海洋 but for the week after.

By hand: A goes first (0 earlier talks), then B (3), then C (9). In A the rural school 3 leads, then
schools 2 and 4 (no earlier talks, by id), then school 5 (2 earlier talks). Expert 1 takes 3 and 2 on
Monday (two talks: full), 4 and 5 on Tuesday (full); Wednesday he is not available. So in B requests 1
and 9 find expert 1 in 白沙 (and full) on both of his days (unplaced: another county) while request 6 (海洋 for 小学) goes to
expert 2 on Monday in B. In C, request 7 finds no 航天 topic for 小学 (unplaced: no topic); request 8
cannot have expert 2 on Monday (he is in B: one county a day) nor Tuesday (booked): Wednesday. Request
10 has no tour day in its week.
"""

from __future__ import annotations

import datetime as dt

from competitions.outreach.planner import DayBook, Expert, History, Request, Rules, Topic, plan, problems

MON, TUE, WED = dt.date(2027, 3, 1), dt.date(2027, 3, 2), dt.date(2027, 3, 3)
A, B, C = "469025", "469002", "460100"
WEEK = (MON,)
TOPICS = (
    Topic(10, 1, frozenset({"初中", "高中"}), "航天", "火箭是怎样飞上天的"),
    Topic(20, 2, frozenset({"小学", "初中"}), "海洋", "珊瑚礁的秘密"),
)
EXPERTS = (
    Expert(1, regions=frozenset({A, B}), windows=((MON, TUE),)),
    Expert(2, generally_available=True, booked={TUE: C}),
)
HISTORY = History(county_talks={A: 0, B: 3, C: 9}, school_talks={5: 2})
REQUESTS = (
    Request(1, 1, B, "初中", WEEK, topic_id=10),
    Request(2, 2, A, "初中", WEEK, topic_id=10),
    Request(3, 3, A, "高中", WEEK, topic_id=10, rural=True),
    Request(4, 4, A, "初中", WEEK, topic_id=10),
    Request(5, 5, A, "初中", WEEK, topic_id=10),
    Request(6, 6, B, "小学", WEEK, subject="海洋"),
    Request(7, 7, C, "小学", WEEK, subject="航天"),
    Request(8, 8, C, "初中", WEEK, subject="海洋"),
    Request(9, 9, B, "初中", WEEK, topic_id=10),
    Request(10, 10, B, "小学", (MON + dt.timedelta(days=7),), subject="海洋"),
)
RULES = Rules(days=(MON, TUE, WED), max_talks_per_day=2)


def test_the_small_case_as_worked_out_by_hand():
    result = plan(REQUESTS, TOPICS, EXPERTS, HISTORY, RULES)
    assert [(t.day, t.expert_id, t.slot, t.request_id, t.county) for t in result.talks] == [
        (MON, 1, 1, 3, A),
        (MON, 1, 2, 2, A),
        (MON, 2, 1, 6, B),
        (TUE, 1, 1, 4, A),
        (TUE, 1, 2, 5, A),
        (WED, 2, 1, 8, C),
    ]
    assert [(u.request_id, u.reason) for u in result.unplaced] == [
        (1, "other_county"),
        (7, "no_topic"),
        (9, "other_county"),
        (10, "no_day"),
    ]
    assert result.county_order == ((A, 0), (B, 3), (C, 9))
    # the rules hold over the whole plan: availability, one county per expert per day, at most two a day
    for t in result.talks:
        expert = next(e for e in EXPERTS if e.id == t.expert_id)
        assert expert.available_on(t.day) and expert.travels_to(t.county)
        topic = next(x for x in TOPICS if x.id == t.topic_id)
        request = next(r for r in REQUESTS if r.id == t.request_id)
        assert request.division in topic.divisions and topic.expert_id == t.expert_id
    days = {}
    for t in result.talks:
        days.setdefault((t.expert_id, t.day), []).append(t.county)
    assert all(len(set(c)) == 1 and len(c) <= 2 for c in days.values())


def test_each_talk_explains_why_this_school_and_why_this_expert():
    talks = {t.request_id: t for t in plan(REQUESTS, TOPICS, EXPERTS, HISTORY, RULES).talks}
    first = talks[3]
    assert [(w.code, dict(w.params)) for w in first.why_school] == [
        ("county_history", {"talks": 0, "rank": 1, "of": 3}),
        ("school_history", {"talks": 0}),
        ("rural", {}),
        ("preferred_week", {"week": "2027-03-01"}),
    ]
    assert [(w.code, dict(w.params)) for w in first.why_expert] == [
        ("requested_topic", {"subject": "航天", "division": "高中"}),
        ("travels", {"anywhere": 0}),
        ("available", {"general": 0}),
        ("load", {"talks": 0}),
    ]
    second = talks[2]  # expert 1 is already in 白沙 that Monday
    assert ("same_county_day", (("talks", 1),)) in [(w.code, w.params) for w in second.why_expert]
    assert dict(talks[5].why_school[1].params) == {"talks": 2}  # school 5 had two talks before: planned last in A
    ocean = talks[6]
    assert ocean.why_expert[0].code == "subject_match" and ocean.why_expert[0].get("subject") == "海洋"
    assert ocean.why_school[0].params == (("talks", 3), ("rank", 2), ("of", 3))


def test_the_least_reached_county_goes_first_whatever_the_ids():
    """Expert 1 has room for two talks on one day; two counties ask: the one with fewer earlier talks gets both."""
    one_day = Rules(days=(MON,), max_talks_per_day=2)
    requests = (
        Request(1, 1, B, "初中", WEEK, topic_id=10),
        Request(2, 2, B, "初中", WEEK, topic_id=10),
        Request(3, 3, A, "初中", WEEK, topic_id=10),
        Request(4, 4, A, "初中", WEEK, topic_id=10),
    )
    result = plan(requests, TOPICS, EXPERTS, HISTORY, one_day)
    assert sorted(t.request_id for t in result.talks) == [3, 4]
    assert [(u.request_id, u.reason) for u in result.unplaced] == [(1, "other_county"), (2, "other_county")]
    # with the history turned round, B (now the least reached) gets the day instead
    turned = History(county_talks={A: 5, B: 0})
    assert sorted(t.request_id for t in plan(requests, TOPICS, EXPERTS, turned, one_day).talks) == [1, 2]


def test_city_priority_then_school_history_then_rural_within_a_county():
    one_slot = Rules(days=(MON,), max_talks_per_day=1)
    base = dict(division="初中", weeks=WEEK, topic_id=10)
    # school 1 was reached before, school 2 is rural, school 3 neither: 3's city put it first
    requests = (
        Request(1, 1, A, **base),
        Request(2, 2, A, rural=True, **base),
        Request(3, 3, A, priority="high", **base),
    )
    history = History(school_talks={1: 1})
    assert [t.request_id for t in plan(requests, TOPICS, EXPERTS, history, one_slot).talks] == [3]
    plain = tuple(Request(r.id, r.school_id, r.county, rural=r.rural, **base) for r in requests)
    assert [t.request_id for t in plan(plain, TOPICS, EXPERTS, history, one_slot).talks] == [2]  # rural
    no_rural = tuple(Request(r.id, r.school_id, r.county, **base) for r in requests)
    assert [t.request_id for t in plan(no_rural, TOPICS, EXPERTS, history, one_slot).talks] == [2]  # not reached before


def test_a_travel_table_lets_two_near_counties_share_a_day():
    rules = Rules(days=(MON, TUE, WED), max_talks_per_day=2, travel_minutes={(B, C): 60}, max_day_travel_minutes=90)
    talks = {t.request_id: t for t in plan(REQUESTS, TOPICS, EXPERTS, HISTORY, rules).talks}
    assert (talks[8].day, talks[8].expert_id, talks[8].slot) == (MON, 2, 2)  # 琼海 to 海口 is 60 minutes
    far = Rules(days=(MON, TUE, WED), max_talks_per_day=2, travel_minutes={(B, C): 120}, max_day_travel_minutes=90)
    assert {t.request_id: t for t in plan(REQUESTS, TOPICS, EXPERTS, HISTORY, far).talks}[8].day == WED


def test_problems_name_every_broken_rule_for_an_edit():
    rules = Rules(days=(MON, TUE, WED), max_talks_per_day=1)
    book = DayBook(rules)
    book.add(1, MON, B, 99)
    request = Request(50, 7, A, "小学", WEEK, topic_id=10)
    assert problems(request, TOPICS[0], EXPERTS[0], MON, book) == ["division", "full", "other_county"]
    assert problems(request, TOPICS[0], EXPERTS[0], WED, book) == ["division", "not_available"]
    assert problems(Request(51, 8, C, "初中", WEEK), TOPICS[1], EXPERTS[1], TUE, book) == ["booked"]
    assert problems(Request(52, 8, C, "初中", WEEK), TOPICS[0], EXPERTS[0], TUE, book) == ["no_travel"]
    assert problems(Request(53, 9, A, "初中", WEEK), TOPICS[0], EXPERTS[0], TUE, book) == []


def test_the_same_inputs_give_the_same_plan():
    assert plan(REQUESTS, TOPICS, EXPERTS, HISTORY, RULES) == plan(
        tuple(reversed(REQUESTS)), TOPICS, EXPERTS, HISTORY, RULES
    )
