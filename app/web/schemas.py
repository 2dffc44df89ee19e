"""API bodies and answers shared by every capability: the reason body, the error answer, and
helpers that turn a patch body into its given fields and a service's dict into an answer Struct."""

from __future__ import annotations

import functools
import logging
import os
import typing
from typing import Any, TypeVar

import msgspec

log = logging.getLogger("xinmiao")

T = TypeVar("T")


class ReasonIn(msgspec.Struct):
    """``{"reason": "..."}``: why an organizer withdraws, revokes, reissues or overrides something.
    Empty when the action does not need one; the service says when it does."""

    reason: str = ""


class ErrorItem(msgspec.Struct):
    """One problem of an invalid request: ``field`` (forms, bodies) or ``row``/``column``
    (workbooks, ``row`` as Excel numbers it), and what is wrong."""

    message: str
    field: str | msgspec.UnsetType = msgspec.UNSET
    row: int | None | msgspec.UnsetType = msgspec.UNSET
    column: str | None | msgspec.UnsetType = msgspec.UNSET


class ErrorOut(msgspec.Struct):
    """Every error answer of the API: ``detail`` is translated (``Accept-Language``), ``errors``
    lists the problems of invalid input, ``extra`` carries what the error adds (for example the
    ids of incomplete entries)."""

    status_code: int
    detail: str
    extra: Any = None
    errors: list[ErrorItem] | msgspec.UnsetType = msgspec.UNSET


def given_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields of a patch body that the client sent: ``None`` and ``UNSET`` mean "leave as is"."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None and v is not msgspec.UNSET}


def sent_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields of a patch body that the client sent, ``null`` included: for patches where
    ``null`` clears a value (a time, a limit) and only ``UNSET`` means "leave as is"."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


def _strict() -> bool:
    """Tests set ``XINMIAO_STRICT_ANSWERS=1``: an answer Struct that would drop a key a service
    returned, or cannot hold a value, fails the test instead of being logged."""
    return os.environ.get("XINMIAO_STRICT_ANSWERS", "") == "1"


@functools.cache
def _field_types(target: type[msgspec.Struct]) -> dict[str, Any]:
    """``{field name: type}`` of a Struct, worked out once per type: msgspec resolves the
    annotations (string forward references under ``from __future__ import annotations``) on
    every call, which cost ~40 % of a check-in scan's server time before it was cached."""
    return {f.encode_name: f.type for f in msgspec.structs.fields(target)}  # the JSON names (``from`` for ``from_``)


def _dropped(value: Any, target: Any) -> list[str]:
    """Keys of ``value`` (a service's dict, recursively) that ``target`` (a Struct type, a list
    of them, or anything else) has no field for."""
    if isinstance(target, type) and issubclass(target, msgspec.Struct) and isinstance(value, dict):
        hints = _field_types(target)
        missing = [k for k in value if k not in hints]
        for key, inner in value.items():
            if key in hints:
                missing += [f"{key}.{m}" for m in _dropped(inner, hints[key])]
        return missing
    args = getattr(target, "__args__", ())
    if typing.get_origin(target) is dict and isinstance(value, dict) and len(args) == 2:
        return sorted({m for inner in value.values() for m in _dropped(inner, args[1])})
    if isinstance(value, list):
        missing = []
        for item in value:
            for arg in args:
                missing += _dropped(item, arg)
        return sorted(set(missing))
    if isinstance(value, dict) and args:
        return sorted({m for arg in args for m in _dropped(value, arg)})
    return []


CHECK_EVERY = 64
_answers_seen: dict[Any, int] = {}


def _due_for_check(target: Any) -> bool:
    """Whether this answer of type ``target`` gets its keys checked: always under tests, else
    the first of every :data:`CHECK_EVERY`."""
    if _strict():
        return True
    seen = _answers_seen.get(target, 0)
    _answers_seen[target] = seen + 1
    return seen % CHECK_EVERY == 0


def answer(target: type[T] | Any, value: Any) -> T:
    """``value`` (what a service returned: dicts, lists, decimals, times) as the answer type
    ``target`` (a Struct, or ``list[Struct]``), read as the JSON encoder writes it (decimals and
    times as strings), so the answer is what the API gave before with its shape declared.

    A service that returns a key the Struct does not hold, or a value it cannot hold, is a bug
    of the declaration: under tests it raises; in production it is logged and the service's
    value is answered as is, so a forgotten field never turns into a 500 or a lost key. Outside
    tests the key check runs on one answer in :data:`CHECK_EVERY` per answer type (the walk
    cost ~6 % of a check-in scan); conversion errors are caught on every answer."""
    builtins = value
    try:
        builtins = msgspec.to_builtins(value, str_keys=True)
        missing = _dropped(builtins, target) if _due_for_check(target) else []
        if missing:
            raise msgspec.ValidationError(
                f"{getattr(target, '__name__', target)} has no field for {', '.join(missing)}"
            )
        return msgspec.convert(builtins, target)
    except (msgspec.ValidationError, TypeError):
        if _strict():
            raise
        log.warning("answer does not match its declaration %s", target, exc_info=True)
        return builtins  # type: ignore[no-any-return]
