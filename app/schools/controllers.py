"""JSON API of schools: create, list (organizer, city), edit, workbook import."""
from __future__ import annotations


from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from app.schools import services as schools
from app.web.auth import organizer_only, requires
from app.web import upload_bytes, user_of
from app.schools.schemas import SchoolIn, SchoolPatch


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
        data = await upload_bytes(request)
        return await schools.import_schools(user_of(request), data)


def api_routes() -> list[Any]:
    return [SchoolApi]
