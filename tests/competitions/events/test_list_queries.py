"""Events are listed with a fixed number of queries however many the province has run (issue 19):
each event's stage and the settings judging keeps for it are read for all of them at once, and
every event still gets the stage its own state gives it."""

from __future__ import annotations

from app.db import count_queries
from app.times import now
from competitions.events import services as events
from competitions.events.tables import Event
from judging.rounds import settings as judging_settings
from judging.rounds.tables import Round
from tests import factories
from tests.factories import judging as judging_factories


def _round(world, event_id: int, state: str, *, current: bool = True, position: int = 0) -> None:
    world.run(
        Round.insert(
            Round(event=event_id, kind="single", name="评审", position=position, is_current=current, state=state)
        )
    )


def _event(world, status: str) -> int:
    """A new event moved straight to ``status`` (the lifecycle's own rules are tested elsewhere)."""
    event_id = factories.event(world)["id"]
    world.run(Event.update({Event.status: status}).where(Event.id == event_id))
    return event_id


def _listed(world) -> tuple[int, dict[int, dict]]:
    with count_queries() as counter:
        listed = world.run(events.list_events(world.org))
    return counter.count, {e["id"]: e for e in listed}


def _one_of_each(world) -> dict[int, str]:
    """Six new events, one in each stage judging can give or take (the stage each must read)."""
    expected = {judging_factories.judged_event(world, new_event=True, entries=2, judges=1).event_id: "judging"}
    published = _event(world, "closed")
    _round(world, published, "published")
    final = _event(world, "closed")
    _round(world, final, "finalized")
    second_round = _event(world, "closed")  # a final round started, nothing scored in it yet
    _round(world, second_round, "open", current=False)
    _round(world, second_round, "open", position=1)
    unscored = _event(world, "closed")  # a round, no sheet saved yet: still closed
    _round(world, unscored, "open")
    draft = _event(world, "draft")
    world.run(judging_settings.update_settings(world.org, published, {"blind_review": True}))
    expected.update(
        {published: "published", final: "final", second_round: "judging", unscored: "closed", draft: "draft"}
    )
    return expected


def test_events_are_listed_with_the_same_queries_for_seven_events_or_thirteen(world):
    _count, listed = _listed(world)
    assert listed[world.event_id]["stage"] == "open"
    assert listed[world.event_id]["blind_review"] is False  # judging's default setting, read for the list
    expected = {world.event_id: "open", **_one_of_each(world)}
    seven, listed = _listed(world)
    expected.update(_one_of_each(world))
    thirteen, listed = _listed(world)
    assert thirteen == seven <= 5  # events, rounds, their sheets, robotics runs, judging settings
    assert {event_id: event["stage"] for event_id, event in listed.items()} == expected
    blind = [event_id for event_id, event in listed.items() if event["blind_review"]]
    assert len(blind) == 2 and all(expected[event_id] == "published" for event_id in blind)
    # each one as the event's own page reads it
    for event_id, event in listed.items():
        assert world.run(events.get_event(event_id, world.org)) == event


def test_a_started_judging_reads_as_judging_in_the_list(world):
    event_id = _event(world, "closed")
    world.run(Event.update({Event.judging_started_at: now()}).where(Event.id == event_id))
    _count, listed = _listed(world)
    assert listed[event_id]["stage"] == "judging"
