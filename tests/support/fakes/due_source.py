"""The DueSource port in memory: due connections spread over shards, and a claim that can be lost on
demand (an edit or another dispatcher moved the connection's next check first)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from connection_service.connections.ports import DueConnection


class InMemoryDueSource:
    def __init__(self, due: list[DueConnection], *, shards: int = 2) -> None:
        self.due_shards = shards
        self._due = due
        self.taken_by_others: set[str] = set()  # connection ids whose claim is lost
        self.claims: dict[str, datetime] = {}

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]:
        for index, due in enumerate(self._due):
            if index % self.due_shards == shard and due.next_check_at <= now:
                yield due

    def claim(self, due: DueConnection, until: datetime) -> bool:
        if due.connection_id in self.taken_by_others or due.connection_id in self.claims:
            return False
        self.claims[due.connection_id] = until
        return True
