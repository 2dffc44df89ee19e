"""Paginated lists on pages and in the JSON API: the page asked for, links that keep the list's
filters and sort, and the ``X-Total-Count`` / ``Link`` headers of a paged API answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZES = (10, 20, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_API_LIMIT = 1000


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


@dataclass
class Pager:
    """Page ``page`` (from 1) of ``size`` rows of a list at ``path`` with ``params`` (filters and
    sort, kept in every link). Set ``total`` once the list is counted."""

    path: str
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    params: dict[str, Any] = field(default_factory=dict)
    total: int = 0
    sizes: tuple[int, ...] = PAGE_SIZES

    @classmethod
    def from_query(cls, path: str, page: Any, size: Any, params: dict[str, Any] | None = None) -> "Pager":
        """A pager from the page's ``page`` and ``size`` query values: unreadable or out-of-range
        values fall back to the first page and the default size (a size not offered is rounded
        to the nearest offered one above, at most the largest)."""
        wanted = _int(size, DEFAULT_PAGE_SIZE)
        chosen = next((s for s in PAGE_SIZES if s >= wanted), PAGE_SIZES[-1]) if wanted > 0 else DEFAULT_PAGE_SIZE
        return cls(
            path=path,
            page=max(1, _int(page, 1)),
            size=chosen,
            params={k: v for k, v in (params or {}).items() if v not in (None, "")},
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_shown(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.size)

    def clamp(self) -> bool:
        """After ``total`` is known: True when ``page`` lay past the last page (and was moved there)."""
        if self.page > self.pages:
            self.page = self.pages
            return True
        return False

    def url(self, page: int | None = None, size: int | None = None, **changes: Any) -> str:
        """This list's address for ``page`` (default: this one), keeping filters, sort and size."""
        params = {**self.params, **changes}
        size = size or self.size
        if size != DEFAULT_PAGE_SIZE:
            params["size"] = size
        page = page or self.page
        if page > 1:
            params["page"] = page
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return self.path + (f"?{query}" if query else "")

    def sort_url(self, key: str) -> str:
        """The first page sorted by ``key``, or by ``-key`` when already sorted by ``key``."""
        current = str(self.params.get("sort") or "")
        return self.url(page=1, sort=f"-{key}" if current == key else key)

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` on each side of this one;
        ``None`` marks a gap."""
        shown = sorted({1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)})
        result: list[int | None] = []
        for number in shown:
            if result and number - (result[-1] or 0) > 1:
                result.append(None)
            result.append(number)
        return result


def api_page_headers(
    base_url: str, params: dict[str, Any], total: int, limit: int | None, offset: int
) -> dict[str, str]:
    """``X-Total-Count`` always; with a ``limit``, an RFC 8288 ``Link`` header with ``next`` and
    ``prev`` (where there are such pages), keeping the other query parameters."""
    headers = {"X-Total-Count": str(total)}
    if limit is None:
        return headers
    kept = {k: v for k, v in params.items() if v not in (None, "") and k not in ("limit", "offset")}

    def link(at: int, rel: str) -> str:
        return f'<{base_url}?{urlencode({**kept, "limit": limit, "offset": at})}>; rel="{rel}"'

    links = []
    if offset + limit < total:
        links.append(link(offset + limit, "next"))
    if offset > 0:
        links.append(link(max(0, offset - limit), "prev"))
    if links:
        headers["Link"] = ", ".join(links)
    return headers
