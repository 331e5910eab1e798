"""Connect Sage Intacct: the tenant's connection, awaiting credentials (one active connection per tenant)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..connections import transitions
from ..connections.model import Connection
from ..connections.ports import ConnectionRepository
from .outbox import StatusEventOutbox


class Connect:
    def __init__(
        self,
        repository: ConnectionRepository,
        outbox: StatusEventOutbox,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._clock = clock
        self._new_id = new_id

    def __call__(self, tenant_id: str, *, actor: str) -> Connection:
        connection, entry = transitions.open_connection(
            tenant_id, self._new_id(), now=self._clock(), actor=actor
        )
        self._repository.create(connection, entry)
        self._outbox.publish(entry)
        return connection
