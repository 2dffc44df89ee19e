"""app/text.py: what the service refuses in text (issue 11 item 1): NUL and unpaired surrogates
anywhere, private-use characters in names and titles (they print as nothing on certificates);
school names and accounts through the API."""

from __future__ import annotations

from app.text import code_point, name_problem, private_use_character, unstorable_character

PUA_BMP = "\ue000"  # the first private-use character of the BMP
PUA_PLANE_15 = "\U000f0001"
PUA_PLANE_16 = "\U0010fffd"


def test_unstorable_characters():
    assert unstorable_character("李\x00明") == "\x00"
    assert unstorable_character("a\ud800") == "\ud800"
    assert unstorable_character("\udfff") == "\udfff"
    assert unstorable_character("阿依古丽·买买提 😀 𠀀") is None  # astral characters are fine


def test_private_use_ranges_and_their_edges():
    for character in (PUA_BMP, "\uf8ff", "\U000f0000", PUA_PLANE_15, PUA_PLANE_16, "\U00100000"):
        assert private_use_character(f"王{character}") == character, code_point(character)
    for character in ("\ud7ff", "\uf900", "\U000effff", "\U000ffffe", "\U0010fffe", "䶮", "𪚥"):
        assert private_use_character(f"王{character}") is None, code_point(character)


def test_code_point_names():
    assert code_point("\x00") == "U+0000"
    assert code_point(PUA_BMP) == "U+E000"
    assert code_point(PUA_PLANE_16) == "U+10FFFD"


def test_name_problem_messages():
    assert name_problem("王小明", "姓名") is None
    assert name_problem(f"王{PUA_BMP}明", "姓名") == (
        "姓名含有私用区字符（U+E000）：这是输入法或字体自造的字，证书字体里没有，会印成空白。"
        "请改用标准汉字（生僻字请用输入法的 Unicode 标准字形，或联系组委会）。"
    )
    assert name_problem("王\x00明", "姓名") == "字段“姓名”含有空字符（U+0000），无法保存。请删除该字符后重试。"


def test_name_problem_in_english(world):
    from app.i18n import set_locale

    token = set_locale("en")
    try:
        message = name_problem(f"x{PUA_PLANE_15}", "Name")
    finally:
        from app.i18n import _locale

        _locale.reset(token)
    assert message is not None and message.startswith("Name holds a private-use character (U+F0001)")
    assert "print as nothing" in message


def test_school_name_with_private_use_character_is_refused(world, run):
    from app.tables import School

    response = world.client.post(
        "/api/v1/schools",
        json={"code": "PU1", "name": f"海口{PUA_BMP}中学", "city": "海口市"},
        headers=world.headers("org"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "name", "message": name_problem(f"海口{PUA_BMP}中学", "学校名称")}]
    assert run(School.count().where(School.code == "PU1")) == 0


def test_display_name_with_private_use_character_is_refused(world):
    response = world.client.post(
        "/api/v1/users",
        json={"username": "pua", "password": "Str0ng-pass-2026", "role": "judge", "display_name": f"张{PUA_PLANE_16}"},
        headers=world.headers("org"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "display_name"
    assert "U+10FFFD" in response.json()["detail"]
