"""One resolver factory for every HTTP function: same error mapping, same observability, thin handlers."""

from __future__ import annotations

import traceback
from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ..connections.errors import DomainError
from ..observability import Environment, LambdaHandler, entry_point, logger
from .problems import INTERNAL_ERROR, NOT_FOUND, TEMPORARILY_UNAVAILABLE, Problem, problem_for

# AWS answers that say "not now" rather than "never": the request may succeed unchanged in a moment.
_AWS_BUSY = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "InternalServiceError",
        "InternalServiceErrorException",
        "KMSInternalException",
        "DependencyTimeoutException",
        "KeyUnavailableException",
        "LimitExceededException",
        "TransactionInProgressException",
    }
)
# Reasons inside a cancelled DynamoDB transaction that mean the same.
_BUSY_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
AWS_RETRY_AFTER_SECONDS = 5


def _aws_busy(error: BaseException | None) -> bool:
    """Whether an error (or what caused it: Powertools wraps its store's errors) is AWS being busy."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, BotoConnectionError | HTTPClientError):
            return True  # no answer, a reset, a read timeout
        if isinstance(error, ClientError):
            response = error.response
            status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            reasons = {str(r.get("Code")) for r in response.get("CancellationReasons", [])}
            if (
                str(response.get("Error", {}).get("Code", "")) in _AWS_BUSY
                or status == 429
                or status >= 500
                or reasons & _BUSY_CANCELLATIONS
            ):
                return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _raised_at(error: BaseException) -> list[str]:
    """The innermost frames of an error as "file:line in function", without its message or values."""
    frames = traceback.extract_tb(error.__traceback__)[-5:]
    return [f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}" for frame in frames]


def build_resolver(*routers: Router) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    for router in routers:
        app.include_router(router)

    def _problem(error: Problem) -> Response[str]:
        return error.response()

    def _domain(error: DomainError) -> Response[str]:
        return problem_for(error).response()

    def _not_found(_: Exception) -> Response[str]:
        return NOT_FOUND("no such route").response()

    def _unexpected(error: Exception) -> Response[str]:
        if _aws_busy(error):
            # Throttled or briefly unavailable AWS: the use case gave back what it held (its lease, its
            # sign-in attempt), so the same request may simply be sent again.
            logger.warning(
                "AWS busy", extra={"error_type": type(error).__name__, "raised_at": _raised_at(error)}
            )
            return TEMPORARILY_UNAVAILABLE(
                "a service we depend on is busy; try again in a few seconds",
                headers={"Retry-After": str(AWS_RETRY_AFTER_SECONDS)},
            ).response()
        # An exception's message (and a traceback's locals) could carry input, so only its type and where it
        # was raised are logged, with the request's correlation id.
        logger.error(
            "unhandled error",
            extra={"error_type": type(error).__name__, "raised_at": _raised_at(error)},
        )
        return INTERNAL_ERROR("something went wrong on our side; try again later").response()

    app.exception_handler(Problem)(_problem)
    app.exception_handler(DomainError)(_domain)
    app.not_found(_not_found)
    app.exception_handler(Exception)(_unexpected)
    return app


def api_handler(
    environment: Callable[[], Environment], build_router: Callable[[Environment], Router]
) -> LambdaHandler:
    """The Lambda entry point for an HTTP function: its router is built once per execution environment
    (`environment()` gives the same object until the composition root is reset) with its use case."""
    built: list[tuple[Environment, APIGatewayHttpResolver]] = []

    def resolver() -> APIGatewayHttpResolver:
        current = environment()
        if not built or built[0][0] is not current:
            built[:] = [(current, build_resolver(build_router(current)))]
        return built[0][1]

    return entry_point(
        lambda event, context: resolver().resolve(event, context),
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
        cold_start_metric=True,
    )
