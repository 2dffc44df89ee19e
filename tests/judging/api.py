"""Helpers for the judging JSON API tests (scoring, panels, results, certificates): requests
as the organizer, rubric constants, judges added through the API, scores put as judges."""

from __future__ import annotations

from tests import factories
from tests.conftest import PASSWORD

# --------------------------------------------------------------------------- helpers


def org(world) -> dict:
    return world.headers("org")


def ev(world, path: str = "") -> str:
    return f"/api/v1/events/{world.event_id}{path}"


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def patch_event(world, body: dict) -> dict:
    return ok(world.client.patch(ev(world), json=body, headers=org(world)))


def put_rubric(world, criteria: list[dict], expect: int = 200, **extra):
    response = world.client.put(ev(world, "/rubric"), json={"criteria": criteria, **extra}, headers=org(world))
    assert response.status_code == expect, response.text
    return response.json()


# SINGLE: one criterion out of 100 (a judge's score is the points given); HALVES: a + b (each
# 0..50), so a sheet can be left half done; CASTIC: 40/30/30, 10 points each
SINGLE, HALVES, CASTIC = factories.SINGLE, factories.HALVES, factories.CASTIC


def halves(total: int) -> dict:
    return {"a": total // 2, "b": total - total // 2}


def add_school(world, code: str, name: str, city: str) -> None:
    from app.schools import services as schools

    world.run(schools.create_school(world.org, {"code": code, "name": name, "city": city}))


def add_judge(world, username: str, categories, expect: int = 201, create: bool = True, **extra) -> int | dict:
    """Create a judge account (unless ``create`` is false) and add it to the event; returns its user id."""
    from app.accounts import services as accounts

    if create:
        world.run(
            accounts.create_user(
                None, username=username, password=PASSWORD, role="judge", display_name=f"评委{username}"
            )
        )
    response = world.client.post(
        ev(world, "/judges"),
        json={"username": username, "category_codes": list(categories), **extra},
        headers=org(world),
    )
    assert response.status_code == expect, response.text
    return response.json()["user_id"] if expect == 201 else response.json()


def new_entry(
    world, school: str, title: str | None = None, category: str = "MA", division: str = "初中", advisers=(), students=()
) -> int:
    """An approved entry created by the organizer (:func:`tests.factories.entry`); ``students``
    are (name, id_number, consent to publication) tuples."""
    grade = factories.competitions.GRADE[division]
    entry = factories.entry(
        world,
        school,
        title=title,
        category=category,
        division=division,
        advisers=advisers,
        students=[
            factories.student(name, id_number=number, grade=grade, publication=consent)
            for name, number, consent in students
        ],
    )
    assert entry["status"] == "approved"
    return entry["id"]


def generate(world, k: int, seed: int = 0, expect: int = 200) -> dict:
    response = world.client.post(
        ev(world, "/assignments/generate"), json={"judges_per_entry": k, "seed": seed}, headers=org(world)
    )
    assert response.status_code == expect, response.text
    return response.json()


def pairs(world) -> list[tuple[int, int]]:
    """(entry, judge) of every assignment of the event's current round."""
    from judging.scoring.tables import Assignment

    rows = world.run(
        Assignment.select(Assignment.entry, Assignment.judge).where(
            (Assignment.round.event == world.event_id) & (Assignment.round.is_current.eq(True))
        )
    )
    return [(r["entry"], r["judge"]) for r in rows]


def assignment_id(world, entry_id: int, judge_id: int) -> int:
    from judging.scoring.tables import Assignment

    row = world.run(
        Assignment.select(Assignment.id)
        .where((Assignment.entry == entry_id) & (Assignment.judge == judge_id) & (Assignment.round.is_current.eq(True)))
        .first()
    )
    return row["id"]


def score(world, judge: str, entry_id: int, criteria: dict, expect: int = 200, **extra):
    response = world.client.put(
        f"/api/v1/entries/{entry_id}/scores", json={"criteria": criteria, **extra}, headers=world.headers(judge)
    )
    assert response.status_code == expect, response.text
    return response.json()


def results(world, method: str | None = None, headers=None) -> list[dict]:
    url = ev(world, "/results") + (f"?method={method}" if method else "")
    return ok(world.client.get(url, headers=org(world) if headers is None else headers))["entries"]


def by_entry(rows: list[dict]) -> dict[int, dict]:
    return {r["entry_id"]: r for r in rows}


def sra(rows: list[dict], ids: list[int]) -> list[tuple]:
    """(score, rank, award) of ``ids`` in order."""
    found = by_entry(rows)
    return [(found[i]["score"], found[i]["rank"], found[i]["award"]) for i in ids]
