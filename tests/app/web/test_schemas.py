"""app.web.schemas.answer: a service's value read as its declared answer Struct."""

from __future__ import annotations

import logging
from decimal import Decimal

import msgspec
import pytest

from app.web import schemas
from app.web.schemas import answer


class Inner(msgspec.Struct):
    score: str


class Outer(msgspec.Struct):
    id: int
    inner: Inner
    items: list[Inner]


def test_answer_reads_decimals_as_the_encoder_writes_them():
    out = answer(Outer, {"id": 3, "inner": {"score": Decimal("85.60")}, "items": [{"score": Decimal("1.5")}]})
    assert out == Outer(id=3, inner=Inner(score="85.60"), items=[Inner(score="1.5")])


def test_a_key_the_struct_lacks_fails_under_tests():
    with pytest.raises(msgspec.ValidationError, match=r"Outer has no field for inner\.extra"):
        answer(Outer, {"id": 1, "inner": {"score": "1", "extra": 2}, "items": []})


class Renamed(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    to: str


def test_a_renamed_field_is_read_by_its_name_in_json():
    """A field named ``from`` in JSON (``from_`` in Python) holds the service's ``"from"`` key."""
    assert answer(list[Renamed], [{"from": "460100", "to": "460200"}]) == [Renamed(from_="460100", to="460200")]
    with pytest.raises(msgspec.ValidationError, match=r"has no field for from_"):
        answer(Renamed, {"from_": "460100", "to": "460200"})


def test_in_production_one_answer_in_check_every_is_checked_and_the_value_kept(monkeypatch, caplog):
    """Outside tests the key walk runs on the 1st, 65th, ... answer of a type: a dropped key is
    logged there and the service's own value answered, so no key is lost to the client."""
    monkeypatch.setenv("XINMIAO_STRICT_ANSWERS", "0")
    monkeypatch.setattr(schemas, "_answers_seen", {})
    value = {"id": 1, "inner": {"score": "1"}, "items": [], "surplus": True}
    with caplog.at_level(logging.WARNING, logger=schemas.log.name):
        first = answer(Outer, value)
        later = [answer(Outer, value) for _ in range(schemas.CHECK_EVERY - 1)]
        again = answer(Outer, value)
    assert first == value and again == value  # checked: answered as the service gave it
    assert all(isinstance(a, Outer) for a in later)  # not checked: converted, surplus key not walked
    assert len([r for r in caplog.records if "does not match" in r.getMessage()]) == 2


def test_field_types_are_resolved_once_per_struct():
    schemas._field_types.cache_clear()
    for _ in range(3):
        answer(Outer, {"id": 1, "inner": {"score": "1"}, "items": []})
    info = schemas._field_types.cache_info()
    assert (info.misses, info.hits) == (2, 4)  # Outer and Inner once each, then from the cache
