"""Disconnect: the secret goes first, the connection is kept as DISCONNECTED with its history, a repeat
answers the same, and a connection changing underneath is decided again."""

from __future__ import annotations

import pytest

from connection_service.connections.errors import ConcurrentModification, ConnectionNotFound
from connection_service.connections.model import Connection, Status
from connection_service.use_cases.disconnect import DISCONNECT_ATTEMPTS
from tests.support.world import World


def _disconnect(world: World, connection_id: str, tenant: str = "acme") -> Connection:
    return world.use_cases.disconnect(tenant, connection_id, actor="admin")


def test_the_secret_is_deleted_and_the_history_kept(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    secret_id = world.stored(connection_id).secret_id
    assert secret_id is not None
    disconnected = _disconnect(world, connection_id)
    assert disconnected.status is Status.DISCONNECTED and world.secrets.secrets[secret_id].deleted
    assert [e.to_status for e in world.repository.history("acme", connection_id) if e.is_status_change][
        -1
    ] is (Status.DISCONNECTED)
    assert world.events.events[-1].new_status is Status.DISCONNECTED


def test_a_repeat_answers_the_same_and_finishes_a_deletion_left_undone(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    first = _disconnect(world, connection_id)
    secret_id = first.secret_id
    assert secret_id is not None
    world.secrets.secrets[secret_id].deleted = False  # as if the first attempt's deletion had failed
    events = len(world.events.events)
    assert _disconnect(world, connection_id) == first
    assert world.secrets.secrets[secret_id].deleted and len(world.events.events) == events


def test_another_tenants_connection_is_not_found_and_not_touched(world: World) -> None:
    connection_id = world.connect()
    with pytest.raises(ConnectionNotFound):
        _disconnect(world, connection_id, tenant="globex")
    assert world.stored(connection_id).status is Status.AWAITING_CREDENTIALS


def test_a_connection_changed_underneath_is_read_again_and_disconnected(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)

    def a_check_stores_its_result_first(save: int, _: Connection) -> None:
        if save == first_save:  # the disconnect's first save loses; its second, after a re-read, wins
            raise ConcurrentModification()

    first_save = world.repository.saves + 1
    world.repository.before_save = a_check_stores_its_result_first
    assert _disconnect(world, connection_id).status is Status.DISCONNECTED


def test_a_connection_that_never_stops_changing_gives_up_with_a_conflict(world: World) -> None:
    connection_id = world.connect()

    def always_changed(_: int, __: Connection) -> None:
        raise ConcurrentModification()

    saves = world.repository.saves
    world.repository.before_save = always_changed
    with pytest.raises(ConcurrentModification):
        _disconnect(world, connection_id)
    assert world.repository.saves - saves == DISCONNECT_ATTEMPTS
