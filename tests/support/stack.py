"""The whole service in one process: moto (in-process) with the template's resources, the simulator, and
the real Lambda handlers behind the API Gateway emulator. Tests drive it like the frontend would."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from connection_service import bootstrap
from intacct_simulator import IntacctSimulator
from local_stack.api_gateway import ApiGatewayEmulator, routes_from_template
from local_stack.moto_fidelity import make_moto_behave_like_aws
from local_stack.powertools_fidelity import make_powertools_thread_safe
from local_stack.resources import LocalResources, create_resources
from local_stack.tokens import TokenAuthority
from tests.support.demo import DEMO_PASSWORD

TEST_KEY = "test-signing-key-for-the-local-authorizer-only"


@dataclass
class ApiReply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class Stack:
    resources: LocalResources
    simulator: IntacctSimulator
    authority: TokenAuthority
    emulator: ApiGatewayEmulator
    events_queue_url: str
    replies: list[ApiReply] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        tenant: str = "acme",
        role: str = "admin",
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        token: str | None = None,
    ) -> ApiReply:
        all_headers = {"content-type": "application/json", **(headers or {})}
        bearer = token if token is not None else self.authority.issue(tenant, role)
        if bearer:
            all_headers["authorization"] = f"Bearer {bearer}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        answer = self.emulator.invoke(method, path, all_headers, payload)
        reply = ApiReply(answer.status, answer.headers, answer.body)
        self.replies.append(reply)
        return reply

    def connect(self, tenant: str = "acme") -> dict[str, Any]:
        reply = self.call("POST", "/connections", {"provider": "sage_intacct"}, tenant=tenant)
        assert reply.status == 201, reply.text
        return dict(reply.json)

    def edit(self, connection_id: str, tenant: str = "acme", **fields: Any) -> ApiReply:
        body = {
            "company_id": "DEMO-CO",
            "entity_id": "",
            "user_id": "ws_expenses",
            "user_password": DEMO_PASSWORD,
        }
        body.update(fields)
        return self.call("PUT", f"/connections/{connection_id}/credentials", body, tenant=tenant)

    def emulator_with_claims(self, claims: Mapping[str, Any]) -> ApiGatewayEmulator:
        """The API as if the authorizer had accepted a token carrying exactly these claims."""
        return ApiGatewayEmulator(routes_from_template(), lambda _: claims)

    def simulator_control(self, method: str, path: str, body: Any) -> Any:
        """The simulator's /_sim control API: change Intacct the way the customer's admin would."""
        with requests.Session() as session:
            session.trust_env = False
            response = session.request(method, self.simulator.base_url + path, json=body, timeout=5)
        assert response.status_code < 300, response.text
        return response.json() if response.text else None

    def published_events(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        events: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.events_queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return events
            for message in batch:
                events.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.events_queue_url, ReceiptHandle=message["ReceiptHandle"])

    def table_items(self) -> list[dict[str, Any]]:
        client = boto3.client("dynamodb")
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=self.resources.table_name):
            items.extend(page["Items"])
        return items


def capture_events(resources: LocalResources) -> str:
    """An EventBridge rule sending every event of the bus to a queue the test can read."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="captured-events")["QueueUrl"]  # idempotent: same queue on a second call
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events")
    events.put_rule(
        Name="capture-all",
        EventBusName=resources.event_bus_name,
        EventPattern=json.dumps({"source": [{"prefix": ""}]}),
    )
    events.put_targets(
        Rule="capture-all", EventBusName=resources.event_bus_name, Targets=[{"Id": "q", "Arn": arn}]
    )
    return str(url)


@contextmanager
def running_stack(simulator: IntacctSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    make_moto_behave_like_aws()  # concurrent requests must race as on DynamoDB; AWSCURRENT as on AWS
    make_powertools_thread_safe()  # and each must see its own event, as in its own Lambda environment
    with mock_aws():
        resources = create_resources()
        for name, value in resources.environment(simulator.gateway_url, simulator.rest_url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("API_VERIFICATION_TIME_LIMIT_SECONDS", "8")
        bootstrap.reset()
        authority = TokenAuthority(TEST_KEY)
        emulator = ApiGatewayEmulator(routes_from_template(), authority.verify)
        yield Stack(resources, simulator, authority, emulator, capture_events(resources))
        bootstrap.reset()
