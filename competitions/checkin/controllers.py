"""JSON API of credentials, badges and check-in (CONTRACT.md rows ``checkin-sessions``,
``participants/{id}/credential`` and ``checkin/scan``). Thin: parse, call a service, serialize."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.response import File

from app.web import content_disposition, download, user_of
from app.web.auth import check_access, organizer_only, requires
from app.web.openapi import PDF, PNG, SVG, XLSX, file_operation, one_of, responses
from app.web.schemas import answer, given_fields
from competitions.checkin import badges, credentials
from competitions.checkin import services as checkin
from competitions.checkin.schemas import (
    CredentialOut,
    LiveOut,
    ManualIn,
    MemberFoundOut,
    ReissueIn,
    ScanIn,
    ScanOut,
    SessionIn,
    SessionOut,
    SessionPatch,
    UndoOut,
)
from competitions.events.services import get_event_row

SCANNER_ROLES = ("organizer", "staff")
SCAN_BODY_MAX = 16 * 1024  # a scan is a few hundred bytes
scanners = requires(*SCANNER_ROLES)
credential_viewers = requires("organizer", "school")


class CheckinApi(Controller):
    """Check-in sessions, scans, search by name, live view and attendance workbook."""

    path = "/api/v1"
    tags = ["check-in"]

    @post(
        "/events/{event_id:int}/checkin-sessions",
        guards=[organizer_only],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def create_session(self, request: Request, event_id: int, data: SessionIn) -> SessionOut:
        """Create a session (报到, 开幕式, a camp activity); times ISO 8601, naive = Asia/Shanghai."""
        return answer(
            SessionOut,
            await checkin.create_session(
                user_of(request), event_id, data.name, data.starts_at, data.ends_at, data.location
            ),
        )

    @get("/events/{event_id:int}/checkin-sessions", guards=[scanners], responses=responses(401, 403, 404))
    async def list_sessions(self, request: Request, event_id: int) -> list[SessionOut]:
        await get_event_row(event_id)  # an unknown event is 404, not an empty list
        return answer(list[SessionOut], await checkin.list_sessions(user_of(request), event_id))

    @get("/checkin-sessions/{session_id:int}", guards=[scanners], responses=responses(401, 403, 404))
    async def get_session(self, request: Request, session_id: int) -> SessionOut:
        return answer(SessionOut, await checkin.get_session(user_of(request), session_id))

    @patch("/checkin-sessions/{session_id:int}", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def update_session(self, request: Request, session_id: int, data: SessionPatch) -> SessionOut:
        """Change any of name, starts_at, ends_at, location (``""`` clears a time)."""
        return answer(SessionOut, await checkin.update_session(user_of(request), session_id, **given_fields(data)))

    @delete(
        "/checkin-sessions/{session_id:int}/checkins/{member_id:int}",
        guards=[scanners],
        status_code=200,
        responses=responses(401, 403, 404),
    )
    async def undo(self, request: Request, session_id: int, member_id: int, reason: str = "") -> UndoOut:
        """Take back a mistaken check-in (audited; ``?reason=``)."""
        return answer(UndoOut, await checkin.undo_checkin(user_of(request), session_id, member_id, reason))

    @delete(
        "/checkin-sessions/{session_id:int}",
        guards=[organizer_only],
        status_code=204,
        responses=responses(401, 403, 404, 409),
    )
    async def delete_session(self, request: Request, session_id: int) -> None:
        await checkin.delete_session(user_of(request), session_id)

    @post(
        "/checkin/scan",
        status_code=200,
        request_max_body_size=SCAN_BODY_MAX,
        responses=responses(401, 403, 404, 413, 422),
    )
    async def scan(self, request: Request, data: ScanIn) -> ScanOut:
        """Check in by credential text (staff, organizers). Results: checked_in,
        already_checked_in, revoked, wrong_event; 422 forged/garbled, 404 unknown. A repeated
        ``client_scan_id`` is answered as before and stored once."""
        actor = check_access(request, SCANNER_ROLES)  # same check as the guard, without its per-call handler copy
        return answer(
            ScanOut,
            await checkin.scan(
                actor,
                data.session_id,
                data.token,
                client_scan_id=data.client_scan_id,
                scanned_at=data.scanned_at,
                device=data.device or "",
            ),
        )

    @post(
        "/checkin/manual",
        guards=[scanners],
        status_code=200,
        request_max_body_size=SCAN_BODY_MAX,
        responses=responses(401, 403, 404, 413, 422),
    )
    async def manual(self, request: Request, data: ManualIn) -> ScanOut:
        """Check in by member id (found by name when the QR is lost); same answer as scan."""
        return answer(
            ScanOut,
            await checkin.check_in_member(
                user_of(request),
                data.session_id,
                data.member_id,
                client_scan_id=data.client_scan_id,
                scanned_at=data.scanned_at,
                device=data.device or "",
            ),
        )

    @get("/checkin-sessions/{session_id:int}/search", guards=[scanners], responses=responses(401, 403, 404))
    async def search(self, request: Request, session_id: int, q: str = "", limit: int = 20) -> list[MemberFoundOut]:
        """Members by name, entry code/title or school (at most ``limit``, 1–100)."""
        return answer(
            list[MemberFoundOut], await checkin.search_members(user_of(request), session_id, q, max(1, min(limit, 100)))
        )

    @get("/checkin-sessions/{session_id:int}/live", guards=[scanners], responses=responses(401, 403, 404))
    async def live(self, request: Request, session_id: int) -> LiveOut:
        """Arrived/expected per school, who is missing, the last 20 check-ins."""
        return answer(LiveOut, await checkin.live_view(user_of(request), session_id))

    @get(
        "/checkin-sessions/{session_id:int}/attendance.xlsx",
        guards=[organizer_only],
        responses=responses(401, 403, 404),
        operation_class=file_operation(XLSX, description="Attendance of the session (.xlsx)"),
    )
    async def attendance(self, request: Request, session_id: int) -> Response:
        data, name = await checkin.attendance_workbook(user_of(request), session_id)
        disposition = content_disposition(name, fallback=f"checkin-{session_id}.xlsx")
        return download(data, XLSX, {"Content-Disposition": disposition})


class CredentialApi(Controller):
    """Members' QR credentials and badges."""

    path = "/api/v1"
    tags = ["credentials"]

    @get(
        "/participants/{member_id:int}/credential",
        guards=[credential_viewers],
        responses=responses(401, 403, 404, 422),
        operation_class=file_operation(PNG, SVG, description="QR image of the credential (PNG or SVG by ``format``)"),
    )
    async def credential(
        self, request: Request, member_id: int, format: Annotated[str, one_of("png", "svg")] = "png"
    ) -> Response:
        """QR image (``png`` or ``svg``) of the member's signed credential; the header
        ``X-Credential`` carries its text (what ``checkin/scan`` takes as ``token``)."""
        actor = user_of(request)
        text = await credentials.member_credential(actor, member_id)
        data, media_type = credentials.qr_image_bytes(text, format)
        return Response(
            data, media_type=media_type, headers={"X-Credential": text, "Cache-Control": "private, no-store"}
        )

    @post(
        "/participants/{member_id:int}/credential/reissue",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
    )
    async def reissue(self, request: Request, member_id: int, data: ReissueIn) -> CredentialOut:
        """Issue a new credential, revoking the old one (reason required, audited)."""
        text = await credentials.reissue_credential(user_of(request), member_id, data.reason)
        return CredentialOut(member_id=member_id, credential=text)

    @get(
        "/events/{event_id:int}/badges.pdf",
        guards=[credential_viewers],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="Badges, eight per A4 sheet (PDF)"),
    )
    async def badges(
        self,
        request: Request,
        event_id: int,
        school_code: str | None = None,
        member_id: int | None = None,
        site_code: str | None = None,
    ) -> Response:
        """Badges (参赛证), eight per A4 sheet with cut marks, sorted by school; a school gets
        its own; ``member_id`` prints one person's (after a reissue). A camp prints 营员证 for the
        students who accepted their seat only, sorted by site; ``site_code`` prints one site's."""
        data, name = await badges.badges_pdf(
            user_of(request), event_id, school_code=school_code, member_id=member_id, site_code=site_code
        )
        return badges_response(data, name)


def badges_response(data: bytes | Path, name: str) -> Response:
    """The badges PDF: bytes as they are, or a file drawn in another process streamed from disk
    and deleted once sent."""
    headers = {"content-disposition": content_disposition(name, inline=True)}
    if isinstance(data, Path):
        return File(path=data, media_type=PDF, headers=headers, background=BackgroundTask(data.unlink, missing_ok=True))
    return Response(data, media_type=PDF, headers=headers)


def api_routes() -> list[Any]:
    return [CheckinApi, CredentialApi]
