"""Data flows forward: finalizing results reads the event row and the current round once, and
hands them on (to the state change, to compute_results and to the certificates receiver)."""

from __future__ import annotations

from collections import Counter

from competitions.events import services as events
from judging.certificates import services as certificates
from judging.results import publication
from judging.results import services as results
from judging.rounds import services as rounds
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import awarded


def test_finalize_reads_the_event_and_the_round_once(world, monkeypatch):
    awarded(world, finalize=False)
    reads: Counter[str] = Counter()

    def counting(name, function):
        async def wrapper(*args, **kwargs):
            reads[name] += 1
            return await function(*args, **kwargs)

        return wrapper

    for module in (publication, certificates, results):
        monkeypatch.setattr(module, "get_event_row", counting("event", events.get_event_row))
        monkeypatch.setattr(module, "current_round", counting("round", rounds.current_round))
    answer = ok(world.client.post(ev(world, "/finalize"), headers=org(world)))
    assert answer["state"] == "finalized"
    assert reads == {"event": 1, "round": 1}
    # the receiver got the finalized round: award certificates were numbered (five students)
    assert world.run(certificates.Certificate.count().where(certificates.Certificate.kind == "award")) == 5
