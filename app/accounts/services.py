"""Accounts: log-in with throttling, users, password changes and resets."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from functools import lru_cache

from app import audit, revocation
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, TooManyRequests, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.regions.services import resolve_region
from app.security import hash_password, verify_password
from app.stores import Attempt, clear_attempts, increment, peek, reserve_attempt
from app.tables import ROLES, LoginCode, School, User
from app.text import name_problem
from app.times import UTC, now

# Log-in throttling is keyed by account AND source address (see :func:`authenticate`): from one
# address an account gets FREE_FAILURES wrong passwords, then each further attempt from there
# waits LOCK_SECONDS, doubling with every failure, at most MAX_LOCK_SECONDS ("a few minutes":
# nobody can keep the right password out for longer). Other addresses are not affected, so an
# attacker cannot lock the organizer out, and a venue sharing one address is not locked out of
# other accounts.
FREE_FAILURES = 5
LOCK_SECONDS = 60
MAX_LOCK_SECONDS = 5 * 60
FAILURE_WINDOW_SECONDS = 60 * 60  # failures are forgotten an hour after the last one
# An address sending many failures (password spraying across accounts) only tightens the
# per-account allowance from that address; it never refuses a right password by itself.
ADDRESS_MAX_FAILURES = 200
ADDRESS_WINDOW_SECONDS = 15 * 60
NOISY_FREE_FAILURES = 2
# Many failures for one account from many addresses (a botnet guessing one account's password):
# once it has more than ACCOUNT_MAX_FAILURES within ACCOUNT_WINDOW_SECONDS, every address gets
# ACCOUNT_HOT_FREE_FAILURES try for it and then the usual growing delays (1, 2, 4, at most 5
# minutes): the account itself is never locked, so the right password waits 5 minutes at most.
ACCOUNT_MAX_FAILURES = 50
ACCOUNT_WINDOW_SECONDS = 15 * 60
ACCOUNT_HOT_FREE_FAILURES = 1
MIN_PASSWORD_LENGTH = 8

ROLE_LABELS = {
    "organizer": "组委会",
    "city": "市县科协",
    "school": "学校管理员",
    "judge": "评委",
    "referee": "裁判",
    "staff": "签到员",
    "mentor": "导师",
    "expert": "专家",
}


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def principal_of(row: dict) -> Principal:
    """Build a :class:`Principal` from a ``User`` row dict (``school`` is the school id)."""
    return Principal(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        display_name=row.get("display_name") or row["username"],
        school_id=row.get("school"),
        city=row.get("city"),
        must_change_password=bool(row.get("must_change_password")),
        region_code=row.get("region"),
        token_version=int(row.get("token_version") or 0),
    )


def wait_text(seconds: float) -> str:
    """How long to wait, in words: ``"45 秒"`` under a minute, else ``"3 分钟"`` (whole minutes, rounded up)."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return _("{n} 秒", n=seconds)
    return _("{n} 分钟", n=math.ceil(seconds / 60))


def _attempt_key(username: str, user: User | None, address: str | None) -> str:
    # the token version is part of the key: a password reset starts every address afresh
    version = user.token_version if user is not None else 0
    return f"login:{username.lower()}:{version}:{address or '-'}"


def _account_key(username: str, user: User | None) -> str:
    version = user.token_version if user is not None else 0
    return f"login-account:{username.lower()}:{version}"


async def _reserve_password_attempt(username: str, user: User | None, address: str | None) -> tuple[str, Attempt]:
    """Count an attempt at ``username``'s password from ``address`` before checking it (a log-in
    or a password change: they share the count): the key of the account and address, and the
    :class:`~app.stores.Attempt` (``number`` 0 while that address must wait)."""
    if await peek(_account_key(username, user)) > ACCOUNT_MAX_FAILURES:
        free = ACCOUNT_HOT_FREE_FAILURES  # guessed from many addresses: every address waits
    elif await peek(f"login-fail:{address or '-'}") >= ADDRESS_MAX_FAILURES:
        free = NOISY_FREE_FAILURES
    else:
        free = FREE_FAILURES
    key = _attempt_key(username, user, address)
    attempt = await reserve_attempt(
        key, free=free, base_delay=LOCK_SECONDS, max_delay=MAX_LOCK_SECONDS, window=FAILURE_WINDOW_SECONDS
    )
    return key, attempt


async def _wrong_password(username: str, user: User | None, address: str | None, attempt: Attempt) -> None:
    """Record a wrong password (or unknown user name) after :func:`_reserve_password_attempt`:
    the address's count, the account's count across addresses, and ``User.failed_logins`` in
    one atomic ``UPDATE ... SET failed_logins = failed_logins + 1`` (shown to organizers)."""
    await increment(f"login-fail:{address or '-'}", ADDRESS_WINDOW_SECONDS)
    if user is None:
        return
    await increment(_account_key(username, user), ACCOUNT_WINDOW_SECONDS)
    values: dict = {User.failed_logins: User.failed_logins + 1}
    if attempt.locked_until:
        values[User.locked_until] = dt.datetime.fromtimestamp(attempt.locked_until, UTC)
    await User.update(values).where(User.id == user.id)


async def authenticate(username: str, password: str, address: str | None) -> Principal:
    """Check a log-in from ``address`` (the client's IP address).

    Returns the :class:`Principal`. Each attempt is counted before the password is checked,
    atomically (:func:`app.stores.reserve_attempt`: Redis when configured), per account and
    address, so of 50 concurrent guesses exactly :data:`FREE_FAILURES` are checked. Raises
    :class:`TooManyRequests` (429, ``retry_after`` seconds, a message saying how long) while
    this address must wait for this account, :class:`NotAuthenticated` (401) for a wrong user
    name or password (every wrong password also adds one to ``User.failed_logins`` in one
    atomic ``UPDATE ... SET failed_logins = failed_logins + 1``, shown to organizers), and
    :class:`Forbidden` (403) for a deactivated account given its right password (a wrong one
    gets the usual 401, so deactivation reveals nothing without the password).
    """
    username = (username or "").strip()
    user = await User.objects().where(User.username == username).first()
    key, attempt = await _reserve_password_attempt(username, user, address)
    if not attempt.number:
        raise TooManyRequests(
            _(
                "密码连续输错次数过多，此账号在本网络地址上暂时不能登录，请 {wait}后再试；忘记密码请组委会重置。",
                wait=wait_text(attempt.wait),
            ),
            retry_after=math.ceil(attempt.wait),
        )
    # an unknown user name costs the same hash check, so timing does not reveal which names exist
    valid = verify_password(user.password_hash if user is not None else _dummy_hash(), password or "")
    if user is None or not valid:
        await _wrong_password(username, user, address, attempt)
        raise NotAuthenticated(_("用户名或密码不正确。"))
    await clear_attempts(key)
    if not user.is_active:
        raise Forbidden(_("此账号已被组委会停用，不能登录；如有疑问请联系组委会。"))
    await User.update({User.failed_logins: 0, User.locked_until: None, User.last_login_at: now()}).where(
        User.id == user.id
    )
    revocation.remember(user.id, revocation.Version(user.token_version, True))
    return principal_of(user.to_dict())


async def _token_version(user_id: int) -> revocation.Version:
    row = await User.select(User.token_version, User.is_active).where(User.id == user_id).first()
    if row is None:
        return revocation.GONE
    return revocation.Version(int(row["token_version"] or 0), bool(row["is_active"]))


revocation.set_loader(_token_version)


async def bump_token_version(user_id: int, **values: object) -> revocation.Version:
    """Add one to the user's token version in one ``UPDATE ... RETURNING`` (revoking every
    access token and page session issued before), setting the other ``User`` columns named in
    ``values`` (``is_active=False``, ``password_hash=...``) in the same statement, and make it
    known at once (:func:`app.revocation.publish`: this worker, and every worker through Redis).
    Returns the new :class:`~app.revocation.Version` (``GONE`` for an unknown user)."""
    changes = {getattr(User, name): value for name, value in values.items()}
    rows = (
        await User.update({User.token_version: User.token_version + 1, **changes})
        .where(User.id == user_id)
        .returning(User.token_version, User.is_active)
    )
    if not rows:
        return revocation.GONE
    version = revocation.Version(int(rows[0]["token_version"]), bool(rows[0]["is_active"]))
    await revocation.publish(user_id, version)
    return version


async def load_principal(user_id: int) -> Principal | None:
    """The active account ``user_id`` as a :class:`Principal` (with its current token version), or ``None``."""
    row = await User.select().where((User.id == user_id) & (User.is_active.eq(True))).first()
    if not row:
        return None
    revocation.remember(user_id, revocation.Version(int(row["token_version"] or 0), True))
    return principal_of(row)


COMMON_PASSWORDS = {
    "password",
    "password1",
    "passw0rd",
    "qwerty123",
    "qwertyui",
    "abc12345",
    "abcd1234",
    "1qaz2wsx",
    "admin123",
    "admin888",
    "woaini1314",
    "iloveyou",
    "a1234567",
    "aa123456",
    "12345678a",
}


def _check_password_strength(password: str, username: str = "") -> None:
    """At least 8 characters, not only digits, not one repeated character, not the user
    name (with or without trailing digits), not a well-known password. Raises :class:`ValidationFailed`."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_("密码至少需要 {n} 个字符。", n=MIN_PASSWORD_LENGTH))
    if (
        password.isdigit()
        or len(set(password)) <= 2
        or password.lower() in COMMON_PASSWORDS
        or (username and password.lower().rstrip("0123456789") == username.lower())
    ):
        raise ValidationFailed(_("密码太容易被猜中：请不要只用数字、重复字符、常见密码或用户名，建议字母、数字混合。"))


async def create_user(
    actor: Principal | None,
    *,
    username: str,
    password: str,
    role: str,
    school_code: str | None = None,
    city: str | None = None,
    display_name: str | None = None,
    must_change_password: bool = False,
) -> dict:
    """Create an account. School accounts need an existing ``school_code``; city accounts
    a ``city`` (a region's name, short name or GB/T 2260 code; stored as the region).
    Returns ``{"id", "username", "role", "display_name", "school_code", "city", "region_code"}``.

    Raises :class:`ValidationFailed` for a bad role, missing school/city or weak password,
    :class:`Conflict` if the user name is taken.
    """
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValidationFailed(_("请填写用户名（不超过 64 个字符）。"))
    if role not in ROLES:
        raise ValidationFailed(_("角色“{role}”无效，可选：{roles}。", role=role, roles=", ".join(ROLES)))
    _check_password_strength(password, username)
    for field, label, text in (
        ("username", _("用户名"), username),
        ("display_name", _("显示名称"), display_name or ""),
    ):
        if problem := name_problem(text, label):
            raise ValidationFailed(problem, errors=[{"field": field, "message": problem}])
    school_id = None
    if role == "school":
        if not school_code:
            raise ValidationFailed(_("学校管理员账号必须指定学校代码。"))
        school = await School.select(School.id, School.city).where(School.code == school_code.strip()).first()
        if not school:
            raise ValidationFailed(_("找不到代码为“{code}”的学校，请先创建该学校。", code=school_code))
        school_id = school["id"]
    region_code = None
    if role == "city" and not (city or "").strip():
        raise ValidationFailed(
            _("市县科协账号必须指定所属市县。"),
            errors=[{"field": "city", "message": _("市县科协账号必须指定所属市县。")}],
        )
    if (city or "").strip():
        region = await resolve_region(city, field="city")
        city, region_code = region["name"], region["code"]
    else:
        city = None
    if await User.exists().where(User.username == username):
        raise Conflict(_("用户名“{username}”已被使用，请换一个。", username=username))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=(display_name or "").strip() or username,
        school=school_id,
        city=city,
        region=region_code,
        must_change_password=must_change_password,
    )
    await user.save()
    await audit.record(actor, "user.create", "user", user.id, summary=f"{username} ({role})")
    return {
        "id": user.id,
        "username": username,
        "role": role,
        "display_name": user.display_name,
        "school_code": school_code if role == "school" else None,
        "city": city,
        "region_code": region_code,
    }


async def list_users() -> list[dict]:
    """All accounts with their school: ``[{"id", "username", "role", "display_name", "school_code", "school_name", "city", "region_code", "is_active", "must_change_password", "locked"}]``."""
    rows = (
        await User.select(
            User.id,
            User.username,
            User.role,
            User.display_name,
            User.city,
            User.region.as_alias("region_code"),
            User.is_active,
            User.must_change_password,
            User.locked_until,
            User.school.code.as_alias("school_code"),
            User.school.name.as_alias("school_name"),
        )
        .order_by(User.role)
        .order_by(User.username)
    )
    for row in rows:
        locked_until = row.pop("locked_until")
        row["locked"] = bool(locked_until and locked_until > now())
    return rows


async def change_password(
    actor: Principal, current_password: str, new_password: str, address: str | None = None
) -> None:
    """The caller changes their own password (also clears a forced change). Every access token
    and page session of the account issued before stops working at once (the token version
    goes up); the caller's page or API answer carries a fresh one.

    A wrong current password from ``address`` counts like a wrong password at log-in (the same
    count per account and address, the same delays: a stolen session cannot guess the password).
    Raises :class:`TooManyRequests` (429) while this address must wait, :class:`ValidationFailed`
    for a wrong current password or a weak or unchanged new one, :class:`NotFound` if the
    account is gone."""
    user = await User.objects().where(User.id == actor.id).first()
    if user is None:
        raise NotFound(_("账号不存在。"))
    key, attempt = await _reserve_password_attempt(user.username, user, address)
    if not attempt.number:
        raise TooManyRequests(
            _("当前密码输错次数过多，请 {wait}后再试。", wait=wait_text(attempt.wait)),
            retry_after=math.ceil(attempt.wait),
        )
    if not verify_password(user.password_hash, current_password or ""):
        await _wrong_password(user.username, user, address, attempt)
        raise ValidationFailed(_("当前密码不正确。"))
    await clear_attempts(key)
    if new_password == current_password:
        raise ValidationFailed(_("新密码不能与当前密码相同。"))
    _check_password_strength(new_password, actor.username)
    await bump_token_version(actor.id, password_hash=hash_password(new_password), must_change_password=False)
    await audit.record(actor, "user.password_change", "user", actor.id, summary=actor.username)


async def reset_password(actor: Principal, user_id: int) -> str:
    """An organizer resets a user's password. Returns the new temporary password; the
    user must change it at the next log-in. Lifts log-in delays and revokes every access
    token and page session of the account at once."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以重置密码。"))
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise NotFound(_("账号不存在。"))
    temporary = secrets.token_urlsafe(9)
    await bump_token_version(
        user_id,
        password_hash=hash_password(temporary),
        must_change_password=True,
        failed_logins=0,
        locked_until=None,
    )
    await audit.record(actor, "user.password_reset", "user", user_id, summary=user.username)
    return temporary


async def set_active(actor: Principal, user_id: int, active: bool, reason: str | None = None) -> dict:
    """An organizer deactivates (``active=False``) or reactivates an account. Deactivation
    revokes every access token and page session of the account at once and refuses its
    log-ins (with a message saying so); reactivation lets it log in again (old tokens stay
    revoked). Audited with the optional ``reason``.

    Returns ``{"id", "username", "is_active"}``. Raises :class:`Forbidden` for a non-organizer,
    :class:`NotFound` for an unknown account, :class:`ValidationFailed` when an organizer tries
    to deactivate their own account."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以停用或启用账号。"))
    user = await User.select(User.id, User.username, User.is_active).where(User.id == user_id).first()
    if user is None:
        raise NotFound(_("账号不存在。"))
    if not active and user_id == actor.id:
        raise ValidationFailed(
            _("不能停用自己正在使用的账号。"),
            errors=[{"field": "user_id", "message": _("不能停用自己正在使用的账号。")}],
        )
    reason = (reason or "").strip()
    if bool(user["is_active"]) != active:
        await bump_token_version(user_id, is_active=active)
        await audit.record(
            actor,
            "user.reactivate" if active else "user.deactivate",
            "user",
            user_id,
            summary=user["username"],
            reason=reason,
        )
    return {"id": user_id, "username": user["username"], "is_active": active}


LOGIN_CODE_MINUTES = 10
LOGIN_CODE_ROLES = ("judge", "referee", "staff")


def _code_hash(code: str) -> str:
    import hashlib

    return hashlib.sha256(code.encode()).hexdigest()


async def issue_login_code(actor: Principal, user_id: int) -> dict:
    """An organizer makes a single-use log-in code for a judge, referee or check-in
    staff account (shown as a QR code), valid :data:`LOGIN_CODE_MINUTES` minutes.
    Returns ``{"code", "expires_at", "username", "display_name"}``; only the code's hash is stored."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以生成登录二维码。"))
    user = (
        await User.select(User.id, User.username, User.display_name, User.role, User.is_active)
        .where(User.id == user_id)
        .first()
    )
    if user is None or not user["is_active"]:
        raise NotFound(_("账号不存在。"))
    if user["role"] not in LOGIN_CODE_ROLES:
        raise ValidationFailed(_("登录二维码只用于评委、裁判和签到员账号。"))
    code = secrets.token_urlsafe(24)
    expires_at = now() + dt.timedelta(minutes=LOGIN_CODE_MINUTES)
    await LoginCode.insert(
        LoginCode(code_hash=_code_hash(code), user=user_id, created_by=actor.id, expires_at=expires_at)
    )
    await audit.record(actor, "user.login_code", "user", user_id, summary=user["username"])
    return {"code": code, "expires_at": expires_at, "username": user["username"], "display_name": user["display_name"]}


async def redeem_login_code(code: str) -> Principal:
    """Log in with a code from :func:`issue_login_code`: works once, within its validity.
    Spending it is one atomic UPDATE, so two scans cannot both succeed. Raises
    :class:`Forbidden` for an unknown, used or expired code."""
    rows = (
        await LoginCode.update({LoginCode.used_at: now()})
        .where(
            (LoginCode.code_hash == _code_hash(code or ""))
            & LoginCode.used_at.is_null()
            & (LoginCode.expires_at > now())
        )
        .returning(LoginCode.user)
    )
    if not rows:
        raise Forbidden(_("登录二维码无效、已使用或已超过 {n} 分钟有效期，请组委会重新生成。", n=LOGIN_CODE_MINUTES))
    principal = await load_principal(rows[0]["user"])
    if principal is None:
        raise Forbidden(_("账号已停用。"))
    await User.update({User.last_login_at: now()}).where(User.id == principal.id)
    return principal
