"""``GET /api/v1/regions``: the province's cities and counties (GB/T 2260)."""

from __future__ import annotations

from litestar import Controller, get

from app.regions import services as regions
from app.regions.schemas import RegionOut
from app.web.auth import logged_in
from app.web.openapi import responses


class RegionApi(Controller):
    path = "/api/v1/regions"
    tags = ["regions"]

    @get("/", guards=[logged_in], responses=responses(401, 403))
    async def list(self) -> list[RegionOut]:
        """Hainan's 19 cities and counties in the province's order: ``level`` is
        ``prefecture_city`` (地级市), ``county_city`` (县级市) or ``county`` (县, 自治县);
        ``autonomous`` marks the ethnic autonomous counties."""
        return [
            RegionOut(code=r["code"], name=r["name"], level=r["level"], autonomous=bool(r["autonomous"]))
            for r in await regions.list_regions()
        ]


def api_routes() -> list[type[Controller]]:
    return [RegionApi]
