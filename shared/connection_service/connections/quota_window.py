"""The RefusalQuota port's window: a tenant's refused sign-ins count per clock hour, and a tenant past its
quota waits for the next hour. Every quota (DynamoDB's hourly items, the tests' in memory) keeps this rule."""

from __future__ import annotations

from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


def window_start(now: datetime) -> datetime:
    """The clock hour a refusal at `now` counts in."""
    return now.replace(minute=0, second=0, microsecond=0)


def until_next_window(now: datetime) -> int:
    """Seconds a tenant past its quota waits: to the next clock hour, rounded up."""
    return max(1, int((window_start(now) + WINDOW - now).total_seconds()) + 1)
