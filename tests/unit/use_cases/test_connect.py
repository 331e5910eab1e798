"""Connect: one active connection per tenant, its event delivered even when the bus is down at first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connection_service.connections.errors import AlreadyConnected
from connection_service.connections.model import Status
from tests.support.world import World


def test_a_new_connection_awaits_credentials_and_says_so_on_the_bus(world: World) -> None:
    connection = world.use_cases.connect("acme", actor="admin")
    assert (connection.status, connection.secret_id, connection.company_id) == (
        Status.AWAITING_CREDENTIALS,
        None,
        None,
    )
    [event] = world.events.events
    assert (event.connection_id, event.old_status, event.new_status) == (
        connection.id,
        None,
        Status.AWAITING_CREDENTIALS,
    )


def test_a_tenant_has_one_active_connection_and_others_are_untouched(world: World) -> None:
    first = world.connect()
    with pytest.raises(AlreadyConnected) as raised:
        world.connect()
    assert raised.value.existing_id == first
    assert world.connect("globex") != first  # another tenant connects on its own


def test_a_tenant_may_connect_again_once_disconnected(world: World) -> None:
    first = world.connect()
    world.use_cases.disconnect("acme", first, actor="admin")
    assert world.connect() != first


def test_a_bus_that_is_down_leaves_the_event_in_the_outbox_not_the_admin_waiting(world: World) -> None:
    world.events.refuse = True
    connection_id = world.connect()  # answered, though the event could not be published
    assert world.events.events == []
    world.events.refuse = False
    published, failing = world.use_cases.publish_events(stored_before=world.now + timedelta(seconds=1))
    assert (published, failing) == (1, 0)
    assert [e.connection_id for e in world.events.events] == [connection_id]
