"""JSON API of certificates (CONTRACT.md): the coverage check, the PDF, public
verification, plus templates, batches, revocation and reissue for organizers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.response import File
from litestar.serialization import encode_json

from app import pubcache
from app.errors import NotFound, TooManyRequests
from app.i18n import _
from app.web import client_address, content_disposition, download, user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import PDF, file_operation, one_of, responses
from app.web.schemas import ErrorOut, ReasonIn, answer
from competitions.events.services import category_ids, get_event_row
from judging.certificates import public
from judging.certificates import services as certificates
from judging.certificates.schemas import (
    BatchIn,
    BatchOut,
    CertificateKind,
    CertificateOut,
    CheckOut,
    IssuedOut,
    TemplateIn,
    TemplateOut,
    VerificationOut,
)

organizer_or_school = requires("organizer", "school")


def base_url_of(request: Request) -> str:
    """The service's own address as the caller reached it (``https://host``), for QR codes."""
    return str(request.base_url).rstrip("/")


def pdf_response(
    content: bytes | Path, ascii_name: str, display_name: str, inline: bool = False, **headers: str
) -> Response:
    """A PDF: bytes, or a file made in another process streamed from disk and deleted once sent."""
    return download(
        content,
        PDF,
        {
            "Content-Disposition": content_disposition(display_name, fallback=ascii_name, inline=inline),
            "Cache-Control": "no-store",
            **headers,
        },
    )


async def _category_id(event_id: int, category_code: str | None) -> int | None:
    if not category_code:
        return None
    found = (await category_ids(event_id)).get(category_code.strip().upper())
    if found is None:
        raise NotFound(_("类别不存在：{code}", code=category_code))
    return found


class CertificateEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["certificates"]

    @get("/certificates/check", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def check(
        self,
        request: Request,
        event_id: int,
        kind: CertificateKind = "award",
        school_code: str | None = None,
        category_code: str | None = None,
    ) -> CheckOut:
        """Names and titles the configured fonts cannot draw (``unprintable``, grouped by
        character in ``missing_characters``), texts too long for their box (``overflow``),
        and where the QR codes point (``verify_base_url``, ``verify_base_url_warning``).
        Read-only; 409 before finalization."""
        return answer(
            CheckOut,
            await certificates.check(
                user_of(request),
                event_id,
                kind,
                school_code,
                await _category_id(event_id, category_code),
                base_url=base_url_of(request),
            ),
        )

    @get(
        "/certificates.pdf",
        guards=[organizer_or_school],
        responses=responses(401, 403, 404, 409, 422),
        operation_class=file_operation(PDF, description="One certificate per page, fonts embedded (PDF)"),
    )
    async def pdf(
        self,
        request: Request,
        event_id: int,
        kind: CertificateKind = "award",
        school_code: str | None = None,
        category_code: str | None = None,
    ) -> Response:
        """One certificate per page, sorted by school, category, award; fonts embedded;
        certificates that cannot be printed are left out (their count is in
        ``X-Unprintable``). A school gets its own. Award certificates due after
        finalization are issued on the way; other kinds only as far as issued."""
        actor = user_of(request)
        category_id = await _category_id(event_id, category_code)
        data, info = await certificates.certificates_pdf(
            actor, event_id, base_url_of(request), kind, school_code, category_id
        )
        school_id = actor.school_id if actor.role == "school" else await certificates.school_id_for_code(school_code)
        ascii_name, display = await certificates.file_names(event_id, kind, school_id, category_id)
        return pdf_response(
            data,
            ascii_name,
            display,
            **{"X-Certificate-Pages": str(info["pages"]), "X-Unprintable": str(len(info["left_out"]))},
        )

    @get("/certificates", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def list_(
        self,
        event_id: int,
        kind: CertificateKind = "award",
        status: Annotated[str, one_of("valid", "revoked", "")] | None = "valid",
        school_code: str | None = None,
    ) -> list[CertificateOut]:
        """Issued certificates in print order (``status=`` valid, revoked or empty for all)."""
        await get_event_row(event_id)  # an unknown event is 404, not an empty list
        school_id = await certificates.school_id_for_code(school_code)
        rows = await certificates.list_certificates(event_id, kind, school_id, None, status or None)
        return answer(list[CertificateOut], [_certificate_out(r) for r in rows])

    @post("/certificates/issue", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def issue(self, request: Request, event_id: int, kind: CertificateKind = "award") -> IssuedOut:
        """Issue the certificates of ``kind`` the finalized results call for (the only way
        participation, adviser and camp certificates are issued); 422 for camp
        certificates of an event that is not a camp."""
        return answer(IssuedOut, await certificates.issue_certificates(user_of(request), event_id, kind))

    @get("/certificate-templates/{kind:str}", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def get_template(self, event_id: int, kind: CertificateKind) -> TemplateOut:
        return answer(TemplateOut, _template_out(await certificates.get_template(event_id, kind)))

    @put("/certificate-templates/{kind:str}", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def put_template(
        self, request: Request, event_id: int, kind: CertificateKind, data: TemplateIn
    ) -> TemplateOut:
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        return answer(
            TemplateOut, _template_out(await certificates.save_template(user_of(request), event_id, kind, values))
        )

    @post(
        "/certificate-batches",
        guards=[organizer_or_school],
        status_code=202,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def start_batch(self, request: Request, event_id: int, data: BatchIn) -> BatchOut:
        return answer(
            BatchOut,
            await certificates.start_batch(
                user_of(request),
                event_id,
                base_url_of(request),
                data.kind,
                data.school_code,
                await _category_id(event_id, data.category_code),
            ),
        )


class CertificateApi(Controller):
    path = "/api/v1"
    tags = ["certificates"]

    @get("/certificates/{number:str}", responses=responses(404, 429))
    async def verify(self, request: Request, number: str) -> VerificationOut:
        """Public, rate-limited: ``{"valid", "name", "event", "award", "issued_at", ...}``; 404 unknown,
        429 (with ``Retry-After``) beyond the look-ups an address may make in a minute. Kept per
        certificate until it changes, with an ``ETag`` (``If-None-Match`` -> 304)."""
        try:
            await certificates.count_verification(client_address(request), limited=not is_organizer(request))

            async def make(result: dict[str, Any]) -> pubcache.Answer:
                return pubcache.Answer(encode_json(answer(VerificationOut, result)), media_type="application/json")

            kept = await public.kept(number, ("json",), make)  # the same for everyone: the public answer
            return pubcache.respond(request, kept)  # type: ignore[return-value]  # Litestar sends a Response as it is
        except TooManyRequests as exc:
            return Response(
                ErrorOut(status_code=429, detail=exc.message, extra=None),
                status_code=429,  # type: ignore[return-value]
                headers={"Retry-After": str(certificates.RETRY_AFTER_SECONDS)},
            )

    @post(
        "/certificates/{certificate_id:int}/revoke",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def revoke(self, request: Request, certificate_id: int, data: ReasonIn) -> CertificateOut:
        return answer(
            CertificateOut, _certificate_out(await certificates.revoke(user_of(request), certificate_id, data.reason))
        )

    @post(
        "/certificates/{certificate_id:int}/reissue",
        guards=[organizer_only],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def reissue(self, request: Request, certificate_id: int, data: ReasonIn) -> CertificateOut:
        return answer(
            CertificateOut, _certificate_out(await certificates.reissue(user_of(request), certificate_id, data.reason))
        )

    @get("/certificate-batches/{batch_id:int}", guards=[organizer_or_school], responses=responses(401, 403, 404))
    async def batch(self, request: Request, batch_id: int) -> BatchOut:
        return answer(BatchOut, await certificates.batch_status(user_of(request), batch_id))

    @post(
        "/certificate-batches/{batch_id:int}/cancel",
        guards=[organizer_or_school],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def cancel_batch(self, request: Request, batch_id: int) -> BatchOut:
        """Stop a queued or running batch: ``status`` becomes ``cancelled`` at once, its worker
        stops within a few pages and leaves no file; 409 once the batch has finished."""
        return answer(BatchOut, await certificates.cancel_batch(user_of(request), batch_id))

    @get(
        "/certificate-batches/{batch_id:int}/file",
        guards=[organizer_or_school],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="The batch's PDF"),
    )
    async def batch_file(self, request: Request, batch_id: int) -> Response:
        return await batch_file_response(request, batch_id)

    @get(
        "/certificates/{certificate_id:int}/certificate.pdf",
        guards=[organizer_only],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="One certificate (PDF)"),
    )
    async def one(self, request: Request, certificate_id: int) -> Response:
        """One valid certificate as a one-page PDF; 409 for a revoked or unprintable one."""
        return await one_certificate_response(request, certificate_id)


async def batch_file_response(request: Request, batch_id: int) -> Response:
    row, path = await certificates.open_batch(user_of(request), batch_id)
    ascii_name, display = await certificates.file_names(
        row["event"], row["kind"], row["school"], row["category"], extra=f"batch{batch_id}"
    )
    # streamed from disk: a 100,000-page batch never passes through the server's memory; a batch
    # larger than certificates.PART_PAGES pages is a ZIP of PDFs of that many pages each
    if path.suffix == ".zip":
        ascii_name, display = ascii_name[: -len(".pdf")] + ".zip", display[: -len(".pdf")] + ".zip"
    return File(
        path=path,
        media_type="application/zip" if path.suffix == ".zip" else PDF,
        headers={"content-disposition": content_disposition(display, fallback=ascii_name), "cache-control": "no-store"},
    )


async def one_certificate_response(request: Request, certificate_id: int) -> Response:
    data, cert = await certificates.certificate_pdf(certificate_id, base_url_of(request))
    ascii_name = f"certificate-{cert['number']}.pdf"
    return pdf_response(data, ascii_name, f"{cert['name']}-{cert['number']}.pdf", inline=True)


def is_organizer(request: Request) -> bool:
    user = request.scope.get("user")
    return user is not None and getattr(user, "role", None) == "organizer"


def _certificate_out(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "number",
        "kind",
        "status",
        "name",
        "school_name",
        "school_code",
        "title",
        "category_name",
        "division",
        "award",
        "revoked_reason",
        "replaced_by",
    )
    out = {k: row.get(k) for k in keep}
    out.update(
        event_id=row.get("event"),
        member_id=row.get("member"),
        entry_id=row.get("entry"),
        issued_at=row["issued_at"].isoformat() if row.get("issued_at") else None,
        revoked_at=row["revoked_at"].isoformat() if row.get("revoked_at") else None,
    )
    return out


def _template_out(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "kind",
        "page_format",
        "orientation",
        "font",
        "fallback_font",
        "fields",
        "date_text",
        "min_award",
        "verify_base_url",
        "stored",
    )
    return {**{k: row.get(k) for k in keep}, "background": bool(row.get("background_key"))}


def api_routes() -> list[Any]:
    return [CertificateEventApi, CertificateApi]
