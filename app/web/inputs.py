"""One check of every request's text before any handler runs: no field may hold a character
the database cannot store (U+0000, unpaired surrogates; see :mod:`app.text`).

:func:`refuse_unstorable_text` is the application's ``before_request`` hook. It looks at the
path parameters, the query parameters, form fields (URL-encoded and the text parts and file
names of multipart bodies; file contents are bytes, never scanned) and JSON bodies (keys and
values at any depth), and raises :class:`~app.errors.ValidationFailed` (422) naming the field:
``{"detail", "errors": [{"field", "message"}]}`` for the API. A page's form post gets an error
page naming the field by its visible label (:data:`FIELD_LABELS`), saying nothing was saved and
offering "back": the browser's back keeps what the user typed in the form.

Cheap on the common path: the raw query string and body are searched for the few byte patterns
that can carry such a character before anything is parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException

from app.errors import ValidationFailed
from app.i18n import _
from app.text import code_point, unstorable_character, unstorable_message

# a JSON escape of NUL or of a surrogate (paired ones are decoded and pass), or a raw NUL byte
_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\x00")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# how the pages label their form fields (a page's form names the field by what the user sees, never
# by its internal name); names shared by several forms get the word that fits most of them
FIELD_LABELS: dict[str, str] = {
    "name": "名称",
    "title": "作品名称",
    "summary": "作品简介",
    "reason": "原因",
    "username": "用户名",
    "password": "密码",
    "current_password": "当前密码",
    "new_password": "新密码",
    "confirm_password": "确认新密码",
    "display_name": "显示名称",
    "city": "市县",
    "school": "学校",
    "school_code": "学校代码",
    "code": "编号",
    "category": "类别",
    "division": "组别",
    "divisions": "组别",
    "q": "搜索",
    "phone": "联系电话",
    "id_number": "证件号码",
    "grade": "年级",
    "description": "说明",
    "location": "地点",
    "objection_contact": "异议联系方式",
    "objection": "异议内容",
    "raised_by": "提出人",
    "handling": "处理结果",
    "override_notice_reason": "理由",
    "entry_code": "作品编号",
    "number": "证书编号",
    "f_prefix": "前缀",
    "f_suffix": "后缀",
    "date_text": "日期",
}

# (path pattern, {field: label}) where a page labels a field its own way
PATH_FIELD_LABELS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"^/(entries/\d+/members|members)/"), {"name": "姓名"}),
    (re.compile(r"^/(accounts|users|judging/panels)"), {"name": "姓名"}),
    (re.compile(r"^/events/(\d+/settings)?$"), {"name": "赛事名称"}),  # new event, event settings
)


def field_label(path: str, field: str) -> str:
    """The visible, translated label of form field ``field`` on the page at ``path``, or a
    neutral "a field of the form" for a field without one (never the internal name)."""
    for pattern, labels in PATH_FIELD_LABELS:
        if pattern.match(path) and field in labels:
            return _(labels[field])
    if field in FIELD_LABELS:
        return _(FIELD_LABELS[field])
    return _("表单中的一项")


def _page_message(label: str, character: str) -> str:
    what = _("空字符 U+0000") if character == "\x00" else _("不成对的代理字符 {code}", code=code_point(character))
    return _(
        "“{label}”含有无法保存的字符（{what}，通常来自复制粘贴），本次没有保存任何内容。"
        "请点“返回上一页”，删除该字符后重新提交；您在表单中填写的其他内容仍在原页面。",
        label=label,
        what=what,
    )


class _Checker:
    """Checks the fields of one request; a page's form post is told by the field's visible label."""

    def __init__(self, request: Request) -> None:
        path = request.scope["path"]
        self.path = path
        self.page = not path.startswith("/api/") and "json" not in request.headers.get("content-type", "")

    def refuse(self, field: str, character: str) -> None:
        if self.page:
            label = field_label(self.path, field)
            message = _page_message(label, character)
            raise ValidationFailed(message, errors=[{"field": field, "label": label, "message": message}])
        message = unstorable_message(field, character)
        raise ValidationFailed(message, errors=[{"field": field, "message": message}])

    def check(self, field: str, value: Any) -> None:
        if isinstance(value, str):
            character = unstorable_character(value)
            if character is not None:
                self.refuse(field, character)


def _refuse(field: str, character: str) -> None:
    message = unstorable_message(field, character)
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


def _check(field: str, value: Any) -> None:
    if isinstance(value, str):
        character = unstorable_character(value)
        if character is not None:
            _refuse(field, character)


MAX_JSON_DEPTH = 64  # no API body nests deeper; a decoder would recurse past Python's limit at ~1,000


def _too_deep(body: bytes) -> bool:
    """Whether a JSON body nests arrays/objects deeper than :data:`MAX_JSON_DEPTH` (brackets inside
    strings ignored). Deeply nested bodies made the decoders raise ``RecursionError`` (a 500)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _walk(value: Any, path: str) -> None:
    """Check every key and string of a decoded JSON value; ``path`` names it
    (``members[0].name``; ``""`` for the whole body, reported as ``body``)."""
    if isinstance(value, str):
        _check(path or "body", value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(f"{path}.{key!r}" if path else repr(key), key)
            _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]")


async def refuse_unstorable_text(request: Request) -> None:
    """``before_request`` hook: raise :class:`ValidationFailed` (422) for the first request field
    holding U+0000 or an unpaired surrogate; return ``None`` (go on to the handler) otherwise."""
    scope = request.scope
    if "\x00" in scope["path"]:
        for name, value in request.path_params.items():
            _check(name, value)
        _refuse("path", "\x00")
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in request.query_params.multi_items():
            _check(name, name)
            _check(name, value)
    if scope["method"] not in _BODY_METHODS:
        return
    content_type, _options = request.content_type
    if content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        try:
            form = await request.form()  # parsed once: the handler reads the same parsed form
        except UnicodeError:
            raise ValidationFailed(_("表单字段不是有效的 UTF-8 文字，请检查后重试。")) from None
        except LookupError:  # a part's unknown charset
            raise ClientException(_("表单字段的字符集无法识别，请使用 UTF-8。")) from None
        checker = _Checker(request)  # a page's form names the field by its label, the API by its name
        for name, value in form.multi_items():
            checker.check(name, name)
            if isinstance(value, UploadFile):
                checker.check(name, value.filename or "")  # the file's name is text, its bytes are not
            else:
                checker.check(name, value)
        return
    body = await request.body()
    if body and _too_deep(body):
        message = _("请求内容嵌套超过 {n} 层，无法处理。", n=MAX_JSON_DEPTH)
        raise ValidationFailed(message, errors=[{"field": "body", "message": message}])
    if body and _JSON_SUSPECT.search(body):
        try:
            decoded = json.loads(body)  # the standard library keeps lone surrogates, msgspec refuses them
        except (ValueError, RecursionError):
            return  # not JSON (or malformed): the handler's own parsing answers
        _walk(decoded, "")
