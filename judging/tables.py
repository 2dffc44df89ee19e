"""Judging tables: rubric criteria, judges of an event, rounds, assignments, scores and
their change history, results state, award adjustments and objections; certificate
templates, fonts, issued certificates and certificate batches."""
from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.tables import Category, Entry, Event, Member

ROUND_KINDS = ("single", "preliminary", "final")
RESULT_STATES = ("open", "published", "finalized")


class Criterion(Table, tablename="criterion"):
    """A rubric criterion of an event (``category`` NULL) or a category override.
    ``active`` is cleared instead of deleting, so recorded scores keep their meaning."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=Category, null=True, default=None, on_delete=OnDelete.cascade)
    code = Varchar(length=32)
    name = Varchar(length=100)
    description = Text(default="")
    weight = Numeric(digits=(8, 3))
    max_points = Numeric(digits=(8, 3))
    position = Integer(default=0)
    active = Boolean(default=True)


class Round(Table, tablename="judging_round"):
    """A judging round: ``single`` (default), or ``preliminary`` (初评) then ``final`` (终评/答辩)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="single")
    name = Varchar(length=50, default="")
    position = Integer(default=0)
    is_current = Boolean(default=True)
    state = Varchar(length=16, default="open")
    published_at = Timestamptz(null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class RoundEntry(Table, tablename="round_entry"):
    """Entries advanced to a final round (a single or preliminary round takes every approved entry)."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)


class EventJudge(Table, tablename="event_judge"):
    """A judge of an event: the categories they may judge, their school and city (for
    automatic conflicts) and declared conflicts (entry ids, school ids, adviser names)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    category_codes = JSON(default=[])
    school = ForeignKey(references=School, null=True, default=None)
    city = Varchar(length=64, null=True, default=None)
    conflict_entries = JSON(default=[])
    conflict_schools = JSON(default=[])
    conflict_advisers = JSON(default=[])
    created_at = Timestamptz()


class Assignment(Table, tablename="assignment"):
    """Judge ``judge`` evaluates ``entry`` in ``round``."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    judge = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()


class Score(Table, tablename="score"):
    """A judge's score sheet for one assignment. ``points`` maps criterion code to the
    points as a decimal string; ``total`` is the weighted sum (unrounded decimal string);
    ``version`` increases with every change (optimistic concurrency for offline replays)."""

    assignment = ForeignKey(references=Assignment, on_delete=OnDelete.cascade, unique=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    judge = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    points = JSON(default={})
    total = Varchar(length=40, default="")
    comment = Text(default="")
    complete = Boolean(default=False)
    version = Integer(default=1)
    updated_at = Timestamptz()


class ScoreChange(Table, tablename="score_change"):
    """Every change of a score: who, when, old and new values, and the objection it answers
    (organizer changes after publication)."""

    score = ForeignKey(references=Score, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    changed_by = ForeignKey(references=User, null=True, default=None)
    old_points = JSON(default={})
    new_points = JSON(default={})
    old_total = Varchar(length=40, default="")
    new_total = Varchar(length=40, default="")
    reason = Text(default="")


class AwardAdjustment(Table, tablename="award_adjustment"):
    """An organizer's manual award for an entry, with the written reason."""

    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    award = Varchar(length=16, null=True, default=None)
    reason = Text()
    by = ForeignKey(references=User, null=True, default=None)
    at = Timestamptz()


class Recommendation(Table, tablename="recommendation"):
    """An entry recommended to the national contest."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, index=True)
    by = ForeignKey(references=User, null=True, default=None)
    at = Timestamptz()


class Objection(Table, tablename="objection"):
    """An objection (异议) raised during the public notice period and how it was handled."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, null=True, default=None, on_delete=OnDelete.cascade)
    raised_by = Varchar(length=100, default="")
    content = Text()
    status = Varchar(length=16, default="open")
    handling = Text(default="")
    recorded_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


CERTIFICATE_KINDS = ("award", "participation", "adviser", "camp")
CERTIFICATE_STATUSES = ("valid", "revoked")
BATCH_STATES = ("queued", "running", "done", "failed")


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
