"""JSON API of judging: rubric, judges, assignments, scores, results, publication."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put

from app.web.auth import organizer_only, requires
from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.web import user_of
from competitions.events.services import get_event_row
from judging.panels import assignments
from judging.panels import services as panels
from judging.results import publication
from judging.results import services as results
from judging.scoring import rubric
from judging.scoring import services as scoring

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CriterionIn(msgspec.Struct):
    code: str
    name: str
    weight: Any
    max_points: Any
    description: str = ""


class RubricIn(msgspec.Struct):
    criteria: list[CriterionIn]
    category_code: str | None = None


class JudgeIn(msgspec.Struct):
    username: str
    category_codes: list[str]
    school_code: str | None = None
    city: str | None = None
    conflict_entries: list[int] = []
    conflict_schools: list[str] = []
    conflict_advisers: list[str] = []


class GenerateIn(msgspec.Struct):
    judges_per_entry: int
    seed: int = 0


class MoveIn(msgspec.Struct):
    judge_id: int


class ScoreIn(msgspec.Struct):
    criteria: dict[str, Any]
    comment: str | None = None
    version: int | None = None


class OrganizerScoreIn(msgspec.Struct):
    criteria: dict[str, Any]
    reason: str


class ReasonIn(msgspec.Struct):
    reason: str = ""


class AdjustIn(msgspec.Struct):
    entry_id: int
    award: str | None
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
    status: str = "resolved"


class RecommendIn(msgspec.Struct):
    entry_ids: list[int]


class JudgingEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["judging"]
    guards = [organizer_only]

    @get("/rubric")
    async def get_rubric(self, event_id: int, category_code: str | None = None) -> dict[str, Any]:
        await get_event_row(event_id)
        category_id = (await results.category_ids(event_id)).get((category_code or "").upper()) if category_code else None
        return {"criteria": await rubric.get_rubric(event_id, category_id)}

    @put("/rubric")
    async def put_rubric(self, request: Request, event_id: int, data: RubricIn) -> dict[str, Any]:
        """Replace the rubric (or a category override); never drops recorded scores."""
        criteria = [msgspec.structs.asdict(c) for c in data.criteria]
        return {"criteria": await rubric.set_rubric(user_of(request), event_id, criteria, data.category_code)}

    @post("/judges", status_code=201)
    async def add_judge(self, request: Request, event_id: int, data: JudgeIn) -> dict[str, Any]:
        return await panels.add_judge(user_of(request), event_id, msgspec.structs.asdict(data))

    @get("/judges")
    async def judges(self, event_id: int) -> list[dict[str, Any]]:
        return await panels.list_judges(event_id)

    @post("/assignments/generate", status_code=200)
    async def generate(self, request: Request, event_id: int, data: GenerateIn) -> dict[str, Any]:
        """Give every approved entry k judges of its category, never a conflicted one; keeps scored assignments."""
        return await assignments.generate(user_of(request), event_id, data.judges_per_entry, data.seed)

    @get("/assignments/sheets")
    async def sheets(self, event_id: int) -> list[dict[str, Any]]:
        return await assignments.judge_sheets(event_id)

    @get("/progress")
    async def progress(self, event_id: int) -> dict[str, Any]:
        return await results.progress(event_id)

    @get("/consistency")
    async def consistency(self, event_id: int) -> dict[str, Any]:
        return await results.consistency_report(event_id)

    @post("/publish", status_code=200)
    async def publish(self, request: Request, event_id: int) -> dict[str, Any]:
        return await publication.publish(user_of(request), event_id)

    @post("/finalize", status_code=200)
    async def finalize(self, request: Request, event_id: int) -> dict[str, Any]:
        return await publication.finalize(user_of(request), event_id)

    @post("/unlock", status_code=200)
    async def unlock(self, request: Request, event_id: int, data: ReasonIn) -> dict[str, Any]:
        return await publication.unlock(user_of(request), event_id, data.reason)

    @post("/awards/adjust", status_code=200)
    async def adjust(self, request: Request, event_id: int, data: AdjustIn) -> dict[str, Any]:
        return await results.adjust_award(user_of(request), event_id, data.entry_id, data.award, data.reason)

    @post("/rounds/advance", status_code=200)
    async def advance(self, request: Request, event_id: int, data: AdvanceIn) -> dict[str, Any]:
        return await publication.advance_to_final(user_of(request), event_id, data.top_n, data.top_share)

    @post("/objections", status_code=201)
    async def objection(self, request: Request, event_id: int, data: ObjectionIn) -> dict[str, Any]:
        return await publication.record_objection(user_of(request), event_id, data.entry_id, data.raised_by, data.content)

    @get("/objections")
    async def objections(self, event_id: int) -> list[dict[str, Any]]:
        return await publication.list_objections(event_id)

    @put("/recommendations")
    async def recommend(self, request: Request, event_id: int, data: RecommendIn) -> dict[str, Any]:
        return await publication.set_recommendations(user_of(request), event_id, data.entry_ids)

    @get("/results.xlsx")
    async def results_xlsx(self, event_id: int, school_code: str | None = None) -> Response:
        """The results workbook (``?school_code=`` for one school's results)."""
        content = await publication.results_workbook(event_id, school_code)
        return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="results-{event_id}.xlsx"'})


class ResultsApi(Controller):
    path = "/api/v1/events/{event_id:int}/results"
    tags = ["judging"]

    @get("/")
    async def results(self, request: Request, event_id: int, method: str | None = None) -> dict[str, Any]:
        """Organizer any time (``?method=`` compares methods); the public once published."""
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
        return data


class JudgeApi(Controller):
    path = "/api/v1"
    tags = ["judging"]

    @get("/judging/assignments", guards=[requires("judge")])
    async def my_assignments(self, request: Request) -> list[dict[str, Any]]:
        return await assignments.my_assignments(user_of(request))

    @get("/entries/{entry_id:int}/scores", guards=[requires("judge")])
    async def my_score(self, request: Request, entry_id: int) -> dict[str, Any]:
        return await scoring.get_my_score(user_of(request), entry_id)

    @put("/entries/{entry_id:int}/scores", guards=[requires("judge")])
    async def put_score(self, request: Request, entry_id: int, data: ScoreIn) -> dict[str, Any]:
        """Idempotent, versioned: a stale ``version`` answers 409 and never overwrites a newer edit."""
        return await scoring.put_score(user_of(request), entry_id, data.criteria, data.comment, data.version)

    @put("/scores/{score_id:int}", guards=[organizer_only])
    async def organizer_score(self, request: Request, score_id: int, data: OrganizerScoreIn) -> dict[str, Any]:
        return await scoring.organizer_change_score(user_of(request), score_id, data.criteria, data.reason)

    @get("/entries/{entry_id:int}/score-sheets", guards=[organizer_only])
    async def score_sheets(self, entry_id: int) -> list[dict[str, Any]]:
        """Every assigned judge's sheet for the entry in the current round, with the
        ``score_id`` an organizer's change (``PUT /scores/{score_id}``) needs."""
        return await scoring.entry_scores(entry_id)

    @get("/entries/{entry_id:int}/score-history", guards=[organizer_only])
    async def score_history(self, entry_id: int) -> list[dict[str, Any]]:
        return await scoring.score_history(entry_id)

    @post("/assignments/{assignment_id:int}/move", guards=[organizer_only], status_code=200)
    async def move(self, request: Request, assignment_id: int, data: MoveIn) -> dict[str, Any]:
        return await assignments.move_assignment(user_of(request), assignment_id, data.judge_id)

    @post("/objections/{objection_id:int}/resolve", guards=[organizer_only], status_code=200)
    async def resolve(self, request: Request, objection_id: int, data: ResolveIn) -> dict[str, Any]:
        return await publication.resolve_objection(user_of(request), objection_id, data.handling, data.status)


def judging_routes() -> list[Any]:
    from judging.certificates.controllers import certificate_api_routes

    routes: list[Any] = [JudgingEventApi, ResultsApi, JudgeApi, *certificate_api_routes()]
    try:
        from judging.pages import page_routes
    except ImportError:
        return routes
    return routes + page_routes()
