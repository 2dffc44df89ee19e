"""The English catalogues are merged into one (app/i18n.py): a Chinese message must have one English
text across every package's catalogue, or which text a page shows depends on the files' order
("签到" was "Check in" in one catalogue and "Check-in" in another; the entry history's "调整奖项"
showed the results page's button "Adjust award" instead of "Award adjusted"). One Chinese word that
English writes two ways takes a context (``pgettext``)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> dict[str, dict[str, str]]:
    """(context, message) -> {catalogue: English text}."""
    texts: dict[str, dict[str, str]] = {}
    for package in ("app", "competitions", "judging"):
        for path in sorted((ROOT / package).rglob("locale/en/*.po")):
            with path.open("rb") as fh:
                for message in read_po(fh, locale="en"):
                    if message.id and message.string and not message.fuzzy:
                        key = f"{message.context or ''}\x04{message.id}"
                        texts.setdefault(key, {})[f"{package}/{path.name}"] = str(message.string)
    return texts


def test_every_message_has_one_english_text_across_the_catalogues():
    twice = {key.replace("\x04", " | "): v for key, v in _texts().items() if len(set(v.values())) > 1}
    assert twice == {}


def test_history_labels_read_as_what_happened_and_buttons_as_what_to_do():
    from app.i18n import _catalog, pgettext, set_locale

    _catalog.cache_clear()
    set_locale("en")
    try:
        from competitions.registration.pages import history_action

        assert history_action("award.adjust", "innovation") == "Award adjusted"
        assert history_action("score.organizer_change", "innovation") == "Score changed by the organizing office"
        assert pgettext("history", "评分") == "Scores"
        from app.i18n import gettext

        assert gettext("调整奖项") == "Adjust award"  # the results page's button
        assert pgettext("feedback", "评分") == "Rating"  # a school's rating of a talk
    finally:
        set_locale("zh")
