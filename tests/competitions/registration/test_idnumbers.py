"""GB 11643 ID numbers and the other document types, with check characters worked out by
hand (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check = "10X98765432"[sum % 11])."""

from __future__ import annotations

import datetime as dt

import pytest

from competitions.registration.idnumbers import InvalidIdNumber, check_character, normalize_id_type, parse_id
from competitions.registration.members import MemberInput, clean_member, division_of_grade


def test_check_character_by_hand():
    # 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2
    # 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 % 11 = 2 -> "X"
    assert check_character("11010519491231002") == "X"
    # 4 6 0 1 0 2 2 0 1 1 0 3 1 5 0 0 4
    # 28+54+0+5+0+8+4+0+6+3+0+27+10+25+0+0+8 = 178; 178 % 11 = 2 -> "X"
    assert check_character("46010220110315004") == "X"
    # the same with sequence digit 3: 178 - 8 + 6 = 176; 176 % 11 = 0 -> "1"
    assert check_character("46010220110315003") == "1"
    # 4 6 0 2 0 0 2 0 1 0 0 6 0 1 0 2 1
    # 28+54+0+10+0+0+4+0+6+0+0+54+0+5+0+8+2 = 171; 171 % 11 = 6 -> "6"
    assert check_character("46020020100601021") == "6"


def test_parse_resident_id():
    info = parse_id("居民身份证", "11010519491231002X")
    assert (info.number, info.gender, info.birth_date) == ("11010519491231002X", "女", dt.date(1949, 12, 31))
    info = parse_id("居民身份证", "11010519491231002x")  # lowercase x accepted, returned upper case
    assert info.number == "11010519491231002X"
    info = parse_id("居民身份证", "460102201103150031")
    assert (info.gender, info.birth_date) == ("男", dt.date(2011, 3, 15))
    assert parse_id("居民身份证", "460200201006010216").gender == "男"


@pytest.mark.parametrize(
    "number, message",
    [
        ("46010220110315003", "证件号码应为 18 位，这里是 17 位。请核对是否漏填或多填。"),
        ("4601022011031500311", "证件号码应为 18 位，这里是 19 位。请核对是否漏填或多填。"),
        ("46010220110315003A", "证件号码前 17 位必须是数字，最后一位是数字或 X。"),
        ("4601022011O3150031", "证件号码前 17 位必须是数字，最后一位是数字或 X。"),
        ("460102201102300031", "证件号码第 7–14 位的出生日期 20110230 不存在，请核对。"),
        ("460102189912310031", "证件号码中的出生日期 1899-12-31 不合理，请核对。"),
        ("460102201103150032", "证件号码校验位不正确（最后一位应为 1），请逐位核对号码。"),
        ("46010220110315004 ".strip() + "1", "证件号码校验位不正确（最后一位应为 X），请逐位核对号码。"),
    ],
)
def test_parse_resident_id_errors(number, message):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id("居民身份证", number)
    assert str(exc.value) == message


def test_future_birth_date_is_refused():
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id(
            "居民身份证",
            "110105" + "20300101" + "002" + check_character("11010520300101002"),
            today=dt.date(2026, 11, 29),
        )
    assert "2030-01-01" in str(exc.value)


def test_residence_permit_uses_the_checksum_and_others_only_the_form():
    permit = "810000" + "20100601" + "002" + check_character("81000020100601002")
    assert parse_id("港澳台居民居住证", permit).gender == "女"
    with pytest.raises(InvalidIdNumber):
        parse_id("港澳台居民居住证", permit[:17] + ("0" if permit[17] != "0" else "1"))
    # passports and 通行证: form only, no gender or birth date
    assert parse_id("护照", "E12345678") == type(parse_id("护照", "E12345678"))("护照", "E12345678", None, None)
    assert parse_id("港澳居民来往内地通行证", "H12345678").number == "H12345678"
    assert parse_id("港澳居民来往内地通行证", "M1234567890").number == "M1234567890"
    assert parse_id("台湾居民来往大陆通行证", "12345678").number == "12345678"
    for id_type, number, hint in (
        ("港澳居民来往内地通行证", "H1234567", "H 或 M 开头，后跟 8 位或 10 位数字"),
        ("港澳居民来往内地通行证", "A12345678", "H 或 M 开头，后跟 8 位或 10 位数字"),
        ("台湾居民来往大陆通行证", "1234567", "8 位数字"),
        ("护照", "E12-345", "5 到 17 位字母或数字"),
    ):
        with pytest.raises(InvalidIdNumber) as exc:
            parse_id(id_type, number)
        assert str(exc.value) == f"{id_type}号码格式不正确，应为{hint}。"


def test_id_type_names():
    assert normalize_id_type("") == "居民身份证"
    assert normalize_id_type("身份证") == "居民身份证"
    assert normalize_id_type("居住证") == "港澳台居民居住证"
    with pytest.raises(InvalidIdNumber) as exc:
        normalize_id_type("军官证")
    assert str(exc.value).startswith("证件类型“军官证”无法识别")


def test_grades_and_divisions():
    assert division_of_grade("三年级") == "小学"
    assert division_of_grade("小学6年级") == "小学"
    assert division_of_grade("初二") == "初中"
    assert division_of_grade("八年级") == "初中"
    assert division_of_grade("高一") == "高中"
    assert division_of_grade("十二年级") == "高中"
    assert division_of_grade("初五") is None
    assert division_of_grade("研一") is None


def test_clean_member_normalises_and_cross_checks():
    member, errors = clean_member(
        MemberInput(
            role="学生",
            name=" 阿依古丽 • 买买提\u200b",
            gender="女",
            id_number="4601022011031500 4x",
            grade="初二",
            phone="+86 138-1234-5678",
        ),
        "初中",
    )
    assert errors == []
    assert member.name == "阿依古丽·买买提"
    assert member.id_number == "46010220110315004X"
    assert member.gender == "女"
    assert member.birth_date == dt.date(2011, 3, 15)
    assert member.phone == "13812345678"
    assert member.columns()["id_masked"] == "460**************X"
    assert member.columns()["phone_masked"] == "138****5678"

    _m, errors = clean_member(
        MemberInput(
            role="student", name="王磊", gender="女", id_number="460102201103150031", grade="高一", phone="12345"
        ),
        "初中",
    )
    fields = dict(errors)
    assert fields["gender"] == "性别填的是“女”，但证件号码第 17 位表示“男”。请核对性别或证件号码。"
    assert fields["grade"] == "年级“高一”属于高中，但作品报的是初中组。请核对年级或组别。"
    assert fields["phone"] == "联系电话“12345”格式不正确，请填写 11 位手机号或带区号的固定电话。"

    _m, errors = clean_member(
        MemberInput(role="学生", name="王磊", id_number="460102201103150031", grade="初二", phone="13800001111"), "初中"
    )
    assert errors == [("gender", "请填写性别（男/女）。")]  # students need every column (CONTRACT.md)

    adviser, errors = clean_member(MemberInput(role="辅导教师", name="陈老师", phone="0898-66123456"), "初中")
    assert errors == [] and adviser.id_number is None and adviser.phone == "089866123456"
    _m, errors = clean_member(MemberInput(role="辅导教师", name="陈老师", phone="13800001111", id_number="123"), "初中")
    assert dict(errors)["id_number"].startswith("证件号码应为 18 位")
