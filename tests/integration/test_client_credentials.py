"""The client credentials method end to end: the real handlers, moto and the simulator's REST API. No password
is typed, stored or sent; a switch deletes the old password once the new method connected; the health check
and exports work as for a password connection; another tenant cannot act as a connected user."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from connection_service.adapters.intacct_rest_gateway import IntacctRestGateway
from local_stack.api_gateway import LambdaContext, load_handler
from tests.infrastructure.helpers import ROOT
from tests.support.health import dispatch, drain
from tests.support.stack import ApiReply, Stack

APP = "/_sim/companies/DEMO-CO/client-applications/ExpenseInREST-Demo"


def rest_edit(stack: Stack, connection_id: str, tenant: str = "acme", **fields: Any) -> ApiReply:
    body = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses", **fields}
    return stack.call("PUT", f"/connections/{connection_id}/credentials", body, tenant=tenant)


def secret_names() -> list[str]:
    listed = boto3.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]
    return [secret["Name"] for secret in listed if "/tenant/" in secret["Name"]]


def export(connection_id: str, tenant: str = "acme") -> dict[str, Any]:
    handler = load_handler(ROOT / "functions" / "export", "app.handler")
    query = {
        "control_id": "q",
        "xml": "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>",
    }
    event = {"tenant_id": tenant, "connection_id": connection_id, "functions": [query]}
    return dict(handler(event, LambdaContext("ExportFunction", 60)))


def test_a_connection_connects_without_a_password_and_keeps_no_secret(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    reply = rest_edit(stack, connection_id)
    assert reply.status == 200, reply.text
    body = reply.json
    assert (body["status"], body["auth_method"], body["sign_in_attempts_left"]) == (
        "CONNECTED",
        "client_credentials",
        None,
    )
    assert [c["id"] for c in body["checks"]][:3] == [
        "web_services",
        "sender_authorized",
        "client_application",
    ]
    assert body["verification"]["round_trips"] <= 4
    assert secret_names() == []  # nothing secret is kept for it
    client = stack.call("GET", "/intacct/client-application", role="member")
    assert client.json == {"client_id": "ExpenseInREST-Demo"}


def test_an_unlinked_user_names_our_client_id_and_the_menu_path(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    body = rest_edit(stack, connection_id, user_id="ws_unlinked").json
    assert (body["status"], body["reason"]) == ("ACTION_REQUIRED", "CLIENT_APP_NOT_AUTHORIZED")
    assert body["verification"]["round_trips"] == 1
    item = next(c for c in body["checks"] if c["id"] == "client_application")
    assert item["status"] == "missing"
    assert (
        "ExpenseInREST-Demo" in item["remediation"]
        and "Authorized client applications" in item["remediation"]
    )


@pytest.mark.parametrize("company", ["NOSENDER-CO", "NOWS-CO"])
def test_a_company_that_refuses_our_application_is_named_with_its_three_causes(
    stack: Stack, company: str
) -> None:
    connection_id = stack.connect()["id"]
    body = rest_edit(stack, connection_id, company_id=company).json
    assert (body["status"], body["reason"]) == ("ACTION_REQUIRED", "COMPANY_REFUSED_APPLICATION")


def test_a_limited_user_is_missing_permissions(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    body = rest_edit(stack, connection_id, user_id="ws_limited").json
    assert (body["status"], body["reason"]) == ("ACTION_REQUIRED", "MISSING_PERMISSIONS")
    assert body["missing_permissions"]


def test_a_switch_deletes_the_password_once_the_new_method_connected(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    assert len(secret_names()) == 1
    stack.simulator_control("DELETE", f"{APP}/users/ws_expenses", None)  # not linked yet
    refused = rest_edit(stack, connection_id).json
    assert refused["reason"] == "CLIENT_APP_NOT_AUTHORIZED"
    assert len(secret_names()) == 1  # not proved: the password stays
    stack.simulator_control("PUT", f"{APP}/users/ws_expenses", None)
    verified = stack.call("POST", f"/connections/{connection_id}/verify").json
    assert (verified["status"], verified["auth_method"]) == ("CONNECTED", "client_credentials")
    assert secret_names() == []  # deleted at once: nothing keeps it
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    assert any("stored password was deleted" in (entry["detail"] or "") for entry in history)
    again = stack.edit(connection_id)  # back to a password: typed again
    assert again.json["status"] == "CONNECTED" and again.json["auth_method"] == "password"


def test_exports_and_the_health_check_work_over_the_bridge(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    rest_edit(stack, connection_id)
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)  # the edit's token ends
    first, second = export(connection_id), export(connection_id)
    assert first["ok"] and second["ok"], (first, second)
    tokens = [e for e in stack.simulator.requests("DEMO-CO") if e.get("path") == "/oauth2/token"]
    assert len(tokens) == 2  # the edit's, then one for both export calls
    stack.simulator_control("DELETE", f"{APP}/users/ws_expenses", None)  # unlinked in Intacct
    assert dispatch().dispatched == 1
    drain(stack.resources.queue_url)
    checked = stack.call("GET", f"/connections/{connection_id}").json
    assert (checked["status"], checked["reason"]) == ("ACTION_REQUIRED", "CLIENT_APP_NOT_AUTHORIZED")
    assert export(connection_id)["error"]["type"].endswith("/not-connected")


def test_another_tenant_cannot_act_as_a_connected_user(stack: Stack) -> None:
    owner = stack.connect()["id"]
    assert rest_edit(stack, owner).json["status"] == "CONNECTED"
    intruder = stack.connect("globex")["id"]
    before = len(stack.simulator.requests("DEMO-CO"))
    body = rest_edit(stack, intruder, tenant="globex").json
    assert (body["status"], body["reason"]) == ("ACTION_REQUIRED", "USER_CONNECTED_ELSEWHERE")
    assert len(stack.simulator.requests("DEMO-CO")) == before  # nothing was sent for the intruder
    assert stack.call("POST", f"/connections/{owner}/verify").json["status"] == "CONNECTED"


@pytest.mark.parametrize("style", ["rest_1206", "gw_0040"])
def test_an_ended_token_is_minted_again_once_never_in_a_loop(stack: Stack, style: str) -> None:
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"expired_token_style": style})
    connection_id = stack.connect()["id"]
    rest_edit(stack, connection_id)
    assert export(connection_id)["ok"]
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)  # ended in Intacct

    def mints() -> int:
        return len([e for e in stack.simulator.requests("DEMO-CO") if e.get("path") == "/oauth2/token"])

    before = mints()
    assert export(connection_id)["ok"]  # the bridged session refused: one new token, then the call
    assert mints() == before + 1
    stack.simulator_control(
        "POST",
        "/_sim/companies/DEMO-CO/faults",
        {"kind": "http_503", "always": True, "auth": "token_request"},
    )
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)
    failed = export(connection_id)  # the new token cannot be had: a typed answer, no loop
    assert not failed["ok"] and failed["error"]["type"].endswith("/intacct-unavailable")
    assert mints() <= before + 1 + 4  # one token request, with its own bounded retries of a 503
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)


# --- REST operations through the export interface. ----------------------------------------------------------


def bill(reference: str) -> dict[str, Any]:
    return {
        "vendor": {"id": "V100"},
        "createdDate": "2024-05-01",
        "referenceNumber": reference,
        "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "25.00", "memo": "Taxi"}],
    }


def rest_export(connection_id: str, *operations: dict[str, Any], tenant: str = "acme") -> dict[str, Any]:
    handler = load_handler(ROOT / "functions" / "export", "app.handler")
    event = {"tenant_id": tenant, "connection_id": connection_id, "operations": list(operations)}
    return dict(handler(event, LambdaContext("ExportFunction", 60)))


def post_bill(reference: str) -> dict[str, Any]:
    return {
        "id": reference,
        "method": "POST",
        "path": "objects/accounts-payable/bill",
        "body": bill(reference),
    }


def bills_with(stack: Stack, reference: str) -> int:
    """Bills in DEMO-CO with this reference, as Intacct holds them (counted from the simulator's records)."""
    company = stack.simulator._state.company("DEMO-CO")
    assert company is not None
    records = company.records.get("APBILL", [])
    return sum(1 for record in records if record.get("DOCNUMBER") == reference)


def test_a_bill_posted_over_rest_and_its_retry_posts_once(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    rest_edit(stack, connection_id)
    first = rest_export(connection_id, post_bill("EXP-REST-1"))
    assert first["ok"], first
    [posted] = first["results"]
    assert (posted["status"], posted["http_status"]) == ("success", 201) and posted["result"]["key"]
    again = rest_export(connection_id, post_bill("EXP-REST-1"))  # the worker's retry after a lost answer
    assert again["results"][0]["status"] == "repeated"
    assert bills_with(stack, "EXP-REST-1") == 1
    query = {"object": "accounts-payable/bill", "fields": ["id", "referenceNumber"], "size": 10}
    read = rest_export(
        connection_id, {"id": "q", "method": "POST", "path": "services/core/query", "body": query}
    )
    assert read["results"][0]["meta"]["totalCount"] >= 1


def test_a_password_connection_is_told_rest_needs_client_credentials(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.edit(connection_id)
    answer = rest_export(connection_id, post_bill("EXP-REST-2"))
    assert answer["error"]["type"].endswith("/rest-needs-client-credentials")
    assert bills_with(stack, "EXP-REST-2") == 0


def test_workers_racing_an_unlinked_client_application(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert rest_edit(stack, connection_id).json["status"] == "CONNECTED"
    assert rest_export(connection_id, post_bill("EXP-RACE-0"))["ok"]
    stack.simulator_control("DELETE", f"{APP}/users/ws_expenses", None)  # unlinked: its tokens end
    before = len(stack.simulator.requests("DEMO-CO"))
    references = [f"EXP-RACE-{n}" for n in range(1, 13)]

    def worker(reference: str) -> list[str]:
        outcomes = []
        for _ in range(3):  # a worker's retries of what it is told to retry
            answer = rest_export(connection_id, post_bill(reference))
            kind = "ok" if answer["ok"] else answer["error"]["type"].rsplit("/", 1)[-1]
            outcomes.append(kind)
            if kind not in ("sign-in-in-progress", "intacct-unavailable", "company-busy"):
                break
        return outcomes

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [kind for kinds in pool.map(worker, references) for kind in kinds]
    assert "ok" not in outcomes  # nothing could be posted once the application was unlinked
    assert {"not-connected", "sign-in-refused", "sign-in-blocked"} >= set(outcomes) - {
        "sign-in-in-progress",
        "company-busy",
        "intacct-unavailable",
    }
    after = stack.simulator.requests("DEMO-CO")[before:]
    refused_mints = [
        e for e in after if e.get("path") == "/oauth2/token" and e.get("token_outcome") == "refused"
    ]
    assert len(refused_mints) <= 1  # no token request storm
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    turned = [h for h in history if (h["from_status"], h["to_status"]) == ("CONNECTED", "ACTION_REQUIRED")]
    assert len(turned) == 1 and turned[0]["reason"] == "CLIENT_APP_NOT_AUTHORIZED"
    assert all(bills_with(stack, reference) == 0 for reference in references)
    assert bills_with(stack, "EXP-RACE-0") == 1


# --- Regressions found by an independent review. ------------------------------------------------------------


def test_a_health_check_never_deletes_a_password_an_admin_saved_while_it_ran(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    offline = {"kind": "http_503", "always": True, "auth": "token_request"}
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", offline)
    assert rest_edit(stack, connection_id).json["health"] == "DEGRADED"  # the switch not proved: kept
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    original = IntacctRestGateway.verify
    saved: list[int] = []

    def verify_while_the_admin_saves(self: IntacctRestGateway, *args: Any, **kwargs: Any) -> Any:
        if not saved:  # the admin takes the connection from the running check and saves a password
            saved.append(stack.edit(connection_id).status)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(IntacctRestGateway, "verify", verify_while_the_admin_saves)
    assert dispatch().dispatched == 1
    drain(stack.resources.queue_url)
    monkeypatch.setattr(IntacctRestGateway, "verify", original)
    assert saved == [200]
    assert len(secret_names()) == 1  # the admin's password is there
    assert stack.call("POST", f"/connections/{connection_id}/verify").json["status"] == "CONNECTED"


def test_the_same_key_from_two_tenants_in_one_company_posts_both(stack: Stack) -> None:
    stack.simulator_control("PUT", f"{APP}/users/ws_unlinked", None)  # the customer links a second user
    acme = stack.connect()["id"]
    assert rest_edit(stack, acme).json["status"] == "CONNECTED"
    globex = stack.connect("globex")["id"]
    assert rest_edit(stack, globex, tenant="globex", user_id="ws_unlinked").json["status"] == "CONNECTED"

    def keyed(reference: str) -> dict[str, Any]:
        return {**post_bill(reference), "idempotency_key": "EXP-0042"}

    assert rest_export(acme, keyed("ACME-0042"))["results"][0]["status"] == "success"
    assert rest_export(globex, keyed("GLOBEX-0042"), tenant="globex")["results"][0]["status"] == "success"
    assert bills_with(stack, "ACME-0042") == bills_with(stack, "GLOBEX-0042") == 1


def test_a_bill_exported_again_after_the_entity_changed_is_posted_there(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    rest_edit(stack, connection_id, entity_id="US-EAST")
    assert rest_export(connection_id, post_bill("EXP-ENT-1"))["results"][0]["status"] == "success"
    assert rest_edit(stack, connection_id, entity_id="US-WEST").json["status"] == "CONNECTED"
    assert rest_export(connection_id, post_bill("EXP-ENT-1"))["results"][0]["status"] == "success"


def test_a_right_refused_without_its_name_is_never_read_as_connected(stack: Stack) -> None:
    refused = "You do not have permission for API operation READ on objects of type VENDOR"
    stack.simulator_control(
        "PATCH",
        "/_sim/companies/DEMO-CO",
        {"composite_failure": "whole", "rest_errors": {"permission_denied": {"message": refused}}},
    )
    user = "/_sim/companies/DEMO-CO/users/ws_expenses"
    for permission in ("List", "View"):
        right = {"application": "Accounts Payable", "activity": "Vendors", "permission": permission}
        stack.simulator_control("POST", f"{user}/revoke", right)
    company = stack.simulator._state.company("DEMO-CO")
    assert company is not None
    for known in company.users.values():
        if known.user_id == "ws_expenses":
            known.can_read_permissions = False  # and the rights list cannot be read
    body = rest_edit(stack, stack.connect()["id"]).json
    assert (body["status"], body["reason"]) == ("ACTION_REQUIRED", "MISSING_PERMISSIONS")
