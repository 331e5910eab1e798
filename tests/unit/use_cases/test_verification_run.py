"""One verification of a connection its caller has taken: signed in on the sign-in path, stored through the
lease; an admin's answer carries the attempts left and counts against the tenant's quota, a health check's
does neither; a failure ends the lease at once."""

from __future__ import annotations

import pytest

from connection_service.connections.model import Connection, Status, Trigger
from connection_service.intacct import ConnectionCredentials
from connection_service.use_cases.verification_report import VerificationReport
from tests.support.demo import LOGIN
from tests.support.world import World


def _run(
    world: World, connection_id: str, trigger: Trigger, login: ConnectionCredentials
) -> VerificationReport:
    use_cases = world.use_cases
    leased = use_cases._lease.take(world.stored(connection_id), 5, trigger)
    admission = use_cases._sign_in.admit_automatic(login, proven=True, time_limit_seconds=5)
    return use_cases._run(
        leased, login, admission, trigger=trigger, actor="test", time_limit_seconds=5, place=None
    )


def _connected(world: World) -> tuple[str, Connection]:
    connection_id = world.connect()
    world.edit(connection_id)
    return connection_id, world.stored(connection_id)


def test_a_health_checks_refusal_neither_counts_against_the_tenant_nor_says_attempts_left(
    world: World,
) -> None:
    connection_id, connected = _connected(world)
    stored_login = world.secrets.current(connected.secret_id or "")
    assert stored_login is not None
    world.intacct.right_password = "changed-in-intacct"
    report = _run(world, connection_id, Trigger.HEALTH_CHECK, stored_login)
    assert report.connection.status is Status.ACTION_REQUIRED and report.sign_in_attempts_left is None
    assert world.quota.counts == {}


def test_a_failure_while_signing_in_ends_the_lease_at_once(world: World) -> None:
    connection_id, _ = _connected(world)
    world.intacct.lose_answers = True  # an error of ours after the request left
    with pytest.raises(RuntimeError):
        _run(world, connection_id, Trigger.MANUAL_VERIFY, LOGIN)
    stored = world.stored(connection_id)
    assert stored.verifying_until == world.now  # ended, not held for the rest of the time limit
