"""AWS failing under the service: throttled DynamoDB, an unavailable Secrets Manager, a refused event bus,
failed SQS sends. Each answer is a clear problem document (or the result with a DEGRADED health), never a
status flip on a transient fault, never a partial write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from connection_service import bootstrap
from tests.support.health import dispatch, drain
from tests.support.secrets import assert_every_secret_belongs_to_a_live_connection, tenant_secrets
from tests.support.stack import Stack


@contextmanager
def failing(
    service: str,
    operations: set[str],
    code: str,
    *,
    times: int = 1000,
    skip: int = 0,
    reasons: list[str] | None = None,
) -> Iterator[list[str]]:
    """Makes the named operations of one AWS service fail with `code` (after botocore's own retries),
    once `skip` matching calls went through; `reasons` are a cancelled transaction's reasons."""
    original = BaseClient._make_api_call
    failed: list[str] = []
    seen = [0]

    def call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == service and operation in operations:
            seen[0] += 1
            if seen[0] > skip and len(failed) < times:
                failed.append(operation)
                response: dict[str, Any] = {"Error": {"Code": code, "Message": "injected"}}
                if reasons:
                    response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
                raise ClientError(response, operation)  # type: ignore[arg-type]
        return original(self, operation, params)

    patcher = pytest.MonkeyPatch()
    patcher.setattr(BaseClient, "_make_api_call", call)
    try:
        yield failed
    finally:
        patcher.undo()


# What a failed request may touch: the lease it took and gave back (version and update time).
_BOOKKEEPING = ("version", "updated_at", "next_check_at", "sign_in_attempts_left")


def _state(stack: Stack, connection_id: str) -> dict[str, Any]:
    body = dict(stack.call("GET", f"/connections/{connection_id}").json)
    for bookkeeping in _BOOKKEEPING:
        body.pop(bookkeeping, None)
    return body


@pytest.mark.parametrize(
    ("service", "operations", "code", "verify_too"),
    [
        ("dynamodb", {"TransactWriteItems"}, "ProvisionedThroughputExceededException", True),
        ("dynamodb", {"GetItem"}, "ThrottlingException", True),
        ("secretsmanager", {"PutSecretValue", "DescribeSecret"}, "InternalServiceError", False),
        ("secretsmanager", {"GetSecretValue"}, "ThrottlingException", True),  # the sender secret too
        ("kms", {"GenerateMac"}, "ThrottlingException", True),
    ],
)
def test_a_busy_aws_is_a_503_and_changes_nothing(
    stack: Stack, service: str, operations: set[str], code: str, verify_too: bool
) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    bootstrap.reset()  # a cold function: nothing cached (the sender, fingerprints)
    before = _state(stack, connection_id)
    with failing(service, operations, code):
        replies = [stack.edit(connection_id, entity_id="US-EAST")]
        if verify_too:
            replies.append(stack.call("POST", f"/connections/{connection_id}/verify"))
    for reply in replies:
        assert reply.status == 503, reply.text
        assert reply.json["type"] == "/problems/temporarily-unavailable" and reply.headers["retry-after"]
    assert _state(stack, connection_id) == before  # no status flip, no half-saved credentials
    assert_every_secret_belongs_to_a_live_connection()
    again = stack.edit(connection_id, entity_id="US-EAST")  # and nothing stands in the way afterwards
    assert again.status == 200 and again.json["entity_id"] == "US-EAST", again.text


def test_a_refused_event_bus_never_fails_the_request(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    with failing("events", {"PutEvents"}, "InternalException"):
        edited = stack.edit(connection_id)
    assert edited.status == 200 and edited.json["status"] == "CONNECTED"
    assert "CONNECTED" not in [e["detail"]["new_status"] for e in stack.published_events()]
    dispatch(hours_ahead=0.1)  # the next dispatcher run (past the outbox's grace minute) publishes it
    assert "CONNECTED" in [e["detail"]["new_status"] for e in stack.published_events()]


def test_failed_sqs_sends_lose_no_check(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)
    with failing("sqs", {"SendMessage", "SendMessageBatch"}, "ServiceUnavailable"):
        report = dispatch()
    assert report.failed_sends == 1 and report.dispatched == 0
    assert dispatch(hours_ahead=3).dispatched == 1  # the claim runs out and the connection is due again
    assert drain(stack.resources.queue_url) == 1
    assert _state(stack, connection_id)["status"] == "CONNECTED"


@pytest.mark.parametrize("write", [1, 2, 3])  # taking the connection, recording, storing the result
def test_a_throttled_write_midway_gives_back_what_the_request_held(stack: Stack, write: int) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    with failing(
        "dynamodb",
        {"TransactWriteItems"},
        "TransactionCanceledException",
        skip=write - 1,
        times=1,
        reasons=["ThrottlingError"],
    ):
        throttled = stack.edit(connection_id, entity_id="US-EAST")
    assert throttled.status == 503, throttled.text
    again = stack.edit(connection_id, entity_id="US-EAST")  # no lease left behind, no attempt spent
    assert again.status == 200 and again.json["entity_id"] == "US-EAST", again.text
    assert again.json["sign_in_attempts_left"] == 2
    assert_every_secret_belongs_to_a_live_connection()


def test_a_first_save_that_cannot_be_recorded_leaves_no_password_readable_by_name(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    with failing(
        "dynamodb", {"TransactWriteItems"}, "ProvisionedThroughputExceededException", skip=1, times=1
    ):
        assert stack.edit(connection_id).status == 503
    secrets = boto3.client("secretsmanager")
    (secret,) = [s for s in secrets.list_secrets()["SecretList"] if connection_id in s["Name"]]
    assert secrets.get_secret_value(SecretId=secret["ARN"])["SecretString"] == "{}"
    assert stack.edit(connection_id).json["status"] == "CONNECTED"


@pytest.mark.parametrize(
    ("service", "operation"), [("secretsmanager", "DeleteSecret"), ("dynamodb", "TransactWriteItems")]
)
def test_a_disconnect_that_fails_midway_leaves_no_secret_to_a_disconnected_connection(
    stack: Stack, service: str, operation: str
) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)
    with failing(service, {operation}, "ThrottlingException"):
        assert stack.call("DELETE", f"/connections/{connection_id}").status == 503
    assert_every_secret_belongs_to_a_live_connection()  # the secret goes first, or not at all
    assert stack.call("DELETE", f"/connections/{connection_id}").status == 204  # the repeat finishes it
    assert all(secret.get("DeletedDate") for secret in tenant_secrets())
