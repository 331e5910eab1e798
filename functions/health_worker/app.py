"""SQS FIFO consumer: verify each due connection and store the outcome (partial batch failures)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connection_service import bootstrap
from connection_service.health.runner import run_worker
from connection_service.observability import forget_unpublished_metrics, logger, metrics, tracer

bootstrap.load_sign_in_stack()  # every check signs in to Intacct: load its client during init


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return run_worker(bootstrap.environment(), event, context)
    finally:
        forget_unpublished_metrics()
