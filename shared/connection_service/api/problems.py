"""RFC 9457 problem details, and the one table of problem types: which domain errors each answers, with
which status and members. The error mapping, each route's contract and the OpenAPI document all read it.
Bodies carry field names and reasons, never the values sent (passwords)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ..connections.errors import (
    AlreadyConnected,
    CompanyAtLimit,
    CompanyChangeNotConfirmed,
    ConcurrentModification,
    ConnectionNotFound,
    DomainError,
    IntacctBusy,
    InvalidInput,
    InvalidState,
    NotConnected,
    RequestRefused,
    RestNeedsClientCredentials,
    RetryLater,
    SignInBlocked,
    SignInBudgetSpent,
    SignInFailed,
    SignInInProgress,
    TooManyRefusedSignIns,
    VerificationInProgress,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _no_members(_: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem answer. `answers`: the domain errors it stands for (a subclass is answered by
    its nearest listed ancestor); `members`: the extra members the body takes from such an error."""

    slug: str
    status: int
    meaning: str
    retry_after: bool = False  # answered with a Retry-After header
    answers: tuple[type[DomainError], ...] = ()
    members: Callable[[Any], dict[str, Any]] = field(default=_no_members, compare=False)

    def __call__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Problem:
        return Problem(self, detail, errors=errors, headers=headers, extra=extra)

    def for_error(self, error: DomainError) -> Problem:
        headers = {}
        if self.retry_after and isinstance(error, RetryLater):
            headers["Retry-After"] = str(error.retry_after_seconds)
        if isinstance(error, InvalidInput):
            fields = [{"field": p.field, "message": p.message} for p in error.problems]
            return self("some fields are missing or invalid", errors=fields)
        return self(str(error), headers=headers, extra=self.members(error))


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        kind: ProblemType,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    @property
    def status(self) -> int:
        return self.kind.status

    @property
    def slug(self) -> str:
        return self.kind.slug

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            document["errors"] = self.errors
        document.update(self.extra)
        return document

    def response(self) -> Response[str]:
        return Response(
            status_code=self.status,
            content_type=PROBLEM_CONTENT_TYPE,
            body=json.dumps(self.body()),
            headers=self.headers,
        )


def _retry_after_members(error: RetryLater) -> dict[str, Any]:
    return {"retry_after_seconds": error.retry_after_seconds}


def _budget_spent_members(error: SignInBudgetSpent) -> dict[str, Any]:
    return {
        "company_id": error.company_id,
        "user_id": error.user_id,
        "sign_in_attempts_left": 0,
        "confirm_field": "confirm_sign_in_reset",
        "confirmation_available_at": error.confirmation_available_at.isoformat(),
        "confirmation_refused": error.confirmation_used,
    }


BAD_REQUEST = ProblemType(
    "bad-request",
    400,
    "the body is not a JSON object (or not UTF-8, or nested too deeply)",
    answers=(DomainError,),
)
UNAUTHORIZED = ProblemType(
    "unauthorized", 401, "no usable bearer token (the token has no usable tenant claim)"
)
FORBIDDEN = ProblemType("forbidden", 403, "only an admin of the tenant may change its connection")
NOT_FOUND = ProblemType(
    "not-found", 404, "no such connection for this tenant, or no such route", answers=(ConnectionNotFound,)
)
ALREADY_CONNECTED = ProblemType(
    "already-connected",
    409,
    "the tenant already has an active connection (`existing_id`)",
    answers=(AlreadyConnected,),
    members=lambda error: {"existing_id": error.existing_id},
)
INVALID_STATE = ProblemType(
    "invalid-state",
    409,
    "not possible in the connection's state (disconnected, no credentials)",
    answers=(InvalidState,),
)
CONCURRENT_MODIFICATION = ProblemType(
    "concurrent-modification",
    409,
    "the connection changed meanwhile; read it and retry",
    answers=(ConcurrentModification,),
)
COMPANY_CHANGE_NOT_CONFIRMED = ProblemType(
    "company-change-not-confirmed",
    409,
    'changing the Company ID needs "confirm_company_change": true',
    answers=(CompanyChangeNotConfirmed,),
    members=lambda error: {"company_id": error.current},
)
# A running verification of the connection, or a sign-in as the same Intacct user, is a conflict; the
# tenant's hourly quota of refused sign-ins is a rate limit.
VERIFICATION_IN_PROGRESS = ProblemType(
    "verification-in-progress",
    409,
    "another verification of it is running",
    retry_after=True,
    answers=(VerificationInProgress, RetryLater),
    members=_retry_after_members,
)
SIGN_IN_IN_PROGRESS = ProblemType(
    "sign-in-in-progress",
    409,
    "another sign-in as this Intacct user is running",
    retry_after=True,
    answers=(SignInInProgress,),
    members=_retry_after_members,
)
REQUEST_IN_PROGRESS = ProblemType(
    "request-in-progress", 409, "the same Idempotency-Key is being processed", retry_after=True
)
IDEMPOTENCY_KEY_EXHAUSTED = ProblemType(
    "idempotency-key-exhausted", 409, "this Idempotency-Key was used too often; use a new one"
)
PAYLOAD_TOO_LARGE = ProblemType("payload-too-large", 413, "the body is over 16 KB")
INVALID_INPUT = ProblemType(
    "invalid-input", 422, "some fields are missing or invalid (`errors` names them)", answers=(InvalidInput,)
)
TOO_MANY_REFUSED_SIGN_INS = ProblemType(
    "too-many-refused-sign-ins",
    429,
    "the tenant's hourly quota of refused sign-ins",
    retry_after=True,
    answers=(TooManyRefusedSignIns,),
    members=_retry_after_members,
)
COMPANY_BUSY = ProblemType(
    "company-busy",
    429,
    "the Intacct company already has its limit of requests in flight; retry",
    retry_after=True,
    answers=(CompanyAtLimit,),
    members=lambda error: {"retry_after_seconds": error.retry_after_seconds, "limit": error.limit},
)
# No Retry-After: time alone never re-arms the budget (Intacct may never forget failed sign-ins).
SIGN_IN_BUDGET_SPENT = ProblemType(
    "sign-in-budget-spent",
    429,
    "the sign-in guard stopped signing in as this user; reset it in Intacct, then confirm",
    answers=(SignInBudgetSpent,),
    members=_budget_spent_members,
)
# What the export interface answers besides the rows above (it reads this table too).
NOT_CONNECTED = ProblemType(
    "not-connected",
    409,
    "the connection does not read Connected: nothing was sent",
    answers=(NotConnected,),
    members=lambda error: {"connection_status": error.status, "connection_reason": error.reason},
)
REST_NEEDS_CLIENT_CREDENTIALS = ProblemType(
    "rest-needs-client-credentials",
    409,
    "the connection signs in with a password; Intacct's REST API needs the client credentials method: "
    "nothing was sent",
    answers=(RestNeedsClientCredentials,),
)
SIGN_IN_BLOCKED = ProblemType(
    "sign-in-blocked",
    409,
    "the sign-in guard keeps exports from signing in as this user until an admin acts: nothing was sent",
    answers=(SignInBlocked,),
    members=lambda error: {"verdict": error.verdict},
)
SIGN_IN_REFUSED = ProblemType(
    "sign-in-refused",
    409,
    "Intacct refused the sign-in for a reason the customer must fix (`category`)",
    answers=(SignInFailed,),
    members=lambda error: {"category": error.category},
)
REQUEST_REFUSED = ProblemType(
    "request-refused",
    422,
    "Intacct refused the request as a whole (`category`): no function ran",
    answers=(RequestRefused,),
    members=lambda error: {"category": error.category},
)
INTACCT_UNAVAILABLE = ProblemType(
    "intacct-unavailable",
    503,
    "Intacct did not answer or is rate limiting; the same call may be sent again",
    retry_after=True,
    answers=(IntacctBusy,),
    members=lambda error: {"retry_after_seconds": error.retry_after_seconds, "category": error.category},
)
INTERNAL_ERROR = ProblemType("internal-error", 500, "something went wrong on our side")
TEMPORARILY_UNAVAILABLE = ProblemType(
    "temporarily-unavailable", 503, "an AWS service is busy; retry", retry_after=True
)

PROBLEM_TYPES = (
    BAD_REQUEST,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    ALREADY_CONNECTED,
    INVALID_STATE,
    CONCURRENT_MODIFICATION,
    COMPANY_CHANGE_NOT_CONFIRMED,
    VERIFICATION_IN_PROGRESS,
    SIGN_IN_IN_PROGRESS,
    REQUEST_IN_PROGRESS,
    IDEMPOTENCY_KEY_EXHAUSTED,
    PAYLOAD_TOO_LARGE,
    INVALID_INPUT,
    TOO_MANY_REFUSED_SIGN_INS,
    COMPANY_BUSY,
    SIGN_IN_BUDGET_SPENT,
    NOT_CONNECTED,
    REST_NEEDS_CLIENT_CREDENTIALS,
    SIGN_IN_BLOCKED,
    SIGN_IN_REFUSED,
    REQUEST_REFUSED,
    INTACCT_UNAVAILABLE,
    INTERNAL_ERROR,
    TEMPORARILY_UNAVAILABLE,
)
# Any route may answer these: no token reached the function, or AWS or our code failed.
EVERY_ROUTE_PROBLEMS = (UNAUTHORIZED, INTERNAL_ERROR, TEMPORARILY_UNAVAILABLE)

_BY_ERROR = {error: kind for kind in PROBLEM_TYPES for error in kind.answers}


def problem_for(error: DomainError) -> Problem:
    """The problem a domain error is answered with: that of its nearest ancestor in the table."""
    kind = next(_BY_ERROR[cls] for cls in type(error).__mro__ if cls in _BY_ERROR)
    return kind.for_error(error)
