"""Account pages: log-in (password or one-time code), password change, the organizer's user list, language switch, favicon."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import Parameter
from litestar.response import Redirect

from app.accounts import services as accounts
from app.errors import ServiceError
from app.i18n import LOCALES, _
from app.plugins import registry
from app.schools import services as schools
from app.tables import ROLES
from app.web import attempt, client_address, error_message, flash, form_value, redirect, render, sessions, user_of
from app.web.auth import SESSION_KEY, check_access, current_user, logged_in, organizer_only
from app.web.pagination import Pager


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
            principal = await accounts.authenticate(username, form.get("password") or "", client_address(request))
        except ServiceError as exc:
            page = render(
                request,
                "app/accounts/login.html",
                status_code=exc.status_code if exc.status_code != 403 else 401,
                error=exc.message,
                next=target,
                username=username,
            )
            if getattr(exc, "retry_after", None):
                page.headers["Retry-After"] = str(exc.retry_after)  # type: ignore[attr-defined]
            return page
        sessions.begin(request, {SESSION_KEY: principal.to_claims()})  # a new session id: no fixation
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
            await accounts.change_password(user, form.get("current_password") or "", new, client_address(request))
        except ServiceError as exc:
            return render(request, "app/accounts/password.html", status_code=exc.status_code, error=exc.message)
        principal = await accounts.load_principal(user.id)
        # every other session and token of the account has just been revoked; this one starts afresh
        sessions.begin(request, {SESSION_KEY: principal.to_claims()} if principal else {})
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
            return render(
                request, "app/accounts/login_code.html", status_code=exc.status_code, code=code, error=exc.message
            )
        sessions.begin(request, {SESSION_KEY: principal.to_claims()})
        return redirect("/")

    @get("/lang/{code:str}")
    async def language(
        self, request: Request, code: str, next_: str | None = Parameter(query="next", default=None)
    ) -> Response:
        response = redirect(
            _safe_next(next_ or request.headers.get("referer", "/").split(request.base_url.netloc, 1)[-1])
        )
        if code in LOCALES:
            response.cookies.append(Cookie(key="lang", value=code, max_age=365 * 86400, samesite="lax", path="/"))
        return response


class UserPages(Controller):
    path = "/users"
    include_in_schema = False
    guards = [organizer_only]

    @get("/")
    async def index(
        self,
        request: Request,
        role: str | None = None,
        q: str | None = None,
        page: str | None = None,
        size: str | None = None,
    ) -> Any:
        role = role if role in ROLES else ""
        q = (q or "").strip()
        rows = await accounts.list_users()  # one query; a page of it is shown
        if role:
            rows = [u for u in rows if u["role"] == role]
        if q:
            rows = [
                u
                for u in rows
                if any(
                    q.lower() in str(u.get(k) or "").lower()
                    for k in ("username", "display_name", "school_name", "city")
                )
            ]
        pager = Pager.from_query("/users/", page, size, {"role": role, "q": q})
        pager.total = len(rows)
        if pager.clamp():
            return redirect(pager.url())
        return render(
            request,
            "app/accounts/users.html",
            users=rows[pager.offset : pager.offset + pager.size],
            pager=pager,
            filter_role=role,
            q=q,
            roles=ROLES,
            role_labels=accounts.ROLE_LABELS,
            cities=schools.HAINAN_CITIES,
        )

    @post("/")
    async def create(self, request: Request) -> Any:
        form = await request.form()
        data = {k: form_value(form, k) or None for k in ("username", "role", "school_code", "city", "display_name")}
        await attempt(
            request,
            accounts.create_user(
                user_of(request), password=form.get("password") or "", must_change_password=True, **data
            ),
            _("已创建账号 {username}，首次登录时须修改密码。", username=data["username"]),
        )
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
        svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2).to_string(
            encoding="unicode"
        )
        from app.times import format_time

        return render(
            request,
            "app/accounts/login_qr.html",
            issued=issued,
            url=url,
            svg=svg,
            expires=format_time(issued["expires_at"]),
            minutes=accounts.LOGIN_CODE_MINUTES,
        )

    @post("/{user_id:int}/reset-password")
    async def reset(self, request: Request, user_id: int) -> Any:
        try:
            temporary = await accounts.reset_password(user_of(request), user_id)
        except ServiceError as exc:
            flash(request, error_message(exc), "error")
        else:
            flash(
                request, _("密码已重置。临时密码：{password}（请当面或电话告知本人，登录后须修改）", password=temporary)
            )
        return redirect("/users/")

    @post("/{user_id:int}/deactivate")
    async def deactivate(self, request: Request, user_id: int) -> Any:
        """Deactivate an account: its tokens and sessions stop at once, its log-ins are refused."""
        form = await request.form()
        await attempt(
            request,
            accounts.set_active(user_of(request), user_id, False, form_value(form, "reason")),
            _("账号已停用：该账号的所有登录已立即失效，且不能再登录。"),
        )
        return redirect("/users/")

    @post("/{user_id:int}/reactivate")
    async def reactivate(self, request: Request, user_id: int) -> Any:
        await attempt(request, accounts.set_active(user_of(request), user_id, True), _("账号已重新启用。"))
        return redirect("/users/")


class HomePage(Controller):
    """The home page: every programme's dashboard blocks for the user's role (app.plugins), or the
    role's own home (judges: their entries to score; check-in staff: the scanner)."""

    include_in_schema = False

    @get("/")
    async def index(self, request: Request) -> Any:
        """Logged in: the role's home. Anonymous visitors (parents, teachers, the press): the
        public home a programme registers (published results, certificate verification) as
        ``home_redirects["public"]``, else the log-in page."""
        user = current_user(request)
        if user is None:
            return redirect(registry.home_redirects.get("public", "/login"))
        check_access(request)  # a user who must change the password is sent there
        target = registry.home_redirects.get(user.role)
        if target:
            return redirect(target)
        parts = [part for block in registry.blocks_for(user.role) if (part := await block.build(user)) is not None]
        return render(request, "app/home.html", parts=parts)


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> Redirect:
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon."""
    return Redirect("/static/favicon.svg", status_code=301)


def page_routes() -> list[Any]:
    return [HomePage, AuthPages, UserPages, favicon]
