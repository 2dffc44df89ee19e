"""Platform factories: accounts (users, principals) and schools, built through the services.

Every factory takes a *scope* first: anything with ``run`` (the ``run`` fixture) and, for
what an actor does, ``org`` (an organizer :class:`~app.principal.Principal`). The
``world`` fixture is one; :func:`tests.factories.judging.judged_event` returns another;
:func:`scope` makes one from the bare ``run`` fixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.principal import Principal
from tests.conftest import PASSWORD

# (code, name, city) of the schools the ``world`` fixture has; factories reuse them
SCHOOLS = (
    ("HK01", "海口市第一中学", "海口市"),
    ("HK02", "海南华侨中学", "海口市"),
    ("SY01", "三亚市第一中学", "三亚市"),
)


@dataclass
class Scope:
    """``run`` and the organizer acting; ``event_id`` once an event exists."""

    run: Callable[[Any], Any]
    org: Principal
    event_id: int | None = None

    def principal(self, username: str) -> Principal:
        return principal(self, username)


def user(scope, username: str, role: str = "judge", **fields: Any) -> dict[str, Any]:
    """The account ``username`` (password ``PASSWORD``), created through the accounts
    service unless it exists: ``{"id", "username", "role", ...}``."""
    from app.accounts import services as accounts
    from app.tables import User

    run = scope.run if hasattr(scope, "run") else scope
    found = run(User.select(User.id, User.username, User.role).where(User.username == username).first())
    if found is not None:
        return found
    return run(accounts.create_user(None, username=username, password=PASSWORD, role=role, **fields))


def principal(scope, username: str) -> Principal:
    """The :class:`Principal` of an existing account."""
    from app.accounts.services import load_principal
    from app.tables import User

    run = scope.run if hasattr(scope, "run") else scope
    row = run(User.select(User.id).where(User.username == username).first())
    assert row is not None, f"no account {username!r}"
    return run(load_principal(row["id"]))


def organizer(run, username: str = "org") -> Principal:
    """An organizer account (created if missing) as a principal."""
    user(run, username, "organizer", display_name="组委会")
    return principal(run, username)


def school(scope, code: str, name: str | None = None, city: str = "海口市") -> dict[str, Any]:
    """The school ``code``, created by the organizer through the schools service unless it
    exists: ``{"id", "code", "name", "city"}``."""
    from app.schools import services as schools
    from app.tables import School

    found = scope.run(
        School.select(School.id, School.code, School.name, School.city).where(School.code == code).first()
    )
    if found is not None:
        return found
    return scope.run(
        schools.create_school(scope.org, {"code": code, "name": name or f"{city}{code}学校", "city": city})
    )


def scope(run, *, schools: bool = True) -> Scope:
    """A scope from the bare ``run`` fixture: an organizer ``org`` and (unless told not to)
    the three schools of :data:`SCHOOLS`."""
    made = Scope(run=run, org=organizer(run))
    if schools:
        for code, name, city in SCHOOLS:
            school(made, code, name, city)
    return made
