"""The entries behind applications, for camps and the talent programme alike.

An application (科学营 or 后备人才培养计划) is an entry of the event whose one member is the student,
plus the programme's own row (:class:`~competitions.camps.tables.CampApplication`,
:class:`~competitions.talent.tables.TalentApplication`). The steps both programmes share live here,
used by their web form (one student) and their workbook import (every row) alike:

- reading a student from the form (:func:`form_student`) or a workbook row (:func:`read_students`:
  the school by code or name, the ID number as text, the guardian's consent to publish the name);
- the member's stored values (:func:`personal_columns`: ID number, phone and birth date encrypted,
  masked copies, the keyed ID hash), computed in a worker thread before the write transaction;
- inside the caller's write transaction, the entries and their members (:func:`create_entries`)
  and then the programme's rows (:func:`insert_per_entry`), each with bulk inserts: a fixed number
  of statements per batch (one per 500 rows to read the new ids back), never one per row.

The checks (grades, preferences, one application per student per year) and the audit stay with
each programme: their words differ.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from piccolo.table import Table
from piccolo.utils.sql_values import convert_to_sql_value

from app.db import bulk_insert, bulk_update, is_sqlite
from app.errors import ValidationFailed
from app.exports.workbook import LostDigits, clean_text, digits_text, find_table, open_workbook
from app.i18n import _
from app.principal import Principal
from competitions.registration import roster
from competitions.registration.members import CleanMember, MemberInput
from competitions.registration.roster import ENTRY_COLUMNS, MEMBER_COLUMNS
from competitions.registration.services import allocate_codes
from competitions.registration.tables import Entry, Member

CHUNK = 500  # ids read back per query
CONSENT_YES = {"是", "同意", "Y", "YES", "TRUE", "1", "√"}


# --------------------------------------------------------------------------- reading students


def form_student(data: Mapping[str, Any]) -> MemberInput:
    """The student of a web-form application (the guardian's consent to take part checked by the caller)."""
    return MemberInput(
        role="student",
        name=data.get("name") or "",
        gender=data.get("gender") or "",
        id_type=data.get("id_type") or "",
        id_number=data.get("id_number") or "",
        grade=data.get("grade") or "",
        phone=data.get("phone") or "",
        consent_participation=True,
        consent_publication=bool(data.get("consent_publication")),
    )


@dataclass(frozen=True)
class StudentRow:
    """A workbook row naming a student of a school the uploader may apply for."""

    row: int  # the sheet row as Excel shows it
    member: MemberInput
    school_id: int
    values: tuple[Any, ...]
    columns: Mapping[str, int]

    def cell(self, column: str) -> Any:
        """The row's value under ``column`` (``None`` when the sheet has no such column)."""
        return _cell(self.values, self.columns, column)


def _cell(values: tuple[Any, ...], columns: Mapping[str, int], column: str) -> Any:
    index = columns.get(column)
    return values[index] if index is not None and index < len(values) else None


def read_students(
    data: bytes,
    schools: list[dict[str, Any]],
    actor: Principal,
    required: Sequence[str],
    optional: Sequence[str],
    aliases: Mapping[str, Iterable[str]] = roster.HEADER_ALIASES,
) -> tuple[list[StudentRow], list[dict[str, Any]], int]:
    """The student rows of an application workbook (CPU work: call it in a thread). Returns the rows
    read, the problems of the rows that could not be read (unknown school, another school's row, an
    ID number Excel stored as a number) as ``{"row", "column", "message"}``, and how many rows are
    not blank."""
    wb = open_workbook(data)
    try:
        table = find_table(wb, required, optional=optional, aliases=aliases)
        idx = table.columns
        by_code = {s["code"].upper(): s for s in schools}
        by_name = {clean_text(s["name"]): s for s in schools}
        students: list[StudentRow] = []
        errors: list[dict[str, Any]] = []
        count = 0
        for number, given in table.rows:
            if not any(clean_text(v) for v in given or ()):
                continue
            count += 1
            values = tuple(given)
            cell = functools.partial(_cell, values, idx)
            school_text = clean_text(cell(roster.SCHOOL))
            school = by_code.get(school_text.upper()) or by_name.get(school_text)
            if school is None:
                errors.append(
                    {"row": number, "column": roster.SCHOOL, "message": _("学校“{value}”不存在。", value=school_text)}
                )
                continue
            if actor.role == "school" and school["id"] != actor.school_id:
                errors.append({"row": number, "column": roster.SCHOOL, "message": _("只能为本校学生申请。")})
                continue
            try:
                id_number = digits_text(cell(roster.ID_NUMBER)).strip("'‘’`\"")
            except LostDigits as exc:
                errors.append(
                    {
                        "row": number,
                        "column": roster.ID_NUMBER,
                        "message": _(
                            "身份证号被 Excel 当成数字保存，后几位已经丢失（现在是 {value}）。请把“身份证号”列设置为“文本”格式后重新输入。",
                            value=str(exc),
                        ),
                    }
                )
                continue
            phone = cell(roster.PHONE)
            member = MemberInput(
                role=clean_text(cell(roster.ROLE)) or "student",
                name=cell(roster.NAME) or "",
                gender=cell(roster.GENDER) or "",
                id_type=cell(roster.ID_TYPE) or "",
                id_number=id_number,
                grade=cell(roster.GRADE) or "",
                phone=digits_text(phone) if phone is not None else "",
                consent_participation=True,
                consent_publication=clean_text(cell(roster.CONSENT)).upper() in CONSENT_YES,
            )
            students.append(StudentRow(number, member, school["id"], values, idx))
        return students, errors, count
    finally:
        wb.close()


def no_rows() -> ValidationFailed:
    return ValidationFailed(_("报名表中没有数据。请在表头下面每行填写一名学生后再上传。"))


def row_errors(kind: str, errors: list[dict[str, Any]]) -> ValidationFailed:
    """The 422 of a workbook with problems: every one, by row and then in the template's column order."""
    order = {c: i for i, c in enumerate(roster.template_columns(kind))}
    errors.sort(key=lambda e: (e.get("row") or 0, order.get(e.get("column"), 99)))
    return ValidationFailed(
        _("报名表有 {n} 处错误，没有导入任何数据。请按提示修改后重新上传。", n=len(errors)), errors=errors
    )


# --------------------------------------------------------------------------- writing


def entry_status(actor: Principal) -> str:
    """An organizer's application is approved at once; a school's waits for review (CONTRACT)."""
    return "approved" if actor.is_organizer else "submitted"


async def personal_columns(members: Sequence[CleanMember]) -> list[dict[str, Any]]:
    """Each member's stored values (:meth:`CleanMember.columns`: encryption is CPU work, done in a
    worker thread; call it before the write transaction)."""
    return await asyncio.to_thread(lambda: [m.columns() for m in members])


@dataclass(frozen=True)
class NewEntry:
    """One application's entry: its student (``columns`` from :func:`personal_columns`), school and
    category (``{"id", "code"}``: the camp's one category, the talent programme's subject)."""

    member: CleanMember
    columns: dict[str, Any]
    school_id: int
    category: Mapping[str, Any]
    summary: str = ""


@dataclass(frozen=True)
class CreatedEntry:
    id: int
    code: str


async def create_entries(
    actor: Principal,
    event_id: int,
    new: Sequence[NewEntry],
    *,
    division: str,
    status: str,
    stamp: dt.datetime,
) -> list[CreatedEntry]:
    """Inside the caller's write transaction (after its event lock and checks): one entry per
    application, titled with the student's name, with the student as its one member (the guardian's
    consent recorded by ``actor`` at ``stamp``). Entry codes are allocated per category in the order
    categories first appear. Returns the entries in the order of ``new``."""
    if not new:
        return []
    by_category: dict[str, list[int]] = {}
    for k, n in enumerate(new):
        by_category.setdefault(n.category["code"], []).append(k)
    codes: list[str] = [""] * len(new)
    for category_code, ks in by_category.items():
        for k, code in zip(ks, await allocate_codes(event_id, category_code, [division] * len(ks))):
            codes[k] = code
    pg = not is_sqlite()
    reviewed_at = stamp if status == "approved" else None
    entry_values = [
        {
            "event": event_id,
            "code": code,
            "title": n.member.name,
            "school": n.school_id,
            "category": n.category["id"],
            "division": division,
            "status": status,
            "return_reason": "",
            "summary": n.summary,
            "created_by": actor.id,
            "created_at": stamp,
            "updated_at": stamp,
            "submitted_at": stamp,
            "reviewed_at": reviewed_at,
            "city_reviewed_at": None,
        }
        for n, code in zip(new, codes)
    ]
    await bulk_insert(Entry, ENTRY_COLUMNS, [tuple(v[c] for c in ENTRY_COLUMNS) for v in entry_values], pg)
    ids: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        for r in await Entry.select(Entry.id, Entry.code).where((Entry.event == event_id) & Entry.code.is_in(chunk)):
            ids[r["code"]] = r["id"]
    member_values = [
        {
            **n.columns,
            "entry": ids[code],
            "event": event_id,
            "school": None,
            "consent_recorded_by": actor.id,
            "consent_recorded_at": stamp,
            "position": 0,
        }
        for n, code in zip(new, codes)
    ]
    await bulk_insert(Member, MEMBER_COLUMNS, [tuple(v[c] for c in MEMBER_COLUMNS) for v in member_values], pg)
    return [CreatedEntry(ids[code], code) for code in codes]


async def update_rows(table: type[Table], keys: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Inside the caller's write transaction: ``rows`` (column -> new value; the ``keys`` columns name the
    row to change; every row names the same columns) written with one bulk update."""
    if not rows:
        return
    names = [name for name in rows[0] if name not in keys]
    order = [*names, *keys]
    columns = [table._meta.get_column_by_name(name) for name in order]
    await bulk_update(
        table,
        names,
        keys,
        [tuple(convert_to_sql_value(row[name], column) for name, column in zip(order, columns)) for row in rows],
    )


async def insert_per_entry(table: type[Table], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Inside the caller's write transaction: ``rows`` of a table holding one row per entry (a
    programme's applications; each row names its ``entry``), in one bulk insert. Columns left out get
    their defaults. Returns the new rows' ids in the order of ``rows``."""
    if not rows:
        return []
    names = list(rows[0])
    columns = [table._meta.get_column_by_name(name) for name in names]
    await bulk_insert(
        table,
        names,
        [tuple(convert_to_sql_value(row[name], column) for name, column in zip(names, columns)) for row in rows],
    )
    entries = [row["entry"] for row in rows]
    ids: dict[int, int] = {}
    entry_column = table._meta.get_column_by_name("entry")
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start : start + CHUNK]
        for r in await table.select(table._meta.primary_key, entry_column).where(entry_column.is_in(chunk)):
            ids[r["entry"]] = r["id"]
    return [ids[e] for e in entries]
