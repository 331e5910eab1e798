"""Disconnect: the connection is marked DISCONNECTED (history kept) and its secret deleted with a recovery
window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..connections import transitions
from ..connections.errors import ConcurrentModification
from ..connections.model import Connection, Status
from ..connections.ports import ConnectionRepository, SecretStore
from .outbox import StatusEventOutbox
from .read import existing

# A disconnect re-reads and tries again when the connection changed under it (a check storing its result).
DISCONNECT_ATTEMPTS = 5


class Disconnect:
    def __init__(
        self,
        repository: ConnectionRepository,
        secrets: SecretStore,
        outbox: StatusEventOutbox,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._outbox = outbox
        self._clock = clock

    def __call__(self, tenant_id: str, connection_id: str, *, actor: str) -> Connection:
        """Idempotent: a repeat, or a disconnect racing another one, answers the same and finishes a deletion
        an earlier attempt could not complete. A concurrent edit or verification does not stop it."""
        for _ in range(DISCONNECT_ATTEMPTS):
            connection = existing(self._repository, tenant_id, connection_id)
            if connection.status is Status.DISCONNECTED:
                if connection.secret_id is not None:
                    self._secrets.delete(connection.secret_id)
                return connection
            # The secret goes first: if the write below then fails, a repeat finishes it, and no secret is
            # ever left behind by a disconnected connection (an edit meanwhile finds it gone: 409).
            if connection.secret_id is not None:
                self._secrets.delete(connection.secret_id)
            changed, entry = transitions.disconnect(connection, now=self._clock(), actor=actor)
            try:
                stored = self._repository.save(
                    changed, expected_version=connection.version, entry=entry, release_provider=True
                )
            except ConcurrentModification:
                continue  # changed meanwhile (an edit, a check, another disconnect): decide again
            self._outbox.publish(entry)
            return stored
        raise ConcurrentModification()
