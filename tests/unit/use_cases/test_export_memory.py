"""What one environment remembers between export calls: a connection resting after an unanswered sign-in,
and when it last checked a connection after a refusal for the company's setup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connection_service.use_cases.export_memory import ExportMemory
from connection_service.use_cases.session_cache import SessionKey

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
KEY, OTHER = SessionKey("acme", "c1", 1, "v1"), SessionKey("acme", "c2", 1, "v1")


def test_a_connection_rests_until_its_time_or_a_sign_in_that_opened_a_session() -> None:
    memory = ExportMemory()
    assert memory.resting_until(KEY, NOW) is None
    memory.rest(KEY, NOW + timedelta(seconds=30))
    assert memory.resting_until(KEY, NOW) == NOW + timedelta(seconds=30)
    assert memory.resting_until(OTHER, NOW) is None  # per connection
    assert memory.resting_until(KEY, NOW + timedelta(seconds=30)) is None  # over
    memory.rest(KEY, NOW + timedelta(seconds=30))
    memory.signed_in(KEY)
    assert memory.resting_until(KEY, NOW) is None


def test_a_company_refusal_is_checked_at_most_once_per_interval_per_connection() -> None:
    memory, every = ExportMemory(), timedelta(minutes=5)
    assert memory.company_check_due(KEY, NOW, every)
    assert not memory.company_check_due(KEY, NOW + timedelta(minutes=4), every)
    assert memory.company_check_due(OTHER, NOW + timedelta(minutes=4), every)
    assert memory.company_check_due(KEY, NOW + every, every)
