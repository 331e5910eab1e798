"""A slot of the company's limit, taken before anything is written or sent: none for a blocked sign-in,
and a typed busy answer with when to retry once the wait is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connection_service.company_limit import CompanyLimiter
from connection_service.connections.errors import CompanyAtLimit, IntacctBusy
from connection_service.sign_in_guard import Blocked, Identity, Verdict
from connection_service.use_cases.company_slot import BUSY_RETRY_AFTER_SECONDS, company_slot, slot_for
from tests.support.clock import FakeClock
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
        assert raised.value.retry_after_seconds == BUSY_RETRY_AFTER_SECONDS
        with company_slot(limiter, "OTHER-CO", time_limit_seconds=5, wait_seconds=0):
            pass  # another company has its own limit
    with company_slot(limiter, "DEMO-CO", time_limit_seconds=5, wait_seconds=0):
        pass  # given back when the block ended


def test_a_blocked_sign_in_takes_no_slot() -> None:
    store = InMemorySlotStore()
    limiter = _limiter(store)
    blocked = Blocked(Verdict.BUDGET_SPENT, Identity.of("DEMO-CO", "ws_expenses"), None, 0, NOW)
    with slot_for(limiter, blocked, "DEMO-CO", time_limit_seconds=5, wait_seconds=0):
        assert store.saves == 0


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
