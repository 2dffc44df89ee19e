"""One check of every request's text before any handler runs: no field may hold a character
the database cannot store (U+0000, unpaired surrogates; see :mod:`app.text`).

:func:`refuse_unstorable_text` is the application's ``before_request`` hook. It looks at the
path parameters, the query parameters, form fields (URL-encoded and the text parts and file
names of multipart bodies; file contents are bytes, never scanned) and JSON bodies (keys and
values at any depth), and raises :class:`~app.errors.ValidationFailed` (422) naming the field:
``{"detail", "errors": [{"field", "message"}]}`` for the API, an error page for pages.

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
from app.text import unstorable_character, unstorable_message

# a JSON escape of NUL or of a surrogate (paired ones are decoded and pass), or a raw NUL byte
_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\x00")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _refuse(field: str, character: str) -> None:
    message = unstorable_message(field, character)
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


def _check(field: str, value: Any) -> None:
    if isinstance(value, str):
        character = unstorable_character(value)
        if character is not None:
            _refuse(field, character)


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
        for name, value in form.multi_items():
            _check(name, name)
            if isinstance(value, UploadFile):
                _check(name, value.filename or "")  # the file's name is text, its bytes are not
            else:
                _check(name, value)
        return
    body = await request.body()
    if body and _JSON_SUSPECT.search(body):
        try:
            decoded = json.loads(body)  # the standard library keeps lone surrogates, msgspec refuses them
        except ValueError:
            return  # not JSON (or malformed): the handler's own parsing answers
        _walk(decoded, "")
