"""Least privilege, proven by running the code: every AWS action a function's policy grants is one its code
calls, and every call its code makes is granted.

Each function runs through the paths that reach AWS (happy path, wrong password, a blocked sign-in, a
replayed or failed idempotent connect, an outbox republish, a health check); every botocore call made while
a handler runs is recorded against that function and turned into the IAM actions it needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from connection_service import bootstrap
from connection_service.adapters.event_publisher import EventBridgePublisher
from connection_service.health.runner import OUTBOX_GRACE
from local_stack import api_gateway, health_loop
from local_stack.cfn_template import load_template
from local_stack.health_loop import DISPATCHER, LambdaContext, scheduler_event
from tests.infrastructure.helpers import ROOT, actions, functions, policy_statements
from tests.support.health import drain
from tests.support.stack import Stack


class _Current:
    """The function whose handler is running (tests run handlers one at a time; handlers may use threads)."""

    function: str | None = None


_current = _Current()

# Actions a service performs on the function's behalf (not calls of its code): the event source mapping
# polls the health queue; Secrets Manager uses the service key for the secret values it reads or writes.
_ON_BEHALF: dict[str, set[str]] = {
    "secretsmanager:GetSecretValue": {"kms:Decrypt"},
    "secretsmanager:PutSecretValue": {"kms:GenerateDataKey", "kms:Decrypt"},
    "secretsmanager:CreateSecret": {"kms:GenerateDataKey", "kms:Decrypt", "secretsmanager:TagResource"},
}
_EVENT_SOURCE = {
    "HealthWorkerFunction": {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    }
}
_TRANSACTION_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _iam_actions(client: BaseClient, operation: str, params: dict[str, Any]) -> set[str]:
    prefix = client.meta.service_model.signing_name
    if operation == "TransactWriteItems":
        return {_TRANSACTION_ITEMS[kind] for item in params["TransactItems"] for kind in item}
    if operation == "SendMessageBatch":
        return {"sqs:SendMessage"}  # IAM authorises a batch as SendMessage
    action = f"{prefix}:{operation}"
    return {action} | _ON_BEHALF.get(action, set())


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    calls: dict[str, set[str]] = defaultdict(set)
    original = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        function = getattr(_current, "function", None)
        if function is not None:
            calls[function] |= _iam_actions(self, operation, params)
        return original(self, operation, params)

    def attributed(load: Callable[..., Any]) -> Callable[..., Any]:
        def loader(*args: Any, **kwargs: Any) -> Any:
            handler = load(*args, **kwargs)

            def run(event: dict[str, Any], context: LambdaContext) -> Any:
                bootstrap.reset()  # a cold process each time: nothing cached by another function's call
                _current.function = context.function_name
                try:
                    return handler(event, context)
                finally:
                    _current.function = None

            return run

        return loader

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    monkeypatch.setattr(api_gateway, "load_handler", attributed(api_gateway.load_handler))
    monkeypatch.setattr(health_loop, "load_handler", attributed(health_loop.load_handler))
    return calls


def _exercise_every_function(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    key = {"Idempotency-Key": "iam-1"}
    connection_id = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key).json["id"]
    stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=key)  # replayed
    stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers={"Idempotency-Key": "iam-2"})
    stack.edit(connection_id, user_password="wrong-1")  # refused: the tenant's quota counts it
    stack.edit(connection_id)  # connected: a new secret version made current
    _export(connection_id)  # a worker's call: the connection, the guard, the secrets, a fingerprint
    _switch_to_client_credentials_in_each_function(stack, monkeypatch)
    stack.call("POST", f"/connections/{connection_id}/verify")
    for path in ("/connections", f"/connections/{connection_id}", f"/connections/{connection_id}/history"):
        stack.call("GET", path)
    # A status change whose event the bus refused: the dispatcher republishes it from the outbox.
    with monkeypatch.context() as patch:
        patch.setattr(EventBridgePublisher, "publish_status_changed", _refuse)
        stack.simulator_control("POST", f"{_USER}/revoke", _PROJECTS_VIEW)
        stack.call("POST", f"/connections/{connection_id}/verify")
    stack.simulator_control("POST", f"{_USER}/grant", _PROJECTS_VIEW)
    stack.call("POST", f"/connections/{connection_id}/verify")  # a status change, published
    _run_dispatcher(monkeypatch, hours_ahead=2)
    stack.simulator_control("POST", f"{_USER}/revoke", _PROJECTS_VIEW)
    drain(stack.resources.queue_url)  # the worker's health check finds the lost right
    stack.simulator_control("POST", f"{_USER}/grant", _PROJECTS_VIEW)
    stack.call("POST", f"/connections/{connection_id}/verify")  # connected again
    stack.simulator_control("PATCH", _USER, {"password": "Rotated-3!"})
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)
    _export(connection_id, expect_ok=False)  # refused: recorded on the connection, its event published
    stack.call("DELETE", f"/connections/{connection_id}")


_APP = "/_sim/companies/DEMO-CO/client-applications/ExpenseInREST-Demo"
_CLIENT_CREDENTIALS = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses"}


def _switch_to_client_credentials_in_each_function(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password a switch leaves unused is deleted by the admin's edit or verify that proves the new
    method (never by the health check)."""

    def switched(tenant: str) -> str:
        connection_id = stack.connect(tenant)["id"]
        stack.edit(connection_id, tenant=tenant)
        stack.call("PUT", f"/connections/{connection_id}/credentials", _CLIENT_CREDENTIALS, tenant=tenant)
        return connection_id

    edited = switched("iam-edit")  # connected at once: the edit deletes the password
    stack.call("DELETE", f"/connections/{edited}", tenant="iam-edit")  # lets go of the user for the next
    stack.simulator_control("DELETE", f"{_APP}/users/ws_expenses", None)
    verified = switched("iam-verify")  # refused until the user is linked; then an admin's verify
    stack.simulator_control("PUT", f"{_APP}/users/ws_expenses", None)
    stack.call("POST", f"/connections/{verified}/verify", tenant="iam-verify")
    stack.call("DELETE", f"/connections/{verified}", tenant="iam-verify")
    offline = {"kind": "http_503", "always": True, "auth": "token_request"}
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", offline)
    checked = switched("iam-check")  # could not complete: the scheduled check connects it, and keeps the
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)  # password for an admin
    _run_dispatcher(monkeypatch, hours_ahead=2)
    drain(stack.resources.queue_url)
    assert stack.call("GET", f"/connections/{checked}", tenant="iam-check").json["status"] == "CONNECTED"
    listed = boto3.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]
    assert [secret["Name"] for secret in listed if "/tenant/iam-" in secret["Name"]] == [
        f"{stack.resources.secret_prefix}tenant/iam-check/connection/{checked}"
    ]


def _export(connection_id: str, *, expect_ok: bool = True) -> None:
    export = api_gateway.load_handler(ROOT / "functions" / "export", "app.handler")  # the recording loader
    query = {
        "control_id": "q",
        "xml": "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>",
    }
    event = {"tenant_id": "acme", "connection_id": connection_id, "functions": [query]}
    assert export(event, LambdaContext("ExportFunction", 60))["ok"] is expect_ok


_USER = "/_sim/companies/DEMO-CO/users/ws_expenses"
_PROJECTS_VIEW = {"application": "Projects", "activity": "Projects", "permission": "View"}


def _refuse(*_: object) -> None:
    raise ConnectionError("the bus is down")


def _run_dispatcher(monkeypatch: pytest.MonkeyPatch, *, hours_ahead: float) -> None:
    from datetime import UTC, datetime, timedelta

    from connection_service.health import runner

    later = datetime.now(UTC) + timedelta(hours=hours_ahead) + OUTBOX_GRACE
    with monkeypatch.context() as patch:
        patch.setattr(runner, "datetime", _FrozenAt(later))
        dispatcher = health_loop.load_handler(DISPATCHER, "app.handler")  # the recording loader
        dispatcher(scheduler_event(), LambdaContext("HealthDispatcherFunction", 300))


class _FrozenAt:
    """Stands in for `datetime` in the runner: `now()` is the given moment (everything else is real)."""

    def __init__(self, moment: Any) -> None:
        self._moment = moment

    def now(self, tz: Any = None) -> Any:
        return self._moment


def test_every_function_is_granted_exactly_what_its_code_calls(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, recorded: dict[str, set[str]]
) -> None:
    _exercise_every_function(stack, monkeypatch)
    template = load_template()
    mismatches = {}
    for name in functions(template):
        granted = {a for s in policy_statements(template, name) for a in actions(s)}
        called = recorded.get(name, set()) | _EVENT_SOURCE.get(name, set())
        if granted != called:
            mismatches[name] = {
                "granted, never called": granted - called,
                "called, not granted": called - granted,
            }
    assert mismatches == {}, "\n".join(f"{name}: {problems}" for name, problems in mismatches.items())
    assert bootstrap.settings()  # the stack really ran
