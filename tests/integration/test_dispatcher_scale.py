"""The dispatcher over 10,000 connections in moto: every due one enqueued exactly once, no table scan.

The queue is an in-memory stand-in for the SQS adapter here (the adapter has its own tests against moto):
moto's FIFO queue recomputes its attributes over every stored message on each send, so its cost grows with
the square of the messages and would measure moto, not the dispatcher (50 of this test's 55 seconds).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connection_service import bootstrap
from connection_service.adapters.dynamodb_items import connection_to_item, to_wire
from connection_service.connections.check_requests import company_group
from connection_service.connections.model import Connection, Health, Status
from connection_service.connections.ports import QueuedCheck
from connection_service.health.runner import run_dispatcher
from tests.support.stack import Stack

TOTAL = 10_000


def _connection(index: int, now: datetime) -> Connection:
    kind = index % 10
    if kind == 0:  # a tenth are due, as in one 5-minute dispatch of an hourly interval (with some backlog)
        next_check: datetime | None = now - timedelta(minutes=1 + index % 120)
    elif kind < 8:  # due later
        next_check = now + timedelta(minutes=5 + index % 60)
    else:  # never checked automatically (awaiting credentials, refused sign-in, disconnected)
        next_check = None
    return Connection(
        id=f"{index:032x}",
        tenant_id=f"tenant-{index:05d}",
        status=Status.CONNECTED if next_check else Status.AWAITING_CREDENTIALS,
        health=Health.OK,
        company_id=f"CO-{index:05d}",
        user_id="ws_expenses",
        secret_id="arn:secret",
        secret_version="v1",
        credentials_version=1,
        created_at=now,
        updated_at=now,
        next_check_at=next_check,
        version=1,
    )


class RecordingQueue:
    def __init__(self) -> None:
        self.checks: list[QueuedCheck] = []
        self.batches = 0

    def send(self, checks: Sequence[QueuedCheck]) -> int:
        self.batches += 1
        self.checks.extend(checks)
        return len(checks)


def test_dispatcher_enqueues_each_due_connection_exactly_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = RecordingQueue()
    monkeypatch.setattr(bootstrap.use_cases().adapters, "check_queue", queue)  # bootstrap.reset forgets it
    now = datetime.now(UTC)
    dynamodb = boto3.client("dynamodb")
    connections = [_connection(index, now) for index in range(TOTAL)]
    for start in range(0, TOTAL, 25):
        chunk = connections[start : start + 25]
        dynamodb.batch_write_item(
            RequestItems={
                stack.resources.table_name: [
                    {"PutRequest": {"Item": to_wire(connection_to_item(c))}} for c in chunk
                ]
            }
        )
    due = {c.id for c in connections if c.next_check_at is not None and c.next_check_at <= now}
    assert len(due) == TOTAL // 10

    def no_scans(**_: object) -> None:
        raise AssertionError("the dispatcher must query the due index, never scan the table")

    repository = bootstrap.use_cases().adapters.repository
    repository._client.meta.events.register("before-call.dynamodb.Scan", no_scans)
    started = time.monotonic()
    report = run_dispatcher(bootstrap.environment(), now)
    elapsed = time.monotonic() - started
    assert (report.found, report.dispatched, report.lost_claims, report.failed_sends) == (
        len(due),
        len(due),
        0,
        0,
    )
    assert report.lag_seconds == max(
        (now - c.next_check_at).total_seconds() for c in connections if c.id in due
    )  # type: ignore[operator]
    print(f"dispatched {report.dispatched} of {TOTAL} connections in {elapsed:.1f}s (moto, in-process)")

    enqueued = [check.request.connection_id for check in queue.checks]
    assert len(enqueued) == len(set(enqueued)) == len(due)
    assert set(enqueued) == due
    assert all(
        check.group == company_group(f"CO-{int(check.request.connection_id, 16):05d}")
        for check in queue.checks
    )
    assert max(len(check.request.to_json()) for check in queue.checks) < 1024  # far below SQS's 256 KB

    assert (
        run_dispatcher(bootstrap.environment(), now).dispatched == 0
    )  # claimed: not due again until the claim runs out
