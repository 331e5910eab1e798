"""The CheckQueue port: one for tests that dispatch nothing, one that records what was sent."""

from __future__ import annotations

from collections.abc import Sequence

from connection_service.connections.ports import (
    QueuedCheck,
)


class NoCheckQueue:
    def send(self, checks: Sequence[QueuedCheck]) -> int:
        raise AssertionError("this test dispatches no checks")


class RecordingCheckQueue:
    """Keeps what was sent, one list per send; `refuse` makes the queue accept nothing (SQS down)."""

    def __init__(self) -> None:
        self.sends: list[list[QueuedCheck]] = []
        self.refuse = False

    def send(self, checks: Sequence[QueuedCheck]) -> int:
        if self.refuse:
            return 0
        self.sends.append(list(checks))
        return len(checks)

    @property
    def checks(self) -> list[QueuedCheck]:
        return [check for send in self.sends for check in send]
