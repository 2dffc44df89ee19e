"""The per-site workbook for the host university: no ID numbers or phones unless the organizer gives
a reason (then logged)."""

from __future__ import annotations

import io

import openpyxl

from app.audit import AuditLog
from tests.competitions.camps.conftest import sid
from tests.competitions.camps.test_camps_api import _allocated


def _sheet(content: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_site_roster_without_and_with_personal_data(camp, world):
    apps = _allocated(camp)  # 甲 A, 乙 B offered (HK01); 丙 waiting
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 200
    )
    t = camp.client.post(
        f"/api/v1/events/{camp.id}/camp-teachers",
        json={"name": "李老师", "phone": "13900001111"},
        headers=camp.h("hk01"),
    ).json()
    camp.client.put(f"/api/v1/camp-teachers/{t['id']}/site", json={"site_code": "A"}, headers=camp.h("org"))
    url = f"/api/v1/events/{camp.id}/site-roster.xlsx?site_code=A"
    r = camp.client.get(url, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    rows = _sheet(r.content)
    assert rows == [
        ["姓名", "性别", "学校", "年级", "市县", "带队教师", "状态"],
        ["甲", "男", "海口市第一中学", "高一", "海口市", "李老师", "已确认参营"],
    ]
    assert sid(1) not in r.content.decode("latin-1")
    # site B: 乙 offered, no teacher yet
    rows = _sheet(
        camp.client.get(f"/api/v1/events/{camp.id}/site-roster.xlsx?site_code=B", headers=camp.h("org")).content
    )
    assert rows[1:] == [["乙", "男", "海口市第一中学", "高一", "海口市", None, "已录取待确认"]]
    # personal data: reason required (422), then given and logged
    assert camp.client.post(url, json={"reason": " "}, headers=camp.h("org")).status_code == 422
    r = camp.client.post(url, json={"reason": "承办高校办理保险"}, headers=camp.h("org"))
    assert r.status_code == 200, r.text
    rows = _sheet(r.content)
    assert rows[0][-3:] == ["证件类型", "证件号码", "联系电话"]
    assert rows[1][-3:] == ["居民身份证", sid(1), "13812345678"]
    logged = world.run(AuditLog.select().where(AuditLog.action == "camp.site.export"))
    assert len(logged) == 1 and logged[0]["reason"] == "承办高校办理保险"
    # organizers only; unknown site 404
    assert camp.client.get(url, headers=camp.h("hk01")).status_code == 403
    assert (
        camp.client.get(f"/api/v1/events/{camp.id}/site-roster.xlsx?site_code=Z", headers=camp.h("org")).status_code
        == 404
    )
