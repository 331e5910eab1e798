"""The scheduled check: never resending what Intacct refused or left unanswered, never landing on an admin."""

from __future__ import annotations

from connection_service.connections.model import Trigger
from connection_service.intacct import Deadline, LoginCredentials, Secret
from tests.support.fakes import (
    UNANSWERED,
)
from tests.support.world import RIGHT, World


def test_the_health_check_never_resends_a_refused_password(world: World) -> None:
    connection_ids = [world.connect(tenant) for tenant in ("a", "b")]
    for tenant, connection_id in zip(("a", "b"), connection_ids, strict=True):
        world.edit(connection_id, tenant=tenant)
    world.intacct.right_password = "Rotated-1!"  # changed in Intacct
    for tenant, connection_id in zip(("a", "b"), connection_ids, strict=True):
        connection = world.stored(connection_id, tenant)
        assert connection.next_check_at is not None
        world.now = connection.next_check_at
        report = world.use_cases.health_check(
            tenant, connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
        )
        assert report is not None and report.connection.reason == "INVALID_CREDENTIALS"
    assert world.intacct.sign_ins.count(RIGHT) == 3  # two edits, then one check: the second was told


def test_an_unanswered_password_is_not_resent_by_the_health_check(world: World) -> None:
    connection_id = world.connect()
    world.intacct.next_answers = [UNANSWERED]
    assert world.edit(connection_id, "maybe").connection.health_reason == "INTACCT_UNAVAILABLE"
    connection = world.stored(connection_id)
    assert connection.next_check_at is not None
    world.now = connection.next_check_at
    report = world.use_cases.health_check(
        "acme", connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
    )
    assert report is not None and report.connection.health_reason == "SIGN_IN_UNCONFIRMED"
    assert world.intacct.sign_ins == ["maybe"]


def test_a_health_check_result_never_lands_on_an_admins_lease(world: World) -> None:
    """The admin's edit took the connection while the check was talking to Intacct: the check's older result
    is dropped, so the edit's own writes do not conflict and its lease is not disturbed."""
    connection_id = world.connect()
    world.edit(connection_id)
    checked = world.stored(connection_id)
    lease = world.use_cases._lease
    health_lease = world.repository.save(
        lease.begin(checked, 5, Trigger.HEALTH_CHECK), expected_version=checked.version
    )
    admin_lease = world.repository.save(
        lease.begin(health_lease, 5, Trigger.CREDENTIALS_EDIT), expected_version=health_lease.version
    )
    signed_in = world.intacct.sign_in(
        LoginCredentials("DEMO-CO", "ws_expenses", Secret(RIGHT)), deadline=Deadline(5)
    )
    result = world.intacct.verify(signed_in, deadline=Deadline(5))
    report = lease.store_result(health_lease, result, Trigger.HEALTH_CHECK, "system", world.now)
    assert not report.applied and world.stored(connection_id) == admin_lease
