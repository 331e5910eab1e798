"""The Intacct XML gateway client: one request per call, safe retries inside a time limit.

Layers, as in the official SDKs: credentials (credentials.py) → request building (request.py, functions.py)
→ transport (transport.py) → response parsing and error classification (response.py, errors.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..credentials import LoginCredentials
from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from .credentials import SenderCredentials, SessionCredentials
from .endpoint import DEFAULT_ENDPOINT, validate_endpoint
from .functions import GatewayFunction
from .redaction import redact_xml
from .request import build_request, new_control_id
from .response import GatewayResponse, parse_response
from .retry import RetryPolicy
from .transport import HttpTransport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What one HTTP attempt looked like, for metrics: never a body, never a credential."""

    control_id: str
    functions: tuple[str, ...]
    attempt: int
    http_status: int | None
    elapsed: float
    category: Category | None


@dataclass(frozen=True)
class Exchange:
    """A completed request: the parsed response and how many HTTP attempts it took."""

    response: GatewayResponse
    attempts: int


class IntacctClient:
    # Below this much time left an attempt is not started: it could not finish and would only add load.
    MIN_ATTEMPT_SECONDS = 0.5

    def __init__(
        self,
        sender: SenderCredentials,
        *,
        endpoint_url: str = DEFAULT_ENDPOINT,
        transport: HttpTransport | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.sender = sender
        self.endpoint_url = validate_endpoint(endpoint_url)
        self._transport = transport or HttpTransport()
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._sleep = sleep
        self._on_attempt = on_attempt

    def __repr__(self) -> str:
        return f"IntacctClient(sender_id={self.sender.sender_id!r}, endpoint_url={self.endpoint_url!r})"

    def execute(
        self,
        auth: LoginCredentials | SessionCredentials,
        functions: Sequence[GatewayFunction],
        *,
        deadline: Deadline,
        transaction: bool = False,
        unique: bool = False,
    ) -> Exchange:
        """Sends one request (retrying only what is safe) and returns its results, each judged on its own.

        Raises `IntacctError` when the control or authentication level failed, or no answer came in time.
        """
        session_auth = isinstance(auth, SessionCredentials)
        url = validate_endpoint(auth.endpoint) if isinstance(auth, SessionCredentials) else self.endpoint_url
        control_id = new_control_id()
        body = build_request(
            self.sender, auth, functions, control_id=control_id, transaction=transaction, unique=unique
        )
        names = tuple(function.name for function in functions)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("intacct request", extra={"control_id": control_id, "body": redact_xml(body)})

        attempt = 0
        while True:
            attempt += 1
            if deadline.place is not None and deadline.place.occupied:
                # A request of this work may still be running at Intacct and holds its place in the
                # company's limit: another one now would be one more than the limit allows.
                occupied = IntacctError(
                    Category.SERVICE_UNAVAILABLE,
                    level=Level.TRANSPORT,
                    detail="a request of this work may still be running at Intacct",
                    attempts=attempt - 1,
                )
                occupied.never_sent = True
                raise occupied
            if deadline.remaining() < self.MIN_ATTEMPT_SECONDS:
                spent = IntacctError(
                    Category.SERVICE_UNAVAILABLE,
                    level=Level.TRANSPORT,
                    detail=f"time budget of {deadline.seconds:.1f}s spent after {attempt - 1} attempt(s)",
                    attempts=attempt - 1,
                )
                # A sign-in is only ever retried after failures that prove it was not processed.
                spent.never_sent = attempt == 1 or not session_auth
                raise spent
            started = time.monotonic()
            http_status: int | None = None
            retry_after: float | None = None
            try:
                answer = self._transport.post(url, body, time_left=deadline.remaining())
                http_status, retry_after = answer.status, answer.retry_after
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "intacct response", extra={"control_id": control_id, "body": redact_xml(answer.body)}
                    )
                response = parse_response(answer.status, answer.body, session_auth=session_auth)
            except IntacctError as error:
                error.attempts = attempt
                error.retry_after = retry_after
                if error.may_still_run and deadline.place is not None:
                    deadline.place.left_running()
                self._record(control_id, names, attempt, http_status, started, error.category)
                pause = self._pause_before_retry(error, attempt, session_auth, deadline, unique)
                if pause is None:
                    raise
                logger.info(
                    "intacct attempt failed, retrying",
                    extra={
                        "control_id": control_id,
                        "attempt": attempt,
                        "category": error.category.value,
                        "http_status": http_status,
                        "pause_seconds": round(pause, 3),
                    },
                )
                self._sleep(pause)
                continue
            self._record(control_id, names, attempt, http_status, started, None)
            return Exchange(response=response, attempts=attempt)

    def _pause_before_retry(
        self, error: IntacctError, attempt: int, session_auth: bool, deadline: Deadline, unique: bool
    ) -> float | None:
        """How long to wait before the next attempt, or None when the failure must not be retried."""
        if not error.category.retryable or attempt >= self._retry.max_attempts:
            return None
        if error.may_still_run:
            # Intacct may still be working on it: a resend would run beside it, one request more than the
            # company's limit (and, for a write, possibly twice). The caller decides what comes next.
            return None
        if (not session_auth or unique) and not error.not_processed:
            # The sign-in may have been processed (and refused) before this failure: a repeat could be a
            # second refused sign-in, and enough of them lock the customer's user. Writes likewise: uniqueid
            # only stops a function Intacct has completed, not one still running, so a write that may be
            # in progress is left to the caller to send again.
            return None
        pause = self._retry.backoff(attempt, self._rng)
        if error.retry_after is not None:
            pause = max(pause, error.retry_after)
        if pause + self.MIN_ATTEMPT_SECONDS > deadline.remaining():
            return None
        return pause

    def _record(
        self,
        control_id: str,
        names: tuple[str, ...],
        attempt: int,
        http_status: int | None,
        started: float,
        category: Category | None,
    ) -> None:
        record = Attempt(control_id, names, attempt, http_status, time.monotonic() - started, category)
        logger.info(
            "intacct exchange",
            extra={
                "control_id": control_id,
                "functions": list(names),
                "attempt": attempt,
                "http_status": http_status,
                "elapsed_ms": round(record.elapsed * 1000),
                "category": category.value if category else None,
            },
        )
        if self._on_attempt is not None:
            self._on_attempt(record)

    def close(self) -> None:
        self._transport.close()
