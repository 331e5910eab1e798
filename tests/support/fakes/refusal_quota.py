"""The RefusalQuota port in memory: the tenant's count of refused sign-ins per clock hour, like the DynamoDB
adapter's hourly items."""

from __future__ import annotations

from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


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
        if self.by_hour.get((tenant_id, _hour(now)), 0) < self.per_hour:
            return None
        return max(1, int((_hour(now) + WINDOW - now).total_seconds()) + 1)

    def record(self, tenant_id: str, now: datetime) -> None:
        key = (tenant_id, _hour(now))
        self.by_hour[key] = self.by_hour.get(key, 0) + 1
