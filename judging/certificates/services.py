"""Certificates (荣誉证书): templates, uploaded fonts, issuing numbered certificates after
finalization, the font coverage check, PDFs (at once or as background batches),
revocation and reissue, and public verification.

- **Templates** exist per event and kind (:data:`KINDS`); without a stored one the
  default design (:func:`default_template`) is used, so certificates look right
  without anyone designing anything. Fields are placed in millimetres (see
  :mod:`judging.certificates.render`). Backgrounds (PNG/JPEG) and fonts (TTF/OTF) are stored under
  ``<data dir>/certificates/``.
- **Issuing** happens only once the current round is finalized
  (:func:`ensure_certificates`, idempotent): one certificate per student of an awarded
  entry (``award``), per student without an award (``participation``), per adviser of
  entries with at least the template's ``min_award`` (``adviser``, 优秀辅导教师), per
  student of a camp (``camp``, camps only). Award certificates follow finalization: the
  first PDF or batch after it issues them. The other kinds are issued only when an
  organizer asks (:func:`issue_certificates`). Looking (the page, :func:`check`, the
  school's page) never issues anything. If the finalized results change after an
  unlock, issuing again revokes the certificates that no longer match and issues new
  ones. Any issue, revocation or reissue marks the batch PDFs made before it as out of
  date (:func:`mark_batches_stale`); they are no longer handed out.
- **Numbers** (:func:`new_number`) look like ``XM2026-7KQ4-M2ZD-H8WC-1RNB``: the event's
  year and 80 random bits in Crockford Base32 (no I, L, O, U), so they cannot be guessed;
  :func:`normalize_number` accepts lowercase, spaces and the usual confusions (O/0, I/1).
- **Coverage**: before anything is printed, each text is checked against the fonts'
  character maps, then measured; a certificate with a character no font can draw, or a
  text that does not fit its box even shrunk or on two lines, is listed by
  :func:`check` and left out of every PDF.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import ipaddress
import logging
import os
import re
import secrets
import time
import zipfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app import audit, jobs, signals
from app.db import write_transaction
from app.errors import Conflict, Forbidden, NotFound, ServiceError, TooLarge, TooManyRequests, ValidationFailed
from app.exports.exporters import export_path
from app.files import create_private, private_dir, write_private
from app.i18n import _, get_locale, gettext_terms, set_locale
from app.pdf import FontError, default_font_path, font_info
from app.principal import Principal
from app.settings import get_settings
from app.signals import batch_progressed
from app.stores import increment
from app.tables import School
from app.times import SHANGHAI, now
from competitions.camps import attendance as camp_attendance
from competitions.events.kinds import kind_of
from competitions.events.services import get_event_row
from competitions.events.tables import Category
from competitions.registration.tables import Entry, Member
from competitions.talent import growth as talent_growth
from judging.certificates.render import (
    FIELD_TYPES,
    PAGE_SIZES,
    PLACEHOLDERS,
    CertificateRenderer,
    RenderSettings,
    empty_segments,
    page_size,
    placeholder_errors,
)
from judging.certificates.tables import Certificate, CertificateBatch, CertificateFont, CertificateTemplate
from judging.results.services import AWARD_LABELS, compute_results
from judging.rounds.services import current_round
from judging.rounds.states import RoundState

log = logging.getLogger(__name__)

KINDS = ("award", "participation", "adviser", "camp", "talent")
KIND_LABELS = {
    "award": "获奖证书",
    "participation": "参赛证书",
    "adviser": "优秀辅导教师证书",
    "camp": "结营证书",
    "talent": "培养证书",
}
#: the talent programme's year-end results printed as the award (培养证书: 优秀 or 合格)
TALENT_AWARD_LABELS = {"excellent": "优秀", "pass": "合格"}
FIELD_LABELS = {
    "name": "姓名",
    "school": "学校",
    "title": "作品名称",
    "category": "类别",
    "division": "组别",
    "award": "奖项",
    "event": "赛事名称",
    "date": "日期",
    "number": "证书编号",
    "teammates": "同队学生",
    "advisers": "辅导教师",
    "rank": "名次",
    "qr": "验证二维码",
    "text": "自由文字",
}
#: what a robotics event calls the fields: a team's name in a challenge (赛项), its coaches
ROBOTICS_FIELD_LABELS = {"title": "队伍名称", "category": "赛项", "teammates": "同队队员", "advisers": "教练"}
ALIGNS = ("L", "C", "R")


#: what a talent programme calls them: the 培养证书's title is its mentor (name（university）)
TALENT_FIELD_LABELS = {"title": "导师（姓名和高校）", "category": "学科", "award": "考核等级"}


def field_labels(event_kind: str | None) -> dict[str, str]:
    """The designer's names of the field types (Chinese message ids) in the words of ``event_kind``."""
    own = {"robotics": ROBOTICS_FIELD_LABELS, "talent": TALENT_FIELD_LABELS}.get(event_kind or "", {})
    return {**FIELD_LABELS, **own}


AWARD_ORDER = {"first": 0, "second": 1, "third": 2, None: 3}
BUILTIN_FONTS = {"builtin:serif": "思源宋体（Noto Serif SC，内置）", "builtin:sans": "思源黑体（Noto Sans SC，内置）"}
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford Base32
NUMBER_RE = re.compile(r"XM(\d{4})([0-9A-Z]{16})")
VERIFY_LIMIT_PER_MINUTE = 60
RETRY_AFTER_SECONDS = 60
BATCH_CHUNK = 200  # pages drawn between two progress records (and looks for a cancellation)
BATCH_JOB = "judging.certificate_batch"
#: a batch larger than this is drawn as PDFs of this many pages each, packed into one ZIP file:
#: each part is written to disk and freed before the next is drawn, so the worker's memory stays
#: flat however large the batch (fpdf2 keeps every page of a document until it is written)
PART_PAGES = 2000
PDF_JOB = "judging.certificates_pdf"  # GET .../certificates.pdf: drawn in another process, streamed from disk
PAGES_IN_PROCESS = 40  # up to this many pages certificates.pdf is drawn in a thread (a process takes 1-3 s to start)
MAX_BACKGROUND_PIXELS = 40_000_000
MAX_FIELDS = 40
STALE_BATCH_SECONDS = 600
ALLOWED_PLACEHOLDERS = " ".join("{" + p + "}" for p in PLACEHOLDERS)
#: kinds issued only when an organizer asks (award certificates follow finalization)
EXPLICIT_KINDS = ("participation", "adviser", "camp", "talent")
LIST_PAGE_SIZE = 100


# --------------------------------------------------------------------------- storage


def storage_dir(kind: str) -> Path:
    """``<data dir>/certificates/<kind>`` (``backgrounds``, ``fonts`` or ``batches``), created on use."""
    return private_dir(get_settings().data_dir / "certificates" / kind)


def _stored(kind: str, key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}(\.[a-z]{3,4})?", key or ""):
        raise ValueError("invalid storage key")
    return storage_dir(kind) / key


# --------------------------------------------------------------------------- numbers


def new_number(year: int) -> str:
    """A fresh certificate number: ``XM<year>-XXXX-XXXX-XXXX-XXXX`` (80 random bits, Crockford Base32)."""
    value = secrets.randbits(80)
    chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(16))
    return f"XM{year:04d}-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalize_number(text: str | None) -> str | None:
    """The canonical form of a typed or scanned number, or ``None`` if it cannot be one.

    Case, spaces and hyphens do not matter, and after the ``XM`` O reads as 0 and
    I or L as 1 (``xm2026 7kq4 m2zd h8wc 1rnb`` -> ``XM2026-7KQ4-M2ZD-H8WC-1RNB``).
    """
    raw = re.sub(r"[\s\-_–—]+", "", (text or "").upper())
    if len(raw) != 22 or not raw.startswith("XM"):
        return None
    confusions = str.maketrans({"O": "0", "I": "1", "L": "1"})
    head, tail = "XM" + raw[2:6].translate(confusions), raw[6:].translate(confusions)
    match = NUMBER_RE.fullmatch(head + tail)
    if not match or any(c not in ALPHABET for c in tail):
        return None
    return f"{head}-" + "-".join(tail[i : i + 4] for i in range(0, 16, 4))


# --------------------------------------------------------------------------- templates


def _f(type_: str, x: float, y: float, w: float, size: float, align: str = "L", **extra: Any) -> dict[str, Any]:
    spec = {
        "type": type_,
        "x": x,
        "y": y,
        "w": w,
        "h": 0,
        "size": size,
        "align": align,
        "shrink": True,
        "font": "",
        "color": "#000000",
        "prefix": "",
        "suffix": "",
        "text": "",
    }
    spec.update(extra)
    return spec


def default_fields(
    kind: str, width: float = 297.0, height: float = 210.0, event_kind: str = ""
) -> list[dict[str, Any]]:
    """The default layout of a kind, designed on A4 landscape (297 × 210 mm) and scaled
    to a page of ``width`` × ``height`` mm (positions proportionally, sizes by the
    smaller factor). A robotics event (``event_kind``) gets its own words: a team (队伍) in a
    challenge, and the place (``{rank}``) when the certificate has one."""
    fields = _robotics_fields_a4(kind) if event_kind == "robotics" else None
    fields = fields or _default_fields_a4(kind)
    if (width, height) == (297.0, 210.0):
        return fields
    sx, sy = width / 297.0, height / 210.0
    sz = min(sx, sy)
    for f in fields:
        f["x"], f["w"] = round(f["x"] * sx, 2), round(f["w"] * (sz if f["type"] == "qr" else sx), 2)
        f["y"] = round(f["y"] * sy, 2)
        f["size"] = round(f["size"] * sz, 1)
    return fields


def _default_fields_a4(kind: str) -> list[dict[str, Any]]:
    red = "#B22222"
    heading = {
        "award": "荣 誉 证 书",
        "participation": "参 赛 证 书",
        "adviser": "荣 誉 证 书",
        "camp": "结 营 证 书",
        "talent": "培 养 证 书",
    }[kind]
    fields = [_f("text", 20, 26, 257, 40, "C", text=heading, color=red, shrink=False)]
    if kind == "adviser":
        fields += [
            _f("name", 40, 58, 217, 24, suffix="老师："),
            _f("text", 56, 76, 205, 16, text="您指导的学生作品《{title}》"),
            _f("text", 56, 88, 205, 16, text="在{event}中获得优异成绩，您被评为"),
            _f("award", 20, 106, 257, 30, "C", color=red),
            _f("text", 56, 130, 205, 16, text="特发此证，以资鼓励。"),
        ]
    elif kind == "talent":
        fields += [
            _f("name", 40, 56, 217, 24, suffix="同学："),
            _f("text", 56, 74, 205, 15, text="参加{event}，"),
            _f("text", 56, 86, 205, 15, text="完成{category}学科一年的培养，考核等级为"),
            _f("award", 20, 100, 257, 28, "C", color=red),
            # the mentor on a line of its own: "导师：陈思远（海南大学）" (the title is name（university）)
            _f("title", 56, 122, 205, 14, prefix="导师："),
            _f("school", 56, 133, 205, 14, prefix="学校："),
            _f("text", 56, 145, 205, 15, text="特发此证。"),
        ]
    elif kind == "camp":
        fields += [
            _f("name", 40, 58, 217, 24, suffix="同学："),
            _f("text", 56, 78, 205, 16, text="参加{event}{title}，"),
            _f("text", 56, 92, 205, 16, text="完成营期活动，准予结营。"),
            _f("school", 56, 112, 205, 14, prefix="学校："),
            _f("text", 56, 130, 205, 16, text="特发此证。"),
        ]
    elif kind == "participation":
        fields += [
            _f("name", 40, 58, 217, 24, suffix="同学："),
            _f("text", 56, 76, 205, 16, text="你的作品《{title}》"),
            _f("text", 56, 88, 205, 16, text="参加{event}（{category} · {division}组），"),
            _f("school", 56, 104, 205, 14, prefix="学校："),
            _f("text", 56, 120, 205, 16, text="特发此证，以资鼓励。"),
        ]
    else:
        fields += [
            _f("school", 40, 50, 217, 14),
            _f("name", 40, 60, 217, 24, suffix="同学："),
            _f("text", 56, 78, 205, 16, text="你的作品《{title}》"),
            _f("text", 56, 90, 205, 16, text="在{event}中荣获"),
            _f("text", 20, 104, 257, 18, "C", text="{category} · {division}组"),
            _f("award", 20, 116, 257, 34, "C", color=red),
            _f("text", 56, 140, 205, 16, text="特发此证，以资鼓励。"),
        ]
    fields += [
        _f("text", 150, 158, 125, 15, "C", text="{event}组委会"),
        _f("date", 150, 168, 125, 15, "C"),
        _f("qr", 24, 150, 26, 0),
        _f("text", 54, 168, 80, 8, text="扫码或输入编号验证证书"),
        _f("number", 24, 180, 130, 9, prefix="证书编号："),
    ]
    return fields


def _robotics_fields_a4(kind: str) -> list[dict[str, Any]] | None:
    """A robotics event's defaults: "李明同学：你所在的队伍“飞龙队”在2026年…机器人竞赛综合技能（初中组）
    中获得第 2 名，荣获 一等奖" (the place only when the certificate has one). ``None``: as other events."""
    red = "#B22222"
    if kind == "award":
        body = [
            _f("school", 40, 50, 217, 14),
            _f("name", 40, 60, 217, 24, suffix="同学："),
            _f("text", 56, 78, 205, 16, text="你所在的队伍“{title}”"),
            _f("text", 56, 90, 205, 16, text="在{event}{category}（{division}组）中[获得第{rank}名，]荣获"),
            _f("award", 20, 110, 257, 34, "C", color=red),
            _f("text", 56, 140, 205, 16, text="特发此证，以资鼓励。"),
        ]
    elif kind == "participation":
        body = [
            _f("name", 40, 58, 217, 24, suffix="同学："),
            _f("text", 56, 76, 205, 16, text="你所在的队伍“{title}”"),
            _f("text", 56, 88, 205, 16, text="参加{event}{category}（{division}组），"),
            _f("school", 56, 104, 205, 14, prefix="学校："),
            _f("text", 56, 120, 205, 16, text="特发此证，以资鼓励。"),
        ]
    elif kind == "adviser":
        body = [
            _f("name", 40, 58, 217, 24, suffix="老师："),
            _f("text", 56, 76, 205, 16, text="您指导的队伍“{title}”在{event}{category}（{division}组）中"),
            _f("text", 56, 88, 205, 16, text="[获得第{rank}名，]成绩优异，您被评为"),
            _f("award", 20, 106, 257, 30, "C", color=red),
            _f("text", 56, 130, 205, 16, text="特发此证，以资鼓励。"),
        ]
    else:
        return None
    heading = {"award": "荣 誉 证 书", "participation": "参 赛 证 书", "adviser": "荣 誉 证 书"}[kind]
    tail = _default_fields_a4(kind)[-5:]  # organizer, date, QR, hint, number as other events
    return [_f("text", 20, 26, 257, 40, "C", text=heading, color=red, shrink=False), *body, *tail]


def default_template(kind: str, event_kind: str = "") -> dict[str, Any]:
    """The design used while an event (of ``event_kind``) has none stored for ``kind``."""
    return {
        "kind": kind,
        "page_format": "A4",
        "orientation": "L",
        "background_key": None,
        "background_type": "",
        "font": "builtin:serif",
        "fallback_font": "",
        "fields": default_fields(kind, event_kind=event_kind),
        "date_text": "",
        "min_award": "first",
        "verify_base_url": "",
        "stored": False,
    }


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationFailed(_("证书类型必须是 award、participation、adviser、camp 或 talent。"))
    return kind


async def get_template(event_id: int, kind: str = "award", *, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event's template for ``kind``: the stored one, else :func:`default_template`.
    ``stored`` tells which. ``event``: the event row when the caller has loaded it."""
    _check_kind(kind)
    if event is None:
        event = await get_event_row(event_id)
    row = (
        await CertificateTemplate.select()
        .where((CertificateTemplate.event == event_id) & (CertificateTemplate.kind == kind))
        .output(load_json=True)
        .first()
    )
    if row is None:
        return {**default_template(kind, str(event.get("kind") or "")), "event": event_id}
    return {**row, "stored": True}


def _number(value: Any, label: str, low: float, high: float, errors: list[dict[str, Any]], index: int) -> float:
    try:
        number = float(str(value).strip()) if str(value).strip() != "" else 0.0
    except (TypeError, ValueError):
        number = float("nan")
    if not (low <= number <= high):
        errors.append(
            {
                "field": f"fields.{index}",
                "message": _(
                    "第 {n} 个字段的{what}必须在 {low} 到 {high} 之间。", n=index + 1, what=_(label), low=low, high=high
                ),
            }
        )
        return low
    return round(number, 2)


async def _font_refs(event_id: int) -> dict[str, Path]:
    """Every font a template of the event may use: ``{reference: file}``."""
    fonts = {"builtin:serif": default_font_path("serif"), "builtin:sans": default_font_path("sans")}
    for row in await CertificateFont.select().where(CertificateFont.event == event_id):
        fonts[f"font:{row['id']}"] = _stored("fonts", row["storage_key"])
    return fonts


async def save_template(actor: Principal, event_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Store the design of ``kind`` for the event (fields validated: types, positions
    inside the page, sizes, alignments, fonts that exist). Audited."""
    _check_kind(kind)
    await get_event_row(event_id)
    current = await get_template(event_id, kind)
    errors: list[dict[str, Any]] = []
    page_format = str(data.get("page_format", current["page_format"]) or "A4").upper()
    orientation = str(data.get("orientation", current["orientation"]) or "L").upper()
    if page_format not in PAGE_SIZES:
        errors.append(
            {"field": "page_format", "message": _("纸张大小必须是 {sizes} 之一。", sizes="、".join(PAGE_SIZES))}
        )
        page_format = "A4"
    if orientation not in ("L", "P"):
        errors.append({"field": "orientation", "message": _("方向必须是 L（横向）或 P（纵向）。")})
        orientation = "L"
    width, height = page_size(page_format, orientation)
    refs = await _font_refs(event_id)
    font = str(data.get("font", current["font"]) or "builtin:serif")
    fallback = str(data.get("fallback_font", current["fallback_font"]) or "")
    if font not in refs:
        errors.append({"field": "font", "message": _("所选字体不存在。")})
    if fallback and fallback not in refs:
        errors.append({"field": "fallback_font", "message": _("所选备用字体不存在。")})
    raw_fields = data.get("fields", current["fields"])
    if not isinstance(raw_fields, list) or len(raw_fields) > MAX_FIELDS:
        raise ValidationFailed(_("字段列表无效（最多 {n} 个字段）。", n=MAX_FIELDS))
    fields = []
    for i, spec in enumerate(raw_fields):
        if not isinstance(spec, dict):
            errors.append({"field": f"fields.{i}", "message": _("第 {n} 个字段无效。", n=i + 1)})
            continue
        type_ = str(spec.get("type") or "")
        if type_ not in FIELD_TYPES:
            errors.append({"field": f"fields.{i}", "message": _("第 {n} 个字段的类型无效。", n=i + 1)})
            continue
        x = _number(spec.get("x", 0), "横坐标", 0, width, errors, i)
        y = _number(spec.get("y", 0), "纵坐标", 0, height, errors, i)
        w = _number(spec.get("w", 0), "宽度", 0, width, errors, i)
        h = _number(spec.get("h", 0), "高度", 0, height, errors, i)
        size = _number(spec.get("size", 14) if type_ != "qr" else 0, "字号", 0 if type_ == "qr" else 4, 200, errors, i)
        if type_ == "qr" and w < 12:
            errors.append({"field": f"fields.{i}", "message": _("二维码边长至少 12 毫米，手机才能可靠扫描。")})
        if x + w > width + 0.01 or (type_ == "qr" and y + w > height + 0.01):
            errors.append({"field": f"fields.{i}", "message": _("第 {n} 个字段超出了纸张范围。", n=i + 1)})
        align = str(spec.get("align") or "L").upper()
        if align not in ALIGNS:
            align = "L"
        field_font = str(spec.get("font") or "")
        if field_font and field_font not in refs:
            errors.append({"field": f"fields.{i}", "message": _("第 {n} 个字段所选字体不存在。", n=i + 1)})
        color = str(spec.get("color") or "#000000").strip()
        if re.fullmatch(r"#[0-9A-Fa-f]{3}", color):
            color = "#" + "".join(c * 2 for c in color[1:])
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
            errors.append(
                {
                    "field": f"fields.{i}",
                    "message": _(
                        "第 {n} 个字段的颜色“{color}”无效：请写成 #RRGGBB，例如 #B22222。", n=i + 1, color=color[:20]
                    ),
                }
            )
            color = "#000000"
        text = str(spec.get("text") or "")[:300]
        if type_ == "text" and not text.strip():
            continue  # an empty free-text row is simply dropped
        if type_ == "text":
            bad = placeholder_errors(text)
            if bad == ["unbalanced"]:
                errors.append(
                    {
                        "field": f"fields.{i}",
                        "message": _(
                            "第 {n} 个字段的文字中花括号不成对：占位符写成 {example}，文字里不要单独使用 {{ 或 }}。",
                            n=i + 1,
                            example="{name}",
                        ),
                    }
                )
            elif bad:
                errors.append(
                    {
                        "field": f"fields.{i}",
                        "message": _(
                            "第 {n} 个字段的文字中有无效的占位符 {placeholder}。可以使用：{allowed}。",
                            n=i + 1,
                            placeholder=bad[0],
                            allowed=ALLOWED_PLACEHOLDERS,
                        ),
                    }
                )
        fields.append(
            {
                "type": type_,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "size": size,
                "align": align,
                "shrink": bool(spec.get("shrink")),
                "font": field_font,
                "color": color.upper(),
                "prefix": str(spec.get("prefix") or "")[:60],
                "suffix": str(spec.get("suffix") or "")[:60],
                "text": text,
            }
        )
    if not fields and not errors:
        errors.append({"field": "fields", "message": _("模板至少要有一个字段（例如姓名）。")})
    min_award = str(data.get("min_award", current["min_award"]) or "first")
    if min_award not in ("first", "second", "third"):
        errors.append({"field": "min_award", "message": _("优秀辅导教师的最低奖项必须是 first、second 或 third。")})
    verify_base_url = str(data.get("verify_base_url", current["verify_base_url"]) or "").strip().rstrip("/")
    if verify_base_url and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~\-/]*)?", verify_base_url):
        errors.append(
            {
                "field": "verify_base_url",
                "message": _("验证网址必须以 http:// 或 https:// 开头，例如 https://xinmiao.example.org。"),
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    values = {
        "page_format": page_format,
        "orientation": orientation,
        "font": font,
        "fallback_font": fallback,
        "fields": fields,
        "date_text": str(data.get("date_text", current["date_text"]) or "").strip()[:40],
        "min_award": min_award,
        "verify_base_url": verify_base_url,
    }
    return await _store_template(actor, event_id, kind, values, "certificate.template")


async def _store_template(
    actor: Principal, event_id: int, kind: str, values: dict[str, Any], action: str
) -> dict[str, Any]:
    event_kind = str((await get_event_row(event_id)).get("kind") or "")

    async def work() -> None:
        existing = (
            await CertificateTemplate.select(CertificateTemplate.id)
            .where((CertificateTemplate.event == event_id) & (CertificateTemplate.kind == kind))
            .first()
        )
        stamp = {"updated_by": actor.id, "updated_at": now()}
        if existing is None:
            base = {k: v for k, v in default_template(kind, event_kind).items() if k not in ("kind", "stored")}
            await CertificateTemplate.insert(
                CertificateTemplate(event=event_id, kind=kind, **{**base, **values, **stamp})
            )
        else:
            await CertificateTemplate.update(
                {getattr(CertificateTemplate, k): v for k, v in {**values, **stamp}.items()}
            ).where(CertificateTemplate.id == existing["id"])
        await audit.record(
            actor,
            action,
            "event",
            event_id,
            event_id=event_id,
            summary=_("{kind}模板已更新", kind=_(KIND_LABELS[kind])),
        )

    await write_transaction(work)
    return await get_template(event_id, kind)


def sniff_image(data: bytes) -> str | None:
    """``"png"`` or ``"jpeg"`` from the file's first bytes, else ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


async def upload_background(actor: Principal, event_id: int, kind: str, data: bytes) -> dict[str, Any]:
    """Store a PNG or JPEG as the background of ``kind`` (checked by its first bytes and
    by opening it; at most 40 megapixels). The old file is removed."""
    _check_kind(kind)
    await get_event_row(event_id)
    image_type = sniff_image(data)
    if image_type is None:
        raise ValidationFailed(_("背景图片必须是 PNG 或 JPEG 文件。"))
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_BACKGROUND_PIXELS:
                raise ValidationFailed(
                    _(
                        "背景图片太大（{w}×{h} 像素），请缩小到 4000 万像素以内（A4 300 dpi 约 870 万像素）。",
                        w=img.width,
                        h=img.height,
                    )
                )
            img.verify()
    except ValidationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for damaged files
        raise ValidationFailed(_("背景图片已损坏或无法读取。")) from exc
    key = f"{secrets.token_hex(16)}.{'png' if image_type == 'png' else 'jpg'}"
    write_private(_stored("backgrounds", key), data)
    old = (await get_template(event_id, kind)).get("background_key")
    result = await _store_template(
        actor, event_id, kind, {"background_key": key, "background_type": image_type}, "certificate.background"
    )
    if old:
        _stored("backgrounds", old).unlink(missing_ok=True)
    return result


async def remove_background(actor: Principal, event_id: int, kind: str) -> dict[str, Any]:
    """Remove the background image of ``kind`` (the default frame is drawn instead)."""
    old = (await get_template(event_id, kind)).get("background_key")
    result = await _store_template(
        actor, event_id, kind, {"background_key": None, "background_type": ""}, "certificate.background"
    )
    if old:
        _stored("backgrounds", old).unlink(missing_ok=True)
    return result


def background_path(template: dict[str, Any]) -> Path | None:
    key = template.get("background_key")
    return _stored("backgrounds", key) if key else None


def background_warning(template: dict[str, Any]) -> str | None:
    """A warning when the background image's proportions differ from the page's by more
    than 2 % (it is stretched to fill the page), else ``None``."""
    path = background_path(template)
    if path is None or not path.exists():
        return None
    from PIL import Image

    try:
        with Image.open(path) as img:
            w, h = img.size
    except Exception:  # noqa: BLE001 - checked on upload; a damaged file shows in the preview
        return None
    pw, ph = page_size(template["page_format"], template["orientation"])
    if not w or not h or abs((w / h) / (pw / ph) - 1) <= 0.02:
        return None
    return _(
        "背景图片的比例（{w}×{h} 像素）与纸张（{pw}×{ph} 毫米）不同，打印时会被拉伸铺满整页。请按纸张比例裁剪后重新上传，或改变纸张方向。",
        w=w,
        h=h,
        pw=f"{pw:g}",
        ph=f"{ph:g}",
    )


MAX_FONT_BYTES = 40 * 1024 * 1024


def _extract_from_collection(data: bytes, index: int) -> bytes:
    """One font of a TrueType/OpenType collection (``.ttc``/``.otc``) as a plain font file
    fpdf2 can embed; :class:`ValidationFailed` for a bad index or a damaged file."""
    from fontTools.ttLib import TTCollection

    try:
        collection = TTCollection(io.BytesIO(data), lazy=False)
    except Exception as exc:  # noqa: BLE001 - fontTools raises many kinds for damaged files
        raise ValidationFailed(_("字体集文件已损坏或无法读取。")) from exc
    count = len(collection.fonts)
    if not 0 <= index < count:
        raise ValidationFailed(
            _("字体集里有 {count} 个字体，序号必须在 0 到 {last} 之间。", count=count, last=count - 1)
        )
    out = io.BytesIO()
    try:
        collection.fonts[index].save(out)
    except Exception as exc:  # noqa: BLE001
        raise ValidationFailed(_("字体集文件已损坏或无法读取。")) from exc
    finally:
        collection.close()
    return out.getvalue()


async def upload_font(actor: Principal, event_id: int, filename: str, data: bytes, index: int = 0) -> dict[str, Any]:
    """Store an organizer's TTF/OTF font for the event's certificates, checked with
    fontTools (a single TrueType/OpenType font with a Unicode character map). From a
    collection (``.ttc``) the font number ``index`` (0 = the first) is taken out and stored
    as a plain font. At most :data:`MAX_FONT_BYTES`."""
    await get_event_row(event_id)
    if len(data) > MAX_FONT_BYTES:
        raise TooLarge(_("字体文件超过 {limit} MB 上限。", limit=MAX_FONT_BYTES // 1048576))
    if len(data) < 12:
        raise ValidationFailed(_("字体文件无效：请上传 TTF、OTF 或 TTC 字体。"))
    collection_count = 0
    if data[:4] == b"ttcf":
        collection_count = int.from_bytes(data[8:12], "big")
        data = await asyncio.to_thread(_extract_from_collection, data, index)
    token = secrets.token_hex(16)
    probe = _stored("fonts", token)
    write_private(probe, data)
    try:
        info = font_info(probe)
    except (FontError, OSError) as exc:
        probe.unlink(missing_ok=True)
        raise ValidationFailed(_("字体文件无效：请上传 TTF、OTF 或 TTC 字体（不支持 WOFF）。")) from exc
    key = f"{token}.{info['format']}"  # fpdf2 tells TTF from OTF by the extension
    probe.rename(_stored("fonts", key))
    name = re.sub(r"[^\w.\- ]+", "_", Path(filename or "font").name)[:200] or "font"
    if collection_count:
        name = f"{name}#{index}"[:200]

    async def work() -> int:
        row = CertificateFont(
            event=event_id,
            family=str(info["family"])[:100],
            filename=name,
            storage_key=key,
            format=info["format"],
            glyphs=info["glyphs"],
            size=len(data),
            uploaded_by=actor.id,
            uploaded_at=now(),
        )
        await row.save()
        await audit.record(
            actor,
            "certificate.font",
            "event",
            event_id,
            event_id=event_id,
            summary=_("上传证书字体 {name}（{glyphs} 个字符）", name=name, glyphs=info["glyphs"]),
        )
        return row.id

    font_id = await write_transaction(work)
    return {
        "id": font_id,
        "ref": f"font:{font_id}",
        "family": info["family"],
        "filename": name,
        "glyphs": info["glyphs"],
        "format": info["format"],
        "size": len(data),
        "collection_fonts": collection_count,
        "index": index if collection_count else None,
    }


async def list_fonts(event_id: int) -> list[dict[str, Any]]:
    """Fonts a template may use: the two built-in ones, then the event's uploads,
    each ``{"ref", "label", "glyphs"?, "filename"?}``."""
    fonts = [{"ref": ref, "label": _(label)} for ref, label in BUILTIN_FONTS.items()]
    for row in await CertificateFont.select().where(CertificateFont.event == event_id).order_by(CertificateFont.id):
        fonts.append(
            {
                "ref": f"font:{row['id']}",
                "label": f"{row['family']}（{row['filename']}）",
                "glyphs": row["glyphs"],
                "filename": row["filename"],
                "id": row["id"],
            }
        )
    return fonts


# --------------------------------------------------------------------------- issuing


async def require_finalized(event_id: int, *, round_row: dict[str, Any] | None = None) -> dict[str, Any]:
    """The current round (``round_row`` when the caller has loaded it), or :class:`Conflict` (409)
    unless its results are finalized."""
    if round_row is None:
        event = await get_event_row(event_id)
        round_row = await current_round(event_id)
        if event["kind"] in ("camp", "talent"):
            # a camp or talent programme has no results: completion (attendance) or the year-end
            # review decides its certificates
            return round_row
    if RoundState.of(round_row) is not RoundState.FINALIZED:
        raise Conflict(_("结果定稿后才能生成证书。"))
    return round_row


async def _recipients(
    event_id: int,
    kind: str,
    template: dict[str, Any],
    *,
    event: dict[str, Any] | None = None,
    round_row: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Who gets a certificate of ``kind`` from the finalized results, with the texts to print. Camp
    completion certificates (``camp``) go to the students who completed the camp by attendance
    (:func:`competitions.camps.attendance.certificate_recipients`), not to every entry."""
    if kind == "camp":
        return await camp_attendance.certificate_recipients(event_id)
    if kind == "talent":  # 培养证书: 优秀 and 合格 of the year-end review only
        return await talent_growth.certificate_recipients(event_id)
    results = (await compute_results(event_id, event=event, round_row=round_row))["entries"]
    chosen, role = _chosen(results, kind, template)
    return await _holders(chosen, role)


def _chosen(
    results: list[dict[str, Any]], kind: str, template: dict[str, Any]
) -> tuple[dict[int, dict[str, Any]], str]:
    """The results rows that call for a certificate of ``kind`` (by entry id) and who holds one
    (``student`` or ``adviser``)."""
    if kind == "award":
        chosen = {r["entry_id"]: r for r in results if r["status"] == "complete" and r["award"]}
        role = "student"
    elif kind == "participation":
        chosen = {r["entry_id"]: r for r in results if not r["award"]}
        role = "student"
    elif kind == "adviser":
        allowed = {"first": {"first"}, "second": {"first", "second"}, "third": {"first", "second", "third"}}[
            template["min_award"]
        ]
        chosen = {r["entry_id"]: r for r in results if r["status"] == "complete" and r["award"] in allowed}
        role = "adviser"
    else:
        chosen = {r["entry_id"]: r for r in results}
        role = "student"
    return chosen, role


async def _holders(chosen: dict[int, dict[str, Any]], role: str) -> list[dict[str, Any]]:
    """One certificate per member of ``role`` of each chosen entry, with the texts to print."""
    ids = list(chosen)
    entries: dict[int, dict[str, Any]] = {}
    members: list[dict[str, Any]] = []
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        for e in await Entry.select(
            Entry.id,
            Entry.school,
            Entry.school.code.as_alias("school_code"),
            Entry.category,
            Entry.category.position.as_alias("category_position"),
        ).where(Entry.id.is_in(part)):
            entries[e["id"]] = e
        members += await Member.select(Member.id, Member.entry, Member.name, Member.position).where(
            Member.entry.is_in(part) & (Member.role == role)
        )
    out = []
    for m in members:
        r, e = chosen[m["entry"]], entries[m["entry"]]
        out.append(
            {
                "member": m["id"],
                "entry": m["entry"],
                "school": e["school"],
                "school_code": e["school_code"],
                "school_name": r["school_name"],
                "category": e["category"],
                "category_name": r["category_name"],
                "category_position": e["category_position"],
                "division": r["division"],
                "title": r["title"],
                "award": r["award"],
                "rank": r["rank"],
                "name": m["name"],
                "position": m["position"],
            }
        )
    return out


async def entries_without_holders(event_id: int, kind: str) -> list[dict[str, Any]]:
    """Entries the finalized results call for a certificate of ``kind`` that nobody can hold, and
    why: no student (award and participation certificates go to students) or no adviser (the
    adviser certificate). ``[{"entry_id", "code", "title", "school_name", "category_code",
    "division", "rank", "award", "reason": "no_students"|"no_advisers", "message"}]``; camp
    certificates follow attendance and have none. Read-only."""
    if kind == "camp":
        return []
    event = await get_event_row(event_id)
    round_row = await require_finalized(event_id)
    template = await get_template(event_id, kind, event=event)
    results = (await compute_results(event_id, event=event, round_row=round_row))["entries"]
    chosen, role = _chosen(results, kind, template)
    ids = list(chosen)
    held: set[int] = set()
    for start in range(0, len(ids), 900):
        rows = await Member.select(Member.entry).where(
            Member.entry.is_in(ids[start : start + 900]) & (Member.role == role)
        )
        held |= {r["entry"] for r in rows}
    reason = "no_students" if role == "student" else "no_advisers"
    message = gettext_terms(
        "没有登记学生，不能颁发证书。" if role == "student" else "没有登记辅导教师，不能颁发证书。", event["kind"]
    )
    keys = ("entry_id", "code", "title", "school_name", "category_code", "division", "rank", "award")
    return [
        {**{k: r.get(k) for k in keys}, "reason": reason, "message": message}
        for r in results
        if r["entry_id"] in chosen and r["entry_id"] not in held
    ]


async def check_kind_for_event(event_id: int, kind: str, *, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event (``event`` when the caller has loaded it), after checking that it can have
    certificates of ``kind``: camp completion certificates (结营证书) only for camps (422 otherwise)."""
    _check_kind(kind)
    if event is None:
        event = await get_event_row(event_id)
    if kind not in kind_of(event["kind"]).certificate_kinds:
        if kind == "talent" or event["kind"] == "talent":
            raise ValidationFailed(_("培养证书只适用于后备人才培养计划，其他证书不适用于它。"))
        if kind == "camp":
            raise ValidationFailed(_("结营证书只适用于科学营，本赛事不是科学营。"))
        raise ValidationFailed(_("科学营没有评审结果，只颁发结营证书（按出席情况，结营的学生才有）。"))
    return event


def kinds_for_event(event: dict[str, Any]) -> dict[str, str]:
    """The certificate kinds an event can have, ``{kind: label}`` (camp only for camps)."""
    allowed = kind_of(event["kind"]).certificate_kinds
    return {k: v for k, v in KIND_LABELS.items() if k in allowed}


def _plan(
    event_year: int, event_id: int, kind: str, wanted: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[int]]:
    """What issuing would do: ``(new certificates, ids of valid ones to revoke)`` given who
    should have one (``wanted``) and the certificates of the kind that exist (``rows``)."""
    existing = {c["member"]: c for c in rows if c["status"] == "valid"}
    # a certificate the organizer revoked stays revoked: it is not issued again on its own
    ever = {(c["member"], c["entry"], c["award"]) for c in rows}
    new_rows, stale = [], []
    seen = set()
    for w in wanted:
        seen.add(w["member"])
        old = existing.get(w["member"])
        if (old is not None and old["entry"] == w["entry"] and old["award"] == w["award"]) or (
            old is None and (w["member"], w["entry"], w["award"]) in ever
        ):
            continue
        if old is not None:
            stale.append(old["id"])
        new_rows.append(dict(w))
    stale += [c["id"] for m, c in existing.items() if m not in seen]
    return new_rows, stale


async def _existing(event_id: int, kind: str) -> list[dict[str, Any]]:
    return await Certificate.select(
        Certificate.id, Certificate.member, Certificate.entry, Certificate.award, Certificate.status
    ).where((Certificate.event == event_id) & (Certificate.kind == kind))


async def mark_batches_stale(event_id: int, kind: str | None = None) -> None:
    """Mark the event's batch PDFs (of ``kind``, or all) as out of date: their files no
    longer match the valid certificates. Call inside the write transaction that changes them."""
    where = (CertificateBatch.event == event_id) & CertificateBatch.stale.eq(False)
    if kind:
        where &= CertificateBatch.kind == kind
    await CertificateBatch.update({CertificateBatch.stale: True}).where(where)


async def ensure_certificates(
    event_id: int,
    kind: str = "award",
    actor: Principal | None = None,
    *,
    event: dict[str, Any] | None = None,
    round_row: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Issue the certificates of ``kind`` that the finalized results call for and that do
    not exist yet; revoke valid ones the results no longer support (after an unlock and
    a new finalization). A certificate the organizer revoked is not issued again
    (:func:`reissue` does that on purpose). Idempotent. Raises :class:`Conflict` before
    finalization, :class:`ValidationFailed` for camp certificates of an event that is not
    a camp. Award certificates are issued by this automatically when a PDF or batch is
    made after finalization; the other kinds only when an organizer asks
    (:func:`issue_certificates`). Returns ``{"issued", "revoked", "valid"}``. ``event`` and
    ``round_row``: the event and its current round when the caller has loaded them (finalizing
    hands them on), so they are read once per business action."""
    event = await check_kind_for_event(event_id, kind, event=event)
    round_row = await require_finalized(event_id, round_row=round_row)
    template = await get_template(event_id, kind, event=event)
    wanted = await _recipients(event_id, kind, template, event=event, round_row=round_row)

    async def work() -> dict[str, int]:
        from competitions.registration.services import lock_event

        await lock_event(event_id)
        new_rows, stale = _plan(event["year"], event_id, kind, wanted, await _existing(event_id, kind))
        stamp = now()
        if stale:
            await Certificate.update(
                {
                    Certificate.status: "revoked",
                    Certificate.revoked_at: stamp,
                    Certificate.revoked_reason: "结营情况已变更，此证书作废。"
                    if kind == "camp"
                    else "定稿结果已变更，此证书作废。",
                }
            ).where(Certificate.id.is_in(stale))
        rows = [
            Certificate(
                number=new_number(event["year"]), event=event_id, kind=kind, issued_at=stamp, status="valid", **w
            )
            for w in new_rows
        ]
        for start in range(0, len(rows), 500):
            await Certificate.insert(*rows[start : start + 500])
        if new_rows or stale:
            await mark_batches_stale(event_id, kind)
            await audit.record(
                actor,
                "certificate.issue",
                "event",
                event_id,
                event_id=event_id,
                summary=_("颁发{kind} {n} 张，作废 {m} 张", kind=_(KIND_LABELS[kind]), n=len(new_rows), m=len(stale)),
            )
        return {"issued": len(new_rows), "revoked": len(stale), "valid": len(wanted)}

    done = await write_transaction(work)
    if done["issued"] or done["revoked"]:
        await signals.public_view_changed.send(event_id=event_id, what="certificate")
    return done


async def issue_certificates(actor: Principal, event_id: int, kind: str) -> dict[str, Any]:
    """An organizer's explicit request to issue (or bring up to date) the certificates of
    ``kind``: the only way participation, adviser and camp certificates come to exist. The answer
    also names the entries that get none (``without_holders``, :func:`entries_without_holders`)."""
    if actor.role != "organizer":
        raise Forbidden(_("只有组委会可以颁发证书。"))
    done = await ensure_certificates(event_id, kind, actor)
    return {**done, "without_holders": await entries_without_holders(event_id, kind)}


async def pending(event_id: int, kind: str) -> tuple[list[dict[str, Any]], set[int]]:
    """Read-only: ``(certificates the finalized results call for that are not issued yet,
    ids of valid certificates that issuing would revoke)``. Nothing is written."""
    template = await get_template(event_id, kind)
    wanted = await _recipients(event_id, kind, template)
    event = await get_event_row(event_id)
    new_rows, stale = _plan(event["year"], event_id, kind, wanted, await _existing(event_id, kind))
    return new_rows, set(stale)


def _sort_key(c: dict[str, Any]) -> tuple:
    return (
        c["school_code"],
        c["category_position"],
        c["category_name"],
        AWARD_ORDER.get(c["award"], 3),
        c["division"],
        c["title"],
        c["position"],
        c.get("id") or 0,
    )


async def list_certificates(
    event_id: int,
    kind: str | None = "award",
    school_id: int | None = None,
    category_id: int | None = None,
    status: str | None = "valid",
    search: str = "",
) -> list[dict[str, Any]]:
    """Certificates of the event in print order (school, category, award), filtered."""
    where = Certificate.event == event_id
    if kind:
        where &= Certificate.kind == kind
    if school_id is not None:
        where &= Certificate.school == school_id
    if category_id is not None:
        where &= Certificate.category == category_id
    if status:
        where &= Certificate.status == status
    rows = await Certificate.select().where(where)
    search = (search or "").strip()
    if search:
        number = normalize_number(search)
        rows = [
            r
            for r in rows
            if search in r["name"]
            or search in r["title"]
            or (number and r["number"] == number)
            or search.upper() in r["number"]
        ]
    rows.sort(key=_sort_key)
    return rows


# --------------------------------------------------------------------------- rendering


def date_text(template: dict[str, Any], finalized_at: dt.datetime | None) -> str:
    """The date printed: the template's own text, else the finalization date (Asia/Shanghai)."""
    if template.get("date_text"):
        return template["date_text"]
    when = (finalized_at or now()).astimezone(SHANGHAI)
    return f"{when.year}年{when.month}月{when.day}日"


async def team_names(entry_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """``{entry id: {"students": [names], "advisers": [names]}}`` in the entry's order, for the
    ``{teammates}`` and ``{advisers}`` placeholders (certificates always carry full names)."""
    found: dict[int, dict[str, list[str]]] = {}
    ids = sorted({i for i in entry_ids if i})
    for start in range(0, len(ids), 900):
        for m in (
            await Member.select(Member.entry, Member.name, Member.role)
            .where(Member.entry.is_in(ids[start : start + 900]))
            .order_by(Member.position)
            .order_by(Member.id)
        ):
            team = found.setdefault(m["entry"], {"students": [], "advisers": []})
            team["students" if m["role"] == "student" else "advisers"].append(m["name"])
    return found


def mentor_parts(title: str | None) -> tuple[str, str]:
    """``(mentor's name, university)`` of a 培养证书's title, stored as "陈思远（海南大学）"
    (:func:`competitions.talent.growth.certificate_recipients`), for pages that put the brackets of
    their own language around the university; ``(title, "")`` for a title of another shape."""
    text = (title or "").strip()
    name, bracket, university = text[:-1].rpartition("（") if text.endswith("）") else ("", "", "")
    return (name.strip(), university.strip()) if bracket and name.strip() else (text, "")


def certificate_values(
    cert: dict[str, Any], event_name: str, date: str, team: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """The texts of one certificate for :func:`judging.certificates.render.field_text`;
    ``team`` (from :func:`team_names`) gives ``teammates`` (the entry's other students) and
    ``advisers``."""
    if cert["kind"] == "adviser":
        award = "优秀辅导教师"
    elif cert["kind"] == "talent":
        award = TALENT_AWARD_LABELS.get(cert.get("award") or "", "")
    else:
        award = AWARD_LABELS.get(cert.get("award") or "", "")
    return {
        "name": cert["name"],
        "school": cert["school_name"],
        "title": cert["title"],
        "category": cert["category_name"],
        "division": cert["division"],
        "award": award,
        "event": event_name,
        "date": date,
        "number": cert["number"],
        "rank": str(cert["rank"]) if cert.get("rank") else "",
        "teammates": "、".join(n for n in (team or {}).get("students", []) if n != cert["name"]),
        "advisers": "、".join((team or {}).get("advisers", [])),
    }


def verify_url(base_url: str, number: str) -> str:
    """What the QR code holds: ``<base URL>/verify/<number>``."""
    return f"{base_url.rstrip('/')}/verify/{number}"


async def _renderer_settings(event_id: int, kind: str, template: dict[str, Any], base_url: str) -> RenderSettings:
    fonts = await _font_refs(event_id)
    event = await get_event_row(event_id)
    base = template.get("verify_base_url") or base_url
    return RenderSettings(
        page_format=template["page_format"],
        orientation=template["orientation"],
        fonts=fonts,
        font=template["font"],
        fallback=template.get("fallback_font") or "",
        fields=template["fields"],
        background=background_path(template),
        verify_url=lambda number: verify_url(base, number),
        title=f"{event['name']} {KIND_LABELS[kind]}",
    )


async def _prepare_certificates(
    event_id: int,
    kind: str,
    school_id: int | None,
    category_id: int | None,
    base_url: str,
    issue: bool,
    batch_id: int | None = None,
) -> dict[str, Any]:
    """The certificates of a PDF or check, split into printable values and problems.

    With ``issue`` (a PDF or batch) award certificates due after finalization are issued
    first, then the valid certificates are used; the other kinds are printed only as far
    as an organizer has issued them. Without ``issue`` (the check, the school's page)
    nothing is written: what issuing would add or revoke is taken into account instead
    (``pending`` counts the certificates not issued yet).

    Returns ``{"renderer", "render_settings", "printable" (values), "unprintable" (missing characters),
    "overflow" (texts that do not fit), "left_out" (one per certificate left out),
    "total", "pending"}``."""
    round_row = await require_finalized(event_id)
    event = await check_kind_for_event(event_id, kind)
    if issue and kind == "award":
        await ensure_certificates(event_id, kind)
    if batch_id is not None:
        await _update_batch(batch_id, stale=False)  # what it prints is read now
    template = await get_template(event_id, kind)
    certs = await list_certificates(event_id, kind, school_id, category_id)
    waiting = 0
    if not issue:
        new_rows, stale = await pending(event_id, kind)
        certs = [c for c in certs if c["id"] not in stale]
        extra = [
            {**w, "id": None, "number": "", "kind": kind}
            for w in new_rows
            if (school_id is None or w["school"] == school_id) and (category_id is None or w["category"] == category_id)
        ]
        waiting = len(extra)
        certs = sorted(certs + extra, key=_sort_key)
    # loading the fonts takes ~0.5 s: off the event loop, like the drawing
    render_settings = await _renderer_settings(event_id, kind, template, base_url)
    renderer = await asyncio.to_thread(CertificateRenderer, render_settings)
    date = date_text(template, round_row.get("finalized_at"))
    sample_number = f"XM{event['year']:04d}-0000-0000-0000-0000"  # same width as a real number
    printable, unprintable, overflow, left_out = [], [], [], []
    texts = [f["text"] for f in template["fields"] if f.get("type") == "text" and f.get("text")]
    empty: dict[tuple[str, str], int] = {}  # (segment, as printed) -> certificates
    teams = await team_names([c.get("entry") for c in certs])
    for c in certs:
        values = certificate_values(c, event["name"], date, teams.get(c.get("entry")))
        for found in {seg for text in texts for seg in empty_segments(text, values)}:
            empty[found] = empty.get(found, 0) + 1
        who = {"holder": c["name"], "number": c["number"], "certificate_id": c["id"], "school_name": c["school_name"]}
        problems = renderer.missing(values)
        if problems:
            for p in problems:
                unprintable.append(
                    {"name": p["text"], "characters": p["characters"], "field": p["field"], **who, "reason": "missing"}
                )
            left_out.append({**who, "reason": "missing"})
            continue
        over = renderer.overflow({**values, "number": values["number"] or sample_number})
        if over:
            for p in over:
                overflow.append({"name": p["text"], "characters": [], "field": p["field"], **who, "reason": "overflow"})
            left_out.append({**who, "reason": "overflow"})
            continue
        printable.append(values)
    return {
        "renderer": renderer,
        "render_settings": render_settings,
        "printable": printable,
        "unprintable": unprintable,
        "overflow": overflow,
        "left_out": left_out,
        "total": len(certs),
        "pending": waiting,
        "template": template,
        "empty_labels": [
            {
                "segment": segment,
                "printed": printed,
                "certificates": n,
                "message": _(
                    "{n} 张证书的“{segment}”为空，会印成“{printed}”——可把这一段放进方括号：[{segment}]",
                    n=n,
                    segment=segment,
                    printed=printed,
                ),
            }
            for (segment, printed), n in sorted(empty.items())
        ],
    }


async def _prepare(
    event_id: int, kind: str, school_id: int | None, category_id: int | None, base_url: str
) -> tuple[CertificateRenderer, list[dict[str, str]], list[dict[str, Any]], int]:
    """``(renderer, printable values, unprintable, total)`` as a PDF sees them (award
    certificates due are issued first); kept for ``bench/certificates.py``."""
    prepared = await _prepare_certificates(event_id, kind, school_id, category_id, base_url, issue=True)
    return (
        prepared["renderer"],
        prepared["printable"],
        prepared["unprintable"] + prepared["overflow"],
        prepared["total"],
    )


def group_missing(unprintable: list[dict[str, Any]], examples: int = 5) -> list[dict[str, Any]]:
    """The coverage problems grouped by missing character, most frequent first:
    ``[{"character", "code_point" ("U+20BB7"), "count" (certificates), "examples" (a few
    texts)}]`` so that a font lacking most characters gives a short list."""
    groups: dict[str, dict[str, Any]] = {}
    for u in unprintable:
        for ch in u["characters"]:
            g = groups.setdefault(
                ch, {"character": ch, "code_point": f"U+{ord(ch):04X}", "count": 0, "examples": [], "_seen": set()}
            )
            key = u.get("certificate_id") or (u.get("holder"), u.get("number"))
            if key not in g["_seen"]:
                g["_seen"].add(key)
                g["count"] += 1
            if u["name"] not in g["examples"] and len(g["examples"]) < examples:
                g["examples"].append(u["name"])
    out = sorted(groups.values(), key=lambda g: (-g["count"], ord(g["character"])))
    for g in out:
        del g["_seen"]
    return out


def verify_base(template: dict[str, Any], base_url: str) -> str:
    """The address QR codes point to: the template's verification URL, else the request's."""
    return (template.get("verify_base_url") or base_url or "").rstrip("/")


def base_url_warning(url: str) -> str | None:
    """A warning when QR codes would point to an address phones elsewhere cannot open
    (plain http, localhost, a loopback, private or link-local address, a name without a
    dot), else ``None``."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    bad = parts.scheme != "https" or not host or host == "localhost" or host.endswith((".local", ".lan", ".localhost"))
    try:
        ip = ipaddress.ip_address(host)
        bad = bad or ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved
    except ValueError:
        bad = bad or "." not in host
    if not bad:
        return None
    return _("证书二维码将指向 {url}，手机扫码可能无法打开；请在模板中填写公网验证网址。", url=url)


async def file_names(
    event_id: int, kind: str, school_id: int | None = None, category_id: int | None = None, extra: str = ""
) -> tuple[str, str]:
    """``(ASCII file name, UTF-8 file name)`` of a certificate PDF, naming the event, kind,
    school and category, e.g. ``certificates-3-award-HK01.pdf`` and
    ``2026年…大赛-获奖证书-海口市第一中学.pdf``."""
    event = await get_event_row(event_id)
    ascii_parts, parts = ["certificates", str(event_id), kind], [event["name"], KIND_LABELS.get(kind, kind)]
    if school_id is not None:
        school = await School.select(School.code, School.name).where(School.id == school_id).first()
        if school:
            ascii_parts.append(school["code"])
            parts.append(school["name"])
    if category_id is not None:
        category = await Category.select(Category.code, Category.name).where(Category.id == category_id).first()
        if category:
            ascii_parts.append(category["code"])
            parts.append(category["name"])
    if extra:
        ascii_parts.append(extra)
        parts.append(extra)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(ascii_parts)).strip("_") + ".pdf"
    display = re.sub(r'[\\/:*?"<>|\s]+', "_", "-".join(p for p in parts if p)) + ".pdf"
    return ascii_name, display


async def _school_scope(actor: Principal, school_code: str | None) -> int | None:
    """The school whose certificates ``actor`` may have: organizers any (or all), a
    school coordinator only its own; anyone else :class:`Forbidden`."""
    if actor.role == "school":
        if actor.school_id is None:
            raise Forbidden(_("学校账号只能下载本校的证书。"))
        if school_code:
            row = await School.select(School.id).where(School.code == school_code.strip().upper()).first()
            if row is None or row["id"] != actor.school_id:
                raise Forbidden(_("学校账号只能下载本校的证书。"))
        return actor.school_id
    if actor.role != "organizer":
        raise Forbidden(_("只有组委会和学校管理员可以下载证书。"))
    return await school_id_for_code(school_code)


async def school_id_for_code(school_code: str | None) -> int | None:
    """The id of the school with ``school_code`` (any case), ``None`` for no code;
    :class:`NotFound` for an unknown code."""
    if not school_code:
        return None
    row = await School.select(School.id).where(School.code == school_code.strip().upper()).first()
    if row is None:
        raise NotFound(_("学校不存在：{code}", code=school_code))
    return row["id"]


async def check(
    actor: Principal,
    event_id: int,
    kind: str = "award",
    school_code: str | None = None,
    category_id: int | None = None,
    base_url: str = "",
) -> dict[str, Any]:
    """The coverage check before printing (read-only: it issues nothing):
    ``{"certificates": n, "printable": k, "unprintable": [{"name": text, "characters":
    [...], "field", "holder", "number", "certificate_id", "school_name"}],
    "missing_characters": [grouped, see :func:`group_missing`], "overflow": [{"name":
    text, "field", "holder", ...}] (texts that do not fit their box), "left_out",
    "pending" (due but not issued yet), "verify_base_url", "verify_base_url_warning", "empty_labels":
    [{"segment", "printed", "certificates", "message"}] (a free text's label around an empty
    placeholder, see :func:`render.empty_segments`)}``,
    where ``name`` is the name or title (as stored) that the configured fonts, with the
    fallback, cannot draw, ``field`` says which (``name``, ``title``, ..., ``template``
    for the design's own text) and ``holder`` is whose certificate it is. 409 before
    finalization."""
    _check_kind(kind)
    school_id = await _school_scope(actor, school_code)
    prepared = await _prepare_certificates(event_id, kind, school_id, category_id, base_url, issue=False)
    base = verify_base(prepared["template"], base_url)
    return {
        "certificates": prepared["total"],
        "printable": len(prepared["printable"]),
        "unprintable": prepared["unprintable"],
        "missing_characters": group_missing(prepared["unprintable"]),
        "overflow": prepared["overflow"],
        "left_out": prepared["left_out"],
        "pending": prepared["pending"],
        "verify_base_url": base,
        "verify_base_url_warning": base_url_warning(base),
        "empty_labels": prepared["empty_labels"],
        "without_holders": await _without_holders_in(event_id, kind, school_id, category_id),
    }


async def _without_holders_in(
    event_id: int, kind: str, school_id: int | None, category_id: int | None
) -> list[dict[str, Any]]:
    """:func:`entries_without_holders` within a school and/or category (``None``: all)."""
    found = await entries_without_holders(event_id, kind)
    if found and (school_id is not None or category_id is not None):
        where = Entry.id.is_in([f["entry_id"] for f in found])
        if school_id is not None:
            where &= Entry.school == school_id
        if category_id is not None:
            where &= Entry.category == category_id
        inside = {r["id"] for r in await Entry.select(Entry.id).where(where)}
        found = [f for f in found if f["entry_id"] in inside]
    return found


async def certificates_pdf(
    actor: Principal,
    event_id: int,
    base_url: str,
    kind: str = "award",
    school_code: str | None = None,
    category_id: int | None = None,
) -> tuple[Path, dict[str, Any]]:
    """One PDF, one certificate per page in print order, fonts embedded; certificates the
    fonts cannot draw or whose texts do not fit are left out. Award certificates due
    after finalization are issued first; other kinds are printed as far as issued.
    Returns ``(path of the PDF, {"pages", "unprintable", "overflow", "left_out"})``: the PDF is
    drawn in another process (:func:`certificates_pdf_job` through :func:`app.jobs.call`) and
    written to a file under ``<data dir>/exports`` that the caller streams and then deletes, so
    neither the server's event loop, its threads nor its memory carry the drawing; up to
    :data:`PAGES_IN_PROCESS` pages (a school's or a category's few) the same job runs here, its
    drawing in a thread, since starting a process would take longer than drawing them."""
    _check_kind(kind)
    school_id = await _school_scope(actor, school_code)
    await require_finalized(event_id)  # the usual 409, before a process is started
    kwargs = {
        "event_id": event_id,
        "base_url": base_url,
        "kind": kind,
        "school_id": school_id,
        "category_id": category_id,
        "locale": get_locale(),
    }
    if kind == "award":
        await ensure_certificates(event_id, kind)  # what is due is issued before counting (the job's first step too)
    if await Certificate.count().where(_printed_where(event_id, kind, school_id, category_id)) <= PAGES_IN_PROCESS:
        made = await certificates_pdf_job(**kwargs)  # a few pages: drawn in a thread, no process to start
    else:
        made = await jobs.call(PDF_JOB, kwargs)
    return Path(made.pop("path")), made


def _printed_where(event_id: int, kind: str, school_id: int | None, category_id: int | None) -> Any:
    """The valid certificates :func:`certificates_pdf` prints (their number decides where it is drawn)."""
    where = (Certificate.event == event_id) & (Certificate.kind == kind) & (Certificate.status == "valid")
    if school_id is not None:
        where &= Certificate.school == school_id
    if category_id is not None:
        where &= Certificate.category == category_id
    return where


async def certificates_pdf_job(
    event_id: int,
    base_url: str,
    kind: str = "award",
    school_id: int | None = None,
    category_id: int | None = None,
    locale: str = "zh",
) -> dict[str, Any]:
    """The job :data:`PDF_JOB` (run by :func:`app.jobs.call` in another process, after
    :func:`certificates_pdf` checked who asks): issue what is due, draw the printable
    certificates and write the PDF under ``<data dir>/exports``; ``{"path", "pages",
    "unprintable", "overflow", "left_out"}``."""
    set_locale(locale)
    prepared = await _prepare_certificates(event_id, kind, school_id, category_id, base_url, issue=True)
    renderer, printable = prepared["renderer"], prepared["printable"]
    path = export_path(".pdf")
    partial = path.with_name(path.name + ".partial")

    def draw() -> None:
        renderer.add(printable)
        _write_pdf(renderer, partial)
        partial.replace(path)

    try:
        await asyncio.to_thread(draw)
    finally:
        partial.unlink(missing_ok=True)
    return {
        "path": str(path),
        "pages": len(printable),
        "unprintable": prepared["unprintable"],
        "overflow": prepared["overflow"],
        "left_out": prepared["left_out"],
    }


async def certificate_pdf(certificate_id: int, base_url: str) -> tuple[bytes, dict[str, Any]]:
    """One valid certificate as a one-page PDF (for the office to print a single copy);
    :class:`Conflict` for a revoked one or one that cannot be printed."""
    cert = await _certificate(certificate_id)
    if cert["status"] != "valid":
        raise Conflict(_("这张证书已经作废，不能打印。"))
    round_row = await current_round(cert["event"])
    event = await get_event_row(cert["event"])
    template = await get_template(cert["event"], cert["kind"])
    renderer = await asyncio.to_thread(
        CertificateRenderer, await _renderer_settings(cert["event"], cert["kind"], template, base_url)
    )
    team = (await team_names([cert.get("entry")])).get(cert.get("entry"))
    values = certificate_values(cert, event["name"], date_text(template, round_row.get("finalized_at")), team)
    if renderer.missing(values):
        raise Conflict(_("这张证书含有所选字体无法显示的字，不能打印。请先在“打印前检查”中处理。"))
    if renderer.overflow(values):
        raise Conflict(_("这张证书的文字超出版面，不能打印。请在模板中加宽字段或打开自动缩小。"))

    def draw() -> bytes:
        renderer.add([values])
        return renderer.output()

    return await asyncio.to_thread(draw), cert


SAMPLE = {
    "name": "阿依古丽·买买提",
    "school_name": "海口市第一中学",
    "title": "基于物联网的校园垃圾分类智能回收装置",
    "category_name": "工程学",
    "division": "初中",
    "award": "first",
    "rank": 1,
    "number": "XM2026-0000-0000-0000-0000",
}
#: a robotics event's sample: a team (not a project) in a challenge (赛项), its place and prize,
#: its teammates and coach; ``category_name`` becomes the event's first challenge when it has one
ROBOTICS_SAMPLE = {
    "name": "阿依古丽·买买提",
    "school_name": "海口市第一中学",
    "title": "椰城飞鹰队",
    "category_name": "机器人综合技能",
    "division": "初中",
    "award": "first",
    "rank": 1,
    "number": "XM2026-0000-0000-0000-0000",
}
#: a talent programme's sample 培养证书: a student, the subject, the mentor (name（university）) and the grade;
#: ``category_name`` becomes the programme's first subject when it has one
TALENT_SAMPLE = {
    "name": "阿依古丽·买买提",
    "school_name": "海口市第一中学",
    "title": "陈思远（海南大学）",
    "category_name": "物理",
    "division": "高中",
    "award": "excellent",
    "rank": None,
    "number": "XM2026-0000-0000-0000-0000",
}
ROBOTICS_SAMPLE_TEAM = {"students": ["阿依古丽·买买提", "王子涵", "陈雨桐"], "advisers": ["林志强"]}
SAMPLE_TEAM = {"students": ["阿依古丽·买买提", "王子涵"], "advisers": ["林志强"]}


async def preview_subject(
    event_id: int, kind: str, template: dict[str, Any] | None = None, *, event: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, list[str]] | None, bool]:
    """Whose certificate a preview of ``kind`` shows: ``(certificate, team, sample)``. The first
    certificate in print order once finalized, else the first awarded entry's first student in the
    current results, else sample data (``sample`` true) in the event's own terms: a robotics event
    previews a team in one of its challenges (赛项) with a place and a prize, never a project."""
    _check_kind(kind)
    event = event or await get_event_row(event_id)
    template = template or await get_template(event_id, kind, event=event)
    round_row = await current_round(event_id)
    cert: dict[str, Any] | None = None
    if RoundState.of(round_row) is RoundState.FINALIZED:
        rows = await list_certificates(event_id, kind)
        cert = rows[0] if rows else None
    if cert is None:
        try:
            people = await _recipients(event_id, kind, template)
        except Exception:  # noqa: BLE001 - results may be incomplete while designing
            people = []
        people.sort(key=lambda p: (AWARD_ORDER.get(p["award"], 3), p["school_code"], p["position"]))
        if people:
            cert = {**people[0], "number": f"XM{event['year']}-0000-0000-0000-0000"}
    if cert is not None:
        team = (await team_names([cert.get("entry")])).get(cert.get("entry"))
        return {**cert, "kind": kind}, team, False
    robotics = event.get("kind") == "robotics"
    if kind == "talent":  # a year of training under a mentor, graded 优秀/合格: no project, no prize
        sample = {**TALENT_SAMPLE, "number": f"XM{event['year']}-0000-0000-0000-0000"}
        first = (
            await Category.select(Category.name).where(Category.event == event_id).order_by(Category.position).first()
        )
        if first and first["name"]:
            sample["category_name"] = first["name"]
        return {**sample, "kind": kind}, None, True
    sample = dict(ROBOTICS_SAMPLE if robotics else SAMPLE)
    if robotics:
        first = (
            await Category.select(Category.name).where(Category.event == event_id).order_by(Category.position).first()
        )
        if first and first["name"]:
            sample["category_name"] = first["name"]
    sample.update(number=f"XM{event['year']}-0000-0000-0000-0000", award="first" if kind == "award" else None)
    if kind == "participation":
        sample["rank"] = None
    team = dict(ROBOTICS_SAMPLE_TEAM if robotics else SAMPLE_TEAM)
    if kind == "adviser":  # the adviser's certificate carries the coach's (adviser's) name
        sample["name"] = team["advisers"][0]
    return {**sample, "kind": kind}, team, True


async def preview(event_id: int, kind: str, base_url: str, template: dict[str, Any] | None = None) -> bytes:
    """A one-page PDF of ``kind`` for :func:`preview_subject` (real data, else the event kind's
    sample). Characters the fonts cannot draw are shown as ``?`` here (a preview only; printing
    leaves such certificates out)."""
    _check_kind(kind)
    event = await get_event_row(event_id)
    template = template or await get_template(event_id, kind, event=event)
    round_row = await current_round(event_id)
    cert, team, _sample = await preview_subject(event_id, kind, template, event=event)
    settings = await _renderer_settings(event_id, kind, template, base_url)
    values = certificate_values(cert, event["name"], date_text(template, round_row.get("finalized_at")), team)

    def draw() -> bytes:
        renderer = CertificateRenderer(settings)
        for problem in renderer.missing(values):
            for key, value in list(values.items()):
                values[key] = "".join("?" if ch in problem["characters"] else ch for ch in value)
        renderer.add([values])
        return renderer.output()

    return await asyncio.to_thread(draw)


# --------------------------------------------------------------------------- revoke, reissue, verify


async def _certificate(certificate_id: int) -> dict[str, Any]:
    row = await Certificate.select().where(Certificate.id == certificate_id).first()
    if row is None:
        raise NotFound(_("证书不存在。"))
    return row


async def revoke(actor: Principal, certificate_id: int, reason: str) -> dict[str, Any]:
    """Revoke a valid certificate with a written reason (shown on verification; audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("作废证书必须写明理由。"))
    cert = await _certificate(certificate_id)
    if cert["status"] != "valid":
        raise Conflict(_("这张证书已经作废。"))

    async def work() -> None:
        await Certificate.update(
            {
                Certificate.status: "revoked",
                Certificate.revoked_at: now(),
                Certificate.revoked_reason: reason[:500],
                Certificate.revoked_by: actor.id,
            }
        ).where(Certificate.id == certificate_id)
        await mark_batches_stale(cert["event"], cert["kind"])
        await audit.record(
            actor,
            "certificate.revoke",
            "certificate",
            certificate_id,
            event_id=cert["event"],
            entry_id=cert["entry"],
            summary=_("证书 {number} 已作废", number=cert["number"]),
            reason=reason,
        )

    await write_transaction(work)
    await signals.public_view_changed.send(event_id=cert["event"], what="certificate")
    return {**cert, "status": "revoked", "revoked_reason": reason}


async def reissue(actor: Principal, certificate_id: int, reason: str) -> dict[str, Any]:
    """Issue a new number in place of a certificate, with the member's current name and
    entry texts (e.g. after a misspelt name was corrected). A valid certificate is
    revoked at the same time; a revoked one (revoked by mistake) stays revoked and may be
    reissued only while its holder has no valid certificate of that kind and the
    finalized results still call for it. Audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("补发证书必须写明理由。"))
    cert = await _certificate(certificate_id)
    await require_finalized(cert["event"])
    event = await get_event_row(cert["event"])
    fresh: dict[str, Any] = {}
    if cert["status"] != "valid":
        if cert["member"] is None:
            raise Conflict(_("这张证书的持有人已被删除，不能补发。"))
        if await Certificate.exists().where(
            (Certificate.event == cert["event"])
            & (Certificate.kind == cert["kind"])
            & (Certificate.member == cert["member"])
            & (Certificate.status == "valid")
        ):
            raise Conflict(
                _("{name} 已有一张有效的{kind}，不能再补发。", name=cert["name"], kind=_(KIND_LABELS[cert["kind"]]))
            )
        template = await get_template(cert["event"], cert["kind"])
        due = [w for w in await _recipients(cert["event"], cert["kind"], template) if w["member"] == cert["member"]]
        if not due:
            raise Conflict(
                _("按定稿结果，{name} 不再获得{kind}，不能补发。", name=cert["name"], kind=_(KIND_LABELS[cert["kind"]]))
            )
        fresh.update(due[0])
    if cert["member"] is not None:
        member = await Member.select(Member.name).where(Member.id == cert["member"]).first()
        if member:
            fresh["name"] = member["name"]
    if cert["entry"] is not None and "entry" not in fresh:
        entry = (
            await Entry.select(
                Entry.title,
                Entry.division,
                Entry.category.name.as_alias("category_name"),
                Entry.school.name.as_alias("school_name"),
            )
            .where(Entry.id == cert["entry"])
            .first()
        )
        if entry:
            fresh.update(entry)
    keep = (
        "event",
        "kind",
        "member",
        "entry",
        "school",
        "category",
        "award",
        "name",
        "school_name",
        "school_code",
        "title",
        "category_name",
        "category_position",
        "division",
        "position",
        "rank",
    )
    was_valid = cert["status"] == "valid"

    async def work() -> dict[str, Any]:
        stamp = now()
        if was_valid:
            updated = (
                await Certificate.update(
                    {
                        Certificate.status: "revoked",
                        Certificate.revoked_at: stamp,
                        Certificate.revoked_reason: reason[:500],
                        Certificate.revoked_by: actor.id,
                    }
                )
                .where((Certificate.id == certificate_id) & (Certificate.status == "valid"))
                .returning(Certificate.id)
            )
            if not updated:
                raise Conflict(_("这张证书刚刚被作废或补发，请刷新页面。"))
        row = Certificate(
            number=new_number(event["year"]),
            issued_at=stamp,
            status="valid",
            **{k: fresh.get(k, cert[k]) for k in keep},
        )
        await row.save()
        await Certificate.update({Certificate.replaced_by: row.id}).where(Certificate.id == certificate_id)
        await mark_batches_stale(cert["event"], cert["kind"])
        await audit.record(
            actor,
            "certificate.reissue",
            "certificate",
            row.id,
            event_id=cert["event"],
            entry_id=cert["entry"],
            summary=_("证书 {old} 作废，补发 {new}", old=cert["number"], new=row.number),
            reason=reason,
        )
        return await _certificate(row.id)

    reissued = await write_transaction(work)
    await signals.public_view_changed.send(event_id=cert["event"], what="certificate")
    return reissued


async def verify(number: str, address: str | None, limited: bool = True) -> dict[str, Any]:
    """Public verification of a certificate number, rate-limited per address
    (:data:`VERIFY_LIMIT_PER_MINUTE` look-ups a minute, then :class:`TooManyRequests`);
    ``limited=False`` for logged-in organizers, whose look-ups do not count.

    Returns ``{"valid", "status", "number", "name" (as printed), "school", "event", "award"
    (first|second|third|null), "award_label", "kind", "kind_label", "title",
    "category", "division", "issued_at" (ISO 8601), "revoked_at", "revoked_reason"}``;
    :class:`NotFound` for an unknown number."""
    await count_verification(address, limited)
    return (await verification(number))[1]


async def count_verification(address: str | None, limited: bool = True) -> None:
    """Count one look-up of ``address`` against the rate limit; :class:`TooManyRequests` beyond it."""
    count = await increment(f"certificate-verify:{address or '-'}", 60) if limited else 0
    if count > VERIFY_LIMIT_PER_MINUTE:
        raise TooManyRequests(_("查询过于频繁，请一分钟后再试。"))


async def verification(number: str) -> tuple[int, dict[str, Any]]:
    """``(event id, what :func:`verify` answers)`` for ``number``, without counting the look-up;
    :class:`NotFound` (saying where a typo is, when it can) for an unknown number."""
    canonical = normalize_number(number)
    row = None
    if canonical:
        row = (
            await Certificate.select(Certificate.all_columns(), Certificate.event.name.as_alias("event_name"))
            .where(Certificate.number == canonical)
            .first()
        )
    if row is None:
        raise await _unknown_number(number)
    valid = row["status"] == "valid"
    if row["kind"] == "adviser":
        award_label = "优秀辅导教师"
    elif row["kind"] == "talent":  # 培养证书: the year-end review's 优秀 or 合格
        award_label = TALENT_AWARD_LABELS.get(row["award"] or "", "")
    else:
        award_label = AWARD_LABELS.get(row["award"] or "", "")
    return row["event"], {
        "valid": valid,
        "status": row["status"],
        "number": row["number"],
        "name": row["name"],
        "school": row["school_name"] or None,  # as printed (issue 12: the verification page shows it)
        "event": row["event_name"],
        "award": row["award"],
        "award_label": award_label,
        "kind": row["kind"],
        "kind_label": KIND_LABELS[row["kind"]],
        "title": row["title"],
        "category": row["category_name"],
        "division": row["division"],
        "issued_at": row["issued_at"].isoformat(),
        "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
        "revoked_reason": row["revoked_reason"] if not valid else None,
    }


NUMBER_BODY = 20  # characters after "XM": the year (4) and 16 random ones


def number_edits(typed: str) -> dict[str, tuple[int, str]]:
    """The well-formed numbers one edit away from a typed one that is not issued: ``{canonical
    number: (position, fix)}``, ``position`` 1-based from the X of XM (hyphens and spaces not
    counted), ``fix`` ``replace`` (that character is wrong), ``insert`` (one is missing before
    it), ``remove`` (that character is extra) or ``swap`` (it and the next). The numbers carry no
    check character, so only the issued ones among these can tell a typo (:func:`_unknown_number`)."""
    raw = re.sub(r"[\s\-_–—]+", "", (typed or "").upper())
    if not raw.startswith("XM"):
        return {}
    body = raw[2:].translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    found: dict[str, tuple[int, str]] = {}

    def attempt(candidate: str, i: int, fix: str) -> None:
        number = normalize_number("XM" + candidate)
        if number and candidate != body:
            found.setdefault(number, (i + 3, fix))

    if len(body) == NUMBER_BODY:
        for i, char in enumerate(body):
            for other in ALPHABET:
                if other != char:
                    attempt(body[:i] + other + body[i + 1 :], i, "replace")
        for i in range(NUMBER_BODY - 1):
            if body[i] != body[i + 1]:
                attempt(body[:i] + body[i + 1] + body[i] + body[i + 2 :], i, "swap")
    elif len(body) == NUMBER_BODY - 1:  # one character left out
        for i in range(NUMBER_BODY):
            for other in ALPHABET:
                attempt(body[:i] + other + body[i:], i, "insert")
    elif len(body) == NUMBER_BODY + 1:  # one character too many
        for i in range(len(body)):
            attempt(body[:i] + body[i + 1 :], i, "remove")
    return found


async def _unknown_number(typed: str) -> NotFound:
    """The 404 for a number that is not issued (CONTRACT). When exactly one valid certificate's
    number is one edit away, the answer says where the typo is, like a mistyped check-in code:
    ``extra = {"problem": "mistyped", "position", "fix"}``; the number itself is not told (nothing
    to enumerate: at most a position among a valid number's characters, under the same rate limit)."""
    edits = number_edits(typed)
    hits: list[str] = []
    candidates = list(edits)
    for start in range(0, len(candidates), 500):
        hits += [
            r["number"]
            for r in await Certificate.select(Certificate.number).where(
                Certificate.number.is_in(candidates[start : start + 500]) & (Certificate.status == "valid")
            )
        ]
    if len(hits) != 1:
        return NotFound(_("查无此证书编号，请核对后重新输入。"))
    position, fix = edits[hits[0]]
    message = {
        "replace": _(
            "查无此证书编号：第 {n} 个字符可能输错了（从 XM 的 X 数起，不算短横线），请核对后重新输入。", n=position
        ),
        "insert": _(
            "查无此证书编号：可能少输了一个字符，在第 {n} 位（从 XM 的 X 数起，不算短横线），请补上后重新输入。",
            n=position,
        ),
        "remove": _(
            "查无此证书编号：可能多输了一个字符，请检查第 {n} 个字符（从 XM 的 X 数起，不算短横线）。", n=position
        ),
        "swap": _("查无此证书编号：第 {n}、{m} 个字符可能顺序颠倒了，请核对后重新输入。", n=position, m=position + 1),
    }[fix]
    return NotFound(message, extra={"problem": "mistyped", "position": position, "fix": fix})


# --------------------------------------------------------------------------- background batches


def _batch_out(row: dict[str, Any]) -> dict[str, Any]:
    skipped = row.get("skipped") or []
    if isinstance(skipped, str):
        import json

        skipped = json.loads(skipped)
    return {
        "id": row["id"],
        "event_id": row["event"],
        "kind": row["kind"],
        "school_id": row["school"],
        "category_id": row["category"],
        "status": row["status"],
        "total": row["total"],
        "done": row["done"],
        "skipped": skipped,
        "size": row["size"],
        "error": row["error"],
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "percent": int(100 * row["done"] / row["total"]) if row["total"] else (100 if row["status"] == "done" else 0),
        "stale": bool(row.get("stale")),
        "worker": row.get("worker") or "",
    }


async def start_batch(
    actor: Principal,
    event_id: int,
    base_url: str,
    kind: str = "award",
    school_code: str | None = None,
    category_id: int | None = None,
) -> dict[str, Any]:
    """Queue a PDF of the event's (or one school's, or one category's) certificates, made in
    another process (:mod:`app.jobs`: a ``xinmiao worker`` with Redis, else the server's process
    pool); follow it with :func:`batch_status`, stop it with :func:`cancel_batch`. 409 before
    finalization."""
    await check_kind_for_event(event_id, kind)
    school_id = await _school_scope(actor, school_code)
    await require_finalized(event_id)
    if category_id is not None and not await Category.exists().where(
        (Category.id == category_id) & (Category.event == event_id)
    ):
        raise NotFound(_("类别不存在。"))

    async def work() -> int:
        row = CertificateBatch(
            event=event_id,
            kind=kind,
            school=school_id,
            category=category_id,
            status="queued",
            base_url=base_url[:200],
            created_by=actor.id,
            created_at=now(),
            updated_at=now(),
        )
        await row.save()
        return row.id

    batch_id = await write_transaction(work)

    async def crashed(exc: BaseException) -> None:  # the worker process died (or the server stopped it)
        if isinstance(exc, BrokenProcessPool):
            error = _("生成中断（服务重启），请重新生成。")
        else:
            error = _("生成失败：{error}", error=type(exc).__name__)
        await _finish_batch(batch_id, "failed", ("queued", "running"), error=error)

    await jobs.submit(BATCH_JOB, {"batch_id": batch_id}, follow=lambda: follow_batch(batch_id), crashed=crashed)
    return await batch_status(actor, batch_id)


async def _update_batch(batch_id: int, **values: Any) -> None:
    values["updated_at"] = now()

    async def work() -> None:
        await CertificateBatch.update({getattr(CertificateBatch, k): v for k, v in values.items()}).where(
            CertificateBatch.id == batch_id
        )

    await write_transaction(work)


async def _finish_batch(batch_id: int, status: str, when: tuple[str, ...], **values: Any) -> bool:
    """Move the batch to ``status`` if it is still in one of ``when`` (one conditional UPDATE:
    a cancellation and the worker's end cannot both win); ``True`` when it moved."""
    values.update(status=status, updated_at=now(), finished_at=now())

    async def work() -> list[dict[str, Any]]:
        return await (
            CertificateBatch.update({getattr(CertificateBatch, k): v for k, v in values.items()})
            .where((CertificateBatch.id == batch_id) & CertificateBatch.status.is_in(list(when)))
            .returning(CertificateBatch.id)
        )

    return bool(await write_transaction(work))


class _Cancelled(Exception):
    """The batch was cancelled while it was being made."""


async def _still_running(batch_id: int) -> bool:
    row = await CertificateBatch.select(CertificateBatch.status).where(CertificateBatch.id == batch_id).first()
    return row is not None and row["status"] == "running"


async def run_batch(batch_id: int) -> None:
    """The batch job (:data:`BATCH_JOB`, run in a worker process, never in the server): claim the
    queued batch, draw its certificates :data:`BATCH_CHUNK` pages at a time (recording progress and
    looking for a cancellation after each chunk), write the PDF to ``<key>.partial`` under
    ``<data dir>/certificates/batches`` and rename it to ``<key>.pdf`` when it is complete. The
    server only ever streams the finished file from disk. A cancelled batch leaves no file; a
    failure is recorded on the batch.

    Memory (the worker's, never the server's): fpdf2 keeps every drawn page of a document until it
    is written (about 10 KB a page). A batch of up to :data:`PART_PAGES` pages is one PDF; a larger
    one is drawn as PDFs of :data:`PART_PAGES` pages, each written to disk and freed before the next,
    packed into one ZIP (``certificates-00001-02000.pdf`` ...), so the worker's memory is that of one
    part however large the batch (joining parts into one PDF with pikepdf held every page again and
    measured worse, see ``bench/batch_memory.py``). The process ends after the batch
    (:data:`app.jobs.JOBS_PER_PROCESS`)."""
    row = await CertificateBatch.select().where(CertificateBatch.id == batch_id).first()
    if row is None:
        return
    total = done = 0

    async def progressed(state: str) -> None:  # live pages follow the batch (app.signals)
        await batch_progressed.send(batch_id=batch_id, event_id=row["event"], state=state, done=done, total=total)

    async def claim() -> list[dict[str, Any]]:
        return await (
            CertificateBatch.update(
                {
                    CertificateBatch.status: "running",
                    CertificateBatch.worker: jobs.worker_name(),
                    CertificateBatch.updated_at: now(),
                }
            )
            .where((CertificateBatch.id == batch_id) & (CertificateBatch.status == "queued"))
            .returning(CertificateBatch.id)
        )

    if not await write_transaction(claim):
        return  # cancelled before it started (or taken by another worker)
    started = time.perf_counter()
    key = f"{secrets.token_hex(16)}.pdf"
    target = _stored("batches", key)
    partial = target.with_name(key + ".partial")
    parts: list[Path] = []  # the part PDFs of a batch drawn in parts (deleted once packed, or on failure)
    try:
        await progressed("running")
        prepared = await _prepare_certificates(
            row["event"], row["kind"], row["school"], row["category"], row["base_url"], issue=True, batch_id=batch_id
        )
        renderer, printable = prepared["renderer"], prepared["printable"]
        total = len(printable)
        await _update_batch(batch_id, total=total, skipped=prepared["unprintable"] + prepared["overflow"])
        timing = {"prepare": time.perf_counter() - started}
        clock = time.perf_counter()
        part_pages = part_size()
        split = len(printable) > part_pages  # parts on disk, then one ZIP: memory stays flat
        if split:
            key = key[: -len(".pdf")] + ".zip"
            target = _stored("batches", key)
            partial = target.with_name(key + ".partial")
        groups = [printable[i : i + part_pages] for i in range(0, len(printable), part_pages)] if split else [printable]
        for group in groups:
            if split:  # a fresh document per part; the last one's pages are on disk and freed
                renderer = await asyncio.to_thread(CertificateRenderer, prepared["render_settings"])
            for start in range(0, len(group), BATCH_CHUNK):
                chunk = group[start : start + BATCH_CHUNK]
                await asyncio.to_thread(renderer.add, chunk)
                done += len(chunk)
                if not await _still_running(batch_id):
                    raise _Cancelled
                await _update_batch(batch_id, done=done)
                await progressed("running")
            if split:
                path = target.with_name(f"{key}.part{len(parts) + 1:03d}")
                parts.append(path)
                await asyncio.to_thread(_write_pdf, renderer, path)
        timing["draw"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if split:
            size = await asyncio.to_thread(_zip_parts, parts, partial, len(printable), part_pages)
        else:
            size = await asyncio.to_thread(_write_pdf, renderer, partial)
        del renderer, prepared
        timing["write"] = time.perf_counter() - clock
        partial.replace(target)  # the finished file appears at once or not at all
        log.info(
            "certificate batch %s: %s pages, %.1f MB; %s",
            batch_id,
            total,
            size / 1e6,
            ", ".join(f"{k} {v:.1f} s" for k, v in timing.items()),
        )
        if await _finish_batch(batch_id, "done", ("running",), storage_key=key, size=size):
            await progressed("done")
        else:  # cancelled while the file was written
            target.unlink(missing_ok=True)
            await progressed("cancelled")
    except _Cancelled:
        log.info("certificate batch %s cancelled after %s of %s pages", batch_id, done, total)
        await progressed("cancelled")
    except asyncio.CancelledError:  # `xinmiao worker` stopping: the batch reads as interrupted
        await asyncio.shield(
            _finish_batch(batch_id, "failed", ("queued", "running"), error=_("生成中断（服务重启），请重新生成。"))
        )
        raise
    except Exception as exc:  # noqa: BLE001 - the batch records the failure for the organizer
        log.exception("certificate batch %s failed", batch_id)
        target.unlink(missing_ok=True)
        message = getattr(exc, "message", None) or _("生成失败：{error}", error=type(exc).__name__)
        try:
            if await _finish_batch(batch_id, "failed", ("queued", "running"), error=str(message)[:500]):
                await progressed("failed")
        except Exception:  # noqa: BLE001
            log.exception("could not record the failure of batch %s", batch_id)
    finally:
        partial.unlink(missing_ok=True)
        for part in parts:
            part.unlink(missing_ok=True)


def part_name(first: int, last: int, total: int) -> str:
    """A part's name inside a batch's ZIP: ``certificates-00001-02000.pdf`` (pages, 1-based)."""
    width = max(5, len(str(total)))
    return f"certificates-{first:0{width}d}-{last:0{width}d}.pdf"


def part_size() -> int:
    """Pages per part of a large batch: :data:`PART_PAGES`, or ``XINMIAO_BATCH_PART_PAGES`` (tests)."""
    try:
        return max(1, int(os.environ.get("XINMIAO_BATCH_PART_PAGES", PART_PAGES)))
    except ValueError:
        return PART_PAGES


def _zip_parts(parts: list[Path], path: Path, total: int, part_pages: int = PART_PAGES) -> int:
    """Pack the part PDFs (in order, ``part_pages`` pages each) into the ZIP ``path``, stored
    without recompression (PDF streams are compressed already), deleting each part once packed;
    returns the ZIP's size in bytes."""
    create_private(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for i, part in enumerate(parts):
            first = i * part_pages + 1
            archive.write(part, part_name(first, min(first + part_pages - 1, total), total))
            part.unlink()
    return path.stat().st_size


def _write_pdf(renderer: CertificateRenderer, path: Path) -> int:
    """Write the renderer's PDF to ``path`` (a private file: names and schools); returns its size in bytes."""
    create_private(path)
    return renderer.write(path)


async def follow_batch(batch_id: int, interval: float = 0.5) -> None:
    """Run by the server while a batch is made in its process pool (the worker process cannot
    reach the server's in-process live channels): read the batch every ``interval`` seconds and
    send :data:`app.signals.batch_progressed` when it moved, until it is finished."""
    last: tuple[Any, ...] | None = None
    while True:
        row = (
            await CertificateBatch.select(
                CertificateBatch.event, CertificateBatch.status, CertificateBatch.done, CertificateBatch.total
            )
            .where(CertificateBatch.id == batch_id)
            .first()
        )
        if row is None:
            return
        now_seen = (row["status"], row["done"], row["total"])
        if now_seen != last and row["status"] != "queued":
            last = now_seen
            await batch_progressed.send(
                batch_id=batch_id, event_id=row["event"], state=row["status"], done=row["done"], total=row["total"]
            )
        if row["status"] in ("done", "failed", "cancelled"):
            return
        await asyncio.sleep(interval)


async def cancel_batch(actor: Principal, batch_id: int) -> dict[str, Any]:
    """Stop a queued or running batch (organizers; a school its own): it is ``cancelled`` at once
    and its worker stops at its next :data:`BATCH_CHUNK` pages, leaving no file. 409 for a batch
    that is already finished."""
    row = await _batch_row(actor, batch_id)
    if row["status"] not in ("queued", "running") or not await _finish_batch(
        batch_id, "cancelled", ("queued", "running")
    ):
        raise Conflict(_("这个批次已经结束，不能取消。"))
    await batch_progressed.send(
        batch_id=batch_id, event_id=row["event"], state="cancelled", done=row["done"], total=row["total"]
    )
    return await batch_status(actor, batch_id)


async def _finalized_at(event_id: int) -> dt.datetime | None:
    round_row = await current_round(event_id)
    return round_row.get("finalized_at")


def _outdated(row: dict[str, Any], finalized_at: dt.datetime | None) -> bool:
    """A finished batch is out of date once a certificate of its event and kind was issued,
    revoked or reissued after it was made, or the results were finalized again since."""
    return bool(row.get("stale")) or (finalized_at is not None and row["created_at"] < finalized_at)


async def _batch_row(actor: Principal, batch_id: int) -> dict[str, Any]:
    row = await CertificateBatch.select().where(CertificateBatch.id == batch_id).output(load_json=True).first()
    if row is None or (actor.role != "organizer" and (actor.role != "school" or row["school"] != actor.school_id)):
        raise NotFound(_("证书批次不存在。"))
    if row["status"] in ("queued", "running") and (now() - row["updated_at"]).total_seconds() > STALE_BATCH_SECONDS:
        row = {**row, "status": "failed", "error": _("生成中断（服务重启），请重新生成。")}
    row["stale"] = row["status"] == "done" and _outdated(row, await _finalized_at(row["event"]))
    return row


async def batch_status(actor: Principal, batch_id: int) -> dict[str, Any]:
    """``{"id", "status" (queued|running|done|failed), "total", "done", "percent",
    "skipped", "size", "error", ...}``; a school sees only its own batches."""
    return _batch_out(await _batch_row(actor, batch_id))


async def list_batches(actor: Principal, event_id: int) -> list[dict[str, Any]]:
    """The event's batches, newest first (a school coordinator: its own school's)."""
    where = CertificateBatch.event == event_id
    if actor.role == "school":
        where &= CertificateBatch.school == actor.school_id
    rows = (
        await CertificateBatch.select(
            CertificateBatch.all_columns(),
            CertificateBatch.school.name.as_alias("school_name"),
            CertificateBatch.school.code.as_alias("school_code"),
            CertificateBatch.category.name.as_alias("category_name"),
            CertificateBatch.category.code.as_alias("category_code"),
        )
        .where(where)
        .order_by(CertificateBatch.id, ascending=False)
        .output(load_json=True)
    )
    out = []
    finalized_at = await _finalized_at(event_id) if rows else None
    for r in rows:
        item = _batch_out(r)
        if r["status"] in ("queued", "running") and (now() - r["updated_at"]).total_seconds() > STALE_BATCH_SECONDS:
            item["status"] = "failed"
        item["stale"] = item["status"] == "done" and _outdated(r, finalized_at)
        out.append(
            {
                **item,
                "school_name": r["school_name"],
                "category_name": r["category_name"],
                "school_code": r["school_code"],
                "category_code": r["category_code"],
            }
        )
    return out


async def open_batch(actor: Principal, batch_id: int) -> tuple[dict[str, Any], Path]:
    """The finished batch and its file; :class:`Conflict` while it is still being made."""
    row = await _batch_row(actor, batch_id)
    if row["status"] == "failed":
        raise Conflict(row["error"] or _("这份证书 PDF 生成失败，请重新生成。"))
    if row["status"] == "cancelled":
        raise Conflict(_("这份证书 PDF 已取消生成。"))
    if row["status"] != "done":
        raise Conflict(_("证书 PDF 还在生成中。"))
    if row["stale"]:
        raise Conflict(_("这份证书 PDF 已过期：生成之后有证书颁发、作废、补发或结果重新定稿。请重新生成一份。"))
    school = (
        await School.select(School.code, School.name).where(School.id == row["school"]).first()
        if row["school"]
        else None
    )
    category = (
        await Category.select(Category.code, Category.name).where(Category.id == row["category"]).first()
        if row["category"]
        else None
    )
    row["school_code"], row["school_name"] = (school["code"], school["name"]) if school else ("", "")
    row["category_code"], row["category_name"] = (category["code"], category["name"]) if category else ("", "")
    return row, _stored("batches", row["storage_key"])


async def school_overview(actor: Principal) -> list[dict[str, Any]]:
    """What ``actor``'s school should receive, per finalized event (read-only): each event
    of :func:`school_events` with ``"kinds": [{"kind", "label", "total", "printable",
    "left_out": [{"holder", "reason"}]}]`` for award certificates (always) and the other
    kinds the organizers have issued to the school."""
    out = []
    for event in await school_events(actor):
        kinds = []
        for kind in KINDS:
            if kind != "award" and not await Certificate.exists().where(
                (Certificate.event == event["event_id"])
                & (Certificate.kind == kind)
                & (Certificate.school == actor.school_id)
                & (Certificate.status == "valid")
            ):
                continue
            try:
                prepared = await _prepare_certificates(event["event_id"], kind, actor.school_id, None, "", issue=False)
            except ServiceError:
                continue
            if kind != "award":  # only what has been issued is printed for these kinds
                prepared["total"] -= prepared["pending"]
                prepared["left_out"] = [x for x in prepared["left_out"] if x["certificate_id"]]
            kinds.append(
                {
                    "kind": kind,
                    "label": KIND_LABELS[kind],
                    "total": prepared["total"],
                    "printable": prepared["total"] - len(prepared["left_out"]),
                    "left_out": prepared["left_out"],
                }
            )
        out.append({**event, "kinds": kinds})
    return out


async def school_events(actor: Principal) -> list[dict[str, Any]]:
    """Events whose results are finalized (camps and talent programmes: with certificates issued to
    the school) and in which ``actor``'s school has approved entries (applications):
    ``[{"event_id", "name", "year", "kind", "entries"}]``, newest first (the school's certificate
    downloads)."""
    from judging.rounds.tables import Round

    if actor.school_id is None:
        return []
    finalized = await Round.select(
        Round.event,
        Round.event.name.as_alias("name"),
        Round.event.year.as_alias("year"),
        Round.event.kind.as_alias("kind"),
    ).where((Round.is_current.eq(True)) & (Round.state == RoundState.FINALIZED.value))
    # a camp or a talent programme has no results: its school downloads the completion (营员) or
    # training (培养) certificates once the office has issued them
    issued = await Certificate.select(
        Certificate.event,
        Certificate.event.name.as_alias("name"),
        Certificate.event.year.as_alias("year"),
        Certificate.event.kind.as_alias("kind"),
    ).where(
        (Certificate.school == actor.school_id)
        & Certificate.kind.is_in(["camp", "talent"])
        & (Certificate.status == "valid")
    )
    seen = {r["event"] for r in finalized}
    finalized = finalized + [r for r in {c["event"]: c for c in issued}.values() if r["event"] not in seen]
    out = []
    for r in sorted(finalized, key=lambda r: -r["event"]):
        n = await Entry.count().where(
            (Entry.event == r["event"]) & (Entry.school == actor.school_id) & (Entry.status == "approved")
        )
        if n:
            out.append({"event_id": r["event"], "name": r["name"], "year": r["year"], "kind": r["kind"], "entries": n})
    return out


async def on_results_finalized(
    event_id: int,
    actor: Principal,
    *,
    event: dict[str, Any] | None = None,
    round: dict[str, Any] | None = None,
    **_signal: Any,
) -> None:
    """Receiver of :data:`app.signals.results_finalized`: award certificates exist from finalization
    on (numbers issued once; participation, adviser and camp certificates only on request). Uses the
    event and round rows the sender loaded, when it sends them."""
    await ensure_certificates(event_id, "award", actor, event=event, round_row=round)
