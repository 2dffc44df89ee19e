"""JSON API of the outreach programme (大手拉小手) under ``/api/v1/outreach/``: settings, experts (with
availability windows), topics, school requests, tours, talks (delivery), numbers and notices."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.response import File

from app.errors import ValidationFailed
from app.i18n import _
from app.web import content_disposition, user_of, xlsx_response
from app.web.auth import organizer_only, requires
from app.web.openapi import JPEG, PDF, PNG, XLSX, file_operation, responses
from app.web.schemas import ReasonIn, answer, given_fields
from competitions.outreach import delivery, itinerary, notices, numbers, tours, travel
from competitions.outreach import services as outreach
from competitions.outreach.schemas import (
    AssignIn,
    ConfirmIn,
    ExpertIn,
    ExpertOut,
    ExpertPatch,
    HoursIn,
    MarkedOut,
    NoticeOut,
    NumbersOut,
    PhotoOut,
    PreviewOut,
    PriorityIn,
    RequestIn,
    RequestOut,
    RequestStatus,
    SettingsIn,
    SettingsOut,
    TalkOut,
    TalkPatch,
    TalkStatus,
    TopicIn,
    TopicOut,
    TopicPatch,
    TourIn,
    TourOut,
    TourSummaryOut,
    TravelTableIn,
    TravelTableOut,
    WindowIn,
    WindowOut,
)

readers = requires("organizer", "expert", "school", "city")
office_or_expert = requires("organizer", "expert")


class OutreachSettingsApi(Controller):
    path = "/api/v1/outreach/settings"
    tags = ["outreach"]

    @get("/{year:int}", guards=[readers], responses=responses(401, 403, 404))
    async def settings(self, year: int) -> SettingsOut:
        """The settings of a programme year (defaults until the office stores some)."""
        return answer(SettingsOut, await outreach.settings_for(year))

    @put("/{year:int}", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, year: int, data: SettingsIn) -> SettingsOut:
        """Days a request must be made ahead, days a school has to confirm a talk, talks per expert per day."""
        return answer(SettingsOut, await outreach.update_settings(user_of(request), year, given_fields(data)))


class ExpertApi(Controller):
    path = "/api/v1/outreach/experts"
    tags = ["outreach"]

    @post("/", guards=[organizer_only], status_code=201, responses=responses(401, 403, 409, 422))
    async def create(self, request: Request, data: ExpertIn) -> ExpertOut:
        return answer(ExpertOut, await outreach.create_expert(user_of(request), msgspec.structs.asdict(data)))

    @get("/", guards=[organizer_only], responses=responses(401, 403, 422))
    async def list(self, request: Request, q: str | None = None, region: str | None = None) -> list[ExpertOut]:
        """Every expert (the office); ``region``: those who travel there."""
        return answer(list[ExpertOut], await outreach.list_experts(user_of(request), q=q, region=region))

    @get("/me", guards=[requires("expert")], responses=responses(401, 403))
    async def me(self, request: Request) -> ExpertOut:
        """The calling expert's own record (made from the account at the first call)."""
        user = user_of(request)
        expert_id = await outreach.expert_id_of(user)
        assert expert_id is not None
        return answer(ExpertOut, await outreach.get_expert(user, expert_id))

    @get("/{expert_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, expert_id: int) -> ExpertOut:
        return answer(ExpertOut, await outreach.get_expert(user_of(request), expert_id))

    @patch("/{expert_id:int}", guards=[office_or_expert], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, expert_id: int, data: ExpertPatch) -> ExpertOut:
        """The office or the expert; ``active`` the office only."""
        return answer(ExpertOut, await outreach.update_expert(user_of(request), expert_id, given_fields(data)))

    @post(
        "/{expert_id:int}/availability",
        guards=[office_or_expert],
        status_code=201,
        responses=responses(401, 403, 404, 422),
    )
    async def add_window(self, request: Request, expert_id: int, data: WindowIn) -> WindowOut:
        """A window of days (inclusive) when the expert can give talks."""
        return answer(WindowOut, await outreach.add_window(user_of(request), expert_id, msgspec.structs.asdict(data)))

    @delete(
        "/{expert_id:int}/availability/{window_id:int}",
        guards=[office_or_expert],
        status_code=204,
        responses=responses(401, 403, 404),
    )
    async def delete_window(self, request: Request, expert_id: int, window_id: int) -> None:
        await outreach.delete_window(user_of(request), expert_id, window_id)

    @post(
        "/{expert_id:int}/topics", guards=[office_or_expert], status_code=201, responses=responses(401, 403, 404, 422)
    )
    async def create_topic(self, request: Request, expert_id: int, data: TopicIn) -> TopicOut:
        return answer(TopicOut, await outreach.create_topic(user_of(request), expert_id, msgspec.structs.asdict(data)))


class TopicApi(Controller):
    path = "/api/v1/outreach/topics"
    tags = ["outreach"]

    @get("/", guards=[readers], responses=responses(401, 403, 422))
    async def list(
        self,
        request: Request,
        division: str | None = None,
        subject: str | None = None,
        q: str | None = None,
        expert_id: int | None = None,
        region: str | None = None,
    ) -> list[TopicOut]:
        """Topics to browse: schools and cities the active ones, an expert their own, the office all."""
        return answer(
            list[TopicOut],
            await outreach.list_topics(
                user_of(request), division=division, subject=subject, q=q, expert_id=expert_id, region=region
            ),
        )

    @get("/{topic_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, topic_id: int) -> TopicOut:
        return answer(TopicOut, await outreach.get_topic(user_of(request), topic_id))

    @patch("/{topic_id:int}", guards=[office_or_expert], responses=responses(401, 403, 404, 422))
    async def update(self, request: Request, topic_id: int, data: TopicPatch) -> TopicOut:
        """The office or the topic's expert; ``active: false`` withdraws it from the list schools browse."""
        return answer(TopicOut, await outreach.update_topic(user_of(request), topic_id, given_fields(data)))


class RequestApi(Controller):
    path = "/api/v1/outreach/requests"
    tags = ["outreach"]

    @post(
        "/",
        guards=[requires("organizer", "school")],
        status_code=201,
        responses=responses(401, 403, 409, 422),
    )
    async def create(self, request: Request, data: RequestIn) -> RequestOut:
        """A school's request (the office names ``school_code``); 422 when a week starts sooner than the
        year's ``min_days_ahead`` or more than a year ahead; 409 when the school already has the same request
        (topic or subject, division, a week in common) being arranged."""
        return answer(RequestOut, await outreach.create_request(user_of(request), msgspec.structs.asdict(data)))

    @get("/", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 422))
    async def list(
        self,
        request: Request,
        status: RequestStatus | None = None,
        region: str | None = None,
        year: int | None = None,
        division: str | None = None,
    ) -> list[RequestOut]:
        """The office all, a city its schools', a school its own."""
        filters: dict[str, Any] = {"status": status, "region": region, "year": year, "division": division}
        return answer(list[RequestOut], await outreach.list_requests(user_of(request), filters))

    @get("/{request_id:int}", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404))
    async def detail(self, request: Request, request_id: int) -> RequestOut:
        return answer(RequestOut, await outreach.get_request(user_of(request), request_id))

    @post(
        "/{request_id:int}/withdraw",
        guards=[requires("organizer", "school")],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def withdraw(self, request: Request, request_id: int) -> RequestOut:
        """While the request is open (not yet in a tour)."""
        return answer(RequestOut, await outreach.withdraw_request(user_of(request), request_id))

    @put(
        "/{request_id:int}/priority",
        guards=[requires("organizer", "city")],
        responses=responses(401, 403, 404, 409, 422),
    )
    async def priority(self, request: Request, request_id: int, data: PriorityIn) -> RequestOut:
        """The school's city (or the office): high / normal / low."""
        return answer(RequestOut, await outreach.set_priority(user_of(request), request_id, data.priority))


class TravelApi(Controller):
    path = "/api/v1/outreach/travel"
    tags = ["outreach"]

    @get("/", guards=[organizer_only], responses=responses(401, 403))
    async def table(self, request: Request) -> TravelTableOut:
        """The office's travel table: minutes by road between two cities/counties (each pair once)."""
        return answer(TravelTableOut, {"pairs": await travel.list_travel(user_of(request))})

    @put("/", guards=[organizer_only], responses=responses(401, 403, 422))
    async def replace(self, request: Request, data: TravelTableIn) -> TravelTableOut:
        """Replace the whole table (422 naming ``pairs[i].from|to|minutes``, nothing stored). Tours planned
        later with ``max_day_travel_minutes`` use it; stored tours keep the table they were planned with."""
        pairs = [{"from": t.from_, "to": t.to, "minutes": t.minutes} for t in data.pairs]
        return answer(TravelTableOut, {"pairs": await travel.replace_table(user_of(request), pairs)})


def _tour_body(data: TourIn) -> dict[str, Any]:
    body = msgspec.structs.asdict(data)
    if data.travel_minutes is not None:
        body["travel_minutes"] = [{"from": t.from_, "to": t.to, "minutes": t.minutes} for t in data.travel_minutes]
    return body


def pdf_response(content: bytes, name: str) -> Response:
    return Response(content, media_type=PDF, headers={"Content-Disposition": content_disposition(name)})


class TourApi(Controller):
    path = "/api/v1/outreach/tours"
    tags = ["outreach"]

    @post("/preview", guards=[organizer_only], status_code=200, responses=responses(401, 403, 422))
    async def preview(self, request: Request, data: TourIn) -> PreviewOut:
        """The planner's proposal from the open requests, nothing stored: talks with their reasons, the
        requests left out with theirs, the counties in planning order (least reached first)."""
        return answer(PreviewOut, await tours.preview_tour(user_of(request), _tour_body(data)))

    @post("/", guards=[organizer_only], status_code=201, responses=responses(401, 403, 422))
    async def create(self, request: Request, data: TourIn) -> TourOut:
        """Plan and store a draft tour (its requests become ``planned``)."""
        return answer(TourOut, await tours.create_tour(user_of(request), _tour_body(data)))

    @get("/", guards=[organizer_only], responses=responses(401, 403))
    async def list(self, request: Request, year: int | None = None) -> list[TourSummaryOut]:
        return answer(list[TourSummaryOut], await tours.list_tours(user_of(request), year))

    @get("/{tour_id:int}", guards=[organizer_only], responses=responses(401, 403, 404))
    async def detail(self, request: Request, tour_id: int) -> TourOut:
        return answer(TourOut, await tours.get_tour(user_of(request), tour_id))

    @post("/{tour_id:int}/confirm", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409))
    async def confirm(self, request: Request, tour_id: int) -> TourOut:
        """Draft -> confirmed: talks scheduled, schools and experts notified."""
        return answer(TourOut, await tours.confirm_tour(user_of(request), tour_id))

    @post(
        "/{tour_id:int}/cancel", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422)
    )
    async def cancel(self, request: Request, tour_id: int, data: ReasonIn) -> TourOut:
        """With a reason: its planned and scheduled talks cancelled, their requests open again."""
        return answer(TourOut, await tours.cancel_tour(user_of(request), tour_id, data.reason))

    @post(
        "/{tour_id:int}/talks", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 409, 422)
    )
    async def assign(self, request: Request, tour_id: int, data: AssignIn) -> TalkOut:
        """An open request assigned by hand (checked with the planner's rules: 409 naming a broken one)."""
        return answer(TalkOut, await tours.assign_talk(user_of(request), tour_id, msgspec.structs.asdict(data)))

    @get(
        "/{tour_id:int}/experts/{expert_id:int}/itinerary.pdf",
        guards=[office_or_expert],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="The expert's itinerary for the tour (PDF)"),
    )
    async def itinerary(self, request: Request, tour_id: int, expert_id: int) -> Response:
        """The expert's printable itinerary: days, counties, schools, topics, halls, contacts. The office any
        expert's; an expert their own (confirmed tours)."""
        content, name = await itinerary.itinerary_pdf(user_of(request), tour_id, expert_id)
        return pdf_response(content, name)


class TalkApi(Controller):
    path = "/api/v1/outreach/talks"
    tags = ["outreach"]

    @get("/", guards=[readers], responses=responses(401, 403, 422))
    async def list(
        self,
        request: Request,
        status: TalkStatus | None = None,
        tour_id: int | None = None,
        year: int | None = None,
        expert_id: int | None = None,
        unconfirmed: bool = False,
    ) -> list[TalkOut]:
        """The office all; an expert, a school and a city their own (confirmed tours). ``unconfirmed``:
        scheduled talks whose school has not confirmed them within the year's ``confirm_within_days``."""
        filters = {
            "status": status,
            "tour_id": tour_id,
            "year": year,
            "expert_id": expert_id,
            "unconfirmed": unconfirmed,
        }
        return answer(list[TalkOut], await delivery.list_talks(user_of(request), filters))

    @get("/unconfirmed", guards=[organizer_only], responses=responses(401, 403))
    async def unconfirmed(self, request: Request) -> list[TalkOut]:
        """The office's list of talks not confirmed in time, oldest first, with ``days_since``."""
        return answer(list[TalkOut], await delivery.unconfirmed_talks(user_of(request)))

    @get("/{talk_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, talk_id: int) -> TalkOut:
        return answer(TalkOut, await delivery.get_talk(user_of(request), talk_id))

    @patch("/{talk_id:int}", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def move(self, request: Request, talk_id: int, data: TalkPatch) -> TalkOut:
        """Another day, expert or topic (a scheduled talk needs ``reason``; notified)."""
        return answer(TalkOut, await tours.move_talk(user_of(request), talk_id, msgspec.structs.asdict(data)))

    @delete("/{talk_id:int}", guards=[organizer_only], status_code=204, responses=responses(401, 403, 404, 409))
    async def remove(self, request: Request, talk_id: int) -> None:
        """Out of a draft tour (its request open again); a scheduled talk is cancelled instead."""
        await tours.remove_talk(user_of(request), talk_id)

    @post(
        "/{talk_id:int}/cancel", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422)
    )
    async def cancel(self, request: Request, talk_id: int, data: ReasonIn) -> TalkOut:
        return answer(TalkOut, await delivery.cancel_talk(user_of(request), talk_id, data.reason))

    @post(
        "/{talk_id:int}/confirm",
        guards=[requires("school", "organizer")],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def confirm(self, request: Request, talk_id: int, data: ConfirmIn) -> TalkOut:
        """The talk's own school only, on or after its day: it took place, with the audience and feedback."""
        return answer(TalkOut, await delivery.confirm_talk(user_of(request), talk_id, msgspec.structs.asdict(data)))

    @put(
        "/{talk_id:int}/hours",
        guards=[office_or_expert],
        responses=responses(401, 403, 404, 409, 422),
    )
    async def hours(self, request: Request, talk_id: int, data: HoursIn) -> TalkOut:
        """The talk's expert (or the office), on or after its day."""
        return answer(TalkOut, await delivery.record_hours(user_of(request), talk_id, data.hours))

    @post(
        "/{talk_id:int}/photos",
        guards=[requires("school", "organizer")],
        status_code=201,
        responses=responses(401, 403, 404, 409, 413, 422),
    )
    async def add_photo(self, request: Request, talk_id: int) -> PhotoOut:
        """Multipart field ``file``: a JPEG or PNG of the talk (its school, once the day has come)."""
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed(
                _("请选择要上传的照片（表单字段 file）。"), errors=[{"field": "file", "message": _("请选择照片。")}]
            )
        filename, data = upload.filename or "", await upload.read()
        return answer(PhotoOut, await delivery.add_photo(user_of(request), talk_id, filename, data))

    @get("/{talk_id:int}/photos", guards=[readers], responses=responses(401, 403, 404))
    async def photos(self, request: Request, talk_id: int) -> list[PhotoOut]:
        return answer(list[PhotoOut], await delivery.list_photos(user_of(request), talk_id))


class PhotoApi(Controller):
    path = "/api/v1/outreach/photos"
    tags = ["outreach"]

    @get(
        "/{photo_id:int}",
        guards=[readers],
        responses=responses(401, 403, 404),
        operation_class=file_operation(JPEG, PNG, description="The photo"),
    )
    async def photo(self, request: Request, photo_id: int) -> File:
        meta, path = await delivery.open_photo(user_of(request), photo_id)
        return File(
            path=path,
            media_type=meta["content_type"],
            headers={"Content-Disposition": content_disposition(meta["filename"], inline=True)},
        )

    @delete(
        "/{photo_id:int}",
        guards=[requires("school", "organizer")],
        status_code=204,
        responses=responses(401, 403, 404),
    )
    async def delete_photo(self, request: Request, photo_id: int) -> None:
        """The talk's school or the office: the photo and its file removed (audited)."""
        await delivery.delete_photo(user_of(request), photo_id)


class NumbersApi(Controller):
    path = "/api/v1/outreach/numbers"
    tags = ["outreach"]

    @get("/{year:int}", guards=[requires("organizer", "city")], responses=responses(401, 403, 404))
    async def numbers(self, request: Request, year: int) -> NumbersOut:
        """The calendar year's delivered talks, schools, counties, audience, rural share, expert hours,
        ratings; per county and per expert (a city: its own schools)."""
        return answer(NumbersOut, await numbers.year_numbers(user_of(request), year))

    @get(
        "/{year:int}/workbook",
        guards=[requires("organizer", "city")],
        responses=responses(401, 403, 404),
        operation_class=file_operation(XLSX, description="The year's numbers and delivered talks (.xlsx)"),
    )
    async def workbook(self, request: Request, year: int) -> Response:
        content = await numbers.numbers_workbook(user_of(request), year)
        return xlsx_response(content, f"outreach-{year}.xlsx", f"大手拉小手-{year}.xlsx")


class NoticeApi(Controller):
    path = "/api/v1/outreach/notices"
    tags = ["outreach"]

    @get("/", guards=[requires("school", "expert")], responses=responses(401, 403))
    async def list(self, request: Request) -> list[NoticeOut]:
        """The caller's notices (tours confirmed, talks moved, cancelled or added), newest first."""
        return answer(list[NoticeOut], await notices.list_notices(user_of(request)))

    @post("/read", guards=[requires("school", "expert")], status_code=200, responses=responses(401, 403))
    async def read(self, request: Request) -> MarkedOut:
        return answer(MarkedOut, {"marked": await notices.mark_read(user_of(request))})


def api_routes() -> list[Any]:
    return [
        OutreachSettingsApi,
        ExpertApi,
        TopicApi,
        RequestApi,
        TourApi,
        TravelApi,
        TalkApi,
        PhotoApi,
        NumbersApi,
        NoticeApi,
    ]
