"""JSON API of registration: an event's entries, counts and workbooks; entries, members, review, documents."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.response import File

from app.errors import ValidationFailed
from app.i18n import _
from app.settings import get_settings
from app.web import download, upload_bytes, user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import DOC, DOCX, JPEG, PDF, PNG, XLSX, file_operation, responses
from app.web.pagination import MAX_API_LIMIT, api_page_headers
from app.web.schemas import ReasonIn, answer, given_fields
from competitions.registration import duplicates, personal_data, roster
from competitions.registration import services as registration
from competitions.registration.members import MemberInput
from competitions.registration.schemas import (
    ApplicationsImportOut,
    CountsOut,
    DocumentOut,
    DueEventOut,
    DuplicatesOut,
    EntryIn,
    EntryOut,
    EntryPatch,
    EntryStatus,
    HistoryItem,
    ImportOut,
    MemberIn,
    MemberSavedOut,
    PurgeIn,
    PurgeOut,
    ReviewIn,
    ReviewManyIn,
    ReviewManyOut,
)

registrars = requires("organizer", "school")


reviewers = requires("organizer", "city")


viewers = requires("organizer", "city", "school", "judge")


def _member_input(data: MemberIn) -> MemberInput:
    return MemberInput(**msgspec.structs.asdict(data))


class EventRegistrationApi(Controller):
    """An event's entries, counts and registration workbooks."""

    path = "/api/v1/events"
    tags = ["registration"]

    @get(
        "/{event_id:int}/entries",
        guards=[viewers],
        responses=responses(401, 403, 404, 422),
        response_headers=[
            ResponseHeader(
                name="X-Total-Count", description="How many entries match the filters", documentation_only=True
            ),
            ResponseHeader(
                name="Link",
                description="With ``limit``: the ``next`` and ``prev`` pages (RFC 8288), filters kept",
                required=False,
                documentation_only=True,
            ),
        ],
    )
    async def entries(
        self,
        request: Request,
        event_id: int,
        category: str | None = None,
        division: str | None = None,
        city: str | None = None,
        school: str | None = None,
        status: EntryStatus | None = None,
        q: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Response[list[EntryOut]]:
        """Entries the caller may see, with optional filters: every matching entry (the contract's
        list), or with ``limit`` (1-1000) and ``offset`` one page of them. ``q``: the title, the code
        or a student's or adviser's name contains it (case ignored). ``sort``: ``code``,
        ``title``, ``school``, ``status`` or ``updated``, ``-`` before it for the reverse (default:
        category, division, code). ``X-Total-Count`` always gives how many match; a page's ``Link``
        header names the next and previous pages."""
        if limit is not None and not 1 <= limit <= MAX_API_LIMIT:
            message = _("每页条数应在 1 到 {n} 之间。", n=MAX_API_LIMIT)
            raise ValidationFailed(message, errors=[{"field": "limit", "message": message}])
        if offset is not None and offset < 0:
            message = _("起始位置不能为负数。")
            raise ValidationFailed(message, errors=[{"field": "offset", "message": message}])
        if sort and sort.lstrip("-") not in registration.ENTRY_SORTS[1:]:
            message = _("排序方式应为 {choices} 之一。", choices=", ".join(registration.ENTRY_SORTS[1:]))
            raise ValidationFailed(message, errors=[{"field": "sort", "message": message}])
        filters = {"category": category, "division": division, "city": city, "school": school, "status": status, "q": q}
        page = await registration.entries_page(
            user_of(request), event_id, filters, sort=sort or "", limit=limit, offset=offset or 0
        )
        params = {**filters, "sort": sort}
        headers = api_page_headers(
            str(request.url.with_replacements(query="")), params, page["total"], limit, offset or 0
        )
        return Response(answer(list[EntryOut], page["entries"]), headers=headers)

    @post(
        "/{event_id:int}/entries/review",
        guards=[requires("organizer", "city")],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def review_many(self, request: Request, event_id: int, data: ReviewManyIn) -> ReviewManyOut:
        """One review decision for many entries; each is checked on its own and those that
        cannot take it are listed in ``skipped`` with the reason (nothing else changes for them)."""
        return answer(
            ReviewManyOut,
            await registration.review_entries(user_of(request), event_id, data.entry_ids, data.decision, data.reason),
        )

    @post("/{event_id:int}/entries", guards=[registrars], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def create_entry(self, request: Request, event_id: int, data: EntryIn) -> EntryOut:
        """Create an entry with members; a school's entry is a draft unless ``submit`` is true."""
        user = user_of(request)
        body = msgspec.structs.asdict(data)
        members = [_member_input(m) for m in body.pop("members")]
        submit = body.pop("submit")
        entry = await registration.create_entry(user, event_id, body, members)
        if submit and entry["status"] == "draft":
            entry = await registration.submit_entry(user, entry["id"])
        return answer(EntryOut, entry)

    @get("/{event_id:int}/duplicates", guards=[reviewers], responses=responses(401, 403, 404))
    async def duplicates(self, request: Request, event_id: int) -> DuplicatesOut:
        """Students registered by two or more schools of the event (ID numbers masked), and for
        organizers alerts about schools whose uploads matched many other schools' students.
        A city sees students with entries of two of its own schools only."""
        return answer(DuplicatesOut, await duplicates.list_duplicates(user_of(request), event_id))

    @get("/{event_id:int}/counts", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404))
    async def counts(self, request: Request, event_id: int) -> CountsOut:
        return answer(CountsOut, await registration.counts(user_of(request), event_id))

    @get(
        "/{event_id:int}/registration-template",
        guards=[registrars],
        responses=responses(401, 403, 404),
        operation_class=file_operation(XLSX, description="The registration workbook (.xlsx)"),
    )
    async def template(self, request: Request, event_id: int) -> Response:
        """The registration workbook for this event (columns per the contract)."""
        data = await roster.registration_template(user_of(request), event_id)
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="registration-template-{event_id}.xlsx"'},
        )

    @post(
        "/{event_id:int}/registrations/import",
        guards=[registrars],
        status_code=201,
        request_max_body_size=get_settings().max_upload_bytes + 256 * 1024,
        responses=responses(401, 403, 404, 409, 413, 422, 429),
    )
    async def import_(self, request: Request, event_id: int) -> ImportOut | ApplicationsImportOut:
        """Multipart field ``file`` (.xlsx). All-or-nothing; 422 lists every error with row and column.
        A camp's workbook (志愿1–志愿3) answers ``{"applications_created"}``."""
        result = await roster.import_registrations(user_of(request), event_id, await upload_bytes(request))
        if "applications_created" in result:
            return answer(ApplicationsImportOut, result)
        return answer(ImportOut, result)

    @post(
        "/{event_id:int}/registrations/export",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
        operation_class=file_operation(XLSX, description="Every registration with ID numbers and phones (.xlsx)"),
    )
    async def export(self, request: Request, event_id: int, data: ReasonIn) -> Response:
        """Full export with ID numbers and phones: organizer only, needs a reason, logged."""
        content = await roster.export_registrations(user_of(request), event_id, data.reason)
        return download(content, XLSX, {"Content-Disposition": f'attachment; filename="registrations-{event_id}.xlsx"'})


class EntryApi(Controller):
    path = "/api/v1/entries"
    tags = ["entries"]

    @get("/{entry_id:int}", guards=[viewers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, entry_id: int) -> EntryOut:
        return answer(EntryOut, await registration.get_entry(user_of(request), entry_id))

    @patch("/{entry_id:int}", guards=[registrars], responses=responses(401, 403, 404, 409, 422))
    async def update(self, request: Request, entry_id: int, data: EntryPatch) -> EntryOut:
        return answer(EntryOut, await registration.update_entry(user_of(request), entry_id, given_fields(data)))

    @post("/{entry_id:int}/submit", guards=[registrars], status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def submit(self, request: Request, entry_id: int) -> EntryOut:
        return answer(EntryOut, await registration.submit_entry(user_of(request), entry_id))

    @post(
        "/{entry_id:int}/withdraw", guards=[registrars], status_code=200, responses=responses(401, 403, 404, 409, 422)
    )
    async def withdraw(self, request: Request, entry_id: int, data: ReasonIn | None = None) -> EntryOut:
        return answer(
            EntryOut, await registration.withdraw_entry(user_of(request), entry_id, data.reason if data else "")
        )

    @post("/{entry_id:int}/review", guards=[reviewers], status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def review(self, request: Request, entry_id: int, data: ReviewIn) -> EntryOut:
        """形式审查: approve, or return with a reason the school sees."""
        return answer(
            EntryOut,
            await registration.review_entry(
                user_of(request), entry_id, data.decision, data.reason, confirm_duplicates=data.confirm_duplicates
            ),
        )

    @post("/{entry_id:int}/members", guards=[registrars], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def add_member(self, request: Request, entry_id: int, data: MemberIn) -> MemberSavedOut:
        return answer(MemberSavedOut, await registration.add_member(user_of(request), entry_id, _member_input(data)))

    @get(
        "/{entry_id:int}/history", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404)
    )
    async def history(self, request: Request, entry_id: int) -> list[HistoryItem]:
        """The entry's audit trail (ID numbers and phones masked)."""
        from app.audit import entry_history

        await registration.visible_entry_row(user_of(request), entry_id)
        rows = await entry_history(entry_id, organizer=user_of(request).is_organizer)
        return answer(list[HistoryItem], [{**r, "at": r["at"].isoformat()} for r in rows])


class MemberApi(Controller):
    path = "/api/v1/members"
    tags = ["entries"]
    guards = [registrars]

    @put("/{member_id:int}", responses=responses(401, 403, 404, 409, 422))
    async def update(self, request: Request, member_id: int, data: MemberIn) -> MemberSavedOut:
        return answer(
            MemberSavedOut, await registration.update_member(user_of(request), member_id, _member_input(data))
        )

    @delete("/{member_id:int}", status_code=204, responses=responses(401, 403, 404, 409))
    async def remove(self, request: Request, member_id: int) -> None:
        await registration.remove_member(user_of(request), member_id)


class PersonalDataApi(Controller):
    """Purging a finished event's personal data (organizers): what would go, the purge, what is due."""

    path = "/api/v1"
    tags = ["personal data"]

    @get("/events/{event_id:int}/personal-data", guards=[organizer_only], responses=responses(401, 403, 404))
    async def preview(self, request: Request, event_id: int) -> PurgeOut:
        """What a purge would remove (a dry run), whether the results are final and when the data is due."""
        return answer(PurgeOut, await personal_data.purge_preview(user_of(request), event_id))

    @post(
        "/events/{event_id:int}/personal-data/purge",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def purge(self, request: Request, event_id: int, data: PurgeIn) -> PurgeOut:
        """Remove ID numbers, phones, birth dates and uploaded documents of a finished event
        (``dry_run``: only count them). Needs a reason; 409 while the results are not final."""
        result = await personal_data.purge_personal_data(user_of(request), event_id, data.reason, dry_run=data.dry_run)
        return answer(PurgeOut, result)

    @get("/personal-data/due", guards=[organizer_only], responses=responses(401, 403))
    async def due(self) -> list[DueEventOut]:
        """Finished events whose personal data is due to be purged, oldest first."""
        return answer(list[DueEventOut], await personal_data.due_events())


def api_routes() -> list[Any]:
    return [EventRegistrationApi, EntryApi, MemberApi, DocumentApi, PersonalDataApi]


class DocumentApi(Controller):
    """Entry documents (申报书, 研究报告, 查新报告, photos): upload, list, download, delete."""

    path = "/api/v1"
    tags = ["documents"]

    @post(
        "/entries/{entry_id:int}/documents",
        guards=[registrars],
        status_code=201,
        request_max_body_size=get_settings().max_document_bytes + 256 * 1024,
        responses=responses(401, 403, 404, 409, 413, 422),
    )
    async def upload(self, request: Request, entry_id: int) -> DocumentOut:
        """Multipart fields ``kind`` (application_form|research_report|novelty_report|photo|other) and ``file``."""
        from competitions.registration import documents

        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed(_("请选择要上传的文件（表单字段 {field}）。", field="file"))
        kind = form.get("kind")
        return answer(
            DocumentOut,
            await documents.upload_document(
                user_of(request),
                entry_id,
                kind if isinstance(kind, str) else "",
                upload.filename or "",
                await upload.read(),
            ),
        )

    @get("/entries/{entry_id:int}/documents", guards=[viewers], responses=responses(401, 403, 404))
    async def list(self, request: Request, entry_id: int) -> list[DocumentOut]:
        from competitions.registration import documents

        return answer(list[DocumentOut], await documents.list_documents(user_of(request), entry_id))

    @get(
        "/documents/{document_id:int}",
        guards=[viewers],
        responses=responses(401, 403, 404),
        operation_class=file_operation(PDF, DOCX, DOC, JPEG, PNG, description="The document as uploaded"),
    )
    async def download(self, request: Request, document_id: int, inline: bool = False) -> File:
        """The file itself; ``?inline=true`` shows PDFs and photos in the browser."""
        from competitions.registration import documents

        meta, path = await documents.open_document(user_of(request), document_id)
        return File(
            path=path,
            media_type=meta["content_type"],
            headers={
                "content-disposition": documents.content_disposition(meta["filename"], inline=inline),
                "x-content-type-options": "nosniff",
                "content-security-policy": "sandbox",
                "cache-control": "private, no-store",
            },
        )

    @delete(
        "/documents/{document_id:int}", guards=[registrars], status_code=204, responses=responses(401, 403, 404, 409)
    )
    async def remove(self, request: Request, document_id: int) -> None:
        from competitions.registration import documents

        await documents.delete_document(user_of(request), document_id)
