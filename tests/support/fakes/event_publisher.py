"""The EventPublisher port, recording (and refusing on demand, like a bus that is down)."""

from __future__ import annotations

from connection_service.connections.ports import (
    StatusChanged,
)


class RecordingEventPublisher:
    def __init__(self) -> None:
        self.events: list[StatusChanged] = []
        self.refuse = False

    def publish_status_changed(self, event: StatusChanged) -> None:
        if self.refuse:
            raise ConnectionError("the bus is down")
        self.events.append(event)
