"""JSON API of results: progress and consistency, publish / finalize / unlock, awards, rounds, objections, recommendations, the results workbook and the (public once published) results list."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, MediaType, Request, Response, get, patch, post, put
from litestar.openapi.spec import Operation

from app import pubcache
from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.web import download, user_of
from app.web.auth import organizer_only
from app.web.openapi import XLSX, body_operation, file_operation, one_of, responses
from app.web.schemas import ReasonIn, answer
from competitions.events.services import get_event_row
from judging.results import public, publication
from judging.results import services as results
from judging.results.schemas import (
    AdjustedOut,
    AdjustIn,
    AdvancedOut,
    AdvanceIn,
    AwardPreviewOut,
    ConsistencyOut,
    FinalizedOut,
    FinalizeIn,
    JudgingSettingsIn,
    JudgingSettingsOut,
    ObjectionIn,
    ObjectionListItem,
    ObjectionOut,
    PublishedOut,
    PublishIn,
    RecommendedOut,
    RecommendIn,
    ResolveIn,
    ResultsOut,
    RoundStateOut,
)
from judging.rounds import settings as judging_settings
from judging.scoring import services as scoring
from judging.scoring.schemas import ProgressOut

T = TypeVar("T", bound=msgspec.Struct)


def optional_body(body: type[msgspec.Struct]) -> type[Operation]:
    """``operation_class=`` documenting ``body`` as an optional JSON request body."""
    base = body_operation(body)

    @dataclasses.dataclass
    class OptionalBody(base):  # type: ignore[valid-type, misc]
        def __post_init__(self) -> None:
            super().__post_init__()
            if self.request_body is not None:
                self.request_body.required = False

    OptionalBody.__name__ = f"OptionalBody[{body.__name__}]"
    return OptionalBody


async def read_body(request: Request, body: type[T]) -> T:
    """An optional JSON body as ``body`` (an empty body is ``{}``); 422 naming the field otherwise."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ValidationFailed(_("请求正文不是有效的 JSON。")) from None
    if not isinstance(data, dict):
        raise ValidationFailed(_("请求正文必须是 JSON 对象。"))
    try:
        return msgspec.convert(data, body)
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = re.split(r"[.\[`]", text.rsplit("$.", 1)[1])[0] if "$." in text else ""
        raise ValidationFailed(
            _("“{field}”的值不正确。", field=field) if field else _("请求正文不正确。"),
            errors=[{"field": field, "message": _("类型不正确。")}] if field else None,
        ) from None


class ResultsEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @post(
        "/publish",
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
        operation_class=optional_body(PublishIn),
    )
    async def publish(self, request: Request, event_id: int) -> PublishedOut:
        """Publish (公示); the optional body sets the end of the 公示期 and the contact for
        objections. The answer lists the entries still lacking scores (``incomplete``)."""
        body = await read_body(request, PublishIn)
        return answer(
            PublishedOut,
            await publication.publish(user_of(request), event_id, body.notice_ends_at, body.objection_contact),
        )

    @post(
        "/finalize",
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
        operation_class=optional_body(FinalizeIn),
    )
    async def finalize(self, request: Request, event_id: int) -> FinalizedOut:
        """Finalize. 409 while the 公示期 runs (unless ``override_notice_reason``), and with
        ``"incomplete": [entry ids]`` while entries lack scores (unless ``incomplete_as_unranked``
        with a ``reason``: they end as unranked, 未获奖)."""
        body = await read_body(request, FinalizeIn)
        try:
            done = await publication.finalize(
                user_of(request),
                event_id,
                override_notice_reason=body.override_notice_reason,
                incomplete_as_unranked=body.incomplete_as_unranked,
                reason=body.reason,
            )
        except Conflict as exc:
            if isinstance(exc.extra, dict) and "incomplete" in exc.extra:
                return Response(  # type: ignore[return-value]  # Litestar sends a Response as it is
                    {
                        "status_code": 409,
                        "detail": exc.message,
                        "extra": exc.extra,
                        "incomplete": exc.extra["incomplete"],
                    },
                    status_code=409,
                    media_type=MediaType.JSON,
                    headers={"cache-control": "no-store"},
                )
            raise
        return answer(FinalizedOut, done)

    @post("/unlock", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def unlock(self, request: Request, event_id: int, data: ReasonIn) -> RoundStateOut:
        return answer(RoundStateOut, await publication.unlock(user_of(request), event_id, data.reason))

    @post("/awards/adjust", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def adjust(self, request: Request, event_id: int, data: AdjustIn) -> AdjustedOut:
        return answer(
            AdjustedOut, await results.adjust_award(user_of(request), event_id, data.entry_id, data.award, data.reason)
        )

    @get("/awards/preview", responses=responses(401, 403, 404, 422))
    async def award_preview(
        self,
        event_id: int,
        first: str | None = None,
        second: str | None = None,
        third: str | None = None,
        min_score: str | None = None,
    ) -> AwardPreviewOut:
        """Per category and division, what award shares (decimals 0..1; left out: the event's) and a
        minimum score (``min_score``; left out: the event's, empty: none) would give, without
        storing them: N, the rank cutoffs and how many entries take each tier."""
        shares = {"first": first, "second": second, "third": third}
        return answer(
            AwardPreviewOut,
            await results.award_preview(event_id, shares, min_score, use_event_min=min_score is None),
        )

    @post("/rounds/advance", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def advance(self, request: Request, event_id: int, data: AdvanceIn) -> AdvancedOut:
        return answer(
            AdvancedOut, await publication.advance_to_final(user_of(request), event_id, data.top_n, data.top_share)
        )

    @post("/objections", status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def objection(self, request: Request, event_id: int, data: ObjectionIn) -> ObjectionOut:
        return answer(
            ObjectionOut,
            await publication.record_objection(user_of(request), event_id, data.entry_id, data.raised_by, data.content),
        )

    @get("/objections", responses=responses(401, 403, 404))
    async def objections(self, event_id: int) -> list[ObjectionListItem]:
        await get_event_row(event_id)  # an unknown event is 404, not an empty list
        return answer(list[ObjectionListItem], await publication.list_objections(event_id))

    @put("/recommendations", responses=responses(401, 403, 404, 422))
    async def recommend(self, request: Request, event_id: int, data: RecommendIn) -> RecommendedOut:
        return answer(RecommendedOut, await publication.set_recommendations(user_of(request), event_id, data.entry_ids))

    @get(
        "/results.xlsx",
        responses=responses(401, 403, 404),
        operation_class=file_operation(XLSX, description="The results workbook (.xlsx, no ID numbers)"),
    )
    async def results_xlsx(self, event_id: int, school_code: str | None = None) -> Response:
        """The results workbook (``?school_code=`` for one school's results)."""
        content = await publication.results_workbook(event_id, school_code)
        return download(content, XLSX, {"Content-Disposition": f'attachment; filename="results-{event_id}.xlsx"'})


class JudgingSettingsApi(Controller):
    path = "/api/v1/events/{event_id:int}/judging-settings"
    tags = ["judging"]
    guards = [organizer_only]

    @get("/", responses=responses(401, 403, 404))
    async def read(self, event_id: int) -> JudgingSettingsOut:
        """The event's judging settings: ``public_results``, ``objection_contact``, ``blind_review``."""
        await get_event_row(event_id)
        return answer(JudgingSettingsOut, await judging_settings.get_settings(event_id))

    @patch(
        "/",
        responses=responses(401, 403, 404, 409, 422),
        operation_class=optional_body(JudgingSettingsIn),
    )
    async def change(self, request: Request, event_id: int) -> JudgingSettingsOut:
        """Change any of ``public_results`` (``winners`` | ``all``), ``objection_contact``,
        ``blind_review``; 422 naming the field; 409 for the notice settings once finalized."""
        body = await read_body(request, JudgingSettingsIn)
        data = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not msgspec.UNSET}
        return answer(JudgingSettingsOut, await judging_settings.update_settings(user_of(request), event_id, data))


class ResultsApi(Controller):
    path = "/api/v1/events/{event_id:int}/results"
    tags = ["judging"]

    @get("/", responses=responses(404, 422))
    async def results(
        self,
        request: Request,
        event_id: int,
        method: Annotated[str, one_of("mean", "trimmed_mean", "zscore")] | None = None,
    ) -> ResultsOut:
        """Organizer any time (``?method=`` compares methods); the public once published (404 before).
        The public answer is made once per change and carries an ``ETag`` (``If-None-Match`` -> 304)."""
        user = request.scope.get("user")
        if user is None or not user.is_organizer:  # the public answer (``method`` is the organizer's)
            kept = await public.results_json(event_id)
            return pubcache.respond(request, kept)  # type: ignore[return-value]  # Litestar sends a Response as it is
        if method not in (None, "mean", "trimmed_mean", "zscore"):
            raise ValidationFailed(_("汇总方法必须是 mean、trimmed_mean 或 zscore。"))
        return answer(ResultsOut, await results.compute_results(event_id, method))


class ResultsActionApi(Controller):
    path = "/api/v1"
    tags = ["judging"]

    @post(
        "/objections/{objection_id:int}/resolve",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
    )
    async def resolve(self, request: Request, objection_id: int, data: ResolveIn) -> ObjectionOut:
        return answer(
            ObjectionOut,
            await publication.resolve_objection(user_of(request), objection_id, data.handling, data.status),
        )


class ProgressApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @get("/progress", responses=responses(401, 403, 404))
    async def progress(self, event_id: int) -> ProgressOut:
        return answer(ProgressOut, await scoring.progress(event_id))

    @get("/consistency", responses=responses(401, 403, 404))
    async def consistency(self, event_id: int) -> ConsistencyOut:
        return answer(ConsistencyOut, await results.consistency_report(event_id))


def api_routes() -> list[Any]:
    return [ProgressApi, ResultsEventApi, JudgingSettingsApi, ResultsActionApi, ResultsApi]
