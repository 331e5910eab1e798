"""One resolver factory for every HTTP function: same error mapping, same observability, thin handlers."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ..connections.errors import (
    AlreadyConnected,
    CompanyChangeNotConfirmed,
    ConcurrentModification,
    ConnectionNotFound,
    DomainError,
    InvalidInput,
    InvalidState,
    RetryLater,
    SignInBudgetSpent,
    SignInInProgress,
    TooManyRefusedSignIns,
)
from ..observability import forget_unpublished_metrics, logger, metrics, tracer
from .problems import Problem

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
Environment = TypeVar("Environment")


def problem_for(error: DomainError) -> Problem:
    """Each domain error has one problem type and one status code."""
    if isinstance(error, InvalidInput):
        fields = [{"field": p.field, "message": p.message} for p in error.problems]
        return Problem(422, "invalid-input", "some fields are missing or invalid", errors=fields)
    if isinstance(error, ConnectionNotFound):
        return Problem(404, "not-found", str(error))
    if isinstance(error, AlreadyConnected):
        return Problem(409, "already-connected", str(error), extra={"existing_id": error.existing_id})
    if isinstance(error, CompanyChangeNotConfirmed):
        return Problem(409, "company-change-not-confirmed", str(error), extra={"company_id": error.current})
    if isinstance(error, ConcurrentModification):
        return Problem(409, "concurrent-modification", str(error))
    if isinstance(error, InvalidState):
        return Problem(409, "invalid-state", str(error))
    if isinstance(error, SignInBudgetSpent):
        # No Retry-After: time alone never re-arms the budget (Intacct may never forget failed sign-ins).
        return Problem(
            429,
            "sign-in-budget-spent",
            str(error),
            extra={
                "company_id": error.company_id,
                "user_id": error.user_id,
                "sign_in_attempts_left": 0,
                "confirm_field": "confirm_sign_in_reset",
                "confirmation_available_at": error.confirmation_available_at.isoformat(),
                "confirmation_refused": error.confirmation_used,
            },
        )
    if isinstance(error, RetryLater):
        # The tenant's hourly quota of refused sign-ins is a rate limit; a running verification of the
        # connection, or sign-in as the same Intacct user, is a conflict.
        status, slug = 409, "verification-in-progress"
        if isinstance(error, SignInInProgress):
            slug = "sign-in-in-progress"
        elif isinstance(error, TooManyRefusedSignIns):
            status, slug = 429, "too-many-refused-sign-ins"
        return Problem(
            status,
            slug,
            str(error),
            headers={"Retry-After": str(error.retry_after_seconds)},
            extra={"retry_after_seconds": error.retry_after_seconds},
        )
    return Problem(400, "bad-request", str(error))


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
        return Problem(404, "not-found", "no such route").response()

    def _unexpected(error: Exception) -> Response[str]:
        if _aws_busy(error):
            # Throttled or briefly unavailable AWS: the use case gave back what it held (its lease, its
            # sign-in attempt), so the same request may simply be sent again.
            logger.warning(
                "AWS busy", extra={"error_type": type(error).__name__, "raised_at": _raised_at(error)}
            )
            return Problem(
                503,
                "temporarily-unavailable",
                "a service we depend on is busy; try again in a few seconds",
                headers={"Retry-After": str(AWS_RETRY_AFTER_SECONDS)},
            ).response()
        # An exception's message (and a traceback's locals) could carry input, so only its type and where it
        # was raised are logged, with the request's correlation id.
        logger.error(
            "unhandled error",
            extra={"error_type": type(error).__name__, "raised_at": _raised_at(error)},
        )
        return Problem(500, "internal-error", "something went wrong on our side; try again later").response()

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

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            return resolver().resolve(event, context)
        finally:
            forget_unpublished_metrics()

    return cast(LambdaHandler, handler)
