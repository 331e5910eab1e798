"""Tenant isolation, roles, idempotent connect, conflicts, and the demo password appearing nowhere."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from connection_service.use_cases.connect import Connect
from intacct_simulator.rest_tokens import TokenService
from local_stack.api_gateway import LambdaContext, load_handler
from tests.infrastructure.helpers import ROOT
from tests.support.demo import DEMO_PASSWORD
from tests.support.health import dispatch, drain
from tests.support.logs import all_logs, rendered
from tests.support.secrets import assert_every_secret_belongs_to_a_live_connection
from tests.support.stack import Stack, capture_events

ADMIN_ROUTES = [
    ("PUT", "/connections/{id}/credentials"),
    ("POST", "/connections/{id}/verify"),
    ("DELETE", "/connections/{id}"),
]
READ_ROUTES = [("GET", "/connections/{id}"), ("GET", "/connections/{id}/history")]
CREDENTIALS = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES + READ_ROUTES)
def test_another_tenants_connection_is_not_found(stack: Stack, method: str, path: str) -> None:
    connection_id = stack.connect("acme")["id"]
    reply = stack.call(
        method, path.format(id=connection_id), CREDENTIALS if method == "PUT" else None, tenant="globex"
    )
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert stack.call("GET", "/connections", tenant="globex").json == {"connections": []}


@pytest.mark.parametrize(("method", "path"), [("POST", "/connections"), *ADMIN_ROUTES])
def test_members_may_not_change_the_connection(stack: Stack, method: str, path: str) -> None:
    connection_id = stack.connect("acme")["id"]
    body = (
        {"provider": "sage_intacct"} if path == "/connections" else (CREDENTIALS if method == "PUT" else None)
    )
    reply = stack.call(method, path.format(id=connection_id), body, role="member")
    assert reply.status == 403 and reply.json["type"] == "/problems/forbidden"


@pytest.mark.parametrize(("method", "path"), READ_ROUTES)
def test_members_may_read(stack: Stack, method: str, path: str) -> None:
    connection_id = stack.connect("acme")["id"]
    assert stack.call(method, path.format(id=connection_id), role="member").status == 200


@pytest.mark.parametrize("token", ["", "not-a-jwt"])
def test_no_or_bad_token_is_refused_before_any_handler(stack: Stack, token: str) -> None:
    assert stack.call("GET", "/connections", token=token).status == 401


def test_a_token_without_tenant_claim_is_refused_by_the_handler(stack: Stack) -> None:
    token = stack.authority.issue("", "admin")
    reply = stack.call("GET", "/connections", token=token)
    assert reply.status == 401 and reply.headers["content-type"] == "application/problem+json"


def test_the_tenant_comes_only_from_the_token(stack: Stack) -> None:
    created = stack.call("POST", "/connections", {"provider": "sage_intacct", "tenant_id": "globex"})
    assert created.status == 422
    stack.connect("acme")
    assert stack.call("GET", "/connections", tenant="globex").json["connections"] == []


def test_connect_is_idempotent_with_a_key_and_unique_per_tenant(stack: Stack) -> None:
    headers = {"Idempotency-Key": "4f1d0c9a-retry-me"}
    first = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=headers)
    retried = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=headers)
    assert first.status == retried.status == 201
    assert first.json == retried.json
    other_key = stack.call(
        "POST", "/connections", {"provider": "sage_intacct"}, headers={"Idempotency-Key": "x2"}
    )
    assert other_key.status == 409 and other_key.json["existing_id"] == first.json["id"]
    no_key = stack.call("POST", "/connections", {"provider": "sage_intacct"})
    assert no_key.status == 409 and no_key.json["type"] == "/problems/already-connected"
    # The same key from another tenant is another request.
    globex = stack.call(
        "POST", "/connections", {"provider": "sage_intacct"}, headers=headers, tenant="globex"
    )
    assert globex.status == 201 and globex.json["id"] != first.json["id"]


def test_a_role_claim_may_be_a_list(stack: Stack) -> None:
    for roles in (["finance", "admin"], "[finance admin]"):
        claims = {"sub": "someone", "tenant_id": "acme", "role": roles}
        reply = stack.emulator_with_claims(claims).invoke(
            "POST", "/connections", {"authorization": "Bearer x"}, b'{"provider": "sage_intacct"}'
        )
        assert reply.status in (201, 409), reply.body
    member = stack.emulator_with_claims({"sub": "m", "tenant_id": "acme", "role": "[finance member]"})
    assert member.invoke("POST", "/connections", {}, b'{"provider": "sage_intacct"}').status == 403


def test_a_bus_failure_does_not_fail_the_request_and_the_outbox_publishes_later(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.published_events()
    events = boto3.client("events")
    events.remove_targets(Rule="capture-all", EventBusName=stack.resources.event_bus_name, Ids=["q"])
    events.delete_rule(Name="capture-all", EventBusName=stack.resources.event_bus_name)
    events.delete_event_bus(Name=stack.resources.event_bus_name)
    reply = stack.edit(connection_id)
    assert reply.status == 200 and reply.json["status"] == "CONNECTED"
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    assert history[-1]["to_status"] == "CONNECTED"  # the change and its history are stored all the same

    events.create_event_bus(Name=stack.resources.event_bus_name)
    stack.events_queue_url = capture_events(stack.resources)
    dispatch(hours_ahead=0.1)  # the dispatcher's run publishes what is left in the outbox
    published = [e["detail"] for e in stack.published_events()]
    assert [(e["old_status"], e["new_status"]) for e in published] == [("AWAITING_CREDENTIALS", "CONNECTED")]
    assert published[0]["event_id"]
    dispatch(hours_ahead=0.1)
    assert stack.published_events() == []  # published once


def test_unsupported_provider(stack: Stack) -> None:
    reply = stack.call("POST", "/connections", {"provider": "quickbooks"})
    assert reply.status == 422 and reply.json["errors"][0]["field"] == "provider"


def test_a_concurrent_edit_is_a_conflict(stack: Stack) -> None:
    from connection_service import bootstrap
    from connection_service.connections.errors import ConcurrentModification

    connection_id = stack.connect()["id"]
    repository = bootstrap.use_cases().adapters.repository
    stale = repository.get("acme", connection_id)
    assert stale is not None
    assert stack.edit(connection_id).status == 200
    with pytest.raises(ConcurrentModification):
        repository.save(stale, expected_version=stale.version)


CLIENT_SECRET = "Client-Demo-Secret-1"


def test_the_demo_password_appears_nowhere(
    stack: Stack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = _record_session_ids(stack, monkeypatch)
    tokens = _record_tokens(monkeypatch)
    aws_calls = _record_aws_calls(monkeypatch)
    with all_logs() as records:
        _break_and_repair_everything(stack)
    captured = capsys.readouterr()
    surfaces = {
        "responses": json.dumps(
            [reply.text for reply in stack.replies] + [reply.headers for reply in stack.replies]
        ),
        "logs (at DEBUG)": "\n".join(rendered(record) for record in records),
        "stdout (JSON logs and EMF metrics)": captured.out + captured.err,
        "dynamodb": json.dumps(stack.table_items()),
        "events": json.dumps(stack.published_events()),
        "AWS calls but Secrets Manager's (DynamoDB, SQS messages, EventBridge events, KMS)": json.dumps(
            aws_calls, default=repr
        ),
        "simulator log": json.dumps(stack.simulator.requests()),
    }
    assert len(records) > 20 and len(surfaces["stdout (JSON logs and EMF metrics)"]) > 0
    assert sessions and any("SendMessage" in call[0] for call in aws_calls)
    assert "SIGNIN#" in surfaces["dynamodb"]  # the sign-in guard's state is there, as fingerprints
    for name, text in surfaces.items():
        for wrong in WRONG_PASSWORDS:
            assert wrong not in text, f"a refused password leaked into {name}"
        assert DEMO_PASSWORD not in text, f"the password leaked into {name}"
        assert "Sender-Demo-1" not in text, f"the sender password leaked into {name}"
        for session_id in sessions:
            assert session_id.rstrip(".") not in text, f"an Intacct session id leaked into {name}"
        assert CLIENT_SECRET not in text, f"our client secret leaked into {name}"
        for token in tokens:
            assert token not in text, f"a REST access or refresh token leaked into {name}"
    assert len(tokens) >= 4  # the client credentials connection's token requests were all seen
    # ...while it is really stored where it belongs, and only for live connections.
    secrets = boto3.client("secretsmanager")
    names = [s["Name"] for s in secrets.list_secrets(IncludePlannedDeletion=True)["SecretList"]]
    assert any("/tenant/acme/connection/" in name for name in names)
    assert_every_secret_belongs_to_a_live_connection()


def _record_session_ids(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every session id the simulator hands out (a secret as good as the password for an hour)."""
    state = stack.simulator._state
    issued: list[str] = []
    original = state.create_session

    def create_session(*args: Any, **kwargs: Any) -> str:
        session_id = original(*args, **kwargs)
        issued.append(session_id)
        return session_id

    monkeypatch.setattr(state, "create_session", create_session)
    return issued


def _record_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access and refresh token the simulator's REST API hands out."""
    issued: list[str] = []
    original = TokenService._issue

    def issue(self: TokenService, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        issued.extend([answer.payload["access_token"], answer.payload["refresh_token"]])
        return answer

    monkeypatch.setattr(TokenService, "_issue", issue)
    return issued


def _record_aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The parameters of every AWS call but Secrets Manager's (which must carry the password)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name != "secretsmanager":
            calls.append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


WRONG_PASSWORDS = ("Wrong-Zq81x!", "Wrong-Kp27y?")


def _break_and_repair_everything(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id, user_password=WRONG_PASSWORDS[0])  # refused: the guard keeps a fingerprint
    stack.edit(connection_id, user_password=WRONG_PASSWORDS[0])  # not sent again
    stack.edit(connection_id, user_password=WRONG_PASSWORDS[1])
    stack.edit(connection_id)  # 429: the guard's budget is spent
    stack.edit(connection_id, confirm_sign_in_reset=True)  # connected
    stack.edit(connection_id, user_id="ws_limited")  # missing permissions
    stack.edit(connection_id, entity_id="NO-SUCH-ENTITY")  # entity invalid
    stack.edit(connection_id, company_id="NOSENDER-CO", confirm_company_change=True)
    stack.edit(connection_id, company_id="FLAKY-CO", confirm_company_change=True)
    stack.call("PUT", f"/connections/{connection_id}/credentials", {"user_password": DEMO_PASSWORD})  # 422
    stack.simulator_control("POST", "/_sim/companies/FLAKY-CO/faults", {"kind": "http_503", "always": True})
    stack.call("POST", f"/connections/{connection_id}/verify")  # degraded
    stack.call("GET", f"/connections/{connection_id}/history")
    stack.simulator_control("DELETE", "/_sim/companies/FLAKY-CO/faults", None)
    dispatch(hours_ahead=3)  # the health check too: dispatcher and worker logs and metrics
    drain(stack.resources.queue_url)
    stack.call("DELETE", f"/connections/{connection_id}")
    _client_credentials_everywhere(stack)


def _client_credentials_everywhere(stack: Stack) -> None:
    """Tokens and our client secret through every path: refused, connected, switched, exported, checked."""
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)  # a password first: the switch below deletes it
    rest = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_unlinked"}
    path = f"/connections/{connection_id}/credentials"
    stack.call("PUT", path, rest)  # refused: not linked
    stack.call("PUT", path, {**rest, "user_id": "ws_expenses", "entity_id": "US-EAST"})  # connected
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)  # the token ends
    export = load_handler(ROOT / "functions" / "export", "app.handler")
    query = {
        "control_id": "q",
        "xml": "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>",
    }
    event = {"tenant_id": "acme", "connection_id": connection_id, "functions": [query]}
    for _ in range(2):
        export(event, LambdaContext("ExportFunction", 60))
    dispatch(hours_ahead=3)
    drain(stack.resources.queue_url)
    stack.call("DELETE", f"/connections/{connection_id}")


def test_the_same_key_while_its_first_request_runs_is_told_to_retry(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-progress answer is registered on the connect router (only connect imports idempotency)."""
    started, release = threading.Event(), threading.Event()
    connect = Connect.__call__

    def slow_connect(self: Connect, tenant_id: str, *, actor: str) -> Any:
        started.set()
        release.wait(10)
        return connect(self, tenant_id, actor=actor)

    monkeypatch.setattr(Connect, "__call__", slow_connect)
    headers = {"Idempotency-Key": "in-flight-1"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(stack.call, "POST", "/connections", {"provider": "sage_intacct"}, headers=headers)
        assert started.wait(10)
        meanwhile = stack.call("POST", "/connections", {"provider": "sage_intacct"}, headers=headers)
        release.set()
        assert first.result(timeout=20).status == 201
    assert meanwhile.status == 409 and meanwhile.json["type"] == "/problems/request-in-progress"
    assert meanwhile.headers.get("retry-after") == "1"
