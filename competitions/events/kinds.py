"""Event kinds as data: what differs between an innovation contest, a robotics competition and a
camp is said here, once, instead of ``if kind == ...`` across registration, pages and certificates.

A programme adds its kind with :func:`register_kind` when its plugin is set up; the built-in kinds
are registered below. Every reader asks :func:`kind_of` (unknown codes raise ``KeyError``; events
are only created with a registered kind, so a stored event always finds its kind).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    code: str
    label: str
    entry_noun: str = "作品"
    title_column: str = "作品名称"
    applications: bool = False
    default_categories: tuple[tuple[str, str], ...] = ()
    judged: bool = True
    certificate_kinds: tuple[str, ...] = ("award", "participation", "adviser")


_KINDS: dict[str, EventKind] = {}


def register_kind(kind: EventKind) -> EventKind:
    """Add (or replace) a kind; returns it."""
    _KINDS[kind.code] = kind
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
ROBOTICS = register_kind(EventKind("robotics", "机器人竞赛", entry_noun="队伍", title_column="队伍名称"))
CAMP = register_kind(
    EventKind(
        "camp",
        "科学营",
        applications=True,
        judged=False,
        certificate_kinds=("award", "participation", "adviser", "camp"),
    )
)
