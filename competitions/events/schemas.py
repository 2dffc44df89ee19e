"""API bodies and answers of events: a new event, its settings, a category."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from app.web.openapi import one_of
from competitions.events.kinds import kind_codes
from competitions.events.lifecycle import EventStatus, Stage
from competitions.events.tables import DIVISIONS, DOCUMENT_KINDS

AGGREGATIONS = ("mean", "trimmed_mean", "zscore")  # as competitions.events.services.AGGREGATIONS

# closed sets: the OpenAPI document lists them; the service checks them (422 with a translated message)
Kind = Annotated[str, one_of(kind_codes)]  # kinds registered by programmes included
Aggregation = Annotated[str, one_of(*AGGREGATIONS)]
Division = Annotated[str, one_of(*DIVISIONS)]
DocumentKind = Annotated[str, one_of(*DOCUMENT_KINDS)]
Status = Annotated[str, one_of(*(s.value for s in EventStatus))]
StageValue = Annotated[str, one_of(*(s.value for s in Stage))]


class EventIn(msgspec.Struct, omit_defaults=True):
    name: str
    kind: Kind
    year: int
    status: Status = "draft"  # an open event needs registration_closes_at (409 otherwise)
    registration_opens_at: str | None = None
    registration_closes_at: str | None = None
    divisions: list[Division] | None = None
    min_team_size: int | None = None
    max_team_size: int | None = None
    max_advisers: int | None = None
    min_advisers: int | None = None
    required_documents: list[DocumentKind] | None = None
    city_review_required: bool | None = None
    default_categories: bool = True


class AwardQuotasIn(msgspec.Struct, forbid_unknown_fields=True):
    """Shares of the ranked entries of a group, each between 0 and 1, their sum at most 1; read
    exactly as written in the JSON text (``0.15`` is 15/100, never a binary fraction)."""

    first: Decimal | msgspec.UnsetType = msgspec.UNSET
    second: Decimal | msgspec.UnsetType = msgspec.UNSET
    third: Decimal | msgspec.UnsetType = msgspec.UNSET


class EventPatch(msgspec.Struct, omit_defaults=True):
    """``PATCH /events/{event_id}``: any of these; what is left out stays as it is, ``null``
    clears a time or a limit. The handler reads the JSON text itself (decimals exactly as
    written) and the service checks every value (422 naming what is wrong); this Struct
    documents the body."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    kind: str | msgspec.UnsetType = msgspec.UNSET  # the registered kinds (listed in the OpenAPI document)
    year: int | msgspec.UnsetType = msgspec.UNSET
    status: Literal["draft", "open", "closed"] | msgspec.UnsetType = msgspec.UNSET  # 409 for a move not allowed
    registration_opens_at: str | None | msgspec.UnsetType = msgspec.UNSET
    registration_closes_at: str | None | msgspec.UnsetType = msgspec.UNSET
    divisions: list[Literal["小学", "初中", "高中"]] | msgspec.UnsetType = msgspec.UNSET
    min_team_size: int | msgspec.UnsetType = msgspec.UNSET
    max_team_size: int | msgspec.UnsetType = msgspec.UNSET
    max_advisers: int | msgspec.UnsetType = msgspec.UNSET
    min_advisers: int | msgspec.UnsetType = msgspec.UNSET
    required_documents: list[DocumentKind] | msgspec.UnsetType = msgspec.UNSET  # must be uploaded before submitting
    city_review_required: bool | msgspec.UnsetType = msgspec.UNSET
    aggregation: Literal["mean", "trimmed_mean", "zscore"] | msgspec.UnsetType = msgspec.UNSET
    trim_min_scores: Annotated[int, msgspec.Meta(ge=3)] | msgspec.UnsetType = msgspec.UNSET
    score_decimals: Annotated[int, msgspec.Meta(ge=0, le=4)] | msgspec.UnsetType = msgspec.UNSET
    award_quotas: AwardQuotasIn | msgspec.UnsetType = msgspec.UNSET
    judge_city_conflict: bool | msgspec.UnsetType = msgspec.UNSET
    national_quota: Annotated[int, msgspec.Meta(ge=0)] | None | msgspec.UnsetType = msgspec.UNSET
    award_min_score: Decimal | None | msgspec.UnsetType = msgspec.UNSET
    public_results: Literal["winners", "all"] | msgspec.UnsetType = msgspec.UNSET  # public list: winners or all ranked
    objection_contact: str | msgspec.UnsetType = msgspec.UNSET  # where objections go during the 公示期
    blind_review: bool | msgspec.UnsetType = msgspec.UNSET  # judges do not see school and city


class CategoryIn(msgspec.Struct, omit_defaults=True):
    code: str
    name: str
    school_quota: int | None = None
    city_quota: int | None = None


class CategoryPatch(msgspec.Struct, omit_defaults=True):
    """Any of name, school_quota, city_quota (``null`` = no limit); what is left out stays."""

    name: str | None | msgspec.UnsetType = msgspec.UNSET
    school_quota: int | str | None | msgspec.UnsetType = msgspec.UNSET
    city_quota: int | str | None | msgspec.UnsetType = msgspec.UNSET
    required_documents: list[DocumentKind] | None | msgspec.UnsetType = msgspec.UNSET


class AwardQuotasOut(msgspec.Struct):
    """Decimal strings (``"0.15"``)."""

    first: str
    second: str
    third: str


class CategoryOut(msgspec.Struct):
    id: int
    code: str
    name: str
    school_quota: int | None
    city_quota: int | None
    required_documents: list[DocumentKind] | None = None  # null: the event's required_documents apply


class EventOut(msgspec.Struct):
    """An event: times ISO 8601 with offset, quotas and the minimum award score as decimal strings."""

    id: int
    name: str
    kind: Kind
    year: int
    divisions: list[Division]
    status: Status
    stage: StageValue  # where the event stands: status, dates and judging together (lifecycle.Stage)
    judging_started_at: str | None
    registration_opens_at: str | None
    registration_closes_at: str | None
    min_team_size: int
    max_team_size: int
    max_advisers: int
    min_advisers: int
    required_documents: list[DocumentKind]
    city_review_required: bool
    aggregation: Aggregation
    trim_min_scores: int
    score_decimals: int
    award_quotas: AwardQuotasOut
    judge_city_conflict: bool
    national_quota: int | None
    award_min_score: str | None
    # kept by the judging programme (competitions/events/extensions.py), settable here all the same
    public_results: Annotated[str, one_of("winners", "all")] = "winners"
    objection_contact: str = ""
    blind_review: bool = False


class EventDetailOut(EventOut, kw_only=True):
    """An event with its categories."""

    categories: list[CategoryOut]
