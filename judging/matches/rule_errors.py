"""The one error the match rule modules raise (schedule, brackets, alliance selection): inputs the
rules cannot satisfy. Pure; callers translate ``message`` (English key text) with ``params``."""

from __future__ import annotations


class RuleError(ValueError):
    """``field`` names the input, ``message`` says why (an English key with ``{placeholders}``)."""

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.field = field
        self.message = message
        self.params = params
