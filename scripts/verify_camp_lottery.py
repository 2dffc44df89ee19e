#!/usr/bin/env python3
"""Re-compute a camp lottery from its public record alone (issue 15; CONTRACT "Camps").

    python3 verify_camp_lottery.py https://example.org/api/v1/events/7/lottery
    python3 verify_camp_lottery.py lottery.json

Needs nothing but Python 3 (standard library only; it imports nothing of the Xinmiao code, so it is
an independent re-implementation of the rule). It reads the JSON of ``GET /api/v1/events/{id}/lottery``
(``commitment``, ``applications_hash``, ``application_ids``, ``public_source``, ``public_value``,
``seed``, ``order``) and checks:

1. applications_hash == hex SHA-256 of the application ids in ascending order joined by ",";
2. commitment == hex SHA-256 of the UTF-8 seed;
3. every id's lottery number = hex SHA-256 of seed + "|" + public_value + "|" + id (UTF-8, the texts
   exactly as published), and order == the ids by ascending lottery number (ties by id).

It prints the recomputed order with each lottery number, then "OK" or the problems. Exit code 0 when
everything matches (before the draw: when the id list matches its hash; the order cannot be checked
yet), 1 when a check fails or the record cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(source):
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the user's URL)
            return json.loads(response.read().decode("utf-8"))
    with open(source, encoding="utf-8") as f:
        return json.load(f)


def is_int_list(value):
    return isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in value)


def check(record):
    """(problems, recomputed [(id, number)] or None)."""
    problems = []
    if not isinstance(record, dict):
        return ["the record is not a JSON object"], None
    ids = record.get("application_ids")
    if not is_int_list(ids):
        return ["application_ids is not a list of whole numbers"], None
    if len(set(ids)) != len(ids):
        problems.append("application_ids lists an id twice")
    ascending = sorted(set(ids))
    if record.get("applications_hash") != sha256_hex(",".join(str(i) for i in ascending)):
        problems.append("applications_hash is not the SHA-256 of the ascending application ids joined by ','")
    seed = record.get("seed")
    if seed is None:
        return problems, None
    public_value = record.get("public_value")
    if not isinstance(seed, str) or not isinstance(public_value, str):
        problems.append("seed or public_value is not text")
        return problems, None
    if record.get("commitment") != sha256_hex(seed):
        problems.append("commitment is not the SHA-256 of the revealed seed")
    numbered = sorted(((sha256_hex(seed + "|" + public_value + "|" + str(i)), i) for i in ascending))
    expected = [i for _, i in numbered]
    order = record.get("order")
    if not is_int_list(order):
        problems.append("order is not a list of whole numbers")
    elif order != expected:
        first = next((k for k, (a, b) in enumerate(zip(order, expected)) if a != b), min(len(order), len(expected)))
        problems.append(
            f"order differs from the recomputed order from position {first + 1} "
            f"(published {order[first] if first < len(order) else 'nothing'}, "
            f"recomputed {expected[first] if first < len(expected) else 'nothing'})"
        )
    return problems, [(i, n) for n, i in numbered]


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: python3 verify_camp_lottery.py <URL of /api/v1/events/{id}/lottery | saved JSON file>")
        return 1
    try:
        record = load(argv[1])
    except (OSError, ValueError) as e:
        print(f"cannot read {argv[1]}: {e}")
        return 1
    problems, recomputed = check(record)
    if isinstance(record, dict):
        print(f"public source:     {record.get('public_source')}")
        print(f"public value:      {record.get('public_value')!r}")
        print(f"commitment:        {record.get('commitment')}")
        print(f"applications hash: {record.get('applications_hash')}")
    if recomputed is None and not problems:
        print("not drawn yet: the id list matches its hash; the order can be checked after the draw")
    if recomputed is not None:
        print(f"recomputed order ({len(recomputed)} applications):")
        for position, (i, number) in enumerate(recomputed, 1):
            print(f"{position:>6}  {i:>10}  {number}")
    if problems:
        for p in problems:
            print(f"PROBLEM: {p}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
