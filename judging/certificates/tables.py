"""Certificate tables: fonts, templates (background, fields in mm), issued certificates with their numbers, background batches."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry, Member

CERTIFICATE_KINDS = ("award", "participation", "adviser", "camp", "talent")


CERTIFICATE_STATUSES = ("valid", "revoked")


BATCH_STATES = ("queued", "running", "done", "failed", "cancelled")


class CertificateFont(Table, tablename="certificate_font"):
    """A TrueType/OpenType font an organizer uploaded for an event's certificates, stored
    under the data directory as ``storage_key`` (checked with fontTools on upload)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    family = Varchar(length=100)
    filename = Varchar(length=255)
    storage_key = Varchar(length=64)
    format = Varchar(length=4)
    glyphs = Integer(default=0)
    size = Integer(default=0)
    uploaded_by = ForeignKey(references=User, null=True, default=None)
    uploaded_at = Timestamptz()


class CertificateTemplate(Table, tablename="certificate_template"):
    """The design of one kind of certificate of an event: page, optional background image
    (stored under the data directory), fonts (``builtin:serif``, ``builtin:sans`` or
    ``font:<CertificateFont id>``) and ``fields`` placed in millimetres (see
    :mod:`judging.certificates.services`). One row per event and kind (unique index)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16)
    page_format = Varchar(length=8, default="A4")
    orientation = Varchar(length=1, default="L")
    background_key = Varchar(length=64, null=True, default=None)
    background_type = Varchar(length=8, default="")
    font = Varchar(length=40, default="builtin:serif")
    fallback_font = Varchar(length=40, default="")
    fields = JSON(default=[])
    date_text = Varchar(length=40, default="")
    min_award = Varchar(length=8, default="first")
    verify_base_url = Varchar(length=200, default="")
    updated_by = ForeignKey(references=User, null=True, default=None)
    updated_at = Timestamptz()


class Certificate(Table, tablename="certificate"):
    """An issued certificate. ``number`` is unique and random (see
    :func:`judging.certificates.services.new_number`); the printed texts (``name`` as printed,
    school, title, category, award) are kept as issued, so a later change of the entry
    does not change what a verification shows. At most one ``valid`` certificate per
    event, kind and member (partial unique index); a revoked one keeps its reason and
    points to the one reissued in its place (``replaced_by``)."""

    number = Varchar(length=40, unique=True, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="award")
    member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    entry = ForeignKey(references=Entry, null=True, default=None, on_delete=OnDelete.set_null)
    school = ForeignKey(references=School, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    category = ForeignKey(references=Category, null=True, default=None, on_delete=OnDelete.set_null)
    award = Varchar(length=16, null=True, default=None)
    rank = Integer(null=True, default=None)  # the place in the category and division when issued
    name = Varchar(length=64)
    school_name = Varchar(length=200, default="")
    school_code = Varchar(length=32, default="")
    title = Varchar(length=200, default="")
    category_name = Varchar(length=100, default="")
    category_position = Integer(default=0)
    division = Varchar(length=8, default="")
    position = Integer(default=0)
    status = Varchar(length=8, default="valid", index=True)
    issued_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(default="")
    revoked_by = ForeignKey(references=User, null=True, default=None)
    replaced_by = Integer(null=True, default=None)


class CertificateBatch(Table, tablename="certificate_batch"):
    """A PDF of many certificates made in the background: ``done`` of ``total`` pages
    rendered so far; the finished file is stored under the data directory. ``skipped``
    lists the certificates left out because their fonts cannot draw them (or their texts
    do not fit); ``stale`` batches are out of date (see :mod:`judging.certificates.services`)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="award")
    school = ForeignKey(references=School, null=True, default=None, on_delete=OnDelete.set_null)
    category = ForeignKey(references=Category, null=True, default=None, on_delete=OnDelete.set_null)
    status = Varchar(length=12, default="queued")
    total = Integer(default=0)
    done = Integer(default=0)
    skipped = JSON(default=[])
    storage_key = Varchar(length=64, default="")
    size = Integer(default=0)
    base_url = Varchar(length=200, default="")
    error = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    #: set when a certificate of the event was issued, revoked or reissued after the batch
    #: was started: its file no longer matches the valid certificates and is not handed out
    stale = Boolean(default=False)
    #: the process that makes (or made) the PDF: ``<pid>@<host>`` (see :mod:`app.jobs`)
    worker = Varchar(length=80, default="")
