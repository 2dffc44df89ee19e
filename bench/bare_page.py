"""The baseline of ``bench/lists.py``: a bare Litestar app answering ``GET /page`` with an HTML
document of a list page's size (50 table rows), no middleware, no database, no templates."""

from __future__ import annotations

from litestar import Litestar, MediaType, get

ROWS = "".join(
    f"<tr><td>MA-初{i:04d}</td><td><a href='/entries/{i}'>作品{i}</a></td><td>第{i % 60}中学</td>"
    f"<td>数学</td><td>初中</td><td>学生甲、学生乙</td><td><span class='badge'>已通过</span></td></tr>"
    for i in range(50)
)
PAGE = f"<!doctype html><html><body><table>{ROWS}</table></body></html>"


@get("/page", media_type=MediaType.HTML)
async def page() -> str:
    return PAGE


app = Litestar(route_handlers=[page])
