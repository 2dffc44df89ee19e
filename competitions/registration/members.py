"""Validation of one member (student or adviser) and of a team, shared by the web
forms, the JSON API and the workbook import. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app.exports.workbook import clean_name, clean_text
from app.i18n import _
from app.security import encrypt_pii, keyed_hash, mask_id_number, mask_phone
from app.text import name_problem
from competitions.registration.idnumbers import RESIDENT_ID, InvalidIdNumber, normalize_id_type, parse_id

# column / field labels as they appear in the workbook and in messages
FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "id_type": "证件类型",
    "id_number": "身份证号",
    "grade": "年级",
    "phone": "联系电话",
    "role": "角色",
}
ROLE_NAMES = {
    "学生": "student",
    "辅导教师": "adviser",
    "student": "student",
    "adviser": "adviser",
    "指导教师": "adviser",
    "教练": "adviser",
    "队员": "student",
    "申报者": "student",
}
GENDERS = {"男": "男", "女": "女", "M": "男", "F": "女", "男生": "男", "女生": "女"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{9,11}$")
MAX_NAME_LENGTH = 32

_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def division_of_grade(grade: str) -> str | None:
    """The division a grade belongs to, or ``None`` when the text is not recognised.

    ``"三年级"``/``"小学3年级"`` -> 小学, ``"初二"``/``"八年级"`` -> 初中, ``"高一"`` -> 高中
    (grades 1–6 primary, 7–9 junior, 10–12 senior)."""
    text = re.sub(r"\s+", "", grade or "")
    if not text:
        return None
    match = re.match(r"^(小学|初中|高中|小|初|高)?([一二三四五六七八九十]|十[一二]|\d{1,2})(年级|年)?$", text)
    if not match:
        return None
    prefix, number = match.group(1), match.group(2)
    if number.isdigit():
        n = int(number)
    elif number.startswith("十") and len(number) == 2:
        n = 10 + _CN_NUMBERS[number[1]]
    else:
        n = _CN_NUMBERS[number]
    if prefix in ("初", "初中"):
        return "初中" if 1 <= n <= 4 else None
    if prefix in ("高", "高中"):
        return "高中" if 1 <= n <= 3 else None
    if prefix in ("小", "小学"):
        return "小学" if 1 <= n <= 6 else None
    if not match.group(3):
        return None
    return "小学" if 1 <= n <= 6 else "初中" if n <= 9 else "高中" if n <= 12 else None


@dataclass
class MemberInput:
    """A member as typed in a form or a workbook row (raw values, cleaned by :func:`clean_member`)."""

    role: str
    name: Any = ""
    gender: Any = ""
    id_type: Any = ""
    id_number: Any = ""
    grade: Any = ""
    phone: Any = ""
    consent_participation: bool = False
    consent_publication: bool = False


@dataclass
class CleanMember:
    """A validated member, ready to store (see :meth:`columns`)."""

    role: str
    name: str
    gender: str
    id_type: str
    id_number: str | None
    birth_date: dt.date | None
    grade: str
    phone: str | None
    consent_participation: bool
    consent_publication: bool
    id_hash: str | None = field(default=None)

    def columns(self) -> dict[str, Any]:
        """Column values for a ``Member`` row: ID number, phone and birth date encrypted (the
        date as ``YYYY-MM-DD``), ID number and phone masked."""
        return {
            "role": self.role,
            "name": self.name,
            "gender": self.gender,
            "id_type": self.id_type,
            "id_number_enc": encrypt_pii(self.id_number),
            "id_hash": self.id_hash,
            "id_masked": mask_id_number(self.id_number),
            "student_key": self.id_hash if self.role == "student" else None,
            "birth_date_enc": encrypt_pii(self.birth_date.isoformat()) if self.birth_date else None,
            "grade": self.grade,
            "phone_enc": encrypt_pii(self.phone),
            "phone_masked": mask_phone(self.phone),
            "consent_participation": self.consent_participation,
            "consent_publication": self.consent_publication,
        }

    def audit_view(self) -> dict[str, Any]:
        """What the audit trail may show: no clear ID number or phone."""
        return {
            "role": self.role,
            "name": self.name,
            "gender": self.gender,
            "id_type": self.id_type,
            "id_masked": mask_id_number(self.id_number),
            "grade": self.grade,
            "phone_masked": mask_phone(self.phone),
            "consent_participation": self.consent_participation,
            "consent_publication": self.consent_publication,
        }


def normalize_role(value: Any) -> str | None:
    return ROLE_NAMES.get(clean_text(value))


def clean_member(member: MemberInput, division: str | None) -> tuple[CleanMember | None, list[tuple[str, str]]]:
    """Validate one member for an entry of ``division``.

    Students need name, gender, ID (checksum per GB 11643 for resident IDs; gender and
    birth date must agree with it), grade (consistent with the division when the grade is
    recognisable) and phone. Advisers need name and phone; an ID is optional but checked.
    Returns ``(member, [])`` or ``(None, [(field, message), ...])`` with translated messages.
    """
    errors: list[tuple[str, str]] = []
    role = member.role if member.role in ("student", "adviser") else normalize_role(member.role)
    if role is None:
        return None, [("role", _("角色“{value}”无效，请填写“学生”或“辅导教师”。", value=clean_text(member.role)))]
    name = clean_name(member.name)
    if not name:
        errors.append(("name", _("请填写姓名。")))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(("name", _("姓名超过 {n} 个字符，请只填写姓名。", n=MAX_NAME_LENGTH)))
    elif problem := name_problem(name, _("姓名")):
        errors.append(("name", problem))
    elif re.search(r"[\d@#$%^&*()<>=+/\\|{}\[\]]", name):
        errors.append(("name", _("姓名“{name}”含有数字或符号，请只填写姓名。", name=name)))

    gender_text = clean_text(member.gender)
    gender = GENDERS.get(gender_text.upper() if len(gender_text) == 1 else gender_text, None) if gender_text else ""
    if gender is None:
        errors.append(("gender", _("性别“{value}”无效，请填写“男”或“女”。", value=gender_text)))
        gender = ""
    elif role == "student" and not gender:
        errors.append(("gender", _("请填写性别（男/女）。")))

    id_number = re.sub(r"\s+", "", clean_text(member.id_number)).upper() or None
    id_type = RESIDENT_ID
    birth_date = None
    try:
        id_type = normalize_id_type(clean_text(member.id_type))
    except InvalidIdNumber as exc:
        errors.append(("id_type", str(exc)))
    if id_number is None and role == "student":
        errors.append(("id_number", _("请填写学生的证件号码。")))
    elif id_number is not None and not any(f == "id_type" for f, _m in errors):
        try:
            info = parse_id(id_type, id_number)
        except InvalidIdNumber as exc:
            errors.append(("id_number", str(exc)))
        else:
            id_number = info.number
            birth_date = info.birth_date
            if info.gender and gender and gender != info.gender:
                errors.append(
                    (
                        "gender",
                        _(
                            "性别填的是“{gender}”，但证件号码第 17 位表示“{id_gender}”。请核对性别或证件号码。",
                            gender=gender,
                            id_gender=info.gender,
                        ),
                    )
                )
            if info.gender and not gender:
                gender = info.gender

    grade = clean_text(member.grade)
    if role == "student":
        if not grade:
            errors.append(("grade", _("请填写年级，例如“初二”或“八年级”。")))
        else:
            grade_division = division_of_grade(grade)
            if division and grade_division and grade_division != division:
                errors.append(
                    (
                        "grade",
                        _(
                            "年级“{grade}”属于{grade_division}，但作品报的是{division}组。请核对年级或组别。",
                            grade=grade,
                            grade_division=grade_division,
                            division=division,
                        ),
                    )
                )

    from app.exports.workbook import phone_text

    phone = phone_text(member.phone) or None
    if phone is None:
        errors.append(("phone", _("请填写联系电话。")))
    elif not (MOBILE.match(phone) or LANDLINE.match(phone)):
        errors.append(("phone", _("联系电话“{value}”格式不正确，请填写 11 位手机号或带区号的固定电话。", value=phone)))

    if errors:
        return None, errors
    return (
        CleanMember(
            role=role,
            name=name,
            gender=gender,
            id_type=id_type,
            id_number=id_number,
            birth_date=birth_date,
            grade=grade if role == "student" else "",
            phone=phone,
            consent_participation=bool(member.consent_participation) if role == "student" else False,
            consent_publication=bool(member.consent_publication) if role == "student" else False,
            id_hash=keyed_hash(f"{id_type}:{id_number}") if id_number else None,
        ),
        [],
    )


def team_problems(students: int, advisers: int, limits: dict[str, int]) -> list[str]:
    """Translated problems with a team's size against the event's ``min_team_size``,
    ``max_team_size`` and ``max_advisers`` (innovation: 1–3 students, at most 2 advisers)."""
    problems = []
    if students < limits["min_team_size"]:
        problems.append(
            _("每个作品至少需要 {n} 名学生，现在有 {count} 名。", n=limits["min_team_size"], count=students)
        )
    if students > limits["max_team_size"]:
        problems.append(
            _(
                "每个作品最多 {n} 名学生，现在有 {count} 名。请删去多余的学生或拆成两个作品。",
                n=limits["max_team_size"],
                count=students,
            )
        )
    if advisers > limits["max_advisers"]:
        problems.append(_("每个作品最多 {n} 名辅导教师，现在有 {count} 名。", n=limits["max_advisers"], count=advisers))
    return problems
