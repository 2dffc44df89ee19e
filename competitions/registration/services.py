"""Registration: entries, their members and documents, submission, withdrawal and review
(形式审查). One function per business action; pages and the JSON API both call these.

Access rules (see DESIGN.md): organizers see and change everything; a city association
sees its schools' entries and reviews them where the event asks for a city review; a
school coordinator sees and changes only its own school's entries, and only while
registration is open; anyone else gets 404 (an entry's existence is not revealed).
"""

from __future__ import annotations

import functools
from typing import Any, Iterable

from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from app import audit
from app.db import is_sqlite, write_transaction
from app.db import joined as db_joined
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import _, gettext_terms, list_separator, with_terms
from app.principal import Principal
from app.region_codes import region_code_of
from app.tables import School
from app.times import format_time, now
from competitions.events import lifecycle
from competitions.events.kinds import kind_of
from competitions.events.lifecycle import Stage
from competitions.events.services import DIVISION_LETTERS, divisions_of, get_event_row, kinds_of
from competitions.events.tables import DOCUMENT_KIND_LABELS, Category, Event
from competitions.registration.access import entry_readers
from competitions.registration.duplicates import (
    duplicates_message,
    entries_with_other_schools,
    entry_duplicates,
    note_checked,
)
from competitions.registration.members import CleanMember, MemberInput, clean_member, team_problems
from competitions.registration.quotas import ACTIVE_STATUSES as ACTIVE_STATUSES  # statuses that count against quotas
from competitions.registration.quotas import active_entries, school_quota_excess
from competitions.registration.tables import ENTRY_STATUS_LABELS, Entry, EntryDocument, Member

STATUS_LABELS = ENTRY_STATUS_LABELS  # the status words (tables.py: duplicates.py uses them too)
# statuses a school may still edit (approved entries are changed by the organizer only)
SCHOOL_EDITABLE = ("draft", "submitted", "returned")
MAX_TITLE_LENGTH = 200


# --------------------------------------------------------------------------- access


def can_manage_school(actor: Principal, school_id: int) -> bool:
    return actor.is_organizer or (actor.role == "school" and actor.school_id == school_id)


def joined(path: str) -> Any:
    """``Entry.<path>`` across foreign keys, made once (:func:`app.db.joined`)."""
    return db_joined(Entry, path)


@functools.cache
def _entry_columns() -> tuple[Any, ...]:
    """An entry's columns with its school's and category's codes and names (made once, see
    :func:`app.db.joined`)."""
    return (
        *Entry.all_columns(),
        joined("school.code").as_alias("school_code"),
        joined("school.name").as_alias("school_name"),
        joined("school.city").as_alias("city"),
        joined("school.region").as_alias("region_code"),
        joined("category.code").as_alias("category_code"),
        joined("category.name").as_alias("category_name"),
    )


async def _kind_of(event_id: Any) -> str:
    """The event's kind (its words in messages: a robotics event's 作品 is a 队伍, :func:`gettext_terms`)."""
    row = await Event.select(Event.kind).where(Event.id == event_id).first()
    return str(row["kind"]) if row else ""


async def _entry_row(entry_id: int) -> dict[str, Any]:
    row = await Entry.select(*_entry_columns()).where(Entry.id == entry_id).first()
    if row is None:
        raise NotFound(_("作品不存在或您无权查看。"))
    return row


async def visible_entry_row(actor: Principal, entry_id: int) -> dict[str, Any]:
    """The entry row if ``actor`` may see it, else :class:`NotFound` (404, never 403,
    so entry ids of other schools reveal nothing). Judges see their assigned entries."""
    row = await _entry_row(entry_id)
    if actor.can_see_school(row["school"], row["region_code"]):
        return row
    if actor.role == "judge" and await _judge_assigned(actor, entry_id):
        return row
    raise NotFound(gettext_terms("作品不存在或您无权查看。", await _kind_of(row["event"])))


async def _judge_assigned(actor: Principal, entry_id: int) -> bool:
    reader = entry_readers.for_role(actor.role)
    return reader is not None and await reader.can_read(actor, entry_id)


async def _editable_entry_row(actor: Principal, entry_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Entry and event rows if ``actor`` may change the entry now; raises NotFound/Forbidden/Conflict."""
    row = await visible_entry_row(actor, entry_id)
    if not can_manage_school(actor, row["school"]):
        raise Forbidden(gettext_terms("只有本校管理员或组委会可以修改作品。", await _kind_of(row["event"])))
    event = await get_event_row(row["event"])
    await require_registration_open(actor, event)
    if not actor.is_organizer:
        if row["status"] not in SCHOOL_EDITABLE:
            raise Conflict(
                gettext_terms(
                    "作品状态为“{status}”，学校不能再修改；如需更改请联系组委会。",
                    event["kind"],
                    status=_(STATUS_LABELS[row["status"]]),
                )
            )
    elif row["status"] == "withdrawn":
        raise Conflict(gettext_terms("作品已撤回，不能修改。", event["kind"]))
    return row, event


async def require_registration_open(actor: Principal, event: dict[str, Any]) -> None:
    """Entries of ``event`` (a row) may be added, changed or submitted by ``actor`` now:
    schools only while registration is open, organizers until judging starts
    (:mod:`competitions.events.lifecycle`). Raises :class:`Conflict` saying why not."""
    stage = await lifecycle.stage_of(event)
    if actor.is_organizer:
        if stage.judging_begun:
            raise Conflict(lifecycle.registration_closed_message(stage, None))
        return
    if stage is not Stage.OPEN:
        closes = event.get("registration_closes_at")  # named only when it is what closed registration
        raise Conflict(
            lifecycle.registration_closed_message(stage, format_time(closes) if closes and closes <= now() else None)
        )


# --------------------------------------------------------------------------- reading


def member_out(row: dict[str, Any], *, private: bool) -> dict[str, Any]:
    """A member for output. ``private`` (organizer, its city and school) adds gender,
    grade, masked ID and phone (:func:`app.security.mask_id_number`) and consents; judges and
    others get id, name and role only. The birth date is never listed: the grade says what a
    role needs, and a date beside even a masked ID narrows the number to a handful (the full
    export for organizers, audited, has it)."""
    data = {"id": row["id"], "name": row["name"], "role": row["role"]}
    if private:
        data.update(
            gender=row["gender"],
            grade=row["grade"],
            id_type=row["id_type"],
            id_masked=row["id_masked"],
            phone_masked=row["phone_masked"],
            consent_participation=row["consent_participation"],
            consent_publication=row["consent_publication"],
        )
    return data


def entry_out(row: dict[str, Any], members: list[dict[str, Any]], *, private: bool) -> dict[str, Any]:
    """Contract shape ``{"id", "code", "title", "school_code", "category_code", "division",
    "status", "members"}`` plus names, reason and times."""
    return {
        "id": row["id"],
        "event_id": row["event"],
        "code": row["code"],
        "title": row["title"],
        "school_code": row["school_code"],
        "school_name": row["school_name"],
        "city": row["city"],
        "category_code": row["category_code"],
        "category_name": row["category_name"],
        "division": row["division"],
        "status": row["status"],
        "status_label": _(STATUS_LABELS.get(row["status"], row["status"])),
        "return_reason": row["return_reason"] or None,
        "summary": row.get("summary") or "",
        "updated_at": row["updated_at"].isoformat() if row.get("updated_at") else None,
        "members": [member_out(m, private=private) for m in members],
    }


async def _members_by_entry(entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {i: [] for i in entry_ids}
    if not entry_ids:
        return grouped
    rows = (
        await Member.select(
            Member.id,
            Member.entry,
            Member.role,
            Member.name,
            Member.gender,
            Member.grade,
            Member.id_type,
            Member.id_masked,
            Member.phone_masked,
            Member.consent_participation,
            Member.consent_publication,
            Member.position,
        )
        .where(Member.entry.is_in(entry_ids))
        .order_by(Member.position)
        .order_by(Member.id)
    )
    for row in rows:
        grouped[row["entry"]].append(row)
    for members in grouped.values():
        members.sort(key=lambda m: (m["role"] != "student", m["position"], m["id"]))
    return grouped


def requirement_problems(
    event: dict[str, Any], required_documents: list[str], advisers: int, kinds_present: set[str]
) -> list[str]:
    """What an entry still lacks before it may be submitted (translated, in words): fewer
    advisers than the event's ``min_advisers``, and each required document kind with no file.
    ``required_documents`` is the category's list or else the event's."""
    problems = []
    fewest = event.get("min_advisers") or 0
    if advisers < fewest:
        problems.append(
            gettext_terms("至少需要 {n} 名辅导教师，现在有 {count} 名。", event.get("kind"), n=fewest, count=advisers)
        )
    for kind in required_documents:
        if kind not in kinds_present:
            problems.append(_("缺少{document}。", document=_(DOCUMENT_KIND_LABELS.get(kind, kind))))
    return problems


def member_problems(event: dict[str, Any], members: list[dict[str, Any]]) -> list[str]:
    """What an entry's members lack before submission (translated): the team size the event
    asks for (no student yet, too many) and each student's guardian consent to take part."""
    roles = [m["role"] for m in members]
    problems = team_problems(roles.count("student"), roles.count("adviser"), event)
    unconsented = _unconsented(members)
    if unconsented:
        problems.append(_consent_message(unconsented))
    return problems


async def _missing_by_entry(
    event: dict[str, Any],
    rows: list[dict[str, Any]],
    members: dict[int, list[dict[str, Any]]],
    categories: list[dict[str, Any]] | None = None,
) -> dict[int, list[str]]:
    """:func:`requirement_problems` of many entries of one event (two queries; one when the
    event's ``categories`` with their ``required_documents`` are given)."""
    if not rows:
        return {}
    if categories is None:
        categories = await Category.select(Category.id, Category.required_documents).where(
            Category.event == event["id"]
        )
    own = {r["id"]: kinds_of(r["required_documents"]) for r in categories}
    present: dict[int, set[str]] = {}
    for d in await EntryDocument.select(EntryDocument.entry, EntryDocument.kind).where(
        EntryDocument.entry.is_in([r["id"] for r in rows])
    ):
        present.setdefault(d["entry"], set()).add(d["kind"])
    event_list = kinds_of(event.get("required_documents")) or []
    result = {}
    for r in rows:
        required = own.get(r["category"])
        advisers = sum(1 for m in members.get(r["id"], []) if m["role"] == "adviser")
        result[r["id"]] = member_problems(event, members.get(r["id"], [])) + requirement_problems(
            event, event_list if required is None else required, advisers, present.get(r["id"], set())
        )
    return result


async def get_entry(actor: Principal, entry_id: int) -> dict[str, Any]:
    """One entry as :func:`entry_out`, for organizers, its city and school, and its
    assigned judges (names only). Raises :class:`NotFound` for anyone else. Organizers,
    cities and schools also get ``missing``: what the entry lacks before submission."""
    row = await visible_entry_row(actor, entry_id)
    members = (await _members_by_entry([entry_id]))[entry_id]
    private = actor.role in ("organizer", "city", "school")
    out = entry_out(row, members, private=private)
    if private:
        event = await get_event_row(row["event"])
        out["missing"] = (await _missing_by_entry(event, [row], {entry_id: members}))[entry_id]
    if actor.role in ("organizer", "city"):  # never for the school: see duplicates.py
        out["duplicates"] = await entry_duplicates(actor, row["event"], entry_id)
    return (await _as_reader_sees(actor, [out]))[0]


async def _as_reader_sees(actor: Principal, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries as a role with a reader (judges) may see them: the reader's optional ``view``
    hides what it must (blind review hides school and city, access.py)."""
    if actor.role in ("organizer", "city", "school"):
        return entries
    reader = entry_readers.for_role(actor.role)
    view = getattr(reader, "view", None)
    return await view(actor, entries) if view is not None else entries


# Sort orders of entry lists (pages and API): the key, and ``-key`` for the reverse. The default is the
# order results use: category (as the organizer arranged them), division (小学, 初中, 高中), code.
DIVISION_ORDER = ("小学", "初中", "高中")
ENTRY_SORTS = ("", "code", "title", "school", "status", "updated")
_DIVISION_RANK = QueryString(
    'CASE "entry"."division" ' + " ".join(f"WHEN '{d}' THEN {i}" for i, d in enumerate(DIVISION_ORDER)) + " ELSE 9 END"
)


def _order_by(query: Any, sort: str) -> Any:
    """``query`` ordered by ``sort`` (one of :data:`ENTRY_SORTS`, optionally with ``-``), ties by
    code then id so that pages never overlap or skip a row."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    asc = not descending
    if key == "code":
        query = query.order_by(Entry.code, ascending=asc)
    elif key == "title":
        query = query.order_by(Entry.title, ascending=asc)
    elif key == "school":
        query = query.order_by(joined("school.code"), ascending=asc)
    elif key == "status":
        query = query.order_by(Entry.status, ascending=asc)
    elif key == "updated":
        query = query.order_by(Entry.updated_at, ascending=asc)
    else:
        query = query.order_by(joined("category.position"), _DIVISION_RANK, ascending=asc)
    return query.order_by(Entry.code, Entry.id, ascending=asc)


async def _visible_where(actor: Principal, event_id: int, filters: dict[str, Any]) -> Any:
    """The SQL condition for the entries of ``event_id`` that ``actor`` may see and that match
    ``filters`` (all but ``missing``, which needs members and documents); ``None`` when the
    actor sees none."""
    where = Entry.event == event_id
    if actor.role == "school":
        where &= Entry.school == actor.school_id
    elif actor.role == "city":
        if not actor.region_code:
            return None
        where &= joined("school.region") == actor.region_code
    elif (reader := entry_readers.for_role(actor.role)) is not None:
        where &= Entry.id.is_in(await reader.entry_ids(actor, event_id) or [-1])
    elif not actor.is_organizer:
        raise Forbidden(gettext_terms("您的角色不能查看报名作品。", await _kind_of(event_id)))
    if "category" in filters:
        where &= joined("category.code") == str(filters["category"]).upper()
    if "division" in filters:
        where &= Entry.division == filters["division"]
    if "city" in filters:
        code = region_code_of(filters["city"])  # a region's name, short name or code
        where &= (joined("school.region") == code) if code else (joined("school.city") == filters["city"])
    if "school" in filters:
        where &= joined("school.code") == filters["school"]
    if "status" in filters:
        where &= Entry.status == filters["status"]
    if "q" in filters:  # the title, the code or a member's name (a student's, an adviser's), case ignored
        text = f"%{str(filters['q']).strip()}%"

        def contains(column: Any) -> Any:  # SQLite's LIKE already ignores (ASCII) case; PostgreSQL's does not
            return column.like(text) if is_sqlite() else column.ilike(text)

        named = Member.select(Member.entry).where((Member.event == event_id) & contains(Member.name))
        where &= contains(Entry.title) | contains(Entry.code) | Entry.id.is_in(named)
    return where


def _clean_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (filters or {}).items() if v not in (None, "")}


async def _lacking_ids(event: dict[str, Any], where: Any) -> tuple[list[int], dict[str, int]]:
    """Ids (in no order) and per-status counts of the entries matching ``where`` that lack
    what the event requires: three queries (entries, their members, their documents) however
    many entries match."""
    light = await Entry.select(Entry.id, Entry.category, Entry.status).where(where)
    members = await _members_by_entry([r["id"] for r in light])
    missing = await _missing_by_entry(event, light, members)
    ids, by_status = [], {}
    for r in light:
        if missing[r["id"]]:
            ids.append(r["id"])
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    return ids, by_status


async def entries_page(
    actor: Principal,
    event_id: int,
    filters: dict[str, Any] | None = None,
    *,
    sort: str = "",
    limit: int | None = None,
    offset: int = 0,
    event_row: dict[str, Any] | None = None,
    categories: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One page of the entries of an event that ``actor`` may see, filtered by any of
    ``category`` (code), ``division``, ``city``, ``school`` (code), ``status``, ``q`` (title, code
    or a student's or adviser's name contains, case ignored), ``missing`` (any true value: only entries lacking what the event requires),
    sorted by ``sort`` (:data:`ENTRY_SORTS`, ``-`` for the reverse; default category, division,
    code) and cut to ``limit`` rows from ``offset`` (``None``: all). Judges get their assigned
    entries only.

    Returns ``{"entries": [entry_out ...], "total", "by_status": {status: n}, "limit", "offset",
    "sort"}``: ``total`` and ``by_status`` count every matching entry, not only the page's. Filters,
    sort, count and page are done in SQL, and members, documents and requirements are read for the
    page's entries with IN queries, so the number of queries does not depend on the page size or
    on how many entries the event has. A page that has read the event's row (checked as visible to
    ``actor``) and its categories (:func:`competitions.events.services.list_categories`) passes
    them as ``event_row`` and ``categories`` and saves their queries."""
    event = event_row if event_row is not None and event_row["id"] == event_id else await get_event_row(event_id, actor)
    filters = _clean_filters(filters)
    sort = sort if sort.lstrip("-") in ENTRY_SORTS else ""
    offset = max(0, int(offset or 0))
    page = {"entries": [], "total": 0, "by_status": {}, "limit": limit, "offset": offset, "sort": sort}
    where = await _visible_where(actor, event_id, filters)
    if where is None:
        return page
    private = actor.role in ("organizer", "city", "school")
    if private and filters.get("missing"):
        lacking, by_status = await _lacking_ids(event, where)
        where = Entry.id.is_in(lacking or [-1])
    else:
        by_status = {
            r["status"]: r["count"]
            for r in await Entry.select(Entry.status, Count()).where(where).group_by(Entry.status)
        }
    page["by_status"] = by_status
    page["total"] = sum(by_status.values())
    query = _order_by(Entry.select(*_entry_columns()).where(where), sort)
    if limit is not None:
        query = query.limit(max(1, int(limit))).offset(offset)
    elif offset:
        query = query.offset(offset)
    rows = await query if page["total"] else []
    members = await _members_by_entry([r["id"] for r in rows])
    out = [entry_out(r, members[r["id"]], private=private) for r in rows]
    if private:
        missing = await _missing_by_entry(event, rows, members, categories)
        for entry in out:
            entry["missing"] = missing[entry["id"]]
    page["entries"] = await _as_reader_sees(actor, out)
    return page


async def entry_codes(actor: Principal, event_id: int) -> dict[str, int]:
    """``{entry code: entry id}`` of the entries of an event that ``actor`` may see (one query
    after the event's; no members or documents read)."""
    await get_event_row(event_id, actor)
    where = await _visible_where(actor, event_id, {})
    if where is None:
        return {}
    return {r["code"]: r["id"] for r in await Entry.select(Entry.id, Entry.code).where(where)}


async def list_entries(actor: Principal, event_id: int, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every entry of an event that ``actor`` may see, filtered as :func:`entries_page` (one page
    without a limit). Sorted by category, division, code."""
    return (await entries_page(actor, event_id, filters))["entries"]


@functools.cache
def _count_columns() -> tuple[Any, ...]:
    return (
        Entry.status,
        joined("category.name").as_alias("category_name"),
        Entry.division,
        joined("school.city").as_alias("city"),
    )


async def counts(
    actor: Principal, event_id: int, *, event_row: dict[str, Any] | None = None
) -> dict[str, dict[str, int]]:
    """Entry counts for the dashboard: ``{"category": {...}, "division": {...},
    "city": {...}, "status": {...}}`` over the entries ``actor`` may see (withdrawn ones
    only under status). One grouped query, whatever the number of entries (and one for the event
    unless its row, checked as visible to ``actor``, is given as ``event_row``)."""
    if event_row is None or event_row["id"] != event_id:
        await get_event_row(event_id, actor)
    result: dict[str, dict[str, int]] = {"category": {}, "division": {}, "city": {}, "status": {}}
    where = await _visible_where(actor, event_id, {})
    if where is None:
        return result
    rows = (
        await Entry.select(*_count_columns(), Count())
        .where(where)
        .group_by(Entry.status, joined("category.name"), Entry.division, joined("school.city"))
    )
    for row in rows:
        n = row["count"]
        result["status"][row["status"]] = result["status"].get(row["status"], 0) + n
        if row["status"] == "withdrawn":
            continue
        for key, value in (("category", row["category_name"]), ("division", row["division"]), ("city", row["city"])):
            result[key][value] = result[key].get(value, 0) + n
    return result


# --------------------------------------------------------------------------- validation helpers


async def resolve_category(event_id: int, value: Any) -> dict[str, Any]:
    """A category of the event by id, code or name; raises :class:`ValidationFailed`."""
    categories = (
        await Category.select().where(Category.event == event_id).order_by(Category.position).order_by(Category.id)
    )
    text = str(value or "").strip()
    for cat in categories:
        if text and (str(cat["id"]) == text or cat["code"].upper() == text.upper() or cat["name"] == text):
            return cat
    raise ValidationFailed(
        _(
            "类别“{value}”不存在，请从以下类别中选择：{names}。",
            value=text,
            names="、".join(f"{c['code']} {c['name']}" for c in categories),
        ),
        errors=[{"field": "category", "message": _("请选择类别。")}],
    )


def check_division(event: dict[str, Any], division: Any) -> str:
    text = str(division or "").strip()
    divisions = divisions_of(event["divisions"])
    if text not in divisions:
        raise ValidationFailed(
            _("组别“{value}”无效，本赛事的组别为：{divisions}。", value=text, divisions="、".join(divisions)),
            errors=[{"field": "division", "message": _("请选择组别。")}],
        )
    return text


def clean_title(value: Any, kind: str | None = None) -> str:
    from app.exports.workbook import clean_text
    from app.text import name_problem

    title = clean_text(value)
    if not title:
        message = gettext_terms("请填写作品名称。", kind)
        raise ValidationFailed(message, errors=[{"field": "title", "message": message}])
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(gettext_terms("作品名称不能超过 {n} 个字符。", kind, n=MAX_TITLE_LENGTH))
    if problem := name_problem(title, gettext_terms("作品名称", kind)):
        raise ValidationFailed(problem, errors=[{"field": "title", "message": problem}])
    return title


async def quota_problem(
    event_id: int, school_id: int, category: dict[str, Any], *, adding: int = 1, exclude_entry: int | None = None
) -> str | None:
    """A translated message if ``adding`` more entries of ``school_id`` in ``category``
    would exceed the per-school quota (``None`` quota = no limit), else ``None``
    (:mod:`competitions.registration.quotas`, the check the workbook import uses too)."""
    if category.get("school_quota") is None:
        return None
    existing = await active_entries(event_id, school_id, category["id"], exclude_entry=exclude_entry)
    excess = school_quota_excess(category, existing, adding)
    return excess.message() if excess else None


async def allocate_codes(event_id: int, category_code: str, divisions: list[str]) -> list[str]:
    """Reserve entry codes (``PH-J0007``: category, division letter, event-wide sequence)
    for entries in ``divisions`` order; atomic under concurrency (UPDATE ... RETURNING)."""
    n = len(divisions)
    result = (
        await Event.update({Event.next_entry_seq: Event.next_entry_seq + n})
        .where(Event.id == event_id)
        .returning(Event.next_entry_seq)
    )
    end = result[0]["next_entry_seq"]
    return [
        f"{category_code}-{DIVISION_LETTERS.get(d, 'X')}{seq:04d}" for d, seq in zip(divisions, range(end - n, end))
    ]


async def lock_event(event_id: int) -> None:
    """Serialise registration writes of one event. Call first inside a write transaction,
    then re-check what counts existing rows (quotas, duplicate students, team size): the
    checks then see every committed change. On SQLite ``BEGIN IMMEDIATE`` already
    serialises writers; on PostgreSQL this locks the event row until commit."""
    from app.db import is_sqlite

    if not is_sqlite():
        await Event.select(Event.id).where(Event.id == event_id).lock_rows()


async def duplicate_students(
    event_id: int,
    hashes: Iterable[str],
    exclude_entry_ids: Iterable[int] = (),
    viewer: Principal | None = None,
) -> dict[str, dict[str, Any]]:
    """Students of the event already registered with these keyed hashes:
    ``{hash: {"entry_code", "entry_title", "school_name", "school_id"}}`` (withdrawn entries excluded).

    A school account (``viewer``) is asked about its own school's entries only, in the query
    itself: the answer, its wording and its timing are the same whether or not another school
    registered the student. Answering "another school registered this ID number" let a school
    test ID numbers it did not know and rebuild other schools' students' numbers (issue 11).
    A student registered by two schools is the organizers' to settle
    (:mod:`competitions.registration.duplicates`). Organizers (and a ``None`` viewer) see every school."""
    hashes = [h for h in hashes if h]
    if not hashes:
        return {}
    where = (Member.event == event_id) & Member.student_key.is_in(hashes)
    if viewer is not None and viewer.role == "school":
        where &= Member.school == viewer.school_id
    rows = await Member.select(
        Member.student_key,
        Member.entry,
        Member.entry.code.as_alias("entry_code"),
        Member.entry.title.as_alias("entry_title"),
        Member.entry.school.as_alias("school_id"),
        Member.entry.school.name.as_alias("school_name"),
    ).where(where)
    excluded = set(exclude_entry_ids)
    return {r["student_key"]: r for r in rows if r["entry"] not in excluded}


def _duplicate_message(name: str, found: dict[str, Any], kind: str | None = None) -> str:
    return gettext_terms(
        "学生“{name}”已报名本赛事的作品“{title}”（{code}，{school}），每名学生只能参加一个作品。",
        kind,
        name=name,
        title=found["entry_title"],
        code=found["entry_code"],
        school=found["school_name"],
    )


def _member_errors(errors: list[tuple[str, str]]) -> ValidationFailed:
    from competitions.registration.members import FIELD_LABELS

    message = "；".join(f"{_(FIELD_LABELS.get(f, f))}：{m}" for f, m in errors)
    return ValidationFailed(message, errors=[{"field": f, "message": m} for f, m in errors])


# --------------------------------------------------------------------------- entries


async def create_entry(
    actor: Principal,
    event_id: int,
    data: dict[str, Any],
    members: list[MemberInput] | None = None,
) -> dict[str, Any]:
    """Create an entry ``{"title", "category" (id/code/name), "division", "summary"?,
    "school_code"? (organizers)}`` with optional members.

    A school's entry starts as a draft (it submits with :func:`submit_entry`); an
    organizer's entry is approved at once (CONTRACT.md). Raises :class:`ValidationFailed`
    (bad field, quota, duplicate student, team size), :class:`Conflict` (registration
    closed), :class:`Forbidden` (role).
    """
    event = await get_event_row(event_id, actor)
    if kind_of(event["kind"]).applications:  # a camp's entry is an application: its own form checks grade and 志愿
        raise Conflict(
            _(
                "本活动通过申请报名（每份申请一名学生，填写志愿），不能在这里登记：请使用申请表单或上传报名表（{path}）。",
                path=kind_of(event["kind"]).apply_path.format(id=event_id),
            )
        )
    await require_registration_open(actor, event)
    if actor.role == "school":
        school_id = actor.school_id
    elif actor.is_organizer:
        code = str(data.get("school_code") or "").strip()
        school = await School.select(School.id).where(School.code == code).first() if code else None
        if school is None:
            raise ValidationFailed(
                gettext_terms("请填写作品所属学校的代码。", event["kind"]),
                errors=[{"field": "school_code", "message": _("学校代码不存在。")}],
            )
        school_id = school["id"]
    else:
        raise Forbidden(gettext_terms("只有学校管理员或组委会可以登记作品。", event["kind"]))
    title = clean_title(data.get("title"), event["kind"])
    category = await resolve_category(
        event_id, data.get("category") or data.get("category_code") or data.get("category_id")
    )
    division = check_division(event, data.get("division"))
    if await Entry.exists().where(
        (Entry.event == event_id) & (Entry.school == school_id) & (Entry.title == title) & (Entry.status != "withdrawn")
    ):
        raise ValidationFailed(
            gettext_terms("本校已有名为“{title}”的作品，请换一个名称，或直接修改原作品。", event["kind"], title=title),
            errors=[{"field": "title", "message": gettext_terms("作品名称重复。", event["kind"])}],
        )
    problem = await quota_problem(event_id, school_id, category)
    if problem:
        raise ValidationFailed(problem, errors=[{"field": "category", "message": problem}])
    cleaned: list[CleanMember] = []
    for member in members or []:
        result, errors = clean_member(member, division)
        if errors:
            raise _member_errors(errors)
        cleaned.append(result)
    _check_team_limits(event, cleaned, final=False)
    await note_checked(actor, event_id, [m.id_hash for m in cleaned if m.role == "student"])
    dupes = await duplicate_students(event_id, [m.id_hash for m in cleaned if m.role == "student"], viewer=actor)
    for m in cleaned:
        if m.role == "student" and m.id_hash in dupes:
            raise ValidationFailed(_duplicate_message(m.name, dupes[m.id_hash], event["kind"]))
    status = "approved" if actor.is_organizer else "draft"

    async def work() -> int:
        # checked again under the event lock: concurrent requests must not pass the quota
        # or register one student twice
        await lock_event(event_id)
        problem = await quota_problem(event_id, school_id, category)
        if problem:
            raise ValidationFailed(problem, errors=[{"field": "category", "message": problem}])
        dupes = await duplicate_students(event_id, [m.id_hash for m in cleaned if m.role == "student"], viewer=actor)
        for m in cleaned:
            if m.role == "student" and m.id_hash in dupes:
                raise ValidationFailed(_duplicate_message(m.name, dupes[m.id_hash], event["kind"]))
        code = (await allocate_codes(event_id, category["code"], [division]))[0]
        entry = Entry(
            event=event_id,
            code=code,
            title=title,
            school=school_id,
            category=category["id"],
            division=division,
            status=status,
            summary=str(data.get("summary") or "").strip()[:2000],
            created_by=actor.id,
            reviewed_at=now() if status == "approved" else None,
        )
        await entry.save()
        await _insert_members(actor, event_id, school_id, entry.id, cleaned)
        await audit.record(
            actor,
            "entry.create",
            "entry",
            entry.id,
            event_id=event_id,
            entry_id=entry.id,
            school_id=school_id,
            summary=f"{code} {title}",
            changes={"status": [None, status], "members": [None, [m.audit_view() for m in cleaned]]},
        )
        return entry.id

    entry_id = await write_transaction(work)
    return await get_entry(actor, entry_id)


def _check_team_limits(
    event: dict[str, Any], members: list[CleanMember] | list[dict[str, Any]], *, final: bool
) -> None:
    roles = [m.role if isinstance(m, CleanMember) else m["role"] for m in members]
    students, advisers = roles.count("student"), roles.count("adviser")
    problems = team_problems(students, advisers, event)
    if not final:  # while drafting only the upper limits apply
        problems = [
            p
            for p in problems
            if p not in team_problems(students, 0, {**event, "max_team_size": 99, "max_advisers": 99})
        ]
    if problems:
        raise ValidationFailed("；".join(problems))


async def _insert_members(
    actor: Principal, event_id: int, school_id: int, entry_id: int, members: list[CleanMember], start: int = 0
) -> list[int]:
    if not members:
        return []
    stamp = now()
    rows = [
        Member(
            entry=entry_id,
            event=event_id,
            school=school_id,
            position=start + i,
            consent_recorded_by=actor.id if m.role == "student" else None,
            consent_recorded_at=stamp if m.role == "student" else None,
            **m.columns(),
        )
        for i, m in enumerate(members)
    ]
    result = await Member.insert(*rows).returning(Member.id)
    return [r["id"] for r in result]


async def update_entry(actor: Principal, entry_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change title, category, division or summary of an entry (school while open and
    not yet approved; organizer any time). Division changes re-check members' grades."""
    row, event = await _editable_entry_row(actor, entry_id)
    values: dict[str, Any] = {}
    if "title" in data:
        title = clean_title(data["title"], event["kind"])
        if title != row["title"]:
            if await Entry.exists().where(
                (Entry.event == row["event"])
                & (Entry.school == row["school"])
                & (Entry.title == title)
                & (Entry.status != "withdrawn")
                & (Entry.id != entry_id)
            ):
                raise ValidationFailed(
                    gettext_terms("本校已有名为“{title}”的作品，请换一个名称。", event["kind"], title=title)
                )
            values["title"] = title
    if data.get("category") not in (None, "") or data.get("category_code") not in (None, ""):
        category = await resolve_category(row["event"], data.get("category") or data.get("category_code"))
        if category["id"] != row["category"]:
            problem = await quota_problem(row["event"], row["school"], category, exclude_entry=entry_id)
            if problem:
                raise ValidationFailed(problem)
            values["category"] = category["id"]
    if data.get("division") not in (None, ""):
        division = check_division(event, data["division"])
        if division != row["division"]:
            from competitions.registration.members import division_of_grade

            grades = await Member.select(Member.name, Member.grade).where(
                (Member.entry == entry_id) & (Member.role == "student")
            )
            for m in grades:
                grade_division = division_of_grade(m["grade"])
                if grade_division and grade_division != division:
                    raise ValidationFailed(
                        _(
                            "学生“{name}”的年级“{grade}”属于{grade_division}，不能改为{division}组。",
                            name=m["name"],
                            grade=m["grade"],
                            grade_division=grade_division,
                            division=division,
                        )
                    )
            values["division"] = division
    if "summary" in data:
        values["summary"] = str(data["summary"] or "").strip()[:2000]
    if not values:
        return await get_entry(actor, entry_id)
    values["updated_at"] = now()

    async def work() -> None:
        if "category" in values:  # quota re-checked under the event lock
            await lock_event(row["event"])
            problem = await quota_problem(row["event"], row["school"], category, exclude_entry=entry_id)
            if problem:
                raise ValidationFailed(problem)
        await Entry.update({getattr(Entry, k): v for k, v in values.items()}).where(Entry.id == entry_id)
        await audit.record(
            actor,
            "entry.update",
            "entry",
            entry_id,
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            changes=audit.diff(
                {k: row.get(k) for k in values if k != "updated_at"},
                {k: v for k, v in values.items() if k != "updated_at"},
            ),
        )

    await write_transaction(work)
    return await get_entry(actor, entry_id)


async def submit_entry(actor: Principal, entry_id: int) -> dict[str, Any]:
    """Submit a draft or returned entry for review. Checks team size, that every student's
    guardian consent to take part is recorded, and the school quota. A school's entry
    becomes ``submitted``; an organizer's goes straight to ``approved``."""
    row, event = await _editable_entry_row(actor, entry_id)
    if row["status"] not in ("draft", "returned") and not (actor.is_organizer and row["status"] == "submitted"):
        raise Conflict(
            gettext_terms("作品状态为“{status}”，不需要再提交。", event["kind"], status=_(STATUS_LABELS[row["status"]]))
        )
    members = (await _members_by_entry([entry_id]))[entry_id]
    # every problem at once (the school fixes them in one go); the organizer may accept an entry
    # without its advisers or documents (a reviewer sees the list), never without students or consent
    missing = (
        member_problems(event, members)
        if actor.is_organizer
        else (await _missing_by_entry(event, [row], {entry_id: members}))[entry_id]
    )
    if missing:
        raise ValidationFailed(
            gettext_terms("作品还不能提交：{problems} 请补齐后再提交。", event["kind"], problems=" ".join(missing)),
            errors=[{"field": "requirements", "message": m} for m in missing],
        )
    new_status = "approved" if actor.is_organizer else "submitted"

    async def work() -> None:
        await Entry.update({Entry.status: new_status, Entry.submitted_at: now(), Entry.updated_at: now()}).where(
            Entry.id == entry_id
        )
        await audit.record(
            actor,
            "entry.submit",
            "entry",
            entry_id,
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            changes={"status": [row["status"], new_status]},
        )

    await write_transaction(work)
    return await get_entry(actor, entry_id)


async def withdraw_entry(actor: Principal, entry_id: int, reason: str = "") -> dict[str, Any]:
    """Withdraw an entry (school while open; organizer any time). Its students become
    free to register in another entry; the entry and its history are kept."""
    row, _event = await _editable_entry_row(actor, entry_id)

    async def work() -> None:
        await Entry.update({Entry.status: "withdrawn", Entry.updated_at: now()}).where(Entry.id == entry_id)
        await Member.update({Member.student_key: None}).where(Member.entry == entry_id)
        await audit.record(
            actor,
            "entry.withdraw",
            "entry",
            entry_id,
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            changes={"status": [row["status"], "withdrawn"]},
            reason=(reason or "").strip(),
        )

    await write_transaction(work)
    return await get_entry(actor, entry_id)


def _checked_decision(decision: str, reason: str | None, kind: str | None = None) -> str:
    """A review decision's input checked once for one entry or many: ``approve`` or ``return``,
    a return with the reason the school sees. Returns the stripped reason; raises :class:`ValidationFailed`."""
    if decision not in ("approve", "return"):
        raise ValidationFailed(_("审查结论必须是 approve（通过）或 return（退回）。"))
    reason = (reason or "").strip()
    if decision == "return" and not reason:
        raise ValidationFailed(
            gettext_terms("退回作品时必须填写原因，学校会看到这段说明。", kind),
            errors=[{"field": "reason", "message": _("请填写退回原因。")}],
        )
    return reason


async def review_entry(
    actor: Principal,
    entry_id: int,
    decision: str,
    reason: str | None = None,
    *,
    confirm_duplicates: bool = False,
) -> dict[str, Any]:
    """形式审查. ``decision`` is ``approve`` or ``return``; a return needs a ``reason``
    the school will see.

    An approval needs every student's consent and the team size the event asks for, at least one
    student (:func:`_require_team`: an entry without students gets no certificate). An entry with
    a student whom another school registered too (:mod:`.duplicates`) is not
    approved (or recommended) silently: without ``confirm_duplicates`` it raises
    :class:`Conflict` naming the other entries (``extra.duplicates``), as the reviewer may see
    them; with it, the approval's audit row names them.

    A city (for its own schools, where the event asks for a city review) moves a
    ``submitted`` entry to ``recommended`` within the category's per-city quota, or
    returns it. An organizer approves (from submitted, recommended, returned or draft) or
    returns (from submitted, recommended or approved). Raises :class:`ValidationFailed`,
    :class:`Conflict` for a status that does not allow the decision, :class:`NotFound`.
    """
    if decision == "return" and not (reason or "").strip():  # the refusal in the event's words
        entry = await Entry.select(Entry.event).where(Entry.id == entry_id).first()
        _checked_decision(decision, reason, await _kind_of(entry["event"]) if entry else None)
    reason = _checked_decision(decision, reason)
    row = await visible_entry_row(actor, entry_id)
    event = await get_event_row(row["event"])
    stage = await lifecycle.stage_of(event)
    if stage.judging_begun:
        raise Conflict(
            gettext_terms(
                "本赛事已开始评审（{stage}），形式审查已结束，作品状态不能再改变。", event["kind"], stage=_(stage.label)
            )
        )
    current = row["status"]
    new_status = _review_move(actor, event, current, decision)
    if actor.role == "city" and new_status == "recommended" and current != "recommended":
        await _check_city_quota(row)
    duplicates: list[dict[str, Any]] = []
    if decision == "approve":
        members = (await _members_by_entry([entry_id]))[entry_id]
        _require_consent(members)
        _require_team(event, row, members)
        duplicates = await entry_duplicates(actor, row["event"], entry_id)
        if duplicates and not confirm_duplicates:
            raise Conflict(
                _(
                    "{problems}。请先与两校核实，确认无误后勾选“已核实重复报名”再通过。",
                    problems=duplicates_message(duplicates),
                ),
                extra={"duplicates": duplicates},
            )
    stamp = now()
    values = {
        Entry.status: new_status,
        Entry.updated_at: stamp,
        Entry.return_reason: reason if decision == "return" else "",
    }
    if actor.role == "city":
        values[Entry.city_reviewed_at] = stamp
    else:
        values[Entry.reviewed_at] = stamp

    async def work() -> None:
        if actor.role == "city" and new_status == "recommended" and current != "recommended":
            await lock_event(row["event"])
            await _check_city_quota(row)  # again under the lock: concurrent recommendations
        # only the entry as it was read and checked: a school's edit or withdrawal meanwhile must
        # not be approved on the strength of the old checks
        if not await _unchanged_since_read([row]):
            raise Conflict(gettext_terms("作品刚刚被修改，没有审查，请刷新后重试。", event["kind"]))
        await Entry.update(values).where(Entry.id == entry_id)
        await audit.record(
            actor,
            f"entry.review.{decision}",
            "entry",
            entry_id,
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            changes={"status": [current, new_status]}
            | ({"duplicates_confirmed": sorted({d["entry_code"] for d in duplicates})} if duplicates else {}),
            reason=reason,
        )

    await write_transaction(work)
    return await get_entry(actor, entry_id)


def awaiting_review(actor: Principal, event: dict[str, Any]) -> tuple[str, ...]:
    """The statuses of entries waiting for ``actor``'s review: a city's are ``submitted``; an
    organizer's are ``recommended`` where the event asks cities first, else ``submitted``."""
    if actor.role == "city":
        return ("submitted",) if event["city_review_required"] else ()
    if actor.is_organizer:
        return ("recommended",) if event["city_review_required"] else ("submitted", "recommended")
    return ()


async def next_for_review(actor: Principal, event_id: int, after_code: str = "") -> dict[str, Any] | None:
    """The next entry (by code, after ``after_code``, wrapping round) waiting for ``actor``'s
    review as ``{"id", "code"}``, or ``None`` when none is left (at most two small queries)."""
    event = await get_event_row(event_id, actor)
    statuses = awaiting_review(actor, event)
    where = await _visible_where(actor, event_id, {})
    if where is None or not statuses:
        return None
    where &= Entry.status.is_in(list(statuses))
    query = Entry.select(Entry.id, Entry.code).order_by(Entry.code).order_by(Entry.id)
    return await query.where(where & (Entry.code > after_code)).first() or await query.where(where).first()


async def review_entries(
    actor: Principal, event_id: int, entry_ids: list[int], decision: str, reason: str | None = None
) -> dict[str, Any]:
    """形式审查 of many entries with one decision (a reviewer's "select many" or "approve all
    shown"): ``{"reviewed": [entry ids], "skipped": [{"entry_id", "code", "detail"}]}``, skipped
    ones with the reason in words — each entry is checked as :func:`review_entry` checks it (its
    status, consent; an approval also needs everything the school must supply, else it is opened
    one by one; a city's recommendations stay within the category's quota). An entry of another
    event, or one ``actor`` may not see, is skipped as not found.

    Set-based, for thousands of entries in well under a second or two (``bench/bulk_review.py``):
    the entries, members and documents are read at once, and the decided ones change in one write
    transaction — one conditional UPDATE per current status and the audit rows in one insert —
    all or nothing: if an entry changed meanwhile, nothing is changed and :class:`Conflict` says
    so. Raises :class:`ValidationFailed` for a bad decision, a return without reason or no
    entries, before anything is changed."""
    kind = await _kind_of(event_id)
    reason = _checked_decision(decision, reason, kind)
    ids = list(dict.fromkeys(int(i) for i in entry_ids))
    if not ids:
        message = gettext_terms("请至少选择一个作品。", kind)
        raise ValidationFailed(message, errors=[{"field": "entry_ids", "message": message}])
    event = await get_event_row(event_id, actor)
    stage = await lifecycle.stage_of(event)
    if stage.judging_begun:
        raise Conflict(
            gettext_terms(
                "本赛事已开始评审（{stage}），形式审查已结束，作品状态不能再改变。", event["kind"], stage=_(stage.label)
            )
        )
    rows: dict[int, dict[str, Any]] = {}
    for first in range(0, len(ids), _IN_CHUNK):
        for r in await Entry.select(*_entry_columns()).where(Entry.id.is_in(ids[first : first + _IN_CHUNK])):
            rows[r["id"]] = r
    skipped: dict[int, str] = {}
    visible = []
    for entry_id in ids:
        row = rows.get(entry_id)
        if row is None or row["event"] != event_id or not actor.can_see_school(row["school"], row["region_code"]):
            skipped[entry_id] = gettext_terms("作品不存在或您无权查看。", event["kind"])
        else:
            visible.append(row)
    members = await _members_by_entry([r["id"] for r in visible])
    lacking = await _missing_by_entry(event, visible, members) if decision == "approve" else {}
    doubled = (
        await entries_with_other_schools(actor, event_id, [r["id"] for r in visible])
        if decision == "approve"
        else set()
    )
    decided: list[tuple[dict[str, Any], str]] = []  # (row, new status)
    for row in visible:
        try:
            new_status = _review_move(actor, event, row["status"], decision)
            if decision == "approve":  # one by one only: a reviewer must see what is missing first
                if lacking[row["id"]]:
                    raise Conflict(
                        gettext_terms(
                            "材料不全（{problems}），请打开作品逐个审查。",
                            event["kind"],
                            problems=" ".join(lacking[row["id"]]),
                        )
                    )
                _require_consent(members[row["id"]])
                if row["id"] in doubled:  # a student another school registered too: as review_entry says it
                    found = await entry_duplicates(actor, event_id, row["id"])
                    raise Conflict(
                        _(
                            "{problems}。请先与两校核实，确认无误后勾选“已核实重复报名”再通过。",
                            problems=duplicates_message(found),
                        )
                    )
        except (Conflict, Forbidden, ValidationFailed) as exc:
            skipped[row["id"]] = exc.message
        else:
            decided.append((row, new_status))
    stamp = now()

    async def work() -> list[tuple[dict[str, Any], str]]:
        chosen = decided
        if actor.role == "city" and decision == "approve":
            await lock_event(event_id)
            chosen = await _within_city_quotas(decided, skipped)  # under the lock: concurrent recommendations
        by_status: dict[str, list[int]] = {}
        for row, _new in chosen:
            by_status.setdefault(row["status"], []).append(row["id"])
        values = {
            Entry.status: chosen[0][1] if chosen else "",
            Entry.updated_at: stamp,
            Entry.return_reason: reason if decision == "return" else "",
            Entry.city_reviewed_at if actor.role == "city" else Entry.reviewed_at: stamp,
        }
        # changed since it was read (another status, or its students edited): decide nothing
        if not await _unchanged_since_read([row for row, _new in chosen]):
            raise Conflict(gettext_terms("有作品刚刚被修改，没有审查任何作品，请刷新后重试。", event["kind"]))
        for current, group in by_status.items():
            for first in range(0, len(group), _IN_CHUNK):
                await Entry.update(values).where(
                    Entry.id.is_in(group[first : first + _IN_CHUNK]) & (Entry.status == current)
                )
        await audit.record_many(
            actor,
            [
                audit.AuditRecord(
                    action=f"entry.review.{decision}",
                    object_type="entry",
                    object_id=row["id"],
                    changes={"status": [row["status"], new_status]},
                    reason=reason,
                    event_id=event_id,
                    entry_id=row["id"],
                    school_id=row["school"],
                )
                for row, new_status in chosen
            ],
            at=stamp,
        )
        return chosen

    chosen = await write_transaction(work) if decided else []
    reviewed = {row["id"] for row, _new in chosen}
    codes = {i: r["code"] for i, r in rows.items()}
    return {
        "reviewed": [i for i in ids if i in reviewed],
        "skipped": [{"entry_id": i, "code": codes.get(i, ""), "detail": skipped[i]} for i in ids if i in skipped],
    }


_IN_CHUNK = 500  # ids per ``IN (...)``: well inside SQLite's and PostgreSQL's parameter limits


async def _unchanged_since_read(rows: list[dict[str, Any]]) -> bool:
    """Inside a write transaction: whether the entries ``rows`` (as read before it, with their
    checks) still have the status and ``updated_at`` they were read with. Every change of an entry
    or of its members moves ``updated_at``. On PostgreSQL the rows stay locked until the transaction
    ends (``FOR UPDATE``); SQLite's write transaction already keeps every other writer out."""
    from app.db import is_sqlite

    read = {r["id"]: (r["status"], r["updated_at"]) for r in rows}
    ids = list(read)
    for first in range(0, len(ids), _IN_CHUNK):
        query = Entry.select(Entry.id, Entry.status, Entry.updated_at).where(
            Entry.id.is_in(ids[first : first + _IN_CHUNK])
        )
        if not is_sqlite():
            query = query.lock_rows()
        now_rows = await query
        if len(now_rows) != len(ids[first : first + _IN_CHUNK]):
            return False
        if any(read[r["id"]] != (r["status"], r["updated_at"]) for r in now_rows):
            return False
    return True


def _review_move(actor: Principal, event: dict[str, Any], current: str, decision: str) -> str:
    """The status a review ``decision`` by ``actor`` moves an entry from ``current`` to (see
    :func:`review_entry`); raises :class:`Forbidden` or :class:`Conflict` saying why not."""
    if actor.role == "city":
        if not event["city_review_required"]:
            raise Forbidden(gettext_terms("本赛事不需要市县推荐，作品由组委会直接审查。", event["kind"]))
        if current not in ("submitted", "recommended"):
            raise Conflict(
                gettext_terms("作品状态为“{status}”，市县不能审查。", event["kind"], status=_(STATUS_LABELS[current]))
            )
        return "recommended" if decision == "approve" else "returned"
    if actor.is_organizer:
        allowed = (
            ("submitted", "recommended", "returned", "draft")
            if decision == "approve"
            else ("submitted", "recommended", "approved")
        )
        if current not in allowed:
            raise Conflict(
                gettext_terms(
                    "作品状态为“{status}”，不能{action}。",
                    event["kind"],
                    status=_(STATUS_LABELS[current]),
                    action=_("通过") if decision == "approve" else _("退回"),
                )
            )
        return "approved" if decision == "approve" else "returned"
    raise Forbidden(gettext_terms("只有组委会或市县科协可以审查作品。", event["kind"]))


async def _within_city_quotas(
    decided: list[tuple[dict[str, Any], str]], skipped: dict[int, str]
) -> list[tuple[dict[str, Any], str]]:
    """The city's recommendations of :func:`review_entries` that fit each category's per-city
    quota (in the order given); the others go to ``skipped`` with :func:`_check_city_quota`'s
    message. Already recommended entries use no more of it. One count per category and city."""
    category_ids = list({row["category"] for row, _new in decided})
    categories = {
        c["id"]: c
        for c in await Category.select(Category.id, Category.name, Category.city_quota).where(
            Category.id.is_in(category_ids)
        )
    }
    used: dict[tuple[int, str], int] = {}
    kept = []
    for row, new_status in decided:
        category = categories[row["category"]]
        if row["status"] == "recommended" or category["city_quota"] is None:
            kept.append((row, new_status))
            continue
        key = (row["category"], row.get("region_code") or row["city"])
        if key not in used:
            used[key] = await _city_quota_used(row)
        if used[key] >= category["city_quota"]:
            skipped[row["id"]] = _city_quota_full(category, row, used[key]).message
            continue
        used[key] += 1
        kept.append((row, new_status))
    return kept


async def _check_city_quota(row: dict[str, Any]) -> None:
    """Raise :class:`ValidationFailed` if the entry's city has used its recommendation
    quota in the entry's category (``None`` = no limit)."""
    category = await Category.select().where(Category.id == row["category"]).first()
    if category["city_quota"] is None:
        return
    used = await _city_quota_used(row)
    if used >= category["city_quota"]:
        raise _city_quota_full(category, row, used)


async def _city_quota_used(row: dict[str, Any]) -> int:
    """How many entries of ``row``'s event and category its city has recommended (or had approved)."""
    same_city = (
        (Entry.school.region == row["region_code"]) if row.get("region_code") else (Entry.school.city == row["city"])
    )
    return await Entry.count().where(
        (Entry.event == row["event"])
        & (Entry.category == row["category"])
        & same_city
        & Entry.status.is_in(["recommended", "approved"])
    )


def _city_quota_full(category: dict[str, Any], row: dict[str, Any], used: int) -> ValidationFailed:
    return ValidationFailed(
        _(
            "“{category}”类别每个市县最多推荐 {quota} 个作品，{city}已推荐 {used} 个。",
            category=category["name"],
            quota=category["city_quota"],
            city=row["city"],
            used=used,
        )
    )


# --------------------------------------------------------------------------- members


def _unconsented(members: list[dict[str, Any]]) -> list[str]:
    return [m["name"] for m in members if m["role"] == "student" and not m["consent_participation"]]


def _consent_message(names: list[str]) -> str:
    return _(
        "以下学生尚未确认监护人同意参赛：{names}。请在学生信息中勾选“监护人已同意参加本次活动”。",
        names=list_separator().join(names),
    )


def _require_consent(members: list[dict[str, Any]]) -> None:
    """Every student's guardian consent to take part must be recorded (submission and approval)."""
    missing = _unconsented(members)
    if missing:
        raise ValidationFailed(_consent_message(missing))


def _require_team(event: dict[str, Any], row: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """An entry is approved (or recommended) only with the students the event asks for: an entry
    without a student would be judged and ranked, and then get no certificate at all (certificates
    go to students). 422 naming the entry and what it lacks."""
    roles = [m["role"] for m in members]
    problems = [
        with_terms(p, event["kind"]) for p in team_problems(roles.count("student"), roles.count("adviser"), event)
    ]
    if problems:
        message = gettext_terms(
            "作品“{title}”（{code}）还不能通过审查：{problems}",
            event["kind"],
            title=row["title"],
            code=row["code"],
            problems=" ".join(problems),
        )
        raise ValidationFailed(message, errors=[{"field": "requirements", "message": p} for p in problems])


def _consent_for_submitted(row: dict[str, Any], member: CleanMember, kind: str | None = None) -> None:
    """A student added to or changed in an entry already under review or approved needs
    the guardian's consent at once (submission checked it only for the students then)."""
    if member.role == "student" and row["status"] not in ("draft", "returned") and not member.consent_participation:
        raise ValidationFailed(
            gettext_terms(
                "作品已提交审查，新加入或修改的学生必须先确认监护人同意参赛：请勾选“监护人已同意参加本次活动”。", kind
            ),
            errors=[{"field": "consent_participation", "message": _("请确认监护人已同意参加本次活动。")}],
        )


async def add_member(actor: Principal, entry_id: int, member: MemberInput) -> dict[str, Any]:
    """Add a student or adviser to an entry. Raises :class:`ValidationFailed` for bad
    fields, a full team or a student already in another entry of the event."""
    row, event = await _editable_entry_row(actor, entry_id)
    cleaned, errors = clean_member(member, row["division"])
    if errors:
        raise _member_errors(errors)
    _consent_for_submitted(row, cleaned, event["kind"])
    existing = (await _members_by_entry([entry_id]))[entry_id]
    _check_team_limits(event, [*existing, {"role": cleaned.role}], final=False)
    if cleaned.role == "student":
        await note_checked(actor, row["event"], [cleaned.id_hash])
        dupes = await duplicate_students(row["event"], [cleaned.id_hash], viewer=actor)
        if cleaned.id_hash in dupes:
            raise ValidationFailed(_duplicate_message(cleaned.name, dupes[cleaned.id_hash], event["kind"]))

    async def work() -> int:
        # team size and duplicates again under the event lock (concurrent additions)
        await lock_event(row["event"])
        current = (await _members_by_entry([entry_id]))[entry_id]
        _check_team_limits(event, [*current, {"role": cleaned.role}], final=False)
        if cleaned.role == "student":
            found = await duplicate_students(row["event"], [cleaned.id_hash], viewer=actor)
            if cleaned.id_hash in found:
                raise ValidationFailed(_duplicate_message(cleaned.name, found[cleaned.id_hash], event["kind"]))
        ids = await _insert_members(actor, row["event"], row["school"], entry_id, [cleaned], start=len(current))
        await Entry.update({Entry.updated_at: now()}).where(Entry.id == entry_id)
        await audit.record(
            actor,
            "member.add",
            "member",
            ids[0],
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            summary=cleaned.name,
            changes={"member": [None, cleaned.audit_view()]},
        )
        return ids[0]

    member_id = await write_transaction(work)
    return {"id": member_id, **cleaned.audit_view()}


async def _member_row(actor: Principal, member_id: int) -> dict[str, Any]:
    row = await Member.select().where(Member.id == member_id).first()
    if row is None:
        raise NotFound(_("成员不存在或您无权查看。"))
    await visible_entry_row(actor, row["entry"])
    return row


async def member_for_edit(actor: Principal, member_id: int) -> dict[str, Any]:
    """A member with the full ID number and phone, for the edit form of its school or an
    organizer only (never judges or cities). Raises :class:`NotFound` otherwise."""
    from app.security import decrypt_pii

    row = await _member_row(actor, member_id)
    entry = await _entry_row(row["entry"])
    if not can_manage_school(actor, entry["school"]):
        raise NotFound(_("成员不存在或您无权查看。"))
    return {
        **member_out(row, private=True),
        "entry_id": row["entry"],
        "id_number": decrypt_pii(row["id_number_enc"]) or "",
        "phone": decrypt_pii(row["phone_enc"]) or "",
    }


async def update_member(actor: Principal, member_id: int, member: MemberInput) -> dict[str, Any]:
    """Replace a member's details (same rules as :func:`add_member`); changes are audited with masked values."""
    old = await _member_row(actor, member_id)
    row, event = await _editable_entry_row(actor, old["entry"])
    member.role = old["role"]
    cleaned, errors = clean_member(member, row["division"])
    if errors:
        raise _member_errors(errors)
    _consent_for_submitted(row, cleaned, event["kind"])
    if cleaned.role == "student":
        await note_checked(actor, row["event"], [cleaned.id_hash])
        dupes = await duplicate_students(row["event"], [cleaned.id_hash], exclude_entry_ids=[row["id"]], viewer=actor)
        if cleaned.id_hash in dupes:
            raise ValidationFailed(_duplicate_message(cleaned.name, dupes[cleaned.id_hash], event["kind"]))
    before = {
        k: old[k]
        for k in (
            "name",
            "gender",
            "id_type",
            "id_masked",
            "grade",
            "phone_masked",
            "consent_participation",
            "consent_publication",
        )
    }
    after = {k: v for k, v in cleaned.audit_view().items() if k in before}
    columns = cleaned.columns()
    if (
        cleaned.consent_participation != old["consent_participation"]
        or cleaned.consent_publication != old["consent_publication"]
    ):
        columns.update(consent_recorded_by=actor.id, consent_recorded_at=now())

    async def work() -> None:
        if cleaned.role == "student":  # again under the event lock (concurrent registrations)
            await lock_event(row["event"])
            found = await duplicate_students(
                row["event"], [cleaned.id_hash], exclude_entry_ids=[row["id"]], viewer=actor
            )
            if cleaned.id_hash in found:
                raise ValidationFailed(_duplicate_message(cleaned.name, found[cleaned.id_hash], event["kind"]))
        await Member.update({getattr(Member, k): v for k, v in columns.items()}).where(Member.id == member_id)
        await Entry.update({Entry.updated_at: now()}).where(Entry.id == row["id"])
        await audit.record(
            actor,
            "member.update",
            "member",
            member_id,
            event_id=row["event"],
            entry_id=row["id"],
            school_id=row["school"],
            summary=cleaned.name,
            changes=audit.diff(before, after),
        )

    await write_transaction(work)
    return {"id": member_id, **cleaned.audit_view()}


async def remove_member(actor: Principal, member_id: int) -> None:
    """Remove a member from its entry (audited)."""
    old = await _member_row(actor, member_id)
    row, event = await _editable_entry_row(actor, old["entry"])

    async def work() -> None:
        await Member.delete().where(Member.id == member_id)
        await Entry.update({Entry.updated_at: now()}).where(Entry.id == row["id"])
        await audit.record(
            actor,
            "member.remove",
            "member",
            member_id,
            event_id=row["event"],
            entry_id=row["id"],
            school_id=row["school"],
            summary=old["name"],
            changes={"member": [{"name": old["name"], "role": old["role"], "id_masked": old["id_masked"]}, None]},
        )

    await write_transaction(work)
