"""JSON API of the talent programme (CONTRACT.md "Talent programme and outreach"): settings, mentors,
test scores, cut-offs, interviews, mentors' rankings, adjustments. Applications (web form, list) and
the matching answer at the camps' paths (``POST/GET /api/v1/events/{id}/applications``, ``POST
/api/v1/events/{id}/allocation``; :data:`competitions.camps.services.programmes`); the workbook goes
through ``POST /api/v1/events/{id}/registrations/import``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put

from app.errors import NotFound
from app.i18n import _
from app.settings import get_settings
from app.web import upload_bytes, user_of
from app.web.auth import logged_in, organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer, given_fields, sent_fields
from competitions.camps.schemas import ApplicationOut
from competitions.talent import services as talent
from competitions.talent.schemas import (
    AdjustIn,
    CutoffPreviewOut,
    CutoffsIn,
    InterviewMoved,
    InterviewOut,
    InterviewPatch,
    InviteIn,
    InviteOut,
    MentorApplicantOut,
    MentorHomeOut,
    MentorIn,
    MentorOrderOut,
    MentorOut,
    MentorPatch,
    RankingIn,
    ScoresImportOut,
    TalentSettingsIn,
    TalentSettingsOut,
)

mentors_only = requires("mentor")
office_or_mentor = requires("organizer", "mentor")
readers = requires("organizer", "city", "school", "mentor")


class TalentEventApi(Controller):
    path = "/api/v1/events"
    tags = ["talent"]

    @get("/{event_id:int}/talent-settings", guards=[logged_in], responses=responses(401, 403, 404))
    async def settings(self, request: Request, event_id: int) -> TalentSettingsOut:
        return answer(TalentSettingsOut, await talent.get_settings(user_of(request), event_id))

    @put("/{event_id:int}/talent-settings", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def update_settings(self, request: Request, event_id: int, data: TalentSettingsIn) -> TalentSettingsOut:
        """Eligible grades, interview length, the programme's dates, growth-log interval and yearly hours."""
        body = {k: v for k, v in sent_fields(data).items() if v is not None or k.endswith("_on")}
        return answer(TalentSettingsOut, await talent.update_settings(user_of(request), event_id, body))

    @post("/{event_id:int}/mentors", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 422))
    async def create_mentor(self, request: Request, event_id: int, data: MentorIn) -> MentorOut:
        """A mentor (导师): ``username`` of an account of role ``mentor``, its subject (a category code or
        name of the event), capacity, university, lab, title, topics and a short public profile."""
        return answer(MentorOut, await talent.create_mentor(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/mentors", guards=[logged_in], responses=responses(401, 403, 404))
    async def mentors(self, request: Request, event_id: int) -> list[MentorOut]:
        return answer(list[MentorOut], await talent.list_mentors(user_of(request), event_id))

    @patch(
        "/{event_id:int}/mentors/{mentor_id:int}",
        guards=[office_or_mentor],
        responses=responses(401, 403, 404, 409, 422),
    )
    async def update_mentor(self, request: Request, event_id: int, mentor_id: int, data: MentorPatch) -> MentorOut:
        """The office changes anything but the account; a mentor its own title, lab, topics, profile."""
        return answer(MentorOut, await talent.update_mentor(user_of(request), event_id, mentor_id, sent_fields(data)))

    @delete(
        "/{event_id:int}/mentors/{mentor_id:int}",
        guards=[organizer_only],
        status_code=204,
        responses=responses(401, 403, 404, 409),
    )
    async def delete_mentor(self, request: Request, event_id: int, mentor_id: int) -> None:
        await talent.delete_mentor(user_of(request), event_id, mentor_id)

    @get(
        "/{event_id:int}/mentors/{mentor_id:int}/order",
        guards=[office_or_mentor],
        responses=responses(401, 403, 404),
    )
    async def mentor_order(self, request: Request, event_id: int, mentor_id: int) -> MentorOrderOut:
        """The mentor's own priority order as the matching uses it (ranked, then by interview score) and
        whom it refused. The office, or that mentor."""
        actor = user_of(request)
        if actor.role == "mentor" and (await talent.own_mentor(actor, event_id))["id"] != mentor_id:
            raise NotFound(_("导师不存在。"))
        return answer(MentorOrderOut, await talent.mentor_order(event_id, mentor_id))

    @post(
        "/{event_id:int}/test-scores/import",
        guards=[organizer_only],
        status_code=201,
        request_max_body_size=get_settings().max_upload_bytes + 256 * 1024,
        responses=responses(401, 403, 404, 409, 413, 422),
    )
    async def import_scores(self, request: Request, event_id: int) -> ScoresImportOut:
        """Multipart field ``file``: a workbook with ``分数`` and ``证件号`` or ``申请编号`` per row. All or
        nothing (422 names row and column)."""
        return answer(
            ScoresImportOut, await talent.import_scores(user_of(request), event_id, await upload_bytes(request))
        )

    @get("/{event_id:int}/cutoffs/preview", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def cutoff_preview(self, request: Request, event_id: int, step: str | None = None) -> CutoffPreviewOut:
        """Per subject: how many pass at each cut-off (``step`` points apart, default 5; 0: each score)."""
        return answer(CutoffPreviewOut, await talent.cutoff_preview(user_of(request), event_id, step))

    @put("/{event_id:int}/cutoffs", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def set_cutoffs(self, request: Request, event_id: int, data: CutoffsIn) -> TalentSettingsOut:
        """``{"cutoffs": {"<subject code>": "<score>" | null}}`` before the invitations."""
        return answer(TalentSettingsOut, await talent.set_cutoffs(user_of(request), event_id, data.cutoffs))

    @post(
        "/{event_id:int}/interviews/invite",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def invite(self, request: Request, event_id: int, data: InviteIn) -> InviteOut:
        """Invite those at or above their subject's cut-off to an interview with each mentor they listed,
        one after another from ``starts_at``; the others are not invited. Once."""
        return answer(InviteOut, await talent.invite(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/interviews", guards=[organizer_only], responses=responses(401, 403, 404))
    async def interviews(self, request: Request, event_id: int) -> list[InterviewOut]:
        return answer(list[InterviewOut], await talent.interviews(user_of(request), event_id))

    @get("/{event_id:int}/mentor/applicants", guards=[mentors_only], responses=responses(401, 403, 404))
    async def my_applicants(self, request: Request, event_id: int) -> MentorHomeOut:
        """The calling mentor's invited applicants (its interviews, scores, ranking) and its students."""
        return answer(MentorHomeOut, await talent.mentor_applicants(user_of(request), event_id))

    @put("/{event_id:int}/mentor/ranking", guards=[mentors_only], responses=responses(401, 403, 404, 409, 422))
    async def ranking(self, request: Request, event_id: int, data: RankingIn) -> MentorOrderOut:
        """The calling mentor ranks (1, 2, ...) or refuses applicants it interviewed."""
        items = [
            {"application_id": i.application_id, "rank": i.rank, "refused": i.refused, "note": i.note}
            for i in data.items
        ]
        return answer(MentorOrderOut, await talent.set_choices(user_of(request), event_id, items))


class TalentApplicationApi(Controller):
    path = "/api/v1/talent-applications"
    tags = ["talent"]

    @get("/{application_id:int}", guards=[readers], responses=responses(401, 403, 404))
    async def detail(self, request: Request, application_id: int) -> ApplicationOut | MentorApplicantOut:
        """One application with its matching explanation (a mentor: its own view, no personal data)."""
        actor = user_of(request)
        value = await talent.get_application(actor, application_id)
        if actor.role == "mentor":
            return answer(MentorApplicantOut, value)
        return answer(ApplicationOut, value)

    @post(
        "/{application_id:int}/withdraw",
        guards=[requires("organizer", "school")],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def withdraw(self, request: Request, application_id: int) -> ApplicationOut:
        return answer(ApplicationOut, await talent.withdraw(user_of(request), application_id))

    @post(
        "/{application_id:int}/adjust",
        guards=[organizer_only],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def adjust(self, request: Request, application_id: int, data: AdjustIn) -> ApplicationOut:
        """After the matching: move a student to another mentor of its subject (or to none) with a reason
        (audited); 409 when that mentor is full."""
        return answer(ApplicationOut, await talent.adjust(user_of(request), application_id, data.mentor, data.reason))


class TalentInterviewApi(Controller):
    path = "/api/v1/talent-interviews"
    tags = ["talent"]

    @patch("/{interview_id:int}", guards=[office_or_mentor], responses=responses(401, 403, 404, 409, 422))
    async def move(self, request: Request, interview_id: int, data: InterviewPatch) -> InterviewMoved:
        """The office or the interviewing mentor moves an interview (time, place)."""
        return answer(InterviewMoved, await talent.move_interview(user_of(request), interview_id, given_fields(data)))


def api_routes() -> list[Any]:
    return [TalentEventApi, TalentApplicationApi, TalentInterviewApi]
