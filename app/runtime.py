"""The serving process's memory settings, applied once at start-up.

CPython's cycle collector stops the process while it walks every tracked object. A worker holds a
few hundred thousand long-lived ones (routes, templates, translations, the public pages' cache),
so each full collection stalled every request in flight by 100-300 ms: the p99 of even an empty
304 answer (bench/pages.py, issue 19). :func:`settle_heap` collects once after start-up and moves
what survives to the permanent generation (``gc.freeze``, as Instagram's Django servers do), so
later collections walk only what requests made; and it raises the first generation's threshold
so that the young objects of one request are mostly freed by reference counting before a
collection looks at them.
"""

from __future__ import annotations

import gc

#: First-generation threshold (CPython's default is 700 container allocations, which made about
#: one young collection every 60 requests and a full one every few seconds under load).
YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Collect, freeze what the start-up built, and raise the young threshold (idempotent)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
