"""The workers' client: what it sends to the Export function and how it reads the answer."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from connection_service.exports.client import (
    ConnectionNeedsAdmin,
    ExportClient,
    ExportError,
    Function,
    InvalidCall,
    Rest,
    RestResult,
    RetryLater,
)


class RecordingLambda:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.payloads: list[bytes] = []

    def invoke(self, *, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.payloads.append(Payload)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer).encode())}


OK = {"ok": True, "signed_in": False, "results": []}


def test_the_payload_is_compact_utf8_as_the_interface_counts_it() -> None:
    recording = RecordingLambda(OK)
    ExportClient("ExportFunction", lambda_client=recording).run(
        "acme", "c1", [Function("b1", "<query>é</query>")]
    )
    [sent] = recording.payloads
    assert "é".encode() in sent and b"\\u00e9" not in sent and b", " not in sent
    assert json.loads(sent)["functions"] == [{"control_id": "b1", "xml": "<query>é</query>"}]


def test_text_that_is_not_unicode_still_reaches_the_interface_to_be_refused() -> None:
    refused = {"ok": False, "error": {"type": "/problems/invalid-input", "status": 422, "detail": "no"}}
    recording = RecordingLambda(refused)
    client = ExportClient("ExportFunction", lambda_client=recording)
    with pytest.raises(InvalidCall):
        client.run("acme", "c1", [Function("b1", "<query>\ud800</query>")])
    assert b"\\ud800" in recording.payloads[0]


# --- REST operations ----------------------------------------------------------------------------------------

BILL = {"vendor": {"id": "V200"}, "referenceNumber": "EXP-0042"}


def _answered(*results: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "signed_in": True, "results": list(results)}


def _refused(kind: str, **members: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"type": f"/problems/{kind}", "status": 409, "detail": "…", **members}}


def test_operations_are_sent_numbered_from_1_with_only_the_fields_given() -> None:
    recording = RecordingLambda(OK)
    ExportClient("ExportFunction", lambda_client=recording).run(
        "acme",
        "c1",
        [
            Rest("POST", "objects/accounts-payable/bill", BILL),
            Rest("GET", "objects/accounts-payable/vendor/22", entity="US-EAST"),
            Rest("PATCH", "objects/accounts-payable/bill/204", {"attachment": {"id": "EXP-0042"}}, "k-1"),
        ],
    )
    [sent] = recording.payloads
    payload = json.loads(sent)
    # No "functions", no "transaction": the interface reads the call as REST operations alone.
    assert payload == {
        "tenant_id": "acme",
        "connection_id": "c1",
        "operations": [
            {"id": "1", "method": "POST", "path": "objects/accounts-payable/bill", "body": BILL},
            {"id": "2", "method": "GET", "path": "objects/accounts-payable/vendor/22", "entity": "US-EAST"},
            {
                "id": "3",
                "method": "PATCH",
                "path": "objects/accounts-payable/bill/204",
                "body": {"attachment": {"id": "EXP-0042"}},
                "idempotency_key": "k-1",
            },
        ],
    }


def test_a_falsy_body_is_sent_only_none_is_left_out() -> None:
    recording = RecordingLambda(OK)
    ExportClient("ExportFunction", lambda_client=recording).run(
        "acme", "c1", [Rest("DELETE", "objects/company-config/attachment/7", {})]
    )
    [operation] = json.loads(recording.payloads[0])["operations"]
    assert operation == {
        "id": "1",
        "method": "DELETE",
        "path": "objects/company-config/attachment/7",
        "body": {},
    }


def test_each_answer_is_a_rest_result_in_order() -> None:
    error = {
        "errorno": "BL03000025",
        "description": "Vendor V999 does not exist.",
        "description2": "",
        "correction": "",
    }
    answers = _answered(
        {
            "id": "1",
            "status": "success",
            "http_status": 201,
            "result": {"key": "204", "id": "204", "href": "/objects/accounts-payable/bill/204"},
            "meta": {"totalCount": 1, "totalSuccess": 1, "totalError": 0},
            "errors": [],
            "category": None,
        },
        {
            "id": "2",
            "status": "repeated",
            "http_status": 409,
            "result": None,
            "meta": None,
            "errors": [],
            "category": None,
        },
        {
            "id": "3",
            "status": "failure",
            "http_status": 422,
            "result": None,
            "meta": None,
            "errors": [error],
            "category": "validation_failed",
        },
    )
    client = ExportClient("ExportFunction", lambda_client=RecordingLambda(answers))
    bill = Rest("POST", "objects/accounts-payable/bill", BILL)
    posted, repeated, failed = client.run("acme", "c1", [bill, bill, bill])
    assert isinstance(posted, RestResult)
    assert (posted.operation_id, posted.status, posted.http_status, posted.ok) == ("1", "success", 201, True)
    assert posted.result["key"] == "204" and posted.meta["totalCount"] == 1 and posted.errors == ()
    assert (repeated.status, repeated.ok, repeated.result) == ("repeated", True, None)
    assert (failed.status, failed.ok, failed.category) == ("failure", False, "validation_failed")
    assert failed.errors == (error,)


@pytest.mark.parametrize(
    "calls",
    [
        [Function("b1", "<query/>"), Rest("GET", "objects/accounts-payable/vendor/22")],
        [Rest("GET", "objects/accounts-payable/vendor/22"), Function("b1", "<query/>")],
        [Rest("GET", "objects/accounts-payable/vendor/22"), "objects/accounts-payable/vendor/23"],
        [Function("b1", "<query/>"), {"control_id": "b2", "xml": "<query/>"}],
    ],
)
def test_one_kind_per_call_and_nothing_sent_otherwise(calls: list[Any]) -> None:
    recording = RecordingLambda(OK)
    with pytest.raises(TypeError):
        ExportClient("ExportFunction", lambda_client=recording).run("acme", "c1", calls)
    assert recording.payloads == []


@pytest.mark.parametrize(
    ("kind", "raised"),
    [
        ("rest-needs-client-credentials", InvalidCall),
        ("invalid-input", InvalidCall),
        ("request-refused", InvalidCall),
        ("not-found", InvalidCall),
        ("not-connected", ConnectionNeedsAdmin),
        ("sign-in-blocked", ConnectionNeedsAdmin),
        ("sign-in-refused", ConnectionNeedsAdmin),
        ("intacct-unavailable", RetryLater),
        ("company-busy", RetryLater),
        ("sign-in-in-progress", RetryLater),
        ("temporarily-unavailable", RetryLater),
        ("internal-error", RetryLater),
    ],
)
def test_a_refused_call_of_operations_raises_its_typed_error(kind: str, raised: type[ExportError]) -> None:
    client = ExportClient("ExportFunction", lambda_client=RecordingLambda(_refused(kind)))
    with pytest.raises(raised) as refused:
        client.run("acme", "c1", [Rest("POST", "objects/accounts-payable/bill", BILL)])
    assert refused.value.type == kind and refused.value.status == 409
    assert refused.value.problem["type"] == f"/problems/{kind}"


def test_retry_later_says_when() -> None:
    answer = _refused("intacct-unavailable", retry_after_seconds=12)
    client = ExportClient("ExportFunction", lambda_client=RecordingLambda(answer))
    with pytest.raises(RetryLater) as later:
        client.run("acme", "c1", [Rest("GET", "objects/accounts-payable/vendor/22")])
    assert later.value.retry_after_seconds == 12


def test_an_unknown_problem_type_is_still_an_export_error() -> None:
    client = ExportClient("ExportFunction", lambda_client=RecordingLambda(_refused("something-new")))
    with pytest.raises(ExportError) as refused:
        client.run("acme", "c1", [Rest("GET", "objects/accounts-payable/vendor/22")])
    assert type(refused.value) is ExportError and refused.value.type == "something-new"


def test_a_failed_function_is_retry_later() -> None:
    class Failing(RecordingLambda):
        def invoke(self, *, FunctionName: str, Payload: bytes) -> dict[str, Any]:
            reply = super().invoke(FunctionName=FunctionName, Payload=Payload)
            return {**reply, "FunctionError": "Unhandled"}

    client = ExportClient("ExportFunction", lambda_client=Failing({"errorMessage": "boom"}))
    with pytest.raises(RetryLater) as later:
        client.run("acme", "c1", [Rest("GET", "objects/accounts-payable/vendor/22")])
    assert later.value.type == "internal-error"


def test_what_the_client_sends_is_what_the_interface_reads() -> None:
    from connection_service.exports.interface import _parse
    from connection_service.intacct.xml.writable_objects import WritableObjects

    recording = RecordingLambda(OK)
    ExportClient("ExportFunction", lambda_client=recording).run(
        "acme",
        "c1",
        [
            Rest("POST", "objects/company-config/attachment", {"id": "EXP-0042"}, "receipt-EXP-0042"),
            Rest("POST", "services/core/query", {"object": "accounts-payable/vendor", "fields": ["id"]}),
        ],
    )
    parsed = _parse(json.loads(recording.payloads[0]), WritableObjects.listed("APBILL,SUPDOC"))
    assert parsed.functions == [] and not parsed.transaction
    assert [(o.operation_id, o.method, o.path, o.idempotency_key, o.writes) for o in parsed.operations] == [
        ("1", "POST", "objects/company-config/attachment", "receipt-EXP-0042", True),
        ("2", "POST", "services/core/query", None, False),
    ]
