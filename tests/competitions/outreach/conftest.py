"""The outreach programme in the test province: an expert account (``expert1``), helpers to make experts,
topics and requests through the API, and weeks counted from today (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD


def monday_in(weeks: int) -> dt.date:
    """The Monday of the week ``weeks`` weeks from this one."""
    from app.times import local_now

    today = local_now().date()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)


class Outreach:
    def __init__(self, world):
        self.world = world
        self.client = world.client

    def h(self, user):
        return self.world.headers(user) if user else {}

    def call(self, method, path, user="org", **kwargs):
        return self.client.request(method, f"/api/v1/outreach{path}", headers=self.h(user), **kwargs)

    def expert(self, name="李航天", **body):
        body = {"name": name, "affiliation": "中国空间技术研究院", "title": "研究员", **body}
        r = self.call("POST", "/experts", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def topic(self, expert_id, title="火星探测的故事", divisions=("初中", "高中"), user="org", **body):
        body = {"title": title, "divisions": list(divisions), "subject": "航天", "duration_minutes": 60, **body}
        r = self.call("POST", f"/experts/{expert_id}/topics", user=user, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def request(self, user="hk01", weeks=(4,), division="初中", audience=200, **body):
        body = {
            "division": division,
            "audience_size": audience,
            "preferred_weeks": [monday_in(w).isoformat() for w in weeks],
            **body,
        }
        r = self.call("POST", "/requests", user=user, json=body)
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def outreach(world):
    from app.accounts import services as accounts

    world.run(accounts.create_user(None, username="expert1", password=PASSWORD, role="expert", display_name="王海洋"))
    world.run(accounts.create_user(None, username="expert2", password=PASSWORD, role="expert", display_name="赵天文"))
    return Outreach(world)
