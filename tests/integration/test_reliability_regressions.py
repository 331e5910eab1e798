"""Regressions of issue 9's findings: each failed (500, an orphaned or drifting secret, a replayed stale
answer) before its fix. Run against moto (serialised like DynamoDB) and the simulator."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jwt
import pytest

from connection_service import bootstrap
from connection_service.connections.model import Trigger
from connection_service.connections.ports import SecretRef, SecretStore
from connection_service.intacct import LoginCredentials
from local_stack.tokens import LOCAL_AUDIENCE, LOCAL_ISSUER
from tests.support.demo import DEMO_PASSWORD
from tests.support.logs import all_logs, rendered
from tests.support.secrets import assert_every_secret_belongs_to_a_live_connection, tenant_secrets
from tests.support.stack import TEST_KEY, Stack


class _ConflictingClient:
    """The table's client, whose chosen transact_write_items calls fail as DynamoDB fails a transaction
    that another transaction is writing at the same moment (TransactionConflict, not retried by botocore)."""

    def __init__(self, real: Any, fail_calls: set[int]) -> None:
        self._real = real
        self._fail_calls = fail_calls
        self.calls = 0

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls in self._fail_calls:
            raise self._real.exceptions.TransactionCanceledException(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
                },
                "TransactWriteItems",
            )
        return self._real.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextmanager
def conflicting_transactions(fail_calls: set[int]) -> Iterator[_ConflictingClient]:
    repository = bootstrap.use_cases().adapters.repository
    real = repository._client
    client = _ConflictingClient(real, fail_calls)
    repository._client = client  # type: ignore[assignment]
    try:
        yield client
    finally:
        repository._client = real


def test_a_transaction_conflict_when_storing_a_result_is_retried_not_a_500(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    with conflicting_transactions({3}) as client:  # lease, record, then the result: the result conflicts
        reply = stack.edit(connection_id)
    assert reply.status == 200 and reply.json["status"] == "CONNECTED", reply.text
    assert client.calls == 4
    assert stack.call("GET", f"/connections/{connection_id}").json["status"] == "CONNECTED"


def test_a_transaction_conflict_taking_the_connection_is_retried_on_the_fresh_item(stack: Stack) -> None:
    """Nothing the request read changed (no edit, no disconnect): it takes the connection as it is now."""
    connection_id = stack.connect()["id"]
    with conflicting_transactions({1}) as client:
        reply = stack.edit(connection_id)
    assert reply.status == 200 and reply.json["status"] == "CONNECTED", reply.text
    assert client.calls == 4  # the lease twice, the record, the result


def test_a_transaction_conflict_on_a_request_write_that_never_ends_is_a_409(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    with conflicting_transactions({1, 2, 3}):
        reply = stack.edit(connection_id)
    assert reply.status == 409 and reply.json["type"] == "/problems/concurrent-modification"
    assert stack.edit(connection_id).json["status"] == "CONNECTED"  # nothing half-done stands in the way


def assert_no_orphaned_secret(stack: Stack) -> None:
    assert stack is not None
    assert_every_secret_belongs_to_a_live_connection()


class _DisconnectBeforeWriting:
    """A secret store that lets a DELETE land just before the edit writes its secret."""

    def __init__(self, real: SecretStore, stack: Stack, connection_id: str) -> None:
        self._real = real
        self._stack = stack
        self._connection_id = connection_id
        self.deleted: list[int] = []

    def stage(self, tenant_id: str, connection_id: str, credentials: LoginCredentials) -> SecretRef:
        self.deleted.append(self._stack.call("DELETE", f"/connections/{self._connection_id}").status)
        return self._real.stage(tenant_id, connection_id, credentials)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize("first_save", [True, False])
def test_a_save_racing_a_disconnect_leaves_no_secret_behind(stack: Stack, first_save: bool) -> None:
    connection_id = stack.connect()["id"]
    if not first_save:
        assert stack.edit(connection_id).json["status"] == "CONNECTED"
    edit = bootstrap.use_cases().edit_credentials
    real = edit._secrets
    racing = _DisconnectBeforeWriting(real, stack, connection_id)
    edit._secrets = racing  # type: ignore[assignment]
    try:
        reply = stack.edit(connection_id)
    finally:
        edit._secrets = real
    assert racing.deleted == [204] and reply.status == 409, reply.text
    assert stack.call("GET", f"/connections/{connection_id}").json["status"] == "DISCONNECTED"
    assert all(secret.get("DeletedDate") for secret in tenant_secrets())
    assert_no_orphaned_secret(stack)


def test_concurrent_edits_never_leave_the_current_secret_version_drifting(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    entities = ["", "US-EAST", "US-WEST"]

    def edit(n: int) -> int:
        return stack.edit(connection_id, entity_id=entities[n % 3]).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(edit, range(20)))
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    assert_no_orphaned_secret(stack)
    assert stack.edit(connection_id, entity_id="US-WEST").status == 200
    # Read by name (as an export worker or an operator would), the secret is what the connection records.
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.secret_id is not None
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=stored.secret_id)
    assert json.loads(secret["SecretString"])["entity_id"] == stored.entity_id


def test_verify_racing_a_disconnect_is_a_409(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).status == 200
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.secret_id is not None
    # The disconnect has scheduled the secret's deletion but not yet marked the connection.
    boto3.client("secretsmanager").delete_secret(SecretId=stored.secret_id, RecoveryWindowInDays=7)
    verified = stack.call("POST", f"/connections/{connection_id}/verify")
    assert verified.status == 409 and verified.json["type"] == "/problems/invalid-state", verified.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/connections"),
        ("PUT", "/connections/{id}/credentials"),
        ("POST", "/connections/{id}/verify"),
    ],
)
@pytest.mark.parametrize("body", [b"[" * 16000, b"\xff\xfe{}", b'{"a": "\xc3"}'])
def test_unreadable_bodies_are_a_400_on_every_route_with_a_body(
    stack: Stack, method: str, path: str, body: bytes
) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.call(method, path.format(id=connection_id), raw=body)
    assert reply.status == 400 and reply.json["type"] == "/problems/bad-request", reply.text


def _token(claims: dict[str, Any]) -> str:
    now = int(time.time())
    base = {"iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE, "sub": "someone", "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, TEST_KEY, algorithm="HS256")


@pytest.mark.parametrize("tenant", ["tenA\n", None, True, 42, {"id": "tenA"}, ["tenA"], ""])
def test_a_tenant_claim_that_is_not_one_plain_name_is_refused(stack: Stack, tenant: object) -> None:
    reply = stack.call("GET", "/connections", token=_token({"tenant_id": tenant, "role": "admin"}))
    assert reply.status == 401, reply.text


def test_a_role_list_means_the_same_locally_and_deployed(stack: Stack) -> None:
    token = _token({"tenant_id": "acme", "role": ["finance", "admin"]})
    assert stack.call("POST", "/connections", {"provider": "sage_intacct"}, token=token).status == 201
    deployed = stack.emulator_with_claims({"tenant_id": "acme", "role": "[finance admin]", "sub": "x"})
    answer = deployed.invoke("GET", "/connections", {}, None)
    assert answer.status == 200


def test_concurrent_disconnects_both_answer_204(stack: Stack) -> None:
    for _ in range(5):
        path = f"/connections/{stack.connect()['id']}"
        stack.call(
            "PUT",
            f"{path}/credentials",
            {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD},
        )
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(lambda target: stack.call("DELETE", target).status, [path, path]))
        assert statuses == [204, 204]


def test_an_idempotency_key_reused_after_a_disconnect_connects_anew(stack: Stack) -> None:
    key = {"Idempotency-Key": "k-123"}
    first = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key)
    assert first.status == 201
    stack.edit(first.json["id"])
    replay = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key)
    assert (replay.status, replay.json["id"], replay.json["status"]) == (201, first.json["id"], "CONNECTED")
    assert stack.call("DELETE", f"/connections/{first.json['id']}").status == 204
    again = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key)
    assert again.status == 201 and again.json["id"] != first.json["id"]
    assert again.json["status"] == "AWAITING_CREDENTIALS"
    retried = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key)
    assert retried.json["id"] == again.json["id"]


def test_retry_after_for_a_running_verification_is_close_to_the_truth(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None
    # Another admin's verification holds the connection for its whole budget (24 s + margin)...
    leased = replace(
        stored, verifying_until=datetime.now(UTC) + timedelta(seconds=39), verifying_by=Trigger.MANUAL_VERIFY
    )
    bootstrap.use_cases().adapters.repository.save(leased, expected_version=stored.version)
    busy = stack.call("POST", f"/connections/{connection_id}/verify")
    assert busy.status == 409 and busy.json["type"] == "/problems/verification-in-progress"
    assert 1 <= int(busy.headers["retry-after"]) <= 3  # ...but verifications take about a second


def test_an_unexpected_error_logs_its_type_and_place_never_its_message(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError(f"boom with {DEMO_PASSWORD}")

    monkeypatch.setattr(bootstrap.use_cases().read, "list_for_tenant", explode)
    with all_logs() as records:
        reply = stack.call("GET", "/connections")
    assert reply.status == 500 and DEMO_PASSWORD not in reply.text
    lines = [rendered(record) for record in records if record.levelno >= logging.ERROR]
    assert lines and all(DEMO_PASSWORD not in line and "boom" not in line for line in lines)
    assert any("RuntimeError" in line and "explode" in line for line in lines)
