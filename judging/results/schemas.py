"""API bodies and answers of results: award adjustments, advancing to the final round, objections and their resolution, recommendations."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from app.web.openapi import one_of


class AdjustIn(msgspec.Struct):
    entry_id: int
    award: Annotated[str, one_of("first", "second", "third")] | None
    reason: str


class AdvanceIn(msgspec.Struct, omit_defaults=True):
    top_n: int | None = None
    top_share: Any = None


class ObjectionIn(msgspec.Struct):
    content: str
    entry_id: int | None = None
    raised_by: str = ""


class ResolveIn(msgspec.Struct):
    handling: str
    status: Annotated[str, one_of("resolved", "rejected")] = "resolved"


class RecommendIn(msgspec.Struct):
    entry_ids: list[int]


Award = Annotated[str, one_of("first", "second", "third")]
RoundState = Annotated[str, one_of("open", "published", "finalized")]
Aggregation = Annotated[str, one_of("mean", "trimmed_mean", "zscore")]
PublicResults = Annotated[str, one_of("winners", "all")]


class RoundOut(msgspec.Struct):
    id: int
    kind: Annotated[str, one_of("single", "preliminary", "final")]
    name: str


class ResultEntry(msgspec.Struct, omit_defaults=True):
    """An entry's result (CONTRACT.md): ``score`` a decimal string rounded to the event's
    places; ``rank``, ``score`` and ``award`` null while incomplete. The fields after ``award``
    are the organizer's only (the public sees the contract's seven)."""

    entry_id: int
    category_code: str
    division: str
    status: Annotated[str, one_of("complete", "incomplete")]
    rank: int | None
    score: str | None
    award: Award | None
    code: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    school_name: str | None | msgspec.UnsetType = msgspec.UNSET
    city: str | None | msgspec.UnsetType = msgspec.UNSET
    category_name: str | msgspec.UnsetType = msgspec.UNSET
    computed_award: Award | None | msgspec.UnsetType = msgspec.UNSET
    adjustment_reason: str | None | msgspec.UnsetType = msgspec.UNSET
    recommended: bool | msgspec.UnsetType = msgspec.UNSET
    judges: int | msgspec.UnsetType = msgspec.UNSET
    scored: int | msgspec.UnsetType = msgspec.UNSET
    unranked_reason: str | None | msgspec.UnsetType = msgspec.UNSET
    explanation: str | None | msgspec.UnsetType = msgspec.UNSET
    """Robotics challenges: why the team ranks where it does (tie-break or combined parts)."""


class ResultsOut(msgspec.Struct, omit_defaults=True):
    """Results of the current round, sorted by category, division, then rank (incomplete last).
    The public (anyone but an organizer) gets the award winners only, or every ranked entry when
    the event's ``public_results`` is ``all``, with the counts: ``ranked``, ``awarded`` and
    ``not_ranked`` (entries whose scoring is incomplete), and the 公示期."""

    event_id: int
    round: RoundOut
    method: Aggregation
    state: RoundState
    entries: list[ResultEntry]
    public_results: PublicResults | msgspec.UnsetType = msgspec.UNSET
    ranked: int | msgspec.UnsetType = msgspec.UNSET
    awarded: int | msgspec.UnsetType = msgspec.UNSET
    not_ranked: int | msgspec.UnsetType = msgspec.UNSET
    notice_starts_at: str | None | msgspec.UnsetType = msgspec.UNSET
    notice_ends_at: str | None | msgspec.UnsetType = msgspec.UNSET
    objection_contact: str | msgspec.UnsetType = msgspec.UNSET


class RoundStateOut(msgspec.Struct):
    event_id: int
    round_id: int
    state: RoundState


class PublishIn(msgspec.Struct, omit_defaults=True):
    """``POST .../publish`` (optional body): the end of the 公示期 (ISO 8601; a bare date is the
    end of that day, a time without offset is Asia/Shanghai) and the contact for objections."""

    notice_ends_at: str | None = None
    objection_contact: str | None = None


class FinalizeIn(msgspec.Struct, omit_defaults=True):
    """``POST .../finalize`` (optional body): ``override_notice_reason`` to finalize before the
    公示期 ends; ``incomplete_as_unranked`` with a ``reason`` to finalize entries that lack scores
    as unranked (未获奖). Both audited."""

    override_notice_reason: str | None = None
    incomplete_as_unranked: bool = False
    reason: str | None = None


class PublishedOut(msgspec.Struct):
    """The round published: its 公示期 (start, end, contact) and the entries still lacking scores."""

    event_id: int
    round_id: int
    state: RoundState
    notice_starts_at: str | None
    notice_ends_at: str | None
    objection_contact: str
    notice_running: bool
    incomplete: list[int]


class WithoutStudentsOut(msgspec.Struct):
    """An entry of the results without a student: certificates go to students, so it gets none."""

    entry_id: int
    code: str
    title: str
    school_name: str | None
    category_code: str | None
    division: str | None
    rank: int | None
    award: str | None


class FinalizedOut(msgspec.Struct):
    """The round finalized; ``unranked``: entries finalized without complete scores (未获奖);
    ``without_students``: entries that have no student and so get no certificate."""

    event_id: int
    round_id: int
    state: RoundState
    unranked: list[int]
    without_students: list[WithoutStudentsOut] = []


class JudgingSettingsIn(msgspec.Struct, omit_defaults=True):
    """Any of: ``public_results`` (``winners``: the public list shows award winners only;
    ``all``: every ranked entry), ``objection_contact``, ``blind_review`` (judges see neither
    school nor city)."""

    public_results: str | msgspec.UnsetType = msgspec.UNSET
    objection_contact: str | None | msgspec.UnsetType = msgspec.UNSET
    blind_review: bool | msgspec.UnsetType = msgspec.UNSET


class JudgingSettingsOut(msgspec.Struct):
    public_results: PublicResults
    objection_contact: str
    blind_review: bool


class AdjustedOut(msgspec.Struct):
    entry_id: int
    award: Award | None
    reason: str


class AdvancedOut(msgspec.Struct):
    """The final round opened and the entries that advanced to it."""

    round_id: int
    advanced: int
    entry_ids: list[int]


class ObjectionOut(msgspec.Struct, omit_defaults=True):
    """An objection (异议); the list adds who raised and recorded it, its handling and times."""

    id: int
    entry_id: int | None | msgspec.UnsetType = msgspec.UNSET
    status: Annotated[str, one_of("open", "resolved", "rejected")] | msgspec.UnsetType = msgspec.UNSET
    content: str | msgspec.UnsetType = msgspec.UNSET
    handling: str | msgspec.UnsetType = msgspec.UNSET


class ObjectionListItem(msgspec.Struct):
    id: int
    event: int
    entry: int | None
    entry_code: str | None
    raised_by: str
    content: str
    status: Annotated[str, one_of("open", "resolved", "rejected")]
    handling: str
    recorded_by: int | None
    created_at: str
    resolved_at: str | None


class RecommendedOut(msgspec.Struct):
    recommended: list[int]


class ConsistencyJudge(msgspec.Struct):
    """A judge's scores against the panel (decimal strings, 2 places)."""

    judge_id: int
    name: str
    scored: int
    mean: str
    sd: str
    panel_mean: str | None
    difference: str | None
    flags: list[Annotated[str, one_of("all_equal", "far_from_panel", "few_scores")]]


class RankChange(msgspec.Struct):
    entry_id: int
    code: str
    title: str
    category_code: str
    division: str
    rank_mean: int | None
    rank_zscore: int | None
    score_mean: str | None
    score_zscore: str | None


class ConsistencyOut(msgspec.Struct):
    judges: list[ConsistencyJudge]
    rank_changes: list[RankChange]


class TierCounts(msgspec.Struct):
    first: int
    second: int
    third: int
    none: int


class TierCutoffs(msgspec.Struct):
    first: int
    second: int
    third: int


class GroupOutcome(msgspec.Struct):
    """One category and division: ``n`` ranked entries, the rank cutoffs, how many take each tier,
    ``below_min`` (within a cutoff but under the minimum score) and ``small`` (at most 3 ranked
    entries and someone gets an award)."""

    category_code: str
    category_name: str
    division: str
    n: int
    cutoffs: TierCutoffs
    counts: TierCounts
    below_min: int
    small: bool


class AwardQuotasText(msgspec.Struct):
    first: str
    second: str
    third: str


class AwardPreviewOut(msgspec.Struct):
    """What award settings give per group, before they are stored (shares as decimal strings)."""

    quotas: AwardQuotasText
    min_score: str | None
    groups: list[GroupOutcome]
