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
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

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
                request, event_id, info, text=text, status=exc.status_code, message=exc.message, confirm=True
            )
        flash(request, _("记分表已保存为第 {v} 版。", v=stored["version"]))
        return Redirect(f"/events/{event_id}/robotics/{info['challenge']['code']}/sheet")

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
