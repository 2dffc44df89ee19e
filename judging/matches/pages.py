"""The organizer's match pages per challenge (issue 14 items 1, 2, 4 and 5), linked from the
challenge list ``/events/{event_id}/robotics/``:

- ``/events/{event_id}/robotics/{code}/matches`` — the qualification schedule: the form that
  generates it (matches per team, teams per alliance, fields, minimum gap, seed, start time,
  cycle), the schedule as a table (number, field, time in Asia/Shanghai, red, blue, surrogates
  marked, result) with its quality figures beside it; changes on the day (a delay, a break or a
  new cycle time from match N, ahead/behind shown; no-shows dropped and late teams added with
  the rest regenerated); the ranking rule; links to the printable schedule, the alliance
  selection and the public screens;
- ``.../matches/print`` — the schedule to print;
- ``.../matches/alliances`` — the alliance selection (rankings, the alliance on turn, each
  invitation accepted or declined, declined teams greyed) and the bracket, made from the
  finished selection or seeded from the rankings.

Every form posts to its own URL and calls the service the JSON API calls
(:mod:`judging.matches.services`); a refusal re-renders the page with the input kept and each
message beside the field it names (422), a state conflict with its reason (409)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect

from app.errors import NotFound, ServiceError
from app.i18n import _, list_separator
from app.times import local_input
from app.web import flash, form_value, render, user_of
from app.web.auth import organizer_only
from judging.matches import brackets as bracket_rules
from judging.matches import services
from judging.matches.screens import SCREEN_TITLES, SCREENS, behind_text, with_names
from judging.robotics import services as robotics

SCHEDULE_FIELDS = (
    "matches_per_team",
    "teams_per_alliance",
    "fields",
    "min_gap",
    "seed",
    "starts_at",
    "cycle_seconds",
)
ADJUST_KINDS = {"delay": "推迟", "break": "插入休息", "cycle": "改变每场用时"}
RANKING_RULES = {"ranking_points": "积分（胜 / 平 / 负）", "average_score": "平均分（VEX IQ 式，联盟共享分数）"}
TIEBREAK_LABELS = {
    "average_score": "平均分",
    "highest_score": "最高分",
    "opponents_strength": "对手强度",
    "draw": "抽签",
}


def _errors(exc: ServiceError, known: tuple[str, ...]) -> tuple[dict[str, list[str]], str]:
    """A refusal's messages by form field, and the message shown above the form (a conflict, or an
    error naming no field of the form)."""
    found: dict[str, list[str]] = {}
    other = []
    for error in exc.errors or []:
        field = str(error.get("field") or "")
        if field in known:
            found.setdefault(field, []).append(error["message"])
        else:
            other.append(error["message"])
    top = " ".join(other) if other or not found else ""
    return found, top or ("" if found else exc.message)


def _number(text: str) -> Any:
    """A form number as the service wants it: whole numbers as int, anything else as typed (the
    service names the field)."""
    return int(text) if text.isdigit() else text


def regenerated_text(
    old: list[dict[str, Any]], new: list[dict[str, Any]], drop: list[int], names: dict[int, str], seed: int
) -> str:
    """What a re-planning changed: from which match on, the qualification matches before and after,
    the no-shows left out and the teams that joined."""
    old_q = [m for m in old if m["stage"] == "qualification"]
    new_q = [m for m in new if m["stage"] == "qualification"]
    kept = max((m["number"] for m in old_q if m["status"] != "scheduled"), default=0)
    before = {t for m in old_q for t in m["red"] + m["blue"]}
    after = {t for m in new_q if m["number"] > kept for t in m["red"] + m["blue"]}
    text = _(
        "第 {n} 场起尚未比赛的场次已重新排程：排位赛现在共 {after} 场（原来 {before} 场），随机种子 {seed}。",
        n=kept + 1,
        after=len(new_q),
        before=len(old_q),
        seed=seed,
    )
    gone = [names.get(t, str(t)) for t in drop]
    joined = [names.get(t, str(t)) for t in sorted(after - before)]
    if gone:
        text += " " + _("缺席、不再安排比赛：{teams}。", teams=list_separator().join(gone))
    if joined:
        text += " " + _("新加入：{teams}。", teams=list_separator().join(joined))
    return text


class MatchPages(Controller):
    path = "/events/{event_id:int}/robotics/{code:str}/matches"
    include_in_schema = False
    guards = [organizer_only]

    async def _context(self, request: Request, event_id: int, code: str) -> dict[str, Any]:
        actor = user_of(request)
        event = await robotics.robotics_event(event_id, actor)
        challenge = await robotics.challenge(event_id, code, actor)
        code = challenge["code"]
        challenge = next(c for c in event["challenges"] if c["code"] == code)
        plan = (await services.plan_state(event_id, code, actor))["plan"]
        teams = await services.challenge_teams(event_id, code, actor)
        names = {t["id"]: t["title"] for t in teams}
        matches = [with_names(m, names) for m in (await services.list_matches(event_id, code, actor))["matches"]]
        qualification = [m for m in matches if m["stage"] == "qualification"]
        scheduled = {t for m in qualification for t in m["red"] + m["blue"]}
        played = [m for m in qualification if m["status"] != "scheduled"]
        timing = await services.timing(event_id, code, actor)
        ranking = (plan or {}).get("ranking") or {}
        absent = await services.no_shows(challenge["id"])
        return {
            "event": event,
            "challenge": challenge,
            "plan": plan,
            "teams": teams,
            "names": names,
            "matches": matches,
            "qualification": qualification,
            "played": len(played),
            "scheduled_teams": [t for t in teams if t["id"] in scheduled],
            "no_show_teams": [t for t in teams if t["id"] in absent],
            "late_teams": [t for t in teams if t["id"] not in scheduled] if plan else [],
            "behind": behind_text(timing["behind_seconds"]),
            "behind_seconds": timing["behind_seconds"],
            "values": {
                "schedule": {
                    "matches_per_team": str((plan or {}).get("matches_per_team", 6)),
                    "teams_per_alliance": str((plan or {}).get("teams_per_alliance", 2)),
                    "fields": str((plan or {}).get("fields", 2)),
                    "min_gap": str((plan or {}).get("min_gap", 2)),
                    "seed": "",
                    "starts_at": local_input((plan or {}).get("starts_at")),
                    "cycle_seconds": str((plan or {}).get("cycle_seconds", 360)),
                },
                "adjust": {
                    "kind": "delay",
                    "from_match": str(next((m["number"] for m in qualification if m["status"] == "scheduled"), 1)),
                    "seconds": "600",
                },
                "regenerate": {
                    "drop": [],
                    "fields": str((plan or {}).get("fields", "")),
                    "min_gap": str((plan or {}).get("min_gap", "")),
                    "seed": "",
                },
                "ranking": {
                    "rule": ranking.get("rule", "ranking_points"),
                    "win": str(ranking.get("win", 2)),
                    "tie": str(ranking.get("tie", 1)),
                    "loss": str(ranking.get("loss", 0)),
                    "drop_lowest": str(ranking.get("drop_lowest", 0)),
                    "tiebreaks": ", ".join(
                        ranking.get("tiebreaks", ["average_score", "highest_score", "opponents_strength", "draw"])
                    ),
                },
            },
            "errors": {},
            "messages": {},
            "adjust_kinds": {k: _(v) for k, v in ADJUST_KINDS.items()},
            "ranking_rules": {k: _(v) for k, v in RANKING_RULES.items()},
            "tiebreak_labels": {k: _(v) for k, v in TIEBREAK_LABELS.items()},
            "adjustments": [
                {**a, "kind_label": _(ADJUST_KINDS.get(a["kind"], a["kind"]))}
                for a in (plan or {}).get("adjustments") or []
            ],
            "screens": [(k, _(SCREEN_TITLES[k])) for k in SCREENS],
        }

    async def _page(
        self,
        request: Request,
        event_id: int,
        code: str,
        *,
        form: str = "",
        values: dict[str, Any] | None = None,
        exc: ServiceError | None = None,
        known: tuple[str, ...] = (),
    ) -> Any:
        context = await self._context(request, event_id, code)
        status = 200
        if form and values is not None:
            context["values"][form] = {**context["values"][form], **values}
        if form and exc is not None:
            context["errors"][form], context["messages"][form] = _errors(exc, known)
            status = exc.status_code
        return render(request, "judging/matches/organizer.html", status_code=status, **context)

    @get("/")
    async def page(self, request: Request, event_id: int, code: str) -> Any:
        return await self._page(request, event_id, code)

    def _back(self, event_id: int, code: str, anchor: str = "") -> Redirect:
        return Redirect(f"/events/{event_id}/robotics/{str(code).strip().upper()}/matches/{anchor}", status_code=303)

    @post("/schedule")
    async def schedule(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        values = {k: form_value(form, k) for k in SCHEDULE_FIELDS}
        body: dict[str, Any] = {k: _number(v) for k, v in values.items() if v != "" and k != "starts_at"}
        if values["starts_at"]:
            body["starts_at"] = values["starts_at"]
        try:
            made = await services.create_schedule(user_of(request), event_id, code, body)
        except ServiceError as exc:
            return await self._page(
                request, event_id, code, form="schedule", values=values, exc=exc, known=SCHEDULE_FIELDS
            )
        flash(request, _("赛程已生成：{n} 场，随机种子 {seed}。", n=len(made["matches"]), seed=made["seed"]))
        return self._back(event_id, code, "#schedule")

    @post("/adjust")
    async def adjust(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        values = {k: form_value(form, k) for k in ("kind", "from_match", "seconds")}
        body = {
            "kind": values["kind"],
            "from_match": _number(values["from_match"]),
            "seconds": _number(values["seconds"]),
        }
        actor = user_of(request)
        before = {m["id"]: m["scheduled_at"] for m in (await services.list_matches(event_id, code, actor))["matches"]}
        try:
            done = await services.adjust(actor, event_id, code, body)
        except ServiceError as exc:
            return await self._page(
                request, event_id, code, form="adjust", values=values, exc=exc, known=("kind", "from_match", "seconds")
            )
        moved = sum(1 for m in done["matches"] if before.get(m["id"]) != m["scheduled_at"])
        what = _(
            "第 {n} 场起{kind} {s} 秒", n=body["from_match"], kind=_(ADJUST_KINDS[values["kind"]]), s=body["seconds"]
        )
        flash(
            request,
            _("赛程已调整（{what}）：{count} 场尚未比赛的场次改了时间。", what=what, count=moved)
            + (" " + behind_text(done["behind_seconds"]) if done["behind_seconds"] is not None else ""),
        )
        return self._back(event_id, code)

    @post("/regenerate")
    async def regenerate(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        drop = [int(x) for x in form.getall("drop", []) if isinstance(x, str) and x.isdigit()]
        values: dict[str, Any] = {k: form_value(form, k) for k in ("fields", "min_gap", "seed")}
        values["drop"] = drop
        body: dict[str, Any] = {"drop": drop, **{k: _number(v) for k, v in values.items() if k != "drop" and v != ""}}
        actor = user_of(request)
        names = {t["id"]: t["title"] for t in await services.challenge_teams(event_id, code, actor)}
        old = (await services.list_matches(event_id, code, actor))["matches"]
        try:
            made = await services.regenerate(actor, event_id, code, body)
        except ServiceError as exc:
            return await self._page(
                request, event_id, code, form="regenerate", values=values, exc=exc, known=("fields", "min_gap", "seed")
            )
        flash(request, regenerated_text(old, made["matches"], drop, names, made["seed"]))
        return self._back(event_id, code)

    @post("/ranking")
    async def ranking(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        keys = ("rule", "win", "tie", "loss", "drop_lowest", "tiebreaks")
        values = {k: form_value(form, k) for k in keys}
        body: dict[str, Any] = {
            "rule": values["rule"],
            "win": values["win"] or "0",
            "tie": values["tie"] or "0",
            "loss": values["loss"] or "0",
            "drop_lowest": _number(values["drop_lowest"] or "0"),
            "tiebreaks": [t.strip() for t in values["tiebreaks"].replace("，", ",").split(",") if t.strip()],
        }
        try:
            await services.set_ranking(user_of(request), event_id, code, body)
        except ServiceError as exc:
            return await self._page(request, event_id, code, form="ranking", values=values, exc=exc, known=keys)
        flash(request, _("排名规则已保存。"))
        return self._back(event_id, code, "#ranking")

    @get("/print")
    async def print_page(self, request: Request, event_id: int, code: str) -> Any:
        context = await self._context(request, event_id, code)
        return render(request, "judging/matches/print.html", **context)

    # --- alliance selection and the bracket ------------------------------------------------------

    async def _alliances(
        self,
        request: Request,
        event_id: int,
        code: str,
        *,
        form: str = "",
        values: dict[str, Any] | None = None,
        exc: ServiceError | None = None,
        known: tuple[str, ...] = (),
    ) -> Any:
        actor = user_of(request)
        event = await robotics.robotics_event(event_id, actor)
        challenge = await robotics.challenge(event_id, code, actor)
        code = challenge["code"]
        teams = await services.challenge_teams(event_id, code, actor)
        names = {t["id"]: t["title"] for t in teams}
        table = await services.rankings(event_id, code, actor)
        try:
            selection: dict[str, Any] | None = await services.selection_state(event_id, code, actor)
        except NotFound:
            selection = None
        try:
            bracket: dict[str, Any] | None = await services.bracket_state(event_id, code, actor)
        except NotFound:
            bracket = None
        taken = {t for a in (selection or {}).get("alliances", []) for t in a}
        roles = {
            t: (n, i == 0) for n, a in enumerate((selection or {}).get("alliances", []), 1) for i, t in enumerate(a)
        }
        absent = set(await services.no_shows(challenge["id"]))
        unfinished = services.unfinished_text(await services.unfinished_qualification(challenge["id"]))
        defaults = {
            "start": {"alliances": "4", "size": "2", "order": "serpentine"},
            "bracket": {
                "source": "selection" if selection and selection["turn"] is None else "rankings",
                "alliances": "4",
                "size": "2",
                "format": "single",
                "best_of": "1",
            },
        }
        errors: dict[str, dict[str, list[str]]] = {}
        messages: dict[str, str] = {}
        status = 200
        if form and values is not None:
            defaults[form] = {**defaults.get(form, {}), **values}
        if form and exc is not None:
            errors[form], messages[form] = _errors(exc, known)
            status = exc.status_code
        return render(
            request,
            "judging/matches/alliances.html",
            status_code=status,
            event=event,
            challenge=challenge,
            names=names,
            rankings=table["teams"],
            rule=table["rule"],
            selection=selection,
            taken=taken,
            roles=roles,
            absent=absent,
            unfinished=unfinished,
            bracket=bracket,
            values=defaults,
            errors=errors,
            messages=messages,
            formats={"single": _("单败淘汰"), "double": _("双败淘汰")},
            orders={"serpentine": _("蛇形（每轮反向）"), "straight": _("顺序（每轮同向）")},
            best_of=bracket_rules.BEST_OF[:2],
        )

    @get("/alliances")
    async def alliances(self, request: Request, event_id: int, code: str) -> Any:
        return await self._alliances(request, event_id, code)

    @post("/alliances/start")
    async def start(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        values = {k: form_value(form, k) for k in ("alliances", "size", "order", "confirm_unplayed")}
        body = {
            "alliances": _number(values["alliances"]),
            "size": _number(values["size"]),
            "order": values["order"],
            "confirm_unplayed": values["confirm_unplayed"] == "1",
        }
        try:
            await services.start_selection(user_of(request), event_id, code, body)
        except ServiceError as exc:
            return await self._alliances(
                request, event_id, code, form="start", values=values, exc=exc, known=("alliances", "size", "order")
            )
        flash(request, _("联盟选择已开始。"))
        return Redirect(f"/events/{event_id}/robotics/{str(code).strip().upper()}/matches/alliances", status_code=303)

    @post("/alliances/invite")
    async def invite(self, request: Request, event_id: int, code: str) -> Any:
        form = await request.form()
        entry = form_value(form, "entry_id")
        accepted = form_value(form, "answer") == "accepted"
        try:
            await services.invite(user_of(request), event_id, code, {"entry_id": _number(entry), "accepted": accepted})
        except ServiceError as exc:
            return await self._alliances(request, event_id, code, form="invite", values={}, exc=exc)
        flash(request, _("已记录：接受邀请。") if accepted else _("已记录：拒绝邀请。"))
        return Redirect(f"/events/{event_id}/robotics/{str(code).strip().upper()}/matches/alliances", status_code=303)

    @post("/bracket")
    async def bracket(self, request: Request, event_id: int, code: str) -> Any:
        actor = user_of(request)
        form = await request.form()
        keys = ("source", "alliances", "size", "format", "best_of")
        values = {k: form_value(form, k) for k in (*keys, "confirm_unplayed")}
        body: dict[str, Any] = {"format": values["format"], "best_of": _number(values["best_of"])}
        try:
            if values["source"] == "rankings":
                body["alliances"] = await services.seeded_alliances(
                    event_id,
                    code,
                    _number(values["alliances"]),
                    _number(values["size"]),
                    "serpentine",
                    actor,
                    confirm_unplayed=values["confirm_unplayed"] == "1",
                )
            await services.create_bracket(actor, event_id, code, body)
        except ServiceError as exc:
            return await self._alliances(request, event_id, code, form="bracket", values=values, exc=exc, known=keys)
        flash(request, _("淘汰赛对阵已生成。"))
        return Redirect(f"/events/{event_id}/robotics/{str(code).strip().upper()}/matches/alliances", status_code=303)


def page_routes() -> list[Any]:
    return [MatchPages]
