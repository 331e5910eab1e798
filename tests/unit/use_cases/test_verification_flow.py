"""One verification in the one order (admit, slot, lease, sign in, settle, verify, store): a slot of the
company's limit taken before anything is written or sent (none for a blocked sign-in, a typed busy answer
once the wait is over, kept while a request Intacct may still be running holds it); an admin's answer
carries the attempts left as settling left them and counts against the tenant's quota, a health check's
does neither; a failure ends the lease at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connection_service.company_limit import CompanyLimiter
from connection_service.connections.errors import CompanyAtLimit, IntacctBusy
from connection_service.connections.model import Connection, Status, Trigger
from connection_service.intacct import ConnectionCredentials
from connection_service.sign_in_guard import Verdict
from connection_service.use_cases.verification_flow import COMPANY_BUSY_RETRY_AFTER_SECONDS, company_slot
from connection_service.use_cases.verification_report import VerificationReport
from tests.support.clock import FakeClock
from tests.support.demo import LOGIN
from tests.support.fakes import InMemorySlotStore
from tests.support.world import World

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def _limiter(store: InMemorySlotStore) -> CompanyLimiter:
    clock = FakeClock(NOW)
    return CompanyLimiter(store, limit=1, clock=clock, monotonic=clock.monotonic, sleep=clock.sleep)


def test_a_company_at_its_limit_answers_busy_with_when_to_retry() -> None:
    limiter = _limiter(InMemorySlotStore())
    with company_slot(limiter, "DEMO-CO", time_limit_seconds=5, wait_seconds=0):
        with pytest.raises(CompanyAtLimit) as raised:
            company_slot(limiter, "DEMO-CO", time_limit_seconds=5, wait_seconds=0.05)
        assert raised.value.retry_after_seconds == COMPANY_BUSY_RETRY_AFTER_SECONDS
        with company_slot(limiter, "OTHER-CO", time_limit_seconds=5, wait_seconds=0):
            pass  # another company has its own limit
    with company_slot(limiter, "DEMO-CO", time_limit_seconds=5, wait_seconds=0):
        pass  # given back when the block ended


def test_a_blocked_sign_in_takes_no_slot(world: World) -> None:
    """A password Intacct refused is answered by the guard alone: no request, so no slot either."""
    connection_id = world.connect()
    world.edit(connection_id, "wrong")
    saves = world.use_cases.adapters.slots.saves
    report = world.edit(connection_id, "wrong")
    assert report.result is not None and report.result.blocked == Verdict.REFUSED_PASSWORD.value
    assert world.use_cases.adapters.slots.saves == saves


@pytest.fixture
def slow_company(world: World) -> World:
    """One slot for DEMO-CO, and a connection to it."""
    world.use_cases = world.build_use_cases(company_limit=1, lost_request_seconds=60)
    return world


def _busy(world: World) -> bool:
    limiter = CompanyLimiter(world.use_cases.adapters.slots, limit=1, clock=world.clock)
    try:
        with company_slot(limiter, "DEMO-CO", time_limit_seconds=5, wait_seconds=0):
            return False
    except CompanyAtLimit:
        return True


@pytest.mark.parametrize("step", ["sign_in", "verification"])
def test_a_verification_whose_request_timed_out_keeps_its_slot_until_intacct_is_taken_to_be_done(
    slow_company: World, step: str
) -> None:
    world = slow_company
    connection_id = world.connect()
    world.edit(connection_id)
    if step == "sign_in":
        world.intacct.sign_in_time_outs = 1
    else:
        world.intacct.session_time_outs = 1
    report = world.use_cases.verify(
        "acme", connection_id, actor="admin", confirm_sign_in_reset=False, time_limit_seconds=5
    )
    assert report.connection.health_reason == "INTACCT_UNAVAILABLE"
    assert _busy(world)  # Intacct may still be working on it: the company's one place stays taken
    world.now += timedelta(seconds=61)
    assert not _busy(world)


def test_an_export_call_that_timed_out_is_not_resent_and_keeps_its_slot(slow_company: World) -> None:
    world = slow_company
    connection_id = world.connect()
    world.edit(connection_id)
    world.export(connection_id, "q1")  # a session is open
    world.intacct.session_time_outs = 1
    with pytest.raises(IntacctBusy):
        world.export(connection_id, "q2")
    assert [ids for _, ids in world.intacct.calls] == [["q1"], ["q2"]]  # sent once
    with pytest.raises(CompanyAtLimit):
        world.export(connection_id, "q3", time_limit_seconds=0.2)  # its place is still taken
    world.now += timedelta(seconds=61)
    assert world.export(connection_id, "q3").results[0].status == "success"


def test_a_health_check_whose_request_timed_out_keeps_its_slot(slow_company: World) -> None:
    world = slow_company
    connection_id = world.connect()
    world.edit(connection_id)
    connection = world.stored(connection_id)
    assert connection.next_check_at is not None
    world.now = connection.next_check_at
    world.intacct.session_time_outs = 1
    report = world.use_cases.health_check(
        "acme", connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
    )
    assert report is not None and report.connection.health_reason == "INTACCT_UNAVAILABLE"
    assert _busy(world)


def _run(
    world: World, connection_id: str, trigger: Trigger, login: ConnectionCredentials
) -> VerificationReport:
    return world.use_cases._flow(
        world.stored(connection_id), login, trigger=trigger, actor="test", time_limit_seconds=5
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


def test_an_admins_answer_takes_the_attempts_left_from_settling_the_guard_without_reading_it_again(
    world: World,
) -> None:
    connection_id = world.connect()
    loads = world.adapters.guard_store.loads
    report = world.edit(connection_id, "wrong")
    assert report.sign_in_attempts_left == 1
    assert (
        world.adapters.guard_store.loads - loads == 2
    )  # admitting and settling: no third read for the answer
