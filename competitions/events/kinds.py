"""Event kinds as data: what differs between an innovation contest, a robotics competition and a
camp is said here, once, instead of ``if kind == ...`` across registration, pages and certificates.

A programme adds its kind with :func:`register_kind` when its plugin is set up; the built-in kinds
are registered below. Every reader asks :func:`kind_of` (unknown codes raise ``KeyError``; events
are only created with a registered kind, so a stored event always finds its kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import register_terms

# CASTIC-style 学科 offered for a new innovation contest
DEFAULT_INNOVATION_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("MA", "数学"),
    ("PH", "物理与天文学"),
    ("CH", "化学"),
    ("LS", "生命科学"),
    ("BM", "生物医学"),
    ("EV", "环境科学与工程"),
    ("EN", "工程学"),
    ("CS", "计算机科学"),
    ("SB", "行为与社会科学"),
)


@dataclass(frozen=True)
class EventKind:
    """One kind of event.

    - ``code``: stored in ``event.kind`` and used by the API (``innovation``, ``robotics``, ``camp``).
    - ``label``: its name (a Chinese message id, translated where shown).
    - ``entry_noun`` / ``title_column``: what an entry is called and the workbook column of its title
      (``作品`` / ``作品名称``; ``队伍`` / ``队伍名称``).
    - ``applications``: schools register applications with preferences (志愿1–志愿3) instead of entries;
      the entry workbook does not apply.
    - ``default_categories``: ``(code, name)`` created with a new event unless asked otherwise.
    - ``judged``: entries are judged by panels with a rubric (the judging area lists the event).
    - ``certificate_kinds``: the certificates the event can issue.
    - ``adviser_noun``: what an adviser is called (``辅导教师``; ``教练`` for robotics).
    - ``terms``: per locale, the words pages use for the kind instead of the general ones
      (``{"zh": {"作品": "队伍", ...}, "en": {"entry": "team", ...}}``); registered with
      :func:`app.i18n.register_terms` under the kind's code, used by ``t_("…", event.kind)``.
    - ``document_kinds``: the kinds of documents an entry of this kind has (offered on the event
      settings and the entry page; ``None``: all of them). A robotics team has no 申报书 or 查新报告.
    - ``apply_path``: for ``applications`` kinds, the page where schools apply (``{id}`` the event's
      id): the generic entry form sends them there, and home pages link to it.
    - ``application_columns``: for kinds with applications, the workbook columns in place of the entry
      columns (empty: the camp's 志愿1–志愿3 and 优先类别).
    """

    code: str
    label: str
    entry_noun: str = "作品"
    title_column: str = "作品名称"
    applications: bool = False
    default_categories: tuple[tuple[str, str], ...] = ()
    judged: bool = True
    certificate_kinds: tuple[str, ...] = ("award", "participation", "adviser")
    adviser_noun: str = "辅导教师"
    terms: dict[str, dict[str, str]] | None = None
    document_kinds: tuple[str, ...] | None = None
    apply_path: str = ""
    application_columns: tuple[str, ...] = ()


_KINDS: dict[str, EventKind] = {}


def register_kind(kind: EventKind) -> EventKind:
    """Add (or replace) a kind; returns it."""
    _KINDS[kind.code] = kind
    register_terms(kind.code, kind.terms or {})
    return kind


def kind_of(code: str) -> EventKind:
    """The registered kind with ``code``; ``KeyError`` if there is none."""
    return _KINDS[code]


def kind_codes() -> tuple[str, ...]:
    """Registered kind codes, in registration order."""
    return tuple(_KINDS)


def kind_labels() -> dict[str, str]:
    return {code: kind.label for code, kind in _KINDS.items()}


INNOVATION = register_kind(EventKind("innovation", "科技创新大赛", default_categories=DEFAULT_INNOVATION_CATEGORIES))
ROBOTICS_TERMS = {
    "zh": {"作品名称": "队伍名称", "作品简介": "队伍简介", "作品": "队伍", "辅导教师": "教练"},
    "en": {
        "entry titles": "team names",
        "entry title": "team name",
        "an entry": "a team",
        "An entry": "A team",
        "Entry title": "Team name",
        "entries": "teams",
        "Entries": "Teams",
        "entry": "team",
        "Entry": "Team",
        "advisers": "coaches",
        "Advisers": "Coaches",
        "adviser": "coach",
        "Adviser": "Coach",
    },
}
ROBOTICS = register_kind(
    EventKind(
        "robotics",
        "机器人竞赛",
        entry_noun="队伍",
        title_column="队伍名称",
        adviser_noun="教练",
        terms=ROBOTICS_TERMS,
        document_kinds=("photo", "other"),
    )
)
# a camp's entry is one student's application (申请); its people are 营员 and 带队教师
CAMP_TERMS = {
    "zh": {
        "作品名称": "学生姓名",
        "个作品": "份申请",
        "作品": "申请",
        "辅导教师": "带队教师",
        "参赛证": "营员证",
    },
    "en": {
        "entry title": "student name",
        "an entry": "an application",
        "An entry": "An application",
        "Entry title": "Student name",
        "entries": "applications",
        "Entries": "Applications",
        "entry": "application",
        "Entry": "Application",
        "advisers": "leading teachers",
        "Advisers": "Leading teachers",
        "adviser": "leading teacher",
        "Adviser": "Leading teacher",
        "badges": "camper badges",
        "badge": "camper badge",
    },
}
CAMP = register_kind(
    EventKind(
        "camp",
        "科学营",
        entry_noun="申请",
        applications=True,
        judged=False,
        certificate_kinds=("camp",),  # no results: completion (attendance) decides its certificates
        adviser_noun="带队教师",
        terms=CAMP_TERMS,
        document_kinds=(),
        default_categories=(("CAMP", "科学营营员"),),  # its city quota: how many each city may recommend
        apply_path="/camps/{id}/applications",
    )
)

# the talent programme (中学生科技创新后备人才培养计划): subjects are its categories, mentors its places
DEFAULT_TALENT_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("MA", "数学"),
    ("PH", "物理"),
    ("CH", "化学"),
    ("BI", "生物"),
    ("CS", "计算机"),
)
TALENT = register_kind(
    EventKind(
        "talent",
        "后备人才培养计划",
        entry_noun="申请",
        applications=True,
        judged=False,
        default_categories=DEFAULT_TALENT_SUBJECTS,
        certificate_kinds=("talent",),
        document_kinds=("research_report", "photo", "other"),
        application_columns=("学科", "导师志愿1", "导师志愿2", "导师志愿3", "申请陈述"),
        apply_path="/talent/{id}/applications",
    )
)


def offered_document_kinds(kind: str, chosen: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The document kinds offered for an event of ``kind`` (in the order of ``DOCUMENT_KINDS``),
    with any already ``chosen`` kept so a stored choice is never hidden."""
    from competitions.events.tables import DOCUMENT_KINDS

    offered = kind_of(kind).document_kinds if kind in _KINDS else None
    keep = set(chosen or [])
    return [k for k in DOCUMENT_KINDS if offered is None or k in offered or k in keep]
