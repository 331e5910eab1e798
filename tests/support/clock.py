"""A clock for tests that moves only when slept on (or set): waits measured on it take no real time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class FakeClock:
    """The wall clock (`clock()`, a UTC datetime a test may also set through `now`) and a monotonic one
    (`clock.monotonic()`, seconds, never set back), both moved forward by `sleep`. `after` stands for
    another party finishing while a caller waits: its action runs once a sleep reaches that moment."""

    def __init__(self, now: datetime = datetime(2026, 11, 28, 12, tzinfo=UTC)) -> None:
        self.now = now
        self._elapsed = 0.0
        self._scheduled: list[tuple[float, Callable[[], None]]] = []
        self._lock = threading.Lock()  # the race tests sleep on one clock from many threads

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds
            self.now += timedelta(seconds=seconds)
            due = [action for at, action in self._scheduled if at <= self._elapsed]
            self._scheduled = [(at, action) for at, action in self._scheduled if at > self._elapsed]
        for action in due:
            action()
        time.sleep(0)  # lets the other threads of a race test run, as a real sleep would

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        with self._lock:
            self._scheduled.append((self._elapsed + seconds, action))
