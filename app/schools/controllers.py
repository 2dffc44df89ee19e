"""JSON API of schools: create, list (organizer, city), edit, workbook import."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from app.schools import services as schools
from app.schools.schemas import SchoolImportOut, SchoolIn, SchoolOut, SchoolPatch
from app.web import upload_bytes, user_of
from app.web.auth import organizer_only, requires
from app.web.openapi import responses
from app.web.schemas import answer, given_fields


class SchoolApi(Controller):
    path = "/api/v1/schools"
    tags = ["schools"]

    @post("/", guards=[organizer_only], status_code=201, responses=responses(401, 403, 409, 422))
    async def create(self, request: Request, data: SchoolIn) -> SchoolOut:
        return answer(SchoolOut, await schools.create_school(user_of(request), msgspec.structs.asdict(data)))

    @get("/", guards=[requires("organizer", "city")], responses=responses(401, 403))
    async def list(self, request: Request, city: str | None = None, q: str | None = None) -> list[SchoolOut]:
        return answer(list[SchoolOut], await schools.list_schools(user_of(request), city=city, q=q))

    @get("/{school_id:int}", guards=[requires("organizer", "city", "school")], responses=responses(401, 403, 404))
    async def detail(self, request: Request, school_id: int) -> SchoolOut:
        return answer(SchoolOut, await schools.get_school(user_of(request), school_id))

    @post("/{school_id:int}", guards=[organizer_only], status_code=200, responses=responses(401, 403, 404, 409, 422))
    async def update(self, request: Request, school_id: int, data: SchoolPatch) -> SchoolOut:
        return answer(SchoolOut, await schools.update_school(user_of(request), school_id, given_fields(data)))

    @post("/import", guards=[organizer_only], status_code=201, responses=responses(401, 403, 413, 422))
    async def import_(self, request: Request, create_accounts: bool = False) -> SchoolImportOut:
        """Multipart field ``file``: a workbook with 学校代码, 学校名称, 所属市县 (and optionally
        联系人, 联系电话). ``?create_accounts=true`` makes a coordinator account for every imported
        school without one and answers their initial passwords (shown once; changed at first log-in)."""
        data = await upload_bytes(request)
        return answer(
            SchoolImportOut, await schools.import_schools(user_of(request), data, create_accounts=create_accounts)
        )


def api_routes() -> list[Any]:
    return [SchoolApi]
