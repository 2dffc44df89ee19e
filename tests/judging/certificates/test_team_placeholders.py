"""Certificates for teams and advisers (issue 12 item 9): ``{teammates}`` names the holder's
teammates, ``{advisers}`` the entry's advisers; both are field types of the designer too."""

from __future__ import annotations

from judging.certificates import render
from judging.certificates import services as certificates
from tests import factories


def test_teammates_and_advisers_of_a_team_entry(world):
    team = factories.entry(world, "HK01", students=["李明", "王芳", "赵强"], advisers=["陈老师", "林老师"])
    names = world.run(certificates.team_names([team["id"]]))[team["id"]]
    assert names == {"students": ["李明", "王芳", "赵强"], "advisers": ["陈老师", "林老师"]}
    cert = {
        "kind": "award",
        "award": "first",
        "name": "王芳",
        "school_name": "海口市第一中学",
        "title": "校园雨水花园",
        "category_name": "物理",
        "division": "初中",
        "number": "XM2026-0000-0000-0000-0001",
    }
    values = certificates.certificate_values(cert, "2026年海南省青少年科技创新大赛", "2026年7月20日", names)
    assert (values["teammates"], values["advisers"]) == ("李明、赵强", "陈老师、林老师")
    line = render.fill_placeholders("与{teammates}同获{award}，辅导教师：{advisers}", values)
    assert line == "与李明、赵强同获一等奖，辅导教师：陈老师、林老师"
    alone = certificates.certificate_values(cert, "赛事", "日期")  # no team known: empty, never "None"
    assert (alone["teammates"], alone["advisers"]) == ("", "")


def test_the_placeholders_are_accepted_and_unknown_ones_still_refused():
    assert render.placeholder_errors("{name}与{teammates}，辅导教师{advisers}") == []
    assert render.placeholder_errors("{coach}") == ["{coach}"]
    assert "teammates" in render.FIELD_TYPES and "advisers" in render.FIELD_TYPES
