"""JSON API of camps (CONTRACT.md "Camps"): sites, applications, lottery, allocation, offers.
The camp's registration workbook goes through ``POST /api/v1/events/{id}/registrations/import``
(registration calls :func:`competitions.camps.services.import_applications` for camp events)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put

from app.web import content_disposition, user_of
from app.web.auth import logged_in, organizer_only, requires
from app.web.openapi import PDF, XLSX, file_operation, responses
from app.web.schemas import ReasonIn, answer, given_fields, sent_fields
from competitions.camps import attendance, exports, notices, teachers
from competitions.camps import services as camps
from competitions.camps.schemas import (
    ActivityIn,
    ActivityOut,
    AllocationIn,
    AllocationOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationStatus,
    AppliedAllocationOut,
    CampSettingsIn,
    CampSettingsOut,
    CommitIn,
    CommitOut,
    CompletionOut,
    DrawIn,
    DrawOut,
    LeadersOut,
    LotteryOut,
    OfferIn,
    PlaceIn,
    PriorityCheckIn,
    RankingIn,
    RankingOut,
    ReinstateIn,
    SecondRoundIn,
    SiteIn,
    SiteOut,
    SitePatch,
    TeacherIn,
    TeacherOut,
)

readers = requires("organizer", "city", "school")
responders = requires("organizer", "school")


class CampEventApi(Controller):
    path = "/api/v1/events"
    tags = ["camps"]

    @get("/{event_id:int}/camp-settings", guards=[logged_in], responses=responses(401, 403, 404))
    async def settings(self, request: Request, event_id: int) -> CampSettingsOut:
        return answer(CampSettingsOut, await camps.get_settings(user_of(request), event_id))

    @put("/{event_id:int}/camp-settings", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def update_settings(self, request: Request, event_id: int, data: CampSettingsIn) -> CampSettingsOut:
        """Priority groups (codes + labels), eligible grades, hours an offer stays open."""
        body = {k: v for k, v in given_fields(data).items() if v is not None}
        if "priority_groups" in body:
            body["priority_groups"] = [{"code": g.code, "label": g.label} for g in data.priority_groups or []]
        return answer(CampSettingsOut, await camps.update_settings(user_of(request), event_id, body))

    @post(
        "/{event_id:int}/sites", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 409, 422)
    )
    async def create_site(self, request: Request, event_id: int, data: SiteIn) -> SiteOut:
        """A site (分营); ``reserves``: ``{"<priority group code or label>": "<share 0..1>"}``."""
        return answer(SiteOut, await camps.create_site(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/sites", guards=[logged_in], responses=responses(401, 403, 404))
    async def sites(self, request: Request, event_id: int) -> list[SiteOut]:
        return answer(list[SiteOut], await camps.list_sites(user_of(request), event_id))

    @patch("/{event_id:int}/sites/{site_id:int}", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def update_site(self, request: Request, event_id: int, site_id: int, data: SitePatch) -> SiteOut:
        return answer(SiteOut, await camps.update_site(user_of(request), event_id, site_id, sent_fields(data)))

    @delete(
        "/{event_id:int}/sites/{site_id:int}",
        guards=[organizer_only],
        status_code=204,
        responses=responses(401, 403, 404, 409),
    )
    async def delete_site(self, request: Request, event_id: int, site_id: int) -> None:
        await camps.delete_site(user_of(request), event_id, site_id)

    @post(
        "/{event_id:int}/applications",
        guards=[responders],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def apply(self, request: Request, event_id: int, data: ApplicationIn) -> ApplicationOut:
        """One application through the web form (a school for its own student; the organizer names ``school_code``)."""
        return answer(ApplicationOut, await camps.apply(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/applications", guards=[readers], responses=responses(401, 403, 404))
    async def applications(
        self,
        request: Request,
        event_id: int,
        status: ApplicationStatus | None = None,
        site: str | None = None,
        school: str | None = None,
        group: str | None = None,
        q: str | None = None,
    ) -> list[ApplicationOut]:
        """Organizer all; a city its schools'; a school its own."""
        filters = {"status": status, "site": site, "school": school, "group": group, "q": q}
        return answer(list[ApplicationOut], await camps.list_applications(user_of(request), event_id, filters))

    @post(
        "/{event_id:int}/lottery/commit",
        guards=[organizer_only],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def commit(self, request: Request, event_id: int, data: CommitIn) -> CommitOut:
        """While applications are open: the commitment; the list of application ids is frozen with it."""
        return answer(CommitOut, await camps.commit_lottery(user_of(request), event_id, data.public_source))

    @post(
        "/{event_id:int}/lottery/draw",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def draw(self, request: Request, event_id: int, data: DrawIn) -> DrawOut:
        """After applications closed: the public value; the seed is revealed and the order computed."""
        return answer(DrawOut, await camps.draw_lottery(user_of(request), event_id, data.public_value))

    @get("/{event_id:int}/lottery", responses=responses(404))
    async def lottery(self, event_id: int) -> LotteryOut:
        """Public: the commitment, the frozen ids, and after the draw the seed, value, order and algorithm."""
        return answer(LotteryOut, await camps.public_lottery(event_id))

    @put("/{event_id:int}/ranking", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def ranking(self, request: Request, event_id: int, data: RankingIn) -> RankingOut:
        """The organizer's priority order (application ids or entry codes, best first) for ``priority: ranking``."""
        return answer(RankingOut, await camps.set_ranking(user_of(request), event_id, data.applications))

    @post(
        "/{event_id:int}/allocation",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def allocation(self, request: Request, event_id: int, data: AllocationIn) -> AllocationOut:
        """Deferred acceptance with reserves; a preview unless ``apply`` (then stored, offers made; once)."""
        return answer(AllocationOut, await camps.run_allocation(user_of(request), event_id, data.priority, data.apply))

    @get("/{event_id:int}/allocation", guards=[organizer_only], responses=responses(401, 403, 404))
    async def applied_allocation(self, request: Request, event_id: int) -> AppliedAllocationOut:
        """The allocation as applied, round by round (round 1, then each 补录 round), as stored then."""
        return answer(AppliedAllocationOut, await camps.applied_rounds(user_of(request), event_id))

    @post(
        "/{event_id:int}/allocation/second-round",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def second_round(self, request: Request, event_id: int, data: SecondRoundIn) -> AllocationOut:
        """补录 after the allocation was applied: deferred acceptance (same rule, same priority order)
        over each site's places left, for the approved applications not placed yet (waiting,
        unplaced, and those approved late); seats held stay. A preview unless ``apply``."""
        return answer(AllocationOut, await camps.second_round(user_of(request), event_id, data.apply))

    @get(
        "/{event_id:int}/admission-notices.pdf",
        guards=[responders],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="Admission notices, one A4 page per admitted student (PDF)"),
    )
    async def admission_notices(
        self, request: Request, event_id: int, site_code: str | None = None, school_code: str | None = None
    ) -> Response:
        """录取通知书 of the students holding a seat (offered or accepted): the organizer all, one site or
        one school; a school its own students. 409 when there is nobody."""
        data, name = await notices.admission_notices_pdf(user_of(request), event_id, site_code, school_code)
        return pdf_response(data, name)

    @post(
        "/{event_id:int}/camp-teachers",
        guards=[responders],
        status_code=201,
        responses=responses(401, 403, 404, 422),
    )
    async def propose_teacher(self, request: Request, event_id: int, data: TeacherIn) -> TeacherOut:
        """A school proposes a leading teacher (带队教师); the organizer names ``school_code``."""
        return answer(TeacherOut, await teachers.propose(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/camp-teachers", guards=[responders], responses=responses(401, 403, 404))
    async def camp_teachers(self, request: Request, event_id: int) -> list[TeacherOut]:
        """Proposed teachers (organizer all, a school its own), phones masked, with the site and reason."""
        return answer(list[TeacherOut], await teachers.list_teachers(user_of(request), event_id))

    @get("/{event_id:int}/leaders", guards=[organizer_only], responses=responses(401, 403, 404))
    async def leaders(self, request: Request, event_id: int) -> LeadersOut:
        """Per site: admitted students, teachers needed (1 per ``leader_ratio``), teachers with reasons, shortfall."""
        return answer(LeadersOut, await teachers.overview(user_of(request), event_id))

    @post(
        "/{event_id:int}/leaders/assign",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
    )
    async def assign_leaders(self, request: Request, event_id: int) -> LeadersOut:
        """Run the rule (largest site first; own school's teachers, then own city's); hand-placed teachers stay."""
        return answer(LeadersOut, await teachers.assign(user_of(request), event_id))


class CampTeacherApi(Controller):
    path = "/api/v1/camp-teachers"
    tags = ["camps"]

    @put("/{teacher_id:int}/site", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def place(self, request: Request, teacher_id: int, data: PlaceIn) -> TeacherOut:
        """Place a teacher on a site by hand (kept by the rule), or ``null`` to release."""
        return answer(TeacherOut, await teachers.place(user_of(request), teacher_id, data.site_code))

    @delete("/{teacher_id:int}", guards=[responders], status_code=204, responses=responses(401, 403, 404, 409))
    async def remove(self, request: Request, teacher_id: int) -> None:
        await teachers.remove(user_of(request), teacher_id)

    @get(
        "/{teacher_id:int}/notice.pdf",
        guards=[responders],
        responses=responses(401, 403, 404, 409),
        operation_class=file_operation(PDF, description="The leading teacher's notice (PDF)"),
    )
    async def notice(self, request: Request, teacher_id: int) -> Response:
        """The teacher's notice: site, dates, report time and place, the site's students (names, schools)."""
        data, name = await teachers.teacher_notice_pdf(user_of(request), teacher_id)
        return pdf_response(data, name)


class CampExportApi(Controller):
    path = "/api/v1/events"
    tags = ["camps"]

    @get(
        "/{event_id:int}/site-roster.xlsx",
        guards=[organizer_only],
        responses=responses(401, 403, 404, 422),
        operation_class=file_operation(XLSX, description="The site's students for the host university (.xlsx)"),
    )
    async def site_roster(self, request: Request, event_id: int, site_code: str | None = None) -> Response:
        """姓名, 性别, 学校, 年级, 市县, 带队教师, 状态 of the site's students holding a seat; no ID numbers or phones."""
        content = await exports.site_workbook(user_of(request), event_id, site_code)
        return xlsx_response(content, f"camp-site-{event_id}-{site_code}.xlsx")

    @post(
        "/{event_id:int}/site-roster.xlsx",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 422),
        operation_class=file_operation(XLSX, description="The site's students with ID numbers and phones (.xlsx)"),
    )
    async def site_roster_personal(
        self, request: Request, event_id: int, data: ReasonIn, site_code: str | None = None
    ) -> Response:
        """The same with 证件类型, 证件号码, 联系电话: needs ``reason``, logged."""
        content = await exports.site_workbook(user_of(request), event_id, site_code, personal=True, reason=data.reason)
        return xlsx_response(content, f"camp-site-{event_id}-{site_code}-personal.xlsx")

    @get("/{event_id:int}/camp-activities", guards=[organizer_only], responses=responses(401, 403, 404))
    async def activities(self, request: Request, event_id: int) -> list[ActivityOut]:
        """The event's check-in sessions with the site each is an activity of, and whether required."""
        await camps.camp_event(event_id, user_of(request))
        return answer(list[ActivityOut], await attendance.activities(event_id))

    @put(
        "/{event_id:int}/camp-activities/{session_id:int}",
        guards=[organizer_only],
        responses=responses(401, 403, 404, 422),
    )
    async def link_activity(self, request: Request, event_id: int, session_id: int, data: ActivityIn) -> ActivityOut:
        """Make a check-in session an activity of a site (``required`` counts for completion); null unlinks."""
        return answer(
            ActivityOut,
            await attendance.link_activity(user_of(request), event_id, session_id, data.site_code, data.required),
        )

    @get("/{event_id:int}/completion", guards=[organizer_only], responses=responses(401, 403, 404))
    async def completion(self, request: Request, event_id: int) -> CompletionOut:
        """Per site: who completed (attended at least ``completion_threshold`` % of the required
        activities), who falls short and why (missed activities by name)."""
        return answer(CompletionOut, await attendance.completion_report(user_of(request), event_id))


def xlsx_response(data: bytes, name: str) -> Response:
    return Response(data, media_type=XLSX, headers={"content-disposition": content_disposition(name, inline=False)})


def pdf_response(data: bytes, name: str) -> Response:
    return Response(data, media_type=PDF, headers={"content-disposition": content_disposition(name, inline=True)})


class ApplicationApi(Controller):
    path = "/api/v1/applications"
    tags = ["camps"]

    @get("/{application_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, application_id: int) -> ApplicationOut:
        return answer(ApplicationOut, await camps.get_application(user_of(request), application_id))

    @post("/{application_id:int}/accept", guards=[responders], status_code=200, responses=responses(401, 403, 404, 409))
    async def accept(self, request: Request, application_id: int) -> ApplicationOut:
        return answer(ApplicationOut, await camps.respond(user_of(request), application_id, "accept"))

    @post(
        "/{application_id:int}/decline", guards=[responders], status_code=200, responses=responses(401, 403, 404, 409)
    )
    async def decline(self, request: Request, application_id: int) -> ApplicationOut:
        """Frees the seat: the next on that site's waiting list is offered it."""
        return answer(ApplicationOut, await camps.respond(user_of(request), application_id, "decline"))

    @post(
        "/{application_id:int}/offer",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def offer(self, request: Request, application_id: int, data: OfferIn) -> ApplicationOut:
        """After the allocation: offer an application not holding a seat a free place at a site, with
        a reason (audited); 409 when the site is full."""
        return answer(
            ApplicationOut, await camps.offer_by_hand(user_of(request), application_id, data.site_code, data.reason)
        )

    @post(
        "/{application_id:int}/reinstate",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def reinstate(self, request: Request, application_id: int, data: ReinstateIn) -> ApplicationOut:
        """Offer a declined or expired application its former site again (new deadline), with a
        reason (audited); 409 when that site has no free place."""
        return answer(ApplicationOut, await camps.reinstate(user_of(request), application_id, data.reason))

    @post(
        "/{application_id:int}/withdraw", guards=[responders], status_code=200, responses=responses(401, 403, 404, 409)
    )
    async def withdraw(self, request: Request, application_id: int) -> ApplicationOut:
        return answer(ApplicationOut, await camps.withdraw(user_of(request), application_id))

    @post(
        "/{application_id:int}/priority-check",
        guards=[requires("organizer", "city")],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def priority_check(self, request: Request, application_id: int, data: PriorityCheckIn) -> ApplicationOut:
        """The city (its schools) or organizer confirms the priority flag (only confirmed flags use
        reserves), correcting the group with ``group`` if need be, or with ``checked: false`` and a
        ``reason`` (shown to the school) says it does not hold."""
        return answer(
            ApplicationOut,
            await camps.check_priority(user_of(request), application_id, data.checked, data.group, data.reason),
        )


def api_routes() -> list[Any]:
    return [CampEventApi, ApplicationApi, CampTeacherApi, CampExportApi]
