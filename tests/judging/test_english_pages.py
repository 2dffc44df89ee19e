"""The judging pages in English (the ``lang`` cookie): no Chinese words or full-width
punctuation of our own. Chinese text that is data (event, entry, school, region, category,
rubric and person names, an entry's summary) may appear; everything else comes from the
English catalogs and the punctuation helpers (``colon()``, ``comma()``, ``list_sep()``)."""

from __future__ import annotations

import json
import re

from app.regions.tables import Region
from app.tables import School, User
from competitions.events.tables import Category, Event
from competitions.registration.tables import Entry, Member
from judging.panels import assignments
from judging.scoring.tables import Assignment, Criterion, Score
from tests.judging.pages import build_panel, post, score_all, text_of

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff1f\uff5b-\uff65]+")
# full-width punctuation next to Latin text: "Mean（in use）", "Assignments：5", "35%。Not"
MIXED = re.compile(r"[A-Za-z0-9%)]\s?[：（），。、；！？]|[：（），。、；！？]\s?[A-Za-z0-9(]")


def data_strings(world) -> list[str]:
    """Every piece of Chinese the test data puts on the pages, longest first."""
    from judging.scoring import rubric

    parts: set[str] = {"中文"}  # the language switch names the other language in it
    for table, columns in (
        (Event, ("name",)),
        (Entry, ("title", "summary")),
        (School, ("name", "city")),
        (Region, ("name", "short_name")),
        (Category, ("name",)),
        (User, ("display_name",)),
        (Member, ("name",)),
        (Criterion, ("name", "description")),
    ):
        for row in world.run(table.select(*(getattr(table, c) for c in columns))):
            parts.update(str(v) for v in row.values() if v)
    for c in world.run(rubric.get_rubric(world.event_id)):
        parts.update(str(c.get(k) or "") for k in ("name", "description"))
    return sorted((p for p in parts if CHINESE.search(p)), key=len, reverse=True)


def leftovers(text: str, data: list[str]) -> list[str]:
    for piece in data:
        text = text.replace(piece, " ")
    found = CHINESE.findall(text) + [m.group(0) for m in MIXED.finditer(text)]
    return sorted(set(found))


def test_organizer_and_judge_pages_in_english_have_no_chinese_of_their_own(world):
    panel = build_panel(world)
    world.run(assignments.generate(world.org, world.event_id, 2))
    score_all(world, panel)
    world.run(Score.delete().where(Score.entry == panel.entries[4]["id"]))  # one incomplete entry
    client = world.login_page("org")
    client.cookies.set("lang", "en")
    base = f"/events/{world.event_id}/judging"
    first = panel.entries[0]["id"]
    # a score changed by the organizer (history), an objection, the 公示 with a 公示期
    sheet_id = world.run(Score.select(Score.id).where(Score.entry == first).first())["id"]
    post(client, f"{base}/scores/{sheet_id}", {"entry_id": str(first), "points_innovation": "6", "reason": "typo"})
    pages = {
        "overview": client.get(f"{base}/"),
        "progress": client.get(f"{base}/progress"),
        "consistency": client.get(f"{base}/consistency"),
        "results": client.get(f"{base}/results"),
        "results compared": client.get(f"{base}/results?method=zscore"),
        "results preview": client.get(f"{base}/results", params={"preview": "1", "award_first": "0.15"}),
        "settings refused": post(client, f"{base}/settings", {"award_first": "50", "award_second": "60"}),
        "publication": client.get(f"{base}/publication"),
        "judges": client.get(f"{base}/judges"),
        "assignments": client.get(f"{base}/assignments"),
        "sheets": client.get(f"{base}/assignments/print"),
        "rubric": client.get(f"{base}/rubric"),
        "entry": client.get(f"{base}/entries/{first}"),
    }
    post(client, f"{base}/publish", {"confirm": "yes", "notice_ends_at": "2099-01-01", "objection_contact": "0898"})
    post(client, f"{base}/finalize", {"confirm": "yes"})  # refused: the 409 in words
    pages["publication published"] = client.get(f"{base}/publication")
    post(client, f"{base}/objections", {"entry_code": panel.entries[0]["code"], "raised_by": "A", "content": "B"})
    pages["publication objection"] = client.get(f"{base}/publication")
    judge = world.client.__class__(app=world.client.app)
    with judge:
        world.login_page("judge", judge)
        judge.cookies.set("lang", "en")
        mine = sorted(
            r["entry"]
            for r in world.run(Assignment.select(Assignment.entry).where(Assignment.judge == panel.judges["judge"]))
        )
        pages["judge list"] = judge.get("/judging/")
        pages["judge entry"] = judge.get(f"/judging/entries/{mine[0]}")
    data = data_strings(world)
    found = {}
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        bad = leftovers(text_of(response), data)
        # the messages the page scripts show (score page, list page) are English too
        for block in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', response.text, re.S):
            payload = json.loads(block)
            messages = payload.get("messages", payload) if isinstance(payload, dict) else {}
            bad += leftovers(json.dumps(messages, ensure_ascii=False), data)
        if bad:
            found[name] = bad
    assert found == {}
    # the refused finalization said in words what to do
    assert "give the reason for finalizing early" in text_of(pages["publication published"])


def test_every_string_of_the_judging_pages_has_an_english_translation():
    """Every Chinese literal passed to _() in the judging code and templates of results, panels,
    scoring and rounds is in an English catalog."""
    from pathlib import Path

    from app.i18n import _catalog

    root = Path(__file__).resolve().parents[2]
    sources = [
        *(
            p
            for area in ("results", "panels", "scoring", "rounds")
            for p in sorted((root / "judging" / area).glob("*.py"))
        ),
        *(root / "templates" / "judging" / name for name in ("overview.html", "_macros.html")),
        *(
            p
            for area in ("results", "panels", "scoring")
            for p in sorted((root / "templates" / "judging" / area).glob("*.html"))
        ),
    ]
    literal = re.compile(r"""(?<![A-Za-z_])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog = _catalog("en")
    missing = set()
    for path in sources:
        for a, b in literal.findall(path.read_text(encoding="utf-8")):
            message = a or b
            if re.search(r"[\u4e00-\u9fff（）]", message) and message not in catalog:
                missing.add(f"{path.name}: {message}")
    assert not missing, sorted(missing)
