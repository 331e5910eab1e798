"""Clients are created on first use: a function pays only for the AWS services it calls."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from connection_service import bootstrap
from tests.support.stack import Stack


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    make = boto3.client

    def recording(service_name: str, *args: Any, **kwargs: Any) -> Any:
        names.append(service_name)
        return make(service_name, *args, **kwargs)

    monkeypatch.setattr(bootstrap.boto3, "client", recording)
    return names


def test_reading_a_connection_creates_only_a_dynamodb_client(stack: Stack, created: list[str]) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).status == 200
    bootstrap.reset()
    created.clear()
    assert stack.call("GET", f"/connections/{connection_id}").status == 200
    assert stack.call("GET", f"/connections/{connection_id}/history").status == 200
    assert created == ["dynamodb"]


def test_connecting_creates_no_client_it_does_not_call(stack: Stack, created: list[str]) -> None:
    bootstrap.reset()
    assert stack.call("POST", "/connections", {"provider": "sage_intacct"}).status == 201
    assert sorted(created) == ["dynamodb", "events"]  # the record, and the status-change event
