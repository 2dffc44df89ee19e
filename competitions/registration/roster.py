"""Registration workbooks: the template, the all-or-nothing import and the full export
(CONTRACT.md, "Registration workbook columns").

The import reads the workbook once (read-only, in a worker thread so the event loop keeps
serving), validates every row with the same rules as the web forms
(:func:`competitions.registration.members.clean_member`), checks entries as a whole (team size, one
category and division per entry, a student in one entry only, quotas, entries that may
no longer be replaced) with a handful of bulk queries, and reports every problem at once
as ``{"row", "column", "message"}``. Only a clean workbook is written, in one transaction,
with bulk inserts (``executemany`` on the transaction's connection), so the whole import of
5,000 rows costs well under three times openpyxl's own read of the file
(``bench/import_roster.py``).

Re-uploading a corrected workbook replaces the school's entries with the same title that
are still draft, returned or submitted *in place*: the entry keeps its id, code (unless
its category or division changed), uploaded documents and history; its members are
replaced. Approved or recommended entries are refused with a row error.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Iterator, Sequence

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app import audit, jobs
from app.db import bulk_insert as _bulk_insert
from app.db import executemany as _executemany
from app.db import is_sqlite, write_transaction
from app.db import placeholders as _marks
from app.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from app.exports.exporters import ListExporter, in_process, workbook_file
from app.exports.workbook import (
    LostDigits,
    add_sheet,
    append_row,
    clean_text,
    digits_text,
    find_table,
    new_workbook,
    normalize_header,
    open_workbook,
    safe_cell,
    workbook_bytes,
    write_text_cell,
)
from app.i18n import _, get_locale, gettext_terms, set_locale
from app.principal import Principal
from app.security import decrypt_pii
from app.tables import School
from app.text import name_problem
from competitions.events.kinds import kind_of
from competitions.events.services import get_event_row
from competitions.events.tables import DIVISIONS, Category
from competitions.registration.duplicates import check_import_rate, note_checked
from competitions.registration.idnumbers import ID_TYPES
from competitions.registration.members import (
    FIELD_LABELS,
    CleanMember,
    MemberInput,
    clean_member,
    normalize_role,
    team_problems,
)
from competitions.registration.quotas import ACTIVE_STATUSES, school_quota_excess
from competitions.registration.services import (
    MAX_TITLE_LENGTH,
    STATUS_LABELS,
    _entry_columns,
    _members_by_entry,
    _missing_by_entry,
    allocate_codes,
    duplicate_students,
    now,
    require_registration_open,
)
from competitions.registration.tables import Entry, Member

# --------------------------------------------------------------------------- columns

NAME, GENDER, ID_TYPE, ID_NUMBER, GRADE = "姓名", "性别", "证件类型", "身份证号", "年级"
SCHOOL, PHONE, ROLE, CATEGORY, DIVISION, CONSENT = "学校", "联系电话", "角色", "类别", "组别", "同意公开姓名"
TITLE_INNOVATION, TITLE_ROBOTICS = "作品名称", "队伍名称"
SUMMARY = "作品简介"  # optional: the entry's summary
# what teachers write for the template's headers (issue 12 item 10); the template's own name wins
HEADER_ALIASES = {
    NAME: ("学生姓名", "名字", "人员姓名"),
    GENDER: ("性別",),
    ID_TYPE: ("证件种类",),
    ID_NUMBER: ("身份证号码", "证件号码", "证件号", "身份证"),
    GRADE: ("就读年级", "所在年级"),
    SCHOOL: ("学校名称", "所在学校", "就读学校"),
    PHONE: ("手机号", "手机号码", "手机", "电话", "联系方式"),
    ROLE: ("身份", "人员类别"),
    CATEGORY: ("学科", "学科类别", "项目类别", "赛项"),
    DIVISION: ("参赛组别", "学段"),
    TITLE_INNOVATION: ("项目名称", "作品题目"),
    TITLE_ROBOTICS: ("队名",),
    SUMMARY: ("项目简介", "简介"),
}
PREFERENCES = ("志愿1", "志愿2", "志愿3")
PRIORITY_GROUP = "优先类别"  # camps: optional priority group (建档立卡, 农村, ...), checked by the city
TEXT_COLUMNS = (ID_NUMBER, PHONE)
# rows formatted as text in the template (Excel keeps longer columns' format from the column style)
TEMPLATE_TEXT_ROWS = 2000
TEMPLATE_VALIDATION_ROWS = 10000
# statuses a re-uploaded workbook may replace; approved/recommended ones need the organizer
REPLACEABLE = ("draft", "returned", "submitted")
CHUNK = 500

_YES = {"是", "同意", "Y", "YES", "TRUE", "1", "√", "✓", "✔"}
_NO = {"否", "不同意", "N", "NO", "FALSE", "0", "×", "✗"}


# kinds with applications (camps) import the same workbook with their own rules: the capability that
# owns the kind connects ``async def importer(actor, event_id, data) -> {"applications_created": n}``
application_importers: dict[str, Callable[[Principal, int, bytes], Awaitable[dict[str, int]]]] = {}
# kind -> async (event_id) -> values the template's instructions use for that kind's applications (camps:
# ``{"eligible_grades": [...]}``), registered by the programme's plugin
template_details: dict[str, Callable[[int], Awaitable[dict[str, Any]]]] = {}


def title_header(kind: str) -> str:
    """The entry column's header: ``队伍名称`` for robotics, ``作品名称`` otherwise."""
    return kind_of(kind).title_column


def template_columns(kind: str) -> list[str]:
    """Header row of the registration workbook for an event kind, in contract order.

    Innovation/robotics: 姓名 … 联系电话, 角色, 作品名称|队伍名称, 类别, 组别, 同意公开姓名;
    camps put 志愿1–志愿3 where the entry columns are."""
    people = [NAME, GENDER, ID_TYPE, ID_NUMBER, GRADE, SCHOOL, PHONE, ROLE]
    if kind_of(kind).applications:
        return [*people, *(kind_of(kind).application_columns or (*PREFERENCES, PRIORITY_GROUP)), CONSENT]
    return [*people, title_header(kind), CATEGORY, DIVISION, CONSENT]


def _entry_label(kind: str) -> str:
    return _(kind_of(kind).entry_noun)


# --------------------------------------------------------------------------- template


async def registration_template(actor: Principal, event_id: int) -> bytes:
    """The .xlsx template for an event: sheet ``报名表`` with the contract's header row
    (row 1, see :func:`template_columns`), drop-down lists for 性别, 证件类型, 角色,
    类别 (names from a hidden sheet ``选项``), 组别 and 同意公开姓名, 身份证号 and 联系电话
    formatted as text; sheet ``填写说明`` with instructions (a school's own name in it).

    Raises :class:`Forbidden` for roles other than organizer and school,
    :class:`NotFound` for an unknown event."""
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有组委会和学校管理员可以下载报名模板。"))
    event = await get_event_row(event_id, actor)
    categories = (
        await Category.select(Category.code, Category.name)
        .where(Category.event == event_id)
        .order_by(Category.position)
        .order_by(Category.id)
    )
    school = None
    if actor.role == "school":
        school = await School.select(School.code, School.name).where(School.id == actor.school_id).first()
    if details := template_details.get(event["kind"]):
        event = {**event, **await details(event_id)}
    return await asyncio.to_thread(_build_template, event, categories, school)


def _divisions(event: dict[str, Any]) -> list[str]:
    from competitions.events.services import divisions_of

    return divisions_of(event.get("divisions"))


def _build_template(event: dict[str, Any], categories: list[dict[str, Any]], school: dict[str, Any] | None) -> bytes:
    # names typed by organizers and schools: characters a worksheet cannot hold are dropped
    event = {**event, "name": safe_cell(event["name"])}
    categories = [{**c, "code": safe_cell(c["code"]), "name": safe_cell(c["name"])} for c in categories]
    school = {**school, "code": safe_cell(school["code"]), "name": safe_cell(school["name"])} if school else None
    kind = event["kind"]
    columns = template_columns(kind)
    optional = {ID_TYPE, CONSENT, *PREFERENCES[1:], PRIORITY_GROUP}
    wb = new_workbook("报名表")
    wb.properties.title = safe_cell(f"{event['name']} 报名表")
    ws = wb.active
    append_row(ws, columns)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="EDEDED")
    for index, header in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = optional_fill if header in optional else required_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = {
            ID_NUMBER: 22,
            PHONE: 15,
            SCHOOL: 24,
            TITLE_INNOVATION: 30,
            TITLE_ROBOTICS: 24,
            CATEGORY: 18,
            CONSENT: 14,
        }.get(header, 11)
        if header in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_TEXT_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
    ws.freeze_panes = "A2"
    last = TEMPLATE_VALIDATION_ROWS + 1

    def add_list(header: str, formula: str, prompt: str, *, strict: bool = True) -> None:
        if header not in columns:
            return
        letter = get_column_letter(columns.index(header) + 1)
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop" if strict else "warning",
        )
        dv.errorTitle = header
        dv.error = _("请从下拉列表中选择“{column}”。", column=header)
        dv.promptTitle = header
        dv.prompt = prompt
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)

    add_list(GENDER, '"男,女"', _("男 或 女"))
    add_list(ID_TYPE, '"' + ",".join(ID_TYPES) + '"', _("留空表示居民身份证"))
    add_list(ROLE, '"学生,辅导教师"', _("学生 或 辅导教师"))
    add_list(CONSENT, '"是,否"', _("监护人是否同意在公示页面显示学生姓名；留空表示“否”"))
    if not kind_of(kind).applications:
        add_list(DIVISION, '"' + ",".join(_divisions(event)) + '"', _("同一作品的各行组别必须相同"))
        if categories:
            lists = add_sheet(wb, "选项")
            for i, cat in enumerate(categories, start=1):
                write_text_cell(lists.cell(row=i, column=1), cat["name"])  # a name like "=..." stays text
                write_text_cell(lists.cell(row=i, column=2), cat["code"])
            lists.sheet_state = "hidden"
            # a warning (not a stop) so category codes may be typed as well
            add_list(CATEGORY, f"'选项'!$A$1:$A${len(categories)}", _("从列表中选择，也可以填写类别代码"), strict=False)
    if school and not re.search(r'[,"]', school["name"]):
        add_list(SCHOOL, f'"{school["name"]}"', _("填写本校名称或学校代码 {code}", code=school["code"]), strict=False)

    _instructions_sheet(add_sheet(wb, "填写说明", 1), event, columns, categories, school)
    return workbook_bytes(wb)


def _instructions_sheet(
    ws, event: dict[str, Any], columns: list[str], categories: list[dict[str, Any]], school: dict[str, Any] | None
) -> None:
    kind = event["kind"]
    title = title_header(kind)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 24
    append_row(ws, [_("{event} 报名表填写说明", event=event["name"])])
    ws["A1"].font = Font(bold=True, size=14)
    if school:
        append_row(
            ws,
            [
                _(
                    "学校：{name}（代码 {code}）。“学校”列请填写本校名称或代码。",
                    name=school["name"],
                    code=school["code"],
                )
            ],
        )
    else:
        append_row(ws, [_("组委会导入：“学校”列填写学校代码或系统中登记的学校全称。")])
    append_row(ws, [])
    append_row(ws, [_("列名"), _("是否必填"), _("说明"), _("示例")])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    division_text = "、".join(_divisions(event))
    category_text = "、".join(f"{c['code']} {c['name']}" for c in categories) or _("（组委会尚未设置类别）")
    notes = {
        NAME: (_("必填"), _("学生或辅导教师的姓名；少数民族姓名中的间隔号请用“·”。"), "阿依古丽·买买提"),
        GENDER: (_("学生必填"), _("男 或 女，须与身份证号一致。"), "女"),
        ID_TYPE: (_("选填"), _("留空即居民身份证；也可选：{types}。", types="、".join(ID_TYPES)), "居民身份证"),
        ID_NUMBER: (
            _("学生必填"),
            _("18 位证件号码，最后一位可以是 X。本列已设为文本格式，请不要改成数字格式。"),
            "46010220100101123X",
        ),
        GRADE: (_("学生必填"), _("例如 五年级、初二、高一，须与组别一致。"), "初二"),
        SCHOOL: (_("必填"), _("学校代码或系统中登记的学校全称。"), school["name"] if school else "HK01"),
        PHONE: (_("必填"), _("11 位手机号或带区号的固定电话。"), "13812345678"),
        ROLE: (_("必填"), _("学生 或 辅导教师。"), "学生"),
        title: (
            _("必填"),
            _("同一学校“{column}”相同的行属于同一个{label}。", column=title, label=_entry_label(kind)),
            "校园雨水花园的设计与监测",
        ),
        CATEGORY: (
            _("学生必填"),
            _("可选：{names}。", names=category_text),
            categories[0]["name"] if categories else "",
        ),
        DIVISION: (_("学生必填"), _("可选：{divisions}。", divisions=division_text), _divisions(event)[0]),
        CONSENT: (_("选填"), _("是 或 否（默认否）：监护人是否同意在公示页面显示学生姓名；证书上总会印姓名。"), "是"),
    }
    for pref in PREFERENCES:
        notes[pref] = (_("选填") if pref != PREFERENCES[0] else _("必填"), _("营地代码或名称，按志愿先后填写。"), "")
    notes[PRIORITY_GROUP] = (
        _("选填"),
        _("优先类别的名称或代码（如 建档立卡、农村），由市县科协核实；没有则留空。"),
        "",
    )
    applications = kind_of(kind).applications
    if applications:  # a camp: one student (营员) per row, the camp's grades, no entry columns
        grades = "、".join(event.get("eligible_grades") or ["高一", "高二"])
        notes[NAME] = (_("必填"), _("学生（营员）姓名；少数民族姓名中的间隔号请用“·”。"), "阿依古丽·买买提")
        notes[GENDER] = (_("必填"), _("男 或 女，须与身份证号一致。"), "女")
        notes[ID_NUMBER] = (_("必填"), notes[ID_NUMBER][1], notes[ID_NUMBER][2])
        notes[GRADE] = (_("必填"), _("只有这些年级可以申请：{grades}。", grades=grades), grades.split("、")[0])
        notes[ROLE] = (_("选填"), _("填“学生”或留空：科学营只接受学生的申请，带队教师在网页上推荐。"), "学生")
    for header in columns:
        required, text, example = notes.get(header, ("", "", ""))
        append_row(ws, [header, required, text, example])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=ws.max_row, column=4).number_format = "@"
    append_row(ws, [])
    rules = (
        [
            _("每行填写一名学生（营员），每行就是一份申请；可以申请的年级：{grades}。", grades=grades),
            _("每名学生每年只能申请一次科学营；志愿1必填，志愿2、志愿3按先后填写营地代码或名称。"),
            _(
                "“身份证号”“联系电话”两列已设为文本格式。请不要让 Excel 把号码变成数字（例如 4.60102E+17），否则后几位会丢失，系统会拒绝这一行。"
            ),
            _(
                "上传时会检查全部内容，一次列出所有错误：只要有一处错误，就不会导入任何数据。请按提示的行号和列名修改后重新上传。"
            ),
            _(
                "修改后重新上传：表中已由本校申请过的学生（按身份证号），其申请会被这一行替换；新学生新增；表中没有的申请保持不变（要取消请在网页上撤回）。只有还没有被市县推荐或组委会审查通过的申请可以这样替换；抽签承诺公布后申请名单冻结，不能再上传。"
            ),
            _("上传报名表即表示学校已取得每名学生监护人的参营同意。"),
            _("可以调整列的顺序，表头上方可以保留标题行，但不要修改表头文字。"),
        ]
        if applications
        else _entry_rules(event, kind, title)
    )
    append_row(ws, [_("注意事项")])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for number, rule in enumerate(rules, start=1):
        append_row(ws, [f"{number}.", "", rule])
        ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")


def _entry_rules(event: dict[str, Any], kind: str, title: str) -> list[str]:
    return [
        _(
            "每行填写一个人（学生或辅导教师）。同一学校“{column}”相同的行组成一个{label}；同一位辅导教师指导两个{label}时，请填写两行。",
            column=title,
            label=_entry_label(kind),
        ),
        _(
            "每个{label}需要 {min}–{max} 名学生，最多 {advisers} 名辅导教师；同一{label}各行的类别和组别必须相同。",
            label=_entry_label(kind),
            min=event["min_team_size"],
            max=event["max_team_size"],
            advisers=event["max_advisers"],
        ),
        _(
            "“身份证号”“联系电话”两列已设为文本格式。请不要让 Excel 把号码变成数字（例如 4.60102E+17），否则后几位会丢失，系统会拒绝这一行。"
        ),
        _("上传时会检查全部内容：只要有一处错误，就不会导入任何数据。请按提示的行号和列名修改后重新上传。"),
        _(
            "修改后重新上传，会替换本校同名的草稿、待审查或已退回的{label}；已通过审查的{label}不能通过上传修改，请联系组委会。",
            label=_entry_label(kind),
        ),
        _("上传报名表即表示学校已取得每名学生监护人的参赛同意。"),
        _("可以调整列的顺序，表头上方可以保留标题行，但不要修改表头文字。"),
    ]


# --------------------------------------------------------------------------- import: parsing


@dataclass
class _Person:
    row: int
    member: CleanMember


@dataclass
class _Group:
    """Rows of one entry: same school, same title."""

    school: dict[str, Any]
    title: str
    first_row: int
    rows: list[int] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)
    category: dict[str, Any] | None = None
    category_row: int = 0
    category_text: str = ""
    division: str | None = None
    division_row: int = 0
    students: int = 0
    advisers: int = 0
    category_problem: bool = False
    summary: str = ""
    division_problem: bool = False


@dataclass
class _Parsed:
    groups: dict[tuple[int, str], _Group]
    errors: list[dict[str, Any]]
    rows: int
    title_column: str
    columns: list[str]
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> as the file writes it


class _Lookup:
    """Schools and categories as the workbook may name them."""

    def __init__(self, schools: list[dict[str, Any]], categories: list[dict[str, Any]]):
        self.school_by_code = {s["code"].upper(): s for s in schools}
        self.school_by_name: dict[str, dict[str, Any]] = {}
        for s in schools:
            self.school_by_name.setdefault(clean_text(s["name"]), s)
            self.school_by_name.setdefault(normalize_header(s["name"]), s)
        self.categories = categories
        self.category_by_key: dict[str, dict[str, Any]] = {}
        for c in categories:
            for key in (
                c["code"].upper(),
                c["name"],
                normalize_header(c["name"]),
                normalize_header(f"{c['code']}{c['name']}").upper(),
            ):
                self.category_by_key.setdefault(key, c)

    def school(self, text: str) -> dict[str, Any] | None:
        return (
            self.school_by_code.get(text.upper())
            or self.school_by_name.get(text)
            or self.school_by_name.get(normalize_header(text))
        )

    def category(self, text: str) -> dict[str, Any] | None:
        return (
            self.category_by_key.get(text.upper())
            or self.category_by_key.get(text)
            or self.category_by_key.get(normalize_header(text))
            or self.category_by_key.get(normalize_header(text).upper())
        )


def _memo(function: Any) -> Any:
    """``function`` of one cell value, remembered per distinct value (cells are hashable)."""
    cache: dict[Any, Any] = {}

    def get(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = function(value)
            return result

    return get


# what coordinators type that the shared member rules do not know
_ROLE_ALIASES = {
    "辅导老师": "adviser",
    "指导老师": "adviser",
    "老师": "adviser",
    "教师": "adviser",
    "学生队员": "student",
}


def _role(value: Any) -> str | None:
    return normalize_role(value) or _ROLE_ALIASES.get(re.sub(r"\s+", "", clean_text(value)))


def _gender(value: Any) -> Any:
    text = clean_text(value)
    return text[0] if text in ("男性", "女性") else value


def _id_text(value: Any) -> str:
    """:func:`app.exports.workbook.digits_text` without a leading apostrophe or quote left over from
    a text export (raises :class:`LostDigits` like it)."""
    return digits_text(value).strip("'‘’`\"")


def _consent(value: Any) -> bool | None:
    text = clean_text(value).upper()
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    return None


def _division_text(value: Any) -> str:
    text = re.sub(r"\s+", "", clean_text(value))
    return text[:-1] if text.endswith("组") and text[:-1] in DIVISIONS else text


def _lost_digits_message(value: str) -> str:
    return _(
        "身份证号被 Excel 当成数字保存，后几位已经丢失（现在是 {value}）。请把“身份证号”列设置为“文本”格式，"
        "重新输入完整的号码后再上传；系统不会猜测丢失的数字。",
        value=value,
    )


def _parse_workbook(data: bytes, event: dict[str, Any], lookup: _Lookup, actor: Principal) -> _Parsed:
    """Read and check every row (no database): row-level problems, grouping into entries,
    consistency inside entries, team sizes and students listed twice."""
    try:
        wb = open_workbook(data)
    except ValidationFailed as exc:
        # openpyxl wraps defusedxml's refusal in a ValueError, so open_workbook may call it "corrupt"
        if _unsafe_xml(exc):
            raise ValidationFailed(_unsafe_xml_message()) from None
        raise
    try:
        return _parse_rows(wb, event, lookup, actor)
    except _Unreadable as exc:
        if _unsafe_xml(exc.__cause__):
            raise ValidationFailed(_unsafe_xml_message()) from None
        raise ValidationFailed(
            _("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存为 .xlsx 后上传。")
        ) from None
    finally:
        wb.close()


class _Unreadable(Exception):
    """openpyxl failed while reading the workbook (its cause says why)."""


def _read_safely(read: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``read`` (openpyxl work); any failure but our own service errors becomes :class:`_Unreadable`."""
    try:
        return read(*args, **kwargs)
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed parts raise many kinds of errors
        raise _Unreadable() from exc


def _rows_safely(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Sheets are parsed lazily in read-only mode: wrap the row iterator so a malformed or
    unsafe part met half-way is reported as such (and bugs in our own row code are not)."""
    while True:
        try:
            item = next(rows)
        except StopIteration:
            return
        except ServiceError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _Unreadable() from exc
        yield item


_DEFUSED = {
    "EntitiesForbidden",
    "DTDForbidden",
    "ExternalReferenceForbidden",
    "NotSupportedError",
    "DefusedXmlException",
}


def _unsafe_xml_message() -> str:
    return _("工作簿含有不安全的 XML 内容，已拒绝。请把数据复制到新的报名模板中再上传。")


def _unsafe_xml(exc: BaseException | None) -> bool:
    """True if defusedxml refused something anywhere in the exception's chain."""
    seen = 0
    while exc is not None and seen < 10:
        if type(exc).__name__ in _DEFUSED:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _parse_rows(wb: openpyxl.Workbook, event: dict[str, Any], lookup: _Lookup, actor: Principal) -> _Parsed:
    kind = event["kind"]
    own_title = title_header(kind)
    other_title = TITLE_INNOVATION if own_title == TITLE_ROBOTICS else TITLE_ROBOTICS
    required = [NAME, GENDER, ID_NUMBER, GRADE, SCHOOL, PHONE, ROLE, CATEGORY, DIVISION]
    table = _read_safely(
        find_table, wb, required, optional=[ID_TYPE, CONSENT, own_title, other_title, SUMMARY], aliases=HEADER_ALIASES
    )
    title_column = own_title if own_title in table.columns else other_title if other_title in table.columns else None
    if title_column is None:
        raise ValidationFailed(
            _(
                "工作表“{sheet}”缺少列：{columns}。请使用最新的报名模板，不要修改表头文字。",
                sheet=table.title,
                columns=own_title,
            ),
            errors=[
                {"row": table.header_row, "column": own_title, "message": _("缺少“{column}”列。", column=own_title)}
            ],
        )
    idx = table.columns
    i_name, i_gender, i_id, i_grade = idx[NAME], idx[GENDER], idx[ID_NUMBER], idx[GRADE]
    i_school, i_phone, i_role = idx[SCHOOL], idx[PHONE], idx[ROLE]
    i_cat, i_div, i_title = idx[CATEGORY], idx[DIVISION], idx[title_column]
    i_type, i_consent, i_summary = idx.get(ID_TYPE), idx.get(CONSENT), idx.get(SUMMARY)
    divisions = _divisions(event)
    label = _entry_label(kind)
    errors: list[dict[str, Any]] = []
    groups: dict[tuple[int, str], _Group] = {}
    own_school = (
        next((s for s in lookup.school_by_code.values() if s["id"] == actor.school_id), None)
        if actor.role == "school"
        else None
    )

    def err(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": message})

    # the same few values repeat on thousands of rows: clean and look each up once
    role_of = _memo(_role)
    text_of = _memo(clean_text)
    division_of = _memo(_division_text)
    consent_of = _memo(_consent)
    gender_of = _memo(_gender)
    id_of = _id_text
    school_of = _memo(lambda v: (lambda t: (t, lookup.school(t) if t else None))(clean_text(v)))
    category_of = _memo(lambda v: (lambda t: (t, lookup.category(t) if t else None))(clean_text(v)))

    width = max(idx.values()) + 1

    count = 0
    for number, values in _rows_safely(table.rows):
        count += 1
        if len(values) < width:  # read-only rows stop at their last filled cell
            values = (*values, *(None,) * (width - len(values)))

        # role decides which columns are needed
        role_raw = values[i_role]
        role = role_of(role_raw)
        if role is None:
            text = clean_text(role_raw)
            err(
                number,
                ROLE,
                _("请填写角色：“学生”或“辅导教师”。")
                if not text
                else _("角色“{value}”无效，请填写“学生”或“辅导教师”。", value=text),
            )
        # school
        school_text, school = school_of(values[i_school])
        if not school_text:
            err(number, SCHOOL, _("请填写学校（学校代码或系统中登记的学校全称）。"))
        else:
            if own_school is not None and (school is None or school["id"] != own_school["id"]):
                if school is None:
                    err(
                        number,
                        SCHOOL,
                        _(
                            "学校“{value}”不在系统中。请填写本校名称“{own}”或代码 {code}。",
                            value=school_text,
                            own=own_school["name"],
                            code=own_school["code"],
                        ),
                    )
                else:
                    err(
                        number,
                        SCHOOL,
                        _(
                            "这一行的学校是“{value}”，您只能为本校（{own}）报名。请删除这一行，或请该校自行上传。",
                            value=school_text,
                            own=own_school["name"],
                        ),
                    )
                school = None
            elif school is None:
                err(
                    number,
                    SCHOOL,
                    _("学校“{value}”不在系统中。请填写学校代码或系统中登记的学校全称。", value=school_text),
                )
        # entry columns
        title = text_of(values[i_title])
        if not title:
            err(
                number,
                title_column,
                _("请填写{column}。同一学校{column}相同的行属于同一个{label}。", column=title_column, label=label),
            )
        elif len(title) > MAX_TITLE_LENGTH:
            err(
                number,
                title_column,
                _("{column}不能超过 {n} 个字符，请缩短。", column=title_column, n=MAX_TITLE_LENGTH),
            )
            title = ""
        elif problem := name_problem(title, title_column):
            err(number, title_column, problem)
            title = ""
        category_text, category = category_of(values[i_cat])
        category_ok = division_ok = True
        if category_text:
            if category is None:
                category_ok = False
                names = "、".join(f"{c['code']} {c['name']}" for c in lookup.categories)
                err(
                    number,
                    CATEGORY,
                    _(
                        "类别“{value}”不存在。请从下拉列表中选择，或填写类别代码：{names}。",
                        value=category_text,
                        names=names,
                    )
                    if names
                    else _("类别“{value}”不存在：组委会尚未设置本赛事的类别，请联系组委会。", value=category_text),
                )
        elif role != "adviser":
            category_ok = False
            err(number, CATEGORY, _("请填写类别（从下拉列表中选择）。"))
        division_text = division_of(values[i_div])
        division = None
        if division_text:
            if division_text in divisions:
                division = division_text
            else:
                division_ok = False
                err(
                    number,
                    DIVISION,
                    _("组别“{value}”无效，请填写：{divisions}。", value=division_text, divisions="、".join(divisions)),
                )
        elif role != "adviser":
            division_ok = False
            err(number, DIVISION, _("请填写组别：{divisions}。", divisions="、".join(divisions)))
        consent_raw = values[i_consent] if i_consent is not None else None
        consent = consent_of(consent_raw)
        if consent is None:
            err(number, CONSENT, _("“同意公开姓名”只能填“是”或“否”，这里是“{value}”。", value=clean_text(consent_raw)))
        # the person
        member = None
        if role is not None:
            lost = None
            try:
                id_text = id_of(values[i_id])
            except LostDigits as exc:
                lost, id_text = str(exc), ""
            member, problems = clean_member(
                MemberInput(
                    role=role,
                    name=values[i_name],
                    gender=gender_of(values[i_gender]),
                    id_type=(values[i_type] if i_type is not None else None) or "",
                    id_number=id_text,
                    grade=values[i_grade],
                    phone=values[i_phone],
                    consent_participation=True,
                    consent_publication=bool(consent),
                ),
                division,
            )
            if lost is not None:
                problems = [p for p in problems if p[0] != "id_number"]
                problems.append(("id_number", _lost_digits_message(lost)))
                member = None
            for field_name, message in problems:
                err(number, FIELD_LABELS.get(field_name, field_name), message)
        # grouping
        if school is None or not title:
            continue
        key = (school["id"], title)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(school=school, title=title, first_row=number)
        group.rows.append(number)
        if i_summary is not None and not group.summary and i_summary < len(values):
            group.summary = clean_text(values[i_summary])[:2000]  # the first row that gives one
        if role == "student":
            group.students += 1
        elif role == "adviser":
            group.advisers += 1
        if category is not None:
            if group.category is None:
                group.category, group.category_row, group.category_text = category, number, category_text
            elif category["id"] != group.category["id"]:
                err(
                    number,
                    CATEGORY,
                    _(
                        "同一{label}“{title}”的各行类别必须相同：第 {first} 行是“{expected}”，这一行是“{value}”。"
                        "请统一类别；如果是不同的{label}，请使用不同的{column}。",
                        label=label,
                        title=title,
                        first=group.category_row,
                        expected=group.category_text,
                        value=category_text,
                        column=title_column,
                    ),
                )
        group.category_problem |= not category_ok
        group.division_problem |= not division_ok
        if division is not None:
            if group.division is None:
                group.division, group.division_row = division, number
            elif division != group.division:
                err(
                    number,
                    DIVISION,
                    _(
                        "同一{label}“{title}”的各行组别必须相同：第 {first} 行是“{expected}”，这一行是“{value}”。"
                        "请统一组别；如果是不同的{label}，请使用不同的{column}。",
                        label=label,
                        title=title,
                        first=group.division_row,
                        expected=group.division,
                        value=division,
                        column=title_column,
                    ),
                )
        if member is not None:
            group.people.append(_Person(number, member))

    # entries as a whole
    seen_students: dict[str, tuple[int, str]] = {}
    for group in groups.values():
        limits = {k: event[k] for k in ("min_team_size", "max_team_size", "max_advisers")}
        for problem in team_problems(group.students, group.advisers, limits):
            err(
                group.first_row,
                title_column,
                _(
                    "{label}“{title}”（第 {rows} 行）：{problem}",
                    label=label,
                    title=group.title,
                    rows="、".join(map(str, group.rows)),
                    problem=problem,
                ),
            )
        if group.category is None and not group.category_problem:
            err(
                group.first_row,
                CATEGORY,
                _("{label}“{title}”没有填写类别，请至少在一行中填写类别。", label=label, title=group.title),
            )
        if group.division is None and not group.division_problem:
            err(
                group.first_row,
                DIVISION,
                _("{label}“{title}”没有填写组别，请至少在一行中填写组别。", label=label, title=group.title),
            )
        advisers_seen: dict[tuple[str, str], int] = {}
        for person in group.people:
            m = person.member
            if m.role == "student":
                previous = seen_students.get(m.id_hash)
                if previous is not None:
                    err(
                        person.row,
                        ID_NUMBER,
                        gettext_terms(
                            "第 {first} 行和第 {row} 行是同一名学生（{name}，证件号码相同）。每名学生只能参加一个作品，请删除其中一行。",
                            event["kind"],
                            row=person.row,
                            first=previous[0],
                            name=m.name,
                        ),
                    )
                else:
                    seen_students[m.id_hash] = (person.row, m.name)
            else:
                key2 = (m.name, m.id_hash or m.phone or "")
                if key2 in advisers_seen:
                    err(
                        person.row,
                        NAME,
                        gettext_terms(
                            "辅导教师“{name}”在同一{label}中出现了两次（第 {other} 行和这一行），请删除重复的一行。",
                            event["kind"],
                            name=m.name,
                            label=label,
                            other=advisers_seen[key2],
                        ),
                    )
                else:
                    advisers_seen[key2] = person.row
    return _Parsed(
        groups=groups,
        errors=errors,
        rows=count,
        title_column=title_column,
        columns=list(table.columns),
        headers=table.headers,
    )


# --------------------------------------------------------------------------- import: database checks


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _existing_entries(event_id: int, school_ids: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(school_ids):
        rows += await Entry.select(
            Entry.id,
            Entry.school,
            Entry.title,
            Entry.status,
            Entry.category,
            Entry.division,
            Entry.code,
        ).where((Entry.event == event_id) & Entry.school.is_in(list(chunk)))
    return rows


async def _check_against_database(
    event_id: int, parsed: _Parsed, kind: str, actor: Principal | None = None
) -> tuple[dict[tuple[int, str], list[dict[str, Any]]], list[dict[str, Any]]]:
    """Problems only the database can show: entries already approved, students already
    registered elsewhere, school quotas. Returns (replaced entries by group key, errors)."""
    errors: list[dict[str, Any]] = []
    label = _entry_label(kind)
    title_column = parsed.title_column
    groups = parsed.groups
    existing = await _existing_entries(event_id, sorted({k[0] for k in groups}))
    by_title: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in existing:
        if row["status"] != "withdrawn":
            by_title.setdefault((row["school"], row["title"]), []).append(row)
    replaced: dict[tuple[int, str], list[dict[str, Any]]] = {}
    locked_ids: set[int] = set()
    for key, group in groups.items():
        old = by_title.get(key, [])
        locked = [r for r in old if r["status"] not in REPLACEABLE]
        if locked:
            locked_ids.update(r["id"] for r in old)
            errors.append(
                {
                    "row": group.first_row,
                    "column": title_column,
                    "message": _(
                        "本校的{label}“{title}”（编号 {code}）状态为“{status}”，不能通过重新上传修改。请删除这些行；如需修改，请联系组委会。",
                        label=label,
                        title=group.title,
                        code=locked[0]["code"],
                        status=_(STATUS_LABELS.get(locked[0]["status"], locked[0]["status"])),
                    ),
                }
            )
        elif old:
            replaced[key] = old
    replaced_ids = {r["id"] for rows in replaced.values() for r in rows}

    # students already in another entry of the event (entries being replaced excluded, and
    # entries that may not be replaced: the error above already covers their rows)
    students = [(p, g) for g in groups.values() for p in g.people if p.member.role == "student"]
    hashes = sorted({p.member.id_hash for p, _g in students})
    if actor is not None:  # counted silently for organizers' eyes (a school is never told)
        await note_checked(actor, event_id, hashes)
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(hashes):
        found.update(
            await duplicate_students(event_id, chunk, exclude_entry_ids=replaced_ids | locked_ids, viewer=actor)
        )
    for person, _group in students:
        other = found.get(person.member.id_hash)
        if other is not None:
            errors.append(
                {
                    "row": person.row,
                    "column": ID_NUMBER,
                    "message": gettext_terms(
                        "学生“{name}”已报名本赛事的作品“{title}”（{code}，{school}），每名学生只能参加一个作品。请删除这一行；如需更换作品，请先撤回原作品。",
                        kind,
                        name=person.member.name,
                        title=other["entry_title"],
                        code=other["entry_code"],
                        school=other["school_name"],
                    ),
                }
            )

    # per-school quota per category
    active: dict[tuple[int, int], int] = {}
    for row in existing:
        if row["status"] in ACTIVE_STATUSES and row["id"] not in replaced_ids:
            active[(row["school"], row["category"])] = active.get((row["school"], row["category"]), 0) + 1
    new_by_quota: dict[tuple[int, int], list[_Group]] = {}
    for group in groups.values():
        if group.category is not None and group.category.get("school_quota") is not None:
            new_by_quota.setdefault((group.school["id"], group.category["id"]), []).append(group)
    for (school_id, _cat), new in new_by_quota.items():
        category = new[0].category
        excess = school_quota_excess(category, active.get((school_id, category["id"]), 0), len(new))
        if excess:
            errors += [
                excess.row_error(group.first_row, CATEGORY, group.school["name"]) for group in new[excess.allowed :]
            ]
    return replaced, errors


# --------------------------------------------------------------------------- import: writing

MEMBER_COLUMNS = (
    "entry",
    "event",
    "school",
    "role",
    "name",
    "gender",
    "id_type",
    "id_number_enc",
    "id_hash",
    "id_masked",
    "student_key",
    "birth_date_enc",
    "grade",
    "phone_enc",
    "phone_masked",
    "consent_participation",
    "consent_publication",
    "consent_recorded_by",
    "consent_recorded_at",
    "position",
)
ENTRY_COLUMNS = (
    "event",
    "code",
    "title",
    "school",
    "category",
    "division",
    "status",
    "return_reason",
    "summary",
    "created_by",
    "created_at",
    "updated_at",
    "submitted_at",
    "reviewed_at",
    "city_reviewed_at",
)


def _member_rows(parsed: _Parsed) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """Encrypted, masked column values of every member, per entry (CPU work: thread)."""
    return {key: [p.member.columns() for p in group.people] for key, group in parsed.groups.items()}


def _as_in_file(error: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """``error`` citing its column by the header text of the user's file (CONTRACT: ``column`` is
    the header text), also where the message quotes the column, when the file used a variant
    header such as 身份证号码 for the template's 身份证号."""
    canonical = error.get("column")
    written = headers.get(canonical) if isinstance(canonical, str) else None
    if not written or written == canonical:
        return error
    message = str(error.get("message", "")).replace(f"“{canonical}”", f"“{written}”")
    return {**error, "column": written, "message": message}


async def import_registrations(actor: Principal, event_id: int, data: bytes) -> dict[str, int]:
    """Import a filled-in registration workbook (CONTRACT.md, "Registration workbook columns").

    All or nothing: every row is checked first; if anything is wrong, raises
    :class:`ValidationFailed` (422) whose ``errors`` list every problem as
    ``{"row": <sheet row as Excel shows it>, "column": <header text>, "message": <Chinese,
    what is wrong and how to fix it>}`` and nothing is stored. Otherwise everything is
    written in one transaction: a school's entries become ``submitted`` (waiting for
    review), an organizer's ``approved``. Entries of the same school with the same title
    in status draft, returned or submitted are replaced (same entry id and code, members
    replaced); approved or recommended ones are refused.

    Returns ``{"entries_created", "participants_created", "advisers_created",
    "entries_replaced"}``: entries written from the workbook (replaced ones included),
    students, advisers (people: one adviser of two entries counts once), and how many of
    the entries replaced existing ones.

    Raises :class:`Forbidden` (not organizer/school), :class:`NotFound` (event),
    :class:`Conflict` (registration closed for a school; or the data changed meanwhile),
    :class:`TooLarge` (413: upload or unpacked size over the limit, too many rows),
    :class:`ValidationFailed` (not an .xlsx file, unsafe XML, missing columns, bad rows).
    """
    if actor.role not in ("organizer", "school"):
        raise Forbidden(_("只有学校管理员或组委会可以导入报名表。"))
    event = await get_event_row(event_id, actor)
    await check_import_rate(actor)
    await require_registration_open(actor, event)
    if kind_of(event["kind"]).applications:
        importer = application_importers.get(event["kind"])
        if importer is None:
            raise ValidationFailed(_("科学营的报名不能用作品报名表导入，请在科学营报名页面为学生填写志愿。"))
        return dict(await importer(actor, event_id, data))  # {"applications_created": n}
    schools = await School.select(School.id, School.code, School.name)
    categories = (
        await Category.select(
            Category.id,
            Category.code,
            Category.name,
            Category.school_quota,
        )
        .where(Category.event == event_id)
        .order_by(Category.position)
        .order_by(Category.id)
    )
    lookup = _Lookup(schools, categories)

    parsed = await asyncio.to_thread(_parse_workbook, data, event, lookup, actor)
    if parsed.rows == 0:
        raise ValidationFailed(
            gettext_terms("报名表中没有数据。请在表头下面每行填写一名学生或辅导教师后再上传。", event["kind"])
        )
    members_job = None
    if not parsed.errors:  # encrypt while the database is asked (wasted only if it finds a problem)
        members_job = asyncio.ensure_future(asyncio.to_thread(_member_rows, parsed))
    try:
        replaced, db_errors = await _check_against_database(event_id, parsed, event["kind"], actor)
    except BaseException:
        if members_job is not None:
            members_job.cancel()
        raise
    errors = parsed.errors + db_errors
    if errors:
        order = {c: i for i, c in enumerate(template_columns(event["kind"]))}
        errors.sort(key=lambda e: (e["row"] or 0, order.get(e["column"], 99)))
        errors = [_as_in_file(e, parsed.headers) for e in errors]
        if members_job is not None:
            members_job.cancel()
        raise ValidationFailed(
            _("报名表有 {n} 处错误，没有导入任何数据。请按提示修改后重新上传。", n=len(errors)), errors=errors
        )

    assert members_job is not None
    started = now()
    result = await _write(actor, event, parsed, replaced, await members_job)
    if actor.is_organizer:
        # approved at once (CONTRACT), but the page says how many still lack what the event requires
        lacking = await _lacking_since(event, started)
        if lacking:
            result["entries_lacking"] = len(lacking)
        return result
    held = await _hold_incomplete(actor, event, started)
    if held:  # only when some were held back, so the usual answer keeps its four keys
        result["entries_incomplete"] = held
    return result


async def _lacking_since(event: dict[str, Any], since: Any) -> list[dict[str, Any]]:
    """Entries of ``event`` written since ``since`` (one import) that lack what the event requires."""
    rows = await Entry.select(*_entry_columns()).where((Entry.event == event["id"]) & (Entry.updated_at >= since))
    if not rows:
        return []
    missing = await _missing_by_entry(event, rows, await _members_by_entry([r["id"] for r in rows]))
    return [r for r in rows if missing[r["id"]]]


async def _hold_incomplete(actor: Principal, event: dict[str, Any], since: Any) -> int:
    """A school's imported entries that still lack what the event requires (documents, the
    fewest advisers) go back to draft: a workbook cannot carry documents, and an entry is only
    submitted complete (as through the web form). Returns how many were held."""
    rows = await Entry.select(*_entry_columns()).where(
        (Entry.event == event["id"])
        & (Entry.school == actor.school_id)
        & (Entry.status == "submitted")
        & (Entry.updated_at >= since)
    )
    if not rows:
        return 0
    members = await _members_by_entry([r["id"] for r in rows])
    missing = await _missing_by_entry(event, rows, members)
    held = [r for r in rows if missing[r["id"]]]
    if held:

        async def work() -> None:
            await Entry.update({Entry.status: "draft"}).where(Entry.id.is_in([r["id"] for r in held]))
            await audit.record_many(
                actor,
                [
                    audit.AuditRecord(
                        "entry.import.held",
                        "entry",
                        r["id"],
                        summary=f"{r['code']} {r['title']}",
                        changes={"status": ["submitted", "draft"]},
                        reason="；".join(missing[r["id"]]),
                        event_id=event["id"],
                        entry_id=r["id"],
                        school_id=r["school"],
                    )
                    for r in held
                ],
            )

        await write_transaction(work)
    return len(held)


async def _write(
    actor: Principal,
    event: dict[str, Any],
    parsed: _Parsed,
    replaced: dict[tuple[int, str], list[dict[str, Any]]],
    members: dict[tuple[int, str], list[dict[str, Any]]],
) -> dict[str, int]:
    event_id = event["id"]
    status = "approved" if actor.is_organizer else "submitted"
    stamp = now()
    reviewed_at = stamp if status == "approved" else None
    groups = parsed.groups
    pg = not is_sqlite()
    label_title = parsed.title_column

    async def work() -> dict[str, int]:
        # entries being replaced must still be replaceable (a review may have happened meanwhile)
        old_ids = [r["id"] for rows in replaced.values() for r in rows]
        old_members: dict[int, list[dict[str, Any]]] = {}
        for chunk in _chunks(old_ids):
            rows = await Entry.select(Entry.id, Entry.status).where(Entry.id.is_in(list(chunk)))
            if len(rows) != len(chunk) or any(r["status"] not in REPLACEABLE for r in rows):
                raise Conflict(gettext_terms("导入期间有作品被审查或修改，请刷新页面后重新上传报名表。", event["kind"]))
            for m in await Member.select(Member.entry, Member.name, Member.role, Member.id_masked).where(
                Member.entry.is_in(list(chunk))
            ):
                old_members.setdefault(m["entry"], []).append(
                    {"name": m["name"], "role": m["role"], "id_masked": m["id_masked"]}
                )
            await Member.delete().where(Member.entry.is_in(list(chunk)))

        # codes: kept for a replaced entry in the same category and division, else allocated per category
        reuse: dict[tuple[int, str], dict[str, Any]] = {}
        retire: list[int] = []
        need: dict[str, list[tuple[int, str]]] = {}
        for key, group in groups.items():
            old = replaced.get(key)
            if old:
                keep = old[0]
                retire += [r["id"] for r in old[1:]]
                reuse[key] = keep
                if keep["category"] == group.category["id"] and keep["division"] == group.division:
                    continue
            need.setdefault(group.category["code"], []).append(key)
        codes: dict[tuple[int, str], str] = {}
        for category_code, keys in need.items():
            for key, code in zip(
                keys, await allocate_codes(event_id, category_code, [groups[k].division for k in keys])
            ):
                codes[key] = code
        for key, keep in reuse.items():
            codes.setdefault(key, keep["code"])

        # replaced entries: updated in place (id, documents and history kept)
        if reuse:
            await _executemany(
                'UPDATE "entry" SET "code" = {0}, "category" = {1}, "division" = {2}, "status" = {3}, "updated_at" = {4}, '
                '"submitted_at" = {5}, "reviewed_at" = {6}, "summary" = COALESCE(NULLIF({7}, \'\'), "summary") '
                'WHERE "id" = {8}'.format(*_marks(9, pg)),
                [
                    (
                        codes[key],
                        groups[key].category["id"],
                        groups[key].division,
                        status,
                        stamp,
                        stamp,
                        reviewed_at,
                        groups[key].summary,
                        keep["id"],
                    )
                    for key, keep in reuse.items()
                ],
            )
        if retire:  # duplicates by title that should not exist: withdraw them
            await Entry.update({Entry.status: "withdrawn", Entry.updated_at: stamp}).where(Entry.id.is_in(retire))

        # new entries
        new_keys = [key for key in groups if key not in reuse]
        await _bulk_insert(
            Entry,
            ENTRY_COLUMNS,
            [
                (
                    event_id,
                    codes[key],
                    groups[key].title,
                    groups[key].school["id"],
                    groups[key].category["id"],
                    groups[key].division,
                    status,
                    "",
                    groups[key].summary,
                    actor.id,
                    stamp,
                    stamp,
                    stamp,
                    reviewed_at,
                    None,
                )
                for key in new_keys
            ],
            pg,
        )
        entry_ids = {key: keep["id"] for key, keep in reuse.items()}
        by_code = {codes[key]: key for key in new_keys}
        for chunk in _chunks(list(by_code)):
            for row in await Entry.select(Entry.id, Entry.code).where(
                (Entry.event == event_id) & Entry.code.is_in(list(chunk))
            ):
                entry_ids[by_code[row["code"]]] = row["id"]

        # members
        member_rows: list[tuple[Any, ...]] = []
        students = 0
        adviser_people: set[Any] = set()  # an adviser of two entries is on two rows but one person
        for key, columns in members.items():
            entry_id = entry_ids[key]
            for position, c in enumerate(columns):
                is_student = c["role"] == "student"
                students += is_student
                if not is_student:
                    adviser_people.add(c.get("id_hash") or (c["name"], c.get("phone_masked")))
                member_rows.append(
                    (
                        entry_id,
                        event_id,
                        key[0],
                        c["role"],
                        c["name"],
                        c["gender"],
                        c["id_type"],
                        c["id_number_enc"],
                        c["id_hash"],
                        c["id_masked"],
                        c["student_key"],
                        c["birth_date_enc"],
                        c["grade"],
                        c["phone_enc"],
                        c["phone_masked"],
                        c["consent_participation"],
                        c["consent_publication"],
                        actor.id if is_student else None,
                        stamp if is_student else None,
                        position,
                    )
                )
        await _bulk_insert(Member, MEMBER_COLUMNS, member_rows, pg)

        # audit: each entry's history, then one row for the import
        audit_rows = []
        for key, group in groups.items():
            old = reuse.get(key)
            view = [p.member.audit_view() for p in group.people]
            changes = {
                "status": [old["status"] if old else None, status],
                "members": [old_members.get(old["id"], []) if old else None, view],
            }
            if old and old["code"] != codes[key]:
                changes["code"] = [old["code"], codes[key]]
            audit_rows.append(
                audit.AuditRecord(
                    "entry.import.replace" if old else "entry.import",
                    "entry",
                    entry_ids[key],
                    summary=f"{codes[key]} {group.title}",
                    changes=changes,
                    event_id=event_id,
                    entry_id=entry_ids[key],
                    school_id=group.school["id"],
                )
            )
        advisers = len(adviser_people)
        await audit.record_many(actor, audit_rows, at=stamp)
        school_ids = sorted({k[0] for k in groups})
        await audit.record(
            actor,
            "registration.import",
            "event",
            event_id,
            event_id=event_id,
            school_id=school_ids[0] if len(school_ids) == 1 else None,
            summary=_(
                "导入报名表：{entries} 个{label}（其中替换 {replaced} 个），学生 {students} 名，辅导教师 {advisers} 名",
                entries=len(groups),
                label=_entry_label(event["kind"]),
                replaced=len(reuse),
                students=students,
                advisers=advisers,
            ),
            changes={
                "rows": parsed.rows,
                "entries_created": len(groups),
                "entries_replaced": len(reuse),
                "participants_created": students,
                "advisers_created": advisers,
                "status": status,
                "replaced": [
                    {"id": keep["id"], "code": keep["code"], "title": keep["title"], "status": keep["status"]}
                    for keep in reuse.values()
                ],
                "withdrawn_duplicates": retire,
                "schools": school_ids,
                "title_column": label_title,
            },
        )
        return {
            "entries_created": len(groups),
            "participants_created": students,
            "advisers_created": advisers,
            "entries_replaced": len(reuse),
        }

    try:
        return await write_transaction(work)
    except Exception as exc:
        if type(exc).__name__ in {"IntegrityError", "UniqueViolationError"}:
            raise Conflict(
                gettext_terms("导入期间有学生被登记到其他作品，请刷新页面后重新上传报名表。", event["kind"])
            ) from None
        raise


# --------------------------------------------------------------------------- export

EXPORT_EXTRA = ("作品编号", "状态", "学校代码", "所属市县", "类别代码", "出生日期")


async def export_registrations(actor: Principal, event_id: int, reason: str) -> bytes | Path:
    """Organizer-only full export: one row per member (students first within an entry),
    the template columns (学校 as the registered name, 类别 as the category name) followed
    by 作品编号, 状态, 学校代码, 所属市县, 类别代码, 出生日期; full ID numbers and phones
    decrypted and written as text. Withdrawn entries are included with their status.

    ``reason`` is required and stored with an audit row ``registration.export``.
    Raises :class:`Forbidden` for anyone but an organizer, :class:`ValidationFailed`
    for a blank reason, :class:`NotFound` for an unknown event."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以导出含身份证号和电话的完整报名信息。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("导出完整报名信息（含身份证号和电话）必须填写原因，原因会记入操作日志。"),
            errors=[{"field": "reason", "message": _("请填写导出原因。")}],
        )
    event = await get_event_row(event_id)
    content: bytes | Path
    if in_process(await Member.count().where(Member.event == event_id)):
        made = await jobs.call(EXPORT_JOB, {"event_id": event_id, "locale": get_locale()})
        content, entries, count = Path(made["path"]), made["entries"], made["rows"]
    else:
        exporter = await _registrations_exporter(event)
        content, entries, count = await exporter.workbook(), len(exporter.entries), exporter.row_count

    async def log() -> None:
        await audit.record(
            actor,
            "registration.export",
            "event",
            event_id,
            event_id=event_id,
            reason=reason,
            summary=_("导出完整报名信息：{entries} 个作品，{members} 人", entries=entries, members=count),
        )

    await write_transaction(log)
    return content


EXPORT_JOB = "competitions.registrations_export"  # a big event's full export, made in another process


async def export_registrations_job(event_id: int, locale: str = "zh") -> dict[str, Any]:
    """The job :data:`EXPORT_JOB` (run by :func:`app.jobs.call` in another process, after
    :func:`export_registrations` checked the actor and the reason): the full export written to a
    file under ``<data dir>/exports``; ``{"path", "entries", "rows"}``."""
    set_locale(locale)
    exporter = await _registrations_exporter(await get_event_row(event_id))
    path = await workbook_file(exporter)
    return {"path": path, "entries": len(exporter.entries), "rows": exporter.row_count}


async def _registrations_exporter(event: dict[str, Any]) -> RegistrationsExporter:
    event_id = event["id"]
    entries = await Entry.select(
        Entry.id,
        Entry.code,
        Entry.title,
        Entry.status,
        Entry.division,
        Entry.school.code.as_alias("school_code"),
        Entry.school.name.as_alias("school_name"),
        Entry.school.city.as_alias("city"),
        Entry.category.code.as_alias("category_code"),
        Entry.category.name.as_alias("category_name"),
        Entry.category.position.as_alias("category_position"),
    ).where(Entry.event == event_id)
    members = await Member.select(
        Member.id,
        Member.entry,
        Member.role,
        Member.name,
        Member.gender,
        Member.id_type,
        Member.id_number_enc,
        Member.grade,
        Member.phone_enc,
        Member.consent_publication,
        Member.birth_date_enc,
        Member.position,
    ).where(Member.event == event_id)
    return RegistrationsExporter(event, entries, members)


class RegistrationsExporter(ListExporter):
    """The full registration list (organizers only, with ID numbers and phones): one row per
    person, entries in category, division and code order, students before advisers; the
    template's columns, then 作品编号, 状态, 学校代码, 市县, 类别代码, 出生日期."""

    identifier = "registrations"
    verbose_name = "报名信息"
    sheet_name = "报名信息"
    text_columns = (ID_NUMBER, PHONE, "作品编号", "学校代码", "出生日期")

    def __init__(self, event: dict[str, Any], entries: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
        self.event, self.entries, self.members = event, entries, members
        self.column_widths = {ID_NUMBER: 22, PHONE: 15, SCHOOL: 24, title_header(event["kind"]): 30, CATEGORY: 16}
        self.row_count = 0

    def header(self) -> list[str]:
        kind = self.event["kind"]
        # applications kinds export their members with the entry columns of a contest
        return [*template_columns("innovation" if kind_of(kind).applications else kind), *EXPORT_EXTRA]

    async def rows(self) -> AsyncIterator[list[Any]]:
        rows = await asyncio.to_thread(self._rows)  # decrypting every ID number and phone: CPU work
        self.row_count = len(rows)
        for row in rows:
            yield row

    def _rows(self) -> list[list[Any]]:
        division_order = {d: i for i, d in enumerate(DIVISIONS)}
        entries = sorted(
            self.entries, key=lambda e: (e["category_position"] or 0, division_order.get(e["division"], 9), e["code"])
        )
        by_entry: dict[int, list[dict[str, Any]]] = {}
        for m in self.members:
            by_entry.setdefault(m["entry"], []).append(m)
        rows = []
        for entry in entries:
            people = sorted(
                by_entry.get(entry["id"], []), key=lambda m: (m["role"] != "student", m["position"], m["id"])
            )
            for m in people:
                student = m["role"] == "student"
                rows.append(
                    [
                        m["name"],
                        m["gender"],
                        m["id_type"],
                        decrypt_pii(m["id_number_enc"]) or "",
                        m["grade"],
                        entry["school_name"],
                        decrypt_pii(m["phone_enc"]) or "",
                        "学生" if student else "辅导教师",
                        entry["title"],
                        entry["category_name"],
                        entry["division"],
                        ("是" if m["consent_publication"] else "否") if student else "",
                        entry["code"],
                        STATUS_LABELS.get(entry["status"], entry["status"]),
                        entry["school_code"],
                        entry["city"],
                        entry["category_code"],
                        decrypt_pii(m["birth_date_enc"]) or "",
                    ]
                )
        return rows


__all__ = [
    "RegistrationsExporter",
    "registration_template",
    "import_registrations",
    "export_registrations",
    "template_columns",
    "title_header",
]
