"""Members validated one by one and as a team (competitions/registration/members.py): what a
student and an adviser need, every problem of a row reported at once, what is stored
(encrypted, masked, a keyed hash for duplicates) and what the audit trail may show."""

from __future__ import annotations

import pytest

from app.security import decrypt_pii, keyed_hash
from competitions.registration.members import CleanMember, MemberInput, clean_member, normalize_role, team_problems
from tests.conftest import gb11643

INNOVATION = {"min_team_size": 1, "max_team_size": 3, "max_advisers": 2}
# born 2012-06-01, sequence 123 (odd: male); check character by GB 11643
BOY = gb11643("46010220120601123")


def student(**fields) -> MemberInput:
    values = {
        "name": "李明",
        "gender": "男",
        "id_number": BOY,
        "grade": "初一",
        "phone": "13800001111",
        "consent_participation": True,
    }
    return MemberInput(role="student", **{**values, **fields})


def test_a_clean_student_is_stored_encrypted_masked_and_hashed(settings):
    member, errors = clean_member(student(consent_publication=True), "初中")
    assert errors == [] and isinstance(member, CleanMember)
    columns = member.columns()
    # the clear ID number and phone are never stored: encrypted (read back with the key) and masked
    assert BOY not in str(columns.values()) and "13800001111" not in str(columns.values())
    assert decrypt_pii(columns["id_number_enc"]) == BOY and decrypt_pii(columns["phone_enc"]) == "13800001111"
    assert columns["id_masked"] == BOY[:3] + "*" * 14 + BOY[-1]  # no date or sequence digit
    assert columns["phone_masked"] == "138****1111"
    # duplicates are found by a keyed hash of type and number; a student's is also the student key
    assert columns["id_hash"] == keyed_hash(f"居民身份证:{BOY}") == columns["student_key"]
    # the birth date is encrypted like the ID number, never stored in clear
    assert "birth_date" not in columns and "2012-06-01" not in str(columns.values())
    assert (decrypt_pii(columns["birth_date_enc"]), columns["consent_publication"]) == ("2012-06-01", True)
    # the audit view has no clear ID number or phone
    audit = member.audit_view()
    assert (
        BOY not in str(audit.values())
        and audit["id_masked"] == columns["id_masked"]
        and audit["phone_masked"] == "138****1111"
    )


def test_every_problem_of_a_row_is_reported_at_once(settings):
    _member, errors = clean_member(student(name="李明2", gender="X", grade="", phone="110"), "初中")
    assert dict(errors) == {
        "name": "姓名“李明2”含有数字或符号，请只填写姓名。",
        "gender": "性别“X”无效，请填写“男”或“女”。",
        "grade": "请填写年级，例如“初二”或“八年级”。",
        "phone": "联系电话“110”格式不正确，请填写 11 位手机号或带区号的固定电话。",
    }
    _member, errors = clean_member(student(name="", id_number=""), "初中")
    assert dict(errors) == {"name": "请填写姓名。", "id_number": "请填写学生的证件号码。"}
    _member, errors = clean_member(student(name="李" * 33), "初中")
    assert errors == [("name", "姓名超过 32 个字符，请只填写姓名。")]


def test_a_role_that_is_neither_is_refused_before_anything_else(settings):
    assert clean_member(MemberInput(role="家长", name=""), "初中") == (
        None,
        [("role", "角色“家长”无效，请填写“学生”或“辅导教师”。")],
    )
    assert [normalize_role(r) for r in ("队员", "申报者", "教练", "指导教师", "老师")] == [
        "student",
        "student",
        "adviser",
        "adviser",
        None,
    ]


def test_an_adviser_needs_a_name_and_phone_and_keeps_no_student_fields(settings):
    adviser, errors = clean_member(
        MemberInput(
            role="辅导教师",
            name="陈老师",
            phone="0898-6612 3456",
            grade="初二",
            consent_participation=True,
            consent_publication=True,
        ),
        "初中",
    )
    assert errors == []
    assert (adviser.role, adviser.phone, adviser.grade, adviser.id_number, adviser.id_hash) == (
        "adviser",
        "089866123456",
        "",
        None,
        None,
    )
    assert (adviser.consent_participation, adviser.consent_publication) == (False, False)
    assert adviser.columns()["student_key"] is None
    _m, errors = clean_member(MemberInput(role="adviser", name="陈老师"), "初中")
    assert errors == [("phone", "请填写联系电话。")]


def test_gender_is_taken_from_the_id_when_left_blank_for_an_adviser(settings):
    # an adviser's ID is optional but checked; the 17th digit (3: odd) says male
    adviser, errors = clean_member(
        MemberInput(role="adviser", name="陈老师", phone="13900002222", id_number=BOY), "初中"
    )
    assert errors == [] and adviser.gender == "男" and adviser.id_hash == keyed_hash(f"居民身份证:{BOY}")


@pytest.mark.parametrize(
    ("students", "advisers", "problems"),
    [
        (1, 0, []),
        (3, 2, []),
        (0, 0, ["每个作品至少需要 1 名学生，现在有 0 名。"]),
        (
            4,
            3,
            [
                "每个作品最多 3 名学生，现在有 4 名。请删去多余的学生或拆成两个作品。",
                "每个作品最多 2 名辅导教师，现在有 3 名。",
            ],
        ),
    ],
)
def test_team_limits_of_an_innovation_entry(students, advisers, problems):
    assert team_problems(students, advisers, INNOVATION) == problems


def test_team_limits_follow_the_event():
    robotics = {"min_team_size": 2, "max_team_size": 5, "max_advisers": 1}
    assert team_problems(1, 1, robotics) == ["每个作品至少需要 2 名学生，现在有 1 名。"]
    assert team_problems(5, 1, robotics) == []
    assert team_problems(2, 2, robotics) == ["每个作品最多 1 名辅导教师，现在有 2 名。"]
