"""The public results page of a robotics event links each challenge's live standings (a score
sheet) and match rankings (a schedule), and its teams' "my matches" views."""

from __future__ import annotations

import html

from tests.judging.robotics.test_api import Robotics


def test_public_results_link_challenge_standings_and_match_rankings(world):
    rob = Robotics(world)
    assert rob.put_sheet().status_code == 200  # R1 has a sheet; R2 has none (and no schedule)
    rob.approve(rob.submit("飞龙队").json()["id"])
    made = rob.client.post(
        f"/api/v1/events/{rob.event_id}/categories/R1/schedule",
        json={"matches_per_team": 1, "teams_per_alliance": 1, "fields": 1, "min_gap": 0, "seed": 1},
        headers=rob.org,
    )
    assert made.status_code == 201, made.text
    final = rob.client.post(
        f"/api/v1/events/{rob.event_id}/finalize",
        json={"incomplete_as_unranked": True, "reason": "演示"},
        headers=rob.org,
    )
    assert final.status_code == 200, final.text
    page = rob.client.get(f"/results/{rob.event_id}")
    assert page.status_code == 200
    body = html.unescape(page.text)
    links = body[body.index('class="robotics-links"') :].split("</nav>")[0]
    assert f'href="/standings/{rob.event_id}/R1"' in links and "赛项排名" in links
    assert f'href="/screens/{rob.event_id}/R1/leaderboard"' in links and "对抗赛排名" in links
    assert f'href="/screens/{rob.event_id}/R1/teams"' in links
    assert 'data-challenge="R2"' not in links  # nothing to follow yet
    english = html.unescape(rob.client.get(f"/results/{rob.event_id}", headers={"Accept-Language": "en"}).text)
    assert "Challenge standings" in english and "Match rankings" in english
