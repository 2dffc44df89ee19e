"""Entry documents (申报书, 研究报告, 查新报告, photos, other files).

Rules:

- The type is decided from the file's first bytes, never from its name: documents
  (application form, research report, novelty report, other) are PDF, DOCX (a zip
  holding ``word/document.xml``) or DOC (an OLE2 compound file with a ``WordDocument``
  stream); photos are JPEG or PNG.
- At most ``settings.max_document_bytes`` (20 MB) per file; at most
  :data:`MAX_PER_KIND` files of each kind per entry.
- Files are stored under ``settings.uploads_dir/documents`` with a random
  ``storage_key``; the user's file name is kept (sanitised) for display and the
  download's ``Content-Disposition`` only, never in a path.
- Who sees an entry sees its documents (organizer, the entry's city and school, its
  assigned judges): :func:`competitions.registration.services.visible_entry_row`, 404 for anyone
  else. Uploading and deleting follow the entry's edit rules (its school while it may
  edit, or an organizer). Every upload and deletion is audited.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from app import audit, times, web
from app.db import write_transaction
from app.errors import NotFound, TooLarge, ValidationFailed
from app.files import private_dir, write_private
from app.i18n import _
from app.principal import Principal
from app.settings import get_settings
from competitions.events.tables import DOCUMENT_KIND_LABELS
from competitions.registration.services import _editable_entry_row, visible_entry_row
from competitions.registration.tables import DOCUMENT_KINDS, Entry, EntryDocument

MAX_PER_KIND = {"photo": 10}
DEFAULT_MAX_PER_KIND = 3
MAX_FILENAME_LENGTH = 120

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
JPEG = "image/jpeg"
PNG = "image/png"
TYPE_NAMES = {PDF: "PDF", DOCX: "Word (.docx)", DOC: "Word (.doc)", JPEG: "JPEG", PNG: "PNG"}
EXTENSIONS = {PDF: (".pdf",), DOCX: (".docx",), DOC: (".doc",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
DOCUMENT_TYPES = (PDF, DOCX, DOC)
PHOTO_TYPES = (JPEG, PNG)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')


def max_files(kind: str) -> int:
    return MAX_PER_KIND.get(kind, DEFAULT_MAX_PER_KIND)


def kind_label(kind: str) -> str:
    return _(DOCUMENT_KIND_LABELS.get(kind, kind))


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, DOCX, DOC, JPEG, PNG), or ``None``."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(OLE2_MAGIC):
        # an OLE2 compound file is a Word 97-2003 document only if it has a WordDocument
        # stream (old .xls and .ppt files share the same container)
        return DOC if _WORD_STREAM in data else None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return DOCX if "word/document.xml" in names else None
    return None


def _describe(data: bytes) -> str:
    """A short Chinese description of what an unaccepted file seems to be."""
    if data.startswith(OLE2_MAGIC):
        return _("旧版 Excel/PowerPoint 文件")
    if data.startswith(b"PK\x03\x04"):
        return _("压缩包或 Excel/PowerPoint 文件")
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "HEIC"
    return _("无法识别的文件")


def sanitize_filename(name: Any, content_type: str) -> str:
    """A display name from what the user sent: the last path part, NFC, without control
    characters or characters that are unsafe in file names and headers, at most
    :data:`MAX_FILENAME_LENGTH` characters, ending with an extension that matches the
    real type: ``C:\\材料\\研究"报告".txt`` holding a PDF -> ``研究_报告_.txt.pdf``."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip()
    extensions = EXTENSIONS[content_type]
    stem, dot, ext = text.rpartition(".")
    if dot and f".{ext.lower()}" in extensions:
        stem, ext = stem.strip(), f".{ext.lower()}"
    else:
        stem, ext = text, extensions[0]
    stem = stem[: MAX_FILENAME_LENGTH - len(ext)].strip() or "document"
    return stem + ext


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``Content-Disposition`` for a stored document (see :func:`app.web.content_disposition`)."""
    return web.content_disposition(filename, inline=inline)


def storage_path(storage_key: str) -> Path:
    """Where a stored file lives: ``uploads_dir/documents/<k[:2]>/<key>``."""
    if not re.fullmatch(r"[0-9a-f]{32}", storage_key or ""):
        raise ValueError("invalid storage key")
    return get_settings().uploads_dir / "documents" / storage_key[:2] / storage_key


def _document_out(row: dict[str, Any]) -> dict[str, Any]:
    uploaded = row["uploaded_at"]
    return {
        "id": row["id"],
        "entry_id": row["entry"],
        "kind": row["kind"],
        "kind_label": kind_label(row["kind"]),
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size": row["size"],
        "uploaded_at": uploaded.isoformat() if isinstance(uploaded, dt.datetime) else uploaded,
    }


def _check_file(kind: str, data: bytes) -> str:
    """Validate kind, size and type; returns the real content type."""
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed(
            _(
                "材料类型“{kind}”无效，可选：{kinds}。",
                kind=kind,
                kinds="、".join(f"{k}（{kind_label(k)}）" for k in DOCUMENT_KINDS),
            ),
            errors=[{"field": "kind", "message": _("请选择材料类型。")}],
        )
    limit = get_settings().max_document_bytes
    if len(data) > limit:
        raise TooLarge(
            _(
                "文件大小 {size} MB 超过上限 {limit} MB。请压缩图片或拆分文件后再上传。",
                size=f"{math.ceil(len(data) * 10 / 1048576) / 10:.1f}",  # rounded up: never "20.0 over 20"
                limit=limit // 1048576,
            )
        )
    if not data:
        raise ValidationFailed(
            _("上传的文件是空的，请重新选择文件。"), errors=[{"field": "file", "message": _("文件为空。")}]
        )
    content_type = sniff_content_type(data)
    allowed = PHOTO_TYPES if kind == "photo" else DOCUMENT_TYPES
    if content_type not in allowed:
        if kind == "photo":
            message = _(
                "照片只接受 JPEG 或 PNG 格式，这个文件是{what}。请在手机或电脑上另存为 JPG 或 PNG 后再上传。",
                what=_describe(data) if content_type is None else TYPE_NAMES[content_type],
            )
        else:
            message = _(
                "{label}只接受 PDF 或 Word（.doc、.docx）文件，这个文件是{what}。请另存为 PDF 后再上传。",
                label=kind_label(kind),
                what=_describe(data) if content_type is None else TYPE_NAMES[content_type],
            )
        raise ValidationFailed(message, errors=[{"field": "file", "message": message}])
    return content_type


async def upload_document(actor: Principal, entry_id: int, kind: str, filename: str, data: bytes) -> dict[str, Any]:
    """Store a file of ``kind`` for an entry. Returns the document as listed by
    :func:`list_documents`. Raises :class:`NotFound` (entry not visible),
    :class:`~app.errors.Forbidden` / :class:`~app.errors.Conflict` (may not change the
    entry now), :class:`TooLarge` (over the size limit) and :class:`ValidationFailed`
    (kind, type, empty file, too many files of this kind)."""
    kind = (kind or "").strip()
    row, _event = await _editable_entry_row(actor, entry_id)
    content_type = _check_file(kind, data)
    display_name = sanitize_filename(filename, content_type)
    limit = max_files(kind)
    if await EntryDocument.count().where((EntryDocument.entry == entry_id) & (EntryDocument.kind == kind)) >= limit:
        raise _too_many(kind, limit)

    storage_key = secrets.token_hex(16)
    path = storage_path(storage_key)
    private_dir(path.parent)
    temporary = path.with_name(path.name + ".part")
    write_private(temporary, data, sync=True)
    os.replace(temporary, path)
    stamp = times.now()

    async def work() -> int:
        # counted again inside the write transaction so concurrent uploads cannot pass the limit
        if await EntryDocument.count().where((EntryDocument.entry == entry_id) & (EntryDocument.kind == kind)) >= limit:
            raise _too_many(kind, limit)
        result = await EntryDocument.insert(
            EntryDocument(
                entry=entry_id,
                kind=kind,
                filename=display_name,
                content_type=content_type,
                size=len(data),
                storage_key=storage_key,
                uploaded_by=actor.id,
                uploaded_at=stamp,
            )
        ).returning(EntryDocument.id)
        document_id = result[0]["id"]
        await Entry.update({Entry.updated_at: stamp}).where(Entry.id == entry_id)  # the entry's 最后修改
        await audit.record(
            actor,
            "document.upload",
            "document",
            document_id,
            event_id=row["event"],
            entry_id=entry_id,
            school_id=row["school"],
            summary=f"{DOCUMENT_KIND_LABELS[kind]} {display_name}",
            changes={
                "document": [
                    None,
                    {"kind": kind, "filename": display_name, "content_type": content_type, "size": len(data)},
                ]
            },
        )
        return document_id

    try:
        document_id = await write_transaction(work)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _document_out(
        {
            "id": document_id,
            "entry": entry_id,
            "kind": kind,
            "filename": display_name,
            "content_type": content_type,
            "size": len(data),
            "uploaded_at": stamp,
        }
    )


def _too_many(kind: str, limit: int) -> ValidationFailed:
    message = _("每个作品最多上传 {n} 个“{label}”文件。请先删除不需要的文件再上传。", n=limit, label=kind_label(kind))
    return ValidationFailed(message, errors=[{"field": "file", "message": message}])


async def list_documents(actor: Principal, entry_id: int) -> list[dict[str, Any]]:
    """The entry's documents, in kind order then upload order:
    ``[{"id", "entry_id", "kind", "kind_label", "filename", "content_type", "size", "uploaded_at"}]``.
    Raises :class:`NotFound` if ``actor`` may not see the entry."""
    await visible_entry_row(actor, entry_id)
    rows = (
        await EntryDocument.select(
            EntryDocument.id,
            EntryDocument.entry,
            EntryDocument.kind,
            EntryDocument.filename,
            EntryDocument.content_type,
            EntryDocument.size,
            EntryDocument.uploaded_at,
        )
        .where(EntryDocument.entry == entry_id)
        .order_by(EntryDocument.uploaded_at)
        .order_by(EntryDocument.id)
    )
    order = {k: i for i, k in enumerate(DOCUMENT_KINDS)}
    rows.sort(key=lambda r: order.get(r["kind"], len(order)))
    return [_document_out(r) for r in rows]


async def _document_row(actor: Principal, document_id: int) -> dict[str, Any]:
    row = await EntryDocument.select().where(EntryDocument.id == document_id).first()
    if row is None:
        raise NotFound(_("文件不存在或您无权查看。"))
    try:
        await visible_entry_row(actor, row["entry"])
    except NotFound:
        raise NotFound(_("文件不存在或您无权查看。")) from None
    return row


async def open_document(actor: Principal, document_id: int) -> tuple[dict[str, Any], Path]:
    """``(document, path)`` for a download by someone who may see the entry; raises
    :class:`NotFound` otherwise or when the stored file is missing."""
    row = await _document_row(actor, document_id)
    path = storage_path(row["storage_key"])
    if not path.is_file():
        raise NotFound(_("文件“{filename}”已丢失，请重新上传。", filename=row["filename"]))
    return _document_out(row), path


async def delete_document(actor: Principal, document_id: int) -> None:
    """Delete a document (the entry's school while it may edit, or an organizer); audited."""
    row = await _document_row(actor, document_id)
    entry, _event = await _editable_entry_row(actor, row["entry"])

    async def work() -> None:
        await EntryDocument.delete().where(EntryDocument.id == document_id)
        await Entry.update({Entry.updated_at: times.now()}).where(Entry.id == entry["id"])  # the entry's 最后修改
        await audit.record(
            actor,
            "document.delete",
            "document",
            document_id,
            event_id=entry["event"],
            entry_id=entry["id"],
            school_id=entry["school"],
            summary=f"{DOCUMENT_KIND_LABELS.get(row['kind'], row['kind'])} {row['filename']}",
            changes={"document": [{"kind": row["kind"], "filename": row["filename"], "size": row["size"]}, None]},
        )

    await write_transaction(work)
    storage_path(row["storage_key"]).unlink(missing_ok=True)
