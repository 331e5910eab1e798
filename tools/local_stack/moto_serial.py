"""Makes moto's DynamoDB apply one request at a time, as DynamoDB applies each conditional write and
transaction atomically.

moto checks a condition and then writes, and a transaction copies the table to restore it on failure; with
concurrent requests another write can land in between (two "first" writes both succeed, a failed
transaction restores over someone else's write). One lock around every call of the backend makes a race
run locally mean what it would mean on AWS. Used by the local stack and the integration tests.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

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

    setattr(call, _MARK, True)
    return call


def serialise_dynamodb() -> None:
    """Wraps moto's DynamoDB backend methods in one process-wide lock (idempotent)."""
    for name in _METHODS:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, _MARK, False):
            setattr(DynamoDBBackend, name, _serialised(method))
