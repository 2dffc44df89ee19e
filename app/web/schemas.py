"""API bodies shared by every capability."""

from __future__ import annotations

from typing import Any

import msgspec


class ReasonIn(msgspec.Struct):
    """``{"reason": "..."}``: why an organizer withdraws, revokes, reissues or overrides something.
    Empty when the action does not need one; the service says when it does."""

    reason: str = ""


def given_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields of a patch body that the client sent: ``None`` and ``UNSET`` mean "leave as is"."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None and v is not msgspec.UNSET}
