"""Reading: a tenant sees its own connections and history only, and the user's sign-in attempts left."""

from __future__ import annotations

import pytest

from connection_service.connections.errors import ConnectionNotFound
from connection_service.connections.model import Status
from tests.support.world import World


def test_another_tenants_connection_is_not_found_like_an_unknown_one(world: World) -> None:
    connection_id = world.connect()
    read = world.use_cases.read
    assert read.get("acme", connection_id).id == connection_id
    for tenant, wanted in (("globex", connection_id), ("acme", "no-such-id")):
        with pytest.raises(ConnectionNotFound):
            read.get(tenant, wanted)
        with pytest.raises(ConnectionNotFound):
            read.history(tenant, wanted)
    assert read.list_for_tenant("globex") == []


def test_the_history_and_the_attempts_left_follow_the_edits(world: World) -> None:
    connection_id = world.connect()
    read = world.use_cases.read
    assert read.sign_in_attempts_left(read.get("acme", connection_id)) is None  # no user named yet
    world.edit(connection_id, "wrong")
    assert read.sign_in_attempts_left(read.get("acme", connection_id)) == 1
    world.edit(connection_id)
    assert read.sign_in_attempts_left(read.get("acme", connection_id)) == 2
    history = read.history("acme", connection_id)
    assert [e.sign_in for e in history if e.sign_in] == ["refused"]  # refusals and blocks are marked
    assert [e.to_status for e in history if e.is_status_change][-1] is Status.CONNECTED
