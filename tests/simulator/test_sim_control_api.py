"""The JSON control API under /_sim/ and the Python inspection API."""

from __future__ import annotations

import json

import pytest
import requests

from intacct_simulator import IntacctSimulator
from intacct_simulator.server import is_loopback_client, loopback_bind_address
from tests.simulator.helpers import PASSWORD, GatewayClient, get_api_session, query, user_permissions

pytestmark = pytest.mark.integration


def test_health(gw: GatewayClient) -> None:
    response = gw.control("GET", "/_sim/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"ok": True}


def test_requests_endpoint(gw: GatewayClient) -> None:
    gw.call()
    gw.call(company="NOWS-CO")
    gw.call(query("DEPARTMENT", ["RECORDNO"]), password="bad")
    everything = gw.control("GET", "/_sim/requests").json()["requests"]
    assert [e["company"] for e in everything] == ["DEMO-CO", "NOWS-CO", "DEMO-CO"]
    demo = gw.control("GET", "/_sim/requests?company=demo-co").json()["requests"]
    assert len(demo) == 2
    newest = demo[-1]
    assert set(newest) >= {
        "time",
        "company",
        "user",
        "entity",
        "auth",
        "functions",
        "http_status",
        "sign_in_failed",
        "fault",
    }
    assert newest["functions"] == ["query"]
    assert newest["http_status"] == 401 and newest["sign_in_failed"] is True
    assert newest["auth"] == "login" and newest["user"] == "ws_expenses" and newest["fault"] is None
    assert PASSWORD not in json.dumps(everything)
    assert gw.sim.requests("DEMO-CO") == demo


def test_stats_and_reset(gw: GatewayClient) -> None:
    gw.call()
    stats = gw.control("GET", "/_sim/stats").json()["max_in_flight"]
    assert stats["DEMO-CO"] == 1 and stats["NOWS-CO"] == 0
    assert gw.control("POST", "/_sim/reset").json() == {"ok": True}
    assert gw.control("GET", "/_sim/requests").json() == {"requests": []}
    assert gw.control("GET", "/_sim/stats").json()["max_in_flight"]["DEMO-CO"] == 0


def test_revoke_and_grant(gw: GatewayClient) -> None:
    body = {"application": "Projects", "activity": "Projects", "permission": "View"}
    revoked = gw.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/revoke", body)
    assert revoked.status_code == 200
    assert revoked.json()["permissions"]["Projects"]["Projects"] == ["List"]
    assert "password" not in revoked.text.lower()
    assert gw.call(query("PROJECT", ["RECORDNO"])).result_errors()[0]["errorno"] == "PL04000005"
    assert gw.control("POST", "/_sim/companies/demo-co/users/WS_EXPENSES/grant", body).ok
    assert gw.call(query("PROJECT", ["RECORDNO"])).result().findtext("status") == "success"


def test_grant_creates_application_and_policy(gw: GatewayClient) -> None:
    body = {"application": "Time & Expense", "activity": "Expense Reports", "permission": "Add"}
    granted = gw.control("POST", "/_sim/companies/DEMO-CO/users/ws_limited/grant", body).json()
    assert granted["permissions"]["Time & Expense"] == {"Expense Reports": ["Add"]}
    reply = gw.call(user_permissions("ws_limited"), user="ws_limited")
    names = [
        s.findtext("applicationName") for s in reply.result().findall("data/permissions/appSubscription")
    ]
    assert names[-1] == "Time & Expense"


def test_patch_user_password_and_status(gw: GatewayClient) -> None:
    url = "/_sim/companies/DEMO-CO/users/ws_expenses"
    response = gw.control("PATCH", url, {"password": "N3w-Pass!"})
    assert response.status_code == 200 and "N3w-Pass!" not in response.text
    assert gw.call().status == 401
    assert gw.call(password="N3w-Pass!").status == 200
    assert gw.control("PATCH", url, {"status": "locked"}).json()["status"] == "locked"
    assert gw.call(password="N3w-Pass!").status == 401
    assert gw.control("PATCH", url, {"status": "active"}).json()["failed_sign_ins"] == 0
    assert gw.call(password="N3w-Pass!").status == 200


def test_patch_company_flags(gw: GatewayClient) -> None:
    url = "/_sim/companies/DEMO-CO"
    assert gw.control("PATCH", url, {"web_services_enabled": False}).json()["web_services_enabled"] is False
    assert (gw.call().auth_errors[0]["description"] or "").startswith(
        "This company is not authorized for XML"
    )
    assert gw.control("PATCH", url, {"web_services_enabled": True, "sender_authorized": False}).ok
    assert gw.call().auth_errors[0]["description"] == "Invalid Web Services Authorization"
    assert gw.control("PATCH", url, {"sender_authorized": True, "demo_expired": True}).ok
    assert gw.call().control_errors[0]["errorno"] == "PL04000055"
    summary = gw.control("PATCH", url, {"demo_expired": False}).json()
    assert summary["sender_authorized"] is True and summary["demo_expired"] is False
    assert gw.call().status == 200
    # NOSENDER-CO's inactive authorization becomes active.
    assert gw.control("PATCH", "/_sim/companies/NOSENDER-CO", {"sender_authorized": True}).ok
    assert gw.call(company="NOSENDER-CO").auth_status == "success"


def test_patch_company_knob(gw: GatewayClient) -> None:
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO", {"sign_in_failure_style": "legacy"}).ok
    assert gw.call(password="nope").status == 200
    bad = gw.control("PATCH", "/_sim/companies/DEMO-CO", {"concurrency_limit": 0})
    assert bad.status_code == 400 and "concurrency_limit" in bad.json()["error"]


def test_faults_endpoints(gw: GatewayClient) -> None:
    url = "/_sim/companies/DEMO-CO/faults"
    added = gw.control("POST", url, {"kind": "http_500", "nth": [1]})
    assert added.json()["faults"] == [{"kind": "http_500", "nth": [1], "delay_ms": 0}]
    assert gw.call().status == 500
    assert gw.control("POST", url, {"kind": "http_502", "always": True}).ok
    assert gw.call().status == 502
    assert gw.control("DELETE", url).json() == {"faults": []}
    assert gw.call().status == 200
    bad = gw.control("POST", url, {"kind": "explode", "always": True})
    assert bad.status_code == 400 and "kind" in bad.json()["error"]
    no_trigger = gw.control("POST", url, {"kind": "http_500"})
    assert no_trigger.status_code == 400 and "trigger" in no_trigger.json()["error"]


def test_end_sessions_endpoint(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    assert gw.control("DELETE", "/_sim/companies/DEMO-CO/sessions").json() == {"ended_sessions": 1}
    assert gw.call(get_api_session(), session=session_id).auth_errors[0]["description2"] == "Invalid session"


def test_reset_restores_data_file_state(gw: GatewayClient) -> None:
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"status": "inactive"}).ok
    assert gw.control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_500", "always": True}).ok
    assert gw.control("PATCH", "/_sim/companies/NOWS-CO", {"web_services_enabled": True}).ok
    assert gw.control("POST", "/_sim/reset").ok
    assert gw.call().status == 200
    assert gw.call(company="NOWS-CO").auth_status == "failure"
    user = gw.control("GET", "/_sim/companies/DEMO-CO/users/ws_expenses").json()
    assert user["status"] == "active" and "password" not in user


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PATCH", "/_sim/companies/NOPE-CO", {"demo_expired": True}, 404),
        ("PATCH", "/_sim/companies/DEMO-CO/users/nobody", {"status": "active"}, 404),
        ("POST", "/_sim/companies/DEMO-CO/users/nobody/grant", {"application": "a"}, 404),
        ("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"status": "asleep"}, 400),
        ("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"colour": "red"}, 400),
        ("PATCH", "/_sim/companies/DEMO-CO", {"demo_expired": "yes"}, 400),
        ("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", {"application": "Projects"}, 400),
        ("GET", "/_sim/nothing-here", None, 404),
        ("DELETE", "/_sim/health", None, 405),
    ],
)
def test_errors(gw: GatewayClient, method: str, path: str, body: object, status: int) -> None:
    response = gw.control(method, path, body)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str) and response.json()["error"]


def test_bad_json_body(sim: IntacctSimulator) -> None:
    response = requests.patch(
        sim.base_url + "/_sim/companies/DEMO-CO", data=b"{not json", timeout=5, headers={"Content-Type": "x"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_loopback_only() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):  # noqa: S104 - asserting it is refused
        with pytest.raises(ValueError, match="refusing"):
            IntacctSimulator({"senders": [{"id": "s", "password": "p"}], "companies": {"C": {}}}, host=host)
    assert loopback_bind_address("localhost") == "127.0.0.1"
    assert loopback_bind_address("127.0.0.5") == "127.0.0.5"
    assert (
        is_loopback_client("127.0.0.1")
        and is_loopback_client("::1")
        and is_loopback_client("::ffff:127.0.0.1")
    )
    assert not is_loopback_client("10.0.0.7") and not is_loopback_client("::ffff:10.0.0.7")


def test_stop_really_stops(demo_data: dict[str, object]) -> None:
    sim = IntacctSimulator(demo_data).start()
    session = requests.Session()
    assert session.get(sim.base_url + "/_sim/health", timeout=5).ok  # leaves a kept-alive connection
    url = sim.base_url
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(url + "/_sim/health", timeout=2)
    session.close()
