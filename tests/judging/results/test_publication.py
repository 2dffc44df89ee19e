"""Publication (judging/results/publication.py) through the service: publishing then
finalizing moves the round's state, score changes after publication answer Conflict, open
objections hold finalization back, unlocking needs a reason; recommendations within the
quota; advancing to a final round."""

from __future__ import annotations

import pytest

from app.errors import Conflict, ValidationFailed
from judging.panels import assignments
from judging.results import publication
from judging.rounds.services import current_round
from judging.scoring import services as scoring
from tests import factories


def state(world) -> str:
    return world.run(current_round(world.event_id))["state"]


def test_publish_then_finalize_moves_the_round_state_and_locks_scores(world):
    made = factories.judged_event(world, entries=3, judges=2)
    assert (state(world), world.run(publication.is_published(world.event_id))) == ("open", False)
    assert (
        world.run(scoring.put_score(made.principal("judge1"), made.entry_ids[0], {"s": 95}))["version"] == 2
    )  # open: may change

    published = world.run(publication.publish(world.org, world.event_id))
    round_row = world.run(current_round(world.event_id))
    assert published == {
        "event_id": world.event_id,
        "round_id": round_row["id"],
        "state": "published",
        "notice_starts_at": round_row["published_at"].isoformat(),
        "notice_ends_at": None,  # no 公示期 end given: finalizing is not held back by one
        "objection_contact": "",
        "notice_running": False,
        "incomplete": [],
    }
    assert round_row["published_at"] is not None and round_row["finalized_at"] is None
    assert world.run(publication.is_published(world.event_id)) is True
    with pytest.raises(Conflict) as locked:
        world.run(scoring.put_score(made.principal("judge1"), made.entry_ids[0], {"s": 96}))
    assert locked.value.message == "结果已公示，评委评分已锁定；如需更改请联系组委会。"
    with pytest.raises(Conflict):
        world.run(assignments.generate(world.org, world.event_id, 1))

    finalized = world.run(publication.finalize(world.org, world.event_id))
    assert finalized["state"] == "finalized" == state(world)
    assert world.run(current_round(world.event_id))["finalized_at"] is not None
    with pytest.raises(Conflict) as again:
        world.run(publication.finalize(world.org, world.event_id))
    assert again.value.message == "结果已经定稿。"
    with pytest.raises(Conflict) as republish:
        world.run(publication.publish(world.org, world.event_id))
    assert republish.value.message == "结果已定稿，任何修改都会被拒绝；如确需修改，请组委会先解锁并说明理由。"
    with pytest.raises(Conflict) as locked:
        world.run(scoring.put_score(made.principal("judge2"), made.entry_ids[0], {"s": 1}))
    assert locked.value.message == "结果已定稿，评分已锁定，不能再修改。"


def test_unlock_needs_a_reason_and_goes_back_to_published(world):
    factories.judged_event(world, entries=1, judges=1)
    with pytest.raises(Conflict) as not_final:
        world.run(publication.unlock(world.org, world.event_id, "复核"))
    assert not_final.value.message == "结果尚未定稿，无需解锁。"
    world.run(publication.finalize(world.org, world.event_id))  # publishing first is not required
    with pytest.raises(ValidationFailed) as no_reason:
        world.run(publication.unlock(world.org, world.event_id, "  "))
    assert no_reason.value.message == "解锁定稿结果必须写明理由。"
    assert world.run(publication.unlock(world.org, world.event_id, "异议复核"))["state"] == "published" == state(world)


def test_an_open_objection_holds_finalization_back(world):
    made = factories.judged_event(world, entries=2, judges=1)
    world.run(publication.publish(world.org, world.event_id))
    first = world.run(
        publication.record_objection(world.org, world.event_id, made.entry_ids[0], "某校家长", "分数有误")
    )
    world.run(publication.record_objection(world.org, world.event_id, None, "", "名单有误"))
    with pytest.raises(Conflict) as held:
        world.run(publication.finalize(world.org, world.event_id))
    assert held.value.message == "还有 2 条异议未处理，请先记录处理结果再定稿。"
    world.run(publication.resolve_objection(world.org, first["id"], "经核查无误", "rejected"))
    with pytest.raises(Conflict) as held:
        world.run(publication.finalize(world.org, world.event_id))
    assert held.value.message == "还有 1 条异议未处理，请先记录处理结果再定稿。"
    second = world.run(publication.list_objections(world.event_id))[1]
    with pytest.raises(ValidationFailed) as bad:
        world.run(publication.resolve_objection(world.org, second["id"], "已改", "maybe"))
    assert bad.value.message == "处理结果必须是 resolved（已处理）或 rejected（不予支持）。"
    world.run(publication.resolve_objection(world.org, second["id"], "已更正名单"))
    assert world.run(publication.finalize(world.org, world.event_id))["state"] == "finalized"
    assert [(o["status"], o["handling"]) for o in world.run(publication.list_objections(world.event_id))] == [
        ("rejected", "经核查无误"),
        ("resolved", "已更正名单"),
    ]


def test_recommendations_within_the_quota_and_only_awarded_entries(world):
    # three entries, 90 / 89 / 88; default quotas: cutoffs round(3 x 0.15) = 0, round(3 x 0.40) = 1,
    # round(3 x 0.75) = 2 -> ranks 1 and 2 awarded (second, third), rank 3 not
    made = factories.judged_event(world, entries=3, judges=1, scores=[90, 89, 88], national_quota=1)
    first, second, third = made.entry_ids
    with pytest.raises(ValidationFailed) as over:
        world.run(publication.set_recommendations(world.org, world.event_id, [first, second]))
    assert over.value.message == "推荐名额为 1 个，现在选了 2 个。"
    with pytest.raises(ValidationFailed) as unawarded:
        world.run(publication.set_recommendations(world.org, world.event_id, [third]))
    assert unawarded.value.message == f"只能推荐获奖作品；未获奖：{made.entries[2]['code']}。"
    assert world.run(publication.set_recommendations(world.org, world.event_id, [second, second])) == {
        "recommended": [second]
    }


def test_advance_to_a_final_round_with_the_top_n(world):
    # ranks 1, 2, 2, 4: the tie at the cutoff both advance
    made = factories.judged_event(world, entries=4, judges=1, scores=[90, 85, 85, 70])
    with pytest.raises(ValidationFailed) as both:
        world.run(publication.advance_to_final(world.org, world.event_id, top_n=2, top_share="0.5"))
    assert both.value.message == "请只填写一项：晋级名额（每组前 N 名）或晋级比例。"
    answer = world.run(publication.advance_to_final(world.org, world.event_id, top_n=2))
    assert (answer["advanced"], answer["entry_ids"]) == (3, sorted(made.entry_ids[:3]))
    final = world.run(current_round(world.event_id))
    assert (final["kind"], final["name"], final["state"], final["id"]) == ("final", "终评", "open", answer["round_id"])
    with pytest.raises(Conflict) as twice:
        world.run(publication.advance_to_final(world.org, world.event_id, top_n=1))
    assert twice.value.message == "已经是终评轮次。"


# --------------------------------------------------------------------------- 公示期 and incomplete entries (issue 12)


def test_publishing_sets_the_notice_period_and_early_finalization_needs_a_reason(world):
    import datetime as dt

    from app.tables import AuditLog
    from app.times import SHANGHAI, now

    factories.judged_event(world, entries=2, judges=1)
    end = (now() + dt.timedelta(days=7)).astimezone(SHANGHAI).date()
    published = world.run(
        publication.publish(world.org, world.event_id, end.isoformat(), " 电话 0898-12345678，邮箱 kx@example.cn ")
    )
    # a bare date ends the 公示期 at the end of that day in Asia/Shanghai: 23:59:59+08:00 = 15:59:59 UTC
    ends = dt.datetime.combine(end, dt.time(15, 59, 59), tzinfo=dt.timezone.utc)
    assert published["notice_ends_at"] == ends.isoformat()
    assert published["objection_contact"] == "电话 0898-12345678，邮箱 kx@example.cn"
    assert published["notice_running"] is True
    assert world.run(current_round(world.event_id))["notice_ends_at"] == ends

    with pytest.raises(Conflict) as early:
        world.run(publication.finalize(world.org, world.event_id))
    assert early.value.message == (
        f"公示期到 {end.isoformat()} 23:59 才结束，现在还不能定稿。"
        "如确需在公示期结束前定稿，请写明提前定稿的理由（会记入审计记录）。"
    )
    assert state(world) == "published"
    with pytest.raises(Conflict):
        world.run(publication.finalize(world.org, world.event_id, override_notice_reason="   "))
    done = world.run(publication.finalize(world.org, world.event_id, override_notice_reason="省赛报名截止提前"))
    assert (done["state"], done["unranked"]) == ("finalized", [])
    rows = world.run(
        AuditLog.select(AuditLog.action, AuditLog.reason).where(AuditLog.action == "results.notice_override")
    )
    assert [(r["action"], r["reason"]) for r in rows] == [("results.notice_override", "省赛报名截止提前")]


def test_a_notice_end_in_the_past_or_unreadable_is_refused_naming_the_field(world):
    factories.judged_event(world, entries=1, judges=1)
    for value, message in (("2020-01-01", "公示截止时间必须晚于现在。"), ("next week", None)):
        with pytest.raises(ValidationFailed) as refused:
            world.run(publication.publish(world.org, world.event_id, value))
        assert refused.value.errors[0]["field"] == "notice_ends_at"
        if message:
            assert refused.value.message == message
    assert state(world) == "open"  # nothing published


def test_finalizing_with_incomplete_entries_needs_an_explicit_decision(world):
    from judging.results.services import compute_results

    # entry 0 scored by both judges, entry 1 by judge1 only, entry 2 by nobody
    made = factories.judged_event(world, entries=3, judges=2, scores=[[80, 70], [90, None], [None, None]])
    e0, e1, e2 = made.entry_ids
    published = world.run(publication.publish(world.org, world.event_id))
    assert published["incomplete"] == [e1, e2]  # publishing lists them too
    with pytest.raises(Conflict) as held:
        world.run(publication.finalize(world.org, world.event_id))
    assert held.value.message == "还有 2 个作品评分未完成。请先补齐评分，或写明理由把它们定为不排名（未获奖）后再定稿。"
    assert held.value.extra == {"incomplete": [e1, e2]}
    with pytest.raises(ValidationFailed) as no_reason:
        world.run(publication.finalize(world.org, world.event_id, incomplete_as_unranked=True, reason=" "))
    assert no_reason.value.errors == [{"field": "reason", "message": "请写明理由。"}]
    assert state(world) == "published"

    done = world.run(
        publication.finalize(world.org, world.event_id, incomplete_as_unranked=True, reason="评委因病缺席")
    )
    assert (done["state"], done["unranked"]) == ("finalized", [e1, e2])
    rows = {r["entry_id"]: r for r in world.run(compute_results(world.event_id))["entries"]}
    # N = 1 (only entry 0 is ranked): mean (80 + 70) / 2 = 75.00, cutoffs (0, 0, 1): third
    assert (rows[e0]["rank"], rows[e0]["score"], rows[e0]["award"]) == (1, "75.00", "third")
    assert [(rows[e]["status"], rows[e]["rank"], rows[e]["award"], rows[e]["unranked_reason"]) for e in (e1, e2)] == [
        ("incomplete", None, None, "评委因病缺席"),
        ("incomplete", None, None, "评委因病缺席"),
    ]
    # unlocked and finalized again: the decision stands, nothing more to decide
    world.run(publication.unlock(world.org, world.event_id, "复核"))
    assert world.run(publication.finalize(world.org, world.event_id))["unranked"] == [e1, e2]


def test_publishing_and_finalizing_need_registration_over(world):
    """Issue 13: an event still open for registration (nothing judged yet) went from 报名中 straight
    to 公示中. Publishing and finalizing need the stage at least 报名已截止 (or judging begun)."""
    from competitions.events import services as events

    event_id = factories.event(world, "报名中的赛事")["id"]
    assert world.run(events.stage(event_id)).value == "open"
    with pytest.raises(Conflict) as refused:
        world.run(publication.publish(world.org, event_id))
    assert refused.value.message == (
        "本赛事现在是“报名中”，报名还没有截止，不能公示结果。请先截止报名（并开始评审），再公示。"
    )
    with pytest.raises(Conflict) as refused:
        world.run(publication.finalize(world.org, event_id))
    assert refused.value.message == (
        "本赛事现在是“报名中”，报名还没有截止，不能定稿结果。请先截止报名（并开始评审），再公示和定稿。"
    )
    assert world.run(current_round(event_id))["state"] == "open"  # nothing moved
    world.run(events.set_status(world.org, event_id, "closed"))
    world.run(events.start_judging(world.org, event_id))
    assert world.run(publication.publish(world.org, event_id))["state"] == "published"
