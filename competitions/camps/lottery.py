"""The camp lottery anyone can re-run (issue 15, "Selection you can prove fair"; CONTRACT "Camps").
Pure functions, standard library only.

The rule, exactly as the CONTRACT states it:

- ``seed`` is text (:func:`new_seed`: 64 lowercase hex characters from :mod:`secrets`);
- ``commitment`` = hex SHA-256 of the UTF-8 seed, published while applications are still open;
- ``applications_hash`` = hex SHA-256 of the application ids in ascending order joined by ``,``
  (``"3,17,42"``), frozen with the commitment;
- an application's lottery number = hex SHA-256 of ``seed + "|" + public_value + "|" + str(id)``
  (UTF-8);
- ``order`` lists the ids by ascending lottery number (64 lowercase hex characters compare as the
  numbers they write; two equal numbers would need a SHA-256 collision, the id breaks such a tie).

The public value (e.g. the numbers of a named 福彩 draw) is typed by the organizer after the draw, so
it is normalised ONCE when it is entered (:func:`normalise_public_value`: Unicode NFKC, so full-width
digits and spaces become ASCII; whitespace runs become one space; leading and trailing whitespace
removed) and stored and published normalised. Every hash then uses the published text byte for byte:
:func:`lottery_number` and the repository's ``scripts/verify_camp_lottery.py`` never normalise again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

#: The description the public lottery page prints (zh and en), stating the rule byte-exactly.
ALGORITHM_TEXT: dict[str, str] = {
    "zh": (
        "抽签规则：组织方在报名截止前生成一个秘密种子 seed（64 位十六进制文本），公布其承诺值"
        " commitment = SHA-256(seed 的 UTF-8 字节) 的十六进制，以及报名编号列表的摘要"
        " applications_hash = SHA-256(按从小到大排列、以英文逗号“,”连接的报名编号，如“3,17,42”) 的十六进制，"
        "并说明将使用的未来公开数值（如某期福彩开奖号码）。开奖后，组织方录入该公开数值"
        " public_value（录入时统一规范化一次：Unicode NFKC（全角数字、空格变为半角），连续空白合并为一个空格，"
        "去掉首尾空白；公布的即为规范化后的文本），并公开 seed。每份报名的抽签号 ="
        ' SHA-256(seed + "|" + public_value + "|" + 报名编号的十进制文本) 的十六进制（UTF-8 编码，'
        "逐字节按公布的文本计算）；按抽签号从小到大排列即为顺序（号码相同时按报名编号，实际上不会发生）。"
        "任何人都可用仓库中的 scripts/verify_camp_lottery.py（只需 Python 3）从本页数据重新计算并核对。"
    ),
    "en": (
        "Lottery rule: before applications close the organizer draws a secret seed (64 hexadecimal "
        "characters of text) and publishes its commitment = hex SHA-256 of the seed's UTF-8 bytes, the "
        'applications_hash = hex SHA-256 of the application ids in ascending order joined by "," '
        '(e.g. "3,17,42"), and names a future public value (e.g. the numbers of a named welfare '
        "lottery draw). After that draw the organizer enters the public_value (normalised once on "
        "entry: Unicode NFKC, so full-width digits and spaces become ASCII; whitespace runs become one "
        "space; leading and trailing whitespace removed; the normalised text is what is published) and "
        "reveals the seed. Each application's lottery number = hex SHA-256 of "
        'seed + "|" + public_value + "|" + the id in decimal (UTF-8, byte for byte as published); the '
        "order lists the applications by ascending lottery number (equal numbers, which do not happen "
        "in practice, by id). Anyone can re-compute and check it from this page's data alone with the "
        "repository's scripts/verify_camp_lottery.py (plain Python 3)."
    ),
}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SPACES = re.compile(r"\s+")


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_seed() -> str:
    """A fresh secret seed: 64 lowercase hex characters (256 bits from :mod:`secrets`)."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """Hex SHA-256 (64 lowercase characters) of the UTF-8 ``seed``."""
    return _sha256_hex(seed)


def _id_list(ids: Iterable[int]) -> list[int]:
    out = sorted(ids)
    for a, b in zip(out, out[1:]):
        if a == b:
            raise ValueError(f"application id {a} appears twice")
    return out


def applications_hash(ids: Iterable[int]) -> str:
    """Hex SHA-256 of the ids in ascending order joined by ``,`` (``[17, 3, 42]`` → sha of
    ``"3,17,42"``; no ids → sha of ``""``). Raises ``ValueError`` if an id appears twice."""
    return _sha256_hex(",".join(str(i) for i in _id_list(ids)))


def normalise_public_value(text: str) -> str:
    """The public value as stored and published: NFKC, whitespace runs → one ASCII space, stripped.
    ``"０３ １２\\t 27 "`` → ``"03 12 27"``. Apply it once, when the organizer enters the value."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def lottery_number(seed: str, public_value: str, application_id: int) -> str:
    """Hex SHA-256 of ``seed + "|" + public_value + "|" + str(application_id)`` (UTF-8; the texts are
    used exactly as given: normalise the public value with :func:`normalise_public_value` before
    storing it, never here)."""
    return _sha256_hex(f"{seed}|{public_value}|{application_id}")


def draw_order(seed: str, public_value: str, ids: Iterable[int]) -> list[int]:
    """The ids by ascending lottery number (ties, which need a SHA-256 collision, by id).
    Raises ``ValueError`` if an id appears twice."""
    return sorted(_id_list(ids), key=lambda i: (lottery_number(seed, public_value, i), i))


def public_record(
    seed: str, public_value: str | None, ids: Iterable[int], public_source: str, *, drawn: bool = True
) -> dict[str, Any]:
    """The shape of ``GET /api/v1/events/{id}/lottery`` (CONTRACT), for services and tests: before the
    draw (``drawn=False``) ``seed``, ``public_value``, ``order`` and ``algorithm`` are ``None``."""
    id_list = _id_list(ids)
    record: dict[str, Any] = {
        "commitment": commitment(seed),
        "applications_hash": applications_hash(id_list),
        "application_ids": id_list,
        "public_source": public_source,
        "public_value": None,
        "seed": None,
        "order": None,
        "algorithm": None,
    }
    if drawn and public_value is not None:
        record.update(
            public_value=public_value,
            seed=seed,
            order=draw_order(seed, public_value, id_list),
            algorithm=ALGORITHM_TEXT["en"],
        )
    return record


def _int_list(value: object, name: str, problems: list[str]) -> list[int] | None:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        problems.append(f"{name} is not a list of whole numbers")
        return None
    return list(value)


def verify(public: Mapping[str, Any]) -> list[str]:
    """Re-check a public lottery record (the JSON of ``GET /api/v1/events/{id}/lottery``); returns the
    problems found (English sentences, empty when everything matches):
    the commitment is not the SHA-256 of the seed; the applications hash does not match the id list
    (or an id appears twice); the order is not the recomputed one; a field is missing or malformed.
    Before the draw (``seed`` null) only the applications hash can be checked, and is."""
    problems: list[str] = []
    ids = _int_list(public.get("application_ids"), "application_ids", problems)
    if ids is not None:
        if len(set(ids)) != len(ids):
            problems.append("application_ids lists an id twice")
        elif public.get("applications_hash") != applications_hash(ids):
            problems.append("applications_hash is not the SHA-256 of the ascending application ids joined by ','")
    seed = public.get("seed")
    if seed is None:
        return problems
    public_value = public.get("public_value")
    if not isinstance(seed, str):
        problems.append("seed is not text")
        return problems
    if not isinstance(public_value, str):
        problems.append("public_value is not text")
        return problems
    if public.get("commitment") != commitment(seed):
        problems.append("commitment is not the SHA-256 of the revealed seed")
    order = _int_list(public.get("order"), "order", problems)
    if ids is not None and order is not None and len(set(ids)) == len(ids):
        expected = draw_order(seed, public_value, ids)
        if order != expected:
            first = next((k for k, (a, b) in enumerate(zip(order, expected)) if a != b), min(len(order), len(expected)))
            problems.append(f"order differs from the recomputed order from position {first + 1}")
    return problems


def is_hex_digest(text: object) -> bool:
    """True for 64 lowercase hex characters (the shape of a commitment or hash)."""
    return isinstance(text, str) and _HEX64.fullmatch(text) is not None
