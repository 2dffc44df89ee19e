"""A school coordinator registers the school's entries from the downloaded template, in
the browser, at tablet and phone sizes; a bad workbook is refused with row and column."""

import io

import openpyxl

from competitions.registration.tables import Entry, Member
from tests.conftest import PASSWORD, gb11643
from tests.e2e.conftest import PHONE, TABLET


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fill(template: bytes, rows: list[list[object]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["报名表"] if "报名表" in wb.sheetnames else wb.worksheets[0]
    header_row = next(r for r in range(1, 6) if "姓名" in [c.value for c in ws[r]])
    headers = [c.value for c in ws[header_row]]
    for offset, row in enumerate(rows, start=1):
        for key, value in zip(
            [
                "姓名",
                "性别",
                "身份证号",
                "年级",
                "学校",
                "联系电话",
                "角色",
                "作品名称",
                "类别",
                "组别",
                "同意公开姓名",
            ],
            row,
        ):
            ws.cell(row=header_row + offset, column=headers.index(key) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_school_registers_from_template_in_browser(world, live_server, browser, tmp_path, run):
    context = browser.new_context(viewport=TABLET, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, "hk01")
    page.goto(f"{live_server}/events/{world.event_id}/import")
    with page.expect_download() as download_info:
        page.click("text=下载报名表模板")
    template = download_info.value.path().read_bytes()

    student_a = gb11643("46010520120315001")  # 男 (17th digit 1 is odd)
    student_b = gb11643("46010520111120002")  # 女
    bad = _fill(
        template,
        [
            [
                "李明",
                "男",
                student_a[:-1] + ("0" if student_a[-1] != "0" else "1"),
                "初二",
                "海口市第一中学",
                "13800001111",
                "学生",
                "红树林监测",
                "环境科学与工程",
                "初中",
                "是",
            ],
        ],
    )
    (tmp_path / "bad.xlsx").write_bytes(bad)
    page.set_input_files("input[name=file]", str(tmp_path / "bad.xlsx"))
    page.click("text=上传并导入")
    page.wait_for_load_state()
    assert "导入失败，本次没有导入任何数据" in page.content()
    row_cells = page.locator("table.errors-table tbody tr").first.locator("td").all_inner_texts()
    assert row_cells[0] == "2" and row_cells[1] == "身份证号"  # sheet row 2 (header in row 1), column 身份证号
    assert run(Entry.count()) == 0 and run(Member.count()) == 0

    good = _fill(
        template,
        [
            [
                "李明",
                "男",
                student_a.lower(),
                "初二",
                "海口市第一中学",
                13800001111,
                "学生",
                "红树林监测",
                "环境科学与工程",
                "初中",
                "是",
            ],
            [
                "王\u00a0芳\u200b",
                "女",
                student_b,
                "初三",
                "HK01",
                "13800002222",
                "学生",
                "红树林监测",
                "EV",
                "初中",
                "否",
            ],
            ["陈老师", "", "", "", "海口市第一中学", "13900003333", "辅导教师", "红树林监测", "EV", "初中", ""],
        ],
    )
    (tmp_path / "good.xlsx").write_bytes(good)
    page.set_input_files("input[name=file]", str(tmp_path / "good.xlsx"))
    page.click("text=上传并导入")
    page.wait_for_load_state()
    assert f"/events/{world.event_id}/entries" in page.url
    assert "红树林监测" in page.content()
    entries = run(Entry.select(Entry.id, Entry.status, Entry.title))
    assert [(e["title"], e["status"]) for e in entries] == [("红树林监测", "submitted")]
    names = sorted(m["name"] for m in run(Member.select(Member.name)))
    assert names == sorted(["李明", "王芳", "陈老师"])

    # the entry page on a phone shows masked IDs only
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    _login(phone, live_server, "hk01")
    phone.goto(f"{live_server}/entries/{entries[0]['id']}")
    html = phone.content()
    assert student_a not in html and student_a.upper() not in html
    assert student_a[:3] + "*" * 14 + student_a[-1:] in html  # only the province digits and the check character
    assert "待审查" in html
    phone.screenshot(path=str(tmp_path / "entry-phone.png"), full_page=True)
    context.close()
