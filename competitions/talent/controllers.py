"""JSON API of the talent programme (CONTRACT.md "Talent programme and outreach"): settings, mentors,
test scores, cut-offs, interviews, mentors' rankings, adjustments. Applications (web form, list) and
the matching answer at the camps' paths (``POST/GET /api/v1/events/{id}/applications``, ``POST
/api/v1/events/{id}/allocation``; :data:`competitions.camps.services.programmes`); the workbook goes
through ``POST /api/v1/events/{id}/registrations/import``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put

from app.errors import NotFound
from app.i18n import _
from app.settings import get_settings
from app.web import upload_bytes, user_of, xlsx_response
from app.web.auth import logged_in, organizer_only, requires
from app.web.openapi import XLSX, file_operation, responses
from app.web.schemas import answer, given_fields, sent_fields
from competitions.camps.schemas import ApplicationOut
from competitions.talent import exports, growth
from competitions.talent import services as talent
from competitions.talent.schemas import (
    AdjustIn,
    AttendanceIn,
    AttendanceOut,
    CohortOut,
    CommentIn,
    CommentOut,
    CutoffPreviewOut,
    CutoffsIn,
    DestinationIn,
    DestinationOut,
    FinalIn,
    GraduateOut,
    InterviewMoved,
    InterviewOut,
    InterviewPatch,
    InviteIn,
    InviteOut,
    LogIn,
    LogOut,
    MentorApplicantOut,
    MentorHomeOut,
    MentorIn,
    MentorOrderOut,
    MentorOut,
    MentorPatch,
    MidtermIn,
    PlanIn,
    RankingIn,
    ScoresImportOut,
    StudentRecordOut,
    TalentSettingsIn,
    TalentSettingsOut,
    UploadedOut,
    VisitCreated,
    VisitIn,
    VisitOut,
)

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

    @get("/{event_id:int}/mentor/applicants", guards=[office_or_mentor], responses=responses(401, 403, 404))
    async def my_applicants(self, request: Request, event_id: int) -> MentorHomeOut:
        """The calling mentor's invited applicants (its interviews, scores, ranking) and its students."""
        return answer(MentorHomeOut, await talent.mentor_applicants(user_of(request), event_id))

    @put("/{event_id:int}/mentor/ranking", guards=[office_or_mentor], responses=responses(401, 403, 404, 409, 422))
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


class GrowthEventApi(Controller):
    path = "/api/v1/events"
    tags = ["talent"]

    @get("/{event_id:int}/cohort", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404))
    async def cohort(self, request: Request, event_id: int) -> CohortOut:
        """Students in the year of growth (the office all, a city or school its own) with log hours,
        reviews and why each is behind; ``behind`` is the reminder list."""
        return answer(CohortOut, await growth.cohort(user_of(request), event_id))

    @get(
        "/{event_id:int}/cohort.xlsx",
        guards=[requires("organizer", "city", "school", "mentor")],
        responses=responses(401, 403, 404),
        operation_class=file_operation(XLSX, description="The cohort workbook (.xlsx)"),
    )
    async def cohort_workbook(self, request: Request, event_id: int) -> Response:
        """The cohort workbook (培养名单): per student the mentor, plan, growth-log entries and hours, lab
        visits attended, mid-term and year-end reviews, why behind (and, for the office, the destination
        recorded with consent); a second sheet holds every growth-log entry. The same students as
        ``cohort`` (a mentor: its own). No ID numbers, phones or birth dates."""
        content = await exports.cohort_workbook(user_of(request), event_id)
        return xlsx_response(content, f"talent-cohort-{event_id}.xlsx", _("培养名单-{id}.xlsx", id=event_id))

    @get("/{event_id:int}/destinations", guards=[organizer_only], responses=responses(401, 403, 404))
    async def destinations(self, request: Request, event_id: int) -> list[GraduateOut]:
        """Graduates' destinations recorded with consent."""
        return answer(list[GraduateOut], await growth.destinations(user_of(request), event_id))

    @post(
        "/{event_id:int}/lab-visits",
        guards=[office_or_mentor],
        status_code=201,
        responses=responses(401, 403, 404, 422),
    )
    async def create_visit(self, request: Request, event_id: int, data: VisitIn) -> VisitCreated:
        """A lab visit (a check-in session of the event) of a mentor's students; the office names ``mentor``."""
        return answer(VisitCreated, await growth.create_visit(user_of(request), event_id, given_fields(data)))

    @get("/{event_id:int}/lab-visits", guards=[office_or_mentor], responses=responses(401, 403, 404))
    async def visits(self, request: Request, event_id: int) -> list[VisitOut]:
        return answer(list[VisitOut], await growth.list_visits(user_of(request), event_id))


class GrowthApplicationApi(Controller):
    path = "/api/v1/talent-applications"
    tags = ["talent"]

    @get("/{application_id:int}/record", guards=[readers], responses=responses(401, 403, 404, 409))
    async def record(self, request: Request, application_id: int) -> StudentRecordOut:
        """The student's year: plan, growth log, lab visits, reviews, destination (not for mentors)."""
        return answer(StudentRecordOut, await growth.student_record(user_of(request), application_id))

    @put("/{application_id:int}/plan", guards=[office_or_mentor], responses=responses(401, 403, 404, 409, 422))
    async def plan(self, request: Request, application_id: int, data: PlanIn) -> StudentRecordOut:
        """The student's mentor (or the office) writes the training plan."""
        return answer(StudentRecordOut, await growth.set_plan(user_of(request), application_id, data.plan))

    @post(
        "/{application_id:int}/logs",
        guards=[requires("organizer", "school")],
        status_code=201,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def add_log(self, request: Request, application_id: int, data: LogIn) -> LogOut:
        """The school (or the office) adds a growth-log entry: date, activity, hours (decimal), reflection."""
        return answer(LogOut, await growth.add_log(user_of(request), application_id, given_fields(data)))

    @post(
        "/{application_id:int}/midterm",
        guards=[office_or_mentor],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def midterm(self, request: Request, application_id: int, data: MidtermIn) -> StudentRecordOut:
        """Mid-term review: ``pass`` or ``leave`` (with a reason: the student leaves the programme)."""
        return answer(
            StudentRecordOut, await growth.midterm(user_of(request), application_id, data.result, data.reason)
        )

    @post(
        "/{application_id:int}/final",
        guards=[office_or_mentor],
        status_code=200,
        responses=responses(401, 403, 404, 409, 422),
    )
    async def final(self, request: Request, application_id: int, data: FinalIn) -> StudentRecordOut:
        """Year-end review: ``excellent``, ``pass`` or ``fail`` with the mentor's assessment (409 unless the
        mid-term was passed)."""
        return answer(
            StudentRecordOut,
            await growth.final_review(
                user_of(request), application_id, data.result, data.comment, data.report_document
            ),
        )

    @put("/{application_id:int}/destination", guards=[organizer_only], responses=responses(401, 403, 404, 409, 422))
    async def destination(self, request: Request, application_id: int, data: DestinationIn) -> DestinationOut:
        """Where a graduate went next, only with consent (without it nothing is kept)."""
        return answer(
            DestinationOut, await growth.record_destination(user_of(request), application_id, given_fields(data))
        )


class GrowthLogApi(Controller):
    path = "/api/v1/talent-logs"
    tags = ["talent"]

    @put("/{log_id:int}/comment", guards=[office_or_mentor], responses=responses(401, 403, 404, 422))
    async def comment(self, request: Request, log_id: int, data: CommentIn) -> CommentOut:
        """The student's mentor comments on an entry."""
        return answer(CommentOut, await growth.comment(user_of(request), log_id, data.comment))

    @delete(
        "/{log_id:int}",
        guards=[requires("organizer", "school")],
        status_code=204,
        responses=responses(401, 403, 404, 409),
    )
    async def delete(self, request: Request, log_id: int) -> None:
        await growth.delete_log(user_of(request), log_id)

    @post(
        "/{log_id:int}/attachments",
        guards=[requires("organizer", "school")],
        status_code=201,
        request_max_body_size=get_settings().max_document_bytes + 256 * 1024,
        responses=responses(401, 403, 404, 413, 422),
    )
    async def attach(self, request: Request, log_id: int) -> UploadedOut:
        """Multipart field ``file``: PDF, Word, JPEG or PNG, stored with the student's documents."""
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            from app.errors import ValidationFailed

            raise ValidationFailed(_("请选择文件。"), errors=[{"field": "file", "message": _("请选择文件。")}])
        data = await upload.read()
        return answer(UploadedOut, await growth.attach(user_of(request), log_id, upload.filename or "", data))


class LabVisitApi(Controller):
    path = "/api/v1/lab-visits"
    tags = ["talent"]

    @post(
        "/{visit_id:int}/attendance",
        guards=[office_or_mentor],
        status_code=200,
        responses=responses(401, 403, 404, 422),
    )
    async def attendance(self, request: Request, visit_id: int, data: AttendanceIn) -> AttendanceOut:
        """The mentor checks its students in by hand (the same check-ins a badge scan makes)."""
        return answer(AttendanceOut, await growth.record_attendance(user_of(request), visit_id, data.member_ids))


def api_routes() -> list[Any]:
    return [
        TalentEventApi,
        TalentApplicationApi,
        TalentInterviewApi,
        GrowthEventApi,
        GrowthApplicationApi,
        GrowthLogApi,
        LabVisitApi,
    ]
