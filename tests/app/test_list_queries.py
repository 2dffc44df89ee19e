"""The schools and accounts pages show one page of the list, count it, keep filters in the page links,
and read a fixed number of queries whatever the page size and number of schools (3 and 30)."""

from __future__ import annotations

import re

from app.db import count_queries
from tests import factories


def queries_of(client, url: str) -> tuple[int, str]:
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, response.text
    return counter.count, response.text


def test_schools_and_accounts_pages_read_a_fixed_number_of_queries(world, client):
    seen: dict[str, list[int]] = {}
    for round_ in range(2):
        if round_:
            for i in range(27):
                factories.school(world, f"HK{i + 10:02d}", city="海口市")
                factories.user(world, f"hk{i + 10:02d}", "school", school_code=f"HK{i + 10:02d}")
        for username, urls in (
            ("org", ["/schools/?size=10", "/schools/?size=100", "/users/?size=10", "/users/?size=100&role=school"]),
            ("haikou", ["/schools/?size=10", "/schools/?size=100"]),
        ):
            world.login_page(username)
            for url in urls:
                n, _text = queries_of(client, url)
                seen.setdefault(f"{username} {url}", []).append(n)
    for key, counts in seen.items():
        assert len(set(counts)) == 1, (key, counts)


def test_schools_page_shows_a_page_and_the_total(world, client):
    for i in range(27):
        factories.school(world, f"HK{i + 10:02d}", city="海口市")
    world.login_page("haikou")  # a city sees its own schools only: HK01, HK02 and the 27 new ones
    text = client.get("/schools/?size=10&page=3").text
    assert 'data-total="29"' in text
    assert len(re.findall(r"<tr><td>HK\d+</td>", text)) == 9
    assert "SY01" not in text
    links = re.findall(r'href="(/schools/\?[^"]*page=[^"]*)"', text)
    assert links and all("size=10" in link for link in links)
    world.login_page("org")
    text = client.get("/users/?role=school&size=10").text
    assert 'data-total="3"' in text  # hk01, hk02, sy01
    assert "haikou" not in text.split("<tbody>")[1]
