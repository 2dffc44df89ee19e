"""API bodies and answers of certificates: templates, batches, the coverage check, issued
certificates and the public verification."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from app.web.openapi import one_of

CertificateKind = Annotated[str, one_of("award", "participation", "adviser", "camp", "talent")]
Award = Annotated[str, one_of("first", "second", "third")]


class TemplateIn(msgspec.Struct, omit_defaults=True):
    page_format: str | None = None
    orientation: str | None = None
    font: str | None = None
    fallback_font: str | None = None
    fields: list[dict[str, Any]] | None = None
    date_text: str | None = None
    min_award: str | None = None
    verify_base_url: str | None = None


class BatchIn(msgspec.Struct):
    kind: CertificateKind = "award"
    school_code: str | None = None
    category_code: str | None = None


class ProblemText(msgspec.Struct):
    """A text left out of printing: ``name`` the text (a name or title as stored), ``characters``
    those the fonts cannot draw (empty when it does not fit its box), ``field`` which text,
    ``holder``/``number``/``certificate_id``/``school_name`` whose certificate it is."""

    name: str
    characters: list[str]
    field: str
    holder: str | None
    number: str | None
    certificate_id: int | None
    school_name: str | None
    reason: Annotated[str, one_of("missing", "overflow")]


class LeftOut(msgspec.Struct):
    holder: str | None
    number: str | None
    certificate_id: int | None
    school_name: str | None
    reason: Annotated[str, one_of("missing", "overflow")]


class MissingCharacter(msgspec.Struct):
    character: str
    code_point: str
    count: int
    examples: list[str]


class EmptyLabel(msgspec.Struct):
    """A free text's segment that prints a label around an empty placeholder on ``certificates``."""

    segment: str
    printed: str
    certificates: int
    message: str


class WithoutHolder(msgspec.Struct):
    """An entry the results call for a certificate that nobody can hold: ``reason`` ``no_students``
    (award and participation certificates go to students) or ``no_advisers``, said in ``message``."""

    entry_id: int
    code: str
    title: str
    school_name: str | None
    category_code: str | None
    division: str | None
    rank: int | None
    award: Award | None
    reason: Annotated[str, one_of("no_students", "no_advisers")]
    message: str


class CheckOut(msgspec.Struct):
    """The coverage check before printing (CONTRACT.md: ``certificates``, ``unprintable``)."""

    certificates: int
    printable: int
    unprintable: list[ProblemText]
    missing_characters: list[MissingCharacter]
    overflow: list[ProblemText]
    left_out: list[LeftOut]
    pending: Any
    verify_base_url: str | None
    verify_base_url_warning: str | None
    empty_labels: list[EmptyLabel]
    #: entries due a certificate of this kind that nobody can hold (no student / no adviser), and why
    without_holders: list[WithoutHolder] = []


class IssuedOut(msgspec.Struct):
    """Certificates issued and revoked by this request, how many the results call for, and the
    entries that get none because nobody can hold one (no student / no adviser)."""

    issued: int
    revoked: int
    valid: int
    without_holders: list[WithoutHolder] = []


class TemplateOut(msgspec.Struct):
    kind: CertificateKind
    page_format: str | None
    orientation: str | None
    font: str | None
    fallback_font: str | None
    fields: list[dict[str, Any]] | None
    date_text: str | None
    min_award: str | None
    verify_base_url: str | None
    stored: bool | None
    background: bool


class BatchOut(msgspec.Struct):
    """A PDF made in the background: follow ``status`` and ``percent``, then fetch ``/file``."""

    id: int
    event_id: int
    kind: CertificateKind
    school_id: int | None
    category_id: int | None
    status: Annotated[str, one_of("queued", "running", "done", "failed", "cancelled")]
    total: int
    done: int
    skipped: list[dict[str, Any]]
    size: int | None
    error: str | None
    created_at: str
    finished_at: str | None
    percent: int
    stale: bool
    #: the process that makes (made) the PDF, ``<pid>@<host>``: never the web server's
    worker: str = ""


class CertificateOut(msgspec.Struct):
    id: int
    number: str
    kind: CertificateKind
    status: Annotated[str, one_of("valid", "revoked")]
    name: str
    school_name: str | None
    school_code: str | None
    title: str | None
    category_name: str | None
    division: str | None
    award: Award | None
    revoked_reason: str | None
    replaced_by: int | None
    event_id: int | None
    member_id: int | None
    entry_id: int | None
    issued_at: str | None
    revoked_at: str | None


class VerificationOut(msgspec.Struct):
    """Public verification (CONTRACT.md: ``valid``, ``name`` as printed, ``event``, ``award``,
    ``issued_at``); a revoked certificate says so in ``valid``, ``status`` and ``revoked_*``."""

    valid: bool
    name: str
    event: str
    award: Award | None
    issued_at: str
    status: Annotated[str, one_of("valid", "revoked")]
    number: str
    award_label: str
    kind: CertificateKind
    kind_label: str
    title: str | None
    category: str | None
    division: str | None
    revoked_at: str | None
    revoked_reason: str | None
    school: str | None = None  # as printed on the certificate
