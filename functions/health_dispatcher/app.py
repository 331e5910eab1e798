"""Scheduled: enqueue one health check per connection that is due (EventBridge Scheduler → SQS FIFO)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connection_service import bootstrap
from connection_service.health.runner import run_dispatcher
from connection_service.observability import forget_unpublished_metrics, logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        report = run_dispatcher(bootstrap.environment())
    finally:
        forget_unpublished_metrics()
    return {"found": report.found, "dispatched": report.dispatched, "lost_claims": report.lost_claims}
