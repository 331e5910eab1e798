"""Where moto differs from AWS in ways our tests would notice, this makes it behave like AWS.

1. DynamoDB applies each conditional write and transaction atomically; moto checks a condition and then
   writes, and a transaction copies the table to restore it on failure, so with concurrent requests another
   write can land in between (two "first" writes both succeed, a failed transaction restores over someone
   else's write). One lock around every call of the backend makes a race run locally mean what it would
   mean on AWS.
2. moto's transaction deep-copies every table it touches before each transaction, to restore it on a
   failure: seconds per transaction and gigabytes of churn on a table of a few thousand items (the local
   stack grew to 6 GB). Under the lock above a transaction can check every condition first and write only
   when all hold, restoring just the items it touched if a write itself fails.
3. Secrets Manager: moving the AWSCURRENT label with UpdateSecretVersionStage changes what a read by name
   returns; moto moves the label but keeps answering with the old version.
4. Secrets Manager refuses new values and label moves on a secret scheduled for deletion
   (InvalidRequestException); moto accepts both, so an edit racing a disconnect would write a secret
   nobody owns.
5. moto keeps a reference to every model object it ever creates (for its server's dashboard, which we do
   not use): every DynamoDB item version, about 14 KB per write of a connection item, so a local stack
   under health checks grew about 1 MB a second. Objects are no longer tracked.

Used by the local stack and the integration tests.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.core.common_models import BaseModel
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.secretsmanager.exceptions import InvalidRequestException
from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend

_LOCK = threading.RLock()
_METHODS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "transact_get_items",
    "query",
    "scan",
    "batch_write_item",
    "batch_get_item",
)
_MARK = "_serialised_by_local_stack"


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return call


_TRANSACTION_OPS = ("ConditionCheck", "Put", "Delete", "Update")


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """All conditions first, then the writes: no table copy (see the module's note 2)."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    reasons: list[tuple[str | None, str | None, Any]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in _TRANSACTION_OPS:
            raise ValueError("Unsupported transaction operation")
        table = self.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        holds = condition is None or get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current)
        if holds:
            reasons.append((None, None, None))
        else:
            old = (
                current.to_json()["Attributes"]
                if current is not None and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                else None
            )
            reasons.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
        planned.append((op_type, op, key))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    # Copies: an Update changes moto's item in place, and the rollback must put back the item as it was.
    before = [
        (op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key))) for _, op, key in planned
    ]
    try:
        for op_type, op, key in planned:
            names, values = (
                op.get("ExpressionAttributeNames") or {},
                op.get("ExpressionAttributeValues") or {},
            )
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key)
            elif op_type == "Update":
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for table_name, key, item in before:  # all or nothing: put back what this transaction touched
            if item is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, item.to_json()["Attributes"])
        raise


def _current_follows_its_label(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def update_secret_version_stage(
        self: SecretsManagerBackend,
        secret_id: str,
        version_stage: str,
        remove_from_version_id: str,
        move_to_version_id: str,
    ) -> Any:
        answer = method(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            secret = self.secrets[secret_id]
            if isinstance(secret, FakeSecret):
                secret.set_default_version_id(move_to_version_id)
        return answer

    setattr(update_secret_version_stage, _MARK, True)
    return update_secret_version_stage


def _refused_once_deleted(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(self: SecretsManagerBackend, secret_id: str, *args: Any, **kwargs: Any) -> Any:
        secret = self.secrets.get(secret_id) if secret_id in self.secrets else None
        if isinstance(secret, FakeSecret) and secret.is_deleted():
            raise InvalidRequestException(
                "You can't perform this operation on the secret because it was marked for deletion."
            )
        return method(self, secret_id, *args, **kwargs)

    setattr(write, _MARK, True)
    return write


def _new_untracked(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    return super(BaseModel, cls).__new__(cls)  # what BaseModel.__new__ does, minus keeping a reference


def make_moto_behave_like_aws() -> None:
    """Applies the corrections to moto's backends (idempotent; in-process and server alike)."""
    BaseModel.__new__ = staticmethod(_new_untracked)  # type: ignore[method-assign]
    if not getattr(DynamoDBBackend.transact_write_items, _MARK, False):
        setattr(_transact_write_items, _MARK, True)
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name in _METHODS:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, "_serialised", False):
            serialised = _serialised(method)
            serialised._serialised = True  # type: ignore[attr-defined]
            setattr(DynamoDBBackend, name, serialised)
    stage = SecretsManagerBackend.update_secret_version_stage
    if not getattr(stage, _MARK, False):
        stage = _refused_once_deleted(_current_follows_its_label(stage))
        SecretsManagerBackend.update_secret_version_stage = stage  # type: ignore[method-assign]
    put = SecretsManagerBackend.put_secret_value
    if not getattr(put, _MARK, False):
        SecretsManagerBackend.put_secret_value = _refused_once_deleted(put)  # type: ignore[method-assign]
