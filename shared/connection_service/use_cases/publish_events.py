"""Publishes the status changes whose event failed when they were stored (see outbox.py)."""

from __future__ import annotations

from datetime import datetime

from .outbox import StatusEventOutbox


class PublishPendingEvents:
    def __init__(self, outbox: StatusEventOutbox) -> None:
        self._outbox = outbox

    def __call__(self, *, stored_before: datetime, limit: int = 200) -> tuple[int, int]:
        """Returns (published, still failing)."""
        return self._outbox.publish_pending(stored_before=stored_before, limit=limit)
