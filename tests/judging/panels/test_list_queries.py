"""The organizer's judges and assignment pages and a judge's own list read a fixed number of queries
whatever the number of entries and judges (3 and 30 entries), so a query per row cannot come back."""

from __future__ import annotations

from app.db import count_queries
from tests import factories


def queries_of(client, url: str) -> int:
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, response.text
    return counter.count


def grow(world, entries: int, judges: list[str]) -> None:
    factories.entries(world, entries, students=2, advisers=["王老师"], category="MA")
    for username in judges:
        factories.judge(world, username, ["MA"])


def test_judging_lists_read_a_fixed_number_of_queries(world, client):
    seen: dict[str, list[int]] = {}
    for entries, judges in ((3, ["judge", "j2", "j3"]), (27, [f"j{i}" for i in range(4, 31)])):
        grow(world, entries, judges)
        factories.assign(world, 2)
        judge_id = world.principal("judge").id
        world.login_page("org")
        base = f"/events/{world.event_id}/judging"
        for url in (f"{base}/judges", f"{base}/assignments", f"{base}/assignments?judge={judge_id}"):
            seen.setdefault(url, []).append(queries_of(client, url))
        world.login_page("judge")
        seen.setdefault("/judging/", []).append(queries_of(client, "/judging/"))
    for url, counts in seen.items():
        assert len(set(counts)) == 1, f"{url}: queries with 3 entries and 3 judges, then 30 and 30: {counts}"
