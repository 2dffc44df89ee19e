"""Event tables: events (kind, year, registration window, judging settings) and their categories (学科 / 赛项)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

DIVISIONS = ("小学", "初中", "高中")
# kinds of entry documents (申报书, 研究报告, 查新报告, 照片, 其他); an event may require some
DOCUMENT_KINDS = ("application_form", "research_report", "novelty_report", "photo", "other")
DOCUMENT_KIND_LABELS = {  # untranslated: pass through _()
    "application_form": "申报书",
    "research_report": "研究报告",
    "novelty_report": "查新报告",
    "photo": "照片",
    "other": "其他",
}


class Event(Table, tablename="event"):
    """A contest, competition or camp. Team limits apply per entry; judging settings
    (``aggregation`` ... ``award_third``) follow CONTRACT.md's scoring rules.

    ``finished_at``: when the event's results became final (set on
    :data:`app.signals.results_finalized`, cleared on :data:`app.signals.results_unlocked`); its
    personal data is due for purging ``settings.personal_data_retention_days`` later.
    ``personal_data_purged_at``: when an organizer last purged it
    (:mod:`competitions.registration.personal_data`)."""

    name = Varchar(length=200)
    kind = Varchar(length=16, index=True)
    year = Integer()
    divisions = JSON(default=list(DIVISIONS))
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    # lifecycle (competitions/events/lifecycle.py): draft | open | closed, and the organizer's "start judging"
    status = Varchar(length=16, default="draft")
    judging_started_at = Timestamptz(null=True, default=None)
    min_team_size = Integer(default=1)
    min_advisers = Integer(default=0)
    required_documents = JSON(default=[])  # DOCUMENT_KINDS an entry must have before it is submitted
    max_team_size = Integer(default=3)
    max_advisers = Integer(default=2)
    city_review_required = Boolean(default=False)
    aggregation = Varchar(length=16, default="mean")
    trim_min_scores = Integer(default=5)
    score_decimals = Integer(default=2)
    award_first = Varchar(length=16, default="0.15")
    award_second = Varchar(length=16, default="0.25")
    award_third = Varchar(length=16, default="0.35")
    judge_city_conflict = Boolean(default=False)
    national_quota = Integer(null=True, default=None)
    award_min_score = Varchar(length=16, null=True, default=None)
    next_entry_seq = Integer(default=1)
    finished_at = Timestamptz(null=True, default=None)
    personal_data_purged_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Category(Table, tablename="category"):
    """A 学科 (innovation) or 赛项 (robotics). ``school_quota``: entries each school may
    register in it; ``city_quota``: entries each city may recommend; ``None`` = no limit."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=32)
    name = Varchar(length=100)
    school_quota = Integer(null=True, default=None)
    city_quota = Integer(null=True, default=None)
    required_documents = JSON(null=True, default=None)  # None: the event's required_documents
    position = Integer(default=0)
