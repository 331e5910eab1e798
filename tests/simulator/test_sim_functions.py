"""query / readByQuery / readMore / getUserPermissions and transactions."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from lxml import etree

from tests.simulator.helpers import (
    GatewayClient,
    element,
    get_api_session,
    query,
    read_by_query,
    user_permissions,
)

pytestmark = pytest.mark.integration

REQUIRED = [
    ("Company", "Departments", "View"),
    ("Company", "Locations", "View"),
    ("Company", "Attachment Folders", "View"),
    ("Company", "Attachment Folders", "Add"),
    ("Company", "Attachments", "View"),
    ("Company", "Attachments", "Delete"),
    ("Company", "Class", "View"),
    ("Company", "Entities", "View"),
    ("General Ledger", "Accounts", "View"),
    ("General Ledger", "Journal Entries", "Add"),
    ("Accounts Payable", "Vendors", "View"),
    ("Accounts Payable", "Bills", "Add"),
    ("Accounts Payable", "Tax Detail", "View"),
    ("Projects", "Projects", "View"),
    ("Cash Management", "Credit Card Accounts", "View"),
    ("Cash Management", "Credit Card Transactions", "Add"),
]
OBJECT_PERMISSIONS = {
    "DEPARTMENT": ("Company", "Departments"),
    "LOCATION": ("Company", "Locations"),
    "LOCATIONENTITY": ("Company", "Entities"),
    "CLASS": ("Company", "Class"),
    "SUPDOC": ("Company", "Attachments"),
    "SUPDOCFOLDER": ("Company", "Attachment Folders"),
    "GLACCOUNT": ("General Ledger", "Accounts"),
    "GLBATCH": ("General Ledger", "Journal Entries"),
    "VENDOR": ("Accounts Payable", "Vendors"),
    "APBILL": ("Accounts Payable", "Bills"),
    "TAXDETAIL": ("Accounts Payable", "Tax Detail"),
    "PROJECT": ("Projects", "Projects"),
    "CREDITCARD": ("Cash Management", "Credit Card Accounts"),
    "CCTRANSACTION": ("Cash Management", "Credit Card Transactions"),
    "USERINFO": ("Company", "Users"),
}


def _records(data: etree._Element) -> list[dict[str, str]]:
    return [{field.tag: field.text or "" for field in record} for record in data]


def test_query_success_shape(gw: GatewayClient) -> None:
    reply = gw.call(query("department", ["RECORDNO", "departmentid"], pagesize=2))
    result = reply.result()
    assert result.findtext("status") == "success"
    assert result.findtext("function") == "query"
    data = result.find("data")
    assert data is not None
    assert {str(k): str(v) for k, v in data.attrib.items()} == {
        "listtype": "DEPARTMENT",
        "totalcount": "3",
        "offset": "0",
        "count": "2",
        "numremaining": "1",
    }
    assert [record.tag for record in data] == ["DEPARTMENT", "DEPARTMENT"]
    assert _records(data) == [
        {"RECORDNO": "1", "DEPARTMENTID": "D100"},
        {"RECORDNO": "2", "DEPARTMENTID": "D200"},
    ]


def test_query_offset_filter_orderby(gw: GatewayClient) -> None:
    page2 = gw.call(query("VENDOR", ["VENDORID"], pagesize=2, offset=2)).result().find("data")
    assert page2 is not None and page2.get("count") == "1" and page2.get("numremaining") == "0"
    flt = element("equalto", None, element("field", "STATUS"), element("value", "active"))
    reply = gw.call(query("VENDOR", ["VENDORID"], filter_=flt, orderby=[("NAME", "descending")]))
    data = reply.result().find("data")
    assert data is not None
    assert [r["VENDORID"] for r in _records(data)] == ["V200", "V100"]


@pytest.mark.parametrize("obj", sorted(OBJECT_PERMISSIONS))
def test_every_mapped_object_is_guarded_by_view_and_has_records(gw: GatewayClient, obj: str) -> None:
    application, policy = OBJECT_PERMISSIONS[obj]
    right = {"application": application, "activity": policy, "permission": "View"}
    assert gw.control("POST", "/_sim/companies/DEMO-CO/users/ws_limited/revoke", right).ok
    assert gw.call(query(obj, ["RECORDNO"]), user="ws_limited").result_errors()[0]["errorno"] == "PL04000005"
    assert gw.control("POST", "/_sim/companies/DEMO-CO/users/ws_limited/grant", right).ok
    data = gw.call(query(obj, ["RECORDNO"], pagesize=1), user="ws_limited").result().find("data")
    assert data is not None and int(data.get("totalcount") or 0) >= 2


@pytest.mark.parametrize("obj", ["GLBATCH", "APBILL", "CCTRANSACTION"])
def test_add_without_view_cannot_query(gw: GatewayClient, obj: str) -> None:
    # ws_expenses holds exactly the required rights (+ List): Add, not View, on these objects.
    assert gw.call(query(obj, ["RECORDNO"], pagesize=1)).result_errors()[0]["errorno"] == "PL04000005"


def test_query_permission_denied_before_rows(gw: GatewayClient) -> None:
    reply = gw.call(query("PROJECT", ["RECORDNO"], pagesize=1), user="ws_limited")
    result = reply.result()
    assert result.findtext("status") == "failure"
    assert result.find("data") is None
    [error] = reply.result_errors()
    assert error["errorno"] == "PL04000005"
    assert re.fullmatch(
        r"You do not have permission for API operation READ_BY_QUERY on objects of type project "
        r"\[Support ID: [A-Za-z0-9]+%7E[A-Za-z0-9]+\]",
        error["description2"] or "",
    )


def test_permission_denied_even_with_no_rows(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", records={})
    # ws_limited lacks Projects View; the company has no PROJECT rows at all: still denied.
    assert gw.call(read_by_query("PROJECT"), user="ws_limited").result_errors()[0]["errorno"] == "PL04000005"
    assert gw.call(read_by_query("PROJECT")).result().find("data") is not None


def test_read_by_query_permission_denied(gw: GatewayClient) -> None:
    reply = gw.call(read_by_query("PROJECT", "RECORDNO", "", 1), user="ws_limited")
    [error] = reply.result_errors()
    assert error["errorno"] == "PL04000005"
    assert (error["description2"] or "").startswith(
        "You do not have permission for API operation READ_BY_QUERY on objects of type project ["
    )


def test_unknown_object(gw: GatewayClient) -> None:
    for function in (query("WIDGET", ["RECORDNO"]), read_by_query("WIDGET")):
        [error] = gw.call(function).result_errors()
        assert error["errorno"] == "Query Failed"
        assert error["description2"] == "Object definition WIDGET not found"


def test_unknown_field(gw: GatewayClient) -> None:
    [error] = gw.call(query("DEPARTMENT", ["RECORDNO", "NOPE"])).result_errors()
    assert error["errorno"] == "XL03000006"
    assert "NOPE" in (error["description2"] or "")


def test_read_by_query_shape_and_fields(gw: GatewayClient) -> None:
    reply = gw.call(read_by_query("DEPARTMENT", "RECORDNO, TITLE", "DEPARTMENTID = 'D200'"))
    data = reply.result().find("data")
    assert data is not None
    assert {str(k): str(v) for k, v in data.attrib.items()} == {
        "listtype": "department",
        "count": "1",
        "totalcount": "1",
        "numremaining": "0",
        "resultId": "",
    }
    assert [record.tag for record in data] == ["department"]
    assert _records(data) == [{"RECORDNO": "2", "TITLE": "Engineering"}]


def test_read_by_query_star_and_read_more(gw: GatewayClient) -> None:
    first = gw.call(read_by_query("GLACCOUNT", "*", "", 2)).result().find("data")
    assert first is not None
    assert (first.get("count"), first.get("totalcount"), first.get("numremaining")) == ("2", "5", "3")
    assert "TITLE" in _records(first)[0]
    result_id = first.get("resultId") or ""
    assert result_id
    seen = [r["ACCOUNTNO"] for r in _records(first)]
    remaining = int(first.get("numremaining") or 0)
    for _ in range(10):  # as the SDKs page: while numremaining > 0 (bounded here)
        if not remaining:
            break
        more = gw.call(element("readMore", None, element("resultId", result_id))).result()
        assert more.findtext("status") == "success"
        data = more.find("data")
        assert data is not None
        seen += [r["ACCOUNTNO"] for r in _records(data)]
        remaining = int(data.get("numremaining") or 0)
        assert data.get("resultId") == result_id  # the last page keeps it, as Intacct's answers do
    assert seen == ["1000", "2000", "2100", "6000", "6100"]
    again = gw.call(element("readMore", None, element("resultId", result_id))).result().find("data")
    assert again is not None and (again.get("count"), again.get("numremaining")) == ("0", "0")
    [error] = gw.call(element("readMore", None, element("resultId", "expired"))).result_errors()
    assert error["errorno"] == "readMore failed"


def test_get_user_permissions_shape(gw: GatewayClient) -> None:
    reply = gw.call(user_permissions("ws_expenses"))
    result = reply.result()
    assert result.findtext("status") == "success"
    assert result.findtext("function") == "getUserPermissions"
    subscriptions = result.findall("data/permissions/appSubscription")
    assert [s.findtext("applicationName") for s in subscriptions] == [
        "Company",
        "General Ledger",
        "Accounts Payable",
        "Projects",
        "Cash Management",
    ]
    rights: dict[tuple[str, str], list[str]] = {}
    for subscription in subscriptions:
        for policy in subscription.findall("policies/policy"):
            key = (subscription.findtext("applicationName") or "", policy.findtext("policyName") or "")
            rights[key] = (policy.findtext("rights") or "").split("|")
    assert rights[("Company", "Attachment Folders")] == ["List", "View", "Add"]
    for application, policy_name, right in REQUIRED:
        assert right in rights[(application, policy_name)]


def test_get_user_permissions_limited(gw: GatewayClient) -> None:
    reply = gw.call(user_permissions("ws_limited"), user="ws_limited")
    rights = {
        (s.findtext("applicationName"), p.findtext("policyName")): (p.findtext("rights") or "").split("|")
        for s in reply.result().findall("data/permissions/appSubscription")
        for p in s.findall("policies/policy")
    }
    missing = [(a, p, r) for a, p, r in REQUIRED if r not in rights.get((a, p), [])]
    assert missing == [("Accounts Payable", "Bills", "Add"), ("Projects", "Projects", "View")]


def test_get_user_permissions_of_someone_else(gw: GatewayClient) -> None:
    [error] = gw.call(user_permissions("ws_limited")).result_errors()
    assert error["errorno"] == "PL04000005"
    assert "You do not have permission for API operation" in (error["description2"] or "")
    grant = {"application": "Company", "activity": "Users", "permission": "View"}
    assert gw.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", grant).ok
    assert gw.call(user_permissions("WS_LIMITED")).result().findtext("status") == "success"
    assert gw.call(user_permissions("ghost")).result_errors()[0]["errorno"] == "BL03000025"


def test_can_read_permissions_false(make_sim: Callable[..., GatewayClient]) -> None:
    users = {"ws_expenses": {"password": "Demo-Passw0rd!", "can_read_permissions": False}}
    gw = make_sim("DEMO-CO", users=users)
    assert gw.call(user_permissions("ws_expenses")).result_errors()[0]["errorno"] == "PL04000005"


def test_functions_judged_independently(gw: GatewayClient) -> None:
    reply = gw.call(
        query("DEPARTMENT", ["RECORDNO"], pagesize=1),
        query("PROJECT", ["RECORDNO"], pagesize=1),
        query("VENDOR", ["RECORDNO"], pagesize=1),
        user="ws_limited",
    )
    assert [r.findtext("status") for r in reply.results] == ["success", "failure", "success"]
    assert [r.findtext("controlid") for r in reply.results] == ["fn-1", "fn-2", "fn-3"]


def test_transaction_rolls_back(gw: GatewayClient) -> None:
    reply = gw.call(
        get_api_session(),
        query("PROJECT", ["RECORDNO"], pagesize=1),
        query("VENDOR", ["RECORDNO"], pagesize=1),
        user="ws_limited",
        transaction=True,
    )
    assert [r.findtext("status") for r in reply.results] == ["aborted", "failure", "aborted"]
    rollback = {
        "errorno": "XL03000009",
        "description": "",
        "description2": "The entire transaction in this operation has been rolled back due to an error.",
        "correction": "",
    }
    assert reply.result_errors(0) == [rollback]
    assert reply.result_errors(1)[0]["errorno"] == "PL04000005"
    assert reply.result_errors(1)[-1] == rollback
    assert reply.result(0).find("data") is None
