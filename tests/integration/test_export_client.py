"""The workers' client over the local Invoke API emulator and the Export function's handler, against moto
and the simulator: results, the typed errors, and a retried write that posts nothing twice, over XML
functions and over REST operations."""

from __future__ import annotations

import io
from typing import Any

import pytest

from connection_service.exports.client import (
    ConnectionNeedsAdmin,
    ExportClient,
    Function,
    InvalidCall,
    Rest,
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


# --- REST operations ----------------------------------------------------------------------------------------


def rest_bill(reference: str) -> Rest:
    body = {
        "vendor": {"id": "V200"},
        "createdDate": "2026-03-16",
        "referenceNumber": reference,
        "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "42.00"}],
    }
    return Rest("POST", "objects/accounts-payable/bill", body)


def bills_with(stack: Stack, reference: str) -> int:
    company = stack.simulator._state.company("DEMO-CO")
    assert company is not None
    return sum(1 for bill in company.records.get("APBILL", []) if bill.get("DOCNUMBER") == reference)


@pytest.fixture
def rest_connection_id(stack: Stack) -> str:
    connection_id = str(stack.connect()["id"])
    body = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses"}
    saved = stack.call("PUT", f"/connections/{connection_id}/credentials", body)
    assert saved.json["status"] == "CONNECTED", saved.text
    return connection_id


def test_a_read_and_a_bill_over_rest_sent_twice(
    stack: Stack, exports: ExportClient, rest_connection_id: str
) -> None:
    query = {
        "object": "accounts-payable/vendor",
        "fields": ["id", "name"],
        "filters": [{"$eq": {"id": "V200"}}],
    }
    [vendors] = exports.run("acme", rest_connection_id, [Rest("POST", "services/core/query", query)])
    assert (vendors.operation_id, vendors.status, vendors.http_status) == ("1", "success", 200)
    assert vendors.result == [{"id": "V200", "name": "Skyline Airlines"}] and vendors.meta["totalCount"] == 1
    [posted] = exports.run("acme", rest_connection_id, [rest_bill("EXP-CLIENT-1")])
    [again] = exports.run("acme", rest_connection_id, [rest_bill("EXP-CLIENT-1")])
    assert (posted.status, posted.http_status) == ("success", 201) and posted.result["key"]
    assert (again.status, again.ok, again.result) == ("repeated", True, None)
    assert bills_with(stack, "EXP-CLIENT-1") == 1


def test_a_bill_intacct_refuses_is_a_failure_of_its_own(
    exports: ExportClient, rest_connection_id: str
) -> None:
    unknown_vendor = Rest("POST", "objects/accounts-payable/bill", {"vendor": {"id": "V999"}, "lines": []})
    refused, read = exports.run(
        "acme", rest_connection_id, [unknown_vendor, Rest("GET", "objects/accounts-payable/vendor/22")]
    )
    assert (refused.status, refused.ok, refused.http_status) == ("failure", False, 422)
    assert refused.category == "validation_failed" and refused.errors
    assert (read.operation_id, read.status) == ("2", "success")  # the next operation still ran


def test_rest_errors_are_typed(stack: Stack, exports: ExportClient, rest_connection_id: str) -> None:
    with pytest.raises(InvalidCall) as refused_path:
        exports.run("acme", rest_connection_id, [Rest("GET", "objects/company-config/user")])
    assert refused_path.value.problem["errors"][0]["field"] == "operations[0]"
    password_connection = str(stack.connect("other")["id"])
    assert stack.edit(password_connection, tenant="other").json["status"] == "CONNECTED"
    with pytest.raises(InvalidCall) as needs_token:
        exports.run("other", password_connection, [rest_bill("EXP-CLIENT-2")])
    assert needs_token.value.type == "rest-needs-client-credentials"
    assert bills_with(stack, "EXP-CLIENT-2") == 0
