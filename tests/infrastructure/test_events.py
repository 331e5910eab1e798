"""Sample events in events/ (for `sam local invoke -e` and handler tests) are valid and cover every route."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from .helpers import ROOT, Template, http_routes

EVENTS = sorted((ROOT / "events").glob("*.json"))
CONNECTION_ID = re.compile(r"^[0-9a-f]{32}$")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _http_events() -> dict[str, dict[str, Any]]:
    events = {path.name: _load(path) for path in EVENTS}
    return {
        name: event
        for name, event in events.items()
        if isinstance(event, dict) and event.get("version") == "2.0"
    }


def test_there_are_sample_events() -> None:
    assert len(EVENTS) >= 9


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.name)
def test_event_is_valid_json(path: Path) -> None:
    assert isinstance(_load(path), dict)


def test_every_http_route_has_an_event(template: Template) -> None:
    covered = {event["routeKey"] for event in _http_events().values()}
    missing = {route.route_key for route in http_routes(template)} - covered
    assert not missing, f"no sample event for {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(_http_events()))
def test_http_event_is_a_payload_v2_with_jwt_claims(template: Template, name: str) -> None:
    event = _http_events()[name]
    routes = {route.route_key: route for route in http_routes(template)}
    assert event["routeKey"] in routes, f"{name}: {event['routeKey']} is not a route of the template"
    route = routes[event["routeKey"]]
    context = event["requestContext"]
    assert context["routeKey"] == event["routeKey"]
    assert context["http"]["method"] == route.method
    assert context["http"]["path"] == event["rawPath"]
    assert context["stage"] == "$default"
    expected_path = route.path
    for key, value in (event.get("pathParameters") or {}).items():
        assert CONNECTION_ID.match(value), f"{name}: {key}={value}"
        expected_path = expected_path.replace("{" + key + "}", value)
    assert event["rawPath"] == expected_path
    assert "{" not in expected_path, f"{name}: path parameters missing"

    claims = context["authorizer"]["jwt"]["claims"]
    assert {"sub", "tenant_id", "role", "iss", "aud"} <= set(claims)
    assert claims["tenant_id"] == "acme"
    assert claims["role"] == "admin"

    headers = event["headers"]
    assert all(key == key.lower() for key in headers)
    assert headers["authorization"].startswith("Bearer ")
    assert "content-type" in headers
    if "body" in event:
        assert event["isBase64Encoded"] is False
        body = json.loads(event["body"])
        assert isinstance(body, dict)
        assert headers["content-length"] == str(len(event["body"].encode("utf-8")))


def test_connect_event_has_an_idempotency_key_and_the_provider() -> None:
    event = _load(ROOT / "events" / "connect.json")
    assert event["headers"]["idempotency-key"]
    assert json.loads(event["body"]) == {"provider": "sage_intacct"}


def test_edit_credentials_event_has_the_demo_credentials() -> None:
    body = json.loads(_load(ROOT / "events" / "edit_credentials.json")["body"])
    assert body == {
        "company_id": "DEMO-CO",
        "entity_id": "",
        "user_id": "ws_expenses",
        "user_password": "Demo-Passw0rd!",
    }


def test_health_dispatcher_event_matches_the_schedule_input(template: Template) -> None:
    event = _load(ROOT / "events" / "health_dispatcher.json")
    events = template["Resources"]["HealthDispatcherFunction"]["Properties"]["Events"]
    (schedule,) = [e["Properties"] for e in events.values() if e["Type"] == "ScheduleV2"]
    expected = json.loads(schedule["Input"])
    assert set(event) == set(expected)
    assert event["source"] == expected["source"] == "aws.scheduler"


def test_health_worker_event_is_a_fifo_sqs_batch() -> None:
    (record,) = _load(ROOT / "events" / "health_worker.json")["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(".fifo")
    assert {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} <= set(record["attributes"])
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode("utf-8")).hexdigest()  # noqa: S324 - SQS's checksum
    body = json.loads(record["body"])
    assert set(body) == {"tenant_id", "connection_id", "claimed_until"}
    assert body["tenant_id"] == "acme"
    assert CONNECTION_ID.match(body["connection_id"])
