"""Status-change events, at least once: published after the change is stored, left in the outbox when the
bus refuses, and published later by the dispatcher's run, a bounded number at a time."""

from __future__ import annotations

from datetime import timedelta

from tests.support.world import World


def test_an_event_the_bus_refused_is_published_on_the_next_run_once(world: World) -> None:
    world.events.refuse = True
    first = world.connect()
    world.edit(first)  # AWAITING_CREDENTIALS, then CONNECTED: two events, both refused
    assert world.events.events == []
    later = world.now + timedelta(seconds=1)
    assert world.use_cases.publish_events(stored_before=later) == (0, 2)  # the bus is still down
    world.events.refuse = False
    assert world.use_cases.publish_events(stored_before=later) == (2, 0)
    assert [e.new_status.value for e in world.events.events] == ["AWAITING_CREDENTIALS", "CONNECTED"]
    assert world.use_cases.publish_events(stored_before=later) == (0, 0)  # nothing is sent twice


def test_a_run_publishes_at_most_its_limit_oldest_first(world: World) -> None:
    world.events.refuse = True
    for tenant in ("t1", "t2", "t3"):
        world.connect(tenant)
        world.now += timedelta(seconds=1)
    world.events.refuse = False
    assert world.use_cases.publish_events(stored_before=world.now, limit=2) == (2, 0)
    assert [e.tenant_id for e in world.events.events] == ["t1", "t2"]


def test_changes_stored_after_the_cut_are_left_to_the_request_that_stored_them(world: World) -> None:
    world.events.refuse = True
    world.connect()
    world.events.refuse = False
    assert world.use_cases.publish_events(stored_before=world.now) == (0, 0)


def test_an_event_published_but_not_marked_is_at_worst_sent_again(world: World) -> None:
    def table_down(_: object) -> None:
        raise ConnectionError("the table is unreachable")

    world.repository.mark_published = table_down  # type: ignore[method-assign]
    world.connect()  # answered, and its event is on the bus
    assert len(world.events.events) == 1
    assert world.use_cases.publish_events(stored_before=world.now + timedelta(seconds=1)) == (1, 0)
    assert len(world.events.events) == 2  # the duplicate consumers drop by event_id
    assert world.events.events[0].event_id == world.events.events[1].event_id
