"""Translation layer.

Message ids are written in Simplified Chinese (the default language); English
translations live in gettext ``.po`` catalogs, one per package, at
``<package>/locale/en/*.po``, read with Babel. The current locale is a context
variable set per request from the ``lang`` cookie or ``Accept-Language``.

``_("第 {row} 行", row=3)`` translates, then fills ``{name}`` placeholders.
"""

from __future__ import annotations

import contextvars
import re
from functools import lru_cache

from babel.messages.pofile import read_po

from app.settings import PROJECT_ROOT

DEFAULT_LOCALE = "zh"
LOCALES = ("zh", "en")
_locale: contextvars.ContextVar[str] = contextvars.ContextVar("xinmiao_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=None)
def _catalog(locale: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    if locale == DEFAULT_LOCALE:
        return messages
    paths = [
        p
        for package in ("app", "competitions", "judging")
        for p in (PROJECT_ROOT / package).rglob(f"locale/{locale}/*.po")
    ]
    for path in sorted(paths):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = str(message.id) if not message.context else f"{message.context}\x04{message.id}"
                messages[key] = str(message.string)
    return messages


def get_locale() -> str:
    return _locale.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    """Set the locale for the current context; unknown values fall back to Chinese."""
    return _locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def negotiate_locale(cookie: str | None, accept_language: str | None) -> str:
    """Pick ``zh`` or ``en``: the ``lang`` cookie wins, then ``Accept-Language``, else ``zh``."""
    if cookie in LOCALES:
        return cookie
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag.startswith("zh"):
                return "zh"
            if tag.startswith("en"):
                return "en"
    return DEFAULT_LOCALE


def _filled(text: str, message: str, params: dict[str, object]) -> str:
    """``text`` (a translation of ``message``) with its placeholders filled; a translation whose
    placeholders do not match falls back to the message itself."""
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return message.format(**params)


def gettext(message: str, **params: object) -> str:
    """Translate ``message`` into the current locale and fill ``{placeholders}``."""
    return _filled(_catalog(get_locale()).get(message, message), message, params)


_ = gettext

# Words a programme calls by its own name (a robotics event's 作品 is a 队伍, its 辅导教师 a 教练):
# ``{key: {locale: {word: replacement}}}``, registered by the programme (competitions/events/kinds.py).
_TERMS: dict[str, dict[str, dict[str, str]]] = {}
_TERM_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {}


def register_terms(key: str, terms: dict[str, dict[str, str]]) -> None:
    """Words to replace in messages shown for ``key`` (an event kind), per locale. English words are
    replaced as whole words; longer words first (``作品名称`` before ``作品``)."""
    _TERMS[key] = terms
    for locale in list(_TERM_PATTERNS):
        if locale[0] == key:
            del _TERM_PATTERNS[locale]


def with_terms(text: str, key: object) -> str:
    """``text`` (already in the current locale) with ``key``'s words in place of the general ones."""
    words = _TERMS.get(str(key or ""), {}).get(get_locale())
    if not words:
        return text
    pattern = _TERM_PATTERNS.get((str(key), get_locale()))
    if pattern is None:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        pattern = re.compile(rf"\b(?:{alternatives})\b" if get_locale() != DEFAULT_LOCALE else f"(?:{alternatives})")
        _TERM_PATTERNS[(str(key), get_locale())] = pattern
    return pattern.sub(lambda m: words[m.group(0)], text)


def gettext_terms(message: str, key: object, **params: object) -> str:
    """:func:`gettext` with ``key``'s own words (:func:`register_terms`) put in before the
    placeholders are filled (a title that contains 作品 stays as written). Templates write
    ``t_("报名作品", event.kind)``; an unknown or empty key changes nothing."""
    return _filled(with_terms(_catalog(get_locale()).get(message, message), key), with_terms(message, key), params)


def pgettext(context: str, message: str, **params: object) -> str:
    """:func:`gettext` of ``message`` in ``context`` (a po file's ``msgctxt``): one Chinese word
    that English writes two ways, e.g. ``pgettext("plural", "评委")`` -> "Judges" where the
    heading of a list needs the plural and ``_("评委")`` -> "Judge" stays for one person."""
    text = _catalog(get_locale()).get(f"{context}\x04{message}")
    if text is None:
        return gettext(message, **params)
    return _filled(text, message, params)


def pgettext_terms(context: str, message: str, key: object, **params: object) -> str:
    """:func:`gettext_terms` of ``message`` in ``context``, falling back to the message without one
    (the entry history's ``pgettext_terms("history", "调整奖项", kind)`` -> "Award adjusted", where the
    results page's button ``_("调整奖项")`` is "Adjust award")."""
    catalog = _catalog(get_locale())
    text = catalog.get(f"{context}\x04{message}", catalog.get(message, message))
    return _filled(with_terms(text, key), with_terms(message, key), params)


def translate_for(locale: str, message: str, **params: object) -> str:
    """Translate for an explicit locale (tests, CLI)."""
    token = set_locale(locale)
    try:
        return gettext(message, **params)
    finally:
        _locale.reset(token)


def colon() -> str:
    """The colon after a label in the current language: ``：`` in Chinese, ``": "`` in English
    (templates write ``{{ _("原因") }}{{ colon() }}`` so English reads "Reason: ...")."""
    return "：" if get_locale() == DEFAULT_LOCALE else ": "


def list_separator() -> str:
    """Between the items of a list in running text: ``、`` in Chinese, ``", "`` in English."""
    return "、" if get_locale() == DEFAULT_LOCALE else ", "


def semicolon() -> str:
    """Between items that hold commas of their own: ``；`` in Chinese, ``"; "`` in English."""
    return "；" if get_locale() == DEFAULT_LOCALE else "; "


def comma() -> str:
    """Between two clauses: ``，`` in Chinese, ``", "`` in English."""
    return "，" if get_locale() == DEFAULT_LOCALE else ", "


def paren(text: object) -> str:
    """``text`` in brackets after a name: ``（HK01）`` in Chinese, `` (HK01)`` in English
    (templates write ``{{ school.name }}{{ paren(school.code) }}``)."""
    return f"（{text}）" if get_locale() == DEFAULT_LOCALE else f" ({text})"
