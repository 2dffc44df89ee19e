"""Text the service cannot store or print.

Two kinds of character are refused:

- *unstorable*: U+0000 (PostgreSQL's ``text`` refuses it: ``CharacterNotInRepertoireError``;
  SQLite would keep it) and unpaired surrogates U+D800–U+DFFF (they cannot be encoded as
  UTF-8 at all; a JSON body can still carry them as ``"\\ud800"``). Refused in every request
  field by :func:`app.web.inputs.refuse_unstorable_text`, and in names and titles read from
  workbooks.
- *private use* (U+E000–U+F8FF and planes 15 and 16): characters an input method or a font
  made up for itself. No certificate font has them, so a name holding one prints as nothing.
  Refused in names and titles (people, entries, schools, events, categories, accounts).

Pure functions; messages are translated (:mod:`app.i18n`).
"""

from __future__ import annotations

import re

from app.i18n import _

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def code_point(character: str) -> str:
    """``"U+0000"``-style name of one character (4 to 6 upper-case hex digits)."""
    return f"U+{ord(character):04X}"


def unstorable_character(text: str) -> str | None:
    """The first character of ``text`` that the database cannot store (NUL or an unpaired
    surrogate), or ``None``."""
    found = _UNSTORABLE.search(text)
    return found.group() if found else None


def private_use_character(text: str) -> str | None:
    """The first private-use-area character of ``text`` (U+E000–U+F8FF, U+F0000–U+FFFFD,
    U+100000–U+10FFFD), or ``None``."""
    found = _PRIVATE_USE.search(text)
    return found.group() if found else None


def unstorable_message(field: str, character: str) -> str:
    """Translated message for a request field ``field`` holding ``character`` (NUL or a surrogate)."""
    if character == "\x00":
        return _("字段“{field}”含有空字符（U+0000），无法保存。请删除该字符后重试。", field=field)
    return _(
        "字段“{field}”含有不成对的代理字符（{code}），这不是有效的文字，无法保存。请删除该字符后重试。",
        field=field,
        code=code_point(character),
    )


def name_problem(text: str, label: str) -> str | None:
    """Why a name or title ``text`` (a person's, an entry's, a school's, an event's ...) cannot be
    kept, as a translated message naming ``label`` (already translated, e.g. ``"姓名"``), or
    ``None`` when it is fine. Refuses NUL, unpaired surrogates and private-use characters."""
    character = unstorable_character(text)
    if character is not None:
        return unstorable_message(label, character)
    character = private_use_character(text)
    if character is not None:
        return _(
            "{label}含有私用区字符（{code}）：这是输入法或字体自造的字，证书字体里没有，会印成空白。"
            "请改用标准汉字（生僻字请用输入法的 Unicode 标准字形，或联系组委会）。",
            label=label,
            code=code_point(character),
        )
    return None
