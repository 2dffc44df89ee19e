"""Registration service messages in the event kind's words (competitions/events/kinds.py
ROBOTICS_TERMS): a robotics event's entry is a 队伍 / team, its title a 队伍名称 / team name, its
adviser a 教练 / coach, in the messages the services answer as in the pages; an innovation event
keeps 作品 / entry."""

from __future__ import annotations

import pytest

from tests.competitions.api import hdr
from tests.competitions.registration.test_entries_api import student
from tests.factories import competitions as factories

EN = {"Accept-Language": "en"}


@pytest.fixture
def robotics(world):
    event_id = factories.event(world, "机器人竞赛（用语）", kind="robotics", min_advisers=1)["id"]
    factories.category(world, "V", "VEX 对抗赛", event_id=event_id)
    return event_id


def post_entry(world, event_id, body, username="hk01", headers=None):
    return world.client.post(
        f"/api/v1/events/{event_id}/entries",
        json={"category_code": "V", "division": "初中", **body},
        headers={**hdr(world, username), **(headers or {})},
    )


def test_robotics_registration_messages_say_team_and_coach(world, robotics):
    empty = post_entry(world, robotics, {"title": "  "})
    assert empty.status_code == 422
    assert empty.json()["detail"] == "请填写队伍名称。"
    assert empty.json()["errors"] == [{"field": "title", "message": "请填写队伍名称。"}]
    assert post_entry(world, robotics, {"title": ""}, headers=EN).json()["detail"] == "Please enter the team name."

    made = post_entry(world, robotics, {"title": "雷霆队", "members": [student("李明")]})
    assert made.status_code == 201, made.text
    assert "至少需要 1 名教练，现在有 0 名。" in made.json()["missing"]
    again = post_entry(world, robotics, {"title": "雷霆队"})
    assert again.status_code == 422
    assert again.json()["detail"] == "本校已有名为“雷霆队”的队伍，请换一个名称，或直接修改原队伍。"
    assert again.json()["errors"] == [{"field": "title", "message": "队伍名称重复。"}]
    english = post_entry(world, robotics, {"title": "雷霆队"}, headers=EN).json()
    assert (
        english["detail"] == 'Your school already has a team called "雷霆队"; choose another title or edit that team.'
    )

    entry_id = made.json()["id"]
    refused = world.client.post(f"/api/v1/entries/{entry_id}/submit", headers=hdr(world, "hk01"))
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("队伍还不能提交：至少需要 1 名教练，现在有 0 名。")
    refused_en = world.client.post(f"/api/v1/entries/{entry_id}/submit", headers={**hdr(world, "hk01"), **EN})
    assert "At least 1 coaches are needed; now: 0." in refused_en.json()["detail"]

    no_reason = world.client.post(
        f"/api/v1/entries/{entry_id}/review", json={"decision": "return"}, headers=hdr(world, "org")
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"] == "退回队伍时必须填写原因，学校会看到这段说明。"
    many = world.client.post(
        f"/api/v1/events/{robotics}/entries/review",
        json={"entry_ids": [], "decision": "approve"},
        headers=hdr(world, "org"),
    )
    assert many.status_code == 422  # the reviewer's "select many"
    assert many.json()["detail"] == "请至少选择一个队伍。"

    # another school's coordinator may not change the team
    other = world.client.patch(f"/api/v1/entries/{entry_id}", json={"title": "闪电队"}, headers=hdr(world, "hk02"))
    assert other.status_code == 404
    assert other.json()["detail"] == "队伍不存在或您无权查看。"


def test_innovation_messages_keep_entry_words(world):
    body = {"title": "", "category_code": "PH", "division": "初中"}
    empty = world.client.post(f"/api/v1/events/{world.event_id}/entries", json=body, headers=hdr(world, "hk01"))
    assert empty.json()["detail"] == "请填写作品名称。"
    english = world.client.post(
        f"/api/v1/events/{world.event_id}/entries", json=body, headers={**hdr(world, "hk01"), **EN}
    )
    assert english.json()["detail"] == "Please enter the entry title."
