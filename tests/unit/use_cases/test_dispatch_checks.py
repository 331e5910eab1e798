"""The dispatcher: each due connection claimed, then enqueued once in its company's group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connection_service.connections.check_requests import company_group
from connection_service.connections.ports import DueConnection
from connection_service.use_cases.dispatch_checks import DispatchDueChecks
from tests.support.fakes import InMemoryDueSource, RecordingCheckQueue

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
CLAIM = timedelta(minutes=15)


def due(index: int, company: str = "DEMO-CO", waiting: timedelta = timedelta(0)) -> DueConnection:
    return DueConnection("acme", f"c{index}", company, NOW - waiting, NOW - waiting)


def test_every_due_connection_is_claimed_and_enqueued_once_in_its_companys_group() -> None:
    source = InMemoryDueSource([due(1), due(2, "OTHER-CO"), due(3)])
    queue = RecordingCheckQueue()
    report = DispatchDueChecks(source, queue)(now=NOW, claim_for=CLAIM)
    assert (report.found, report.dispatched, report.lost_claims, report.failed_sends) == (3, 3, 0, 0)
    assert sorted(c.request.connection_id for c in queue.checks) == ["c1", "c2", "c3"]
    assert all(c.request.claimed_until == NOW + CLAIM for c in queue.checks)
    groups = {c.request.connection_id: c.group for c in queue.checks}
    assert groups["c1"] == groups["c3"] == company_group("DEMO-CO") != groups["c2"]
    again = DispatchDueChecks(source, queue)(now=NOW, claim_for=CLAIM)
    assert again.dispatched == 0 and again.lost_claims == 3  # claimed already: never sent twice


def test_a_claim_lost_to_an_edit_is_not_sent() -> None:
    source = InMemoryDueSource([due(1), due(2)])
    source.taken_by_others.add("c2")
    queue = RecordingCheckQueue()
    report = DispatchDueChecks(source, queue)(now=NOW, claim_for=CLAIM)
    assert (report.dispatched, report.lost_claims) == (1, 1)
    assert [c.request.connection_id for c in queue.checks] == ["c1"]


def test_a_queue_that_refuses_is_counted_and_the_claim_keeps_the_check_for_later() -> None:
    source = InMemoryDueSource([due(1), due(2)])
    queue = RecordingCheckQueue()
    queue.refuse = True
    report = DispatchDueChecks(source, queue)(now=NOW, claim_for=CLAIM)
    assert (report.dispatched, report.failed_sends) == (0, 2)
    assert set(source.claims) == {"c1", "c2"}  # next check moved ahead: checked once the claim runs out


def test_sends_are_batched_by_ten_and_the_lag_is_the_longest_wait() -> None:
    source = InMemoryDueSource([due(i, waiting=timedelta(seconds=i)) for i in range(25)], shards=1)
    queue = RecordingCheckQueue()
    report = DispatchDueChecks(source, queue)(now=NOW, claim_for=CLAIM)
    assert sorted(len(send) for send in queue.sends) == [5, 10, 10]
    assert report.lag_seconds == 24.0
