"""Secrets derived from the service key: encryption of personal data, keyed hashes,
password hashing, signed API tokens, and masking for display.

Personal data of minors (ID numbers, phones) is encrypted with Fernet (AES-128-CBC +
HMAC-SHA256, from ``cryptography``); duplicate checks use an HMAC-SHA256 "keyed hash"
so equal numbers can be found without decrypting. Keys are derived from the secret key
with HKDF-SHA256 and a distinct ``info`` per purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections import OrderedDict
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import get_settings

_hasher = PasswordHasher()


def derive_key(purpose: str, length: int = 32, secret: str | None = None) -> bytes:
    """Derive ``length`` bytes for ``purpose`` from the service secret (HKDF-SHA256)."""
    return _derive(secret or get_settings().secret_key, purpose, length)


@lru_cache(maxsize=64)
def _derive(secret: str, purpose: str, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"xinmiao", info=purpose.encode()).derive(
        secret.encode()
    )


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, "pii-encryption", 32)))


def encrypt_pii(value: str | None) -> str | None:
    """Encrypt an ID number or phone for storage; ``None``/empty stays ``None``."""
    if not value:
        return None
    return _fernet(get_settings().secret_key).encrypt(value.encode()).decode("ascii")


def decrypt_pii(token: str | None) -> str | None:
    """Decrypt a value written by :func:`encrypt_pii`; returns ``None`` for ``None``.

    Raises ``ValueError`` if the ciphertext was not made with this service's key.
    """
    if not token:
        return None
    try:
        return _fernet(get_settings().secret_key).decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:  # pragma: no cover - key mismatch is an operator error
        raise ValueError("personal data cannot be decrypted with the configured key") from exc


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` (hex, 64 chars) for duplicate checks of ID numbers."""
    key = _derive(get_settings().secret_key, "pii-lookup", 32)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


_GB11643 = re.compile(r"^\d{17}[\dX]$")
_OLD_15_DIGIT_ID = re.compile(r"^\d{15}$")


def mask_id_number(value: str | None) -> str:
    """Mask an ID number for lists, pages, the API and logs.

    A GB 11643 number (18 characters: 6 region digits, 8 birth-date digits, 3 sequence digits,
    a check character; also 港澳台居住证 and the 2023 foreigner's permanent residence card) keeps
    only its first 3 characters (the province, implied by the programme anyway) and its check
    character: ``"46010220100101123X"`` -> ``"460**************X"``. No date or sequence digit is
    ever shown: with a student's school (which implies the region) and grade (a school-year
    cohort of ~366 birth dates) in view, about 366 x 500 / 11 = 16,600 numbers stay possible
    (500 sequence numbers of the right gender; the check character matches 1 in 11). The old
    15-digit number keeps its first 3 digits only. Other documents (passports, travel permits)
    carry no birth date: first 3 and last 4 characters kept; values of 7 characters or fewer keep
    the last 2.
    """
    if not value:
        return ""
    if _GB11643.match(value):
        return value[:3] + "*" * 14 + value[-1]
    if _OLD_15_DIGIT_ID.match(value):
        return value[:3] + "*" * 12
    if len(value) <= 7:
        return "*" * (len(value) - 2) + value[-2:] if len(value) > 2 else "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Mask a phone number: ``"13812345678"`` -> ``"138****5678"``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (argon2-cffi defaults)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; never raises for a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


TOKEN_ALGORITHM = "HS256"


def issue_access_token(claims: dict, lifetime_seconds: int | None = None) -> str:
    """A signed (HS256 JWT), expiring API access token carrying ``claims``.

    Checking it needs no database query: the claims hold user id, role, school and city.
    """
    settings = get_settings()
    now = int(time.time())
    payload = {**claims, "iat": now, "exp": now + (lifetime_seconds or settings.token_lifetime_seconds)}
    return jwt.encode(payload, derive_key("api-token"), algorithm=TOKEN_ALGORITHM)


_verified_tokens: "OrderedDict[tuple[str, str], dict]" = OrderedDict()
_VERIFIED_TOKENS_MAX = 4096


def read_access_token(token: str) -> dict | None:
    """Claims of a valid, unexpired token, or ``None`` if forged, malformed or expired.

    A token whose signature was verified is remembered (up to 4,096, keyed by the token and
    the service secret) so that a scanner sending hundreds of requests with one token pays
    for the HMAC check once; its expiry is still checked on every call."""
    key = (token, get_settings().secret_key)
    claims = _verified_tokens.get(key)
    if claims is not None:
        if claims.get("exp", 0) > time.time():
            return claims
        _verified_tokens.pop(key, None)
        return None
    try:
        claims = jwt.decode(token, derive_key("api-token"), algorithms=[TOKEN_ALGORITHM])
    except jwt.PyJWTError:
        return None
    _verified_tokens[key] = claims
    if len(_verified_tokens) > _VERIFIED_TOKENS_MAX:
        _verified_tokens.popitem(last=False)
    return claims
