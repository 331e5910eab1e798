"""Reading connections: what any member of a tenant may see. Needs the repository and the sign-in guard's
state, and nothing that signs in, writes secrets or publishes events."""

from __future__ import annotations

from ..connections.errors import ConnectionNotFound
from ..connections.model import Connection, HistoryEntry
from ..connections.ports import ConnectionRepository
from ..sign_in_guard import GuardReader
from .sign_in import attempts_left


def existing(repository: ConnectionRepository, tenant_id: str, connection_id: str) -> Connection:
    """The tenant's connection; another tenant's id is not found, exactly like an unknown one."""
    connection = repository.get(tenant_id, connection_id)
    if connection is None:
        raise ConnectionNotFound()
    return connection


class ReadConnections:
    def __init__(self, repository: ConnectionRepository, guard: GuardReader) -> None:
        self._repository = repository
        self._guard = guard

    def get(self, tenant_id: str, connection_id: str) -> Connection:
        return existing(self._repository, tenant_id, connection_id)

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return self._repository.list_for_tenant(tenant_id)

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        existing(self._repository, tenant_id, connection_id)
        return self._repository.history(tenant_id, connection_id)

    def sign_in_attempts_left(self, connection: Connection) -> int | None:
        return attempts_left(self._guard, connection)
