"""A camp event in the test province: three sites, helpers to apply through the workbook and the API."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.conftest import gb11643

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "姓名",
    "性别",
    "证件类型",
    "身份证号",
    "年级",
    "学校",
    "联系电话",
    "志愿1",
    "志愿2",
    "志愿3",
    "优先类别",
    "同意公开姓名",
]


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    from app import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def sid(n: int, male: bool = True, birth: str = "20100315") -> str:
    """A valid ID number of a 16-year-old."""
    return gb11643(f"460102{birth}{(n * 2 + (1 if male else 0)) % 1000:03d}")


def row(name, n, school="HK01", grade="高一", prefs=("A",), group=None, male=True, consent="是"):
    return {
        "姓名": name,
        "性别": "男" if male else "女",
        "证件类型": "居民身份证",
        "身份证号": sid(n, male),
        "年级": grade,
        "学校": school,
        "联系电话": "13812345678",
        "志愿1": prefs[0],
        "志愿2": prefs[1] if len(prefs) > 1 else None,
        "志愿3": prefs[2] if len(prefs) > 2 else None,
        "优先类别": group,
        "同意公开姓名": consent,
    }


def workbook(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Camp:
    def __init__(self, world, event_id):
        self.world = world
        self.id = event_id
        self.client = world.client

    def h(self, user):
        return self.world.headers(user)

    def upload(self, rows, user="org"):
        return self.client.post(
            f"/api/v1/events/{self.id}/registrations/import",
            files={"file": ("camp.xlsx", workbook(rows), XLSX)},
            headers=self.h(user),
        )

    def applications(self, user="org", **params):
        r = self.client.get(f"/api/v1/events/{self.id}/applications", params=params, headers=self.h(user))
        assert r.status_code == 200, r.text
        return r.json()

    def by_name(self, user="org"):
        return {a["name"]: a for a in self.applications(user)}

    def close(self):
        r = self.client.patch(f"/api/v1/events/{self.id}", json={"status": "closed"}, headers=self.h("org"))
        assert r.status_code == 200, r.text

    def site(self, code, capacity, **extra):
        body = {"code": code, "name": f"{code}营", "host": f"{code}大学", "capacity": capacity, **extra}
        r = self.client.post(f"/api/v1/events/{self.id}/sites", json=body, headers=self.h("org"))
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def camp(world):
    from competitions.events import services as events

    event = world.run(
        events.create_event(
            world.org,
            {
                "name": "2026年高校科学营",
                "kind": "camp",
                "year": 2026,
                "status": "open",
                "registration_closes_at": "2099-01-01T00:00:00+08:00",
            },
        )
    )
    c = Camp(world, event["id"])
    return c
