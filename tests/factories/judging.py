"""Judging factories: rubrics, judges, assignments and scores through the judging
services, and :func:`judged_event`: an event with approved entries, judges and their
score sheets in one line.

``scope`` is the ``world`` fixture, a :class:`JudgedEvent`, or anything with ``run``,
``org`` and ``event_id`` (see :mod:`tests.factories.app`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from app.principal import Principal
from tests.factories import app as app_factories
from tests.factories import competitions as competition_factories

# one criterion out of 100: a judge's score is the points given
SINGLE = [{"code": "s", "name": "总分", "weight": "100", "max_points": "100"}]
# two halves of 50: a sheet can be left half done
HALVES = [
    {"code": "a", "name": "创新性", "weight": "50", "max_points": "50"},
    {"code": "b", "name": "科学性", "weight": "50", "max_points": "50"},
]
# the CASTIC defaults: weights 40/30/30, 10 points each
CASTIC = [
    {"code": "innovation", "name": "创新性", "weight": "40", "max_points": "10"},
    {"code": "scientific", "name": "科学性", "weight": "30", "max_points": "10"},
    {"code": "practical", "name": "实用性", "weight": "30", "max_points": "10"},
]


def rubric(scope, criteria: Sequence[dict[str, Any]] = SINGLE, *, category: str | None = None) -> list[dict[str, Any]]:
    """Store the event's rubric (or a category's override) through ``rubric.set_rubric``."""
    from judging.scoring.rubric import set_rubric

    return scope.run(set_rubric(scope.org, scope.event_id, [dict(c) for c in criteria], category))


def judge(
    scope, username: str, categories: Iterable[str] = ("MA",), *, school: str | None = None, **conflicts: Any
) -> int:
    """A judge account (created if missing) added to the event through ``panels.add_judge``
    with its categories, school and declared conflicts (``conflict_entries``,
    ``conflict_schools``, ``conflict_advisers``, ``city``). Returns the judge's user id."""
    from judging.panels import services as panels

    app_factories.user(scope, username, "judge", display_name=f"评委{username}")
    data = {"username": username, "category_codes": list(categories), **conflicts}
    if school:
        data["school_code"] = school
    return scope.run(panels.add_judge(scope.org, scope.event_id, data))["user_id"]


def assign(scope, judges_per_entry: int, seed: int = 0) -> dict[str, Any]:
    """Generate the current round's assignments through ``assignments.generate``."""
    from judging.panels import assignments

    return scope.run(assignments.generate(scope.org, scope.event_id, judges_per_entry, seed))


def assigned(scope, judge_id: int) -> list[int]:
    """Entry ids assigned to a judge in the event's current round, ascending."""
    from judging.scoring.tables import Assignment

    rows = scope.run(
        Assignment.select(Assignment.entry).where(
            (Assignment.judge == judge_id)
            & (Assignment.round.event == scope.event_id)
            & (Assignment.round.is_current.eq(True))
        )
    )
    return sorted(r["entry"] for r in rows)


def score(
    scope, judge: str | Principal, entry_id: int, points: dict[str, Any] | int | str, **extra: Any
) -> dict[str, Any]:
    """A judge's sheet through ``scoring.put_score``; a number is the points of a
    single-criterion rubric (:data:`SINGLE`)."""
    from judging.scoring import services as scoring

    actor = app_factories.principal(scope, judge) if isinstance(judge, str) else judge
    criteria = points if isinstance(points, dict) else {"s": points}
    return scope.run(scoring.put_score(actor, entry_id, criteria, **extra))


@dataclass
class JudgedEvent:
    """What :func:`judged_event` built: ``entries`` (service dicts, in order), ``judges``
    (username -> user id, in order) and ``sheets`` ((entry id, judge username) -> the
    answer of ``put_score``)."""

    run: Callable[[Any], Any]
    org: Principal
    event_id: int
    entries: list[dict[str, Any]] = field(default_factory=list)
    judges: dict[str, int] = field(default_factory=dict)
    sheets: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def entry_ids(self) -> list[int]:
        return [e["id"] for e in self.entries]

    def principal(self, username: str) -> Principal:
        return app_factories.principal(self, username)


def judged_event(
    scope_or_run,
    *,
    entries: int = 6,
    judges: int = 3,
    judges_per_entry: int | None = None,
    criteria: Sequence[dict[str, Any]] = SINGLE,
    scores: Sequence[Any] | None = None,
    complete: bool = True,
    category: str = "MA",
    division: str = "初中",
    schools: Iterable[str] = ("HK01", "HK02", "SY01"),
    new_event: bool = False,
    judge_prefix: str = "judge",
    **event_settings: Any,
) -> JudgedEvent:
    """An event with ``entries`` approved entries (schools in turn, ``category``/``division``),
    ``judges`` judges of the category without a school (``judge1`` ...), ``criteria`` as its
    rubric, assignments with ``judges_per_entry`` (default: every judge on every entry) and,
    unless ``complete`` is false, every sheet scored.

    ``scores[i]`` gives entry i's points: a number (every judge gives it), a sequence with
    one item per judge in order (a number, a criteria dict, or ``None`` for no sheet), or a
    criteria dict. Without ``scores`` entry i gets ``90 - i`` from every judge (or, for a
    rubric other than :data:`SINGLE`, every criterion at ``max_points - i % max_points``).

    ``scope_or_run`` is the ``world`` fixture (its organizer and event; ``new_event`` makes
    another event) or the bare ``run`` fixture (an organizer and three schools are made).
    ``event_settings`` go to the event (``aggregation``, ``award_quotas``, ...)."""
    from competitions.events import services as events

    if hasattr(scope_or_run, "org"):
        base = scope_or_run
    else:
        base = app_factories.scope(scope_or_run)
    event_id = getattr(base, "event_id", None)
    if event_id is None or new_event:
        event_id = competition_factories.event(base)["id"]
    made = JudgedEvent(run=base.run, org=base.org, event_id=event_id)
    if event_settings:
        made.run(events.update_event(made.org, event_id, event_settings))
    rubric(made, criteria)
    made.entries = competition_factories.entries(made, entries, schools=schools, category=category, division=division)
    for n in range(1, judges + 1):
        username = f"{judge_prefix}{n}"
        made.judges[username] = judge(made, username, [category])
    if judges:
        assign(made, judges_per_entry or judges)
    if not complete and scores is None:
        return made
    for i, entry in enumerate(made.entries):
        wanted = scores[i] if scores is not None else _default_points(criteria, i)
        per_judge = list(wanted) if isinstance(wanted, (list, tuple)) else [wanted] * len(made.judges)
        assert len(per_judge) == len(made.judges), f"entry {i}: {len(per_judge)} scores for {len(made.judges)} judges"
        for (username, judge_id), points in zip(made.judges.items(), per_judge):
            if points is None or entry["id"] not in assigned(made, judge_id):
                continue
            made.sheets[(entry["id"], username)] = score(made, username, entry["id"], points)
    return made


def _default_points(criteria: Sequence[dict[str, Any]], i: int) -> dict[str, Any] | int:
    if [c["code"] for c in criteria] == ["s"]:
        return 90 - i
    return {c["code"]: int(c["max_points"]) - i % int(c["max_points"]) for c in criteria}
