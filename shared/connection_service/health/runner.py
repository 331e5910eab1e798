"""The scheduled entry points: the dispatcher and the health worker run their use cases and record their
CloudWatch metrics. The functions hand them their execution environment (bootstrap.py)."""

from __future__ import annotations

import functools
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..connections.check_requests import CheckRequest
from ..connections.model import Trigger
from ..observability import logger, metrics, record_report
from ..use_cases.dispatch_checks import DispatchReport

if TYPE_CHECKING:
    from ..bootstrap import Environment

# A claimed connection whose message is lost (DLQ, failed send) becomes due again after this long
# (or after one check interval, when that is shorter, as in the local stack).
CLAIM_SECONDS = 1800
# A check is not started with less time left in the invocation than this: it could not finish, and its
# message is handed back to the queue instead.
MIN_CHECK_SECONDS = 10.0
# Status-change events younger than this are still being published by the request that stored them.
OUTBOX_GRACE = timedelta(minutes=1)
SAFETY_MARGIN_SECONDS = 3.0


def run_dispatcher(environment: Environment, now: datetime | None = None) -> DispatchReport:
    config, use_cases = environment.settings, environment.use_cases
    now = now or datetime.now(UTC)
    report = use_cases.dispatch_checks(
        now=now, claim_for=timedelta(seconds=min(CLAIM_SECONDS, max(60, config.check_interval_seconds)))
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
    published, failing = use_cases.publish_events(stored_before=now - OUTBOX_GRACE)
    if published:
        metrics.add_metric(name="EventsRepublished", unit=MetricUnit.Count, value=published)
    if failing:
        metrics.add_metric(name="EventPublishFailures", unit=MetricUnit.Count, value=failing)
    return report


def handle_dispatch(
    environment: Environment, event: dict[str, Any], context: LambdaContext
) -> dict[str, Any]:
    """The scheduled dispatcher's invocation (its event carries nothing it needs): what it found and sent."""
    report = run_dispatcher(environment)
    return {"found": report.found, "dispatched": report.dispatched, "lost_claims": report.lost_claims}


class NoTimeLeft(Exception):
    """Raised for a message the invocation has no time left to check; SQS delivers it again."""


def check_connection(
    environment: Environment, record: SQSRecord, lambda_context: LambdaContext | None = None
) -> str:
    """Processes one queue message; raising makes SQS deliver it again (after a few tries: the DLQ).

    Each check's time budget is cut to what the invocation has left, so a slow Intacct cannot make the
    whole batch time out (which would return every message of the batch and block the company's group).
    """
    request = CheckRequest.from_json(record.body)
    time_limit = environment.settings.worker_verification_time_limit_seconds
    if lambda_context is not None:
        left = lambda_context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS
        time_limit = min(time_limit, left)
    if time_limit < MIN_CHECK_SECONDS:
        raise NoTimeLeft(f"{time_limit:.1f}s left for the check of {request.connection_id}")
    started = time.monotonic()
    try:
        report = environment.use_cases.health_check(
            request.tenant_id,
            request.connection_id,
            claimed_until=request.claimed_until,
            time_limit_seconds=time_limit,
        )
    except Exception:
        metrics.add_metric(name="HealthCheckErrors", unit=MetricUnit.Count, value=1)
        raise
    if report is None:
        metrics.add_metric(name="HealthChecksSkipped", unit=MetricUnit.Count, value=1)
        return "skipped"
    metrics.add_metric(name="HealthChecks", unit=MetricUnit.Count, value=1)
    record_report(report, trigger=Trigger.HEALTH_CHECK, seconds=time.monotonic() - started)
    return report.connection.status.value


def run_worker(environment: Environment, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A FIFO batch: stop at the first failure and hand the rest back, so a company's checks stay in order."""
    # One company's failure must not hand back the other companies' messages of the batch.
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A batch whose every check failed is still an answer (all handed back), not a crashed invocation:
    # real errors are counted as HealthCheckErrors, which the HealthWorkerErrors alarm watches.
    processor.raise_on_entire_batch_failure = False  # the FIFO processor's constructor does not take it
    response = process_partial_response(
        event=event,
        record_handler=functools.partial(check_connection, environment),
        processor=processor,
        context=context,
    )
    return dict(response)
