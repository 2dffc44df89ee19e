"""JSON API of accounts: log-in (bearer tokens), password change, users."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from app.accounts import services as accounts
from app.accounts.schemas import (
    AccessTokenOut,
    ActiveOut,
    DeactivateIn,
    LoginIn,
    PasswordIn,
    TemporaryPasswordOut,
    TokenOut,
    UserIn,
    UserListItem,
    UserOut,
)
from app.security import issue_access_token
from app.web import client_address, user_of
from app.web.auth import logged_in, organizer_only
from app.web.openapi import responses
from app.web.schemas import answer


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", status_code=200, responses=responses(401, 403, 422, 429))
    async def login(self, request: Request, data: LoginIn) -> TokenOut:
        """Exchange user name and password for a signed, expiring bearer token (401 wrong name
        or password; 403 deactivated account; 429 while this address must wait after repeated
        failures for this account, with ``Retry-After`` in seconds and a message saying how long)."""
        principal = await accounts.authenticate(data.username, data.password, client_address(request))
        from app.settings import get_settings

        lifetime = get_settings().token_lifetime_seconds
        return TokenOut(
            access_token=issue_access_token(principal.to_claims()),
            expires_in=lifetime,
            role=principal.role,
            must_change_password=principal.must_change_password,
        )

    @post("/password", guards=[logged_in], status_code=200, responses=responses(401, 403, 404, 422, 429))
    async def change_password(self, request: Request, data: PasswordIn) -> AccessTokenOut:
        """Change the caller's password; returns a fresh token without the forced-change mark
        (422 wrong current password; 429 after repeated wrong ones, counted and delayed like
        log-in failures, with ``Retry-After``)."""
        user = user_of(request)
        await accounts.change_password(user, data.current_password, data.new_password, client_address(request))
        principal = await accounts.load_principal(user.id)
        return AccessTokenOut(access_token=issue_access_token(principal.to_claims()), token_type="bearer")


class UserApi(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [organizer_only]

    @post("/", status_code=201, responses=responses(401, 403, 409, 422))
    async def create(self, request: Request, data: UserIn) -> UserOut:
        return answer(UserOut, await accounts.create_user(user_of(request), **msgspec.structs.asdict(data)))

    @get("/", responses=responses(401, 403))
    async def list(self) -> list[UserListItem]:
        return answer(list[UserListItem], await accounts.list_users())

    @post("/{user_id:int}/reset-password", status_code=200, responses=responses(401, 403, 404))
    async def reset(self, request: Request, user_id: int) -> TemporaryPasswordOut:
        """Set a temporary password the user must change at the next log-in."""
        return TemporaryPasswordOut(temporary_password=await accounts.reset_password(user_of(request), user_id))

    @post("/{user_id:int}/deactivate", status_code=200, responses=responses(401, 403, 404, 422))
    async def deactivate(self, request: Request, user_id: int, data: DeactivateIn | None = None) -> ActiveOut:
        """Deactivate an account: every access token and page session of it stops at once and
        its log-ins are refused (403 with a message saying so). Audited with the optional ``reason``."""
        reason = data.reason if data else None
        return answer(ActiveOut, await accounts.set_active(user_of(request), user_id, False, reason))

    @post("/{user_id:int}/reactivate", status_code=200, responses=responses(401, 403, 404))
    async def reactivate(self, request: Request, user_id: int) -> ActiveOut:
        """Let a deactivated account log in again (tokens issued before stay revoked)."""
        return answer(ActiveOut, await accounts.set_active(user_of(request), user_id, True))


def api_routes() -> list[Any]:
    return [AuthApi, UserApi]
