"""The sign-in path every verification takes: the tenant's quota, the guard, and who pays for a failure."""

from __future__ import annotations

import pytest

from connection_service.connections.errors import (
    TooManyRefusedSignIns,
)
from connection_service.connections.model import Status
from tests.support.world import World


def test_a_failure_before_the_sign_in_leaves_gives_the_attempt_back_and_ends_the_lease(world: World) -> None:
    connection_id = world.connect()
    world.intacct.fail_before_sending = True
    with pytest.raises(ConnectionError):
        world.edit(connection_id)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 2
    assert not world.stored(connection_id).verifying(world.now)
    world.intacct.fail_before_sending = False
    assert world.edit(connection_id).connection.status is Status.CONNECTED


def test_an_error_of_ours_after_the_sign_in_left_costs_an_attempt_and_ends_the_lease(world: World) -> None:
    """Intacct may have judged the password: the guard counts the sign-in as unanswered before the error
    reaches the caller, and the connection is free for the next request."""
    connection_id = world.connect()
    before = world.guard.attempts_left("DEMO-CO", "ws_expenses")
    world.intacct.lose_answers = True
    with pytest.raises(RuntimeError):
        world.edit(connection_id)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == before - 1
    assert not world.stored(connection_id).verifying(world.now)


def test_a_tenant_past_its_hourly_quota_is_told_to_wait(world: World) -> None:
    world.quota.per_hour = 1
    connection_id = world.connect()
    world.edit(connection_id, "wrong")
    with pytest.raises(TooManyRefusedSignIns) as raised:
        world.edit(connection_id, "other")
    assert raised.value.retry_after_seconds > 0 and world.intacct.sign_ins == ["wrong"]
