"""Finds the connections due for a check and enqueues one message each, exactly once per due time.

Each due connection is claimed with a conditional write that moves its next check `claim_for` ahead (so the
next dispatcher run does not pick it again, and a lost message still gets it checked later), then sent to
the FIFO queue in its company's message group.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..connections.check_requests import CheckRequest, company_group
from ..connections.ports import CheckQueue, DueConnection, DueSource, QueuedCheck

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchReport:
    found: int
    dispatched: int
    lost_claims: int  # changed by someone else between read and claim (an edit, another dispatcher)
    failed_sends: int
    lag_seconds: float  # how long the longest-waiting due connection has been due (claims do not reset it)


class DispatchDueChecks:
    def __init__(self, source: DueSource, queue: CheckQueue) -> None:
        self._source = source
        self._queue = queue

    def __call__(self, *, now: datetime, claim_for: timedelta) -> DispatchReport:
        return dispatch_due(self._source, self._queue, now=now, claim_for=claim_for)


def dispatch_due(
    source: DueSource,
    queue: CheckQueue,
    *,
    now: datetime,
    claim_for: timedelta,
    parallelism: int = 16,
    batch_size: int = 10,
) -> DispatchReport:
    found = lost = failed = dispatched = 0
    lag = 0.0
    until = now + claim_for
    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        for shard in range(source.due_shards):
            batch: list[DueConnection] = []
            for due in source.due(now, shard=shard):
                found += 1
                lag = max(lag, (now - due.due_since).total_seconds())
                batch.append(due)
                if len(batch) >= 100:
                    sent, missed, errors = _claim_and_send(pool, source, queue, batch, until, batch_size)
                    dispatched, lost, failed = dispatched + sent, lost + missed, failed + errors
                    batch = []
            if batch:
                sent, missed, errors = _claim_and_send(pool, source, queue, batch, until, batch_size)
                dispatched, lost, failed = dispatched + sent, lost + missed, failed + errors
            logger.info("dispatcher shard done", extra={"shard": shard, "found_so_far": found})
    return DispatchReport(found, dispatched, lost, failed, lag)


def _claim_and_send(
    pool: ThreadPoolExecutor,
    source: DueSource,
    queue: CheckQueue,
    batch: list[DueConnection],
    until: datetime,
    batch_size: int,
) -> tuple[int, int, int]:
    claimed = [
        due for due, won in zip(batch, pool.map(lambda d: source.claim(d, until), batch), strict=True) if won
    ]
    checks = [
        QueuedCheck(CheckRequest(due.tenant_id, due.connection_id, until), company_group(due.company_id))
        for due in claimed
    ]
    chunks = [checks[i : i + batch_size] for i in range(0, len(checks), batch_size)]
    sent = sum(pool.map(queue.send, chunks))
    return sent, len(batch) - len(claimed), len(checks) - sent
