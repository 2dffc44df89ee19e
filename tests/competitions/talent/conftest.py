"""A talent programme (后备人才培养计划) in the test province: subjects, mentor accounts and mentors,
helpers to apply through the workbook and the API, to import test scores and to run the selection."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.conftest import PASSWORD, gb11643

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "姓名",
    "性别",
    "证件类型",
    "身份证号",
    "年级",
    "学校",
    "联系电话",
    "学科",
    "导师志愿1",
    "导师志愿2",
    "导师志愿3",
    "申请陈述",
]


def sid(n: int, male: bool = True) -> str:
    """A valid ID number of a 16-year-old."""
    return gb11643(f"46010220100315{(n * 2 + (1 if male else 0)) % 1000:03d}")


def row(name, n, school="HK01", grade="高一", subject="PH", prefs=("zhang",), male=True, statement="喜欢做实验"):
    return {
        "姓名": name,
        "性别": "男" if male else "女",
        "证件类型": "居民身份证",
        "身份证号": sid(n, male),
        "年级": grade,
        "学校": school,
        "联系电话": "13812345678",
        "学科": subject,
        "导师志愿1": prefs[0] if prefs else None,
        "导师志愿2": prefs[1] if len(prefs) > 1 else None,
        "导师志愿3": prefs[2] if len(prefs) > 2 else None,
        "申请陈述": statement,
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


class Talent:
    def __init__(self, world, event_id):
        self.world = world
        self.id = event_id
        self.client = world.client

    def h(self, user):
        return self.world.headers(user)

    def account(self, username, display_name=None):
        from app.accounts import services as accounts

        self.world.run(
            accounts.create_user(
                None, username=username, password=PASSWORD, role="mentor", display_name=display_name or username
            )
        )

    def mentor(self, username, subject="PH", capacity=1, university="海南大学", **extra):
        self.account(username, extra.pop("display_name", None))
        body = {"username": username, "subject": subject, "capacity": capacity, "university": university, **extra}
        r = self.client.post(f"/api/v1/events/{self.id}/mentors", json=body, headers=self.h("org"))
        assert r.status_code == 201, r.text
        return r.json()

    def upload(self, rows, user="org"):
        return self.client.post(
            f"/api/v1/events/{self.id}/registrations/import",
            files={"file": ("talent.xlsx", workbook(rows), XLSX)},
            headers=self.h(user),
        )

    def applications(self, user="org", **params):
        r = self.client.get(f"/api/v1/events/{self.id}/applications", params=params, headers=self.h(user))
        assert r.status_code == 200, r.text
        return r.json()

    def by_name(self, user="org"):
        return {a["name"]: a for a in self.applications(user)}

    def scores(self, pairs, key="申请编号"):
        """``pairs``: [(application id or ID number, score)]."""
        rows = [{key: str(k), "分数": v} for k, v in pairs]
        return self.client.post(
            f"/api/v1/events/{self.id}/test-scores/import",
            files={"file": ("scores.xlsx", workbook(rows, [key, "分数"]), XLSX)},
            headers=self.h("org"),
        )

    def cutoffs(self, **values):
        r = self.client.put(f"/api/v1/events/{self.id}/cutoffs", json={"cutoffs": values}, headers=self.h("org"))
        assert r.status_code == 200, r.text
        return r.json()

    def invite(self, starts_at="2027-03-01T09:00:00+08:00"):
        r = self.client.post(
            f"/api/v1/events/{self.id}/interviews/invite", json={"starts_at": starts_at}, headers=self.h("org")
        )
        assert r.status_code == 200, r.text
        return r.json()

    def rank(self, mentor, items):
        r = self.client.put(f"/api/v1/events/{self.id}/mentor/ranking", json={"items": items}, headers=self.h(mentor))
        assert r.status_code == 200, r.text
        return r.json()

    def allocate(self, apply=False):
        r = self.client.post(f"/api/v1/events/{self.id}/allocation", json={"apply": apply}, headers=self.h("org"))
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def talent(world):
    r = world.client.post(
        "/api/v1/events",
        json={
            "name": "2026年海南省中学生科技创新后备人才培养计划",
            "kind": "talent",
            "year": 2026,
            "status": "open",
            "registration_closes_at": "2099-01-01T00:00:00+08:00",
        },
        headers=world.headers("org"),
    )
    assert r.status_code == 201, r.text
    return Talent(world, r.json()["id"])
