"""Check-in web pages: sessions per event, the scan page for staff (camera, USB scanner,
search by name, offline queue), the live view with its workbook, badges and credentials.

The scan page's JavaScript (``app/static/checkin.js``) talks to the small JSON endpoints
below (session cookie + CSRF header, like the judges' tablet page); they call the same
services as the JSON API.
"""

from __future__ import annotations

import functools
from typing import Any

from litestar import Controller, Request, Response, get, post

from app.errors import ServiceError, ValidationFailed
from app.i18n import _
from app.settings import STATIC_DIR
from app.web import content_disposition, download, flash, form_value, redirect, render, user_of, worker_script
from app.web.auth import organizer_only, requires
from app.web.headers import allow_inline_script
from competitions.checkin import badges, credentials
from competitions.checkin import services as checkin
from competitions.checkin.controllers import badges_response
from competitions.events import services as events

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
scanners = requires("organizer", "staff")
SCAN_BODY_MAX = 16 * 1024
SEARCH_LIMIT = 20
credential_viewers = requires("organizer", "school")


def _is_secure(request: Request) -> bool:
    """Browsers give the camera only to HTTPS pages and to localhost."""
    host = (request.url.hostname or "").lower()
    return request.url.scheme == "https" or host in ("localhost", "127.0.0.1", "::1")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except Exception:  # noqa: BLE001 - any unreadable body is the same mistake
        body = None
    return body if isinstance(body, dict) else {}


def _member_id(body: dict[str, Any], message: str) -> int:
    """``member_id`` from a JSON body; 422 with ``message`` when missing or not a number."""
    try:
        return int(body.get("member_id"))
    except (TypeError, ValueError):
        raise ValidationFailed(message) from None


@functools.cache
def _outbox_js() -> str:
    """app/static/outbox.js, inlined into the scan page (its offline copy in the service worker keeps it); read once."""
    return allow_inline_script((STATIC_DIR / "outbox.js").read_text(encoding="utf-8"))  # its hash joins the CSP


class CheckinPages(Controller):
    path = "/checkin"
    include_in_schema = False

    @get("/", guards=[scanners])
    async def index(self, request: Request) -> Any:
        """Sessions by event; organizers also create sessions here."""
        user = user_of(request)
        all_events = await events.list_events()
        sessions = await checkin.list_sessions(user)
        by_event: dict[int, list[dict[str, Any]]] = {}
        for s in sessions:
            by_event.setdefault(s["event_id"], []).append(s)
        blocks = []
        for e in all_events:
            approved, schools = 0, []
            if user.is_organizer:
                schools = await badges.schools_with_badges(e["id"])
                approved = sum(s["entries"] for s in schools)
            sites = await badges.badge_sites(e["id"]) if user.is_organizer else []
            blocks.append(
                {
                    "event": e,
                    "sessions": by_event.get(e["id"], []),
                    "approved": approved,
                    "schools": schools,
                    "sites": sites,
                }
            )
        if not user.is_organizer:
            blocks = [b for b in blocks if b["sessions"]]
        return render(request, "competitions/checkin/sessions.html", blocks=blocks)

    @post("/events/{event_id:int}/sessions", guards=[organizer_only])
    async def create_session(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        try:
            session = await checkin.create_session(
                user_of(request),
                event_id,
                form_value(form, "name"),
                form_value(form, "starts_at"),
                form_value(form, "ends_at"),
                form_value(form, "location"),
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect("/checkin/")
        flash(request, _("已创建签到场次：{name}", name=session["name"]))
        return redirect("/checkin/")

    @post("/{session_id:int}/edit", guards=[organizer_only])
    async def edit_session(self, request: Request, session_id: int) -> Any:
        form = await request.form()
        try:
            await checkin.update_session(
                user_of(request),
                session_id,
                form_value(form, "name"),
                form_value(form, "starts_at"),
                form_value(form, "ends_at"),
                form_value(form, "location"),
            )
            flash(request, _("已保存"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect("/checkin/")

    @post("/{session_id:int}/delete", guards=[organizer_only])
    async def delete_session(self, request: Request, session_id: int) -> Any:
        try:
            await checkin.delete_session(user_of(request), session_id)
            flash(request, _("已删除签到场次"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect("/checkin/")

    @get("/sw.js")
    async def service_worker(self) -> Response:
        """The scan page's service worker (``app/static/checkin-sw.js``, scope ``/checkin/``):
        the page still opens after an offline reload. Public like ``/static``; its cache
        version is a digest of the static files, so a new deployment replaces the cached ones."""
        return worker_script("checkin-sw.js")

    @get("/{session_id:int}/scan", guards=[scanners])
    async def scan_page(self, request: Request, session_id: int) -> Any:
        """The staff scan page (camera, USB scanner, search by name, offline queue)."""
        session = await checkin.get_session(user_of(request), session_id)
        base = f"/checkin/{session_id}"
        return render(
            request,
            "competitions/checkin/scan.html",
            session=session,
            secure=_is_secure(request),
            outbox_js=_outbox_js(),
            urls={
                "scan": f"{base}/scan",
                "manual": f"{base}/manual",
                "search": f"{base}/search",
                "live": f"{base}/live",
                "undo": f"{base}/undo",
            },
        )

    @post("/{session_id:int}/scan", guards=[scanners], status_code=200, request_max_body_size=SCAN_BODY_MAX)
    async def scan(self, request: Request, session_id: int) -> Any:
        """JSON for the scan page: ``{"token", "client_scan_id"?, "scanned_at"?, "device"?}``;
        answers as ``POST /api/v1/checkin/scan``."""
        body = await _json_body(request)
        return await checkin.scan(
            user_of(request),
            session_id,
            str(body.get("token") or ""),
            client_scan_id=body.get("client_scan_id"),
            scanned_at=body.get("scanned_at"),
            device=str(body.get("device") or ""),
        )

    @post("/{session_id:int}/manual", guards=[scanners], status_code=200, request_max_body_size=SCAN_BODY_MAX)
    async def manual(self, request: Request, session_id: int) -> Any:
        """JSON for the scan page: ``{"member_id", "client_scan_id"?, "scanned_at"?, "device"?}``."""
        body = await _json_body(request)
        member_id = _member_id(body, _("请选择要签到的人。"))
        return await checkin.check_in_member(
            user_of(request),
            session_id,
            member_id,
            client_scan_id=body.get("client_scan_id"),
            scanned_at=body.get("scanned_at"),
            device=str(body.get("device") or ""),
        )

    @get("/{session_id:int}/search", guards=[scanners])
    async def search(self, request: Request, session_id: int, q: str = "") -> Any:
        """JSON for the scan page: ``{"results": [...20 at most], "more": bool}``."""
        rows = await checkin.search_members(user_of(request), session_id, q, SEARCH_LIMIT + 1)
        return {"results": rows[:SEARCH_LIMIT], "more": len(rows) > SEARCH_LIMIT}

    @post("/{session_id:int}/undo", guards=[scanners], status_code=200, request_max_body_size=SCAN_BODY_MAX)
    async def undo(self, request: Request, session_id: int) -> Any:
        """JSON for the scan page: ``{"member_id", "reason"?}`` takes back a mistaken check-in."""
        body = await _json_body(request)
        member_id = _member_id(body, _("请选择要撤销签到的人。"))
        return await checkin.undo_checkin(user_of(request), session_id, member_id, str(body.get("reason") or ""))

    @get("/{session_id:int}/live", guards=[scanners])
    async def live(self, request: Request, session_id: int) -> Any:
        """Arrivals per school, the missing count, recent scans (a summary, small whatever the
        size of the event); who is missing at a school comes on demand; follows the live stream."""
        view = await checkin.live_summary(user_of(request), session_id)
        return render(request, "competitions/checkin/live.html", view=view, session=view["session"])

    @get("/{session_id:int}/live/changes", guards=[scanners])
    async def live_changes(
        self, request: Request, session_id: int, since: int | None = None, recent: bool = False
    ) -> Any:
        """JSON for the live page when it polls (or after its stream was down): what changed
        since the version it shows (:func:`competitions.checkin.services.live_changes`)."""
        changes = await checkin.live_changes(user_of(request), session_id, since, recent=recent)
        return Response(changes, headers={"Cache-Control": "no-store"})

    @get("/{session_id:int}/missing", guards=[scanners])
    async def missing(self, request: Request, session_id: int, school_id: int | None = None) -> Any:
        """Who has not arrived, everywhere or at one school (the live page opens one school's part)."""
        user = user_of(request)
        session = await checkin.get_session(user, session_id)
        people = await checkin.missing_people(user, session_id, school_id)
        return render(request, "competitions/checkin/missing.html", session=session, people=people, school_id=school_id)

    @get("/{session_id:int}/attendance.xlsx", guards=[organizer_only])
    async def attendance(self, request: Request, session_id: int) -> Response:
        data, name = await checkin.attendance_workbook(user_of(request), session_id)
        disposition = content_disposition(name, fallback=f"checkin-{session_id}.xlsx")
        return download(data, XLSX, {"Content-Disposition": disposition})

    @get("/badges/{event_id:int}", guards=[credential_viewers])
    async def badges(
        self,
        request: Request,
        event_id: int,
        school_code: str | None = None,
        member_id: int | None = None,
        site_code: str | None = None,
    ) -> Response:
        """Badges PDF for the page's session-cookie users (the API has the same)."""
        data, name = await badges.badges_pdf(
            user_of(request),
            event_id,
            school_code=school_code or None,
            member_id=member_id,
            site_code=site_code or None,
        )
        return badges_response(data, name)

    @get("/credentials/{member_id:int}", guards=[credential_viewers])
    async def credential(self, request: Request, member_id: int, format: str = "svg") -> Response:
        data, media_type = await credentials.credential_image(user_of(request), member_id, format)
        return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})

    @post("/credentials/{member_id:int}/reissue", guards=[organizer_only])
    async def reissue(self, request: Request, member_id: int) -> Any:
        form = await request.form()
        back = form_value(form, "next") or "/checkin/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/checkin/"
        try:
            await credentials.reissue_credential(user_of(request), member_id, form_value(form, "reason"))
            flash(request, _("已补发凭证，旧的参赛证二维码已作废。"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect(back)


def page_routes() -> list[Any]:
    return [CheckinPages]
