"""Accounts: log-in with throttling, users, password changes and resets."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import lru_cache

from app import audit
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, TooManyRequests, ValidationFailed
from app.i18n import _
from app.principal import Principal
from app.regions.services import resolve_region
from app.security import hash_password, verify_password
from app.stores import increment, peek
from app.tables import ROLES, LoginCode, School, User
from app.text import name_problem
from app.times import now

# Per account: after MAX_FAILURES wrong passwords in a row the account is locked for
# LOCK_MINUTES (doubling with each further failure, capped at MAX_LOCK_MINUTES).
MAX_FAILURES = 5
LOCK_MINUTES = 5
MAX_LOCK_MINUTES = 60
# Per address: deliberately loose, a whole venue shares one address.
ADDRESS_MAX_FAILURES = 200
ADDRESS_WINDOW_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 8

ROLE_LABELS = {
    "organizer": "组委会",
    "city": "市县科协",
    "school": "学校管理员",
    "judge": "评委",
    "referee": "裁判",
    "staff": "签到员",
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
    )


async def authenticate(username: str, password: str, address: str | None) -> Principal:
    """Check a log-in.

    Returns the :class:`Principal`. Raises :class:`TooManyRequests` (429) while the
    account is locked after repeated failures or the address exceeds its loose limit,
    and :class:`NotAuthenticated` (401) for a wrong user name or password.
    """
    username = (username or "").strip()
    address_key = f"login-fail:{address or '-'}"
    if await peek(address_key) >= ADDRESS_MAX_FAILURES:
        raise TooManyRequests(_("此网络地址登录失败次数过多，请 15 分钟后再试。"))
    user = await User.objects().where(User.username == username).first()
    if user is not None and user.locked_until and user.locked_until > now():
        minutes = max(1, int((user.locked_until - now()).total_seconds() // 60) + 1)
        raise TooManyRequests(
            _("密码连续输错次数过多，账号已暂时锁定，请 {minutes} 分钟后再试，或请组委会重置密码。", minutes=minutes)
        )
    # an unknown user name costs the same hash check, so timing does not reveal which names exist
    valid = verify_password(user.password_hash if user is not None else _dummy_hash(), password or "")
    if user is None or not user.is_active or not valid:
        await increment(address_key, ADDRESS_WINDOW_SECONDS)
        if user is not None:
            failures = user.failed_logins + 1
            values = {User.failed_logins: failures}
            if failures >= MAX_FAILURES:
                minutes = min(LOCK_MINUTES * 2 ** (failures - MAX_FAILURES), MAX_LOCK_MINUTES)
                values[User.locked_until] = now() + dt.timedelta(minutes=minutes)
            await User.update(values).where(User.id == user.id)
        raise NotAuthenticated(_("用户名或密码不正确。"))
    await User.update({User.failed_logins: 0, User.locked_until: None, User.last_login_at: now()}).where(
        User.id == user.id
    )
    return principal_of(user.to_dict())


async def load_principal(user_id: int) -> Principal | None:
    row = await User.select().where((User.id == user_id) & (User.is_active.eq(True))).first()
    return principal_of(row) if row else None


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


async def change_password(actor: Principal, current_password: str, new_password: str) -> None:
    """The caller changes their own password (also clears a forced change)."""
    user = await User.objects().where(User.id == actor.id).first()
    if user is None:
        raise NotFound(_("账号不存在。"))
    if not verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed(_("当前密码不正确。"))
    if new_password == current_password:
        raise ValidationFailed(_("新密码不能与当前密码相同。"))
    _check_password_strength(new_password, actor.username)
    await User.update({User.password_hash: hash_password(new_password), User.must_change_password: False}).where(
        User.id == actor.id
    )
    await audit.record(actor, "user.password_change", "user", actor.id, summary=actor.username)


async def reset_password(actor: Principal, user_id: int) -> str:
    """An organizer resets a user's password. Returns the new temporary password; the
    user must change it at the next log-in. Also lifts a log-in lock."""
    if not actor.is_organizer:
        raise Forbidden(_("只有组委会可以重置密码。"))
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise NotFound(_("账号不存在。"))
    temporary = secrets.token_urlsafe(9)
    await User.update(
        {
            User.password_hash: hash_password(temporary),
            User.must_change_password: True,
            User.failed_logins: 0,
            User.locked_until: None,
        }
    ).where(User.id == user_id)
    await audit.record(actor, "user.password_reset", "user", user_id, summary=user.username)
    return temporary


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
