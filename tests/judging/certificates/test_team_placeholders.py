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


def test_a_label_around_an_empty_placeholder_is_not_printed():
    """A user's report: "同队：{teammates}；" printed "同队：；" on a one-student entry. A free text
    whose placeholders are all empty prints nothing; a bracketed part prints (without its brackets)
    only when a placeholder inside it has a value; brackets without a placeholder stay as written."""
    alone = {"name": "王芳", "teammates": "", "advisers": "", "award": "一等奖"}
    team = {**alone, "teammates": "李明、赵强"}
    line = {"type": "text", "text": "同队：{teammates}；"}
    assert render.field_text(line, alone) == "" and render.field_text(line, team) == "同队：李明、赵强；"
    mixed = "{name}同学[，同队：{teammates}]获{award}[（辅导教师：{advisers}）]"
    assert render.fill_placeholders(mixed, alone) == "王芳同学获一等奖"
    assert render.fill_placeholders(mixed, team) == "王芳同学，同队：李明、赵强获一等奖"
    assert render.fill_placeholders("[2026]{name}[备注]", alone) == "[2026]王芳[备注]"
    assert (
        render.fill_placeholders("同队：{teammates}、{advisers}", {**alone, "advisers": "陈老师"}) == "同队：、陈老师"
    )
    assert render.fill_placeholders("第二届{coach}", alone) == "第二届{coach}"  # no known placeholder: as written
    assert render.placeholder_errors("{name}同学[，同队：{teammates}]") == []
