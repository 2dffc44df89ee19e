"""Helpers for the judging page tests: forms with CSRF, page text, and the ``Panel``
scenario (five PH entries of three schools, three PH judges, one of them of HK01)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from judging.scoring import services as scoring
from judging.scoring.tables import Assignment
from tests import factories
from tests.conftest import gb11643


def csrf(client) -> str:
    return client.cookies.get("xinmiao_csrf")


def post(client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={**(data or {}), "_csrf_token": csrf(client)}, follow_redirects=False, **kwargs)


def put_score(client, entry_id: int, body: dict, with_csrf: bool = True):
    headers = {"x-csrftoken": csrf(client)} if with_csrf else {}
    return client.put(f"/judging/entries/{entry_id}/score", json=body, headers=headers)


def text_of(response) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def flashes(client, url: str) -> str:
    return text_of(client.get(url))


def id_number(seq: int) -> str:
    return gb11643(f"46010520110315{seq:03d}")


def masked(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


@dataclass
class Panel:
    """Five PH entries (two from HK01, two from HK02, one from SY01) and three PH judges:
    ``judge`` (no school), ``judge_hk`` (of HK01: never scores HK01's entries) and ``judge_sy``."""

    entries: list[dict] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # student name -> full ID number
    phones: dict[str, str] = field(default_factory=dict)
    judges: dict[str, int] = field(default_factory=dict)


def build_panel(world, *, judges: bool = True) -> Panel:
    panel = Panel()
    specs = [
        ("HK01", "椰壳纤维的隔热性能研究", ("张三丰", True), ("李四", False)),
        ("HK01", "简易地震波演示装置", ("王五", True), None),
        ("HK02", "太阳能海水淡化蒸发效率", ("赵小六", False), None),
        ("HK02", "台风路径的概率模型", ("钱七", True), None),
        ("SY01", "珊瑚白化与水温的关系", ("孙八", False), None),
    ]
    seq = 101  # odd 17th digit: male
    for school, title, *students in specs:
        members = []
        for student in students:
            if student is None:
                continue
            name, consent = student
            seq += 2
            panel.ids[name] = id_number(seq)
            panel.phones[name] = f"139{seq:08d}"
            members.append(
                factories.student(name, id_number=panel.ids[name], phone=panel.phones[name], publication=consent)
            )
        entry = factories.entry(
            world,
            school,
            title=title,
            category="PH",
            summary="研究简介：" + title,
            students=members,
            advisers=[factories.adviser(f"{title[:2]}老师", phone="13600000000")],
        )
        assert entry["status"] == "approved"
        panel.entries.append(entry)
    if judges:
        factories.user(world, "judge_hk", "judge", display_name="海口评委")
        factories.user(world, "judge_sy", "judge", display_name="三亚评委")
        for username, school in (("judge", None), ("judge_hk", "HK01"), ("judge_sy", "SY01")):
            panel.judges[username] = factories.judge(world, username, ["PH"], school=school)
    return panel


def assigned_to(world, judge_id: int) -> list[int]:
    return sorted(
        r["entry"] for r in world.run(Assignment.select(Assignment.entry).where(Assignment.judge == judge_id))
    )


def score_all(world, panel: Panel, points: dict[str, dict[int, dict[str, int]]] | None = None) -> None:
    """Every assigned judge scores every entry (default: points from the entry's position)."""
    for username, judge_id in panel.judges.items():
        actor = world.principal(username)
        for entry_id in assigned_to(world, judge_id):
            index = [e["id"] for e in panel.entries].index(entry_id)
            values = (points or {}).get(username, {}).get(entry_id) or {
                "innovation": 9 - index,
                "scientific": 8,
                "practical": 7,
            }
            world.run(scoring.put_score(actor, entry_id, values))
