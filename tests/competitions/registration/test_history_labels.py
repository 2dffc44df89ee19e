"""The entry history reads as sentences: every audit action that can appear there has a translated
label (a fresh user saw the raw key ``entry.import.held``), and documents read "上传了 申报书（文件 …）"."""

from __future__ import annotations

import ast
import html
from pathlib import Path

from app.i18n import translate_for
from app.settings import PROJECT_ROOT
from competitions.registration import pages
from tests.competitions.api import call, patch_event
from tests.competitions.registration.test_documents import pdf, upload


def _entry_actions() -> set[str]:
    """Audit actions recorded with an ``entry_id`` anywhere in competitions/ and judging/ (the
    entry history lists exactly those); ``f"entry.review.{decision}"`` stands for both decisions."""
    actions: set[str] = set()
    for package in ("competitions", "judging"):
        for path in (Path(PROJECT_ROOT) / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not any(k.arg == "entry_id" for k in node.keywords):
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                args = node.args[1:] if name == "record" else node.args if name == "AuditRecord" else []
                if not args:
                    continue
                first = args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    actions.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    prefix = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                    actions.update(prefix + d for d in ("approve", "return"))
    return actions


def test_every_audit_action_of_the_entry_history_has_a_translated_label(world):
    actions = _entry_actions()
    assert {"entry.import.held", "entry.review.return", "document.upload", "score.organizer_change"} <= actions
    assert sorted(actions - set(pages.ACTION_LABELS)) == []
    untranslated = [a for a in actions if translate_for("en", pages.ACTION_LABELS[a]) == pages.ACTION_LABELS[a]]
    assert untranslated == []


def test_a_held_import_and_a_document_read_as_sentences_for_school_city_and_organizer(world):
    from tests.competitions.registration.test_roster import sid, stu, workbook
    from tests.competitions.registration.test_roster import upload as upload_workbook

    patch_event(world, {"required_documents": ["application_form"]})
    assert upload_workbook(world, "hk01", workbook([stu("李明", sid(1))])).status_code == 201
    (entry,) = call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "hk01").json()
    assert upload(world, "hk01", entry["id"], "application_form", pdf()).status_code == 201
    for username in ("hk01", "haikou", "org"):
        client = world.client.__class__(app=world.client.app)
        with client:
            world.login_page(username, client)
            page = client.get(f"/entries/{entry['id']}").text
            history = html.unescape(page[page.index('id="history"') :])
            assert "导入后因材料不全保存为草稿" in history and "entry.import.held" not in history
            assert "上传了 申报书（文件 " in history
            client.cookies.set("lang", "en")
            page = client.get(f"/entries/{entry['id']}").text
            history = html.unescape(page[page.index('id="history"') :])
            assert "Imported, kept as a draft: materials missing" in history and "Uploaded " in history
