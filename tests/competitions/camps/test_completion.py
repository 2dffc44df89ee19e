"""Camp completion by attendance (competitions/camps/completion.py), by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from competitions.camps.completion import CompletionError, completion, fewest_needed


def test_eighty_percent_of_six_activities_needs_five():
    assert fewest_needed(6, Decimal("80")) == 5  # 4/6 = 66.7 % < 80 %, 5/6 = 83.3 %
    assert fewest_needed(5, Decimal("80")) == 4  # exactly 80 %
    assert fewest_needed(3, Decimal("100")) == 3
    assert fewest_needed(7, Decimal("0")) == 0


def test_a_student_who_missed_two_of_six_falls_short_and_says_which():
    required = [11, 12, 13, 14, 15, 16]
    result = completion(required, {11, 13, 14, 16, 99}, Decimal("80"))  # 99 is not required
    assert (result.attended, result.required, result.needed, result.completed) == (4, 6, 5, False)
    assert result.missed == (12, 15)
    assert result.share == Decimal("66.67")
    assert completion(required, {11, 12, 13, 14, 16}, Decimal("80")).completed is True


def test_no_required_activity_cannot_decide_and_threshold_is_a_percentage():
    with pytest.raises(CompletionError) as error:
        completion([], {1}, Decimal("80"))
    assert error.value.field == "required"
    with pytest.raises(CompletionError) as error:
        completion([1], {1}, Decimal("120"))
    assert error.value.field == "threshold"
