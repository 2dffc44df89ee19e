"""The camp lottery (competitions/camps/lottery.py): the CONTRACT's rule checked against hashlib by
hand, and verify() catching every kind of tampering."""

from __future__ import annotations

import hashlib

import pytest

from competitions.camps.lottery import (
    ALGORITHM_TEXT,
    applications_hash,
    commitment,
    draw_order,
    is_hex_digest,
    lottery_number,
    new_seed,
    normalise_public_value,
    public_record,
    verify,
)

SEED = "5f2a" * 16
PUBLIC = "03 12 27 28 30 33 + 07"
IDS = [42, 3, 17, 108, 5]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_known_vectors():
    assert commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2
    assert commitment(SEED) == sha(SEED)
    assert applications_hash(IDS) == sha("3,5,17,42,108")
    assert applications_hash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert lottery_number(SEED, PUBLIC, 17) == sha(SEED + "|" + PUBLIC + "|17")
    # a text seed with non-ASCII characters is hashed as UTF-8
    assert commitment("种子") == hashlib.sha256("种子".encode()).hexdigest()


def test_order_is_the_ascending_lottery_numbers():
    numbers = {i: hashlib.sha256(f"{SEED}|{PUBLIC}|{i}".encode()).hexdigest() for i in IDS}
    by_hand = sorted(IDS, key=lambda i: int(numbers[i], 16))
    assert draw_order(SEED, PUBLIC, IDS) == by_hand
    assert draw_order(SEED, PUBLIC, reversed(IDS)) == by_hand
    # the public value changes the order (the whole point of the commit/reveal)
    assert draw_order(SEED, PUBLIC + "1", IDS) != by_hand or draw_order(SEED, "x", IDS) != by_hand


def test_ids_twice_are_refused():
    with pytest.raises(ValueError):
        applications_hash([1, 2, 2])
    with pytest.raises(ValueError):
        draw_order(SEED, PUBLIC, [7, 7])


def test_new_seed_is_64_hex_and_fresh():
    a, b = new_seed(), new_seed()
    assert is_hex_digest(a) and is_hex_digest(b) and a != b
    assert not is_hex_digest("A" * 64) and not is_hex_digest("a" * 63)


def test_public_value_normalised_once_on_entry():
    assert normalise_public_value("  ０３\u3000１２\t 27 \n") == "03 12 27"
    assert normalise_public_value("03 12 27") == "03 12 27"
    # lottery_number never normalises: a different byte is a different number
    assert lottery_number(SEED, "03 12 27", 1) != lottery_number(SEED, "03  12 27", 1)


def test_algorithm_text_states_the_rule_in_both_languages():
    for text in ALGORITHM_TEXT.values():
        assert "SHA-256" in text and '"|"' in text and "NFKC" in text and "verify_camp_lottery.py" in text
    assert set(ALGORITHM_TEXT) == {"zh", "en"}


def test_public_record_and_verify():
    record = public_record(SEED, PUBLIC, IDS, "福彩双色球 2026080 期")
    assert record["application_ids"] == [3, 5, 17, 42, 108]
    assert record["order"] == draw_order(SEED, PUBLIC, IDS)
    assert verify(record) == []
    before = public_record(SEED, None, IDS, "福彩双色球 2026080 期", drawn=False)
    assert before["seed"] is None and before["order"] is None and before["commitment"] == sha(SEED)
    assert verify(before) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"seed": "6f2a" * 16}, "commitment"),
        ({"commitment": sha("other")}, "commitment"),
        ({"application_ids": [3, 5, 17, 42]}, "applications_hash"),  # an application dropped after the commitment
        ({"applications_hash": sha("3,5,17,42")}, "applications_hash"),
        ({"public_value": PUBLIC + " "}, "order"),
        ({"application_ids": [3, 5, 17, 42, 42]}, "twice"),
        ({"order": "3,5"}, "order is not a list"),
        ({"seed": 12}, "seed is not text"),
    ],
)
def test_verify_catches_tampering(change, problem):
    record = public_record(SEED, PUBLIC, IDS, "福彩") | change
    problems = verify(record)
    assert problems and any(problem in p for p in problems), problems


def test_verify_catches_a_swapped_order():
    record = public_record(SEED, PUBLIC, IDS, "福彩")
    order = list(record["order"])
    order[1], order[2] = order[2], order[1]
    assert verify(record | {"order": order}) == ["order differs from the recomputed order from position 2"]
    assert verify(record | {"order": record["order"][:-1]}) == [
        "order differs from the recomputed order from position 5"
    ]
