"""Signed QR credentials (参赛凭证) of participants and advisers.

A credential is ``XM`` followed by 24 characters of RFC 4648 Base32 (``A``-``Z``, ``2``-``7``)
encoding 15 bytes: the member id (4 bytes, big-endian), the credential generation (2 bytes)
and the first 9 bytes (72 bits) of HMAC-SHA256 over those 6 bytes with a key derived from
the service secret. It holds no personal data, cannot be forged or guessed without the
secret, and uses only characters in QR's alphanumeric mode, so 26 characters fit a version 3
code (29 x 29 modules) at error-correction level H (30 % of the code may be damaged).

Reading is forgiving in the ways scanners and keyboards are not: case is ignored (Caps Lock),
spaces, hyphens and scanner suffixes (Enter, Tab) are dropped, and digits that look like
Base32 letters (0 -> O, 1 -> I, 8 -> B) are read as those letters. Reissuing a credential
raises the member's generation, which revokes every earlier credential of that member.

A typed code with one mistake (a wrong, missing or extra character, or two neighbours
swapped) is told apart from a forgery without a check character, so badges already printed
stay valid: when the signature fails, every code one such edit away is tried (about 800 HMACs,
~2 ms); if one of them is well signed the text is a typo of a real credential (the chance that
a forgery lands one edit from a valid 72-bit signature is about 800 / 2^72). The answer then
says "mistyped" and where; it never checks the member in, and it is not counted as forged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import struct
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_H

from app import audit
from app.db import write_transaction
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.security import derive_key
from competitions.registration.tables import Member

PREFIX = "XM"
BODY_LENGTH = 24  # Base32 characters for 15 bytes
MAC_BYTES = 9
QR_MASK_PATTERN = 2  # fixed: the automatic choice costs several ms per code
_CONFUSABLES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_DROP = re.compile(r"[\s\-_.]+")


class InvalidCredential(ValidationFailed):
    """422: the text is not a credential of this service. ``problem`` says why: ``garbled``
    (not a credential's form), ``mistyped`` (one edit from a real credential; ``position`` is
    the 1-based character to check), ``forged`` (well formed, signature wrong)."""

    def __init__(self, message: str, *, problem: str = "forged", position: int | None = None):
        super().__init__(message, extra={"problem": problem, "position": position})
        self.problem = problem
        self.position = position


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _well_signed(body: str) -> bool:
    """Whether 24 Base32 characters decode to a payload with its own signature."""
    try:
        raw = base64.b32decode(body)
    except (ValueError, base64.binascii.Error):
        return False
    return hmac.compare_digest(raw[6:], _mac(raw[:6]))


def typo_fix(value: str) -> tuple[int, str] | None:
    """For a normalized text that failed :func:`read_credential`: ``(position, fix)`` if
    exactly one edit turns it into a well-signed credential, else ``None``. ``position`` is
    1-based in the text; ``fix`` is ``replace`` (that character is wrong), ``insert`` (one is
    missing before it), ``remove`` (that character is extra) or ``swap`` (it and the next)."""
    body = value[len(PREFIX) :]
    found: dict[str, tuple[int, str]] = {}  # corrected body -> where and how

    def attempt(candidate: str, i: int, fix: str) -> None:
        if candidate != body and _well_signed(candidate):
            found.setdefault(candidate, (i, fix))

    if len(body) == BODY_LENGTH:
        for i, char in enumerate(body):
            for other in ALPHABET:
                if other != char:
                    attempt(body[:i] + other + body[i + 1 :], i, "replace")
        for i in range(BODY_LENGTH - 1):
            attempt(body[:i] + body[i + 1] + body[i] + body[i + 2 :], i, "swap")
    elif len(body) == BODY_LENGTH - 1:  # one character left out
        for i in range(BODY_LENGTH):
            for other in ALPHABET:
                attempt(body[:i] + other + body[i:], i, "insert")
    elif len(body) == BODY_LENGTH + 1:  # one character too many (a doubled one corrects the same way twice:
        # the extra one is the later of the two, the one typed again, so the search runs from the end)
        for i in reversed(range(len(body))):
            attempt(body[:i] + body[i + 1 :], i, "remove")
    if len(found) == 1:
        i, fix = next(iter(found.values()))
        return len(PREFIX) + i + 1, fix
    return None


def _mistyped(value: str) -> InvalidCredential | None:
    found = typo_fix(value)
    if found is None:
        return None
    position, fix = found
    message = {
        "replace": _("凭证号码输错了：请核对第 {n} 个字符（从 XM 的 X 数起）后重新输入。", n=position),
        "insert": _("凭证号码少输了一个字符：第 {n} 位（从 XM 的 X 数起）缺了一个，请补上后重新输入。", n=position),
        "remove": _("凭证号码多输了一个字符：请检查第 {n} 个字符（从 XM 的 X 数起）后重新输入。", n=position),
        "swap": _("凭证号码有两个字符顺序颠倒：请核对第 {n}、{m} 个字符后重新输入。", n=position, m=position + 1),
    }[fix]
    error = InvalidCredential(message, problem="mistyped", position=position)
    error.extra["fix"] = fix
    return error


@dataclass(frozen=True)
class CredentialRef:
    """What a verified credential names: ``member_id`` and the credential ``generation``."""

    member_id: int
    generation: int


def _mac(payload: bytes) -> bytes:
    key = derive_key("checkin-credential")
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]


def credential_for(member_id: int, generation: int = 1) -> str:
    """The credential text of ``member_id`` at ``generation``: 26 ASCII characters,
    ``XM`` + 24 Base32 characters. Raises ``ValueError`` for ids that do not fit."""
    if not (0 < member_id < 2**32 and 0 < generation < 2**16):
        raise ValueError("member id or generation out of range")
    payload = struct.pack(">IH", member_id, generation)
    return PREFIX + base64.b32encode(payload + _mac(payload)).decode("ascii")


def normalize_credential(text: str) -> str:
    """Scanner/keyboard-tolerant form of ``text``: whitespace (incl. Enter/Tab suffixes),
    hyphens, underscores and dots removed, upper-cased, 0/1/8 read as O/I/B."""
    return _DROP.sub("", text or "").upper().translate(_CONFUSABLES)


def read_credential(text: str) -> CredentialRef:
    """Verify a scanned credential and return what it names.

    Raises :class:`InvalidCredential` (422) when the text is not ``XM`` + 24 Base32
    characters or its signature does not match (forged or altered). Whether the member still
    exists, or the generation is current, is for the caller to check.
    """
    value = normalize_credential(text)
    if not value.startswith(PREFIX) or len(value) != len(PREFIX) + BODY_LENGTH:
        raise (
            (_mistyped(value) if value.startswith(PREFIX) else None)
            or InvalidCredential(_("这不是新苗的参赛凭证二维码。"), problem="garbled")
        )
    try:
        raw = base64.b32decode(value[len(PREFIX) :])
    except (ValueError, base64.binascii.Error) as exc:
        raise InvalidCredential(_("这不是新苗的参赛凭证二维码。"), problem="garbled") from exc
    payload, mac = raw[:6], raw[6:]
    if not hmac.compare_digest(mac, _mac(payload)):
        raise _mistyped(value) or InvalidCredential(_("凭证签名无效：此二维码是伪造或被改动过的。"))
    member_id, generation = struct.unpack(">IH", payload)
    return CredentialRef(member_id=member_id, generation=generation)


def qr_code(text: str, box_size: int = 10) -> qrcode.QRCode:
    """A QR code of ``text`` at error-correction level H, 4-module quiet zone, fixed mask
    (the automatic mask choice costs several ms per code)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, box_size=box_size, border=4, mask_pattern=QR_MASK_PATTERN)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code


def qr_image_bytes(text: str, fmt: str = "png", box_size: int = 10) -> tuple[bytes, str]:
    """Render ``text`` as a QR image. ``fmt`` is ``png`` or ``svg``; returns (bytes, media type).

    Raises :class:`ValidationFailed` for any other format."""
    code = qr_code(text, box_size)
    buffer = io.BytesIO()
    if fmt == "png":
        code.make_image().save(buffer)
        return buffer.getvalue(), "image/png"
    if fmt == "svg":
        code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
        return buffer.getvalue(), "image/svg+xml"
    raise ValidationFailed(_("图片格式只能是 png 或 svg。"))


async def _member_for(actor: Principal, member_id: int) -> dict[str, Any]:
    """The member row with its entry's school; 404 unless the actor is an organizer or the
    member's own school (others must not learn that the member exists)."""
    rows = await Member.select(
        Member.id,
        Member.name,
        Member.role,
        Member.event,
        Member.entry,
        Member.credential_generation,
        Member.entry.school.as_alias("school_id"),
        Member.entry.code.as_alias("entry_code"),
    ).where(Member.id == member_id)
    if not rows:
        raise NotFound(_("找不到这个参赛人员。"))
    row = rows[0]
    if actor.is_organizer or (actor.role == "school" and actor.school_id == row["school_id"]):
        return row
    raise NotFound(_("找不到这个参赛人员。"))


async def member_credential(actor: Principal, member_id: int) -> str:
    """The current credential text of a member, for organizers and the member's school.

    Raises :class:`NotFound` (404) for anyone else or an unknown member."""
    row = await _member_for(actor, member_id)
    return credential_for(row["id"], row["credential_generation"])


async def credential_image(actor: Principal, member_id: int, fmt: str = "png") -> tuple[bytes, str]:
    """The member's credential as a QR image (``png`` or ``svg``); see :func:`member_credential`."""
    return qr_image_bytes(await member_credential(actor, member_id), fmt)


async def reissue_credential(actor: Principal, member_id: int, reason: str) -> str:
    """Issue a new credential to a member (lost or shared badge), revoking every earlier one.

    Organizers only (403 otherwise); ``reason`` is required (422) and kept in the audit trail.
    Returns the new credential text."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以补发凭证。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写补发原因。"))
    row = await _member_for(actor, member_id)

    async def work() -> int:
        await Member.update({Member.credential_generation: Member.credential_generation + 1}).where(
            Member.id == member_id
        )
        fresh = await Member.select(Member.credential_generation).where(Member.id == member_id).first()
        await audit.record(
            actor,
            "credential.reissue",
            "member",
            member_id,
            summary=row["name"],
            reason=reason,
            event_id=row["event"],
            entry_id=row["entry"],
            school_id=row["school_id"],
        )
        return fresh["credential_generation"]

    generation = await write_transaction(work)
    return credential_for(member_id, generation)


async def credentials_for_members(member_ids: list[int]) -> dict[int, str]:
    """Current credential text per member id (for badges); unknown ids are left out."""
    if not member_ids:
        return {}
    rows = await Member.select(Member.id, Member.credential_generation).where(Member.id.is_in(member_ids))
    return {r["id"]: credential_for(r["id"], r["credential_generation"]) for r in rows}


__all__ = [
    "CredentialRef",
    "InvalidCredential",
    "credential_for",
    "credential_image",
    "credentials_for_members",
    "member_credential",
    "normalize_credential",
    "qr_code",
    "qr_image_bytes",
    "read_credential",
    "reissue_credential",
]
