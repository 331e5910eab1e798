"""ConnectionStatusChanged events on an EventBridge bus: ids, statuses and reason only, never a secret."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..connections.ports import StatusChanged

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

EVENT_SOURCE = "expense-platform.intacct-connections"
DETAIL_TYPE = "ConnectionStatusChanged"


class EventPublishFailed(Exception):
    pass


def event_detail(event: StatusChanged) -> dict[str, str | None]:
    return {
        "event_id": event.event_id,
        "tenant_id": event.tenant_id,
        "connection_id": event.connection_id,
        "provider": "sage_intacct",
        "old_status": event.old_status.value if event.old_status else None,
        "new_status": event.new_status.value,
        "reason": event.reason,
        "trigger": event.trigger.value,
        "time": event.at.isoformat(),
    }


class EventBridgePublisher:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish_status_changed(self, event: StatusChanged) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(event_detail(event)),
                    "EventBusName": self._bus,
                    "Time": event.at,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            codes = [
                entry.get("ErrorCode") for entry in response.get("Entries", []) if entry.get("ErrorCode")
            ]
            raise EventPublishFailed(f"EventBridge refused the event: {codes}")
