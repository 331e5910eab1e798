"""Where moto differs from AWS in ways our tests would notice, this makes it behave like AWS.

1. DynamoDB applies each conditional write and transaction atomically; moto checks a condition and then
   writes, and a transaction copies the table to restore it on failure, so with concurrent requests another
   write can land in between (two "first" writes both succeed, a failed transaction restores over someone
   else's write). One lock around every call of the backend makes a race run locally mean what it would
   mean on AWS.
2. Secrets Manager: moving the AWSCURRENT label with UpdateSecretVersionStage changes what a read by name
   returns; moto moves the label but keeps answering with the old version.

Used by the local stack and the integration tests.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
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

    setattr(call, _MARK, True)
    return call


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


def make_moto_behave_like_aws() -> None:
    """Applies both corrections to moto's backends (idempotent; in-process and server alike)."""
    for name in _METHODS:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, _MARK, False):
            setattr(DynamoDBBackend, name, _serialised(method))
    stage = SecretsManagerBackend.update_secret_version_stage
    if not getattr(stage, _MARK, False):
        SecretsManagerBackend.update_secret_version_stage = _current_follows_its_label(stage)  # type: ignore[method-assign]
