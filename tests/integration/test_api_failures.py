"""Every demo failure case, bad input, transient faults and the sign-in attempt limit, through the API."""

from __future__ import annotations

import pytest

from connection_service import bootstrap
from tests.support.demo import DEMO_PASSWORD
from tests.support.stack import Stack


@pytest.mark.parametrize(
    ("fields", "reason", "missing_check"),
    [
        ({"user_password": "wrong-password"}, "INVALID_CREDENTIALS", "sign_in"),
        ({"entity_id": "NO-SUCH-ENTITY"}, "ENTITY_INVALID", "entity"),
        ({"user_id": "ws_locked"}, "INVALID_CREDENTIALS", "sign_in"),
        ({"company_id": "NOSENDER-CO"}, "SENDER_NOT_AUTHORIZED", "sender_authorized"),
        ({"company_id": "NOWS-CO"}, "WEB_SERVICES_DISABLED", "web_services"),
        ({"company_id": "EXPIRED-CO"}, "COMPANY_EXPIRED", None),
    ],
    ids=[
        "wrong-password",
        "bad-entity",
        "locked-user",
        "sender-not-authorized",
        "web-services-off",
        "expired",
    ],
)
def test_each_demo_failure_says_what_to_fix(
    stack: Stack, fields: dict[str, str], reason: str, missing_check: str | None
) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.edit(connection_id, **fields)
    assert reply.status == 200, reply.text
    body = reply.json
    assert (body["status"], body["status_label"], body["reason"], body["health"]) == (
        "ACTION_REQUIRED",
        "Action Required",
        reason,
        "OK",
    )
    assert body["verification"]["completed"] is True
    missing = [c["id"] for c in body["checks"] if c["status"] == "missing"]
    assert missing == ([missing_check] if missing_check else [])
    for check in body["checks"]:
        assert (check["remediation"] is None) == (check["status"] == "ok")
    # The credentials are saved anyway, so the admin can fix Intacct and press verify.
    assert stack.call("GET", f"/connections/{connection_id}").json["company_id"] == fields.get(
        "company_id", "DEMO-CO"
    )


def test_missing_permissions_are_listed_exactly(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    body = stack.edit(connection_id, user_id="ws_limited").json
    assert body["reason"] == "MISSING_PERMISSIONS"
    assert body["missing_permissions"] == [
        {"application": "Accounts Payable", "activity": "Bills", "permission": "Add"},
        {"application": "Projects", "activity": "Projects", "permission": "View"},
    ]
    missing = {c["id"]: c["remediation"] for c in body["checks"] if c["status"] == "missing"}
    assert set(missing) == {"permission.accounts_payable.bills.add", "permission.projects.projects.view"}
    assert "Company > Admin > Roles" in missing["permission.projects.projects.view"]
    assert "Subscriptions > Projects > Permissions" in missing["permission.projects.projects.view"]


def test_a_fixed_permission_is_seen_by_verify(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id, user_id="ws_limited").json["status"] == "ACTION_REQUIRED"
    for grant in (
        {"application": "Projects", "activity": "Projects", "permission": "View"},
        {"application": "Accounts Payable", "activity": "Bills", "permission": "Add"},
    ):
        stack.simulator_control("POST", "/_sim/companies/DEMO-CO/users/ws_limited/grant", grant)
    reply = stack.call("POST", f"/connections/{connection_id}/verify")
    assert reply.json["status"] == "CONNECTED" and reply.json["missing_permissions"] == []


def test_flaky_intacct_is_retried_and_never_blamed_on_the_customer(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    body = stack.edit(connection_id, company_id="FLAKY-CO").json
    assert body["status"] == "CONNECTED" and body["health"] == "OK"


def test_an_outage_keeps_the_status_and_marks_health_degraded(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_503", "always": True})
    reply = stack.call("POST", f"/connections/{connection_id}/verify")
    assert reply.status == 200
    body = reply.json
    assert (body["status"], body["health"], body["health_reason"]) == (
        "CONNECTED",
        "DEGRADED",
        "INTACCT_UNAVAILABLE",
    )
    assert (
        body["verification"]["completed"] is False and body["verification"]["reason"] == "INTACCT_UNAVAILABLE"
    )
    assert all(c["status"] == "ok" for c in body["checks"])  # the last known checklist stays

    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    healed = stack.call("POST", f"/connections/{connection_id}/verify").json
    assert (healed["status"], healed["health"], healed["health_reason"]) == ("CONNECTED", "OK", None)


def test_a_verification_that_cannot_finish_in_time_says_so(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    monkeypatch.setenv("API_VERIFICATION_TIME_LIMIT_SECONDS", "1.5")
    bootstrap.reset()
    stack.simulator_control(
        "POST", "/_sim/companies/DEMO-CO/faults", {"kind": "slow", "always": True, "delay_ms": 4000}
    )
    body = stack.call("POST", f"/connections/{connection_id}/verify").json
    assert (body["status"], body["health"], body["health_reason"]) == (
        "CONNECTED",
        "DEGRADED",
        "INTACCT_UNAVAILABLE",
    )
    assert body["verification"]["completed"] is False


def test_rate_limiting_is_transient_too(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "rate_limit", "always": True})
    body = stack.edit(connection_id).json
    assert (body["status"], body["health"], body["health_reason"]) == (
        "AWAITING_CREDENTIALS",
        "DEGRADED",
        "RATE_LIMITED",
    )


def test_repeated_wrong_passwords_are_stopped_before_the_user_locks(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    first = stack.edit(connection_id, user_password="nope")
    assert (first.json["reason"], first.json["sign_in_attempts_left"]) == ("INVALID_CREDENTIALS", 1)
    again = stack.edit(connection_id, user_password="nope")  # the same refused password: not sent again
    assert again.json["reason"] == "INVALID_CREDENTIALS"
    assert (again.json["verification"]["blocked"], again.json["verification"]["round_trips"]) == (
        "refused_password",
        0,
    )
    assert stack.edit(connection_id, user_password="nope-2").json["sign_in_attempts_left"] == 0
    refused = stack.edit(connection_id, user_password="still-wrong")
    assert refused.status == 429 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json["type"] == "/problems/sign-in-budget-spent" and "retry-after" not in refused.headers
    # Nothing of the refused edit was saved; verify would use "nope-2", which Intacct refused: with no
    # attempt left that is the same 429 (a refused password is no free test of guesses).
    assert stack.call("POST", f"/connections/{connection_id}/verify").status == 429
    sign_ins = [r for r in stack.simulator.requests("DEMO-CO") if r["auth"] == "login"]
    assert sum(r["sign_in_failed"] for r in sign_ins) == 2
    assert (
        stack.simulator_control("GET", "/_sim/companies/DEMO-CO/users/ws_expenses", None)["status"]
        == "active"
    )


def test_changing_company_of_a_connected_connection_needs_confirmation(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    refused = stack.edit(connection_id, company_id="FLAKY-CO")
    assert refused.status == 409 and refused.json["type"] == "/problems/company-change-not-confirmed"
    assert stack.call("GET", f"/connections/{connection_id}").json["company_id"] == "DEMO-CO"
    moved = stack.edit(connection_id, company_id="FLAKY-CO", confirm_company_change=True)
    assert moved.status == 200 and moved.json["company_id"] == "FLAKY-CO"


VALID = {"company_id": "C", "user_id": "u", "user_password": "Zq9-Secret!"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**VALID, "company_id": ""}, ["company_id"]),
        ({**VALID, "company_id": "C" * 101}, ["company_id"]),
        ({**VALID, "company_id": "C\x07"}, ["company_id"]),
        ({**VALID, "user_id": 5}, ["user_id"]),
        ({**VALID, "user_password": ""}, ["user_password"]),
        ({**VALID, "user_password": "x" * 257}, ["user_password"]),
        ({**VALID, "user_password": "ab\x01cd"}, ["user_password"]),  # XML cannot carry it to Intacct
        ({**VALID, "user_password": "ab\ud800cd"}, ["user_password"]),  # a lone surrogate neither
        ({"company_id": "C", "user_id": "u"}, ["user_password"]),
        ({**VALID, "tenant_id": "evil"}, ["tenant_id"]),
        ({**VALID, "confirm_company_change": "yes"}, ["confirm_company_change"]),
    ],
)
def test_bad_input_names_the_field_and_never_echoes_the_password(
    stack: Stack, body: dict[str, object], fields: list[str]
) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.call("PUT", f"/connections/{connection_id}/credentials", body)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)
    assert [e["field"] for e in problem["errors"]] == fields
    password = body.get("user_password")
    if isinstance(password, str) and password:
        assert password not in reply.text


def test_password_is_taken_exactly_as_typed(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.edit(connection_id, user_password=f" {DEMO_PASSWORD} ")
    assert reply.json["reason"] == "INVALID_CREDENTIALS"  # spaces are part of a password, not trimmed


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b"[1, 2]", 400), (b"", 400), (b'{"user_password": "' + b"x" * 20000 + b'"}', 413)],
    ids=["not-json", "not-object", "empty", "too-large"],
)
def test_unreadable_bodies(stack: Stack, raw: bytes, status: int) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.call("PUT", f"/connections/{connection_id}/credentials", raw=raw)
    assert reply.status == status and reply.json["status"] == status


def test_verify_before_credentials_is_a_conflict(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    reply = stack.call("POST", f"/connections/{connection_id}/verify")
    assert reply.status == 409 and reply.json["type"] == "/problems/invalid-state"


def test_unknown_routes_and_ids(stack: Stack) -> None:
    assert stack.call("GET", "/connections/nope").status == 404
    assert stack.call("GET", "/nothing-here").status == 404
