"""The seed article's flow end to end, through the real handlers, moto and the simulator."""

from __future__ import annotations

import boto3

from connection_service.verification import REQUIRED_PERMISSIONS
from tests.support.demo import DEMO_PASSWORD
from tests.support.stack import Stack


def test_connect_edit_verify_disconnect_and_connect_again(stack: Stack) -> None:
    created = stack.connect()
    assert created["status"] == "AWAITING_CREDENTIALS"
    assert created["status_label"] == "Awaiting Credentials"
    assert created["health"] == "UNKNOWN" and created["reason"] is None
    connection_id = created["id"]

    edited = stack.edit(connection_id, company_id="  DEMO-CO ", user_id=" ws_expenses")
    assert edited.status == 200, edited.text
    body = edited.json
    assert (body["status"], body["status_label"], body["reason"], body["health"]) == (
        "CONNECTED",
        "Connected",
        None,
        "OK",
    )
    assert (body["company_id"], body["user_id"], body["entity_id"]) == ("DEMO-CO", "ws_expenses", None)
    assert [c["id"] for c in body["checks"]][:3] == ["web_services", "sender_authorized", "sign_in"]
    assert len(body["checks"]) == 3 + len(REQUIRED_PERMISSIONS)
    assert all(c["status"] == "ok" and c["remediation"] is None for c in body["checks"])
    assert body["missing_permissions"] == []
    assert body["verification"] == {
        "completed": True,
        "applied": True,
        "outcome": "connected",
        "reason": None,
        "message": "Connected to Intacct company DEMO-CO.",
        "round_trips": 2,
        "sign_in": "accepted",
        "blocked": None,
    }
    assert body["sign_in_attempts_left"] == 2  # the guard's whole budget: the sign-in worked
    assert body["last_verified_at"] and body["next_check_at"]

    verified = stack.call("POST", f"/connections/{connection_id}/verify")
    assert verified.status == 200 and verified.json["status"] == "CONNECTED"
    assert verified.json["version"] > body["version"]

    listed = stack.call("GET", "/connections", role="member")
    assert [c["id"] for c in listed.json["connections"]] == [connection_id]

    gone = stack.call("DELETE", f"/connections/{connection_id}")
    assert gone.status == 204 and gone.text == ""
    assert stack.call("DELETE", f"/connections/{connection_id}").status == 204  # repeating is harmless
    after = stack.call("GET", f"/connections/{connection_id}")
    assert after.json["status"] == "DISCONNECTED" and after.json["status_label"] == "Disconnected"
    secret = boto3.client("secretsmanager").describe_secret(SecretId=body_secret_name(stack, connection_id))
    assert "DeletedDate" in secret  # deleted with a recovery window, not at once

    history = stack.call("GET", f"/connections/{connection_id}/history", role="member").json["history"]
    assert [(h["trigger"], h["from_status"], h["to_status"]) for h in history] == [
        ("connect", None, "AWAITING_CREDENTIALS"),
        ("credentials_edit", "AWAITING_CREDENTIALS", "AWAITING_CREDENTIALS"),
        ("credentials_edit", "AWAITING_CREDENTIALS", "CONNECTED"),
        ("disconnect", "CONNECTED", "DISCONNECTED"),
    ]
    assert all(h["actor"] == "admin@acme" for h in history)

    again = stack.connect()
    assert again["id"] != connection_id and again["status"] == "AWAITING_CREDENTIALS"


def body_secret_name(stack: Stack, connection_id: str) -> str:
    return f"{stack.resources.secret_prefix}tenant/acme/connection/{connection_id}"


def test_entity_connects_and_password_is_stored_exactly(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.edit(connection_id, entity_id=" US-EAST ")
    assert reply.json["status"] == "CONNECTED" and reply.json["entity_id"] == "US-EAST"
    assert reply.json["checks"][3]["id"] == "entity" and reply.json["checks"][3]["status"] == "ok"
    value = boto3.client("secretsmanager").get_secret_value(SecretId=body_secret_name(stack, connection_id))
    assert f'"user_password": "{DEMO_PASSWORD}"' in value["SecretString"]
    tags = boto3.client("secretsmanager").describe_secret(SecretId=body_secret_name(stack, connection_id))[
        "Tags"
    ]
    assert {"Key": "tenant_id", "Value": "acme"} in tags


def test_events_are_published_on_status_changes_only(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)
    stack.call("POST", f"/connections/{connection_id}/verify")  # still CONNECTED: no event
    stack.call("DELETE", f"/connections/{connection_id}")
    events = stack.published_events()
    assert [e["detail-type"] for e in events] == ["ConnectionStatusChanged"] * 3
    assert [(e["detail"]["old_status"], e["detail"]["new_status"]) for e in events] == [
        (None, "AWAITING_CREDENTIALS"),
        ("AWAITING_CREDENTIALS", "CONNECTED"),
        ("CONNECTED", "DISCONNECTED"),
    ]
    assert all(
        e["detail"]["tenant_id"] == "acme" and e["detail"]["connection_id"] == connection_id for e in events
    )
