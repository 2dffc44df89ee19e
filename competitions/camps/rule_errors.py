"""The one error the camp rules (allocation, leaders, completion) raise for an input they cannot use.
Pure, standard library only."""

from __future__ import annotations


class CampRuleError(ValueError):
    """An input a camp rule cannot use (422-worthy): ``field`` names it, ``message`` says why (an
    English key with ``{placeholders}`` for the service to translate), ``params`` fill the placeholders."""

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.field = field
        self.message = message
        self.params = params
