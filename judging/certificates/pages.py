"""Certificate pages.

- Organizer, under ``/events/{event_id}/judging/certificates``: the overview per kind
  (coverage check, batches with a progress bar, issued certificates with revoke and
  reissue), the designer (page, background image, fonts, fields in millimetres, a
  layout sketch and a preview with real data).
- School coordinator: ``/certificates/`` lists the finalized events of the school and
  downloads its own certificates.
- Public: ``/verify`` (a form) and ``/verify/{number}`` (where the QR code points), made
  for phones.

Thin controllers: they parse forms and call :mod:`judging.certificates.services`, the same
services the JSON API uses.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException

from app import pubcache
from app.errors import ServiceError, TooManyRequests
from app.i18n import _, get_locale, gettext_terms
from app.times import show_time
from app.web import client_address, flash, form_bool, form_int, form_value, redirect, render, render_bytes, user_of
from app.web.auth import organizer_only, requires
from app.web.errors import http_error_handler
from competitions.events import services as events
from judging.certificates import public
from judging.certificates import services as certificates
from judging.certificates.controllers import (
    base_url_of,
    batch_file_response,
    is_organizer,
    one_certificate_response,
    pdf_response,
)
from judging.certificates.render import FIELD_TYPES, PAGE_SIZES, page_size
from judging.results.services import AWARD_LABELS
from judging.rounds.states import RoundState
from judging.scoring.views import event_context, json_response

school_only = requires("school")
BATCH_STATUS_LABELS = {
    "queued": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
    "stale": "已过期",
}
ALIGN_LABELS = {"L": "左对齐", "C": "居中", "R": "右对齐"}
ORIENTATION_LABELS = {"L": "横向", "P": "纵向"}
FIELD_COLUMNS = ("type", "x", "y", "w", "h", "size", "align", "font", "color", "prefix", "suffix", "text")


def _kind(kind: str | None) -> str:
    return kind if kind in certificates.KINDS else "award"


async def _ctx(event_id: int, kind: str) -> dict[str, Any]:
    ctx = await event_context(event_id)
    event_row = await events.get_event_row(event_id)
    camp = event_row["kind"] == "camp"
    if camp:  # a camp has no judging: its certificates follow completion, not results
        ctx["tabs"] = [t for t in ctx["tabs"] if t[0] == "certificates"]
    return {
        **ctx,
        "tab": "certificates",
        "kind": kind,
        "kinds": certificates.kinds_for_event(event_row),
        "event_kind": str(event_row.get("kind") or ""),
        "cbase": f"/events/{event_id}/judging/certificates",
        "camp": camp,
    }


def today_text() -> str:
    """Today in Asia/Shanghai, as certificates print dates (2026年11月30日)."""
    today = certificates.now().astimezone(certificates.SHANGHAI)
    return f"{today.year}年{today.month}月{today.day}日"


def _font_too_large(request: Request, exc: HTTPException) -> Response:
    """413 on the font upload: a font-specific message instead of the spreadsheet one."""
    if exc.status_code == 413 or exc.detail == "Request Entity Too Large":
        # (an exception handler cannot store a flash message: the designer shows it from the query)
        event_id = request.path_params.get("event_id")
        kind = _kind(request.query_params.get("kind"))
        return redirect(f"/events/{event_id}/judging/certificates/design?kind={kind}&font_error=too_large")
    return http_error_handler(request, exc)


def back_to(event_id: int, kind: str, path: str = "") -> Any:
    return redirect(f"/events/{event_id}/judging/certificates{path}?kind={kind}")


def _fields_from_form(form: Any) -> list[dict[str, Any]]:
    columns = {c: [v if isinstance(v, str) else "" for v in form.getall(f"f_{c}", [])] for c in FIELD_COLUMNS}
    shrink = {v for v in form.getall("f_shrink", []) if isinstance(v, str)}
    rows = []
    for i, type_ in enumerate(columns["type"]):
        if not type_.strip():
            continue  # "remove" or an unused new row
        row = {c: columns[c][i] if i < len(columns[c]) else "" for c in FIELD_COLUMNS}
        for c in ("type", "x", "y", "w", "h", "size", "align", "font", "color"):
            row[c] = row[c].strip()  # texts, prefixes and suffixes keep their spaces
        row["shrink"] = str(i) in shrink
        rows.append(row)
    return rows


def _sketch(template: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Positions in percent of the page for the layout sketch on the designer page (``labels``:
    the field types' names, :func:`certificates.field_labels`)."""
    labels = labels or certificates.FIELD_LABELS
    width, height = page_size(template["page_format"], template["orientation"])
    boxes = []
    for i, f in enumerate(template["fields"]):
        size_mm = float(f.get("size") or 0) * 25.4 / 72
        w = float(f.get("w") or 0) or (width - float(f["x"]))
        h = w if f["type"] == "qr" else (float(f.get("h") or 0) or size_mm * 1.4)
        label = labels[f["type"]] if f["type"] != "text" else (f.get("text") or "")
        boxes.append(
            {
                "n": i + 1,
                "type": f["type"],
                "label": label,
                "left": 100 * float(f["x"]) / width,
                "top": 100 * float(f["y"]) / height,
                "width": 100 * w / width,
                "height": 100 * h / height,
                "align": f.get("align") or "L",
                "font_vw": size_mm / width * 100,
            }
        )
    return {"ratio": f"{width} / {height}", "boxes": boxes, "width": width, "height": height}


class CertificatePages(Controller):
    path = "/events/{event_id:int}/judging/certificates"
    include_in_schema = False
    guards = [organizer_only]

    @get("/")
    async def overview(
        self,
        request: Request,
        event_id: int,
        kind: str | None = None,
        q: str = "",
        status: str = "valid",
        page: int | None = None,
    ) -> Any:
        asked = kind
        kind = _kind(kind)
        ctx = await _ctx(event_id, kind)
        if asked is None and kind not in ctx["kinds"] and ctx["kinds"]:
            kind = next(iter(ctx["kinds"]))  # a camp's only kind: 结营证书
            ctx["kind"] = kind
        actor = user_of(request)
        # a camp or talent programme has no results to finalize: attendance or the year-end review decide
        finalized = RoundState.of(ctx["state"]) is RoundState.FINALIZED or ctx["event_kind"] in ("camp", "talent")
        check = None
        rows: list[dict[str, Any]] = []
        error = ""
        page = max(1, page or 1)
        issued_before = 0
        if kind not in ctx["kinds"]:
            error = (
                _("培养证书只适用于后备人才培养计划，其他证书不适用于它。")
                if "talent" in (kind, ctx["event_kind"])
                else _("结营证书只适用于科学营，本赛事不是科学营。")
            )
        elif finalized:
            try:
                check = await certificates.check(actor, event_id, kind, base_url=base_url_of(request))
                rows = await certificates.list_certificates(
                    event_id, kind, status=status if status in ("valid", "revoked") else None, search=q
                )
            except ServiceError as exc:
                error = exc.message
        else:
            issued_before = len(await certificates.list_certificates(event_id, kind))
        template = await certificates.get_template(event_id, kind)
        for u in (check or {}).get("unprintable", []):
            u["codes"] = [f"{ord(ch):04X}" for ch in u["characters"]]
        field_labels = {**certificates.field_labels(ctx["event_kind"]), "template": "模板文字"}
        pages = max(1, -(-len(rows) // certificates.LIST_PAGE_SIZE))
        page = min(page, pages)
        shown = rows[(page - 1) * certificates.LIST_PAGE_SIZE : page * certificates.LIST_PAGE_SIZE]
        base = certificates.verify_base(template, base_url_of(request))
        return render(
            request,
            "judging/certificates/certificates.html",
            **ctx,
            field_labels=field_labels,
            finalized=finalized,
            check=check,
            rows=shown,
            total_rows=len(rows),
            page=page,
            pages=pages,
            q=q,
            status=status,
            error=error,
            tpl=template,
            batches=await certificates.list_batches(actor, event_id),
            part_pages=certificates.part_size(),
            issued_before=issued_before,
            url_warning=certificates.base_url_warning(base),
            explicit=kind in certificates.EXPLICIT_KINDS,
            schools=await _schools(event_id),
            categories=await events.list_categories(event_id),
            award_labels={**AWARD_LABELS, **certificates.TALENT_AWARD_LABELS},  # 培养证书: 优秀, 合格
            mentor_parts=certificates.mentor_parts,
            batch_labels=BATCH_STATUS_LABELS,
            show_time=show_time,
        )

    @get("/design")
    async def design(
        self, request: Request, event_id: int, kind: str | None = None, font_error: str | None = None
    ) -> Any:
        kind = _kind(kind)
        errors = []
        if font_error == "too_large":
            errors.append(
                {
                    "field": "file",
                    "message": _(
                        "字体文件超过 {limit} MB 上限。请上传单个字体文件，或从字体集中只导出需要的字体。",
                        limit=certificates.MAX_FONT_BYTES // 1048576,
                    ),
                }
            )
        return await self._design_page(
            request, event_id, kind, await certificates.get_template(event_id, kind), errors=errors
        )

    async def _design_page(
        self,
        request: Request,
        event_id: int,
        kind: str,
        template: dict[str, Any],
        status_code: int = 200,
        errors: list[dict[str, Any]] | None = None,
    ) -> Any:
        ctx = await _ctx(event_id, kind)
        labels = certificates.field_labels(ctx["event_kind"])
        _subject, _team, preview_sample = await certificates.preview_subject(event_id, kind, template)
        fields = list(template["fields"]) + [
            {
                "type": "",
                "x": "",
                "y": "",
                "w": "",
                "h": "",
                "size": "",
                "align": "L",
                "shrink": True,
                "font": "",
                "color": "#000000",
                "prefix": "",
                "suffix": "",
                "text": "",
            }
            for _i in range(2)
        ]
        return render(
            request,
            "judging/certificates/design.html",
            status_code=status_code,
            **ctx,
            tpl=template,
            fields=fields,
            fonts=await certificates.list_fonts(event_id),
            field_labels=labels,
            field_types=FIELD_TYPES,
            page_sizes=PAGE_SIZES,
            aligns=ALIGN_LABELS,
            orientations=ORIENTATION_LABELS,
            sketch=_sketch(template, labels),
            preview_sample=preview_sample,
            errors=errors or [],
            png_preview=bool(shutil.which("pdftoppm")),
            today=today_text(),
            url_warning=certificates.base_url_warning(certificates.verify_base(template, base_url_of(request))),
            background_warning=certificates.background_warning(template) if template.get("background_key") else None,
            placeholders=certificates.ALLOWED_PLACEHOLDERS,
        )

    @post("/design")
    async def save_design(self, request: Request, event_id: int, kind: str | None = None) -> Any:
        kind = _kind(kind)
        form = await request.form()
        data = {
            "page_format": form_value(form, "page_format"),
            "orientation": form_value(form, "orientation"),
            "font": form_value(form, "font"),
            "fallback_font": form_value(form, "fallback_font"),
            "date_text": form_value(form, "date_text"),
            "min_award": form_value(form, "min_award") or "first",
            "verify_base_url": form_value(form, "verify_base_url"),
            "fields": _fields_from_form(form),
        }
        if form_bool(form, "reset"):
            try:
                dims = page_size(data["page_format"].upper() or "A4", data["orientation"].upper() or "L")
            except KeyError:
                dims = (297.0, 210.0)
            event_kind = str((await events.get_event_row(event_id)).get("kind") or "")
            data["fields"] = certificates.default_fields(kind, *dims, event_kind=event_kind)
        try:
            await certificates.save_template(user_of(request), event_id, kind, data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            current = await certificates.get_template(event_id, kind)
            return await self._design_page(
                request,
                event_id,
                kind,
                {**current, **{k: v for k, v in data.items() if k != "fields"}},
                status_code=422,
                errors=exc.errors,
            )
        flash(request, _("证书模板已保存。"))
        return redirect(f"/events/{event_id}/judging/certificates/design?kind={kind}#preview")

    @post("/background")
    async def background(self, request: Request, event_id: int, kind: str | None = None) -> Any:
        kind = _kind(kind)
        form = await request.form()
        try:
            if form_bool(form, "remove"):
                await certificates.remove_background(user_of(request), event_id, kind)
                flash(request, _("背景图片已移除，将使用默认边框。"))
            else:
                upload = form.get("file")
                if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
                    raise ServiceError(_("请先选择要上传的文件。"))
                saved = await certificates.upload_background(user_of(request), event_id, kind, await upload.read())
                flash(request, _("背景图片已上传。请看下面的预览，必要时调整各字段的位置。"))
                warning = certificates.background_warning(saved)
                if warning:
                    flash(request, warning, "warning")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect(f"/events/{event_id}/judging/certificates/design?kind={kind}")

    @post(
        "/fonts",
        request_max_body_size=certificates.MAX_FONT_BYTES + 256 * 1024,
        exception_handlers={HTTPException: _font_too_large},
    )
    async def font(self, request: Request, event_id: int, kind: str | None = None) -> Any:
        kind = _kind(kind)
        form = await request.form()
        upload = form.get("file")
        try:
            if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
                raise ServiceError(_("请先选择要上传的文件。"))
            index = form_int(form, "font_index") or 0
            info = await certificates.upload_font(
                user_of(request), event_id, upload.filename, await upload.read(), index=index
            )
            flash(
                request,
                _(
                    "字体 {name} 已上传（{glyphs} 个字符）。在下面的“字体”中选择它即可使用。",
                    name=info["family"],
                    glyphs=info["glyphs"],
                ),
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect(f"/events/{event_id}/judging/certificates/design?kind={kind}")

    @get("/preview.pdf")
    async def preview_pdf(self, request: Request, event_id: int, kind: str | None = None) -> Response:
        kind = _kind(kind)
        data = await certificates.preview(event_id, kind, base_url_of(request))
        return pdf_response(data, f"preview-{kind}.pdf", f"preview-{kind}.pdf", inline=True)

    @get("/preview.png")
    async def preview_png(self, request: Request, event_id: int, kind: str | None = None) -> Response:
        """The preview as a picture (needs ``pdftoppm``; the page offers the PDF otherwise)."""
        kind = _kind(kind)
        tool = shutil.which("pdftoppm")
        if not tool:
            return Response(b"", status_code=404)
        data = await certificates.preview(event_id, kind, base_url_of(request))

        def convert() -> bytes:
            with tempfile.TemporaryDirectory() as tmp:
                pdf = Path(tmp) / "p.pdf"
                pdf.write_bytes(data)
                subprocess.run(
                    [tool, "-png", "-r", "60", "-singlefile", str(pdf), str(Path(tmp) / "p")],
                    check=True,
                    timeout=60,
                    capture_output=True,
                )
                return (Path(tmp) / "p.png").read_bytes()

        return Response(await asyncio.to_thread(convert), media_type="image/png", headers={"Cache-Control": "no-store"})

    @post("/issue")
    async def issue(self, request: Request, event_id: int, kind: str | None = None) -> Any:
        kind = _kind(kind)
        try:
            result = await certificates.issue_certificates(user_of(request), event_id, kind)
            flash(request, _("已颁发 {n} 张新证书；共 {valid} 张有效。", n=result["issued"], valid=result["valid"]))
            if result["without_holders"]:
                event_kind = str((await events.get_event_row(event_id)).get("kind") or "")
                flash(
                    request,
                    gettext_terms(
                        "{n} 个作品没有领取证书的人，没有为它们颁发：见“打印前检查”。",
                        event_kind,
                        n=len(result["without_holders"]),
                    ),
                    "warning",
                )
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return back_to(event_id, kind)

    @post("/batches")
    async def start_batch(self, request: Request, event_id: int, kind: str | None = None) -> Any:
        kind = _kind(kind)
        form = await request.form()
        try:
            await certificates.start_batch(
                user_of(request),
                event_id,
                base_url_of(request),
                kind,
                form_value(form, "school_code") or None,
                form_int(form, "category_id"),
            )
            flash(request, _("证书 PDF 开始生成，完成后可在下面下载。"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect(f"/events/{event_id}/judging/certificates/?kind={kind}#batches")

    @post("/batches/{batch_id:int}/cancel")
    async def cancel_batch(self, request: Request, event_id: int, batch_id: int, kind: str | None = None) -> Any:
        try:
            batch = await certificates.cancel_batch(user_of(request), batch_id)
            flash(request, _("已取消生成证书 PDF（批次 {id}）。", id=batch_id))
            kind = batch["kind"]
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return redirect(f"/events/{event_id}/judging/certificates/?kind={_kind(kind)}#batches")

    @get("/batches/{batch_id:int}/status")
    async def batch_json(self, request: Request, event_id: int, batch_id: int) -> Response:
        return json_response(await certificates.batch_status(user_of(request), batch_id))

    @get("/batches/{batch_id:int}/file")
    async def batch_file(self, request: Request, event_id: int, batch_id: int) -> Response:
        return await batch_file_response(request, batch_id)

    @get("/{certificate_id:int}/certificate.pdf")
    async def one(self, request: Request, event_id: int, certificate_id: int) -> Response:
        """One certificate as a PDF for the office (the number links here, not to the
        rate-limited public page)."""
        return await one_certificate_response(request, certificate_id)

    @post("/{certificate_id:int}/revoke")
    async def revoke(self, request: Request, event_id: int, certificate_id: int, kind: str | None = None) -> Any:
        form = await request.form()
        try:
            row = await certificates.revoke(user_of(request), certificate_id, form_value(form, "reason"))
            flash(request, _("证书 {number} 已作废。", number=row["number"]), "warning")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return back_to(event_id, _kind(kind))

    @post("/{certificate_id:int}/reissue")
    async def reissue(self, request: Request, event_id: int, certificate_id: int, kind: str | None = None) -> Any:
        form = await request.form()
        try:
            row = await certificates.reissue(user_of(request), certificate_id, form_value(form, "reason"))
            flash(request, _("已补发新证书 {number}，原证书已作废。", number=row["number"]))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return back_to(event_id, _kind(kind))


async def _schools(event_id: int) -> list[dict[str, Any]]:
    from competitions.registration.tables import Entry

    rows = (
        await Entry.select(Entry.school.code.as_alias("code"), Entry.school.name.as_alias("name"))
        .where((Entry.event == event_id) & (Entry.status == "approved"))
        .distinct()
    )
    return sorted(rows, key=lambda r: r["code"])


class SchoolCertificatePages(Controller):
    path = "/certificates"
    include_in_schema = False
    guards = [school_only]

    @get("/")
    async def index(self, request: Request) -> Any:
        return render(
            request,
            "judging/certificates/school.html",
            events=await certificates.school_overview(user_of(request)),
            kind_labels=certificates.KIND_LABELS,
        )

    @get("/{event_id:int}/certificates.pdf")
    async def download(self, request: Request, event_id: int, kind: str = "award") -> Response:
        actor = user_of(request)
        data, info = await certificates.certificates_pdf(actor, event_id, base_url_of(request), kind)
        ascii_name, display = await certificates.file_names(event_id, kind, actor.school_id)
        return pdf_response(data, ascii_name, display, **{"X-Unprintable": str(len(info["left_out"]))})


class VerifyPages(Controller):
    path = "/verify"
    include_in_schema = False

    @get("/")
    async def form(self, request: Request, number: str | None = None) -> Any:
        if number and number.strip():
            canonical = certificates.normalize_number(number) or number.strip()
            return redirect(f"/verify/{canonical}")
        return render(request, "judging/certificates/verify.html", result=None, number="", state="form")

    @get("/{number:str}")
    async def verify(self, request: Request, number: str) -> Any:
        """Where a certificate's QR code points: valid, revoked or unknown. Anonymous visitors get
        the page kept per certificate and language until it changes (:mod:`judging.certificates.public`)."""
        try:
            await certificates.count_verification(client_address(request), limited=not is_organizer(request))
            if pubcache.is_public_visit(request):

                async def make(result: dict[str, Any]) -> pubcache.Answer:
                    return pubcache.Answer(
                        render_bytes(request, "judging/certificates/verify.html", **_verified(result))
                    )

                return pubcache.respond(request, await public.kept(number, ("page", get_locale()), make))
            _event_id, result = await certificates.verification(number)
        except TooManyRequests as exc:
            response = render(
                request,
                "judging/certificates/verify.html",
                result=None,
                number=number,
                state="limited",
                message=exc.message,
                status_code=429,
            )
            response.headers["Retry-After"] = str(certificates.RETRY_AFTER_SECONDS)
            return response
        except ServiceError as exc:
            return render(
                request,
                "judging/certificates/verify.html",
                result=None,
                number=number,
                state="unknown",
                message=exc.message,
                status_code=exc.status_code,
            )
        return render(request, "judging/certificates/verify.html", **_verified(result))


def _verified(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "result": result,
        "number": result["number"],
        "state": result["status"],
        "issued_text": show_time(result["issued_at"])[:10],
        "revoked_text": show_time(result["revoked_at"]),
        "mentor": certificates.mentor_parts(result["title"]) if result["kind"] == "talent" else None,
    }


def page_routes() -> list[Any]:
    return [CertificatePages, SchoolCertificatePages, VerifyPages]
