"""Tenant isolation, cell by cell: every route and method, for another tenant's admin, another tenant's
member and the tenant's own member. Only the allowed cells succeed, and nothing of the victim changes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.support.demo import DEMO_PASSWORD
from tests.support.stack import Stack

VICTIM = "victim"
CALLERS = [("intruder", "admin"), ("intruder", "member"), (VICTIM, "member")]
CREDENTIALS = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/connections/{id}", None),
    ("GET", "/connections/{id}/history", None),
    ("PUT", "/connections/{id}/credentials", CREDENTIALS),
    ("POST", "/connections/{id}/verify", None),
    ("DELETE", "/connections/{id}", None),
]
# What each caller may do to the victim's connection: a member of the victim reads; nobody else sees it.
EXPECTED = {
    ("intruder", "admin"): {"GET": 404, "PUT": 404, "POST": 404, "DELETE": 404},
    ("intruder", "member"): {"GET": 404, "PUT": 403, "POST": 403, "DELETE": 403},
    (VICTIM, "member"): {"GET": 200, "PUT": 403, "POST": 403, "DELETE": 403},
}


def _victims_state(stack: Stack) -> str:
    items = [item for item in stack.table_items() if item["pk"]["S"] == f"TENANT#{VICTIM}"]
    secrets = boto3.client("secretsmanager")
    names = [s["ARN"] for s in secrets.list_secrets()["SecretList"] if f"/tenant/{VICTIM}/" in s["Name"]]
    versions = {name: secrets.describe_secret(SecretId=name)["VersionIdsToStages"] for name in names}
    return json.dumps({"items": items, "secrets": versions}, sort_keys=True, default=str)


def test_every_cell_of_the_matrix(stack: Stack) -> None:
    victim_id = stack.connect(VICTIM)["id"]
    assert stack.edit(victim_id, tenant=VICTIM).json["status"] == "CONNECTED"
    before = _victims_state(stack)
    cells = 0
    for tenant, role in CALLERS:
        for method, path, body in ROUTES:
            reply = stack.call(method, path.format(id=victim_id), body, tenant=tenant, role=role)
            expected = EXPECTED[(tenant, role)][method]
            assert reply.status == expected, (tenant, role, method, path, reply.text)
            if expected >= 400:
                assert reply.json["type"] in ("/problems/not-found", "/problems/forbidden")
                assert victim_id not in reply.text or tenant == VICTIM
            cells += 1
        listed = stack.call("GET", "/connections", tenant=tenant, role=role).json["connections"]
        assert (victim_id in [c["id"] for c in listed]) is (tenant == VICTIM)
        cells += 1
    assert cells == len(CALLERS) * (len(ROUTES) + 1)
    assert _victims_state(stack) == before  # not one item, secret or version of the victim changed


@pytest.mark.parametrize("role", ["admin", "member"])
def test_an_intruders_connect_never_touches_the_victim(stack: Stack, role: str) -> None:
    victim_id = stack.connect(VICTIM)["id"]
    before = _victims_state(stack)
    reply = stack.call("POST", "/connections", {"provider": "sage_intacct"}, tenant="intruder", role=role)
    assert reply.status == (201 if role == "admin" else 403)
    assert reply.json.get("id") != victim_id
    assert _victims_state(stack) == before
