"""Coverage tables: the school-year boundary (one row of settings), enrolment per county and division,
a stored snapshot of the report per school year, and the background refreshes that recompute them."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.regions.tables import Region
from app.tables import User

DEFAULT_YEAR_START = (9, 1)  # a school year starts on 1 September


class CoverageSettings(Table, tablename="coverage_settings"):
    """The report's settings (one row, made on first use): a school year ``Y`` runs from
    ``year_start_month``/``year_start_day`` of ``Y`` to the day before that date of ``Y + 1``."""

    year_start_month = Integer(default=DEFAULT_YEAR_START[0])
    year_start_day = Integer(default=DEFAULT_YEAR_START[1])
    updated_at = Timestamptz(null=True, default=None)
    updated_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class CoverageEnrolment(Table, tablename="coverage_enrolment"):
    """Students enrolled (在校生数) in one county's schools of one division (小学 / 初中 / 高中) in
    school year ``year``, imported by the office from a workbook. Unique (year, region, division)."""

    year = Integer(index=True)
    region = ForeignKey(references=Region, target_column="code", on_delete=OnDelete.restrict)
    division = Varchar(length=8)
    enrolled = Integer(default=0)
    imported_at = Timestamptz()
    imported_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class CoverageSnapshot(Table, tablename="coverage_snapshot"):
    """The report of one school year as last computed (``data``: counts only, no person's hash or
    name), with when it was computed and how long it took. Unique per year; a refresh replaces it."""

    year = Integer(unique=True, index=True)
    data = JSON(default={})
    computed_at = Timestamptz()
    duration_ms = Integer(default=0)
    computed_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class CoverageRefresh(Table, tablename="coverage_refresh"):
    """A recomputation of several school years in another process (:mod:`app.jobs`): ``status`` is
    queued | running | done | failed; ``done`` of ``total`` years so far (the page shows the
    progress); ``error`` says why it failed."""

    years = JSON(default=[])
    status = Varchar(length=16, default="queued", index=True)
    done = Integer(default=0)
    total = Integer(default=0)
    error = Text(default="")
    requested_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    requested_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
