"""Platform routes: log-in/out, password change, language, schools and users
(pages and JSON API). Thin: parse, call a service, render or serialize."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import Parameter
from litestar.response import Redirect

from app.accounts import services as accounts
from app.schools import services as schools
from app.web.auth import SESSION_KEY, logged_in, organizer_only, requires
from app.errors import ServiceError
from app.i18n import LOCALES, _
from app.security import issue_access_token
from app.tables import ROLES
from app.web import error_message, flash, form_value, redirect, render, user_of


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


# --------------------------------------------------------------------------- API schemas


class LoginIn(msgspec.Struct):
    username: str
    password: str


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = 0
    role: str = ""
    must_change_password: bool = False


class PasswordIn(msgspec.Struct):
    current_password: str
    new_password: str


class SchoolIn(msgspec.Struct):
    code: str
    name: str
    city: str


class SchoolPatch(msgspec.Struct, omit_defaults=True):
    code: str | None = None
    name: str | None = None
    city: str | None = None


class UserIn(msgspec.Struct):
    username: str
    password: str
    role: str
    school_code: str | None = None
    city: str | None = None
    display_name: str | None = None


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", status_code=200)
    async def login(self, request: Request, data: LoginIn) -> TokenOut:
        """Exchange user name and password for a signed, expiring bearer token."""
        principal = await accounts.authenticate(data.username, data.password, _client_address(request))
        from app.settings import get_settings

        lifetime = get_settings().token_lifetime_seconds
        return TokenOut(access_token=issue_access_token(principal.to_claims()), expires_in=lifetime, role=principal.role,
                        must_change_password=principal.must_change_password)

    @post("/password", guards=[logged_in], status_code=200)
    async def change_password(self, request: Request, data: PasswordIn) -> dict[str, Any]:
        """Change the caller's password; returns a fresh token without the forced-change mark."""
        user = user_of(request)
        await accounts.change_password(user, data.current_password, data.new_password)
        principal = await accounts.load_principal(user.id)
        return {"access_token": issue_access_token(principal.to_claims()), "token_type": "bearer"}


class SchoolApi(Controller):
    path = "/api/v1/schools"
    tags = ["schools"]

    @post("/", guards=[organizer_only], status_code=201)
    async def create(self, request: Request, data: SchoolIn) -> dict[str, Any]:
        return await schools.create_school(user_of(request), msgspec.structs.asdict(data))

    @get("/", guards=[requires("organizer", "city")])
    async def list(self, request: Request, city: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
        return await schools.list_schools(user_of(request), city=city, q=q)

    @get("/{school_id:int}", guards=[requires("organizer", "city", "school")])
    async def detail(self, request: Request, school_id: int) -> dict[str, Any]:
        return await schools.get_school(user_of(request), school_id)

    @post("/{school_id:int}", guards=[organizer_only], status_code=200)
    async def update(self, request: Request, school_id: int, data: SchoolPatch) -> dict[str, Any]:
        return await schools.update_school(user_of(request), school_id, msgspec.structs.asdict(data))

    @post("/import", guards=[organizer_only], status_code=201)
    async def import_(self, request: Request) -> dict[str, int]:
        """Multipart field ``file``: a workbook with 学校代码, 学校名称, 所属市县."""
        data = await _upload_bytes(request)
        return await schools.import_schools(user_of(request), data)


async def _upload_bytes(request: Request, field: str = "file") -> bytes:
    from app.errors import ValidationFailed

    form = await request.form()
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise ValidationFailed(_("请选择要上传的文件（表单字段 {field}）。", field=field))
    return await upload.read()


class UserApi(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [organizer_only]

    @post("/", status_code=201)
    async def create(self, request: Request, data: UserIn) -> dict[str, Any]:
        return await accounts.create_user(user_of(request), **msgspec.structs.asdict(data))

    @get("/")
    async def list(self) -> list[dict[str, Any]]:
        return await accounts.list_users()

    @post("/{user_id:int}/reset-password", status_code=200)
    async def reset(self, request: Request, user_id: int) -> dict[str, str]:
        """Set a temporary password the user must change at the next log-in."""
        return {"temporary_password": await accounts.reset_password(user_of(request), user_id)}


# --------------------------------------------------------------------------- pages


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class AuthPages(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Request, next_: str | None = Parameter(query="next", default=None)) -> Any:
        return render(request, "app/accounts/login.html", next=_safe_next(next_), username="")

    @post("/login")
    async def login(self, request: Request) -> Any:
        form = await request.form()
        username, target = form_value(form, "username"), _safe_next(form_value(form, "next"))
        try:
            principal = await accounts.authenticate(username, form.get("password") or "", _client_address(request))
        except ServiceError as exc:
            return render(request, "app/accounts/login.html", status_code=exc.status_code if exc.status_code != 403 else 401,
                          error=exc.message, next=target, username=username)
        request.set_session({SESSION_KEY: principal.to_claims()})
        if principal.must_change_password:
            return redirect("/password")
        return redirect(target)

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return redirect("/login")

    @get("/password", guards=[logged_in])
    async def password_form(self, request: Request) -> Any:
        return render(request, "app/accounts/password.html")

    @post("/password", guards=[logged_in])
    async def password(self, request: Request) -> Any:
        form = await request.form()
        user = user_of(request)
        new = form.get("new_password") or ""
        if new != (form.get("confirm_password") or ""):
            return render(request, "app/accounts/password.html", status_code=422, error=_("两次输入的新密码不一致。"))
        try:
            await accounts.change_password(user, form.get("current_password") or "", new)
        except ServiceError as exc:
            return render(request, "app/accounts/password.html", status_code=exc.status_code, error=exc.message)
        principal = await accounts.load_principal(user.id)
        request.set_session({SESSION_KEY: principal.to_claims()})
        flash(request, _("密码已修改。"))
        return redirect("/")

    @get("/login/code/{code:str}")
    async def code_form(self, request: Request, code: str) -> Any:
        """Opened by scanning a log-in QR: a confirmation page (link previews must not spend the code)."""
        return render(request, "app/accounts/login_code.html", code=code)

    @post("/login/code/{code:str}")
    async def code_login(self, request: Request, code: str) -> Any:
        try:
            principal = await accounts.redeem_login_code(code)
        except ServiceError as exc:
            return render(request, "app/accounts/login_code.html", status_code=exc.status_code, code=code, error=exc.message)
        request.set_session({SESSION_KEY: principal.to_claims()})
        return redirect("/")

    @get("/lang/{code:str}")
    async def language(self, request: Request, code: str, next_: str | None = Parameter(query="next", default=None)) -> Response:
        response = redirect(_safe_next(next_ or request.headers.get("referer", "/").split(request.base_url.netloc, 1)[-1]))
        if code in LOCALES:
            response.cookies.append(Cookie(key="lang", value=code, max_age=365 * 86400, samesite="lax", path="/"))
        return response


class SchoolPages(Controller):
    path = "/schools"
    include_in_schema = False
    guards = [requires("organizer", "city")]

    @get("/")
    async def index(self, request: Request, city: str | None = None, q: str | None = None) -> Any:
        user = user_of(request)
        rows = await schools.list_schools(user, city=city or None, q=q or None)
        return render(request, "app/schools/list.html", schools=rows, cities=schools.HAINAN_CITIES, city=city or "", q=q or "")

    @post("/", guards=[organizer_only])
    async def create(self, request: Request) -> Any:
        form = await request.form()
        try:
            school = await schools.create_school(user_of(request), {k: form_value(form, k) for k in ("code", "name", "city")})
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已添加学校 {name}。", name=school["name"]))
        return redirect("/schools/")

    @get("/{school_id:int}/edit", guards=[organizer_only])
    async def edit_form(self, request: Request, school_id: int) -> Any:
        school = await schools.get_school(user_of(request), school_id)
        return render(request, "app/schools/edit.html", school=school, cities=schools.HAINAN_CITIES)

    @post("/{school_id:int}/edit", guards=[organizer_only])
    async def edit(self, request: Request, school_id: int) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) for k in ("code", "name", "city")}
        try:
            await schools.update_school(user_of(request), school_id, data)
        except ServiceError as exc:
            return render(request, "app/schools/edit.html", status_code=exc.status_code, school={"id": school_id, **data},
                          cities=schools.HAINAN_CITIES, error=exc.message)
        flash(request, _("学校信息已保存。"))
        return redirect("/schools/")

    @post("/import", guards=[organizer_only])
    async def import_(self, request: Request) -> Any:
        try:
            result = await schools.import_schools(user_of(request), await _upload_bytes(request))
        except ServiceError as exc:
            rows = await schools.list_schools(user_of(request))
            return render(request, "app/schools/list.html", status_code=exc.status_code, schools=rows, cities=schools.HAINAN_CITIES,
                          city="", q="", import_error=exc.message, import_errors=exc.errors)
        flash(request, _("导入完成：新增 {created} 所，更新 {updated} 所。", **result))
        return redirect("/schools/")


class UserPages(Controller):
    path = "/users"
    include_in_schema = False
    guards = [organizer_only]

    @get("/")
    async def index(self, request: Request) -> Any:
        return render(request, "app/accounts/users.html", users=await accounts.list_users(), roles=ROLES,
                      role_labels=accounts.ROLE_LABELS, cities=schools.HAINAN_CITIES)

    @post("/")
    async def create(self, request: Request) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) or None for k in ("username", "role", "school_code", "city", "display_name")}
        try:
            await accounts.create_user(user_of(request), password=form.get("password") or "", must_change_password=True, **data)
        except ServiceError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, _("已创建账号 {username}，首次登录时须修改密码。", username=data["username"]))
        return redirect("/users/")

    @get("/{user_id:int}/login-qr")
    async def login_qr(self, request: Request, user_id: int) -> Any:
        """A single-use log-in QR code for a judge, referee or staff account (10 minutes)."""
        import qrcode
        import qrcode.image.svg

        try:
            issued = await accounts.issue_login_code(user_of(request), user_id)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect("/users/")
        url = f"{str(request.base_url).rstrip('/')}/login/code/{issued['code']}"
        svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2).to_string(encoding="unicode")
        from competitions.registration.services import format_time

        return render(request, "app/accounts/login_qr.html", issued=issued, url=url, svg=svg, expires=format_time(issued["expires_at"]),
                      minutes=accounts.LOGIN_CODE_MINUTES)

    @post("/{user_id:int}/reset-password")
    async def reset(self, request: Request, user_id: int) -> Any:
        try:
            temporary = await accounts.reset_password(user_of(request), user_id)
        except ServiceError as exc:
            flash(request, error_message(exc), "error")
        else:
            flash(request, _("密码已重置。临时密码：{password}（请当面或电话告知本人，登录后须修改）", password=temporary))
        return redirect("/users/")


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> Redirect:
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon."""
    return Redirect("/static/favicon.svg", status_code=301)


def app_routes() -> list[Any]:
    return [AuthApi, SchoolApi, UserApi, AuthPages, SchoolPages, UserPages, favicon]
