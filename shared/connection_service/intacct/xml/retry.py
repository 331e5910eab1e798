"""Retry policy: exponential backoff with full jitter and bounded attempts (inside a `Deadline`), and the one
loop every Intacct request is sent in, over XML or REST: nothing sent from a place a request of the same
work may still hold, nothing started without the time to finish, a request Intacct may still be running
never sent again, and a retry only where the protocol says the failure allows one."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..deadline import Deadline
from ..errors import Category, IntacctError, Level
from .transport import HttpAnswer

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a uniform pause in [0, min(max_delay, base·2^(attempt-1))]."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class Attempt:
    """What one HTTP attempt looked like, for metrics: never a body, never a credential."""

    control_id: str
    functions: tuple[str, ...]
    attempt: int
    http_status: int | None
    elapsed: float
    category: Category | None


class Attempts:
    """Sends one request as many times as its failures allow, inside its time limit."""

    # Below this much time left an attempt is not started: it could not finish and would only add load.
    MIN_ATTEMPT_SECONDS = 0.5

    def __init__(
        self,
        retry: RetryPolicy | None = None,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._sleep = sleep
        self._on_attempt = on_attempt

    def run(
        self,
        send: Callable[[float], HttpAnswer],
        read: Callable[[HttpAnswer], T],
        *,
        deadline: Deadline,
        control_id: str,
        names: tuple[str, ...],
        may_retry: Callable[[IntacctError], bool],
        retries_may_have_run: bool,
    ) -> tuple[T, int]:
        """The answer `read` makes of what `send` (given the seconds left) got, and the attempts it took.
        `may_retry`: the protocol's rule for a failure that is retryable at all; `retries_may_have_run`: that
        rule resends failures that may have been processed (then running out of time after a retry does not
        prove that nothing ran). Raises `IntacctError`."""
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
                    never_sent=True,
                )
                raise occupied
            if deadline.remaining() < self.MIN_ATTEMPT_SECONDS:
                spent = IntacctError(
                    Category.SERVICE_UNAVAILABLE,
                    level=Level.TRANSPORT,
                    detail=f"time budget of {deadline.seconds:.1f}s spent after {attempt - 1} attempt(s)",
                    attempts=attempt - 1,
                )
                # A sign-in is only ever retried after failures that prove it was not processed.
                spent.never_sent = attempt == 1 or not retries_may_have_run
                raise spent
            started = time.monotonic()
            http_status: int | None = None
            retry_after: float | None = None
            try:
                answer = send(deadline.remaining())
                http_status, retry_after = answer.status, answer.retry_after
                result = read(answer)
            except IntacctError as error:
                error.attempts = attempt
                error.retry_after = retry_after
                if error.may_still_run and deadline.place is not None:
                    deadline.place.left_running()
                self._record(control_id, names, attempt, http_status, started, error.category)
                pause = self._pause_before_retry(error, attempt, deadline, may_retry)
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
            return result, attempt

    def _pause_before_retry(
        self, error: IntacctError, attempt: int, deadline: Deadline, may_retry: Callable[[IntacctError], bool]
    ) -> float | None:
        """How long to wait before the next attempt, or None when the failure must not be retried."""
        if not error.category.retryable or attempt >= self._retry.max_attempts:
            return None
        if error.may_still_run:
            # Intacct may still be working on it: a resend would run beside it, one request more than the
            # company's limit (and, for a write, possibly twice). The caller decides what comes next.
            return None
        if not may_retry(error):
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
