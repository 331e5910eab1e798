"""A slot of the company's limit, taken before anything is written or sent: none for a blocked sign-in,
and a typed busy answer with when to retry once the wait is over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connection_service.company_limit import CompanyLimiter
from connection_service.connections.errors import CompanyAtLimit
from connection_service.sign_in_guard import Blocked, Identity, Verdict
from connection_service.use_cases.company_slot import BUSY_RETRY_AFTER_SECONDS, company_slot, slot_for
from tests.support.fakes import InMemorySlotStore

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def _limiter(store: InMemorySlotStore) -> CompanyLimiter:
    return CompanyLimiter(store, limit=1, clock=lambda: NOW)


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
