"""RefusalQuota on DynamoDB: one counter item per tenant and clock hour, added to atomically, gone by TTL.

pk = TENANT#<tenant>   sk = SIGNIN-REFUSALS#<YYYY-MM-DDTHH>   count, expiration
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..connections.quota_window import WINDOW, until_next_window, window_start
from .dynamodb_items import from_wire, tenant_pk, to_wire

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def _key(tenant_id: str, now: datetime) -> dict[str, str]:
    return {"pk": tenant_pk(tenant_id), "sk": f"SIGNIN-REFUSALS#{window_start(now):%Y-%m-%dT%H}"}


class DynamoDBRefusalQuota:
    def __init__(self, client: DynamoDBClient, table_name: str, *, per_hour: int) -> None:
        self._client = client
        self._table = table_name
        self.per_hour = per_hour

    def retry_after(self, tenant_id: str, now: datetime) -> int | None:
        item = self._client.get_item(
            TableName=self._table, Key=to_wire(_key(tenant_id, now)), ConsistentRead=True
        ).get("Item")
        count = int(from_wire(item).get("count", 0)) if item else 0
        if count < self.per_hour:
            return None
        return until_next_window(now)

    def record(self, tenant_id: str, now: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=to_wire(_key(tenant_id, now)),
            UpdateExpression="ADD #count :one SET expiration = :expiration",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues=to_wire(
                {":one": 1, ":expiration": int((window_start(now) + 2 * WINDOW).timestamp())}
            ),
        )
