"""The school quota: one check (competitions/registration/quotas.py) for the web form and the workbook."""

from __future__ import annotations

from competitions.registration.quotas import school_quota_excess

PHYSICS = {"id": 1, "name": "物理与天文学", "school_quota": 2}


def test_no_quota_no_limit_and_within_the_quota():
    assert school_quota_excess({**PHYSICS, "school_quota": None}, 40, 10) is None
    assert school_quota_excess(PHYSICS, 1) is None
    assert school_quota_excess(PHYSICS, 0, 2) is None


def test_one_excess_two_wordings():
    excess = school_quota_excess(PHYSICS, 2)
    assert excess.message() == "“物理与天文学”类别每校最多 2 个作品，本校已有 2 个。请先撤回其他作品或改报其他类别。"
    excess = school_quota_excess(PHYSICS, 1, 3)
    assert excess.allowed == 1  # the first new entry still fits; the other two are refused
    assert excess.row_error(7, "类别", "海口市第一中学") == {
        "row": 7,
        "column": "类别",
        "message": "“物理与天文学”类别每校最多 2 个作品：海口市第一中学已有 1 个，本表又报了 3 个。请删去多余的作品或改报其他类别。",
    }
    assert school_quota_excess(PHYSICS, 5, 1).allowed == 0
