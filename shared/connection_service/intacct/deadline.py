"""A wall-clock time limit for one piece of work, shared by every attempt and round trip inside it (any
protocol's: the use cases hand one to the Intacct port)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Deadline:
    """A wall-clock time limit shared by every attempt of one piece of work."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        return max(0.0, self.seconds - (self.clock() - self.started))

    def elapsed(self) -> float:
        return self.clock() - self.started
