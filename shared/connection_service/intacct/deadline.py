"""The limits of one piece of work at Intacct, shared by every attempt and round trip inside it (any
protocol's: the use cases hand one to the Intacct port): a wall-clock time limit, and the place the work
holds in its company's limit of requests in flight."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class RequestPlace(Protocol):
    """One place in an Intacct company's limit of requests in flight, held by one piece of work. A request
    Intacct may still be working on keeps its place taken after we stopped waiting for it; nothing else may
    be sent from that place meanwhile, or the company would see one request more than its limit."""

    @property
    def occupied(self) -> bool:
        """A request sent from this place may still be running at Intacct."""

    def left_running(self) -> None:
        """Records that a request sent from this place may still be running at Intacct (we stopped waiting:
        a read timeout, a connection lost after sending, a proxy's 504 or 524)."""


@dataclass
class Deadline:
    """A wall-clock time limit shared by every attempt of one piece of work, and the place it sends from
    (None: a caller that holds no place, such as a test talking to the client directly)."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    place: RequestPlace | None = None
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        return max(0.0, self.seconds - (self.clock() - self.started))

    def elapsed(self) -> float:
        return self.clock() - self.started

    def within(self, seconds: float) -> Deadline:
        """A limit of at most `seconds` from now for part of this work, sending from the same place."""
        return Deadline(min(seconds, self.remaining()), self.clock, self.place)

    def holding(self, place: RequestPlace | None) -> Deadline:
        """This same limit for requests sent from `place` (taken after the limit started: the wait for it
        came off the limit)."""
        held = Deadline(self.seconds, self.clock, place)
        held.started = self.started
        return held
