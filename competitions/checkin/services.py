"""Check-in (签到): sessions, scans, check-in by name, the live view and its workbook.

One service function per business action; the JSON API and the scan page both call them.
The scan itself goes through :mod:`competitions.checkin.scanstore` (one database round trip); the
rest uses Piccolo.

Scan results (CONTRACT.md): ``checked_in``, ``already_checked_in`` (with the first time),
``revoked`` (an earlier credential of a member whose credential was reissued, or a member of an
entry that is not approved: withdrawn, returned or still under review; ``reason`` says which) and ``wrong_event`` (a credential of another event's participant). Forged or
garbled text is 422, a well-signed credential of a member that no longer exists 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from piccolo.columns.combination import WhereRaw

from app import jobs
from app.db import current_engine, write_transaction
from app.errors import Forbidden, NotFound, ValidationFailed
from app.exports.exporters import ListExporter, in_process, workbook_file
from app.i18n import _, get_locale, gettext_terms, set_locale
from app.principal import Principal
from app.signals import checkin_recorded
from app.times import SHANGHAI, UTC, format_time
from app.times import now as _now
from competitions.checkin.credentials import InvalidCredential, read_credential
from competitions.checkin.scanstore import ScanRow, scan_store
from competitions.checkin.tables import Checkin, CheckinSession, RejectedScan
from competitions.events.tables import Event
from competitions.registration.tables import Member

SCANNERS = ("organizer", "staff")
CLOCK_SKEW = dt.timedelta(minutes=2)
MAX_QUEUE_AGE = dt.timedelta(days=2)  # a queued scan older than this has a wrong device clock
CLIENT_SCAN_ID_MAX = 64
EXPECTED_STATUSES = ("approved",)
NAME_SEPARATORS = "·•・‧.． "  # typed for the middle dot of names such as 阿依古丽·买买提

#: Per event kind, who of an event's approved entries may check in at a session: a programme whose
#: events admit only some of them registers a check (camps: only students who accepted their seat,
#: and at a site's activity only that site's; competitions/plugin.py). ``check(session_id,
#: member_id, generation)`` answers ``None`` (let the scan through: the usual checks follow) or a
#: refusal ``{"reason", "message", "participant"}``; it answers ``None`` for a member of another
#: event, an old credential or an entry that is not approved, so those keep their own answers.
AdmissionCheck = Callable[[int, int, int | None], Awaitable[dict[str, Any] | None]]
admission_checks: dict[str, AdmissionCheck] = {}
# session id -> its event's kind (a session's event and an event's kind never change), for the database
# engine it was read from (another engine, e.g. the next test's database, starts afresh)
_session_kinds: tuple[Any, dict[int, str]] = (None, {})


def _known_kinds() -> dict[int, str]:
    global _session_kinds
    engine = current_engine()
    if _session_kinds[0] is not engine:
        _session_kinds = (engine, {})
    return _session_kinds[1]


async def session_kind(session_id: int) -> str | None:
    """The kind of the session's event (kept per process and database; ``None`` for an unknown
    session), so scans at other events' sessions cost no extra query."""
    known = _known_kinds()
    kind = known.get(session_id)
    if kind is None:
        row = (
            await CheckinSession.select(CheckinSession.event.kind.as_alias("kind"))
            .where(CheckinSession.id == session_id)
            .first()
        )
        if row is None:
            return None
        kind = known[session_id] = row["kind"]
    return kind


def parse_time(value: Any, field: str) -> dt.datetime | None:
    """An ISO 8601 time from a client; naive times are Asia/Shanghai. ``""``/None -> None.

    Raises :class:`ValidationFailed` (422) naming ``field`` when it cannot be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationFailed(_("{field} 不是有效的时间，例如 2026-05-01T08:30。", field=field)) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValidationFailed(_("{field} 不是有效的时间，例如 2026-05-01T08:30。", field=field)) from exc


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat() if value else None


def _require_scanner(actor: Principal) -> None:
    if actor.role not in SCANNERS:
        raise Forbidden(_("只有签到员和组委会可以签到。"))


def _require_organizer(actor: Principal) -> None:
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以管理签到场次。"))


# --------------------------------------------------------------------------- sessions


OPENS_EARLY = dt.timedelta(minutes=30)  # a session counts as open this long before it starts


def session_state(
    starts_at: dt.datetime | None, ends_at: dt.datetime | None, now: dt.datetime | None = None
) -> str | None:
    """``"upcoming"`` (more than 30 minutes before the start), ``"open"``, ``"closed"`` (after
    the end), or None for a session without a window."""
    if starts_at is None and ends_at is None:
        return None
    now = now or _now()
    if starts_at and now < starts_at - OPENS_EARLY:
        return "upcoming"
    if ends_at and now > ends_at:
        return "closed"
    return "open"


def session_out(row: dict[str, Any]) -> dict[str, Any]:
    """API shape of a session: ``{"id", "event_id", "event_name", "name", "location",
    "starts_at", "ends_at", "window", "state"}`` with times in ISO 8601 (+08:00), ``window``
    as display text and ``state`` from :func:`session_state`."""
    return {
        "id": row["id"],
        "event_id": row["event"],
        "name": row["name"],
        "location": row.get("location", ""),
        "starts_at": _iso(row.get("starts_at")),
        "ends_at": _iso(row.get("ends_at")),
        "event_name": row.get("event_name"),
        "window": _window_text(row.get("starts_at"), row.get("ends_at")),
        "state": session_state(row.get("starts_at"), row.get("ends_at")),
    }


def _window_text(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> str:
    if starts_at and ends_at:
        return f"{format_time(starts_at)} – {format_time(ends_at)[-5:] if format_time(starts_at)[:10] == format_time(ends_at)[:10] else format_time(ends_at)}"
    if starts_at:
        return _("{time} 起", time=format_time(starts_at))
    if ends_at:
        return _("截至 {time}", time=format_time(ends_at))
    return ""


async def create_session(
    actor: Principal, event_id: int, name: str, starts_at: Any = None, ends_at: Any = None, location: str = ""
) -> dict[str, Any]:
    """Create a check-in session of an event (organizers). ``starts_at``/``ends_at`` are ISO
    times (naive = Asia/Shanghai) or None. Raises 404 for an unknown event, 422 for an empty
    name (max 100 characters), a name another session of the event has, or an end before
    the start."""
    _require_organizer(actor)
    if not await Event.exists().where(Event.id == event_id):
        raise NotFound(_("找不到这个赛事。"))
    values = _session_values(name, starts_at, ends_at, location)

    async def work() -> dict[str, Any]:
        await _refuse_duplicate_name(event_id, values["name"])
        row = await CheckinSession.insert(
            CheckinSession(event=event_id, created_by=actor.id, created_at=_now(), **values)
        ).returning(*CheckinSession.all_columns())
        return row[0]

    return session_out(await write_transaction(work))


async def _refuse_duplicate_name(event_id: int, name: str, session_id: int | None = None) -> None:
    """422 when another session of the event has this name: staff pick sessions by name, and
    scans split between two 报到 could never be merged."""
    query = CheckinSession.exists().where((CheckinSession.event == event_id) & (CheckinSession.name == name))
    if session_id is not None:
        query = query.where(CheckinSession.id != session_id)
    if await query:
        raise ValidationFailed(
            _("本赛事已有名为“{name}”的签到场次，请换一个名称（例如加上日期或地点）。", name=name),
            errors=[{"field": "name", "message": _("重名")}],
        )


def _session_values(name: str, starts_at: Any, ends_at: Any, location: str) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写场次名称。"), errors=[{"field": "name", "message": _("必填")}])
    if len(name) > 100:
        raise ValidationFailed(_("场次名称最长 100 个字。"), errors=[{"field": "name", "message": _("太长")}])
    start = parse_time(starts_at, _("开始时间"))
    end = parse_time(ends_at, _("结束时间"))
    if start and end and end <= start:
        raise ValidationFailed(_("结束时间必须晚于开始时间。"))
    return {"name": name, "starts_at": start, "ends_at": end, "location": (location or "").strip()[:100]}


KEEP: Any = object()  # update_session: leave this field as it is


async def update_session(
    actor: Principal,
    session_id: int,
    name: Any = KEEP,
    starts_at: Any = KEEP,
    ends_at: Any = KEEP,
    location: Any = KEEP,
) -> dict[str, Any]:
    """Change a session's name, window or location (organizers); fields left as :data:`KEEP`
    stay as they are; same checks as creating (an empty ``starts_at`` clears it)."""
    _require_organizer(actor)
    current = await get_session(actor, session_id)
    values = _session_values(
        current["name"] if name is KEEP else name,
        current["starts_at"] if starts_at is KEEP else starts_at,
        current["ends_at"] if ends_at is KEEP else ends_at,
        current["location"] if location is KEEP else location,
    )

    async def work() -> None:
        await _refuse_duplicate_name(current["event_id"], values["name"], session_id)
        await CheckinSession.update(values).where(CheckinSession.id == session_id)

    await write_transaction(work)
    return await get_session(actor, session_id)


async def delete_session(actor: Principal, session_id: int) -> None:
    """Delete a session that has no check-ins yet (organizers); 409 once anyone checked in."""
    from app.errors import Conflict

    _require_organizer(actor)
    await get_session(actor, session_id)
    if await Checkin.exists().where(Checkin.checkin_session == session_id):
        raise Conflict(_("这个场次已有签到记录，不能删除。"))

    async def work() -> None:
        await CheckinSession.delete().where(CheckinSession.id == session_id)

    await write_transaction(work)
    _known_kinds().pop(session_id, None)  # (SQLite may give the id to a new session)


async def get_session(actor: Principal, session_id: int) -> dict[str, Any]:
    """One session (organizers and staff), 404 if unknown or for other roles."""
    if actor.role not in SCANNERS:
        raise NotFound(_("找不到这个签到场次。"))
    rows = await CheckinSession.select(
        *CheckinSession.all_columns(), CheckinSession.event.name.as_alias("event_name")
    ).where(CheckinSession.id == session_id)
    if not rows:
        raise NotFound(_("找不到这个签到场次。"))
    return session_out(rows[0])


async def session_row(session_id: int) -> dict[str, Any] | None:
    """One session as :func:`get_session` gives it, without an actor (the live stream's
    publisher, which runs after a scan's answer); None when it is gone."""
    rows = await CheckinSession.select(
        *CheckinSession.all_columns(), CheckinSession.event.name.as_alias("event_name")
    ).where(CheckinSession.id == session_id)
    return session_out(rows[0]) if rows else None


async def list_sessions(actor: Principal, event_id: int | None = None) -> list[dict[str, Any]]:
    """Sessions of one event, or of every event (newest event first), for organizers and staff."""
    _require_scanner(actor)
    query = CheckinSession.select(*CheckinSession.all_columns(), CheckinSession.event.name.as_alias("event_name"))
    if event_id is not None:
        query = query.where(CheckinSession.event == event_id)
    rows = (
        await query.order_by(CheckinSession.event, ascending=False)
        .order_by(CheckinSession.starts_at)
        .order_by(CheckinSession.id)
    )
    return [session_out(r) for r in rows]


# --------------------------------------------------------------------------- scanning


def _participant(row: ScanRow) -> dict[str, Any]:
    return {
        "id": row.member_id,
        "name": row.name,
        "school_name": row.school_name,
        "role": row.role,
        "entry_code": row.entry_code,
        "entry_title": row.entry_title,
    }


def _outside_window(row: ScanRow, at: dt.datetime) -> bool:
    return bool((row.starts_at and at < row.starts_at - dt.timedelta(hours=2)) or (row.ends_at and at > row.ends_at))


async def _record(
    actor: Principal,
    session_id: int,
    member_id: int,
    generation: int | None,
    *,
    client_scan_id: str | None,
    scanned_at: Any,
    device: str,
    method: str,
    token_prefix: str = "",
) -> dict[str, Any]:
    at = parse_time(scanned_at, "scanned_at") or _now()
    now = _now()
    if at > now + CLOCK_SKEW or at < now - MAX_QUEUE_AGE:
        at = now  # a device clock that is clearly wrong: the server's time is better
    device = (device or "").strip()[:64]
    client_scan_id = (client_scan_id or "").strip() or None
    if client_scan_id and len(client_scan_id) > CLIENT_SCAN_ID_MAX:
        raise ValidationFailed(_("client_scan_id 最长 {n} 个字符。", n=CLIENT_SCAN_ID_MAX))
    kind = await session_kind(session_id)
    check = admission_checks.get(kind or "")
    refusal = await check(session_id, member_id, generation) if check is not None else None
    if refusal is not None:
        # approved, but not admitted to this session (a camp student who declined, or of another site)
        answer = {
            "participant": refusal["participant"],
            "session_id": session_id,
            "client_scan_id": client_scan_id,
            "reason": refusal["reason"],
            "result": "revoked",
            "first_checked_in_at": None,
            "first_checked_in_time": None,
            "outside_window": False,
            "message": refusal["message"],
        }
        await _reject(actor, session_id, member_id, "revoked", token_prefix, at, device, client_scan_id)
        await checkin_recorded.send(event_id=refusal.get("event_id"), session_id=session_id, result="revoked")
        return answer
    row = await scan_store().record(session_id, member_id, generation, at, device, actor.id, client_scan_id, method)
    if row.session_event is None:
        raise NotFound(_("找不到这个签到场次。"))
    if row.member_id is None:
        await _reject(actor, session_id, None, "unknown", token_prefix, at, device, client_scan_id)
        await checkin_recorded.send(event_id=row.session_event, session_id=session_id, result="unknown")
        raise NotFound(_("凭证无效：找不到这个参赛人员，可能已被删除。"))
    answer: dict[str, Any] = {
        "participant": _participant(row),
        "session_id": session_id,
        "client_scan_id": client_scan_id,
        "reason": None,
    }
    first = row.inserted_at or row.first_at
    if row.member_event != row.session_event:
        result = "wrong_event"
    elif generation is not None and generation != row.generation:
        result, answer["reason"] = "revoked", "reissued"
    elif row.entry_status != "approved":
        result, answer["reason"] = "revoked", ("withdrawn" if row.entry_status == "withdrawn" else "not_approved")
    elif row.inserted_at is not None:
        result = "checked_in"
    elif client_scan_id and row.first_client_scan_id == client_scan_id:
        result = "checked_in"  # a replay of the scan that checked them in: answered as before
    else:
        result = "already_checked_in"
    answer["result"] = result
    answer["first_checked_in_at"] = _iso(first) if result != "wrong_event" else None
    answer["first_checked_in_time"] = (
        first.astimezone(SHANGHAI).strftime("%H:%M") if first and result != "wrong_event" else None
    )
    answer["outside_window"] = result == "checked_in" and _outside_window(row, at)
    answer["message"] = _result_message(result, answer, kind)
    if result in ("wrong_event", "revoked"):
        await _reject(actor, session_id, row.member_id, result, token_prefix, at, device, client_scan_id)
    await checkin_recorded.send(event_id=row.session_event, session_id=session_id, result=result)
    return answer


def _result_message(result: str, answer: dict[str, Any], kind: str | None = None) -> str:
    if result == "checked_in":
        return _("签到成功")
    if result == "already_checked_in":
        return _("已签到（{time} 首次签到）", time=answer["first_checked_in_time"] or "")
    if result == "revoked":
        if answer["reason"] == "withdrawn":
            return gettext_terms("作品已撤回，不能签到", kind)
        if answer["reason"] == "not_approved":
            return gettext_terms("作品未通过审查，不能签到：请到服务台", kind)
        if answer["first_checked_in_time"]:
            return _("旧凭证已作废（本人已于 {time} 用新凭证签到）", time=answer["first_checked_in_time"])
        return _("凭证已作废（已补发新凭证）：请使用新参赛证或到服务台")
    return _("不是本活动的凭证")


async def _reject(
    actor: Principal,
    session_id: int,
    member_id: int | None,
    result: str,
    token_prefix: str,
    at: dt.datetime,
    device: str,
    client_scan_id: str | None,
) -> None:
    """Keep a refused scan for the live view (once per ``client_scan_id``)."""

    async def work() -> None:
        if client_scan_id and await RejectedScan.exists().where(
            (RejectedScan.checkin_session == session_id) & (RejectedScan.client_scan_id == client_scan_id)
        ):
            return
        await RejectedScan.insert(
            RejectedScan(
                checkin_session=session_id,
                member=member_id,
                result=result,
                token_prefix=token_prefix[:8],
                scanned_at=at,
                device=device,
                staff=actor.id,
                client_scan_id=client_scan_id,
            )
        )

    await write_transaction(work)


async def scan(
    actor: Principal,
    session_id: int,
    token: str,
    *,
    client_scan_id: str | None = None,
    scanned_at: Any = None,
    device: str = "",
) -> dict[str, Any]:
    """Check a member in at a session by the text of their credential QR.

    ``token`` is what the camera or USB scanner read (case, spaces and Enter/Tab suffixes are
    ignored). ``client_scan_id`` makes a replay idempotent: it is answered as before and
    stored once. ``scanned_at`` (ISO 8601, naive = Asia/Shanghai) is the device's time of a
    queued scan; a time in the future is replaced by the server's. Returns
    ``{"result", "first_checked_in_at", "first_checked_in_time" ("HH:MM"), "participant": {"id",
    "name", "school_name", "role", "entry_code", "entry_title"}, "message", "outside_window",
    "session_id", "client_scan_id"}``.

    Raises 403 for roles other than staff/organizer, 422 for forged or garbled text (also
    recorded as a refused scan), 404 for an unknown session or member. Exactly one check-in
    per member and session is stored whatever the concurrency (unique index in the database).
    """
    _require_scanner(actor)
    prefix = (token or "").strip()[:8]
    try:
        ref = read_credential(token)
    except InvalidCredential as exc:
        # a typo is not a forgery: nothing recorded, the scanner keeps the text for correcting
        if exc.problem != "mistyped" and await CheckinSession.exists().where(CheckinSession.id == session_id):
            await _reject(
                actor,
                session_id,
                None,
                "forged",
                prefix,
                parse_time(scanned_at, "scanned_at") or _now(),
                (device or "")[:64],
                (client_scan_id or "")[:64] or None,
            )
            await checkin_recorded.send(event_id=None, session_id=session_id, result="forged")
        raise
    return await _record(
        actor,
        session_id,
        ref.member_id,
        ref.generation,
        client_scan_id=client_scan_id,
        scanned_at=scanned_at,
        device=device,
        method="qr",
        token_prefix=prefix,
    )


async def check_in_member(
    actor: Principal,
    session_id: int,
    member_id: int,
    *,
    client_scan_id: str | None = None,
    scanned_at: Any = None,
    device: str = "",
) -> dict[str, Any]:
    """Check a member in by name when their QR is lost (staff/organizer); same answer as
    :func:`scan`, recorded with method ``manual``. 404 for unknown session or member."""
    _require_scanner(actor)
    return await _record(
        actor,
        session_id,
        member_id,
        None,
        client_scan_id=client_scan_id,
        scanned_at=scanned_at,
        device=device,
        method="manual",
    )


async def undo_checkin(actor: Principal, session_id: int, member_id: int, reason: str = "") -> dict[str, Any]:
    """Take back a check-in made by mistake (wrong person picked by name, scanned at the wrong
    session) so the member counts as not arrived again (staff/organizer). Recorded in the audit
    trail with who made the check-in, when, and ``reason``. Returns ``{"member_id",
    "session_id", "undone_checked_in_at"}``; 404 when the member is not checked in there."""
    from app import audit

    _require_scanner(actor)
    session = await get_session(actor, session_id)
    row = (
        await Checkin.select(
            Checkin.id,
            Checkin.checked_in_at,
            Checkin.device,
            Checkin.method,
            Checkin.staff.username.as_alias("staff"),
            Checkin.member.name.as_alias("name"),
            Checkin.member.entry.as_alias("entry_id"),
            Checkin.member.entry.school.as_alias("school_id"),
        )
        .where((Checkin.checkin_session == session_id) & (Checkin.member == member_id))
        .first()
    )
    if row is None:
        raise NotFound(_("此人在这个场次还没有签到。"))

    async def work() -> None:
        await Checkin.delete().where(Checkin.id == row["id"])
        await audit.record(
            actor,
            "checkin.undo",
            "member",
            member_id,
            summary=f"{row['name']} · {session['name']}",
            reason=(reason or "").strip()[:200],
            event_id=session["event_id"],
            entry_id=row["entry_id"],
            school_id=row["school_id"],
            changes={"checked_in_at": [format_time(row["checked_in_at"]), ""], "device": [row["device"], ""]},
        )

    await write_transaction(work)
    await checkin_recorded.send(event_id=session["event_id"], session_id=session_id, result="undone")
    return {"member_id": member_id, "session_id": session_id, "undone_checked_in_at": _iso(row["checked_in_at"])}


async def search_members(actor: Principal, session_id: int, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Members of the session's event whose name, entry code or title, or school name
    contains ``query`` (at least 1 character; in names, the middle dot of names such as
    阿依古丽·买买提 and its look-alikes (. • ・ ‧ ． and spaces) may be typed or left out), with
    their check-in time at this session.
    Shapes: ``[{"id", "name", "role", "school_name", "entry_code", "entry_title",
    "entry_status", "can_check_in", "checked_in_at", "checked_in_time"}]`` (at most ``limit``;
    ask for one more to learn whether there are more); never ID numbers or phones. Members of
    entries that are not approved (withdrawn included) are listed with ``can_check_in`` false
    so staff see why."""
    session = await get_session(actor, session_id)
    query = (query or "").strip()
    if not query:
        return []
    query = query.replace("%", "").replace("_", "")[:50]
    if not query:
        return []
    like = f"%{query}%"
    name_match = Member.name.like(like)
    bare = "".join(ch for ch in query if ch not in NAME_SEPARATORS)
    if bare:
        # 阿依古丽·买买提 is found as 阿依古丽买买提, 阿依古丽.买买提 or 阿依古丽 买买提
        stripped = '"member"."name"'
        for ch in NAME_SEPARATORS:
            stripped = f"REPLACE({stripped}, '{ch}', '')"
        name_match = name_match | WhereRaw(f"{stripped} LIKE {{}}", f"%{bare}%")
    rows = (
        await Member.select(
            Member.id,
            Member.name,
            Member.role,
            Member.entry.code.as_alias("entry_code"),
            Member.entry.title.as_alias("entry_title"),
            Member.entry.school.name.as_alias("school_name"),
            Member.entry.status.as_alias("entry_status"),
        )
        .where(
            (Member.event == session["event_id"])
            & (
                name_match
                | Member.entry.code.like(f"%{query.upper()}%")
                | Member.entry.title.like(like)
                | Member.entry.school.name.like(like)
            )
        )
        .order_by(Member.entry.school.code)
        .order_by(Member.entry.code)
        .order_by(Member.position)
        .limit(limit)
    )
    times = await _checkin_times(session_id, [r["id"] for r in rows])
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "role": r["role"],
            "school_name": r["school_name"],
            "entry_code": r["entry_code"],
            "entry_title": r["entry_title"],
            "entry_status": r["entry_status"],
            "can_check_in": r["entry_status"] == "approved",
            "checked_in_at": _iso(times.get(r["id"])),
            "checked_in_time": times[r["id"]].astimezone(SHANGHAI).strftime("%H:%M") if r["id"] in times else None,
        }
        for r in rows
    ]


async def _checkin_times(session_id: int, member_ids: list[int]) -> dict[int, dt.datetime]:
    if not member_ids:
        return {}
    rows = await Checkin.select(Checkin.member, Checkin.checked_in_at).where(
        (Checkin.checkin_session == session_id) & Checkin.member.is_in(member_ids)
    )
    return {r["member"]: r["checked_in_at"] for r in rows}


# --------------------------------------------------------------------------- live view


async def live_view(actor: Principal, session_id: int) -> dict[str, Any]:
    """Who has arrived at a session (organizers and staff).

    Expected people are the students and advisers of the event's approved entries. People
    who checked in and whose entry was withdrawn or returned afterwards count in ``arrived``
    (every check-in) but not in ``arrived_expected``; per school they are ``arrived_other``,
    so a school's ``arrived`` never exceeds its ``expected``. Returns
    ``{"session", "expected", "arrived", "arrived_expected", "schools": [{"school_id", "code",
    "name", "expected", "arrived", "arrived_other"}] (fewest arrived share first), "missing": [{"id", "name",
    "role", "school_name", "entry_code", "entry_title"}], "recent": [last 20 check-ins],
    "rejected": {result: count}}``.
    """
    session = await get_session(actor, session_id)
    members, checkins = await _attendance_rows(session)
    return _live(session, members, checkins, await _rejected_counts(session_id))


async def _attendance_rows(session: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The event's members (by school code, entry code, position) and the session's
    check-ins (latest first): two queries shared by the live view and the workbook."""
    members = (
        await Member.select(
            Member.id,
            Member.name,
            Member.role,
            Member.entry.code.as_alias("entry_code"),
            Member.entry.title.as_alias("entry_title"),
            Member.entry.status.as_alias("entry_status"),
            Member.entry.school.as_alias("school_id"),
            Member.entry.school.code.as_alias("school_code"),
            Member.entry.school.name.as_alias("school_name"),
        )
        .where(Member.event == session["event_id"])
        .order_by(Member.entry.school.code)
        .order_by(Member.entry.code)
        .order_by(Member.position)
    )
    checkins = (
        await Checkin.select(
            Checkin.member,
            Checkin.checked_in_at,
            Checkin.device,
            Checkin.method,
            Checkin.staff.username.as_alias("staff"),
            Checkin.staff.display_name.as_alias("staff_name"),
        )
        .where(Checkin.checkin_session == session["id"])
        .order_by(Checkin.checked_in_at, ascending=False)
    )
    return members, checkins


async def _rejected_counts(session_id: int) -> dict[str, int]:
    rows = await RejectedScan.select(RejectedScan.result).where(RejectedScan.checkin_session == session_id)
    rejected: dict[str, int] = {}
    for r in rows:
        rejected[r["result"]] = rejected.get(r["result"], 0) + 1
    return rejected


def _live(
    session: dict[str, Any], members: list[dict[str, Any]], checkins: list[dict[str, Any]], rejected: dict[str, int]
) -> dict[str, Any]:
    arrived = {c["member"]: c for c in checkins}
    schools: dict[int, dict[str, Any]] = {}
    missing = []
    arrived_expected = 0
    by_id = {m["id"]: m for m in members}
    for m in members:
        expected = m["entry_status"] in EXPECTED_STATUSES
        if not expected and m["id"] not in arrived:
            continue
        school = schools.setdefault(
            m["school_id"],
            {
                "school_id": m["school_id"],
                "code": m["school_code"],
                "name": m["school_name"],
                "expected": 0,
                "arrived": 0,
                "arrived_other": 0,
            },
        )
        if expected:
            school["expected"] += 1
        if m["id"] in arrived:
            if expected:
                school["arrived"] += 1
                arrived_expected += 1
            else:
                school["arrived_other"] += 1
        elif expected:
            missing.append(
                {k: m[k] for k in ("id", "name", "role", "school_code", "school_name", "entry_code", "entry_title")}
            )
    recent = []
    for c in checkins[:20]:
        m = by_id.get(c["member"], {})
        recent.append(
            {
                "member_id": c["member"],
                "name": m.get("name"),
                "school_name": m.get("school_name"),
                "entry_code": m.get("entry_code"),
                "checked_in_at": _iso(c["checked_in_at"]),
                "time": _short_time(c["checked_in_at"]),
                "device": c["device"],
                "method": c["method"],
                "staff": c["staff"],
            }
        )
    school_list = sorted(
        schools.values(), key=lambda s: (s["arrived"] / s["expected"] if s["expected"] else 1, s["code"])
    )
    return {
        "session": session,
        "expected": sum(s["expected"] for s in schools.values()),
        "arrived": len(arrived),
        "arrived_expected": arrived_expected,
        "schools": school_list,
        "missing": missing,
        "recent": recent,
        "rejected": rejected,
    }


def _short_time(value: dt.datetime) -> str:
    """``HH:MM:SS`` for today (Asia/Shanghai), ``MM-DD HH:MM`` for another day."""
    local = value.astimezone(SHANGHAI)
    if local.date() == _now().astimezone(SHANGHAI).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


# --------------------------------------------------------------------------- live view by deltas
#
# The live page's first load is a summary (counts per school, recent arrivals, the missing
# count), computed by a handful of aggregate queries; the people missing at a school are fetched
# when asked. Changes travel as deltas: the counts of the schools that changed since a version
# (the server's clock, in milliseconds, when the counts were read), with the totals. A school's
# numbers in a delta are absolute, so a delta seen twice, or two deltas overlapping, do no harm;
# that lets "changed since" reach back :data:`SINCE_MARGIN` before the version asked for, which
# covers a check-in stored (by another worker, or committed late) just before the version was read.

SINCE_MARGIN = dt.timedelta(seconds=1)
RECENT_LIMIT = 12

_EXPECTED_SQL = """
SELECT e.school AS school_id, COUNT(*) AS n
FROM member m JOIN entry e ON e.id = m.entry
WHERE m.event = {} AND e.status = 'approved'
GROUP BY e.school
"""

_ARRIVED_SQL = """
SELECT e.school AS school_id, CASE WHEN e.status = 'approved' THEN 1 ELSE 0 END AS approved, COUNT(*) AS n
FROM checkin c JOIN member m ON m.id = c.member JOIN entry e ON e.id = m.entry
WHERE c.checkin_session = {}
GROUP BY e.school, CASE WHEN e.status = 'approved' THEN 1 ELSE 0 END
"""

_CHANGED_SQL = """
SELECT DISTINCT e.school AS school_id
FROM checkin c JOIN member m ON m.id = c.member JOIN entry e ON e.id = m.entry
WHERE c.checkin_session = {} AND c.recorded_at > {}
"""

_REJECTED_SQL = "SELECT result, COUNT(*) AS n FROM rejected_scan WHERE checkin_session = {} GROUP BY result"


def version_of(at: dt.datetime) -> int:
    """A live view's version: the server's time in milliseconds since the epoch."""
    return int(at.timestamp() * 1000)


def _since_time(version: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(version / 1000, tz=UTC) - SINCE_MARGIN


def _time_param(value: dt.datetime) -> Any:
    """A Timestamptz parameter for a raw query: Piccolo keeps them on SQLite as ``str()`` of the UTC time."""
    from app.db import is_sqlite

    return str(value.astimezone(UTC)) if is_sqlite() else value


async def _tally(session: dict[str, Any], since: int | None) -> dict[str, Any]:
    """The counts of the live view as of now: ``{"version", "expected", "arrived",
    "arrived_expected", "missing", "rejected" (total), "rejected_by": {result: n}, "schools":
    {school_id: {"school_id", "expected", "arrived", "other"}}, "changed": [school ids changed
    since ``since``] (every school when ``since`` is None)}``. Four aggregate queries, whatever
    the number of people."""
    version = version_of(_now())
    expected_rows = await Member.raw(_EXPECTED_SQL, session["event_id"])
    arrived_rows = await Member.raw(_ARRIVED_SQL, session["id"])
    rejected_rows = await RejectedScan.raw(_REJECTED_SQL, session["id"])
    schools: dict[int, dict[str, Any]] = {}

    def school(school_id: int) -> dict[str, Any]:
        return schools.setdefault(school_id, {"school_id": school_id, "expected": 0, "arrived": 0, "other": 0})

    for r in expected_rows:
        school(r["school_id"])["expected"] = r["n"]
    for r in arrived_rows:
        school(r["school_id"])["arrived" if r["approved"] else "other"] += r["n"]
    if since is None:
        changed = list(schools)
    else:
        rows = await Member.raw(_CHANGED_SQL, session["id"], _time_param(_since_time(since)))
        changed = [r["school_id"] for r in rows if r["school_id"] in schools]
    rejected_by = {r["result"]: r["n"] for r in rejected_rows}
    expected = sum(s["expected"] for s in schools.values())
    arrived_expected = sum(s["arrived"] for s in schools.values())
    return {
        "version": version,
        "expected": expected,
        "arrived": arrived_expected + sum(s["other"] for s in schools.values()),
        "arrived_expected": arrived_expected,
        "missing": expected - arrived_expected,
        "rejected": sum(rejected_by.values()),
        "rejected_by": rejected_by,
        "schools": schools,
        "changed": changed,
    }


async def recent_arrivals(session_id: int, limit: int = RECENT_LIMIT) -> list[dict[str, Any]]:
    """The last ``limit`` check-ins of a session, latest first: ``[{"member_id", "name",
    "school_name", "entry_code", "checked_in_at", "time", "device", "method"}]`` (no ID numbers or phones)."""
    rows = (
        await Checkin.select(
            Checkin.member,
            Checkin.checked_in_at,
            Checkin.device,
            Checkin.method,
            Checkin.member.name.as_alias("name"),
            Checkin.member.entry.code.as_alias("entry_code"),
            Checkin.member.entry.school.name.as_alias("school_name"),
        )
        .where(Checkin.checkin_session == session_id)
        .order_by(Checkin.checked_in_at, ascending=False)
        .order_by(Checkin.id, ascending=False)
        .limit(limit)
    )
    return [
        {
            "member_id": r["member"],
            "name": r["name"],
            "school_name": r["school_name"],
            "entry_code": r["entry_code"],
            "checked_in_at": _iso(r["checked_in_at"]),
            "time": _short_time(r["checked_in_at"]),
            "device": r["device"],
            "method": r["method"],
        }
        for r in rows
    ]


def _delta(tally: dict[str, Any], school_ids: list[int]) -> dict[str, Any]:
    return {
        "version": tally["version"],
        **{k: tally[k] for k in ("expected", "arrived", "arrived_expected", "missing", "rejected", "rejected_by")},
        "schools": [tally["schools"][i] for i in school_ids],
    }


async def live_summary(actor: Principal, session_id: int) -> dict[str, Any]:
    """The live view's first load (organizers and staff): the totals, every school with its
    counts (``{"school_id", "code", "name", "expected", "arrived", "other", "missing"}``, fewest
    arrived share first), the last :data:`RECENT_LIMIT` arrivals and the version the counts were
    read at. Who is missing comes on demand (:func:`missing_people`). Rules as :func:`live_view`:
    expected people are the members of approved entries; ``other`` counts people who checked in
    and whose entry left the list afterwards."""
    session = await get_session(actor, session_id)
    tally = await _tally(session, None)
    names = {}
    if tally["schools"]:
        from app.tables import School

        rows = await School.select(School.id, School.code, School.name).where(School.id.is_in(list(tally["schools"])))
        names = {r["id"]: r for r in rows}
    schools = [
        {
            **s,
            "code": names.get(s["school_id"], {}).get("code", ""),
            "name": names.get(s["school_id"], {}).get("name", ""),
            "missing": s["expected"] - s["arrived"],
        }
        for s in tally["schools"].values()
    ]
    schools.sort(key=lambda s: (s["arrived"] / s["expected"] if s["expected"] else 1, s["code"]))
    return {
        **_delta(tally, []),
        "session": session,
        "schools": schools,
        "recent": await recent_arrivals(session_id),
    }


async def live_changes(actor: Principal, session_id: int, since: int | None, *, recent: bool = False) -> dict[str, Any]:
    """What changed on the live view since ``version`` (organizers and staff): ``{"version",
    "expected", "arrived", "arrived_expected", "missing", "rejected", "rejected_by", "schools":
    [{"school_id", "expected", "arrived", "other"}]}`` with only the schools where someone
    checked in since then (a little before, see :data:`SINCE_MARGIN`); every school when
    ``since`` is None. An undone check-in or a changed entry shows in the totals, not in a
    school: a page whose schools no longer add up to the totals loads the summary again.
    ``recent`` adds the last arrivals (``"recent"``, with names: the page's own guarded route)."""
    session = await get_session(actor, session_id)
    return await session_changes(session, since, recent=recent)


async def session_changes(session: dict[str, Any], since: int | None, *, recent: bool = False) -> dict[str, Any]:
    """:func:`live_changes` for a session already read (the live stream's publisher); counts and ids only
    unless ``recent``."""
    tally = await _tally(session, since)
    answer = _delta(tally, tally["changed"])
    if recent:
        answer["recent"] = await recent_arrivals(session["id"])
    return answer


async def live_totals(actor: Principal, session_id: int) -> dict[str, Any]:
    """The live view's totals and version (the live stream's first event): counts only."""
    session = await get_session(actor, session_id)
    tally = await _tally(session, None)
    totals = _delta(tally, [])
    del totals["schools"]
    return {"session_id": session_id, **totals}


async def missing_people(actor: Principal, session_id: int, school_id: int | None = None) -> list[dict[str, Any]]:
    """Who has not arrived (organizers and staff), at one school or everywhere: ``[{"id", "name",
    "role", "school_id", "school_code", "school_name", "entry_code", "entry_title"}]`` by school
    code, entry code and position. Two queries."""
    session = await get_session(actor, session_id)
    query = Member.select(
        Member.id,
        Member.name,
        Member.role,
        Member.entry.school.as_alias("school_id"),
        Member.entry.school.code.as_alias("school_code"),
        Member.entry.school.name.as_alias("school_name"),
        Member.entry.code.as_alias("entry_code"),
        Member.entry.title.as_alias("entry_title"),
    ).where((Member.event == session["event_id"]) & (Member.entry.status.is_in(list(EXPECTED_STATUSES))))
    if school_id is not None:
        query = query.where(Member.entry.school == school_id)
    members = await query.order_by(Member.entry.school.code).order_by(Member.entry.code).order_by(Member.position)
    if not members:
        return []
    checked: Any = Checkin.select(Checkin.member).where(Checkin.checkin_session == session_id)
    if school_id is not None:
        checked = checked.where(Checkin.member.entry.school == school_id)
    arrived = {r["member"] for r in await checked}
    return [m for m in members if m["id"] not in arrived]


def _arrival_text(arrived: bool, entry_status: str) -> str:
    """The workbook's 签到 cell: 已到 / 未到 for the expected, and for someone whose entry was
    withdrawn or returned after checking in a value of its own, so that counting 已到 in
    Excel gives the live view's 已到 / 应到."""
    if not arrived:
        return _("未到")
    if entry_status in EXPECTED_STATUSES:
        return _("已到")
    return _("已到（作品已撤回）") if entry_status == "withdrawn" else _("已到（作品未通过审查）")


class AttendanceExporter(ListExporter):
    """A check-in session's attendance: one row per expected person or person who checked in,
    sorted by school and entry. No ID numbers or phones."""

    identifier = "attendance"
    verbose_name = "签到表"
    sheet_name = "签到"

    def __init__(self, session: dict[str, Any]) -> None:
        self.session = session
        self.column_widths = {_("学校"): 28, _("作品名称"): 36, _("签到时间"): 20, _("作品编号"): 12, _("设备"): 16}
        self.text_columns = (_("学校代码"), _("作品编号"))
        self.number_formats = {_("签到时间"): "yyyy-mm-dd hh:mm:ss"}

    def sheet_title(self) -> str:
        return _("签到")

    def header(self) -> list[str]:
        return [
            _("学校代码"),
            _("学校"),
            _("作品编号"),
            _("作品名称"),
            _("姓名"),
            _("角色"),
            _("签到"),
            _("签到时间"),
            _("设备"),
            _("签到员"),
            _("方式"),
        ]

    async def rows(self) -> AsyncIterator[list[Any]]:
        members, checkins = await _attendance_rows(self.session)
        missing_ids = {m["id"] for m in _live(self.session, members, checkins, {})["missing"]}
        arrived = {c["member"]: c for c in checkins}
        role_names = {"student": _("学生"), "adviser": _("辅导教师")}
        method_names = {"qr": _("扫码"), "manual": _("按姓名")}
        for m in members:
            c = arrived.get(m["id"])
            if c is None and m["id"] not in missing_ids:
                continue
            yield [
                m["school_code"],
                m["school_name"],
                m["entry_code"],
                m["entry_title"],
                m["name"],
                role_names.get(m["role"], m["role"]),
                _arrival_text(c is not None, m["entry_status"]),
                c["checked_in_at"].astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0) if c else None,
                c["device"] if c else "",
                (c["staff_name"] or c["staff"] or "") if c else "",
                method_names.get(c["method"], "") if c else "",
            ]


async def attendance_workbook(actor: Principal, session_id: int) -> tuple[bytes | Path, str]:
    """The session's attendance as .xlsx (organizers), :class:`AttendanceExporter`: columns 学校代码,
    学校, 作品编号, 作品名称, 姓名, 角色, 签到 (已到 / 未到, or 已到（作品已撤回） / 已到（作品未通过审查） for
    someone whose entry left the list after checking in), 签到时间 (a real date-time cell,
    Asia/Shanghai), 设备, 签到员, 方式; header frozen, filters on. No ID numbers or phones. Returns (bytes, file name
    ``签到-<event>-<session>.xlsx``); for an event of more than
    :data:`app.exports.exporters.ROWS_IN_PROCESS` people the workbook is made in another process
    (:func:`attendance_workbook_job`) and the first item is its file's path (stream it, then delete it)."""
    _require_organizer(actor)
    session = await get_session(actor, session_id)
    content: bytes | Path
    if in_process(await Member.count().where(Member.event == session["event_id"])):
        content = Path(await jobs.call(ATTENDANCE_JOB, {"session": session, "locale": get_locale()}))
    else:
        content = await AttendanceExporter(session).workbook()
    safe = lambda text: "".join(ch for ch in text if ch not in '\\/:*?"<>|').strip()  # noqa: E731 - file name
    return content, f"{_('签到')}-{safe(session['event_name'] or '')}-{safe(session['name'])}.xlsx"


ATTENDANCE_JOB = "competitions.attendance_workbook"  # a big event's attendance, made in another process


async def attendance_workbook_job(session: dict[str, Any], locale: str = "zh") -> str:
    """The job :data:`ATTENDANCE_JOB` (run by :func:`app.jobs.call` in another process): the
    attendance workbook of ``session`` written under ``<data dir>/exports``; returns its path."""
    set_locale(locale)
    return await workbook_file(AttendanceExporter(session))


__all__ = [
    "AttendanceExporter",
    "attendance_workbook",
    "check_in_member",
    "create_session",
    "delete_session",
    "get_session",
    "list_sessions",
    "live_changes",
    "live_summary",
    "live_totals",
    "live_view",
    "missing_people",
    "recent_arrivals",
    "parse_time",
    "scan",
    "search_members",
    "session_out",
    "update_session",
]
