"""The workers' client over the local Invoke API emulator and the Export function's handler, against moto
and the simulator: results, the typed errors, and a retried write that posts nothing twice."""

from __future__ import annotations

import io
from typing import Any

import pytest

from connection_service.exports.client import (
    ConnectionNeedsAdmin,
    ExportClient,
    Function,
    InvalidCall,
    RetryLater,
)
from local_stack.lambda_invoke import LambdaInvokeEmulator, invokable_functions
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

QUERY = Function("vendors", "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>")
BILL = Function(
    "bill-EXP-0042",
    "<create><APBILL><VENDORID>V200</VENDORID><WHENCREATED>03/15/2026</WHENCREATED><APBILLITEMS>"
    "<APBILLITEM><ACCOUNTNO>6000</ACCOUNTNO><TRX_AMOUNT>42.00</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
    "</APBILL></create>",
)


class EmulatedLambda:
    """boto3's Lambda client as the client uses it (invoke), answered by the local stack's Invoke API."""

    def __init__(self) -> None:
        self.emulator = LambdaInvokeEmulator(invokable_functions())

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        path = f"/2015-03-31/functions/{FunctionName}/invocations"
        answer = self.emulator.answer("POST", path, Payload)
        assert answer is not None and answer.status == 200, answer
        reply: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(answer.body.encode())}
        if "x-amz-function-error" in answer.headers:
            reply["FunctionError"] = answer.headers["x-amz-function-error"]
        return reply


@pytest.fixture
def exports(stack: Stack) -> ExportClient:
    return ExportClient("ExportFunction", lambda_client=EmulatedLambda())


@pytest.fixture
def connection_id(stack: Stack) -> str:
    connection_id = str(stack.connect()["id"])
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    return connection_id


def test_only_the_functions_workers_invoke_are_on_the_invoke_api() -> None:
    assert set(invokable_functions()) == {"ExportFunction"}
    missing = LambdaInvokeEmulator(invokable_functions()).answer(
        "POST", "/2015-03-31/functions/x/invocations", b"{}"
    )
    assert missing is not None and missing.status == 404


def test_a_read_and_a_bill_sent_twice(exports: ExportClient, connection_id: str) -> None:
    [vendors] = exports.run("acme", connection_id, [QUERY])
    assert vendors.ok and "V200" in (vendors.data or "")
    [posted] = exports.run("acme", connection_id, [BILL])
    [again] = exports.run("acme", connection_id, [BILL])
    assert (posted.status, again.status) == ("success", "repeated") and again.ok


def test_the_errors_are_typed(stack: Stack, exports: ExportClient, connection_id: str) -> None:
    with pytest.raises(InvalidCall) as invalid:
        exports.run("acme", connection_id, [Function("x", "<getAPISession/>")])
    assert invalid.value.problem["errors"][0]["field"] == "functions[0]"
    with pytest.raises(InvalidCall):
        exports.run("someone-else", connection_id, [QUERY])
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"web_services_enabled": False})
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/sessions", None)
    with pytest.raises(ConnectionNeedsAdmin) as needs_admin:
        exports.run("acme", connection_id, [QUERY])
    assert needs_admin.value.type == "sign-in-refused"
    with pytest.raises(ConnectionNeedsAdmin) as still:
        exports.run("acme", connection_id, [QUERY])
    assert still.value.problem["connection_reason"] == "WEB_SERVICES_DISABLED"


def test_an_outage_says_retry_later(stack: Stack, exports: ExportClient, connection_id: str) -> None:
    exports.run("acme", connection_id, [QUERY])
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_503", "always": True})
    with pytest.raises(RetryLater) as busy:
        exports.run("acme", connection_id, [QUERY])
    assert busy.value.retry_after_seconds >= 1
