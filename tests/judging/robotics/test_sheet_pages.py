"""The organizer's score-sheet editor (/events/{event_id}/robotics/{code}/sheet): preview,
validation messages naming the item and the path, upload and download as JSON, versions, the
in-use notice and the confirmed recomputation; the example sheets are valid."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest

from judging.robotics import sheet_pages, sheets
from tests.judging.pages import csrf, post
from tests.judging.robotics.test_api import SHEET, Robotics


@pytest.fixture
def rob(world):
    rob = Robotics(world)
    rob.world.login_page("org")
    return rob


def url(rob, tail=""):
    return f"/events/{rob.event_id}/robotics/R1/sheet{tail}"


@pytest.mark.parametrize("name", sorted(sheet_pages.EXAMPLES))
def test_example_sheets_are_valid(name):
    sheet = sheets.parse_sheet(sheet_pages.example(name))
    assert sheet.rounds == 3 and sheet.time_item is not None
    if name == "wro":  # the surprise rule: item left_store only in variant A, flag only in B
        assert [c for c, _n in sheet.variants] == ["A", "B"]
        assert [i.code for i in sheets.required_items(sheet, "A")] == [
            "blocks",
            "blocks_partial",
            "left_store",
            "damage",
            "parked",
            "t",
        ]
        # variant B: 2 blocks (24) + flag up (15) - 1 damage (5) + parked (10) = 44
        run = sheets.score_run(
            sheet, {"blocks": 2, "blocks_partial": 0, "flag": "up", "damage": 1, "parked": True, "t": 100}, "B"
        )
        assert run.score == 44
    else:  # skills: 4 blocks (40) + gate (25) + 2 behind it (10) + full (20) - 1 touch (5) + no retries (10) = 100
        run = sheets.score_run(sheet, {"m1": 4, "m2": True, "m3": 2, "m4": "full", "p1": 1, "retries": 0, "t": 90})
        assert run.score == 100


def test_editor_saves_previews_and_names_the_item_in_errors(rob):
    page = rob.client.get(url(rob))
    assert page.status_code == 200 and "还没有记分表" in page.text
    example = rob.client.get(url(rob, "?example=skills"))
    assert "搬运能量块" in html.unescape(example.text)
    bad = copy.deepcopy(SHEET)
    bad["items"][1] = {"code": "m2", "name": "开启闸门", "type": "count", "min": 3, "max": 1, "points": 25}
    text = json.dumps(bad, ensure_ascii=False)
    refused = post(rob.client, url(rob), {"sheet": text, "action": "save"})
    assert refused.status_code == 422
    body = html.unescape(refused.text)
    assert "items[1].max" in body and "任务项“m2”的最大值 1 小于最小值 3。" in body
    assert json.dumps(bad["items"][1], ensure_ascii=False)[:20] in body  # the text is kept
    syntax = post(rob.client, url(rob), {"sheet": '{"items": [\n  {"code": "m1",}\n]}', "action": "preview"})
    assert syntax.status_code == 422 and "第 2 行" in html.unescape(syntax.text)
    preview = post(rob.client, url(rob), {"sheet": json.dumps(SHEET), "action": "preview"})
    assert preview.status_code == 200 and "检查通过" in preview.text
    assert (
        rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).status_code == 404
    )
    saved = post(rob.client, url(rob), {"sheet": json.dumps(SHEET), "action": "save"})
    assert saved.status_code in (302, 303)
    shown = html.unescape(rob.client.get(url(rob)).text)
    assert "搬运能量块" in shown and "取最好一轮" in shown and "计分轮次的用时（少者优先）" in shown
    download = rob.client.get(url(rob, ".json"))
    assert download.status_code == 200 and json.loads(download.text) == SHEET
    assert "R1-sheet-v1.json" in download.headers["content-disposition"]


def test_upload_and_recompute_when_runs_exist(rob):
    rob.put_sheet()
    run_id = rob.submit("飞龙队").json()["id"]  # 60 points
    rob.approve(run_id)
    page = html.unescape(rob.client.get(url(rob)).text)
    assert "记分表正在使用" in page and 'name="recompute"' in page
    changed = copy.deepcopy(SHEET)
    changed["items"][0]["points"] = 20  # 4x20 + 25 - 5 = 100
    upload = json.dumps(changed, ensure_ascii=False).encode()
    files = {"file": ("r1.json", upload, "application/json")}
    headers = {"x-csrftoken": csrf(rob.client)}
    refused = rob.client.post(url(rob), data={"sheet": "", "action": "save"}, files=files, headers=headers)
    assert refused.status_code == 409
    # the page's words point to the tick box, not to the API's "recompute": true
    assert "请勾选保存按钮旁的“我确认：保存后按新版本重新计算全部成绩”" in html.unescape(refused.text)
    assert '"recompute": true' not in html.unescape(refused.text)
    files = {"file": ("r1.json", upload, "application/json")}
    saved = rob.client.post(
        url(rob),
        data={"sheet": "", "action": "save", "recompute": "1"},
        files=files,
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    assert rob.standings()[0]["counted_score"] == "100"
    versions = html.unescape(rob.client.get(url(rob)).text)
    assert "sheet.json?version=2" in versions and "sheet.json?version=1" in versions


def test_editor_is_for_organizers(rob, world):
    referee = world.client
    referee.cookies.clear()
    world.login_page("referee")
    assert referee.get(url(rob)).status_code in (401, 403)


def flat(values: dict) -> dict:
    """The form's values as posted fields."""
    data = {k: v for k, v in values.items() if k != "items"}
    data["count"] = str(len(values["items"]))
    for i, item in enumerate(values["items"]):
        data.update({f"item-{i}-{k}": v for k, v in item.items()})
    return data


def test_form_round_trip_is_the_sheet():
    assert sheet_pages.sheet_of(sheet_pages.form_of(SHEET)) == SHEET
    skills = sheet_pages.example("skills")
    assert sheet_pages.sheet_of(sheet_pages.form_of(skills)) == skills
    # the FLL-style rules: a restriction bounded by another item, a floor for the total
    from tests.judging.robotics.referee_sheet import FLL_SHEET

    assert sheet_pages.sheet_of(sheet_pages.form_of(FLL_SHEET)) == FLL_SHEET
    assert sheet_pages.field_errors(
        [
            {"field": "items[2].max", "message": "a"},
            {"field": "items[0].options[1].points", "message": "b"},
            {"field": "counted.k", "message": "c"},
            {"field": "restrictions[0].items", "message": "d"},
        ]
    ) == {"item-2-max": ["a"], "item-0-options": ["b"], "k": ["c"], "restrictions": ["d"]}


def test_form_editor_adds_moves_removes_and_names_the_item(rob):
    page = rob.client.get(url(rob, "/form?example=wro"))
    assert page.status_code == 200 and page.text.count('class="card sheet-item"') == 7
    values = sheet_pages.form_of(SHEET)
    added = post(rob.client, url(rob, "/form"), {**flat(values), "op": "add"})
    assert added.status_code == 200 and added.text.count('class="card sheet-item"') == 5
    moved = post(rob.client, url(rob, "/form"), {**flat(values), "op": "up-1"})  # m2 above m1
    body = moved.text
    assert body.index('name="item-0-code" value="m2"') < body.index('name="item-1-code" value="m1"')
    removed = post(rob.client, url(rob, "/form"), {**flat(values), "op": "remove-2"})  # p1 goes
    assert removed.text.count('class="card sheet-item"') == 3 and 'value="p1"' not in removed.text
    bad = copy.deepcopy(values)
    bad["items"][1].update({"type": "count", "min": "3", "max": "1"})
    refused = post(rob.client, url(rob, "/form"), {**flat(bad), "op": "save"})
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    # the message sits beside item 2's max field and names the item
    after_field = text.split('name="item-1-max"', 1)[1].split("</label>", 1)[0]
    assert "任务项“m2”的最大值 1 小于最小值 3。" in after_field
    assert 'name="item-1-min" value="3"' in refused.text  # the input is kept
    saved = post(rob.client, url(rob, "/form"), {**flat(values), "op": "save"})
    assert saved.status_code in (302, 303), saved.text
    stored = rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()
    assert stored == {**SHEET, "version": 1}


# --- finding the robotics pages; referees listed, added, made head and removed (issue 13 review) ---


def test_organizer_finds_the_robotics_pages_from_settings_events_and_judging(rob):
    client = rob.client
    pages = {
        "settings": client.get(f"/events/{rob.event_id}/settings").text,
        "events": client.get("/events/").text,
        "judging": client.get(f"/events/{rob.event_id}/judging/").text,
    }
    for name, text in pages.items():
        assert f'href="/events/{rob.event_id}/robotics/"' in text, name
    for name in ("settings", "judging"):
        assert f'href="/events/{rob.event_id}/robotics/referees"' in pages[name], name
    assert rob.put_sheet(SHEET).status_code == 200
    index = client.get(f"/events/{rob.event_id}/robotics/").text
    assert f'href="/events/{rob.event_id}/robotics/referees"' in index
    assert f'href="/referee/{rob.event_id}/R1/review"' in index  # R1 has a sheet
    assert f'href="/referee/{rob.event_id}/R2/' not in index  # R2 has none yet
    # an innovation event's settings do not offer robotics pages
    from tests.factories import competitions as factories

    other = factories.event(rob.world, "科技创新大赛", kind="innovation")
    assert "/robotics/" not in client.get(f"/events/{other['id']}/settings").text


def test_referees_are_listed_by_the_api_for_organizers(rob, world):
    answer = rob.client.get(f"/api/v1/events/{rob.event_id}/referees", headers=rob.org)
    assert answer.status_code == 200, answer.text
    lines = {r["username"]: r for r in answer.json()}
    assert lines["head"] == {
        "user_id": lines["head"]["user_id"],
        "username": "head",
        "display_name": "王主裁",
        "category_codes": ["R1"],
        "head": True,
        "head_category_codes": ["R1"],
    }
    assert lines["ref2"]["category_codes"] == ["R2"] and lines["ref2"]["head"] is False
    assert sorted(lines) == ["head", "ref2", "referee", "referee2"]
    refused = rob.client.get(f"/api/v1/events/{rob.event_id}/referees", headers=world.headers("referee"))
    assert refused.status_code == 403
    assert rob.client.get("/api/v1/events/999999/referees", headers=rob.org).status_code == 404


def test_score_sheet_format_is_described_in_the_openapi_document(rob):
    doc = rob.client.get("/schema/openapi.json").json()
    put = doc["paths"]["/api/v1/events/{event_id}/categories/{code}/score-sheet"]["put"]
    assert '"counted": {"rule": "best"|"best_sum"|"mean_drop_lowest"' in put["description"]
    assert "/api/v1/robotics/example-sheets/skills" in put["description"]
    assert "get" in doc["paths"]["/api/v1/events/{event_id}/referees"]
    example = rob.client.get("/api/v1/robotics/example-sheets/skills", headers=rob.org)
    assert example.status_code == 200 and example.json() == sheet_pages.example("skills")
    assert rob.client.get("/api/v1/robotics/example-sheets/nope", headers=rob.org).status_code == 404


def test_referees_page_adds_creates_changes_head_and_removes(rob, world):
    from app.tables import User

    client = rob.client
    base = f"/events/{rob.event_id}/robotics/referees"
    page = client.get(base)
    assert page.status_code == 200
    text = html.unescape(page.text)
    r1 = text[text.index('id="challenge-R1"') : text.index('id="challenge-R2"')]
    assert "王主裁" in r1 and "主裁判" in r1 and "李裁判" not in r1
    # a new account, its password shown once on the answer
    created = post(client, base, {"category_codes": "R2", "new_username": "ref9", "new_name": "赵裁判"})
    assert created.status_code == 201, created.text
    password = html.unescape(created.text).split('<strong class="mono">')[1].split("<")[0]
    assert len(password) >= 12
    assert world.client.post("/api/v1/auth/login", json={"username": "ref9", "password": password}).status_code == 200
    assert password not in client.get(base).text  # shown once
    lines = {r["username"]: r for r in client.get(f"/api/v1/events/{rob.event_id}/referees", headers=rob.org).json()}
    assert lines["ref9"]["category_codes"] == ["R2"] and lines["ref9"]["display_name"] == "赵裁判"
    role = User.select(User.role).where(User.username == "ref9").first().run_sync()
    assert role == {"role": "referee"}
    # an existing account added as head referee of R2
    added = post(client, base, {"category_codes": "R2", "username": "referee2", "head": "on"})
    assert added.status_code in (302, 303)
    user_id = lines["referee2"]["user_id"]
    # R1: made head, then not head, then removed
    assert post(client, f"{base}/{user_id}/R1", {"op": "head"}).status_code in (302, 303)
    lines = {r["username"]: r for r in client.get(f"/api/v1/events/{rob.event_id}/referees", headers=rob.org).json()}
    assert lines["referee2"]["head_category_codes"] == ["R1", "R2"]
    assert post(client, f"{base}/{user_id}/R1", {"op": "not_head"}).status_code in (302, 303)
    assert post(client, f"{base}/{user_id}/R1", {"op": "remove"}).status_code in (302, 303)
    lines = {r["username"]: r for r in client.get(f"/api/v1/events/{rob.event_id}/referees", headers=rob.org).json()}
    assert lines["referee2"]["category_codes"] == ["R2"] and lines["referee2"]["head_category_codes"] == ["R2"]
    assert post(client, f"{base}/{user_id}/R1", {"op": "remove"}).status_code == 404  # not any more
    # bad input: no challenge; both an account and a new one
    missing = post(client, base, {"username": "referee"})
    assert missing.status_code == 422 and "请至少选择一个赛项" in html.unescape(missing.text)
    both = post(client, base, {"category_codes": "R1", "username": "referee", "new_username": "x1"})
    assert both.status_code == 422 and 'value="x1"' in both.text
    not_referee = post(client, base, {"category_codes": "R1", "username": "hk01"})
    assert not_referee.status_code == 422 and "不是裁判账号" in html.unescape(not_referee.text)


def test_referees_page_is_for_organizers(rob, world):
    client = world.client
    client.cookies.clear()
    world.login_page("head")
    assert client.get(f"/events/{rob.event_id}/robotics/referees").status_code in (401, 403)


def test_form_editor_shows_only_the_fields_of_each_items_type(rob):
    page = rob.client.get(url(rob, "/form?example=skills")).text
    types = re.findall(r'class="card sheet-item" id="item-\d+" data-type="(\w+)"', page)
    assert types == [i["type"] for i in sheet_pages.example("skills")["items"]]
    # the default (Enter) button is off screen, not a bare hidden button that CSS shows as a square
    assert '<button name="op" value="preview" hidden' not in page
    assert 'class="default-submit" tabindex="-1" aria-hidden="true"' in page
    assert 'href="/static/sheet-editor.css"' in page and 'src="/static/sheet-editor.js"' in page
    css = (Path(__file__).resolve().parents[3] / "app" / "static" / "sheet-editor.css").read_text(encoding="utf-8")
    # a yes/no item hides min, max and options; a count hides options; a choice hides min, max, points
    for rule in (
        '.sheet-item[data-type="yesno"] .f-min',
        '.sheet-item[data-type="yesno"] .f-max',
        '.sheet-item[data-type="yesno"] .f-options',
        '.sheet-item[data-type="count"] .f-options',
        '.sheet-item[data-type="choice"] .f-points',
        '.sheet-item[data-type="time"] .f-requires',
    ):
        assert rule in css, rule
    for field in ("f-min", "f-max", "f-points", "f-options", "f-requires"):
        assert f'class="{field}"' in page, field


def test_the_form_keeps_a_floor_it_does_not_show(rob):
    """min_total (a floor for a run's total) saved through the API is not lost when the sheet is
    saved again through a form page without that field."""
    from tests.judging.robotics.referee_sheet import FLL_SHEET

    assert rob.put_sheet(FLL_SHEET).status_code == 200
    values = sheet_pages.form_of(FLL_SHEET)
    values["items"][0]["points"] = "15"  # m02 now 15
    posted = {k: v for k, v in flat(values).items() if k != "min_total"}
    saved = post(rob.client, url(rob, "/form"), {**posted, "op": "save"})
    assert saved.status_code in (302, 303), saved.text
    stored = rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()
    assert stored["version"] == 2 and stored["min_total"] == 0 and stored["items"][0]["points"] == 15


def test_the_form_shows_and_saves_the_floor(rob):
    """Lead's leftover: the form editor had no field for min_total (only the JSON editor had)."""
    from tests.judging.robotics.referee_sheet import FLL_SHEET

    assert rob.put_sheet({k: v for k, v in FLL_SHEET.items() if k != "min_total"}).status_code == 200
    page = rob.client.get(url(rob, "/form")).text
    assert 'name="min_total"' in page
    values = sheet_pages.form_of(
        rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()
    )
    saved = post(rob.client, url(rob, "/form"), {**flat(values), "min_total": "0", "op": "save"})
    assert saved.status_code in (302, 303), saved.text
    stored = rob.client.get(f"/api/v1/events/{rob.event_id}/categories/R1/score-sheet", headers=rob.org).json()
    assert stored["min_total"] == 0
    assert 'name="min_total" value="0"' in rob.client.get(url(rob, "/form")).text
