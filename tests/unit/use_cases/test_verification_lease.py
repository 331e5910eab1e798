"""The verification lease and the concurrency rule: a result stored with an optimistic lock is applied to
the fresh item after a conflict, or dropped, never written over newer information."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from connection_service.connections.errors import ConcurrentModification, VerificationInProgress
from connection_service.connections.model import Connection, Status, Trigger
from connection_service.intacct import SignInOutcome
from connection_service.use_cases.verification_lease import SAVE_ATTEMPTS, VerificationLease
from connection_service.verification import Outcome, Reason, VerificationResult, not_run
from tests.support.demo import LOGIN
from tests.support.world import World


def _refused() -> VerificationResult:
    result = not_run(Reason.INVALID_CREDENTIALS, LOGIN, "ExpenseInMPP", outcome=Outcome.ACTION_REQUIRED)
    return replace(result, sign_in=SignInOutcome.REFUSED, round_trips=1)


def _leased(world: World) -> tuple[VerificationLease, Connection]:
    connection_id = world.connect()
    world.edit(connection_id)
    lease: VerificationLease = world.use_cases._lease
    return lease, lease.take(world.stored(connection_id), 5, Trigger.MANUAL_VERIFY)


def _meanwhile(world: World, change: Callable[[Connection], Connection]) -> None:
    """Another request changes the stored connection just before the result's first save."""

    def concurrent(save: int, connection: Connection) -> None:
        world.repository.before_save = None
        current = world.stored(connection.id)
        world.repository.connections[("acme", connection.id)] = replace(
            change(current), version=current.version + 1
        )

    world.repository.before_save = concurrent


def test_a_change_that_does_not_make_the_result_stale_gets_it_applied_to_the_fresh_item(world: World) -> None:
    lease, leased = _leased(world)
    _meanwhile(
        world, lambda c: replace(c, next_check_at=world.now + timedelta(hours=1))
    )  # a dispatcher claim
    report = lease.store_result(leased, _refused(), Trigger.MANUAL_VERIFY, "admin", world.now)
    stored = world.stored(leased.id)
    assert report.applied and (stored.status, stored.reason) == (
        Status.ACTION_REQUIRED,
        "INVALID_CREDENTIALS",
    )
    assert stored.verifying_until is None  # the lease ends with the result


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda c: replace(c, credentials_version=c.credentials_version + 1), id="credentials-edited"
        ),
        pytest.param(lambda c: replace(c, status=Status.DISCONNECTED), id="disconnected"),
        pytest.param(
            lambda c: replace(c, last_check_started_at=c.last_check_started_at + timedelta(seconds=30)),
            id="a-later-verification-stored",
        ),
    ],
)
def test_a_result_made_stale_meanwhile_is_dropped_and_nothing_written(
    world: World, change: Callable[[Connection], Connection]
) -> None:
    lease, leased = _leased(world)
    started_at = world.now - timedelta(seconds=1)
    _meanwhile(world, change)
    events = len(world.events.events)
    report = lease.store_result(leased, _refused(), Trigger.MANUAL_VERIFY, "admin", started_at)
    assert not report.applied and not report.status_changed
    stored = world.stored(leased.id)
    assert stored.version == leased.version + 1  # the concurrent change only: nothing written after it
    assert stored.status is not Status.ACTION_REQUIRED and len(world.events.events) == events


def test_a_health_checks_result_never_lands_on_an_admins_new_lease(world: World) -> None:
    lease, leased = _leased(world)
    _meanwhile(
        world,
        lambda c: replace(
            c, verifying_until=world.now + timedelta(seconds=20), verifying_by=Trigger.CREDENTIALS_EDIT
        ),
    )
    report = lease.store_result(leased, _refused(), Trigger.HEALTH_CHECK, "health-check", world.now)
    assert not report.applied and world.stored(leased.id).verifying_by is Trigger.CREDENTIALS_EDIT


def test_conflicts_that_never_end_drop_the_result_after_a_few_tries(world: World) -> None:
    lease, leased = _leased(world)
    saves = world.repository.saves

    def always_changed(_: int, __: Connection) -> None:
        raise ConcurrentModification()

    world.repository.before_save = always_changed
    report = lease.store_result(leased, _refused(), Trigger.MANUAL_VERIFY, "admin", world.now)
    assert not report.applied and world.repository.saves - saves == SAVE_ATTEMPTS


def test_only_an_admins_running_verification_keeps_another_admin_out(world: World) -> None:
    lease, leased = _leased(world)
    with pytest.raises(VerificationInProgress) as raised:
        lease.check_not_verifying(world.stored(leased.id))
    assert 1 <= raised.value.retry_after_seconds <= 3
    lease.check_not_verifying(replace(leased, verifying_by=Trigger.HEALTH_CHECK))  # an admin goes ahead


def test_ending_early_frees_the_connection_and_never_raises(world: World) -> None:
    lease, leased = _leased(world)
    lease.end_early(leased)
    assert world.stored(leased.id).verifying_until == world.now
    lease.check_not_verifying(world.stored(leased.id))
    lease.end_early(leased)  # an outdated version now: logged, not raised


def test_a_verify_that_waited_while_another_finished_takes_the_fresh_connection(world: World) -> None:
    """200 verifies at once: one that read the connection, then waited for the guard while another
    admin's verification ran and stored its result, takes the connection as it is now (same credentials)
    instead of answering a bare concurrent-modification."""
    connection_id = world.connect()
    world.edit(connection_id)
    read = world.stored(connection_id)
    _meanwhile(world, lambda c: replace(c, last_checked_at=world.now))  # another verification's result
    lease: VerificationLease = world.use_cases._lease
    leased = lease.take(read, 5, Trigger.MANUAL_VERIFY)
    assert leased.verifying(world.now) and leased.version == read.version + 2


@pytest.mark.parametrize("change", ["edited", "disconnected"])
def test_a_take_that_lost_to_an_edit_or_a_disconnect_is_a_conflict(world: World, change: str) -> None:
    """The caller read credentials that are no longer the connection's: what it would verify is stale."""
    connection_id = world.connect()
    world.edit(connection_id)
    read = world.stored(connection_id)
    if change == "edited":
        _meanwhile(world, lambda c: replace(c, credentials_version=c.credentials_version + 1))
    else:
        _meanwhile(world, lambda c: replace(c, status=Status.DISCONNECTED))
    with pytest.raises(ConcurrentModification):
        world.use_cases._lease.take(read, 5, Trigger.MANUAL_VERIFY)
