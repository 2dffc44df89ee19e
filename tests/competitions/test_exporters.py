"""The registrations and attendance exporters: their header and a row computed by hand."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from app.security import encrypt_pii
from competitions.checkin import services as checkin
from competitions.registration.roster import RegistrationsExporter

EVENT = {"id": 1, "name": "2026年海南省青少年科技创新大赛", "kind": "innovation"}
ENTRY = {
    "id": 7,
    "code": "PH-J0003",
    "title": "红树林的秘密",
    "status": "approved",
    "division": "初中",
    "school_code": "HK01",
    "school_name": "海口市第一中学",
    "city": "海口市",
    "category_code": "PH",
    "category_name": "物理与天文学",
    "category_position": 1,
}


def member(id_, role, name, position, **extra):
    return {
        "id": id_,
        "entry": 7,
        "role": role,
        "name": name,
        "gender": extra.get("gender", ""),
        "id_type": "居民身份证",
        "id_number_enc": encrypt_pii(extra.get("id_number")),
        "grade": extra.get("grade", ""),
        "phone_enc": encrypt_pii(extra.get("phone")),
        "consent_publication": extra.get("consent", False),
        "birth_date_enc": encrypt_pii(extra["birth_date"].isoformat()) if extra.get("birth_date") else None,
        "position": position,
    }


def test_registrations_exporter(settings, run):
    members = [
        member(2, "adviser", "陈老师", 0, phone="13900001111"),
        member(
            1,
            "student",
            "李华",
            0,
            gender="女",
            id_number="46010220110315153X",
            grade="初二",
            phone="13812345678",
            consent=True,
            birth_date=dt.date(2011, 3, 15),
        ),
    ]
    exporter = RegistrationsExporter(EVENT, [ENTRY], members)
    assert exporter.identifier == "registrations" and exporter.sheet_title() == "报名信息"
    header = [
        "姓名",
        "性别",
        "证件类型",
        "身份证号",
        "年级",
        "学校",
        "联系电话",
        "角色",
        "作品名称",
        "类别",
        "组别",
        "同意公开姓名",
        "作品编号",
        "状态",
        "学校代码",
        "所属市县",
        "类别代码",
        "出生日期",
    ]
    assert exporter.header() == header
    wb = openpyxl.load_workbook(io.BytesIO(run(exporter.workbook())))
    rows = [[c.value for c in row] for row in wb["报名信息"].iter_rows()]
    assert rows[0] == header
    assert rows[1] == [
        "李华",
        "女",
        "居民身份证",
        "46010220110315153X",
        "初二",
        "海口市第一中学",
        "13812345678",
        "学生",
        "红树林的秘密",
        "物理与天文学",
        "初中",
        "是",
        "PH-J0003",
        "已通过",
        "HK01",
        "海口市",
        "PH",
        "2011-03-15",
    ]
    assert rows[2][:8] == ["陈老师", None, "居民身份证", None, None, "海口市第一中学", "13900001111", "辅导教师"]
    assert rows[2][11] is None and exporter.row_count == 2


def test_attendance_exporter(run, monkeypatch):
    members = [
        {
            "id": 1,
            "name": "李华",
            "role": "student",
            "entry_code": "PH-J0003",
            "entry_title": "红树林的秘密",
            "entry_status": "approved",
            "school_id": 3,
            "school_code": "HK01",
            "school_name": "海口市第一中学",
        },
        {
            "id": 2,
            "name": "王小明",
            "role": "student",
            "entry_code": "PH-J0004",
            "entry_title": "=1+1",
            "entry_status": "approved",
            "school_id": 3,
            "school_code": "HK01",
            "school_name": "海口市第一中学",
        },
        {
            "id": 3,
            "name": "赵六",
            "role": "student",
            "entry_code": "PH-J0005",
            "entry_title": "撤回的作品",
            "entry_status": "withdrawn",
            "school_id": 3,
            "school_code": "HK01",
            "school_name": "海口市第一中学",
        },
    ]
    at = dt.datetime(2026, 11, 30, 1, 2, 3, 456, tzinfo=dt.timezone.utc)  # 09:02:03 in Shanghai
    checkins = [
        {
            "member": 1,
            "checked_in_at": at,
            "device": "东门-1",
            "method": "qr",
            "staff": "staff1",
            "staff_name": "签到员甲",
        }
    ]

    async def rows(session):
        return members, checkins

    monkeypatch.setattr(checkin, "_attendance_rows", rows)
    exporter = checkin.AttendanceExporter({"id": 5, "event_id": 1, "name": "报到"})
    header = ["学校代码", "学校", "作品编号", "作品名称", "姓名", "角色", "签到", "签到时间", "设备", "签到员", "方式"]
    assert exporter.header() == header and exporter.identifier == "attendance"
    ws = openpyxl.load_workbook(io.BytesIO(run(exporter.workbook())))["签到"]
    rows_out = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows_out == [
        header,
        [
            "HK01",
            "海口市第一中学",
            "PH-J0003",
            "红树林的秘密",
            "李华",
            "学生",
            "已到",
            dt.datetime(2026, 11, 30, 9, 2, 3),
            "东门-1",
            "签到员甲",
            "扫码",
        ],
        ["HK01", "海口市第一中学", "PH-J0004", "=1+1", "王小明", "学生", "未到", None, None, None, None],
    ]  # the withdrawn entry's student did not come: not listed
    assert (
        ws["D3"].data_type == "s" and ws["H2"].number_format == "yyyy-mm-dd hh:mm:ss" and ws.auto_filter.ref == "A1:K3"
    )


def test_the_template_writes_through_the_safe_writer(settings):
    from competitions.registration.roster import _build_template

    event = {**EVENT, "name": "=1+1 赛事", "divisions": None, "min_team_size": 1, "max_team_size": 3, "max_advisers": 2}
    categories = [{"code": "PH", "name": '=HYPERLINK("http://evil.example")', "school_quota": None}]
    wb = openpyxl.load_workbook(
        io.BytesIO(_build_template(event, categories, {"code": "HK01", "name": "@海口市第一中学"}))
    )
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in risky} >= {
        "=1+1 赛事 报名表填写说明",
        '=HYPERLINK("http://evil.example")',
        "@海口市第一中学",
    }
    assert all(c.quotePrefix for c in risky)
