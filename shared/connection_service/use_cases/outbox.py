"""Status-change events, delivered at least once.

A status change and its history item are written in one transaction; the item stays in an outbox (the
`due` index's OUTBOX partition) until its event is on the bus. A failed publish is logged, never raised:
the caller still gets its answer and the next dispatcher run publishes the event.
"""

from __future__ import annotations

import itertools
import logging
from datetime import datetime

from ..connections.model import HistoryEntry
from ..connections.ports import ConnectionRepository, EventPublisher, StatusChanged

logger = logging.getLogger(__name__)


class StatusEventOutbox:
    def __init__(self, repository: ConnectionRepository, events: EventPublisher) -> None:
        self._repository = repository
        self._events = events

    def publish(self, entry: HistoryEntry) -> bool:
        """Publishes a stored status change and takes it out of the outbox; False if the bus refused it."""
        if not entry.is_status_change:
            return True
        try:
            self._events.publish_status_changed(
                StatusChanged(
                    event_id=entry.entry_id,
                    tenant_id=entry.tenant_id,
                    connection_id=entry.connection_id,
                    old_status=entry.from_status,
                    new_status=entry.to_status,
                    reason=entry.reason,
                    at=entry.at,
                    trigger=entry.trigger,
                )
            )
        except Exception as error:
            logger.error(
                "status change event not published; it stays in the outbox",
                extra={
                    "connection_id": entry.connection_id,
                    "to_status": entry.to_status.value,
                    "error_type": type(error).__name__,
                },
            )
            return False
        try:
            self._repository.mark_published(entry)
        except Exception as error:  # published: at worst the outbox sends it once more
            logger.warning(
                "event published but still in the outbox",
                extra={"connection_id": entry.connection_id, "error_type": type(error).__name__},
            )
        return True

    def publish_pending(self, *, stored_before: datetime, limit: int = 200) -> tuple[int, int]:
        """Publishes status changes whose event failed earlier, oldest first, at most `limit` per call so a
        long bus outage cannot eat the dispatcher's run. Entries stored after `stored_before` are left to
        the request that stored them. Returns (published, still failing)."""
        published = failing = 0
        for entry in itertools.islice(self._repository.pending_events(stored_before), limit):
            if self.publish(entry):
                published += 1
            else:
                failing += 1
        return published, failing
