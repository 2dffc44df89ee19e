"""School quotas (每校名额): how many active entries one school may have in a category.

The one check the web form and API (:func:`competitions.registration.services.quota_problem`)
and the registration workbook import (:mod:`competitions.registration.roster`) both use:
:func:`school_quota_excess` decides, :class:`SchoolQuotaExcess` words the refusal (a sentence
for a form, or a ``{"row", "column", "message"}`` error for a workbook row). A category
without a quota (``school_quota`` is ``None``) has no limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.i18n import _
from competitions.registration.tables import Entry

# statuses that count against quotas
ACTIVE_STATUSES = ("draft", "submitted", "recommended", "returned", "approved")


@dataclass(frozen=True)
class SchoolQuotaExcess:
    """``adding`` more entries of a school in ``category`` (which has ``existing``) would pass
    its ``quota``."""

    category: str
    quota: int
    existing: int
    adding: int

    @property
    def allowed(self) -> int:
        """How many of the ``adding`` entries still fit (the first ones keep their place)."""
        return max(self.quota - self.existing, 0)

    def message(self, school: str | None = None) -> str:
        """The refusal: for a form (the school is the user's own), or, with ``school``, for a
        workbook that may list several schools and counts the entries it adds."""
        if school is None:
            return _(
                "“{category}”类别每校最多 {quota} 个作品，本校已有 {existing} 个。请先撤回其他作品或改报其他类别。",
                category=self.category,
                quota=self.quota,
                existing=self.existing,
            )
        return _(
            "“{category}”类别每校最多 {quota} 个作品：{school}已有 {existing} 个，本表又报了 {new} 个。请删去多余的作品或改报其他类别。",
            category=self.category,
            quota=self.quota,
            school=school,
            existing=self.existing,
            new=self.adding,
        )

    def row_error(self, row: int, column: str, school: str) -> dict[str, Any]:
        """A workbook error for one entry that does not fit (its first sheet row and column)."""
        return {"row": row, "column": column, "message": self.message(school)}


def school_quota_excess(category: dict[str, Any], existing: int, adding: int = 1) -> SchoolQuotaExcess | None:
    """The excess if ``adding`` more entries in ``category`` (a row with ``name`` and
    ``school_quota``) on top of the school's ``existing`` active ones pass the quota, else ``None``."""
    quota = category.get("school_quota")
    if quota is None or existing + adding <= quota:
        return None
    return SchoolQuotaExcess(category=category["name"], quota=quota, existing=existing, adding=adding)


async def active_entries(event_id: int, school_id: int, category_id: int, *, exclude_entry: int | None = None) -> int:
    """How many entries of the school in the category count against its quota."""
    where = (
        (Entry.event == event_id)
        & (Entry.school == school_id)
        & (Entry.category == category_id)
        & Entry.status.is_in(list(ACTIVE_STATUSES))
    )
    if exclude_entry:
        where &= Entry.id != exclude_entry
    return await Entry.count().where(where)
