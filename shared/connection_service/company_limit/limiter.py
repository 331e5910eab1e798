"""Asking for one of a company's slots before talking to Intacct, waiting in turn up to a limit."""

from __future__ import annotations

import hashlib
import logging
import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from ..intacct import fold_id
from .ports import SlotConflict, SlotStore
from .rules import Slots

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.01  # between two looks at a company's slots while waiting (jittered: 5 to 15 ms)
HEARTBEAT = timedelta(seconds=1)  # a waiter tells the others it is still there this often
RELEASE_ATTEMPTS = 5
DEFAULT_LEFT_RUNNING = timedelta(seconds=120)


class CompanyBusy(Exception):
    """No slot came free within the wait: the company has its limit of requests in flight."""

    def __init__(self, waited_seconds: float) -> None:
        self.waited_seconds = waited_seconds
        super().__init__(f"the company's Intacct requests stayed at the limit for {waited_seconds:.1f}s")


def company_key(company_id: str) -> str:
    """One key for every spelling of a company, by the rule the sign-in guard counts its users by."""
    return hashlib.sha256(fold_id(company_id).encode()).hexdigest()


class Slot:
    """One request slot held for a company; released on leaving the `with` block (or by itself at its
    end, if the Lambda dies). A request sent from it that Intacct may still be running keeps it taken
    after the block, until Intacct is taken to have finished with it (the limiter's `left_running_for`)."""

    def __init__(self, limiter: CompanyLimiter, key: str, ticket: str) -> None:
        self._limiter = limiter
        self._key = key
        self._ticket = ticket
        self._left_running_at: datetime | None = None

    @property
    def occupied(self) -> bool:
        return self._left_running_at is not None

    def left_running(self) -> None:
        if self._left_running_at is None:
            self._left_running_at = self._limiter.now()

    def __enter__(self) -> Slot:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._left_running_at is None:
            self._limiter.release(self._key, self._ticket)
        else:
            self._limiter.keep(
                self._key, self._ticket, self._left_running_at + self._limiter.left_running_for
            )


class CompanyLimiter:
    def __init__(
        self,
        store: SlotStore,
        *,
        limit: int,
        clock: Callable[[], datetime],
        left_running_for: timedelta = DEFAULT_LEFT_RUNNING,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("a company's limit of requests in flight must be at least 1")
        self._store = store
        self.limit = limit
        # How long Intacct is taken to keep working on a request we stopped waiting for: its slot stays
        # taken that long (IntacctLostRequestSeconds; Intacct documents up to 15 minutes for one).
        self.left_running_for = left_running_for
        self._clock = clock
        # Waits are measured on `monotonic` and spent in `sleep` (a test's fake clock takes no real time).
        self._monotonic = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def now(self) -> datetime:
        return self._clock()

    def acquire(self, company_id: str, *, hold_seconds: float, wait_seconds: float) -> Slot:
        """A slot for `hold_seconds` at most (plus `left_running_for`, should the Lambda die with a request
        out); raises CompanyBusy after `wait_seconds` without one."""
        key, ticket = company_key(company_id), uuid.uuid4().hex
        started = self._monotonic()
        last_seen: datetime | None = None
        while True:
            now = self._clock()
            slots = self._store.load(key)
            until = now + timedelta(seconds=hold_seconds) + self.left_running_for
            taken = slots.take(ticket, now=now, limit=self.limit, until=until)
            try:
                if taken is not None:
                    self._store.save(key, taken, expected_version=slots.version)
                    return Slot(self, key, ticket)
                if self._monotonic() - started >= wait_seconds:
                    if last_seen is not None:
                        self.release(key, ticket)  # leave the queue: the others need not wait for us
                    raise CompanyBusy(self._monotonic() - started)
                if last_seen is None or now - last_seen >= HEARTBEAT:
                    self._store.save(key, slots.wait(ticket, now=now), expected_version=slots.version)
                    last_seen = now
            except SlotConflict:
                continue  # someone else wrote first (or our write landed unanswered): look again at once
            except Exception:
                self.release(key, ticket)  # a write may have landed: never leave a slot nobody holds
                raise
            self._sleep(POLL_SECONDS * (0.5 + self._rng.random()))

    def release(self, key: str, ticket: str) -> None:
        """Gives the slot (or the place in the queue) back. Best effort: a slot not given back ends by
        itself at its time limit."""
        self._write_back(key, ticket, lambda slots: slots.without(ticket))

    def keep(self, key: str, ticket: str, until: datetime) -> None:
        """Keeps the slot taken until `until` (a request sent from it may still be running at Intacct),
        never longer than it was taken for. Best effort: otherwise it ends at its time limit anyway."""
        self._write_back(key, ticket, lambda slots: slots.held_until(ticket, until))

    def _write_back(self, key: str, ticket: str, change: Callable[[Slots], Slots]) -> None:
        for _ in range(RELEASE_ATTEMPTS):
            try:
                slots = self._store.load(key)
                if ticket not in slots.holders and ticket not in slots.waiters:
                    return
                self._store.save(key, change(slots), expected_version=slots.version)
                return
            except SlotConflict:
                self._sleep(POLL_SECONDS * self._rng.random())
                continue
            except Exception as error:
                logger.warning("company slot not given back", extra={"error_type": type(error).__name__})
                return
        logger.warning("company slot not given back: its item kept changing; it ends by itself")
