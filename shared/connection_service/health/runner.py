"""Wires the dispatcher and the worker to AWS and records their CloudWatch metrics."""

from __future__ import annotations

import functools
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from .. import wiring
from ..adapters.dynamodb_items import DUE_SHARDS
from ..adapters.sqs_queue import SqsCheckQueue
from ..connections.model import Status
from ..observability import logger, metrics, record_verification
from ..verification import Outcome
from .dispatcher import DispatchReport, dispatch_due
from .messages import CheckRequest

# A claimed connection whose message is lost (DLQ, failed send) becomes due again after this long.
CLAIM_SECONDS = 1800


def run_dispatcher(now: datetime | None = None) -> DispatchReport:
    config = wiring.settings()
    report = dispatch_due(
        wiring.repository(),
        SqsCheckQueue(_sqs(), config.health_queue_url),
        now=now or datetime.now(UTC),
        shards=DUE_SHARDS,
        claim_for=timedelta(seconds=max(CLAIM_SECONDS, config.check_interval_seconds // 2)),
    )
    metrics.add_metric(name="DispatchedConnections", unit=MetricUnit.Count, value=report.dispatched)
    metrics.add_metric(
        name="DispatcherLagSeconds", unit=MetricUnit.Seconds, value=round(report.lag_seconds, 1)
    )
    if report.lost_claims:
        metrics.add_metric(name="DispatchLostClaims", unit=MetricUnit.Count, value=report.lost_claims)
    if report.failed_sends:
        metrics.add_metric(name="DispatchFailedSends", unit=MetricUnit.Count, value=report.failed_sends)
    logger.info("dispatch finished", extra=asdict(report))
    return report


@functools.cache
def _sqs() -> Any:
    return boto3.client("sqs")


def check_connection(record: SQSRecord) -> str:
    """Processes one queue message; raising makes SQS deliver it again (after a few tries: the DLQ)."""
    request = CheckRequest.from_json(record.body)
    started = time.monotonic()
    report = wiring.service(reuse_sessions=True).health_check(
        request.tenant_id,
        request.connection_id,
        claimed_until=request.claimed_until,
        budget_seconds=wiring.settings().worker_verification_budget_seconds,
    )
    metrics.add_metric(name="HealthChecks", unit=MetricUnit.Count, value=1)
    if report is None or report.result is None:
        metrics.add_metric(name="HealthChecksSkipped", unit=MetricUnit.Count, value=1)
        return "skipped"
    record_verification(report.result, trigger="health_check", seconds=time.monotonic() - started)
    if report.result.outcome is Outcome.INCOMPLETE:
        metrics.add_metric(name="TransientFailures", unit=MetricUnit.Count, value=1)
    if report.status_changed:
        metrics.add_metric(name="StatusChanged", unit=MetricUnit.Count, value=1)
        if report.previous_status is Status.CONNECTED and report.connection.status is Status.ACTION_REQUIRED:
            metrics.add_metric(name="StatusChangedConnectedToActionRequired", unit=MetricUnit.Count, value=1)
    return report.connection.status.value


def run_worker(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A FIFO batch: stop at the first failure and hand the rest back, so a company's checks stay in order."""
    processor = SqsFifoPartialProcessor()
    response = process_partial_response(
        event=event, record_handler=check_connection, processor=processor, context=context
    )
    return dict(response)
