"""The organizer's score-sheet editor (issue 13 item 1: "organizers edit in the UI or
import/export as JSON"), one page per challenge: ``/events/{event_id}/robotics/{code}/sheet``.

- a readable preview of the sheet (items, restrictions, bonuses, variants, rounds, counted rule,
  tie-breaks, time limit), the JSON in an editor, the versions with downloads;
- ``POST``: ``sheet`` (the JSON text) or an uploaded ``file`` (a ``.json`` file; it replaces
  the text), ``action`` ``preview`` (check and show, store nothing) or ``save``; ``recompute``
  (a confirmation checkbox) when runs are recorded: every run is rescored under the new version.
  Errors re-render the page with the text kept and each message beside the path it names
  (``items[2].max``); a JSON syntax error names the line and column;
- ready-made starting points (``judging/robotics/examples/*.json``: ``?example=skills``);
- ``.../sheet.json`` downloads the current version (``?version=N`` an older one).

It calls the same service the JSON API does (:func:`judging.robotics.services.put_sheet`)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from app.accounts import services as accounts
from app.errors import NotFound, ServiceError, ValidationFailed
from app.i18n import _
from app.times import show_time
from app.web import content_disposition, flash, form_bool, form_value, render, user_of
from app.web.auth import organizer_only
from judging.robotics import services, sheets

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
MAX_UPLOAD = 256 * 1024

EXAMPLES = {
    "skills": "综合技能赛（搬运、闸门、停泊；两轮最好成绩之和）",
    "wro": "WRO 常规赛风格（现场抽签的惊喜规则；最好一轮）",
}

TYPE_LABELS = {"count": "计数", "yesno": "是/否", "choice": "选项", "time": "用时"}
RULE_LABELS = {
    "best": "取最好一轮",
    "best_sum": "取最好 {k} 轮之和",
    "mean_drop_lowest": "去掉最低 {drop} 轮后取平均",
}
TIEBREAK_LABELS = {
    "time_of_counted": "计分轮次的用时（少者优先）",
    "next_best": "次好成绩（高者优先）",
    "fewer_penalties": "罚分（少者优先）",
    "earliest": "较早达到该成绩",
}


def example(name: str) -> dict[str, Any]:
    """A ready-made sheet by name (:data:`EXAMPLES`); 404 for an unknown one."""
    if name not in EXAMPLES:
        raise NotFound(_("没有名为“{name}”的示例记分表。", name=name))
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def pretty(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def tiebreak_label(key: str) -> str:
    if key.startswith("round:"):
        return _("第 {n} 轮成绩（高者优先）", n=key[6:])
    return _(TIEBREAK_LABELS[key])


def counted_label(sheet: sheets.Sheet) -> str:
    return _(RULE_LABELS[sheet.counted_rule], k=sheet.k, drop=sheet.drop)


def parse_text(text: str) -> dict[str, Any]:
    """The editor's text as a JSON object; 422 naming the line and column of a syntax error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = _("JSON 格式错误：第 {line} 行第 {col} 列（{why}）。", line=exc.lineno, col=exc.colno, why=exc.msg)
        raise ValidationFailed(message, errors=[{"field": "sheet", "message": message}]) from None
    if not isinstance(data, dict):
        message = _("记分表必须是一个 JSON 对象。")
        raise ValidationFailed(message, errors=[{"field": "sheet", "message": message}])
    return {k: v for k, v in data.items() if k != "version"}


class SheetPages(Controller):
    path = "/events/{event_id:int}/robotics"
    include_in_schema = False
    guards = [organizer_only]

    @get("/")
    async def challenges(self, request: Request, event_id: int) -> Any:
        """The organizer's list of the event's challenges: sheet editor and public standings."""
        event = await services.robotics_event(event_id, user_of(request))
        return render(request, "judging/robotics/sheet_index.html", event=event)

    async def _referees_page(self, request: Request, event_id: int, status: int = 200, **extra: Any) -> Any:
        actor = user_of(request)
        event = await services.robotics_event(event_id, actor)
        people = await services.list_referees(actor, event_id)
        by_code: dict[str, list[dict[str, Any]]] = {c["code"]: [] for c in event["challenges"]}
        for p in people:
            for c in p["category_codes"]:
                by_code.setdefault(c, []).append({**p, "is_head": c in p["head_category_codes"]})
        assigned = {p["user_id"] for p in people}
        accounts = await services.referee_accounts()
        return render(
            request,
            "judging/robotics/referees.html",
            status_code=status,
            event=event,
            people=people,
            by_code=by_code,
            accounts=accounts,
            unassigned=[a for a in accounts if a["id"] not in assigned],
            form=extra.pop("form", {"codes": [], "head": False, "username": "", "new_username": "", "new_name": ""}),
            **extra,
        )

    @get("/referees")
    async def referees(self, request: Request, event_id: int) -> Any:
        """The event's referees per challenge: add (an existing referee account, or a new one whose
        password is shown once), make or unmake head referee, remove."""
        return await self._referees_page(request, event_id)

    @post("/referees")
    async def add_referee(self, request: Request, event_id: int) -> Any:
        actor = user_of(request)
        form = await request.form()
        codes = [c for c in form.getall("category_codes", []) if isinstance(c, str) and c.strip()]
        values = {
            "codes": codes,
            "head": form_bool(form, "head"),
            "username": form_value(form, "username"),
            "new_username": form_value(form, "new_username"),
            "new_name": form_value(form, "new_name"),
        }
        created: dict[str, str] | None = None
        try:
            await services.robotics_event(event_id, actor)
            if not codes:
                message = _("请至少选择一个赛项。")
                raise ValidationFailed(message, errors=[{"field": "category_codes", "message": message}])
            username = values["username"]
            if values["new_username"]:
                if username:
                    message = _("请选择已有账号或填写新账号，不要同时填写。")
                    raise ValidationFailed(message, errors=[{"field": "username", "message": message}])
                password = secrets.token_urlsafe(9)
                user = await accounts.create_user(
                    actor,
                    username=values["new_username"],
                    password=password,
                    role="referee",
                    display_name=values["new_name"] or None,
                    must_change_password=True,
                )
                username = user["username"]
                created = {"username": username, "password": password, "display_name": user["display_name"]}
            elif not username:
                message = _("请选择已有的裁判账号，或填写新账号的用户名。")
                raise ValidationFailed(message, errors=[{"field": "username", "message": message}])
            added = await services.add_referee(
                actor, event_id, {"username": username, "category_codes": codes, "head": values["head"]}
            )
        except ServiceError as exc:
            return await self._referees_page(request, event_id, status=exc.status_code, error=exc.message, form=values)
        notice = _(
            "{name} 已是赛项 {codes} 的{role}。",
            name=added["display_name"] or added["username"],
            codes=", ".join(added["category_codes"]),
            role=_("主裁判") if added["head"] else _("裁判"),
        )
        if created:  # the password is shown on this answer only, never stored in the session
            return await self._referees_page(request, event_id, status=201, created=created, notice=notice)
        flash(request, notice)
        return Redirect(f"/events/{event_id}/robotics/referees")

    @post("/referees/{user_id:int}/{code:str}")
    async def change_referee(self, request: Request, event_id: int, user_id: int, code: str) -> Any:
        """``op`` ``head`` / ``not_head`` (head referee of this challenge or not) or ``remove``."""
        actor = user_of(request)
        form = await request.form()
        op = form_value(form, "op")
        people = {p["user_id"]: p for p in await services.list_referees(actor, event_id)}
        person = people.get(user_id)
        code = code.upper()
        if person is None or code not in person["category_codes"]:
            raise NotFound(_("该账号不是赛项“{code}”的裁判。", code=code))
        name = person["display_name"] or person["username"]
        if op == "remove":
            await services.remove_referee(actor, event_id, user_id, code)
            flash(request, _("{name} 不再是赛项 {code} 的裁判；已记录的成绩保留。", name=name, code=code))
        elif op in ("head", "not_head"):
            await services.add_referee(
                actor, event_id, {"username": person["username"], "category_codes": [code], "head": op == "head"}
            )
            flash(
                request,
                _("{name} 现在是赛项 {code} 的主裁判。", name=name, code=code)
                if op == "head"
                else _("{name} 现在是赛项 {code} 的裁判（不是主裁判）。", name=name, code=code),
            )
        return Redirect(f"/events/{event_id}/robotics/referees")

    @get("/{code:str}/sheet")
    async def page(
        self,
        request: Request,
        event_id: int,
        code: str,
        example_name: str | None = Parameter(query="example", default=None),
    ) -> Any:
        info = await services.sheet_versions(user_of(request), event_id, code)
        current = info["versions"][0]["sheet"] if info["versions"] else None
        text = pretty(example(example_name)) if example_name else (pretty(current) if current else "")
        return await self._render(
            request, event_id, info, text=text, shown=example(example_name) if example_name else current
        )

    @get("/{code:str}/sheet.json")
    async def download(self, request: Request, event_id: int, code: str, version: int | None = None) -> Response:
        info = await services.sheet_versions(user_of(request), event_id, code)
        chosen = next((v for v in info["versions"] if version is None or v["version"] == version), None)
        if chosen is None:
            raise NotFound(_("记分表第 {v} 版不存在。", v=version))
        filename = f"{info['challenge']['code']}-sheet-v{chosen['version']}.json"
        return Response(
            pretty(chosen["sheet"]) + "\n",
            media_type="application/json; charset=utf-8",
            headers={"content-disposition": content_disposition(filename), "cache-control": "no-store"},
        )

    @post("/{code:str}/sheet")
    async def save(self, request: Request, event_id: int, code: str) -> Any:
        actor = user_of(request)
        info = await services.sheet_versions(actor, event_id, code)
        form = await request.form()
        text = form_value(form, "sheet")
        upload = form.get("file")
        recompute = form_bool(form, "recompute")
        if upload is not None and not isinstance(upload, str) and getattr(upload, "filename", ""):
            raw = await upload.read()
            if len(raw) > MAX_UPLOAD:
                return await self._render(
                    request,
                    event_id,
                    info,
                    text=text,
                    status=422,
                    errors=[{"field": "file", "message": _("文件太大（最多 256 KB）。")}],
                )
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                return await self._render(
                    request,
                    event_id,
                    info,
                    text=text,
                    status=422,
                    errors=[{"field": "file", "message": _("文件不是 UTF-8 编码的 JSON。")}],
                )
        try:
            data = parse_text(text)
            parsed = services.check_sheet(data)
            if form_value(form, "action") == "preview":
                return await self._render(request, event_id, info, text=text, shown=data, parsed=parsed, checked=True)
            stored = await services.put_sheet(actor, event_id, code, {**data, "recompute": recompute})
        except ValidationFailed as exc:
            errors = exc.errors or [{"field": "sheet", "message": exc.message}]
            return await self._render(
                request, event_id, info, text=text, status=422, errors=errors, message=exc.message
            )
        except ServiceError as exc:  # 409: runs are recorded and the recomputation was not confirmed
            return await self._render(
                request, event_id, info, text=text, status=exc.status_code, message=page_message(exc), confirm=True
            )
        flash(request, _("记分表已保存为第 {v} 版。", v=stored["version"]))
        return Redirect(f"/events/{event_id}/robotics/{info['challenge']['code']}/sheet")

    @get("/{code:str}/sheet/form")
    async def form_page(
        self,
        request: Request,
        event_id: int,
        code: str,
        example_name: str | None = Parameter(query="example", default=None),
    ) -> Any:
        """The sheet as a form: each item a row of labelled fields, items added, removed and moved."""
        info = await services.sheet_versions(user_of(request), event_id, code)
        current = info["versions"][0]["sheet"] if info["versions"] else None
        return self._render_form(request, event_id, info, form_of(example(example_name) if example_name else current))

    @post("/{code:str}/sheet/form")
    async def form_post(self, request: Request, event_id: int, code: str) -> Any:
        """``op``: ``add``, ``remove-<i>``, ``up-<i>``, ``down-<i>`` (the form again, nothing
        stored), ``preview`` (checked, nothing stored) or ``save`` (a new version)."""
        actor = user_of(request)
        info = await services.sheet_versions(actor, event_id, code)
        form = await request.form()
        values = values_of_form(form)
        if "min_total" not in values:  # not a field of this form: the current sheet's floor is kept
            current = info["versions"][0]["sheet"] if info["versions"] else {}
            values["min_total"] = _plain(current.get("min_total"))
        op = form_value(form, "op")
        items = values["items"]
        kind, _sep, number = op.partition("-")
        i = int(number) if number.isdigit() else -1
        if op == "add" and len(items) < sheets.MAX_ITEMS:
            items.append({key: "" for key in ITEM_FIELDS} | {"type": "count"})
            return self._render_form(request, event_id, info, values)
        if kind in ("remove", "up", "down") and 0 <= i < len(items):
            if kind == "remove":
                items.pop(i)
            elif kind == "up" and i > 0:
                items[i - 1], items[i] = items[i], items[i - 1]
            elif kind == "down" and i + 1 < len(items):
                items[i + 1], items[i] = items[i], items[i + 1]
            return self._render_form(request, event_id, info, values)
        try:
            data = sheet_of(values)
            parsed = services.check_sheet(data)
            if op != "save":
                return self._render_form(request, event_id, info, values, parsed=parsed)
            stored = await services.put_sheet(
                actor, event_id, code, {**data, "recompute": form_bool(form, "recompute")}
            )
        except ValidationFailed as exc:
            errors = exc.errors or [{"field": "sheet", "message": exc.message}]
            return self._render_form(request, event_id, info, values, errors=errors, message=exc.message, status=422)
        except ServiceError as exc:
            return self._render_form(request, event_id, info, values, message=page_message(exc), status=exc.status_code)
        flash(request, _("记分表已保存为第 {v} 版。", v=stored["version"]))
        return Redirect(f"/events/{event_id}/robotics/{info['challenge']['code']}/sheet")

    def _render_form(
        self,
        request: Request,
        event_id: int,
        info: dict[str, Any],
        values: dict[str, Any],
        *,
        parsed: sheets.Sheet | None = None,
        errors: list[dict[str, str]] | None = None,
        message: str = "",
        status: int = 200,
    ) -> Any:
        return render(
            request,
            "judging/robotics/sheet_form.html",
            status_code=status,
            event_id=event_id,
            challenge=info["challenge"],
            runs=info["runs"],
            approved=info["approved"],
            values=values,
            errors=field_errors(errors or []),
            message=message,
            checked=parsed is not None,
            examples={k: _(v) for k, v in EXAMPLES.items()},
            type_labels={k: _(v) for k, v in TYPE_LABELS.items()},
            rule_labels={k: _(v, k="k", drop="drop") for k, v in RULE_LABELS.items()},
            max_items=sheets.MAX_ITEMS,
        )

    async def _render(
        self,
        request: Request,
        event_id: int,
        info: dict[str, Any],
        *,
        text: str,
        shown: dict[str, Any] | None = None,
        parsed: sheets.Sheet | None = None,
        errors: list[dict[str, str]] | None = None,
        message: str = "",
        status: int = 200,
        confirm: bool = False,
        checked: bool = False,
    ) -> Any:
        if parsed is None and shown is not None:
            try:
                parsed = services.check_sheet(shown)
            except ValidationFailed:
                parsed = None
        return render(
            request,
            "judging/robotics/sheet.html",
            status_code=status,
            event_id=event_id,
            challenge=info["challenge"],
            versions=[{**v, "at": show_time(v["created_at"])} for v in info["versions"]],
            runs=info["runs"],
            approved=info["approved"],
            text=text,
            sheet=parsed,
            errors=errors or [],
            message=message,
            confirm=confirm,
            checked=checked,
            examples={k: _(v) for k, v in EXAMPLES.items()},
            type_labels={k: _(v) for k, v in TYPE_LABELS.items()},
            counted=counted_label(parsed) if parsed else "",
            tiebreaks=[tiebreak_label(k) for k in parsed.tiebreaks] if parsed else [],
        )


def page_routes() -> list[Any]:
    return [SheetPages]


def page_message(exc: ServiceError) -> str:
    """The service's refusal in the editor's words: a sheet in use without the confirmation
    points to the 我确认 tick box (the API's words name ``"recompute": true``)."""
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    if extra.get("recompute_needed"):
        return _(
            "本赛项已按第 {v} 版记分表记录了 {n} 轮成绩，记分表不能直接修改。如确需修改，请勾选保存按钮旁的“我确认：保存后按新版本重新计算全部成绩”，再点保存；所有成绩将按新版本重新计分。",
            v=extra.get("version"),
            n=extra.get("runs"),
        )
    return exc.message


# --- the sheet as a form (items added, removed and moved with buttons; no script needed) -----

ITEM_FIELDS = ("code", "name", "type", "min", "max", "points", "options", "requires", "at_least", "variants")
JSON_PARTS = ("restrictions", "bonuses", "variants")


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def form_of(sheet: dict[str, Any] | None) -> dict[str, Any]:
    """The form's values for a sheet's JSON form: ``{"items": [{field: text}], "rounds", ...}``."""
    sheet = sheet or {"items": [{"type": "count"}], "rounds": 1, "counted": {"rule": "best"}}
    items = []
    for raw in sheet.get("items") or []:
        raw = raw if isinstance(raw, dict) else {}
        requires = raw.get("requires") if isinstance(raw.get("requires"), dict) else {}
        options = raw.get("options") if isinstance(raw.get("options"), list) else []
        items.append(
            {
                "code": _plain(raw.get("code")),
                "name": _plain(raw.get("name")),
                "type": _plain(raw.get("type") or "count"),
                "min": _plain(raw.get("min")),
                "max": _plain(raw.get("max")),
                "points": _plain(raw.get("points")),
                "options": "\n".join(
                    "|".join([_plain(o.get("value")), _plain(o.get("points")), _plain(o.get("name"))]).rstrip("|")
                    for o in options
                    if isinstance(o, dict)
                ),
                "requires": _plain(requires.get("item")),
                "at_least": _plain(requires.get("at_least")),
                "variants": ", ".join(str(v) for v in raw.get("variants") or []),
            }
        )
    counted = sheet.get("counted") if isinstance(sheet.get("counted"), dict) else {}
    return {
        "items": items,
        "rounds": _plain(sheet.get("rounds")),
        "counted_rule": _plain(counted.get("rule") or "best"),
        "k": _plain(counted.get("k")),
        "drop": _plain(counted.get("drop")),
        "tiebreaks": ", ".join(str(t) for t in sheet.get("tiebreaks") or []),
        "time_limit_seconds": _plain(sheet.get("time_limit_seconds")),
        "min_total": _plain(sheet.get("min_total")),
        **{part: pretty(sheet[part]) if sheet.get(part) else "" for part in JSON_PARTS},
    }


def _integer(text: str) -> Any:
    """A whole number typed in the form as an int (what the sheet wants); anything else as typed,
    so that the sheet's own check names the field."""
    return int(text) if text.strip().lstrip("-").isdigit() else text


def _items_of(values: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for row in values["items"]:
        item: dict[str, Any] = {"code": row["code"], "name": row["name"] or row["code"], "type": row["type"]}
        for key in ("min", "max", "points"):
            if row[key] != "":
                item[key] = _integer(row[key])
        if row["type"] == "choice":
            options = []
            for line in row["options"].splitlines():
                if not line.strip():
                    continue
                value, _sep, rest = line.partition("|")
                points, _sep, name = rest.partition("|")
                option: dict[str, Any] = {"value": value.strip(), "points": _integer(points.strip())}
                if name.strip():
                    option["name"] = name.strip()
                options.append(option)
            item["options"] = options
        if row["requires"]:
            item["requires"] = {"item": row["requires"], "at_least": _integer(row["at_least"] or "1")}
        variants = [v.strip() for v in row["variants"].replace("，", ",").split(",") if v.strip()]
        if variants:
            item["variants"] = variants
        items.append(item)
    return items


def sheet_of(values: dict[str, Any]) -> dict[str, Any]:
    """The sheet's JSON form from the form's values (:func:`form_of` the other way). 422 naming
    the field when a JSON part (restrictions, bonuses, variants) is not valid JSON."""
    sheet: dict[str, Any] = {"items": _items_of(values)}
    for part in JSON_PARTS:
        text = values[part].strip()
        if not text:
            continue
        try:
            sheet[part] = json.loads(text)
        except json.JSONDecodeError as exc:
            message = _("“{part}”不是有效的 JSON：第 {line} 行第 {col} 列。", part=part, line=exc.lineno, col=exc.colno)
            raise ValidationFailed(message, errors=[{"field": part, "message": message}]) from None
    sheet["rounds"] = _integer(values["rounds"] or "1")
    counted: dict[str, Any] = {"rule": values["counted_rule"]}
    if values["counted_rule"] == "best_sum":
        counted["k"] = _integer(values["k"] or "1")
    if values["counted_rule"] == "mean_drop_lowest":
        counted["drop"] = _integer(values["drop"] or "0")
    sheet["counted"] = counted
    sheet["tiebreaks"] = [t.strip() for t in values["tiebreaks"].replace("，", ",").split(",") if t.strip()]
    if values["time_limit_seconds"]:
        sheet["time_limit_seconds"] = _integer(values["time_limit_seconds"])
    if values.get("min_total"):
        sheet["min_total"] = _integer(values["min_total"])
    return sheet


def values_of_form(form: Any) -> dict[str, Any]:
    """The form's values as posted (``item-<i>-<field>``, ``count`` rows)."""
    count = min(
        sheets.MAX_ITEMS + 1, max(0, int(form_value(form, "count") or 0) if form_value(form, "count").isdigit() else 0)
    )
    items = [
        {
            key: (form.get(f"item-{i}-{key}") or "").strip() if isinstance(form.get(f"item-{i}-{key}"), str) else ""
            for key in ITEM_FIELDS
        }
        for i in range(count)
    ]
    values: dict[str, Any] = {"items": items}
    for key in ("rounds", "counted_rule", "k", "drop", "tiebreaks", "time_limit_seconds", *JSON_PARTS):
        values[key] = form_value(form, key)
    if "min_total" in form:  # a form page without the field keeps the current sheet's (form_post)
        values["min_total"] = form_value(form, "min_total")
    return values


def field_errors(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    """The sheet's error paths as the form's field names: ``items[2].max`` -> ``item-2-max``,
    ``items[2].options[1].value`` -> ``item-2-options``, ``counted.k`` -> ``k``; others by
    their first part (``restrictions[0].items`` -> ``restrictions``)."""
    import re

    found: dict[str, list[str]] = {}
    for error in errors:
        path = error.get("field") or "sheet"
        m = re.match(r"items\[(\d+)\]\.(\w+)", path)
        if m:
            name = f"item-{m.group(1)}-{'requires' if m.group(2) == 'requires' else m.group(2)}"
        elif re.match(r"items\[(\d+)\]$", path):
            name = f"item-{path[6:-1]}-code"
        elif path.startswith("counted."):
            name = {"counted.rule": "counted_rule"}.get(path, path[8:])
        else:
            name = re.split(r"[\[.]", path)[0]
        found.setdefault(name, []).append(error["message"])
    return found
