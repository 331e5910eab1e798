"""REST composite requests: a sub-request's `resultReference` and later `@{name.index.field}` references in
paths, headers and bodies; every way a reference can be wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator.helpers import GatewayClient, query
from tests.simulator.rest_helpers import RestClient

pytestmark = pytest.mark.integration

COMPOSITE = "/services/core/composite"
FOLDERS = "/objects/company-config/folder"
BILL = {
    "vendor": {"id": "V100"},
    "createdDate": "2024-05-01",
    "billNumber": "B-REF",
    "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "25.00"}],
}


@pytest.fixture
def signed_in(rest: RestClient) -> RestClient:
    rest.sign_in()
    return rest


def _send(client: RestClient, *items: dict[str, Any]) -> list[dict[str, Any]]:
    reply = client.call("POST", COMPOSITE, list(items))
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["ia::result"]
    return results


def _error(result: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = result["ia::result"]["ia::error"]
    return error


def _query(obj: str, fields: list[str], reference: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"object": obj, "fields": fields, **extra}
    item: dict[str, Any] = {"method": "POST", "path": "/services/core/query", "body": body}
    if reference is not None:
        item["resultReference"] = reference
    return item


def test_a_created_bill_is_read_back_by_its_key(signed_in: RestClient) -> None:
    grant = {"application": "Accounts Payable", "activity": "Bills", "permission": "View"}
    assert signed_in.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", grant).ok
    results = _send(
        signed_in,
        {"method": "POST", "path": "/objects/accounts-payable/bill", "body": BILL, "resultReference": "bill"},
        {"method": "GET", "path": "/objects/accounts-payable/bill/@{bill.1.key}"},
    )
    created = results[0]["ia::result"]
    assert results[1]["ia::result"]["key"] == created["key"]
    assert results[1]["ia::result"]["billNumber"] == "B-REF"


def test_references_in_a_body_a_query_filter_and_text(signed_in: RestClient) -> None:
    results = _send(
        signed_in,
        _query("company-config/department", ["id", "name"], orderBy=[{"id": "desc"}], reference="depts"),
        {
            "method": "POST",
            "path": FOLDERS,
            "body": {"id": "For-@{depts.1.id}", "description": "@{depts.2.name} receipts"},
            "resultReference": "folder",
        },
        _query("company-config/folder", ["id", "description"], filters=[{"$eq": {"id": "@{folder.1.id}"}}]),
    )
    assert results[1]["ia::result"]["id"] == "For-D300"
    assert results[2]["ia::result"] == [{"id": "For-D300", "description": "Engineering receipts"}]


def test_the_form_without_an_index_and_dotted_fields(signed_in: RestClient) -> None:
    results = _send(
        signed_in,
        {"method": "GET", "path": "/objects/company-config/location/3", "resultReference": "nyc"},
        _query("company-config/location", ["id", "parent.id"], filters=[{"$eq": {"id": "@{nyc.parent.id}"}}]),
        # A flat query row's dotted key works as well as a path into a nested record.
        _query(
            "company-config/location",
            ["id", "parent.id"],
            filters=[{"$eq": {"parent.id": "@{nyc.id}"}}],
            reference="children",
        ),
        {"method": "GET", "path": "/objects/company-config/location/@{children.1.key}"},
    )
    assert results[1]["ia::result"] == [{"id": "US-EAST", "parent.id": None}]
    assert results[2]["ia::result"] == []
    assert "names result 1" in _error(results[3])["message"]


def test_a_reference_in_a_header(signed_in: RestClient, gw: GatewayClient) -> None:
    results = _send(
        signed_in,
        _query("company-config/entity", ["id"], orderBy=[{"id": "desc"}], reference="entities"),
        {
            "method": "GET",
            "path": "/services/core/session/id",
            "headers": {"X-IA-API-Param-Entity": "@{entities.1.id}"},
        },
    )
    session_id = results[1]["ia::result"]["sessionId"]
    xml = gw.call(query("DEPARTMENT", ["DEPARTMENTID"]), session=session_id)
    assert xml.operation.findtext("authentication/locationid") == "US-WEST"


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("@{nope.1.key}", "names no sub-request's resultReference 'nope'"),
        ("@{folder.1.color}", "names field 'color', which sub-request 1's result lacks"),
        ("@{folder.2.key}", "names result 2, which sub-request 1 lacks"),
        ("@{folder.1}", "names no field"),
        ("@{later.1.key}", "comes later (sub-request 3)"),
        ("@{mine.1.key}", "is this sub-request's own"),
    ],
)
def test_a_wrong_reference_fails_its_sub_request_only(
    signed_in: RestClient, reference: str, why: str
) -> None:
    results = _send(
        signed_in,
        {"method": "POST", "path": FOLDERS, "body": {"id": "Ref-A"}, "resultReference": "folder"},
        {"method": "GET", "path": f"{FOLDERS}/{reference}", "resultReference": "mine"},
        {"method": "POST", "path": FOLDERS, "body": {"id": "Ref-B"}, "resultReference": "later"},
    )
    error = _error(results[1])
    assert error["code"] == "invalidRequest"
    assert error["message"].startswith(f"Reference '{reference}' ")
    assert why in error["message"]
    # Nothing else changes: the sub-requests around it ran.
    assert results[0]["ia::result"]["id"] == "Ref-A"
    assert results[2]["ia::result"]["id"] == "Ref-B"


def test_a_reference_to_a_failed_result(signed_in: RestClient) -> None:
    reply = signed_in.call(
        "POST",
        COMPOSITE,
        [
            {"method": "GET", "path": "/objects/projects/project/999", "resultReference": "project"},
            {"method": "POST", "path": FOLDERS, "body": {"id": "@{project.1.id}"}},
            {"method": "GET", "path": "/objects/projects/project/41"},
        ],
    )
    body = reply.json()
    assert body["ia::meta"] == {"totalCount": 3, "totalSuccess": 1, "totalError": 2}
    assert _error(body["ia::result"][0])["code"] == "notFound"
    assert _error(body["ia::result"][1])["message"] == (
        "Reference '@{project.1.id}' refers to sub-request 1, which failed"
    )
    assert body["ia::result"][2]["ia::result"]["id"] == "P-1001"
    assert signed_in.call("GET", FOLDERS).json()["ia::meta"]["totalCount"] == 2  # nothing was created


def test_a_wrong_reference_answers_the_whole_call_when_set(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", composite_failure="whole")
    rest.sign_in()
    reply = rest.call(
        "POST",
        COMPOSITE,
        [
            {"method": "POST", "path": FOLDERS, "body": {"id": "Kept"}, "resultReference": "folder"},
            {"method": "GET", "path": f"{FOLDERS}/@{{folder.1.nothing}}"},
        ],
    )
    assert reply.status_code == 400
    error = reply.json()["ia::result"]["ia::error"]
    assert error["code"] == "invalidRequest"
    assert "@{folder.1.nothing}" in error["message"]
    assert rest.call("GET", FOLDERS).json()["ia::meta"]["totalCount"] == 3  # not atomic: the folder stays


def test_the_index_base_is_a_setting(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", composite_reference_index_base=0)
    rest.sign_in()
    results = _send(
        rest,
        _query("company-config/department", ["id"], orderBy=[{"id": "asc"}], reference="depts"),
        _query("company-config/department", ["name"], filters=[{"$eq": {"id": "@{depts.0.id}"}}]),
        _query("company-config/department", ["name"], filters=[{"$eq": {"id": "@{depts.3.id}"}}]),
    )
    assert results[1]["ia::result"] == [{"name": "Sales"}]
    assert "names result 3" in _error(results[2])["message"]


@pytest.mark.parametrize(
    "bad",
    [
        [{"resultReference": "same"}, {"resultReference": "same"}],
        [{"resultReference": "has.dot"}, {}],
        [{"resultReference": 7}, {}],
        [{"headers": ["X-IA-API-Param-Entity"]}, {}],
    ],
)
def test_a_bad_sub_request_refuses_the_call_before_anything_runs(
    signed_in: RestClient, bad: list[dict[str, Any]]
) -> None:
    items = [
        {"method": "POST", "path": FOLDERS, "body": {"id": f"Never-{i}"}, **extra}
        for i, extra in enumerate(bad)
    ]
    reply = signed_in.call("POST", COMPOSITE, items)
    assert reply.status_code == 400
    assert reply.json()["ia::result"]["ia::error"]["code"] == "invalidRequest"
    assert signed_in.call("GET", FOLDERS).json()["ia::meta"]["totalCount"] == 2
