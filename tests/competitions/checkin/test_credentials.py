"""Credentials (competitions/checkin/credentials.py) through the service: a member's
credential read back names the member, any one-character change is refused, reissuing
revokes the earlier one, and only the organizer and the member's school see it."""

from __future__ import annotations

import pytest

from app.errors import Forbidden, NotFound, ValidationFailed
from competitions.checkin import credentials
from tests import factories

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def test_a_members_credential_read_back_gives_the_member_id(world):
    entry = factories.entry(world, "HK01", students=["李明"], advisers=["陈老师"])
    for name in ("李明", "陈老师"):
        member_id = entry["member_ids"][name]
        text = world.run(credentials.member_credential(world.org, member_id))
        ref = credentials.read_credential(text)
        # a new member's credential is generation 1
        assert (ref.member_id, ref.generation) == (member_id, 1)
        assert text == credentials.credential_for(member_id, 1)


def forge(text: str, changes: int = 4) -> str:
    """``text`` with its last ``changes`` characters each replaced: several edits away, a forgery."""
    tail = "".join(BASE32[(BASE32.index(c) + 7) % 32] for c in text[-changes:])
    return text[:-changes] + tail


def test_one_typed_mistake_is_a_typo_and_its_place_is_named_not_a_forgery(world):
    """Issue 12 item 8: one wrong, missing or extra character, or two neighbours swapped, is
    "mistyped" with the 1-based position to check; several changes are a forgery."""
    member_id = factories.entry(world, "HK01", students=["李明"])["member_ids"]["李明"]
    text = world.run(credentials.member_credential(world.org, member_id))
    # every position of the 24 Base32 characters, changed to the next letter of the alphabet
    for position in range(2, 26):
        changed = text[:position] + BASE32[(BASE32.index(text[position]) + 1) % 32] + text[position + 1 :]
        with pytest.raises(credentials.InvalidCredential) as refused:
            credentials.read_credential(changed)
        assert (refused.value.problem, refused.value.position) == ("mistyped", position + 1)
        assert refused.value.message == f"凭证号码输错了：请核对第 {position + 1} 个字符（从 XM 的 X 数起）后重新输入。"
    left_out = text[:10] + text[11:]  # the 11th character missing: found where it belongs (or a neighbour
    with pytest.raises(credentials.InvalidCredential) as refused:  # of the same letter)
        credentials.read_credential(left_out)
    assert refused.value.problem == "mistyped" and refused.value.position <= 11
    doubled = text[:10] + text[10] + text[10:]  # the 11th character typed twice
    with pytest.raises(credentials.InvalidCredential) as refused:
        credentials.read_credential(doubled)
    last = 11  # the last of the run of equal letters the doubled one belongs to: the one typed again
    while last + 1 < len(doubled) and doubled[last + 1] == text[10]:
        last += 1
    assert (refused.value.problem, refused.value.position) == ("mistyped", last + 1)
    i = next(k for k in range(2, 25) if text[k] != text[k + 1])
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    with pytest.raises(credentials.InvalidCredential) as refused:
        credentials.read_credential(swapped)
    assert refused.value.problem == "mistyped"
    # several changes: a forgery
    with pytest.raises(credentials.InvalidCredential) as refused:
        credentials.read_credential(forge(text))
    assert refused.value.problem == "forged"
    assert refused.value.message == "凭证签名无效：此二维码是伪造或被改动过的。"
    # two characters more or less is not a credential at all
    for garbled in (text[:-2], text + "AA"):
        with pytest.raises(credentials.InvalidCredential) as refused:
            credentials.read_credential(garbled)
        assert (refused.value.problem, refused.value.message) == ("garbled", "这不是新苗的参赛凭证二维码。")
    # InvalidCredential answers 422
    assert issubclass(credentials.InvalidCredential, ValidationFailed)


def test_reissue_raises_the_generation_and_needs_a_reason(world):
    member_id = factories.entry(world, "HK01", students=["李明"])["member_ids"]["李明"]
    first = world.run(credentials.member_credential(world.org, member_id))
    with pytest.raises(ValidationFailed) as refused:
        world.run(credentials.reissue_credential(world.org, member_id, "  "))
    assert refused.value.message == "请填写补发原因。"
    with pytest.raises(Forbidden) as refused:
        world.run(credentials.reissue_credential(world.principal("hk01"), member_id, "丢失"))
    assert refused.value.message == "只有组委会可以补发凭证。"
    second = world.run(credentials.reissue_credential(world.org, member_id, "参赛证丢失"))
    third = world.run(credentials.reissue_credential(world.org, member_id, "又丢了"))
    assert [credentials.read_credential(t).generation for t in (first, second, third)] == [1, 2, 3]
    # the current credential is the last one issued
    assert world.run(credentials.member_credential(world.org, member_id)) == third
    assert world.run(credentials.credentials_for_members([member_id, 999999])) == {member_id: third}


def test_only_the_organizer_and_the_members_school_see_the_credential(world):
    member_id = factories.entry(world, "HK01", students=["李明"])["member_ids"]["李明"]
    expected = credentials.credential_for(member_id, 1)
    assert world.run(credentials.member_credential(world.principal("hk01"), member_id)) == expected
    for username in ("hk02", "haikou", "judge", "staff"):
        with pytest.raises(NotFound) as hidden:
            world.run(credentials.member_credential(world.principal(username), member_id))
        assert hidden.value.message == "找不到这个参赛人员。", username
    with pytest.raises(NotFound):
        world.run(credentials.member_credential(world.org, 999999))


def test_credential_images_png_and_svg(world):
    member_id = factories.entry(world, "HK01", students=["李明"])["member_ids"]["李明"]
    png, png_type = world.run(credentials.credential_image(world.org, member_id, "png"))
    svg, svg_type = world.run(credentials.credential_image(world.org, member_id, "svg"))
    assert (png[:8], png_type) == (b"\x89PNG\r\n\x1a\n", "image/png")
    assert svg_type == "image/svg+xml" and b"<svg" in svg
    with pytest.raises(ValidationFailed) as refused:
        credentials.qr_image_bytes("XM", "gif")
    assert refused.value.message == "图片格式只能是 png 或 svg。"


def test_ids_out_of_range_have_no_credential():
    for member_id, generation in ((0, 1), (2**32, 1), (1, 0), (1, 2**16)):
        with pytest.raises(ValueError):
            credentials.credential_for(member_id, generation)


def test_a_doubled_last_character_is_reported_at_its_own_position():
    """A fresh user typed the 26th character twice and was told to check the 26th: the extra one is
    the 27th (1-based, counted from the X of XM as the message says)."""
    from competitions.checkin.credentials import credential_for, typo_fix

    code = credential_for(5)
    assert len(code) == 26
    assert typo_fix(code + code[-1]) == (27, "remove")
    i = next(k for k in range(2, 25) if code[k] != code[k + 1] and code[k] != code[k - 1])
    assert typo_fix(code[: i + 1] + code[i] + code[i + 1 :]) == (i + 2, "remove")  # the doubled one is the extra
