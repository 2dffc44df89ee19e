"""JSON API of results: progress and consistency, publish / finalize / unlock, awards, rounds, objections, recommendations, the results workbook and the (public once published) results list."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put

from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.web import user_of
from app.web.auth import organizer_only
from app.web.openapi import XLSX, file_operation, one_of, responses
from app.web.schemas import ReasonIn, answer
from competitions.events.services import get_event_row
from judging.results import publication
from judging.results import services as results
from judging.results.schemas import (
    AdjustedOut,
    AdjustIn,
    AdvancedOut,
    AdvanceIn,
    ConsistencyOut,
    ObjectionIn,
    ObjectionListItem,
    ObjectionOut,
    RecommendedOut,
    RecommendIn,
    ResolveIn,
    ResultsOut,
    RoundStateOut,
)
from judging.scoring import services as scoring
from judging.scoring.schemas import ProgressOut


class ResultsEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @post("/publish", status_code=200, responses=responses(401, 403, 404, 409))
    async def publish(self, request: Request, event_id: int) -> RoundStateOut:
        return answer(RoundStateOut, await publication.publish(user_of(request), event_id))

    @post("/finalize", status_code=200, responses=responses(401, 403, 404, 409))
    async def finalize(self, request: Request, event_id: int) -> RoundStateOut:
        return answer(RoundStateOut, await publication.finalize(user_of(request), event_id))

    @post("/unlock", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def unlock(self, request: Request, event_id: int, data: ReasonIn) -> RoundStateOut:
        return answer(RoundStateOut, await publication.unlock(user_of(request), event_id, data.reason))

    @post("/awards/adjust", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def adjust(self, request: Request, event_id: int, data: AdjustIn) -> AdjustedOut:
        return answer(
            AdjustedOut, await results.adjust_award(user_of(request), event_id, data.entry_id, data.award, data.reason)
        )

    @post("/rounds/advance", status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def advance(self, request: Request, event_id: int, data: AdvanceIn) -> AdvancedOut:
        return answer(
            AdvancedOut, await publication.advance_to_final(user_of(request), event_id, data.top_n, data.top_share)
        )

    @post("/objections", status_code=201, responses=responses(401, 403, 404, 422))
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
        return Response(
            content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="results-{event_id}.xlsx"'}
        )


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
        """Organizer any time (``?method=`` compares methods); the public once published (404 before)."""
        user = request.scope.get("user")
        if user is None or not user.is_organizer:
            if not await publication.is_published(event_id):
                raise NotFound(_("结果尚未公示。"))
            method = None
        if method not in (None, "mean", "trimmed_mean", "zscore"):
            raise ValidationFailed(_("汇总方法必须是 mean、trimmed_mean 或 zscore。"))
        data = await results.compute_results(event_id, method)
        if user is None or not user.is_organizer:
            keep = ("entry_id", "category_code", "division", "status", "rank", "score", "award")
            data["entries"] = [{k: r[k] for k in keep} for r in data["entries"]]
        return answer(ResultsOut, data)


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
    return [ProgressApi, ResultsEventApi, ResultsActionApi, ResultsApi]
