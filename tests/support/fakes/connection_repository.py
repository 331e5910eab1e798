"""The ConnectionRepository and DueSource ports in memory: version-checked saves like the DynamoDB adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

from connection_service.connections.errors import (
    AlreadyConnected,
    ConcurrentModification,
)
from connection_service.connections.model import Connection, HistoryEntry, Status
from connection_service.connections.ports import (
    DueConnection,
)


class InMemoryConnectionRepository:
    """Version-checked saves like the DynamoDB adapter. `before_save` runs just before each save (a test
    can raise ConcurrentModification there, or change the stored item as a concurrent request would)."""

    due_shards = 1

    def __init__(self) -> None:
        self.connections: dict[tuple[str, str], Connection] = {}
        self.entries: list[HistoryEntry] = []
        self.published: set[str] = set()
        self.saves = 0
        self.before_save: Callable[[int, Connection], None] | None = None

    def get(self, tenant_id: str, connection_id: str) -> Connection | None:
        return self.connections.get((tenant_id, connection_id))

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return [c for (tenant, _), c in self.connections.items() if tenant == tenant_id]

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        return [e for e in self.entries if (e.tenant_id, e.connection_id) == (tenant_id, connection_id)]

    def create(self, connection: Connection, entry: HistoryEntry) -> None:
        for existing in self.list_for_tenant(connection.tenant_id):
            if existing.status is not Status.DISCONNECTED:
                raise AlreadyConnected(existing.id)
        self.connections[(connection.tenant_id, connection.id)] = connection
        self.entries.append(entry)

    def save(
        self,
        connection: Connection,
        *,
        expected_version: int,
        entry: HistoryEntry | None = None,
        release_provider: bool = False,
    ) -> Connection:
        self.saves += 1
        if self.before_save is not None:
            self.before_save(self.saves, connection)
        current = self.get(connection.tenant_id, connection.id)
        if current is None or current.version != expected_version:
            raise ConcurrentModification()
        stored = replace(connection, version=expected_version + 1)
        self.connections[(connection.tenant_id, connection.id)] = stored
        if entry is not None:
            self.entries.append(entry)
        return stored

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]:
        return iter(())

    def pending_events(self, older_than: datetime) -> Iterator[HistoryEntry]:
        return iter(
            e
            for e in self.entries
            if e.is_status_change and e.entry_id not in self.published and e.at < older_than
        )

    def mark_published(self, entry: HistoryEntry) -> None:
        self.published.add(entry.entry_id)

    def append_history(self, entry: HistoryEntry) -> None:
        self.entries.append(entry)
