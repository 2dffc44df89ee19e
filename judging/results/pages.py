"""Results pages: the judging area's overview and progress, consistency report, an entry's score sheets, results by method, awards, recommendations, publication (公示), objections, finalization, and the public results page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, get, post

from app import pubcache
from app.errors import NotFound, ServiceError, ValidationFailed
from app.i18n import _, get_locale, gettext_terms, list_separator
from app.times import local_now, show_time
from app.web import attempt, flash, form_int, form_value, render, render_bytes, user_of, xlsx_response
from app.web.auth import organizer_only
from competitions.events import services as events
from competitions.events.kinds import kind_of
from competitions.registration import services as registration
from judging.matches import services as matches
from judging.panels import assignments
from judging.panels import services as panels
from judging.results import public, publication
from judging.results import services as results
from judging.robotics import services as robotics
from judging.rounds import services as rounds
from judging.rounds import settings as judging_settings
from judging.rounds.states import RoundState
from judging.scoring import rubric
from judging.scoring import services as scoring
from judging.scoring.views import (
    FLAG_LABELS,
    METHOD_LABELS,
    OBJECTION_STATUS_LABELS,
    back_to,
    entry_ids_by_code,
    event_context,
    json_response,
    judging_page,
    number_text,
    share_text,
    two,
)


def percent_share(value: str | None, tier: str | None = None) -> str | None:
    """A share typed as a percentage on the page (``15``, ``15%``, ``12.5 %``) as the decimal the
    API takes (``"0.15"``, ``"0.125"``), exactly; ``None`` for a blank field. 422 naming the field
    for anything that is not a number from 0 to 100 (the page speaks percent: the message too)."""
    text = (value or "").strip().rstrip("%％").strip()
    if not text:
        return None
    field = f"award_{tier}" if tier else "award_first"
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        message = _("获奖比例请填写百分数，例如 15 表示 15%。")
        raise ValidationFailed(message, errors=[{"field": field, "message": message}])
    if number < 0 or number > 100:
        label = _(results.AWARD_LABELS[tier]) if tier else ""
        raise ValidationFailed(
            _("{tier}比例必须在 0% 到 100% 之间，现在是 {value}%。", tier=label, value=percent_number(number)),
            errors=[{"field": field, "message": _("必须在 0% 到 100% 之间。")}],
        )
    return format((number / 100).normalize(), "f")


def percent_number(number: Decimal) -> str:
    """A percentage as typed, without trailing zeros (``Decimal("145.0")`` -> ``"145"``)."""
    return format(number.normalize(), "f") if number else "0"


TIERS = ("first", "second", "third")


def percent_shares(
    typed: dict[str, str | None], event_row: dict[str, Any]
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The award shares typed on the page in percent: ``({tier: decimal share}, small)`` for the
    tiers filled in. 422 in percent for a value outside 0..100 % or a sum of the three tiers (a
    blank field keeps the event's) above 100 %. ``small`` lists the tiers typed as more than 0 and
    less than 1 % (``0.15`` is 0.15 %, most likely meant as 15 %): ``[{"tier", "field", "typed",
    "meant", "message"}]`` for the page to ask before taking it."""
    shares = {tier: share for tier in TIERS if (share := percent_share(typed.get(tier), tier)) is not None}
    merged = {tier: Decimal(shares.get(tier) or str(event_row[f"award_{tier}"])) for tier in TIERS}
    total = sum(merged.values(), Decimal(0)) * 100
    if total > 100:
        raise ValidationFailed(
            _("一、二、三等奖比例之和不能超过 100%，现在是 {total}%。", total=percent_number(total)),
            errors=[{"field": "award_third", "message": _("三项之和不能超过 100%。")}],
        )
    small = []
    for tier, share in shares.items():
        percent = Decimal(share) * 100
        if 0 < percent < 1:
            typed_text = percent_number(percent)
            meant = percent_number(Decimal(share) * 10000)
            small.append(
                {
                    "tier": tier,
                    "field": f"award_{tier}",
                    "typed": typed_text,
                    "meant": meant,
                    "message": _(
                        "{tier}比例填的是 {typed}%（不到百分之一）。是不是想填 {meant}%？",
                        tier=_(results.AWARD_LABELS[tier]),
                        typed=typed_text,
                        meant=meant,
                    ),
                }
            )
    return shares, small


def percent_text(share: Any) -> str:
    """A decimal share as the percentage typed on the page (``"0.15"`` -> ``"15"``, ``"0.125"`` -> ``"12.5"``)."""
    try:
        return format((Decimal(str(share)) * 100).normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(share)


class ResultsPages(Controller):
    path = "/events/{event_id:int}/judging"
    include_in_schema = False
    guards = [organizer_only]

    @get("/results")
    async def results_page(
        self,
        request: Request,
        event_id: int,
        method: str | None = None,
        category: str | None = None,
        division: str | None = None,
        preview: int | None = None,
        award_first: str | None = None,
        award_second: str | None = None,
        award_third: str | None = None,
        award_min_score: str | None = None,
    ) -> Any:
        typed = {"first": award_first, "second": award_second, "third": award_third}
        return await self._results(
            request,
            event_id,
            method=method,
            category=category,
            division=division,
            typed={**typed, "min_score": award_min_score} if preview else None,
            preview=bool(preview),
        )

    async def _results(
        self,
        request: Request,
        event_id: int,
        *,
        method: str | None = None,
        category: str | None = None,
        division: str | None = None,
        typed: dict[str, str | None] | None = None,
        preview: bool = False,
        settings_error: ServiceError | None = None,
        small: list[dict[str, str]] | None = None,
        status_code: int = 200,
    ) -> Any:
        """The results page; ``typed`` (the award fields as typed, in percent) is kept in the
        form: previewed with ``preview``, or shown again with ``settings_error`` (a refused save)
        or ``small`` (shares under 1 % waiting for confirmation) next to the fields."""
        method = method if method in METHOD_LABELS else None
        event_row = await events.get_event_row(event_id)
        proposed = None
        preview_error = None
        proposed_form = None
        if typed is not None:
            proposed_form = {k: typed.get(k) or "" for k in ("first", "second", "third", "min_score")}
        if preview and typed is not None:
            try:
                shares, small = percent_shares(typed, event_row)
                proposed = await results.award_preview(
                    event_id, shares, typed.get("min_score") or "", use_event_min=False
                )
            except ServiceError as exc:
                preview_error = exc.message
        data = await results.compute_results(event_id, method, event=event_row)
        rows = data["entries"]
        if category:
            rows = [r for r in rows if r["category_code"] == category.upper()]
        if division:
            rows = [r for r in rows if r["division"] == division]
        groups: list[dict[str, Any]] = []
        for r in rows:
            if not groups or (groups[-1]["category_code"], groups[-1]["division"]) != (
                r["category_code"],
                r["division"],
            ):
                groups.append(
                    {
                        "category_code": r["category_code"],
                        "category_name": r["category_name"],
                        "division": r["division"],
                        "rows": [],
                        "ranked": 0,
                        "incomplete": 0,
                    }
                )
            groups[-1]["rows"].append(r)
            groups[-1]["ranked" if r["status"] == "complete" else "incomplete"] += 1
        compare = None
        if method and method != event_row["aggregation"]:
            current = {r["entry_id"]: r for r in (await results.compute_results(event_id))["entries"]}
            compare = {eid: {"rank": r["rank"], "score": r["score"], "award": r["award"]} for eid, r in current.items()}
        field_errors: dict[str, str] = {}
        if settings_error is not None:
            for e in settings_error.errors:
                if e.get("field"):
                    field_errors.setdefault(e["field"], e["message"])
        # a robotics event ranks its challenges on runs (score sheets): judges' aggregation methods
        # and consistency apply to its judged categories (those without a sheet) only
        judged_codes: list[str] | None = None
        if event_row["kind"] == "robotics":
            challenges = (await robotics.robotics_event(event_id, user_of(request)))["challenges"]
            judged_codes = [c["code"] for c in challenges if not c["has_sheet"]]
        return await judging_page(
            request,
            event_id,
            "results/results.html",
            "results",
            status_code=status_code,
            judged_codes=judged_codes,
            data=data,
            groups=groups,
            method=data["method"],
            event_method=event_row["aggregation"],
            methods=METHOD_LABELS,
            award_labels=results.AWARD_LABELS,
            compare=compare,
            categories=await events.list_categories(event_id),
            filters={"category": (category or "").upper(), "division": division or ""},
            event_row=event_row,
            share_text=share_text,
            percent_text=percent_text,
            recommended=sum(1 for r in data["entries"] if r["recommended"]),
            outcome=(await results.award_preview(event_id))["groups"],
            proposed=proposed,
            proposed_form=proposed_form,
            preview_error=preview_error,
            settings_error=settings_error.message if settings_error is not None else None,
            field_errors=field_errors,
            small={s["field"]: s for s in small or []},
            small_fix=list_separator().join(f"{_(results.AWARD_LABELS[s['tier']])} {s['meant']}%" for s in small or []),
        )

    @post("/settings")
    async def settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        data: dict[str, Any] = {
            k: form_value(form, k) for k in ("aggregation", "trim_min_scores", "score_decimals") if form_value(form, k)
        }
        typed: dict[str, str | None] = {k: form_value(form, f"award_{k}") for k in TIERS}
        typed["min_score"] = form_value(form, "award_min_score")
        event_row = await events.get_event_row(event_id)
        try:
            quotas, small = percent_shares(typed, event_row)
        except ServiceError as exc:
            return await self._results(request, event_id, typed=typed, settings_error=exc, status_code=exc.status_code)
        if small and form_value(form, "use_meant") == "yes":
            # "did you mean 15 %?" answered yes: the shares under 1 % are taken as typed x 100
            for s in small:
                typed[s["tier"]] = s["meant"]
            try:
                quotas, small = percent_shares(typed, event_row)
            except ServiceError as exc:
                return await self._results(
                    request, event_id, typed=typed, settings_error=exc, status_code=exc.status_code
                )
        if small and form_value(form, "confirm_small") != "yes":
            # 0.15 typed on a page in percent is 0.15 %: ask before taking it
            return await self._results(request, event_id, typed=typed, small=small, status_code=422)
        if quotas:
            data["award_quotas"] = quotas
        if "award_min_score" in form:
            data["award_min_score"] = form_value(form, "award_min_score") or None
        try:
            await events.update_event(user_of(request), event_id, data)
        except ServiceError as exc:
            return await self._results(request, event_id, typed=typed, settings_error=exc, status_code=exc.status_code)
        flash(request, _("评审设置已保存，结果已按新设置重新计算。"))
        return back_to(event_id, "/results")

    @post("/awards")
    async def adjust_award(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        entry_id = form_int(form, "entry_id")
        award = form_value(form, "award") or None
        try:
            if entry_id is None:
                raise NotFound(_("作品不存在。"))
            await results.adjust_award(user_of(request), event_id, entry_id, award, form_value(form, "reason"))
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("奖项已调整，理由已记入审计记录。"))
        return back_to(event_id, "/results" + (f"#entry-{entry_id}" if entry_id else ""))

    @post("/recommendations")
    async def recommend(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        ids = [int(v) for v in form.getall("entry_ids", []) if isinstance(v, str) and v.isdigit()]
        try:
            result = await publication.set_recommendations(user_of(request), event_id, ids)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已保存推荐名单：{n} 个作品推荐参加全国大赛。", n=len(result["recommended"])))
        return back_to(event_id, "/results")

    @get("/results.xlsx")
    async def workbook(self, event_id: int) -> Response:
        event = await events.get_event(event_id)
        content = await publication.results_workbook(event_id)
        stamp = local_now().strftime("%Y%m%d-%H%M")
        return xlsx_response(content, f"results-{event_id}-{stamp}.xlsx", f"{event['name']}-评审结果-{stamp}.xlsx")

    @get("/publication")
    async def publication_page(self, request: Request, event_id: int) -> Any:
        objections = await publication.list_objections(event_id)
        prog = await scoring.progress(event_id)
        data = await results.compute_results(event_id)
        ctx = await event_context(event_id)
        round_row = ctx["round"]
        decided = await publication.unranked_decisions(round_row["id"])
        incomplete = [
            {**r, "decided": decided.get(r["entry_id"])} for r in data["entries"] if r["status"] != "complete"
        ]
        notice = await publication.notice(event_id, round_row)
        settings = await judging_settings.get_settings(event_id)
        return await judging_page(
            request,
            event_id,
            "results/publication.html",
            "publication",
            objections=[
                {**o, "created_text": show_time(o["created_at"]), "resolved_text": show_time(o["resolved_at"])}
                for o in objections
            ],
            objection_labels=OBJECTION_STATUS_LABELS,
            progress=prog,
            incomplete=len(incomplete),
            incomplete_rows=incomplete,
            undecided=sum(1 for r in incomplete if not r["decided"]),
            published_text=show_time(round_row.get("published_at")),
            finalized_text=show_time(round_row.get("finalized_at")),
            notice=notice,
            notice_ends_text=show_time(notice["notice_ends_at"]),
            notice_default=(local_now() + dt.timedelta(days=7)).date().isoformat(),
            settings=settings,
            entries=[{"entry_id": r["entry_id"], "code": r["code"], "title": r["title"]} for r in data["entries"]],
            without_students=await results.entries_without_students(data["entries"]),
            award_labels=results.AWARD_LABELS,
        )

    async def _state_action(self, request: Request, event_id: int, action: str) -> Any:
        form = await request.form()
        if form_value(form, "confirm") != "yes":
            flash(request, _("请先勾选确认框。"), "error")
            return back_to(event_id, "/publication")
        actor = user_of(request)
        try:
            if action == "publish":
                published = await publication.publish(
                    actor, event_id, form_value(form, "notice_ends_at") or None, form_value(form, "objection_contact")
                )
                flash(request, _("结果已公示。公开页面已开放，评委评分已锁定。"))
                if published["incomplete"]:
                    flash(
                        request,
                        _(
                            "有 {n} 个作品评分未完成，公示页面不给它们排名。请补齐评分，或在定稿时写明理由把它们定为不排名（未获奖）。",
                            n=len(published["incomplete"]),
                        ),
                        "warning",
                    )
            elif action == "finalize":
                done = await publication.finalize(
                    actor,
                    event_id,
                    override_notice_reason=form_value(form, "override_notice_reason") or None,
                    incomplete_as_unranked=form_value(form, "incomplete_as_unranked") == "yes",
                    reason=form_value(form, "reason") or None,
                )
                flash(request, _("结果已定稿，所有评分和奖项都已锁定。"))
                if done["without_students"]:
                    kind = (await events.get_event_row(event_id))["kind"]
                    flash(
                        request,
                        gettext_terms(
                            "{n} 个作品没有学生，不会为它们颁发证书：{entries}。",
                            kind,
                            n=len(done["without_students"]),
                            entries=list_separator().join(
                                f"{e['code']} {e['title']}" for e in done["without_students"][:20]
                            )
                            + (" …" if len(done["without_students"]) > 20 else ""),
                        ),
                        "warning",
                    )
            else:
                await publication.unlock(actor, event_id, form_value(form, "reason"))
                flash(request, _("已解锁定稿结果（回到公示状态），解锁理由已记入审计记录。"), "warning")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        return back_to(event_id, "/publication")

    @post("/publish")
    async def publish(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "publish")

    @post("/finalize")
    async def finalize(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "finalize")

    @post("/unlock")
    async def unlock(self, request: Request, event_id: int) -> Any:
        return await self._state_action(request, event_id, "unlock")

    @post("/publication/settings")
    async def publication_settings(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        await attempt(
            request,
            judging_settings.update_settings(
                user_of(request),
                event_id,
                {
                    "public_results": form_value(form, "public_results") or "winners",
                    "objection_contact": form_value(form, "objection_contact"),
                },
            ),
            _("公示设置已保存。"),
        )
        return back_to(event_id, "/publication#notice-settings")

    @post("/objections")
    async def record_objection(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        code = form_value(form, "entry_code").upper()
        entry_id = None
        try:
            if code:
                entry_id = (await entry_ids_by_code(user_of(request), event_id)).get(code)
                if entry_id is None:
                    raise NotFound(_("找不到这些作品编号：{codes}。", codes=code))
            await publication.record_objection(
                user_of(request), event_id, entry_id, form_value(form, "raised_by"), form_value(form, "content")
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("异议已登记。"))
        return back_to(event_id, "/publication#objections")

    @post("/objections/{objection_id:int}/resolve")
    async def resolve_objection(self, request: Request, event_id: int, objection_id: int) -> Any:
        form = await request.form()
        try:
            await publication.resolve_objection(
                user_of(request), objection_id, form_value(form, "handling"), form_value(form, "status") or "resolved"
            )
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("处理情况已保存。"))
        return back_to(event_id, "/publication#objections")

    @post("/advance")
    async def advance(self, request: Request, event_id: int) -> Any:
        form = await request.form()
        top_n = form_int(form, "top_n")
        share_text_ = form_value(form, "top_share")
        try:
            share = None
            if share_text_:
                share = Decimal(share_text_.rstrip("%")) / (100 if share_text_.endswith("%") else 1)
            result = await publication.advance_to_final(user_of(request), event_id, top_n, share)
        except (InvalidOperation, ValueError):
            flash(request, _("晋级比例必须在 0 到 1 之间。"), "error")
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已进入终评：{n} 个作品晋级。请为终评分配评委。", n=result["advanced"]))
            return back_to(event_id, "/assignments")
        return back_to(event_id, "/publication")


class PublicResultsPages(Controller):
    path = "/results"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request) -> Any:
        """The public home: every event whose results are published (公示) or final, newest
        first, and certificate verification."""
        listed = []
        for event in await events.list_events():
            if event["status"] == "draft" or not kind_of(event["kind"]).judged:
                continue
            round_row = await rounds.current_round(event["id"])
            state = RoundState.of(round_row)
            if state.is_public:
                listed.append(
                    {
                        **event,
                        "state": state.value,
                        "state_label": _(state.label),
                        "published_text": show_time(round_row.get("published_at")),
                    }
                )
        live = await robotics.public_robotics_events()  # robotics: live standings per challenge
        return render(request, "judging/results/public_index.html", events=listed, robotics_events=live)

    @get("/{event_id:int}")
    async def public(
        self,
        request: Request,
        event_id: int,
        q: str | None = None,
        category: str | None = None,
        division: str | None = None,
        award: str | None = None,
        school: str | None = None,
    ) -> Any:
        """The public results of an event (公示 or final), with a search by name or school and
        filters by category, division, award and school; groups fold on a phone.

        Served from what was already computed (:mod:`judging.results.public`): the rows are kept
        per version of the event and filtered in memory; for anonymous visitors the page (and each
        search asked for, up to 2,000 per event) is kept rendered per language, with
        ``ETag``/``Last-Modified`` (304 when unchanged). Logged-in users' pages are rendered each time.
        ``app/static/results-filter.js`` filters the rows already on the page while one types."""
        filters = {
            "q": (q or "").strip()[:50],
            "category": (category or "").strip()[:50],
            "division": (division or "").strip()[:10],
            "award": award if award in results.AWARD_LABELS else "",
            "school": (school or "").strip()[:100],
        }
        if pubcache.is_public_visit(request):  # the page, and each search asked for, made once per change

            async def make() -> pubcache.Answer:
                page = await public_results_context(event_id, filters)
                return pubcache.Answer(render_bytes(request, "judging/results/public_results.html", **page))

            if any(filters.values()):
                key: tuple[Any, ...] = ("results-search", get_locale(), *filters.values())
                return pubcache.respond(request, await pubcache.cached(event_id, key, make, limit=2000))
            return pubcache.respond(request, await pubcache.cached(event_id, ("results-page", get_locale()), make))
        page = await public_results_context(event_id, filters)
        return render(request, "judging/results/public_results.html", **page)


async def public_results_context(event_id: int, filters: dict[str, str]) -> dict[str, Any]:
    """What the public results page shows, from the kept public view, its rows filtered in memory."""
    view = await public.public_view(event_id)
    event, round_row, notice = view["event"], view["round"], view["notice"]
    all_rows = view["rows"]
    shown_rows = results.filter_public_rows(all_rows, **filters)
    choices = view["choices"]
    groups: list[dict[str, Any]] = []
    for r in shown_rows:
        if not groups or (groups[-1]["category_code"], groups[-1]["division"]) != (r["category_code"], r["division"]):
            groups.append(
                {
                    "category_code": r["category_code"],
                    "category_name": r["category_name"],
                    "division": r["division"],
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(r)
    return {
        "event": event,
        "robotics_links": await _robotics_links(event),
        "groups": groups,
        "award_labels": results.AWARD_LABELS,
        "state": round_row["state"],
        "state_label": _(RoundState.of(round_row).label),
        "published_text": show_time(round_row.get("published_at")),
        "finalized_text": show_time(round_row.get("finalized_at")),
        "objections_open": RoundState.of(round_row) is RoundState.PUBLISHED,
        "notice": notice,
        "notice_start_text": show_time(notice["notice_starts_at"]),
        "notice_end_text": show_time(notice["notice_ends_at"]),
        "listing": view["settings"]["public_results"],
        "counts": view["counts"],
        "filters": filters,
        "filtered": any(filters.values()),
        "shown": len(shown_rows),
        "total": len(all_rows),
        **choices,
    }


async def _robotics_links(event: dict[str, Any]) -> list[dict[str, Any]]:
    """A robotics event's challenges with where the public follows them: ``[{"code", "name",
    "standings": bool (a score sheet: /standings/...), "matches": bool (a schedule or bracket:
    /screens/.../leaderboard)}]``; empty for other kinds."""
    if event["kind"] != robotics.ROBOTICS:
        return []
    challenges = (await robotics.robotics_event(event["id"]))["challenges"]
    played = {c["code"] for c in await matches.match_challenges(event["id"])}
    return [
        {"code": c["code"], "name": c["name"], "standings": c["has_sheet"], "matches": c["code"] in played}
        for c in challenges
        if c["has_sheet"] or c["code"] in played
    ]


class ProgressPages(Controller):
    path = "/events/{event_id:int}/judging"
    include_in_schema = False
    guards = [organizer_only]

    @get("/")
    async def overview(self, request: Request, event_id: int) -> Any:
        board = await assignments.assignment_board(event_id)
        prog = await scoring.progress(event_id)
        stored = None in await rubric.stored_scopes(event_id)
        criteria = await rubric.get_rubric(event_id)
        judges = await panels.list_judges(event_id)
        objections = await publication.list_objections(event_id)
        return await judging_page(
            request,
            event_id,
            "overview.html",
            "overview",
            board=board,
            progress=prog,
            criteria=criteria,
            rubric_stored=stored,
            judges=judges,
            open_objections=[o for o in objections if o["status"] == "open"],
        )

    @get("/progress")
    async def progress(self, request: Request, event_id: int, partial: int | None = None) -> Any:
        data = await scoring.progress(event_id)
        now_text = local_now().strftime("%H:%M:%S")
        if partial:
            ctx = await event_context(event_id)
            return render(request, "judging/scoring/_progress.html", progress=data, updated_text=now_text, **ctx)
        return await judging_page(
            request, event_id, "scoring/progress.html", "progress", progress=data, updated_text=now_text
        )

    @get("/progress.json")
    async def progress_json(self, event_id: int) -> Response:
        return json_response(await scoring.progress(event_id))

    @get("/consistency")
    async def consistency(self, request: Request, event_id: int) -> Any:
        report = await results.consistency_report(event_id)
        return await judging_page(
            request, event_id, "scoring/consistency.html", "consistency", report=report, flag_labels=FLAG_LABELS
        )

    @get("/entries/{entry_id:int}")
    async def entry_scores(self, request: Request, event_id: int, entry_id: int) -> Any:
        entry = await registration.get_entry(user_of(request), entry_id)
        if entry["event_id"] != event_id:
            raise NotFound(_("作品不存在。"))
        category_ids = await events.category_ids(event_id)
        criteria = await rubric.get_rubric(event_id, category_ids.get(entry["category_code"]))
        sheets = await scoring.entry_scores(entry_id)
        history = await scoring.score_history(entry_id)
        objections = [o for o in await publication.list_objections(event_id) if o["entry"] in (entry_id, None)]
        students = [m for m in entry["members"] if m["role"] == "student"]
        return await judging_page(
            request,
            event_id,
            "scoring/entry_scores.html",
            "results",
            entry=entry,
            criteria=criteria,
            criterion_names={c["code"]: c["name"] for c in criteria},
            sheets=sheets,
            history=[{**h, "at_text": show_time(h["at"])} for h in history],
            objections=objections,
            students=students,
            two=two,
            number_text=number_text,
        )

    @post("/scores/{score_id:int}")
    async def change_score(self, request: Request, event_id: int, score_id: int) -> Any:
        form = await request.form()
        entry_id = form_int(form, "entry_id")
        criteria = {
            key[len("points_") :]: value.strip()
            for key, value in form.items()
            if key.startswith("points_") and isinstance(value, str) and value.strip()
        }
        reason = form_value(form, "reason")
        objection = form_value(form, "objection")
        if objection:
            reason = f"{_('异议')} #{objection}：{reason}" if reason else f"{_('异议')} #{objection}"
        await attempt(
            request,
            scoring.organizer_change_score(user_of(request), score_id, criteria, reason),
            _("评分已修改，修改记录已保存。"),
        )
        return back_to(event_id, f"/entries/{entry_id}" if entry_id else "/results")


def page_routes() -> list[Any]:
    return [ProgressPages, ResultsPages, PublicResultsPages]
