"""The RefusalQuota port in memory: the tenant's count of refused sign-ins per clock hour, like the DynamoDB
adapter's hourly items (the port's window rule, shared)."""

from __future__ import annotations

from datetime import datetime

from connection_service.connections.quota_window import until_next_window, window_start


class InMemoryRefusalQuota:
    def __init__(self, per_hour: int = 10) -> None:
        self.per_hour = per_hour
        self.by_hour: dict[tuple[str, datetime], int] = {}

    @property
    def counts(self) -> dict[str, int]:
        """Each tenant's refused sign-ins, all hours together."""
        totals: dict[str, int] = {}
        for (tenant_id, _), count in self.by_hour.items():
            totals[tenant_id] = totals.get(tenant_id, 0) + count
        return totals

    def retry_after(self, tenant_id: str, now: datetime) -> int | None:
        if self.by_hour.get((tenant_id, window_start(now)), 0) < self.per_hour:
            return None
        return until_next_window(now)

    def record(self, tenant_id: str, now: datetime) -> None:
        key = (tenant_id, window_start(now))
        self.by_hour[key] = self.by_hour.get(key, 0) + 1
