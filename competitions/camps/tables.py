"""Camp tables (高校科学营): the camp settings of an event (priority groups, eligible grades, offer
deadline, the lottery), its sites (分营) and the applications.

An application is an entry of the camp event with exactly one student member (so personal data,
consent, review by city then organizer, QR credentials, check-in and certificates carry over) plus
one :class:`CampApplication` row 1:1 with the entry holding what only a camp has: preferences,
priority group, lottery number, allocation result and offer.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School
from competitions.checkin.tables import CheckinSession
from competitions.events.tables import Event
from competitions.registration.tables import Entry

DEFAULT_PRIORITY_GROUPS = [
    {"code": "poverty", "label": "建档立卡"},
    {"code": "rural", "label": "农村"},
    {"code": "remote", "label": "边远地区"},
]
DEFAULT_ELIGIBLE_GRADES = ["高一", "高二"]
DEFAULT_OFFER_HOURS = 72
DEFAULT_LEADER_RATIO = 10
DEFAULT_COMPLETION_THRESHOLD = 80

# applied -> (allocation) offered | waiting | unplaced -> accepted | declined | expired; withdrawn any time
APPLICATION_STATUSES = ("applied", "offered", "accepted", "declined", "expired", "waiting", "unplaced", "withdrawn")


class CampSettings(Table, tablename="camp_settings"):
    """Camp settings of one event (1:1), with its lottery.

    ``priority_groups``: ``[{"code", "label"}]``; ``eligible_grades``: grades that may apply;
    ``offer_hours``: how long an offer stays open. Lottery (CONTRACT "Camps"): ``seed`` secret until
    the draw; ``commitment``, ``applications_hash``, ``application_ids`` (frozen with the commitment)
    and ``public_source`` public from the commitment; ``public_value`` and the order from the draw.
    ``ranking``: application ids best first, uploaded by the organizer for ``priority=ranking``.
    ``allocated_at``/``allocation_priority``: when and with which order the allocation was applied."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    priority_groups = JSON(default=DEFAULT_PRIORITY_GROUPS)
    eligible_grades = JSON(default=DEFAULT_ELIGIBLE_GRADES)
    offer_hours = Integer(default=DEFAULT_OFFER_HOURS)
    seed = Varchar(length=128, null=True, default=None, secret=True)
    commitment = Varchar(length=64, null=True, default=None)
    applications_hash = Varchar(length=64, null=True, default=None)
    application_ids = JSON(null=True, default=None)
    public_source = Text(default="")
    committed_at = Timestamptz(null=True, default=None)
    public_value = Text(null=True, default=None)
    lottery_order = JSON(null=True, default=None)
    drawn_at = Timestamptz(null=True, default=None)
    ranking = JSON(null=True, default=None)
    ranking_updated_at = Timestamptz(null=True, default=None)
    allocated_at = Timestamptz(null=True, default=None)
    allocation_priority = Varchar(length=16, null=True, default=None)
    priority_order = JSON(null=True, default=None)  # the order the applied allocation used (promotions follow it)
    leader_ratio = Integer(default=DEFAULT_LEADER_RATIO)  # students per leading teacher
    completion_threshold = Integer(default=DEFAULT_COMPLETION_THRESHOLD)  # percent of required activities
    # the applied allocation's rounds as stored when applied (round 1, then each 补录 round): counts,
    # per site, per group and every assignment with its structured reasons (shown as applied)
    allocation_rounds = JSON(default=[])


class CampSite(Table, tablename="camp_site"):
    """A site (分营) of a camp event: a host university's camp with a capacity.

    ``reserves``: ``{"<priority group code>": "<share>"}`` (Decimal strings, each 0..1, sum <= 1);
    ``divisions``/``grades``: optional limits (empty = none). The contact is an adult (the host's
    teacher in charge), not a participant."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=32)
    name = Varchar(length=100)
    host = Varchar(length=100, default="")
    city = Varchar(length=50, default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    capacity = Integer(default=0)
    reserves = JSON(default={})
    divisions = JSON(default=[])
    grades = JSON(default=[])
    contact_name = Varchar(length=64, default="")
    contact_phone = Varchar(length=32, default="")
    position = Integer(default=0)
    report_time = Varchar(length=100, default="")  # 报到时间, as the notice prints it
    report_place = Varchar(length=200, default="")  # 报到地点


class CampApplication(Table, tablename="camp_application"):
    """One student's camp application (1:1 with an entry of the camp event).

    ``student_hash``: the student's keyed ID hash with ``year``: one application per student per year
    across camp events. ``site_code``: the seat held (offered or accepted); ``preference_rank`` its
    place among the preferences; ``priority_position``: place in the priority order of the applied
    allocation; ``reasons``: the allocation's structured reasons (rendered in words when shown)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(references=Entry, on_delete=OnDelete.cascade, unique=True, index=True)
    school = ForeignKey(references=School, index=True)
    year = Integer(index=True)
    student_hash = Varchar(length=64, index=True)
    preferences = JSON(default=[])
    priority_group = Varchar(length=32, null=True, default=None)
    priority_checked = Boolean(default=False)
    status = Varchar(length=16, default="applied", index=True)
    site_code = Varchar(length=32, null=True, default=None)
    preference_rank = Integer(null=True, default=None)
    priority_position = Integer(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    offered_at = Timestamptz(null=True, default=None)
    responded_at = Timestamptz(null=True, default=None)
    lottery_number = Varchar(length=64, null=True, default=None)
    reasons = JSON(default=[])
    created_at = Timestamptz()
    updated_at = Timestamptz()
    allocation_round = Integer(null=True, default=None)  # the round that placed it (1, or a 补录 round)
    offer_note = Text(default="")  # why the organizer offered or reinstated this seat by hand (audited too)
    priority_note = Text(default="")  # why the city or organizer did not confirm the priority flag


class CampTeacher(Table, tablename="camp_teacher"):
    """A teacher a school proposes to lead students at a camp (带队教师) for one event: a small table of
    its own, not an adviser member on an application (a teacher leads a site's students of several
    schools, not one application). ``phone_enc`` encrypted, ``phone_masked`` for lists.
    ``site_code`` the site assigned (null: not leading); ``fixed`` set by the organizer by hand (the
    rule keeps it); ``why``: the rule's reason ``[kind, n]``."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(references=School, index=True)
    name = Varchar(length=64)
    gender = Varchar(length=4, default="")
    phone_enc = Text(null=True, default=None)
    phone_masked = Varchar(length=20, default="")
    phone_hash = Varchar(length=64, null=True, default=None, index=True)  # keyed hash: one teacher once
    site_code = Varchar(length=32, null=True, default=None)
    fixed = Boolean(default=False)
    why = JSON(default=[])
    created_at = Timestamptz()


class CampActivity(Table, tablename="camp_activity"):
    """A check-in session that is an activity of a camp site; ``required`` ones count for completion
    (结营)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    site_code = Varchar(length=32)
    checkin_session = ForeignKey(references=CheckinSession, on_delete=OnDelete.cascade, unique=True, index=True)
    required = Boolean(default=True)
