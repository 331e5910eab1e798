"""Mapping between domain objects and DynamoDB items (one table, keyed by tenant).

pk = TENANT#<tenant>   sk = CONNECTION#<id>                     the connection
pk = TENANT#<tenant>   sk = PROVIDER#sage_intacct               the tenant's one active connection
pk = TENANT#<tenant>   sk = HISTORY#<id>#<time>#<entry>         append-only history
pk = SIGNIN#<identity> sk = GUARD                               the sign-in guard of one Intacct user
                                                                (dynamodb_guard_store.py)
GSI "due": due_shard = DUE#<n>, next_check_at = <ISO time>      sparse: only connections the health
                                                                check should look at
           due_shard = OUTBOX, next_check_at = <ISO time>       history items whose status-change event
                                                                is not published yet (the outbox)
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ..connections.model import Connection, Health, HistoryEntry, Status, Trigger
from ..intacct import AuthMethod
from ..verification.requirements import RequiredPermission
from ..verification.result import CheckItem, CheckStatus, Entity

DUE_INDEX = "due"
DUE_SHARDS = 8
OUTBOX_SHARD = "OUTBOX"
Item = dict[str, Any]


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def connection_sk(connection_id: str) -> str:
    return f"CONNECTION#{connection_id}"


def provider_sk(provider: str) -> str:
    return f"PROVIDER#{provider}"


def history_prefix(connection_id: str) -> str:
    return f"HISTORY#{connection_id}#"


def due_shard(connection_id: str) -> str:
    digest = hashlib.sha256(connection_id.encode()).digest()
    return f"DUE#{digest[0] % DUE_SHARDS}"


def iso(value: datetime | None) -> str | None:
    # Fixed-width UTC text sorts like the time it stands for (the due index's sort key relies on it).
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value is not None else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _drop_none(item: Item) -> Item:
    return {key: value for key, value in item.items() if value is not None}


def connection_to_item(connection: Connection) -> Item:
    item: Item = {
        "pk": tenant_pk(connection.tenant_id),
        "sk": connection_sk(connection.id),
        "type": "connection",
        "id": connection.id,
        "tenant_id": connection.tenant_id,
        "provider": connection.provider,
        "status": connection.status.value,
        "reason": connection.reason,
        "health": connection.health.value,
        "health_reason": connection.health_reason,
        "message": connection.message,
        "checks": [check.as_dict() for check in connection.checks],
        "missing_permissions": [ref.as_dict() for ref in connection.missing_permissions],
        "company_id": connection.company_id,
        "entity_id": connection.entity_id,
        "user_id": connection.user_id,
        # Stored only for the second method: items written before it existed read as password connections.
        "auth_method": None
        if connection.auth_method is AuthMethod.PASSWORD
        else connection.auth_method.value,
        "secret_id": connection.secret_id,
        "secret_version": connection.secret_version,
        "credentials_version": connection.credentials_version,
        "created_at": iso(connection.created_at),
        "updated_at": iso(connection.updated_at),
        "last_verified_at": iso(connection.last_verified_at),
        "last_checked_at": iso(connection.last_checked_at),
        "last_check_started_at": iso(connection.last_check_started_at),
        "verifying_until": iso(connection.verifying_until),
        "verifying_by": connection.verifying_by.value if connection.verifying_by else None,
        "transient_failures": connection.transient_failures,
        "support_ids": list(connection.support_ids),
        "entities": [entity.as_dict() for entity in connection.entities],
        "ever_connected": connection.ever_connected,
        "accepted_fingerprints": list(connection.accepted_fingerprints),
        "legacy_accepted": connection.legacy_accepted or None,
        "version": connection.version,
    }
    if connection.next_check_at is not None:
        item["next_check_at"] = iso(connection.next_check_at)
        item["due_shard"] = due_shard(connection.id)
    return _drop_none(item)


def connection_from_item(item: Item) -> Connection:
    created_at = _time(item["created_at"])
    updated_at = _time(item["updated_at"])
    assert created_at is not None and updated_at is not None
    return Connection(
        id=str(item["id"]),
        tenant_id=str(item["tenant_id"]),
        provider=str(item.get("provider", "sage_intacct")),
        status=Status(item["status"]),
        reason=item.get("reason"),
        health=Health(item.get("health", Health.UNKNOWN.value)),
        health_reason=item.get("health_reason"),
        message=item.get("message"),
        checks=tuple(
            CheckItem(str(c["id"]), str(c["label"]), CheckStatus(c["status"]), c.get("remediation"))
            for c in item.get("checks", [])
        ),
        missing_permissions=tuple(
            RequiredPermission(str(p["application"]), str(p["activity"]), str(p["permission"]))
            for p in item.get("missing_permissions", [])
        ),
        company_id=item.get("company_id"),
        entity_id=item.get("entity_id"),
        user_id=item.get("user_id"),
        auth_method=AuthMethod(item.get("auth_method", AuthMethod.PASSWORD.value)),
        secret_id=item.get("secret_id"),
        secret_version=item.get("secret_version"),
        credentials_version=int(item.get("credentials_version", 0)),
        created_at=created_at,
        updated_at=updated_at,
        last_verified_at=_time(item.get("last_verified_at")),
        last_checked_at=_time(item.get("last_checked_at")),
        last_check_started_at=_time(item.get("last_check_started_at")),
        verifying_until=_time(item.get("verifying_until")),
        verifying_by=Trigger(item["verifying_by"]) if item.get("verifying_by") else None,
        next_check_at=_time(item.get("next_check_at")),
        transient_failures=int(item.get("transient_failures", 0)),
        support_ids=tuple(str(s) for s in item.get("support_ids", [])),
        entities=tuple(Entity(str(e["id"]), str(e["name"])) for e in item.get("entities", [])),
        ever_connected=bool(item.get("ever_connected", False)),
        accepted_fingerprints=tuple(str(fp) for fp in item.get("accepted_fingerprints", [])),
        legacy_accepted=_legacy_accepted(item),
        version=int(item.get("version", 0)),
    )


def history_sk(entry: HistoryEntry) -> str:
    return f"{history_prefix(entry.connection_id)}{iso(entry.at)}#{entry.entry_id}"


def history_to_item(entry: HistoryEntry) -> Item:
    """A history item; a status change also enters the outbox (the `due` index's OUTBOX partition) until
    its event is published, so an event the bus refused is published again by the next dispatcher run."""
    outbox = {"due_shard": OUTBOX_SHARD, "next_check_at": iso(entry.at)} if entry.is_status_change else {}
    return _drop_none(
        {
            "pk": tenant_pk(entry.tenant_id),
            "sk": history_sk(entry),
            "type": "history",
            "entry_id": entry.entry_id,
            **outbox,
            "connection_id": entry.connection_id,
            "tenant_id": entry.tenant_id,
            "at": iso(entry.at),
            "trigger": entry.trigger.value,
            "actor": entry.actor,
            "from_status": entry.from_status.value if entry.from_status else None,
            "to_status": entry.to_status.value,
            "reason": entry.reason,
            "detail": entry.detail,
            "credentials_version": entry.credentials_version,
            "sign_in": entry.sign_in,
        }
    )


def history_from_item(item: Item) -> HistoryEntry:
    at = _time(item["at"])
    assert at is not None
    return HistoryEntry(
        connection_id=str(item["connection_id"]),
        tenant_id=str(item["tenant_id"]),
        at=at,
        trigger=Trigger(item["trigger"]),
        actor=str(item["actor"]),
        from_status=Status(item["from_status"]) if item.get("from_status") else None,
        to_status=Status(item["to_status"]),
        reason=item.get("reason"),
        detail=item.get("detail"),
        credentials_version=int(item.get("credentials_version", 0)),
        sign_in=item.get("sign_in"),
        entry_id=str(item.get("entry_id") or str(item["sk"]).rsplit("#", 1)[-1]),
    )


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_wire(item: Item) -> dict[str, Any]:
    """An item in DynamoDB's typed JSON."""
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_wire(item: dict[str, Any]) -> Item:
    """An item read from DynamoDB, with its numbers as ints (the table stores no fractions)."""
    plain = {key: _deserializer.deserialize(value) for key, value in item.items()}
    return {key: int(value) if isinstance(value, Decimal) else value for key, value in plain.items()}


def put_if_version(client: Any, table: str, item: Item, *, expected_version: int) -> bool:
    """Puts `item` if the stored item's `version` is still `expected_version` (0: nothing stored yet).
    False when another writer came first; other errors raise."""
    condition: dict[str, Any] = (
        {"ConditionExpression": "attribute_not_exists(pk)"}
        if expected_version == 0
        else {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": to_wire({":expected": expected_version}),
        }
    )
    try:
        client.put_item(TableName=table, Item=to_wire(item), **condition)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _legacy_accepted(item: Item) -> bool:
    """An item stored before accepted fingerprints were kept: Connected with a checklist (which an edit
    clears) means Intacct accepted its current credentials; they count as accepted until judged again."""
    if "accepted_fingerprints" in item:
        return bool(item.get("legacy_accepted", False))
    return item.get("status") == Status.CONNECTED.value and bool(item.get("checks"))
