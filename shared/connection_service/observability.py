"""Logger, Metrics and Tracer, set up once for every function (Powertools for AWS Lambda).

Secrets never reach these: handlers never log events or bodies, traced methods do not capture responses,
and metrics carry no per-tenant dimensions (tenant and connection ids go to metadata).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from .connections.model import Status, Trigger
from .sign_in_guard.rules import Verdict
from .verification.result import Outcome

if TYPE_CHECKING:  # annotations only: every function imports this module, few use the service behind them
    from .intacct.xml.client import Attempt
    from .sign_in_guard.guard import GuardEvent
    from .use_cases.verification_report import VerificationReport

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "intacct-connections")


class _OneAtATimeEMFProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider with one lock around every change and flush of the shared metric set.

    Lambda runs one invocation at a time per environment; the local stack runs handlers in threads of one
    process, where a flush iterating the set while another request added to it raised "dictionary changed
    size during iteration". Deployed, the lock is never contended."""

    _lock = threading.RLock()

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            super().add_metric(*args, **kwargs)

    def add_metadata(self, key: str, value: Any) -> None:
        with self._lock:
            super().add_metadata(key, value)

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        with self._lock:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)

    def clear_metrics(self) -> None:
        with self._lock:
            super().clear_metrics()


_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "IntacctConnections")
logger = Logger(service=SERVICE_NAME)
metrics = Metrics(
    namespace=_NAMESPACE,
    service=SERVICE_NAME,
    provider=_OneAtATimeEMFProvider(
        namespace=_NAMESPACE,
        service=SERVICE_NAME,
        metric_set=Metrics._metrics,
        dimension_set=Metrics._dimensions,
        metadata_set=Metrics._metadata,
        default_dimensions=Metrics._default_dimensions,
    ),
)
tracer = Tracer(service=SERVICE_NAME)

# The layer's own modules log through the standard library (`connection_service.*`); their package logger
# gets the same JSON output and level, and every module logger propagates to it.
logging.getLogger("connection_service")
copy_config_to_registered_loggers(source_logger=logger, include={"connection_service"})

# Read-only requests publish no metric of their own; that is expected, not worth a warning per invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

# botocore logs whole request and response bodies at DEBUG — PutSecretValue and GetSecretValue included —
# so the AWS SDK and HTTP libraries never log below WARNING, whatever the root logger is set to.
for _library in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_library).setLevel(logging.WARNING)


def forget_unpublished_metrics() -> None:
    """With metrics disabled (the local stack), Powertools never clears what it collected: drop it after
    each invocation, or a long-running local stack grows without bound."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").strip().lower() in ("1", "true"):
        metrics.clear_metrics()


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
Environment = TypeVar("Environment")


def entry_point(
    run: LambdaHandler, *, correlation_id_path: str | None = None, cold_start_metric: bool = False
) -> LambdaHandler:
    """`run` as a function's Lambda handler: every log line carries the invocation's context (and nothing
    left from the previous one), the trace gets a segment without the response (it can carry data), and
    the invocation's metrics are flushed at its end (dropped where metrics are disabled)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=cold_start_metric)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            return run(event, context)
        finally:
            forget_unpublished_metrics()

    return cast(LambdaHandler, handler)


def event_handler(
    environment: Callable[[], Environment],
    run: Callable[[Environment, dict[str, Any], LambdaContext], dict[str, Any]],
) -> LambdaHandler:
    """The Lambda handler of a function invoked by an event rather than a route (the health dispatcher and
    worker, exports), as api/app.py's `api_handler` is for routes: `run` gets the execution environment
    (`environment()`, built on the first invocation) with the event."""
    return entry_point(lambda event, context: run(environment(), event, context))


def record_intacct_attempt(attempt: Attempt) -> None:
    """Latency of one HTTP request to Intacct (each retry is its own attempt)."""
    metrics.add_metric(name="IntacctRequestSeconds", unit=MetricUnit.Seconds, value=round(attempt.elapsed, 3))
    if attempt.category is not None and attempt.category.transient:
        metrics.add_metric(name="IntacctTransientErrors", unit=MetricUnit.Count, value=1)


def record_guard_event(event: GuardEvent) -> None:
    """Refused and unanswered sign-ins, guard blocks, and identities that just ran out of attempts (the
    SignInBudgetsSpentSpike alarm: many at once means our side is probably wrong). The identity goes to the
    log, never into a dimension."""
    if event.kind == "refused":
        metrics.add_metric(name="SignInRefusals", unit=MetricUnit.Count, value=1)
    elif event.kind == "unanswered":
        metrics.add_metric(name="SignInsUnanswered", unit=MetricUnit.Count, value=1)
    elif event.kind == "budget_spent":
        metrics.add_metric(name="SignInBudgetsSpent", unit=MetricUnit.Count, value=1)
    elif event.verdict is Verdict.BUSY:
        metrics.add_metric(name="SignInsWaitedFor", unit=MetricUnit.Count, value=1)
        return
    else:
        metrics.add_metric(name="SignInGuardBlocks", unit=MetricUnit.Count, value=1)
    logger.info(
        "sign-in guard",
        extra={
            "guard_event": event.kind,
            "verdict": event.verdict.value if event.verdict else None,
            "intacct_company_id": event.identity.company_id,
            "intacct_user_id": event.identity.user_id,
        },
    )


def record_report(report: VerificationReport, *, trigger: Trigger, seconds: float) -> None:
    """Metrics of one stored (or dropped) verification. Outcome and reason are small fixed sets, so they go
    into metric names (`Outcome_connected`, `Reason_MISSING_PERMISSIONS`), never into dimensions."""
    result = report.result
    if result is None:
        return
    metrics.add_metric(name="Verifications", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=f"Outcome_{result.outcome.value}", unit=MetricUnit.Count, value=1)
    if result.reason is not None:
        metrics.add_metric(name=f"Reason_{result.reason.value}", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="VerificationSeconds", unit=MetricUnit.Seconds, value=round(seconds, 3))
    metrics.add_metric(name="IntacctRoundTrips", unit=MetricUnit.Count, value=result.round_trips)
    if result.outcome is Outcome.INCOMPLETE:
        metrics.add_metric(name="TransientFailures", unit=MetricUnit.Count, value=1)
    if not report.applied:
        metrics.add_metric(name="StaleResultsDropped", unit=MetricUnit.Count, value=1)
    if report.status_changed:
        metrics.add_metric(name="StatusChanged", unit=MetricUnit.Count, value=1)
        if report.previous_status is Status.CONNECTED and report.connection.status is Status.ACTION_REQUIRED:
            metrics.add_metric(name="StatusChangedConnectedToActionRequired", unit=MetricUnit.Count, value=1)
    if not report.event_published:
        metrics.add_metric(name="EventPublishFailures", unit=MetricUnit.Count, value=1)
    metrics.add_metadata(key="trigger", value=trigger.value)
