"""The RefusalQuota port in memory: the tenant's hourly count of refused sign-ins."""

from __future__ import annotations

from datetime import datetime


class InMemoryRefusalQuota:
    def __init__(self, per_hour: int = 10) -> None:
        self.per_hour = per_hour
        self.counts: dict[str, int] = {}

    def retry_after(self, tenant_id: str, now: datetime) -> int | None:
        return 3600 if self.counts.get(tenant_id, 0) >= self.per_hour else None

    def record(self, tenant_id: str, now: datetime) -> None:
        self.counts[tenant_id] = self.counts.get(tenant_id, 0) + 1
