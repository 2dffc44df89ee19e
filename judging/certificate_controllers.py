"""JSON API of certificates (CONTRACT.md): the coverage check, the PDF, public
verification, plus templates, batches, revocation and reissue for organizers."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post, put

from app.auth import organizer_only, requires
from app.errors import NotFound
from app.i18n import _
from app.web import user_of
from judging import certificates
from judging.results import category_ids

PDF = "application/pdf"
organizer_or_school = requires("organizer", "school")


def base_url_of(request: Request) -> str:
    """The service's own address as the caller reached it (``https://host``), for QR codes."""
    return str(request.base_url).rstrip("/")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def pdf_response(content: bytes, ascii_name: str, display_name: str, inline: bool = False, **headers: str) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, media_type=PDF, headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(display_name)}",
        "Cache-Control": "no-store", **headers})


async def _category_id(event_id: int, category_code: str | None) -> int | None:
    if not category_code:
        return None
    found = (await category_ids(event_id)).get(category_code.strip().upper())
    if found is None:
        raise NotFound(_("类别不存在：{code}", code=category_code))
    return found


class TemplateIn(msgspec.Struct, omit_defaults=True):
    page_format: str | None = None
    orientation: str | None = None
    font: str | None = None
    fallback_font: str | None = None
    fields: list[dict[str, Any]] | None = None
    date_text: str | None = None
    min_award: str | None = None
    verify_base_url: str | None = None


class ReasonIn(msgspec.Struct):
    reason: str = ""


class BatchIn(msgspec.Struct):
    kind: str = "award"
    school_code: str | None = None
    category_code: str | None = None


class CertificateEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["certificates"]

    @get("/certificates/check", guards=[organizer_only])
    async def check(self, request: Request, event_id: int, kind: str = "award", school_code: str | None = None,
                    category_code: str | None = None) -> dict[str, Any]:
        """Names and titles the configured fonts cannot draw; 409 before finalization."""
        return await certificates.check(user_of(request), event_id, kind, school_code, await _category_id(event_id, category_code))

    @get("/certificates.pdf", guards=[organizer_or_school])
    async def pdf(self, request: Request, event_id: int, kind: str = "award", school_code: str | None = None,
                  category_code: str | None = None) -> Response:
        """One certificate per page, sorted by school, category, award; fonts embedded;
        unprintable ones left out (their count is in ``X-Unprintable``). A school gets its own."""
        data, info = await certificates.certificates_pdf(user_of(request), event_id, base_url_of(request), kind, school_code,
                                                         await _category_id(event_id, category_code))
        return pdf_response(data, f"certificates-{event_id}.pdf", f"certificates-{event_id}.pdf",
                            **{"X-Certificate-Pages": str(info["pages"]), "X-Unprintable": str(len(info["unprintable"]))})

    @get("/certificates", guards=[organizer_only])
    async def list_(self, event_id: int, kind: str = "award", status: str | None = "valid", school_code: str | None = None) -> list[dict[str, Any]]:
        """Issued certificates in print order (``status=`` valid, revoked or empty for all)."""
        school_id = await certificates.school_id_for_code(school_code)
        rows = await certificates.list_certificates(event_id, kind, school_id, None, status or None)
        return [_certificate_out(r) for r in rows]

    @post("/certificates/issue", guards=[organizer_only], status_code=200)
    async def issue(self, request: Request, event_id: int, kind: str = "award") -> dict[str, Any]:
        return await certificates.ensure_certificates(event_id, kind, user_of(request))

    @get("/certificate-templates/{kind:str}", guards=[organizer_only])
    async def get_template(self, event_id: int, kind: str) -> dict[str, Any]:
        return _template_out(await certificates.get_template(event_id, kind))

    @put("/certificate-templates/{kind:str}", guards=[organizer_only])
    async def put_template(self, request: Request, event_id: int, kind: str, data: TemplateIn) -> dict[str, Any]:
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        return _template_out(await certificates.save_template(user_of(request), event_id, kind, values))

    @post("/certificate-batches", guards=[organizer_or_school], status_code=202)
    async def start_batch(self, request: Request, event_id: int, data: BatchIn) -> dict[str, Any]:
        return await certificates.start_batch(user_of(request), event_id, base_url_of(request), data.kind, data.school_code,
                                              await _category_id(event_id, data.category_code))


class CertificateApi(Controller):
    path = "/api/v1"
    tags = ["certificates"]

    @get("/certificates/{number:str}")
    async def verify(self, request: Request, number: str) -> dict[str, Any]:
        """Public, rate-limited: ``{"valid", "name", "event", "award", "issued_at", ...}``; 404 unknown."""
        return await certificates.verify(number, client_address(request))

    @post("/certificates/{certificate_id:int}/revoke", guards=[organizer_only], status_code=200)
    async def revoke(self, request: Request, certificate_id: int, data: ReasonIn) -> dict[str, Any]:
        return _certificate_out(await certificates.revoke(user_of(request), certificate_id, data.reason))

    @post("/certificates/{certificate_id:int}/reissue", guards=[organizer_only], status_code=201)
    async def reissue(self, request: Request, certificate_id: int, data: ReasonIn) -> dict[str, Any]:
        return _certificate_out(await certificates.reissue(user_of(request), certificate_id, data.reason))

    @get("/certificate-batches/{batch_id:int}", guards=[organizer_or_school])
    async def batch(self, request: Request, batch_id: int) -> dict[str, Any]:
        return await certificates.batch_status(user_of(request), batch_id)

    @get("/certificate-batches/{batch_id:int}/file", guards=[organizer_or_school])
    async def batch_file(self, request: Request, batch_id: int) -> Response:
        row, path = await certificates.open_batch(user_of(request), batch_id)
        return pdf_response(path.read_bytes(), f"certificates-{row['event']}-{batch_id}.pdf", f"certificates-{row['event']}-{batch_id}.pdf")


def _certificate_out(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "number", "kind", "status", "name", "school_name", "school_code", "title", "category_name", "division", "award",
            "revoked_reason", "replaced_by")
    out = {k: row.get(k) for k in keep}
    out.update(event_id=row.get("event"), member_id=row.get("member"), entry_id=row.get("entry"),
               issued_at=row["issued_at"].isoformat() if row.get("issued_at") else None,
               revoked_at=row["revoked_at"].isoformat() if row.get("revoked_at") else None)
    return out


def _template_out(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "page_format", "orientation", "font", "fallback_font", "fields", "date_text", "min_award", "verify_base_url", "stored")
    return {**{k: row.get(k) for k in keep}, "background": bool(row.get("background_key"))}


def certificate_api_routes() -> list[Any]:
    return [CertificateEventApi, CertificateApi]
