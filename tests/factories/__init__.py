"""Test factories, one module per domain, building through the services so the rules apply:

- :mod:`tests.factories.app`: ``user``, ``principal``, ``organizer``, ``school``, ``scope``
- :mod:`tests.factories.competitions`: ``event``, ``category``, ``student``, ``adviser``,
  ``entry``, ``entries``, ``checkin_session``, ``new_id_number``
- :mod:`tests.factories.judging`: ``rubric``, ``judge``, ``assign``, ``assigned``, ``score``,
  ``judged_event`` (and the rubrics ``SINGLE``, ``HALVES``, ``CASTIC``)

Each takes a *scope* first: the ``world`` fixture, a ``JudgedEvent``, or ``scope(run)``.
``judged_event`` also takes the bare ``run`` fixture::

    made = factories.judged_event(run, entries=6, judges=3, scores=[90, 85, (80, 70, 60), ...])
"""

from tests.factories.app import SCHOOLS, Scope, organizer, principal, school, scope, user
from tests.factories.competitions import (
    adviser,
    category,
    checkin_session,
    chinese_number,
    entries,
    entry,
    event,
    new_id_number,
    student,
)
from tests.factories.judging import (
    CASTIC,
    HALVES,
    SINGLE,
    JudgedEvent,
    assign,
    assigned,
    judge,
    judged_event,
    rubric,
    score,
)

__all__ = [
    "CASTIC",
    "HALVES",
    "SCHOOLS",
    "SINGLE",
    "JudgedEvent",
    "Scope",
    "adviser",
    "assign",
    "assigned",
    "category",
    "checkin_session",
    "chinese_number",
    "entries",
    "entry",
    "event",
    "judge",
    "judged_event",
    "new_id_number",
    "organizer",
    "principal",
    "rubric",
    "school",
    "scope",
    "score",
    "student",
    "user",
]
