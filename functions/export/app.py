"""Invoked by the platform's export workers (IAM: lambda:InvokeFunction): run Intacct functions in a
customer's company through the connection, never handing out its password."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connection_service import bootstrap
from connection_service.exports.interface import handle_export
from connection_service.observability import forget_unpublished_metrics, logger, metrics, tracer

bootstrap.load_sign_in_stack()  # a first call signs in to Intacct: load its client during init


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return handle_export(bootstrap.environment(), event, context)
    finally:
        forget_unpublished_metrics()
