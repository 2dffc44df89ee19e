"""The entry lists read a fixed number of queries, whatever the page size and however many entries
the event has: page sizes 10 and 100 with 3 and 30 entries cost the same count, so a query per row
(a member, a document, a school looked up for each entry) cannot come back unnoticed. Also the
pages and API cut, count, sort and link the pages as they say."""

from __future__ import annotations

import re

import pytest

from app.db import count_queries
from app.times import now as time_now
from competitions.registration.tables import Entry, EntryDocument
from tests import factories


def queries_of(client, url: str, headers: dict | None = None) -> tuple[int, object]:
    """How many statements one GET of ``url`` runs (after a first GET warms per-process caches)."""
    assert client.get(url, headers=headers).status_code == 200
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return counter.count, response


def add_entries(world, n: int) -> None:
    """``n`` entries over the three schools, each with two students and an adviser, every third
    one with a document, half of them waiting for review."""
    made = factories.entries(world, n, students=2, advisers=["王老师"])
    now = time_now()
    for i, entry in enumerate(made):
        if i % 3 == 0:
            world.run(
                EntryDocument.insert(
                    EntryDocument(
                        entry=entry["id"],
                        kind="application",
                        filename="a.pdf",
                        content_type="application/pdf",
                        size=10,
                        storage_key=f"k{entry['id']}",
                        uploaded_at=now,
                    )
                )
            )
        if i % 2 == 0:
            world.run(Entry.update({Entry.status: "submitted"}).where(Entry.id == entry["id"]))


LIST_URLS = {
    "org": [
        "/events/{event}/entries?size={size}",
        "/events/{event}/entries?size={size}&status=submitted",  # the review queue
        "/events/{event}/entries?size={size}&sort=-title&city=海口市",
        "/events/{event}/entries?size={size}&missing=1",
    ],
    "haikou": ["/events/{event}/entries?size={size}", "/events/{event}/entries?size={size}&status=submitted"],
    "hk01": ["/events/{event}/entries?size={size}"],
}


@pytest.fixture
def event_with_category(world):
    return world  # the event comes with its categories (MA among them)


def test_entry_list_pages_read_a_fixed_number_of_queries(event_with_category, client):
    world = event_with_category
    counts: dict[tuple[str, str], list[int]] = {}
    for total in (3, 30):
        add_entries(world, total - (3 if total == 30 else 0))
        for username, urls in LIST_URLS.items():
            world.login_page(username)
            for url in urls:
                for size in (10, 100):
                    n, response = queries_of(client, url.format(event=world.event_id, size=size))
                    counts.setdefault((username, url), []).append(n)
                    if size == 100:
                        assert 'data-total="' in response.text
    for key, seen in counts.items():
        assert len(set(seen)) == 1, f"{key}: queries at (3 rows, size 10), (3, 100), (30, 10), (30, 100): {seen}"
        assert seen[0] < 40, (key, seen)


def test_entries_api_reads_a_fixed_number_of_queries(event_with_category, client):
    world = event_with_category
    headers = world.headers("org")
    seen = {}
    for total in (3, 30):
        add_entries(world, total - (3 if total == 30 else 0))
        for query in ("", "?limit=10", "?limit=100", "?limit=10&offset=2&sort=-code"):
            n, _response = queries_of(client, f"/api/v1/events/{world.event_id}/entries{query}", headers)
            seen.setdefault(query or "all", []).append(n)
    for key, values in seen.items():
        assert len(set(values)) == 1, (key, values)
    # the full list (the contract's default) and a page cost the same
    assert seen["all"] == seen["?limit=10"], seen


def test_entries_api_pages_with_total_and_links(event_with_category, client):
    world = event_with_category
    add_entries(world, 25)
    headers = world.headers("org")
    url = f"/api/v1/events/{world.event_id}/entries"
    everything = client.get(url, headers=headers)
    assert everything.status_code == 200
    assert isinstance(everything.json(), list) and len(everything.json()) == 25  # contract: the whole list
    assert everything.headers["x-total-count"] == "25"
    assert "link" not in everything.headers
    codes = [e["code"] for e in everything.json()]

    first = client.get(url, params={"limit": 10}, headers=headers)
    assert [e["code"] for e in first.json()] == codes[:10]
    assert first.headers["x-total-count"] == "25"
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]
    assert "offset=10" in first.headers["link"]
    last = client.get(url, params={"limit": 10, "offset": 20}, headers=headers)
    assert [e["code"] for e in last.json()] == codes[20:]
    assert 'rel="prev"' in last.headers["link"] and 'rel="next"' not in last.headers["link"]

    # filters are counted, and kept in the links
    submitted = client.get(url, params={"status": "submitted", "limit": 5}, headers=headers)
    assert submitted.headers["x-total-count"] == "13"  # entries 0, 2, ..., 24
    assert all(e["status"] == "submitted" for e in submitted.json())
    assert "status=submitted" in submitted.headers["link"]

    by_code = client.get(url, params={"sort": "-code"}, headers=headers).json()
    assert [e["code"] for e in by_code] == sorted(codes, reverse=True)

    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"sort": "members"}):
        response = client.get(url, params=bad, headers=headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["field"] == next(iter(bad))


def test_city_and_school_pages_count_only_their_own(event_with_category, client):
    world = event_with_category
    add_entries(world, 30)  # schools in turn: HK01, HK02 (海口) and SY01 (三亚), 10 each
    world.login_page("haikou")
    page = client.get(f"/events/{world.event_id}/entries?size=10")
    assert re.search(r'data-total="20"', page.text)
    assert page.text.count('class="entry-link"') == 10
    world.login_page("hk01")
    page = client.get(f"/events/{world.event_id}/entries?size=10&page=2")
    assert re.search(r'data-total="10"', page.text)
    assert page.text.count('class="entry-link"') == 10
    world.login_page("sy01")
    api = client.get(f"/api/v1/events/{world.event_id}/entries", params={"limit": 3}, headers=world.headers("sy01"))
    assert api.headers["x-total-count"] == "10"
    assert {e["school_code"] for e in api.json()} == {"SY01"}
    # ID numbers stay masked on the page
    world.login_page("org")
    page = client.get(f"/events/{world.event_id}/entries?size=100")
    assert not re.search(r"\d{17}[\dX]", page.text)


def test_page_links_keep_filters_sort_and_size(event_with_category, client):
    world = event_with_category
    add_entries(world, 30)
    world.login_page("org")
    page = client.get(f"/events/{world.event_id}/entries?size=10&sort=-code&city=海口市")
    assert 'data-total="20"' in page.text
    links = set(re.findall(r'href="(/events/\d+/entries\?[^"]*page=\d+[^"]*)"', page.text))
    assert links, page.text
    for link in links:
        assert "sort=-code" in link and "size=10" in link and "city=" in link, link
    second = client.get(f"/events/{world.event_id}/entries?size=10&sort=-code&city=海口市&page=2")
    first_codes = re.findall(r'<td data-label="编号" class="nowrap">([^<]+)</td>', page.text)
    second_codes = re.findall(r'<td data-label="编号" class="nowrap">([^<]+)</td>', second.text)
    assert len(first_codes) == len(second_codes) == 10
    assert first_codes + second_codes == sorted(first_codes + second_codes, reverse=True)
    # a page past the end shows the last one
    beyond = client.get(f"/events/{world.event_id}/entries?size=10&city=海口市&page=9", follow_redirects=False)
    assert beyond.status_code == 303
    assert "page=2" in beyond.headers["location"] and "size=10" in beyond.headers["location"]
