"""The read-only use cases: what any member of a tenant may see. They need the repository and the sign-in
guard's state, and nothing that signs in, writes secrets or publishes events."""

from __future__ import annotations

from ..signin_guard import GuardReader
from .errors import ConnectionNotFound
from .model import Connection, HistoryEntry, Status
from .ports import ConnectionRepository


class ConnectionQueries:
    def __init__(self, repository: ConnectionRepository, guard: GuardReader) -> None:
        self._repository = repository
        self._guard = guard

    def get(self, tenant_id: str, connection_id: str) -> Connection:
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None:
            raise ConnectionNotFound()
        return connection

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return self._repository.list_for_tenant(tenant_id)

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        self.get(tenant_id, connection_id)
        return self._repository.history(tenant_id, connection_id)

    def sign_in_attempts_left(self, connection: Connection) -> int | None:
        """Sign-ins as the connection's Intacct user that may still be refused or go unanswered before the
        guard stops sending any (the last one is kept for the password that last worked)."""
        if (
            connection.status is Status.DISCONNECTED
            or connection.company_id is None
            or not connection.user_id
        ):
            return None
        return self._guard.attempts_left(connection.company_id, connection.user_id)
