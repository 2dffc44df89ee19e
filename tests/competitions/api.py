"""Helpers for the competitions JSON API tests: requests as each role and the access matrix."""

from __future__ import annotations

EVERYONE = ("org", "haikou", "sanya", "hk01", "hk02", "sy01", "judge", "referee", "staff", None)


def hdr(world, username):
    return world.headers(username) if username else {}


def patch_event(world, body) -> dict:
    response = world.client.patch(f"/api/v1/events/{world.event_id}", json=body, headers=world.headers("org"))
    assert response.status_code == 200, response.text
    return response.json()


def category_id(world, code: str) -> int:
    categories = world.client.get(f"/api/v1/events/{world.event_id}/categories", headers=world.headers("org")).json()
    return next(c["id"] for c in categories if c["code"] == code)


def set_quota(world, code: str, **quotas) -> None:
    response = world.client.patch(
        f"/api/v1/events/{world.event_id}/categories/{category_id(world, code)}",
        json=quotas,
        headers=world.headers("org"),
    )
    assert response.status_code == 200, response.text


def call(world, method, path, username, **kwargs):
    return world.client.request(method, path, headers=hdr(world, username), **kwargs)


def check_matrix(world, method, path, expected: dict, **kwargs) -> dict:
    """Call ``path`` as each user in ``expected`` (in order) and check the status codes.
    404 answers must not reveal anything of the entry (title, names)."""
    responses = {}
    for username, status in expected.items():
        response = call(world, method, path, username, **kwargs)
        assert response.status_code == status, (method, path, username, response.text)
        if status in (401, 403, 404):
            assert set(response.json()) >= {"status_code", "detail"}, response.text
        responses[username] = response
    return responses
