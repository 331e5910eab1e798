"""GuardStore on DynamoDB: one item per Intacct identity in the connections table, written with a version
condition so two Lambdas can never both spend an identity's last sign-in attempt.

pk = SIGNIN#<sha256 of company and user>   sk = GUARD
The item names the identity (company and user IDs, folded) for operators and nothing else: no tenant, no
connection, no password — only keyed fingerprints. Only a clean state (nothing counts against the user)
expires by TTL ("expiration"), 30 days after its last change; an item with strikes or remembered passwords
is kept until a successful sign-in cleans it: time alone never re-arms a budget.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..sign_in_guard import GuardConflict, GuardState, Identity, Pending
from .dynamodb_items import Item, from_wire, iso, put_if_version, to_wire

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

GUARD_SK = "GUARD"
CLEAN_STATE_KEPT = timedelta(days=30)


def guard_pk(identity: Identity) -> str:
    return f"SIGNIN#{identity.key}"


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _times(values: Any) -> dict[str, datetime]:
    return {str(fp): datetime.fromisoformat(str(at)) for fp, at in (values or {}).items()}


def state_to_item(identity: Identity, state: GuardState) -> Item:
    updated_at = state.updated_at
    assert updated_at is not None, "a stored guard state always has a change time"
    clean = not (
        state.strikes
        or state.pending
        or state.refused
        or state.unanswered
        or state.extra_attempts
        or state.token_holder  # a holder keeps the user's client credentials for as long as it lives
    )
    item: Item = {
        "pk": guard_pk(identity),
        "sk": GUARD_SK,
        "type": "sign_in_guard",
        "company_id": identity.company_id,
        "user_id": identity.user_id,
        "strikes": state.strikes,
        "refused": {fp: iso(at) for fp, at in state.refused.items()},
        "unanswered": {fp: iso(at) for fp, at in state.unanswered.items()},
        "extra_attempts": state.extra_attempts,
        "updated_at": iso(updated_at),
        "version": state.version,
    }
    if clean:
        item["expiration"] = int((updated_at + CLEAN_STATE_KEPT).timestamp())
    optional = {
        "known_good": state.known_good,
        "last_success_at": iso(state.last_success_at),
        "last_confirmation_at": iso(state.last_confirmation_at),
        "token_holder": state.token_holder,
    }
    item.update({key: value for key, value in optional.items() if value is not None})
    if state.pending is not None:
        item["pending"] = {
            "lease_id": state.pending.ticket,  # stored under its first name: items stay readable
            "fingerprint": state.pending.fingerprint,
            "started_at": iso(state.pending.started_at),
            "until": iso(state.pending.until),
        }
    return item


def state_from_item(item: Item) -> GuardState:
    raw_pending = item.get("pending")
    pending = None
    if raw_pending:
        started_at, until = _time(raw_pending["started_at"]), _time(raw_pending["until"])
        assert started_at is not None and until is not None
        pending = Pending(str(raw_pending["lease_id"]), str(raw_pending["fingerprint"]), started_at, until)
    return GuardState(
        strikes=int(item.get("strikes", 0)),
        refused=_times(item.get("refused")),
        unanswered=_times(item.get("unanswered")),
        known_good=item.get("known_good"),
        last_success_at=_time(item.get("last_success_at")),
        extra_attempts=int(item.get("extra_attempts", 0)),
        last_confirmation_at=_time(item.get("last_confirmation_at")),
        pending=pending,
        token_holder=item.get("token_holder"),
        updated_at=_time(item.get("updated_at")),
        version=int(item.get("version", 0)),
    )


class DynamoDBGuardStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def load(self, identity: Identity) -> GuardState:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_wire({"pk": guard_pk(identity), "sk": GUARD_SK}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return state_from_item(from_wire(item)) if item else GuardState()

    def save(self, identity: Identity, state: GuardState, *, expected_version: int) -> GuardState:
        stored = replace(state, version=expected_version + 1)
        if not put_if_version(
            self._client, self._table, state_to_item(identity, stored), expected_version=expected_version
        ):
            raise GuardConflict()
        return stored
