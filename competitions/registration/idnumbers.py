"""Identity documents: the GB 11643-1999 citizen identification number and the other
document types students register with.

GB 11643-1999 §8: 17 digits (6 address code, 8 birth date YYYYMMDD, 3 sequence code
whose last digit is odd for men and even for women) and a check character computed
with ISO 7064 MOD 11-2: weights ``2**(17-i) mod 11`` = 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2;
check = "10X98765432"[sum % 11]. The same format and checksum serve the 港澳台居民居住证
(address codes 810000/820000/830000) and the 2023 外国人永久居留身份证 (first digit 9).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.i18n import _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

RESIDENT_ID = "居民身份证"
ID_TYPES = (
    RESIDENT_ID,
    "港澳台居民居住证",
    "外国人永久居留身份证",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "护照",
)
CHECKSUM_TYPES = {RESIDENT_ID, "港澳台居民居住证", "外国人永久居留身份证"}
# form-only checks for documents without a checksum
FORM_PATTERNS = {
    "港澳居民来往内地通行证": (re.compile(r"^[HM]\d{8}(\d{2})?$"), "H 或 M 开头，后跟 8 位或 10 位数字"),
    "台湾居民来往大陆通行证": (re.compile(r"^\d{8}$"), "8 位数字"),
    "护照": (re.compile(r"^[A-Z0-9]{5,17}$"), "5 到 17 位字母或数字"),
}
ID_TYPE_ALIASES = {"身份证": RESIDENT_ID, "居民身份证": RESIDENT_ID, "": RESIDENT_ID, "居住证": "港澳台居民居住证"}


class InvalidIdNumber(ValueError):
    """The number is malformed; ``str(exc)`` is a translated message saying how to fix it."""


@dataclass(frozen=True)
class IdInfo:
    """A checked document number. ``gender`` (男/女) and ``birth_date`` are known only for
    the GB 11643 formats, otherwise ``None``."""

    id_type: str
    number: str
    gender: str | None = None
    birth_date: dt.date | None = None


def check_character(first17: str) -> str:
    """The GB 11643 check character for 17 digits. ``check_character("11010519491231002")`` -> ``"X"``."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def normalize_id_type(value: str | None) -> str:
    """Canonical document type name; raises :class:`InvalidIdNumber` for an unknown type."""
    text = (value or "").strip()
    text = ID_TYPE_ALIASES.get(text, text)
    if text not in ID_TYPES:
        raise InvalidIdNumber(_("证件类型“{value}”无法识别，请填写：{types}。", value=value, types="、".join(ID_TYPES)))
    return text


def parse_id(id_type: str, number: str, today: dt.date | None = None) -> IdInfo:
    """Check ``number`` for ``id_type`` (already cleaned: no spaces, upper case).

    Returns :class:`IdInfo`; raises :class:`InvalidIdNumber` with a message naming the
    problem (length, characters, birth date, checksum) and how to fix it.
    """
    number = (number or "").strip().upper()
    if not number:
        raise InvalidIdNumber(_("请填写证件号码。"))
    if id_type in CHECKSUM_TYPES:
        if len(number) != 18:
            raise InvalidIdNumber(_("证件号码应为 18 位，这里是 {n} 位。请核对是否漏填或多填。", n=len(number)))
        if not re.fullmatch(r"\d{17}[\dX]", number):
            raise InvalidIdNumber(_("证件号码前 17 位必须是数字，最后一位是数字或 X。"))
        try:
            birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise InvalidIdNumber(
                _("证件号码第 7–14 位的出生日期 {value} 不存在，请核对。", value=number[6:14])
            ) from None
        today = today or dt.date.today()
        if birth > today or birth.year < 1900:
            raise InvalidIdNumber(_("证件号码中的出生日期 {value} 不合理，请核对。", value=birth.isoformat()))
        expected = check_character(number[:17])
        if number[17] != expected:
            raise InvalidIdNumber(
                _("证件号码校验位不正确（最后一位应为 {expected}），请逐位核对号码。", expected=expected)
            )
        gender = "男" if int(number[16]) % 2 == 1 else "女"
        return IdInfo(id_type, number, gender, birth)
    pattern, description = FORM_PATTERNS[id_type]
    if not pattern.match(number):
        raise InvalidIdNumber(
            _("{id_type}号码格式不正确，应为{description}。", id_type=id_type, description=_(description))
        )
    return IdInfo(id_type, number)
