"""Talent programme tables (中学生科技创新后备人才培养计划, issue 16): the programme settings of an event of
kind ``talent``, its mentors (导师), the applications, interviews, each mentor's ranking and refusals, and
the year of growth (training plan, growth log, lab visits, reviews, follow-up).

As for camps, an application is an entry of the talent event with exactly one student member (so
personal data, consent, review by school/city/organizer, QR credentials, check-in, documents and
certificates carry over) plus one :class:`TalentApplication` row 1:1 with the entry; the entry's
category is the subject (学科).
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User
from competitions.checkin.tables import CheckinSession
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry

DEFAULT_ELIGIBLE_GRADES = ["高一", "高二"]
DEFAULT_LOG_INTERVAL_DAYS = 30
DEFAULT_HOURS_TARGET = "120"
DEFAULT_INTERVIEW_MINUTES = 20

# applied -> (invitations) invited | not_invited -> (matching applied) matched | unmatched
#   -> (mid-term) left | (year-end) completed | failed; withdrawn any time before the year ends
APPLICATION_STATUSES = (
    "applied",
    "invited",
    "not_invited",
    "matched",
    "unmatched",
    "left",
    "completed",
    "failed",
    "withdrawn",
)
MIDTERM_RESULTS = ("pass", "leave")
FINAL_RESULTS = ("excellent", "pass", "fail")


class TalentSettings(Table, tablename="talent_settings"):
    """Settings of one talent event (1:1).

    ``eligible_grades``: grades that may apply; ``cutoffs``: subject code -> the aptitude test cut-off
    (decimal text) used for the invitations; ``invited_at``: when interview invitations were sent;
    ``matched_at``: when the matching was applied; ``starts_on``/``midterm_on``/``final_on``: the
    programme year; ``log_interval_days``: a student without a growth-log entry for this many days is
    behind; ``hours_target``: hours of the whole year (decimal text), pro rata for the reminder list."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    eligible_grades = JSON(default=DEFAULT_ELIGIBLE_GRADES)
    cutoffs = JSON(default={})
    interview_minutes = Integer(default=DEFAULT_INTERVIEW_MINUTES)
    invited_at = Timestamptz(null=True, default=None)
    matched_at = Timestamptz(null=True, default=None)
    starts_on = Date(null=True, default=None)
    midterm_on = Date(null=True, default=None)
    final_on = Date(null=True, default=None)
    log_interval_days = Integer(default=DEFAULT_LOG_INTERVAL_DAYS)
    hours_target = Varchar(length=16, default=DEFAULT_HOURS_TARGET)


class Mentor(Table, tablename="talent_mentor"):
    """A university scientist taking students in one subject of a talent event: an account of role
    ``mentor`` (``user``), ``code`` its username (how applications name the mentor), the subject
    (a category of the event), ``capacity`` students, the host university, lab, topics and a short
    public profile (shown without log-in when ``public``)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=64)
    name = Varchar(length=64)
    title = Varchar(length=50, default="")  # 职称: 教授, 研究员, ...
    subject = ForeignKey(references=Category, on_delete=OnDelete.cascade, index=True)
    capacity = Integer(default=0)
    university = Varchar(length=100)
    lab = Varchar(length=200, default="")
    topics = Text(default="")
    profile = Text(default="")
    public = Boolean(default=True)
    position = Integer(default=0)
    created_at = Timestamptz()


class TalentApplication(Table, tablename="talent_application"):
    """One student's application (1:1 with an entry of the talent event; the entry's category is the
    subject). ``student_hash`` with ``year``: one application per student per year. ``preferences``:
    mentor codes (导师志愿1–3). ``test_score``: the aptitude test score (decimal text). ``mentor``: the
    mentor the student is matched with (``preference_rank`` its place among the preferences,
    ``reasons`` the engine's structured reasons for the mentors listed above it; ``adjusted_reason``
    when the office placed the student by hand). The year of growth: the mentor's ``plan``, the
    mid-term (``midterm`` pass | leave with ``midterm_reason``), the year-end review (``final``
    excellent | pass | fail with the mentor's assessment ``final_comment`` and the report document
    ``report_document``), and the follow-up (``destination_*``, recorded only with consent)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, unique=True, index=True)
    school = ForeignKey(references=School, index=True)
    year = Integer(index=True)
    student_hash = Varchar(length=64, index=True)
    subject = ForeignKey(references=Category, index=True)
    preferences = JSON(default=[])
    statement = Text(default="")
    status = Varchar(length=16, default="applied", index=True)
    test_score = Varchar(length=16, null=True, default=None)
    test_recorded_at = Timestamptz(null=True, default=None)
    mentor = ForeignKey(references=Mentor, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    preference_rank = Integer(null=True, default=None)
    reasons = JSON(default=[])
    matched_at = Timestamptz(null=True, default=None)
    adjusted_reason = Text(default="")
    plan = Text(default="")
    plan_updated_at = Timestamptz(null=True, default=None)
    midterm = Varchar(length=8, null=True, default=None)
    midterm_reason = Text(default="")
    midterm_at = Timestamptz(null=True, default=None)
    final = Varchar(length=12, null=True, default=None)
    final_comment = Text(default="")
    report_document = Integer(null=True, default=None)  # an EntryDocument id of the entry
    final_at = Timestamptz(null=True, default=None)
    destination_consent = Boolean(default=False)
    destination_university = Varchar(length=100, default="")
    destination_major = Varchar(length=100, default="")
    destination_recorded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Interview(Table, tablename="talent_interview"):
    """An interview (面试) of an applicant by one of the mentors it listed, at a time and place. The
    mentor scores it on a judging score sheet with the event's rubric (:mod:`judging.talent`); ``score``
    is that sheet's total once complete (decimal text, copied when the sheet is saved), which orders the
    applicants a mentor has not ranked by hand."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(references=TalentApplication, on_delete=OnDelete.cascade, index=True)
    mentor = ForeignKey(references=Mentor, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz(null=True, default=None)
    place = Varchar(length=200, default="")
    score = Varchar(length=40, null=True, default=None)
    scored_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class MentorChoice(Table, tablename="talent_mentor_choice"):
    """A mentor's word on an applicant who listed them: ``rank`` (1 = first; ``None`` = not ranked:
    after the ranked ones, by interview score) or ``refused`` (never matched with this mentor)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    mentor = ForeignKey(references=Mentor, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(references=TalentApplication, on_delete=OnDelete.cascade, index=True)
    rank = Integer(null=True, default=None)
    refused = Boolean(default=False)
    note = Text(default="")
    updated_at = Timestamptz()


class GrowthLog(Table, tablename="talent_growth_log"):
    """One entry of a student's growth log (成长日志): the date, activity, hours (decimal text),
    reflection and attachments (ids of the entry's documents), written by the school (or the office);
    the mentor's comment below it. ``by_student``: written by the student through its link
    (:class:`StudentLink`, kept in ``student_link``), shown as such to the mentor and the school."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(references=TalentApplication, on_delete=OnDelete.cascade, index=True)
    on = Date()
    activity = Varchar(length=200)
    hours = Varchar(length=12)
    reflection = Text(default="")
    attachments = JSON(default=[])
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    mentor_comment = Text(default="")
    comment_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    comment_at = Timestamptz(null=True, default=None)
    by_student = Boolean(default=False)
    student_link = Integer(null=True, default=None)


class StudentLink(Table, tablename="talent_student_link"):
    """A student's own link to its programme page (``/talent/my/<token>``, no log-in: minors get no
    accounts), made by its school or the office: only the keyed hash of the token is stored; a new
    link revokes the previous one (``revoked_at``)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(references=TalentApplication, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class LabVisit(Table, tablename="talent_lab_visit"):
    """A lab visit (实验室活动) of a mentor's students: a check-in session of the talent event."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    mentor = ForeignKey(references=Mentor, on_delete=OnDelete.cascade, index=True)
    checkin_session = ForeignKey(references=CheckinSession, on_delete=OnDelete.cascade, unique=True, index=True)
    created_at = Timestamptz()
