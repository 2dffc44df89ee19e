"""大手拉小手 outreach tables (issue 17): experts, their topics and availability, schools' requests,
tours (巡讲) of talks (科普报告), delivery (audience, feedback, photos, hours) and in-app notices.

An expert is an account with role ``expert`` (``user`` set: the expert's own phone pages) or a record
the office keeps for someone who does not log in (``user`` null). A school requests a talk on a topic
(or a subject) in preferred weeks; the office plans tours with :mod:`competitions.outreach.planner`,
edits the proposal and confirms it; the school then confirms each delivered talk.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.tables import School, User

DEFAULT_MIN_DAYS_AHEAD = 14  # a request at least this many days before its earliest preferred week
DEFAULT_CONFIRM_WITHIN_DAYS = 7  # a talk not confirmed this many days after its date is listed to the office
DEFAULT_MAX_TALKS_PER_DAY = 3  # per expert

# open -> planned (in a draft tour) -> scheduled (tour confirmed) -> delivered (the school confirmed);
# withdrawn by the school while open; back to open when its talk is removed or cancelled
REQUEST_STATUSES = ("open", "planned", "scheduled", "delivered", "withdrawn")
PRIORITIES = ("high", "normal", "low")  # set by the school's city (市县科协)
TOUR_STATUSES = ("draft", "confirmed", "cancelled")
# planned (draft tour) -> scheduled (confirmed) -> delivered (school confirmed); cancelled with a reason
TALK_STATUSES = ("planned", "scheduled", "delivered", "cancelled")


class OutreachSettings(Table, tablename="outreach_settings"):
    """The programme's settings for one year (defaults where no row exists)."""

    year = Integer(unique=True, index=True)
    min_days_ahead = Integer(default=DEFAULT_MIN_DAYS_AHEAD)
    confirm_within_days = Integer(default=DEFAULT_CONFIRM_WITHIN_DAYS)
    max_talks_per_day = Integer(default=DEFAULT_MAX_TALKS_PER_DAY)
    updated_at = Timestamptz(null=True, default=None)


class Expert(Table, tablename="outreach_expert"):
    """A scientist, engineer or science writer who gives talks. ``regions``: GB/T 2260 codes of the
    cities/counties the expert travels to (empty: the whole province). ``generally_available``: no
    windows needed (any day); otherwise the :class:`ExpertAvailability` windows. The phone is an adult's
    contact for the office, encrypted at rest like every phone, masked in lists."""

    user = ForeignKey(references=User, null=True, default=None, unique=True, on_delete=OnDelete.set_null)
    name = Varchar(length=64)
    affiliation = Varchar(length=200, default="")
    title = Varchar(length=100, default="")  # 院士, 研究员, 高级工程师, 科普作家...
    bio = Text(default="")
    phone_enc = Text(null=True, default=None)
    phone_masked = Varchar(length=20, default="")
    regions = JSON(default=[])
    generally_available = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ExpertAvailability(Table, tablename="outreach_availability"):
    """A window of days (inclusive) when the expert can give talks."""

    expert = ForeignKey(references=Expert, on_delete=OnDelete.cascade, index=True)
    starts_on = Date()
    ends_on = Date()
    note = Varchar(length=200, default="")


class Topic(Table, tablename="outreach_topic"):
    """A talk or activity an expert offers: for ``divisions`` (小学/初中/高中), ``duration_minutes``
    long, needing ``equipment`` (投影仪, 音响, 室外场地...)."""

    expert = ForeignKey(references=Expert, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    subject = Varchar(length=50, default="")  # 航天, 海洋, 生物...
    summary = Text(default="")
    divisions = JSON(default=[])
    duration_minutes = Integer(default=60)
    equipment = Varchar(length=300, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class TalkRequest(Table, tablename="outreach_request"):
    """A school's request for a talk: a ``topic`` or a ``subject``, ``preferred_weeks`` (ISO dates of
    Mondays), audience size and division, the hall and the equipment the school has. ``year``: the
    programme year (of the earliest preferred week). ``priority``: the city's (high/normal/low)."""

    school = ForeignKey(references=School, index=True, on_delete=OnDelete.cascade)
    year = Integer(index=True)
    topic = ForeignKey(references=Topic, null=True, default=None, on_delete=OnDelete.set_null)
    subject = Varchar(length=100, default="")
    preferred_weeks = JSON(default=[])
    audience_size = Integer(default=0)
    division = Varchar(length=8)
    hall = Varchar(length=200, default="")
    equipment = Varchar(length=300, default="")
    note = Text(default="")
    status = Varchar(length=16, default="open", index=True)
    priority = Varchar(length=8, default="normal")
    priority_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Tour(Table, tablename="outreach_tour"):
    """A tour (巡讲): talks between ``starts_on`` and ``ends_on``; a draft until the office confirms it."""

    name = Varchar(length=200)
    year = Integer(index=True)
    starts_on = Date()
    ends_on = Date()
    status = Varchar(length=16, default="draft", index=True)
    note = Text(default="")
    settings = JSON(default={})  # what the planner was given (max talks per day, counties, travel table)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")


class Talk(Table, tablename="outreach_talk"):
    """One talk of a tour: an expert at a school on a day (``slot``: its order among the expert's talks
    that day). ``why``: the planner's structured reasons (why this school, why this expert), rendered
    in words when shown. Delivery: ``audience``, ``rating`` (1–5) and ``comment`` from the school;
    ``minutes``: the expert's recorded hours, in minutes."""

    tour = ForeignKey(references=Tour, on_delete=OnDelete.cascade, index=True)
    request = ForeignKey(references=TalkRequest, null=True, default=None, index=True, on_delete=OnDelete.set_null)
    expert = ForeignKey(references=Expert, index=True, on_delete=OnDelete.restrict)
    topic = ForeignKey(references=Topic, null=True, default=None, on_delete=OnDelete.set_null)
    school = ForeignKey(references=School, index=True, on_delete=OnDelete.restrict)
    on_date = Date(index=True)
    slot = Integer(default=1)
    status = Varchar(length=16, default="planned", index=True)
    why = JSON(default={})
    audience = Integer(null=True, default=None)
    rating = Integer(null=True, default=None)
    comment = Text(default="")
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    minutes = Integer(null=True, default=None)
    minutes_recorded_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TalkPhoto(Table, tablename="outreach_talk_photo"):
    """A photo of a delivered talk, stored like entry documents (random key under the uploads folder)."""

    talk = ForeignKey(references=Talk, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=200)
    content_type = Varchar(length=64)
    size = Integer()
    storage_key = Varchar(length=32, unique=True)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz()


class OutreachNotice(Table, tablename="outreach_notice"):
    """An in-app notice to one account (a school's coordinators, an expert): ``kind`` and ``params``
    rendered in the reader's language; ``read_at`` once seen."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=32)
    tour = ForeignKey(references=Tour, null=True, default=None, on_delete=OnDelete.cascade)
    talk = ForeignKey(references=Talk, null=True, default=None, on_delete=OnDelete.cascade)
    params = JSON(default={})
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class OutreachTravel(Table, tablename="outreach_travel"):
    """The office's travel table: minutes by road between two cities/counties (GB/T 2260 codes, ``from_code``
    before ``to_code`` in the regions' order; ``pair`` is ``"<from>-<to>"``, one row a pair). A tour
    planned with a longest same-day trip lets an expert give talks in two counties on one day when the
    table gives at most that many minutes between them; each tour keeps the table it was planned with."""

    pair = Varchar(length=16, unique=True)
    from_code = Varchar(length=6)
    to_code = Varchar(length=6)
    minutes = Integer()
    updated_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()
