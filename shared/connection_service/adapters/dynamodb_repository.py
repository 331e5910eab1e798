"""ConnectionRepository on DynamoDB: conditional writes with a `version` attribute, history in the same
transaction, and a sparse sharded index for the health check's "due" query."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..connections.errors import AlreadyConnected, ConcurrentModification
from ..connections.model import PROVIDER, Connection, HistoryEntry
from ..connections.ports import DueConnection
from .dynamodb_items import (
    DUE_INDEX,
    DUE_SHARDS,
    OUTBOX_SHARD,
    Item,
    connection_from_item,
    connection_sk,
    connection_to_item,
    from_wire,
    history_from_item,
    history_prefix,
    history_sk,
    history_to_item,
    iso,
    provider_sk,
    tenant_pk,
    to_wire,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _cancelled(error: ClientError) -> bool:
    """Whether a write lost to another request: one of its conditions failed, or DynamoDB cancelled its
    transaction because another transaction was writing the same item (TransactionConflict, which botocore
    does not retry). Either way the caller re-reads and decides again (the concurrency rule)."""
    code = error.response.get("Error", {}).get("Code")
    if code in ("ConditionalCheckFailedException", "TransactionConflictException"):
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
    return not reasons or bool({"ConditionalCheckFailed", "TransactionConflict"} & set(reasons))


class DynamoDBConnectionRepository:
    due_shards = DUE_SHARDS

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, connection_id: str) -> Connection | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_wire({"pk": tenant_pk(tenant_id), "sk": connection_sk(connection_id)}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return connection_from_item(from_wire(item)) if item else None

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return [connection_from_item(item) for item in self._query_prefix(tenant_id, "CONNECTION#")]

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        return [
            history_from_item(item) for item in self._query_prefix(tenant_id, history_prefix(connection_id))
        ]

    def _query_prefix(self, tenant_id: str, prefix: str) -> Iterator[Item]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_wire({":pk": tenant_pk(tenant_id), ":prefix": prefix}),
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                yield from_wire(item)

    def create(self, connection: Connection, entry: HistoryEntry) -> None:
        lock = {
            "pk": tenant_pk(connection.tenant_id),
            "sk": provider_sk(connection.provider),
            "type": "provider",
            "connection_id": connection.id,
        }
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_wire(lock),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_wire(connection_to_item(connection)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Put": {"TableName": self._table, "Item": to_wire(history_to_item(entry))}},
        ]
        try:
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as error:
            if not _cancelled(error):
                raise
            existing = self._client.get_item(
                TableName=self._table,
                Key=to_wire({"pk": lock["pk"], "sk": lock["sk"]}),
                ConsistentRead=True,
            ).get("Item")
            if existing is None:
                raise ConcurrentModification() from None
            raise AlreadyConnected(str(from_wire(existing)["connection_id"])) from None

    def save(
        self,
        connection: Connection,
        *,
        expected_version: int,
        entry: HistoryEntry | None = None,
        release_provider: bool = False,
    ) -> Connection:
        stored = _with_version(connection, expected_version + 1)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_wire(connection_to_item(stored)),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": to_wire({":expected": expected_version}),
                }
            }
        ]
        if entry is not None:
            items.append({"Put": {"TableName": self._table, "Item": to_wire(history_to_item(entry))}})
        if release_provider:
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_wire({"pk": tenant_pk(connection.tenant_id), "sk": provider_sk(PROVIDER)}),
                        "ConditionExpression": "attribute_not_exists(pk) OR connection_id = :id",
                        "ExpressionAttributeValues": to_wire({":id": connection.id}),
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as error:
            if _cancelled(error):
                raise ConcurrentModification() from None
            raise
        return stored

    def due(self, now: datetime, *, shard: int) -> Iterator[DueConnection]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_shard = :shard AND next_check_at <= :now",
            ExpressionAttributeValues=to_wire({":shard": f"DUE#{shard}", ":now": iso(now)}),
        ):
            for raw in page.get("Items", []):
                item = from_wire(raw)
                yield DueConnection(
                    tenant_id=str(item["pk"]).removeprefix("TENANT#"),
                    connection_id=str(item["sk"]).removeprefix("CONNECTION#"),
                    company_id=str(item.get("company_id", "")),
                    next_check_at=datetime.fromisoformat(str(item["next_check_at"])),
                    due_since=datetime.fromisoformat(str(item.get("due_since") or item["next_check_at"])),
                )

    def pending_events(self, older_than: datetime) -> Iterator[HistoryEntry]:
        """Status changes whose event was not published yet (the outbox), oldest first."""
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_shard = :outbox AND next_check_at < :before",
            ExpressionAttributeValues=to_wire({":outbox": OUTBOX_SHARD, ":before": iso(older_than)}),
        ):
            for keys in page.get("Items", []):
                item = self._client.get_item(
                    TableName=self._table, Key={"pk": keys["pk"], "sk": keys["sk"]}, ConsistentRead=True
                ).get("Item")
                if item is not None:
                    yield history_from_item(from_wire(item))

    def append_history(self, entry: HistoryEntry) -> None:
        self._client.put_item(TableName=self._table, Item=to_wire(history_to_item(entry)))

    def mark_published(self, entry: HistoryEntry) -> None:
        """Takes a history item out of the outbox once its event is on the bus."""
        self._client.update_item(
            TableName=self._table,
            Key=to_wire({"pk": tenant_pk(entry.tenant_id), "sk": history_sk(entry)}),
            UpdateExpression="REMOVE due_shard, next_check_at",
            ConditionExpression="attribute_exists(pk)",
        )

    def claim(self, due: DueConnection, until: datetime) -> bool:
        """Moves a due connection's next check to `until` if nobody changed it since it was read.

        The version is left alone on purpose: a claim must not make an admin's concurrent edit fail.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_wire({"pk": tenant_pk(due.tenant_id), "sk": connection_sk(due.connection_id)}),
                # due_since survives claims, so the dispatcher's lag shows checks that never happen.
                UpdateExpression="SET next_check_at = :until, due_since = if_not_exists(due_since, :seen)",
                ConditionExpression="next_check_at = :seen",
                ExpressionAttributeValues=to_wire({":until": iso(until), ":seen": iso(due.next_check_at)}),
            )
        except ClientError as error:
            if _cancelled(error):  # changed meanwhile, or in a transaction with another request
                return False
            raise
        return True


def _with_version(connection: Connection, version: int) -> Connection:
    return replace(connection, version=version)
