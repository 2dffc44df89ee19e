"""JSON API of robotics: score sheets (versioned), referees, runs (submit, approve, correct,
history) and public standings (CONTRACT.md "Robotics: score sheets, runs, standings")."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.serialization import encode_json

from app import pubcache
from app.i18n import get_locale
from app.web import user_of
from app.web.auth import logged_in, organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer
from judging.robotics import cache as standings_cache
from judging.robotics import ranking
from judging.robotics import services as robotics
from judging.robotics.schemas import (
    ApprovedOut,
    CombinationIn,
    CombinationOut,
    RefereeIn,
    RefereeLineOut,
    RefereeOut,
    RunChangeIn,
    RunCreatedOut,
    RunIn,
    RunOut,
    RunVersionOut,
    StandingsOut,
)
from judging.robotics.sheet_pages import example

referees_and_organizers = requires("referee", "organizer")

SHEET_FORMAT = """Body: a score sheet (a JSON object; ``"recompute": true`` may be added).

```
{"items": [{"code", "name", "type": "count"|"yesno"|"choice"|"time",
            "min"?, "max"?, "points"?,
            "options"?: [{"value", "name"?, "points"}],      (choice)
            "requires"?: {"item", "at_least"},
            "variants"?: [variant codes]}],                   (item applies to those drawn tasks only)
 "restrictions"?: [{"items": [codes], "max", "message"}],
 "bonuses"?: [{"name", "points", "when": {"item", "at_most"}}],
 "variants"?: [{"code", "name"}],                             (现场抽签: one is drawn per round)
 "rounds": n,
 "counted": {"rule": "best"|"best_sum"|"mean_drop_lowest", "k"?, "drop"?},
 "tiebreaks": ["time_of_counted"|"next_best"|"round:N"|"fewer_penalties"|"earliest", ...],
 "time_limit_seconds"?}
```

A ``count`` item adds ``value * points`` (negative points are penalties); ``yesno`` adds ``points``
when true; ``choice`` adds the chosen option's points; an item whose ``requires`` is not met adds
nothing; ``time`` adds nothing and is the run's time. ``best_sum`` sums the best ``k`` runs;
``mean_drop_lowest`` drops the ``drop`` lowest.

Complete examples: ``GET /api/v1/robotics/example-sheets/skills`` (综合技能: counts, yes/no, a
penalty, a requirement, a restriction, a bonus for no retries) and
``GET /api/v1/robotics/example-sheets/wro`` (WRO style: choices and a surprise rule drawn per round);
the organizer's editor at ``/events/{event_id}/robotics/{code}/sheet`` starts from them too.
Answers 200 ``{"version", ...sheet}``; 422 ``errors`` naming the item (``items[2].max``); 409 once
runs are recorded unless ``"recompute": true``."""


class RoboticsEventApi(Controller):
    path = "/api/v1/events/{event_id:int}"
    tags = ["robotics"]

    @put(
        "/categories/{code:str}/score-sheet",
        guards=[organizer_only],
        responses=responses(401, 403, 404, 409, 422),
        description=SHEET_FORMAT,
    )
    async def put_sheet(self, request: Request, event_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
        """Store a new version of the challenge's score sheet: 422 naming the item; 409 once runs
        are recorded unless ``"recompute": true`` (every run is rescored under the new version, audited)."""
        return await robotics.put_sheet(user_of(request), event_id, code, data)

    @get("/categories/{code:str}/score-sheet", guards=[logged_in], responses=responses(401, 403, 404))
    async def get_sheet(self, request: Request, event_id: int, code: str) -> dict[str, Any]:
        """The challenge's current score sheet with its ``version``."""
        return await robotics.get_sheet(event_id, code, user_of(request))

    @put("/categories/{code:str}/combination", guards=[organizer_only], responses=responses(401, 403, 404, 422))
    async def put_combination(self, request: Request, event_id: int, code: str, data: CombinationIn) -> CombinationOut:
        """Rank the challenge on runs and judging together (FLL's Champion's Award model): weights in
        percent adding to 100, e.g. ``{"runs": 40, "judged": 60}``; both null to clear. The run
        part is scaled so the best counted score of the division is 100 (judging/robotics/ranking.py)."""
        stored = await ranking.put_combination(user_of(request), event_id, code, msgspec.structs.asdict(data))
        return answer(CombinationOut, stored)

    @get("/categories/{code:str}/combination", guards=[logged_in], responses=responses(401, 403, 404))
    async def get_combination(self, request: Request, event_id: int, code: str) -> CombinationOut:
        return answer(CombinationOut, await ranking.read_combination(event_id, code, user_of(request)))

    @get("/referees", guards=[organizer_only], responses=responses(401, 403, 404))
    async def list_referees(self, request: Request, event_id: int) -> list[RefereeLineOut]:
        """The event's referees, one line per account: its challenges and whether it is head
        referee (``head_category_codes``: the challenges it is head referee of)."""
        return answer(list[RefereeLineOut], await robotics.list_referees(user_of(request), event_id))

    @post("/referees", guards=[organizer_only], status_code=201, responses=responses(401, 403, 404, 422))
    async def add_referee(self, request: Request, event_id: int, data: RefereeIn) -> RefereeOut:
        return answer(RefereeOut, await robotics.add_referee(user_of(request), event_id, msgspec.structs.asdict(data)))

    @get("/categories/{code:str}/standings", responses=responses(404))
    async def standings(self, request: Request, event_id: int, code: str) -> StandingsOut:
        """Public: teams in rank order; only approved runs count and show. Encoded once per change
        and language, with an ``ETag`` (``If-None-Match`` -> 304)."""
        code = str(code or "").strip().upper()
        # the standings cache reads its fingerprint (one query) and answers the same object while
        # nothing changed, even a change made behind the services' back: encoded once per such object
        standings = await standings_cache.category_standings(event_id, code)

        async def make() -> pubcache.Answer:
            body = encode_json(answer(StandingsOut, standings))
            return pubcache.Answer(body, media_type="application/json", data=standings)  # data: keeps it alive

        kept = await pubcache.cached(event_id, ("standings-json", code, get_locale(), id(standings)), make)
        return pubcache.respond(request, kept)  # type: ignore[return-value]  # Litestar sends a Response as it is


class SheetExampleApi(Controller):
    path = "/api/v1/robotics/example-sheets"
    tags = ["robotics"]

    @get("/{name:str}", guards=[logged_in], responses=responses(401, 403, 404))
    async def example_sheet(self, name: str) -> dict[str, Any]:
        """A ready-made score sheet (``skills``: 综合技能; ``wro``: WRO style with a drawn surprise
        rule), a starting point for ``PUT .../score-sheet``."""
        return example(name)


class RunApi(Controller):
    path = "/api/v1/runs"
    tags = ["robotics"]

    @post("", guards=[requires("referee")], status_code=201, responses=responses(401, 403, 404, 409, 422))
    async def submit(self, request: Request, data: RunIn) -> RunCreatedOut:
        """Record a run (a referee of the challenge). 409 when the team already has a run in that
        round (the detail names who recorded it); a repeated ``client_run_id`` answers as before."""
        stored, _created = await robotics.submit_run(
            user_of(request), robotics.RunInput(**msgspec.structs.asdict(data))
        )
        return answer(RunCreatedOut, stored)

    @post(
        "/{run_id:int}/approve",
        guards=[referees_and_organizers],
        status_code=200,
        responses=responses(401, 403, 404, 409),
    )
    async def approve(self, request: Request, run_id: int) -> ApprovedOut:
        """Approve a run (the head referee of its challenge, or an organizer)."""
        return answer(ApprovedOut, await robotics.approve_run(user_of(request), run_id))

    @patch("/{run_id:int}", guards=[referees_and_organizers], responses=responses(401, 403, 404, 409, 422))
    async def change(self, request: Request, run_id: int, data: RunChangeIn) -> RunOut:
        """Correct a run; ``reason`` required once approved; every version is kept."""
        return answer(RunOut, await robotics.change_run(user_of(request), run_id, msgspec.structs.asdict(data)))

    @get("/{run_id:int}/history", guards=[referees_and_organizers], responses=responses(401, 403, 404))
    async def history(self, request: Request, run_id: int) -> list[RunVersionOut]:
        return answer(list[RunVersionOut], await robotics.run_history(user_of(request), run_id))


def api_routes() -> list[Any]:
    return [RoboticsEventApi, SheetExampleApi, RunApi]
