"""SlotStore on DynamoDB: one item per Intacct company in the connections table, written with a version
condition so two Lambdas can never both take a company's last free slot.

pk = SLOTS#<sha256 of the folded company ID>   sk = SLOTS
It holds tickets and times only (no tenant, no connection, no company name), and expires by TTL a day
after its last change: a slot outlives its holder by one call's time limit at most.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..company_limit import SlotConflict, Slots
from ..company_limit.rules import Waiter
from .dynamodb_items import from_wire, iso, put_if_version, to_wire

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

SLOTS_SK = "SLOTS"
KEPT = timedelta(days=1)


class DynamoDBSlotStore:
    def __init__(self, client: DynamoDBClient, table_name: str, *, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def load(self, company_key: str) -> Slots:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_wire({"pk": f"SLOTS#{company_key}", "sk": SLOTS_SK}),
            ConsistentRead=True,
        )
        raw = response.get("Item")
        if not raw:
            return Slots()
        item = from_wire(raw)
        return Slots(
            holders={str(t): datetime.fromisoformat(str(u)) for t, u in (item.get("holders") or {}).items()},
            waiters={
                str(t): Waiter(
                    datetime.fromisoformat(str(w["queued_at"])), datetime.fromisoformat(str(w["seen_at"]))
                )
                for t, w in (item.get("waiters") or {}).items()
            },
            version=int(item.get("version", 0)),
        )

    def save(self, company_key: str, slots: Slots, *, expected_version: int) -> Slots:
        stored = Slots(slots.holders, slots.waiters, expected_version + 1)
        item = {
            "pk": f"SLOTS#{company_key}",
            "sk": SLOTS_SK,
            "type": "company_slots",
            "holders": {t: iso(u) for t, u in stored.holders.items()},
            "waiters": {
                t: {"queued_at": iso(w.queued_at), "seen_at": iso(w.seen_at)}
                for t, w in stored.waiters.items()
            },
            "version": stored.version,
            "expiration": int((self._clock() + KEPT).timestamp()),
        }
        if not put_if_version(self._client, self._table, item, expected_version=expected_version):
            raise SlotConflict()
        return stored
