"""Editing credentials: what is saved, sent, recorded and answered, conflicts and races included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from connection_service.connections.errors import (
    CompanyAtLimit,
    ConcurrentModification,
    SignInBudgetSpent,
    VerificationInProgress,
)
from connection_service.connections.model import Connection, Status, Trigger
from tests.support.world import RIGHT, World


def test_an_edit_records_stages_and_promotes_the_credentials(world: World) -> None:
    connection_id = world.connect()
    report = world.edit(connection_id)
    stored = world.stored(connection_id)
    assert report.connection.status is Status.CONNECTED and stored.secret_id is not None
    current = world.secrets.current(stored.secret_id)
    assert current is not None and current.password.reveal() == RIGHT
    assert [e.new_status for e in world.events.events] == [Status.AWAITING_CREDENTIALS, Status.CONNECTED]


def test_a_refused_password_is_in_history_and_counts_against_the_user(world: World) -> None:
    connection_id = world.connect()
    assert world.edit(connection_id, "wrong").connection.reason == "INVALID_CREDENTIALS"
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1
    assert [e.sign_in for e in world.repository.history("acme", connection_id) if e.sign_in] == ["refused"]
    assert world.quota.counts == {"acme": 1}


def test_a_spent_budget_saves_nothing_and_sends_nothing(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id, "wrong-1")
    world.edit(connection_id, "wrong-2")
    before = world.stored(connection_id)
    with pytest.raises(SignInBudgetSpent):
        world.edit(connection_id, RIGHT)
    assert world.intacct.sign_ins == ["wrong-1", "wrong-2"]
    assert world.stored(connection_id) == before
    assert world.repository.history("acme", connection_id)[-1].sign_in == "blocked:budget_spent"


def test_a_conflict_storing_the_result_is_read_again_and_applied(world: World) -> None:
    connection_id = world.connect()
    world.repository.before_save = _conflict_on(world, save=3)  # lease, record, then the result
    report = world.edit(connection_id)
    assert report.applied and world.stored(connection_id).status is Status.CONNECTED


def test_a_conflict_taking_the_connection_writes_no_secret_and_costs_no_attempt(world: World) -> None:
    connection_id = world.connect()

    def another_admins_edit_lands_first(number: int, _: Connection) -> None:
        if number == 1:
            world.repository.before_save = None
            current = world.stored(connection_id)
            world.repository.connections[("acme", connection_id)] = replace(
                current, credentials_version=current.credentials_version + 1, version=current.version + 1
            )

    world.repository.before_save = another_admins_edit_lands_first
    with pytest.raises(ConcurrentModification):
        world.edit(connection_id)
    assert world.secrets.secrets == {} and world.intacct.sign_ins == []
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 2


def test_losing_the_connection_to_another_admins_verification_says_so(world: World) -> None:
    connection_id = world.connect()
    assert world.edit(connection_id).connection.status is Status.CONNECTED

    def another_admin_verifies_first(save: int, _: Connection) -> None:
        if save == 1:  # both read the connection; the other admin's verify stores its lease first
            world.repository.before_save = None
            current = world.stored(connection_id)
            world.repository.connections[("acme", connection_id)] = replace(
                current,
                verifying_until=world.now + timedelta(seconds=20),
                verifying_by=Trigger.MANUAL_VERIFY,
                version=current.version + 1,
            )

    world.repository.saves = 0
    world.repository.before_save = another_admin_verifies_first
    with pytest.raises(VerificationInProgress) as raised:
        world.edit(connection_id)
    assert raised.value.retry_after_seconds >= 1
    assert world.intacct.sign_ins == [RIGHT]  # only the first edit's: the loser sent nothing


def test_a_disconnect_winning_the_race_leaves_no_secret(world: World) -> None:
    connection_id = world.connect()

    def disconnect_meanwhile(save: int, _: Connection) -> None:
        if save == 2:  # after the edit took the connection, before it records the credentials
            world.repository.before_save = None
            world.use_cases.disconnect("acme", connection_id, actor="other admin")

    world.repository.before_save = disconnect_meanwhile
    with pytest.raises(ConcurrentModification):
        world.edit(connection_id)
    assert world.stored(connection_id).status is Status.DISCONNECTED
    assert all(secret.deleted for secret in world.secrets.secrets.values())


def _conflict_on(world: World, *, save: int) -> Callable[[int, Connection], None]:
    """Makes the repository's `save`-th save lose to another request (connecting makes no save)."""

    def conflict(number: int, _: Connection) -> None:
        if number == save:
            raise ConcurrentModification()

    return conflict


def test_a_company_at_its_limit_answers_busy_before_anything_is_saved(world: World) -> None:
    connection_id = world.connect()
    for _ in range(2):  # exports or checks of the same Intacct company hold its two slots
        world.use_cases._limiter.acquire("DEMO-CO", hold_seconds=30, wait_seconds=0)
    before = world.stored(connection_id)
    with pytest.raises(CompanyAtLimit):
        world.edit(connection_id)
    assert world.stored(connection_id) == before and world.secrets.secrets == {}
    assert world.intacct.sign_ins == [] and world.guard.attempts_left("DEMO-CO", "ws_expenses") == 2
