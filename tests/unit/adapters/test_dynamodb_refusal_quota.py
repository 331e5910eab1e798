"""The RefusalQuota port's contract, kept by the DynamoDB adapter and the in-memory fake alike: a tenant's
refused sign-ins are counted per clock hour, and past the quota it waits for the next hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connection_service.adapters.dynamodb_refusal_quota import DynamoDBRefusalQuota
from connection_service.connections.ports import RefusalQuota
from tests.support.fakes import InMemoryRefusalQuota

from .conftest import MEMORY, ON_AWS

PER_HOUR = 3
AT = datetime(2026, 11, 28, 12, 45, tzinfo=UTC)


@pytest.fixture(params=[MEMORY, ON_AWS])
def quota(request: pytest.FixtureRequest) -> RefusalQuota:
    if request.param == MEMORY:
        return InMemoryRefusalQuota(per_hour=PER_HOUR)
    resources = request.getfixturevalue("aws")
    return DynamoDBRefusalQuota(boto3.client("dynamodb"), resources.table_name, per_hour=PER_HOUR)


def test_past_the_quota_a_tenant_waits_for_the_next_hour(quota: RefusalQuota) -> None:
    for _ in range(PER_HOUR - 1):
        quota.record("acme", AT)
    assert quota.retry_after("acme", AT) is None
    quota.record("acme", AT)
    assert quota.retry_after("acme", AT) == 15 * 60 + 1  # until 13:00, rounded up
    assert quota.retry_after("globex", AT) is None  # each tenant its own count
    assert quota.retry_after("acme", AT + timedelta(minutes=15)) is None  # a new hour, a new count
