"""Scoring pages: the rubric editor refuses weights that do not add up to 100 with the
typed rows kept and a message that says the total, and shows the running total."""

from __future__ import annotations

from judging.scoring import rubric
from tests.judging.pages import post, text_of


def test_the_rubric_page_refuses_weights_that_do_not_add_up_to_100(world):
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging"
    page = client.get(f"{base}/rubric")
    # the running total line carries its messages for the page script
    assert 'id="weight-sum"' in page.text and "权重合计必须是 100，现在是 {total}，请调整后再保存。" in page.text
    response = post(
        client,
        f"{base}/rubric",
        {
            "code": ["innovation", "scientific", "practical"],
            "name": ["创新性", "科学性", "实用性"],
            "weight": ["50", "30", "30"],
            "max_points": ["10", "10", "10"],
            "description": ["", "", ""],
        },
    )
    # 50 + 30 + 30 = 110: refused, nothing stored, the typed weights shown again
    assert response.status_code == 422
    assert "评分项的权重之和必须是 100（百分制），现在是 110。" in text_of(response)
    assert response.text.count('value="30"') == 2 and 'value="50"' in response.text
    assert world.run(rubric.stored_scopes(world.event_id)) == set()


def test_the_judging_area_shows_the_events_real_stage(world):
    """Issue 13: the judging area said 评审中 for an event still a draft or open for registration.
    It shows the event's stage (competitions/events/lifecycle.py)."""
    import re

    from competitions.events import services as events
    from tests import factories

    draft = factories.event(world, "草稿赛事", status="draft")["id"]
    client = world.login_page("org")

    def badge(event_id: int) -> str:
        page = client.get(f"/events/{event_id}/judging/").text
        return re.search(r'class="badge state-\w+">([^<]+)<', page).group(1)

    assert badge(world.event_id) == "报名中"  # the world's event is open for registration
    assert badge(draft) == "草稿"
    listing = text_of(client.get("/judging/"))
    assert "评审中" not in listing and "报名中" in listing and "草稿" in listing
    world.run(events.set_status(world.org, world.event_id, "closed"))
    assert badge(world.event_id) == "报名已截止"
    world.run(events.start_judging(world.org, world.event_id))
    assert badge(world.event_id) == "评审中"
