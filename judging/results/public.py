"""What the public sees of an event's results, computed once per change (:mod:`app.pubcache`).

:func:`public_view` is everything the public results page and the public JSON answer are made of
(the event, the round's state and 公示期, the selected rows with names masked without consent,
the counts), kept per version of the event: computing it for 3,000 entries takes a few hundred
milliseconds, reading it from the cache a dictionary look-up. :func:`results_json` is the public
``GET /api/v1/events/{id}/results`` as bytes, made once per change. The page itself (per language,
anonymous visitors only) is kept by :mod:`judging.results.pages`.

Nothing here holds more than the public may see: only the public selection of rows (award
winners, or every ranked entry with ``public_results`` ``all``), students' names as shown
(masked without the guardian's consent), no advisers, no ID numbers, no organizer-only fields.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.serialization import encode_json

from app import pubcache
from app.errors import NotFound
from app.i18n import _, get_locale
from app.web.schemas import answer
from competitions.events import services as events
from judging.results import publication
from judging.results import services as results
from judging.results.schemas import ResultsOut
from judging.rounds import services as rounds
from judging.rounds import settings as judging_settings
from judging.rounds.states import RoundState

API_KEEP = ("entry_id", "category_code", "division", "status", "rank", "score", "award")


def search_text(row: dict[str, Any]) -> str:
    """What the search looks in, as :func:`judging.results.services.filter_public_rows` reads it."""
    return "".join([row["title"], row["school_name"] or "", *row["students"]]).replace(" ", "").casefold()


async def _compute(event_id: int) -> pubcache.Answer:
    event = await events.get_event(event_id)  # NotFound for an unknown event (not kept)
    round_row = await rounds.current_round(event_id)
    if event["status"] == "draft" or not RoundState.of(round_row).is_public:
        return pubcache.Answer(b"", status_code=404, data=None)
    settings = await judging_settings.get_settings(event_id)
    computed = await results.compute_results(event_id, round_row=round_row)
    selection = results.public_selection(computed["entries"], settings["public_results"])
    public = await results.public_rows(selection)
    for row in public["rows"]:
        row["search"] = search_text(row)
    notice = await publication.notice(event_id, round_row)
    rows = public["rows"]
    choices = {  # what the page's filters offer
        "categories": list(dict.fromkeys((r["category_code"], r["category_name"]) for r in rows)),
        "divisions": list(dict.fromkeys(r["division"] for r in rows)),
        "awards": [a for a in results.AWARD_LABELS if any(r["award"] == a for r in rows)],
        "schools": sorted({r["school_name"] for r in rows if r["school_name"]}),
    }
    view = {
        "event": event,
        "round": round_row,
        "settings": settings,
        "notice": notice,
        "rows": rows,
        "choices": choices,
        "counts": {k: selection[k] for k in ("ranked", "awarded", "not_ranked")},
        "api": {
            **{k: computed[k] for k in ("event_id", "round", "method", "state")},
            "entries": [{k: r[k] for k in API_KEEP} for r in selection["entries"]],
            "public_results": settings["public_results"],
            **{k: selection[k] for k in ("ranked", "awarded", "not_ranked")},
            **{k: notice[k] for k in ("notice_starts_at", "notice_ends_at", "objection_contact")},
        },
    }
    # the body is what the view is made of, so that revalidation (app.pubcache) sees a change no signal announced
    return pubcache.Answer(msgspec.json.encode(view, enc_hook=str), data=view, compress=False)


async def public_view(event_id: int) -> dict[str, Any]:
    """The public view of the event's results (kept per version); :class:`NotFound` before
    publication, for a draft and for an unknown event."""
    # per language: robotics rows carry their reason line in words ("淘汰赛第 1 名（联盟成绩）…")
    held = await pubcache.cached(event_id, ("results-view", get_locale()), lambda: _compute(event_id))
    if held.data is None:
        raise NotFound(_("结果尚未公示。"))
    view: dict[str, Any] = held.data
    return view


async def results_json(event_id: int) -> pubcache.Answer:
    """The public ``GET /api/v1/events/{id}/results`` (encoded once per change)."""

    async def make() -> pubcache.Answer:
        view = await public_view(event_id)
        return pubcache.Answer(encode_json(answer(ResultsOut, view["api"])), media_type="application/json")

    return await pubcache.cached(event_id, ("results-json",), make)
