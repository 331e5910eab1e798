"""The export interface end to end: the Export function's handler against moto and the simulator over
loopback, as a worker invokes it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from connection_service import bootstrap
from connection_service.use_cases import run_export
from local_stack.api_gateway import LambdaContext, load_handler
from tests.infrastructure.helpers import ROOT
from tests.support.demo import DEMO_PASSWORD
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

QUERY = "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>"
BILL = (
    "<create><APBILL><VENDORID>V200</VENDORID><WHENCREATED>03/15/2026</WHENCREATED><APBILLITEMS>"
    "<APBILLITEM><ACCOUNTNO>6000</ACCOUNTNO><TRX_AMOUNT>12.50</TRX_AMOUNT></APBILLITEM>"
    "</APBILLITEMS></APBILL></create>"
)
Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def connection_id(stack: Stack) -> str:
    connection_id = str(stack.connect()["id"])
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    return connection_id


@pytest.fixture
def invoke(stack: Stack, connection_id: str) -> Invoke:
    handler = load_handler(ROOT / "functions" / "export", "app.handler")

    def call(
        *functions: tuple[str, str], tenant: str = "acme", connection: str = connection_id, **extra: Any
    ):  # type: ignore[no-untyped-def]
        event = {
            "tenant_id": tenant,
            "connection_id": connection,
            "functions": [{"control_id": control_id, "xml": xml} for control_id, xml in functions],
            **extra,
        }
        return handler(event, LambdaContext("ExportFunction", 60))

    return call


def _sign_ins(stack: Stack) -> int:
    return sum("getAPISession" in r["functions"] for r in stack.simulator.requests("DEMO-CO"))


def test_a_worker_reads_and_posts_without_the_password(stack: Stack, invoke: Invoke) -> None:
    before = _sign_ins(stack)
    read = invoke(("vendors", QUERY))
    assert read["ok"] and read["signed_in"] and read["results"][0]["status"] == "success"
    assert "V200" in read["results"][0]["data"]
    posted = invoke(("bill-0042", BILL))
    assert posted["ok"] and not posted["signed_in"] and posted["results"][0]["status"] == "success"
    assert _sign_ins(stack) == before + 1  # one session for both calls
    body = str(stack.simulator.requests("DEMO-CO")[-1])
    assert "Passw" not in body


def test_a_steady_export_reuses_its_session(stack: Stack, invoke: Invoke) -> None:
    before = _sign_ins(stack)
    answers = [invoke((f"q{i}", QUERY)) for i in range(10)]
    assert all(a["ok"] for a in answers) and _sign_ins(stack) == before + 1


def test_a_retried_bill_is_posted_once(stack: Stack, invoke: Invoke) -> None:
    stack.simulator_control(  # the 16 permissions post bills; reading them back needs View
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/grant",
        {"application": "Accounts Payable", "activity": "Bills", "permission": "View"},
    )

    def bills() -> int:
        query = "<query><object>APBILL</object><select><field>RECORDNO</field></select></query>"
        return str(invoke((f"count-{uuid.uuid4().hex}", query))["results"][0]["data"]).count("<APBILL>")

    before = bills()
    first = invoke(("bill-7", BILL))
    again = invoke(("bill-7", BILL))  # the worker lost the first answer and sends the same call again
    assert first["results"][0]["status"] == "success" and again["results"][0]["status"] == "repeated"
    assert bills() == before + 1


def test_an_ended_session_gets_one_fresh_sign_in(stack: Stack, invoke: Invoke) -> None:
    invoke(("q1", QUERY))
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)
    before = _sign_ins(stack)
    answer = invoke(("q2", QUERY))
    assert answer["ok"] and answer["signed_in"] and _sign_ins(stack) == before + 1


def test_a_password_changed_in_intacct_is_refused_once_then_never_sent(
    stack: Stack, invoke: Invoke, connection_id: str
) -> None:
    invoke(("q1", QUERY))
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": "Rotated-9!"})
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)
    refused = invoke(("q2", QUERY))
    assert not refused["ok"] and refused["error"]["type"] == "/problems/sign-in-refused"
    shown = stack.call("GET", f"/connections/{connection_id}").json  # as the health check records it
    assert (shown["status"], shown["reason"]) == ("ACTION_REQUIRED", "INVALID_CREDENTIALS")
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    assert history[-1]["trigger"] == "export" and history[-1]["to_status"] == "ACTION_REQUIRED"
    assert any(e["detail"]["trigger"] == "export" for e in stack.published_events())
    sent = len(stack.simulator.requests("DEMO-CO"))
    for _ in range(3):
        again = invoke(("q3", QUERY))
        assert again["error"]["type"] == "/problems/not-connected"
        assert again["error"]["connection_reason"] == "INVALID_CREDENTIALS"
    assert len(stack.simulator.requests("DEMO-CO")) == sent  # the same answer, without a round trip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"tenant": "other-tenant"}, "not-found"),
        ({"connection": "no-such-connection"}, "not-found"),
        ({"functions": [("x", "<getAPISession/>")]}, "invalid-input"),
        ({"functions": [("x", "<create>")]}, "invalid-input"),
        ({"functions": []}, "invalid-input"),
        ({"transaction": "yes"}, "invalid-input"),
        ({"extra": 1}, "invalid-input"),
    ],
)
def test_bad_calls_get_a_typed_error_and_send_nothing(
    stack: Stack, invoke: Invoke, change: dict[str, Any], problem: str
) -> None:
    sent = len(stack.simulator.requests("DEMO-CO"))
    functions = change.pop("functions", [("q", QUERY)])
    answer = invoke(*functions, **change)
    assert not answer["ok"] and answer["error"]["type"] == f"/problems/{problem}"
    assert len(stack.simulator.requests("DEMO-CO")) == sent


@pytest.mark.parametrize(
    "refused",
    [
        "<create><LOCATIONENTITY><LOCATIONID>E9</LOCATIONID><NAME>Shadow</NAME></LOCATIONENTITY></create>",
        "<update><GLACCOUNT><ACCOUNTNO>6000</ACCOUNTNO><TITLE>Renamed</TITLE></GLACCOUNT></update>",
        "<delete><object>VEN<!--split-->DOR</object><keys>V200</keys></delete>",
    ],
)
def test_a_write_of_an_object_not_listed_sends_nothing(stack: Stack, invoke: Invoke, refused: str) -> None:
    sent = len(stack.simulator.requests("DEMO-CO"))
    answer = invoke(("bill-1", BILL), ("refused", refused))
    assert answer["error"]["type"] == "/problems/invalid-input"
    [problem] = answer["error"]["errors"]
    assert problem["field"] == "functions[1]"
    assert any(name in problem["message"] for name in ("LOCATIONENTITY", "GLACCOUNT", "VENDOR"))
    assert len(stack.simulator.requests("DEMO-CO")) == sent  # not even a sign-in


def test_a_deployment_that_lists_an_object_sends_its_writes(
    stack: Stack, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = "<create><VENDOR><VENDORID>V900</VENDORID><NAME>New vendor</NAME></VENDOR></create>"
    assert invoke(("vendor-1", vendor))["error"]["type"] == "/problems/invalid-input"
    monkeypatch.setenv("EXPORT_WRITABLE_OBJECTS", "APBILL,GLBATCH,CCTRANSACTION,SUPDOC,SUPDOCFOLDER,VENDOR")
    bootstrap.reset()  # a new cold start reads the new list
    answer = invoke(("vendor-2", vendor))
    assert answer["ok"] and answer["results"][0]["function"] == "create"
    assert stack.simulator.requests("DEMO-CO")[-1]["functions"] == ["create"]


def test_a_disconnected_connection_exports_nothing(stack: Stack, invoke: Invoke, connection_id: str) -> None:
    assert stack.call("DELETE", f"/connections/{connection_id}").status == 204
    answer = invoke(("q", QUERY))
    assert answer["error"]["type"] == "/problems/not-connected"
    assert answer["error"]["connection_status"] == "DISCONNECTED"


def test_an_oversized_payload_is_refused(stack: Stack, invoke: Invoke) -> None:
    huge = "<create><APBILL><DESCRIPTION>" + "x" * (5 * 1024 * 1024) + "</DESCRIPTION></APBILL></create>"
    answer = invoke(("big", huge))
    assert answer["error"]["type"] == "/problems/invalid-input"


def test_a_right_taken_away_shows_on_the_connection_after_a_refused_export(
    stack: Stack, invoke: Invoke, connection_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_export, "RECHECK_AFTER_REFUSED_RIGHT", timedelta(0))  # the edit just checked it
    invoke(("q1", QUERY))
    stack.simulator_control(
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/revoke",
        {"application": "Projects", "activity": "Projects", "permission": "View"},
    )
    projects = "<query><object>PROJECT</object><select><field>PROJECTID</field></select></query>"
    answer = invoke(("projects", projects))
    assert answer["ok"] and answer["results"][0]["category"] == "permission_denied"
    shown = stack.call("GET", f"/connections/{connection_id}").json
    assert (shown["status"], shown["reason"]) == ("ACTION_REQUIRED", "MISSING_PERMISSIONS")
    assert shown["missing_permissions"] == [
        {"application": "Projects", "activity": "Projects", "permission": "View"}
    ]
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    assert history[-1]["trigger"] == "export"


def test_neither_the_password_nor_the_session_id_leaves_the_service(
    stack: Stack, invoke: Invoke, capfd: pytest.CaptureFixture[str]
) -> None:
    answers = [invoke(("q1", QUERY)), invoke(("bill-9", BILL)), invoke(("x", "<create>"))]
    cache = bootstrap.environment().use_cases._sessions
    [(opened, _)] = cache._sessions.values()
    session_id = opened.session.credentials.session_id.reveal()
    captured = capfd.readouterr()
    for text in (str(answers), captured.out, captured.err, repr(opened)):
        assert DEMO_PASSWORD not in text and session_id not in text
