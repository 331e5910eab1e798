"""REST objects: list, read, create, update, delete with the rights they need; Idempotency-Key; the
session-id bridge to the XML gateway; composite requests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator.helpers import GatewayClient, query
from tests.simulator.rest_helpers import RestClient, error_of

pytestmark = pytest.mark.integration

FOLDERS = "/objects/company-config/folder"
ATTACHMENTS = "/objects/company-config/attachment"


@pytest.fixture
def signed_in(rest: RestClient) -> RestClient:
    rest.sign_in()
    return rest


def test_list_gives_references(signed_in: RestClient) -> None:
    body = signed_in.call("GET", "/objects/general-ledger/account").json()
    assert body["ia::result"][0] == {"key": "11", "id": "1000", "href": "/objects/general-ledger/account/11"}
    assert body["ia::meta"]["totalCount"] == 5


def test_get_by_key_nests_groups(signed_in: RestClient) -> None:
    body = signed_in.call("GET", "/objects/accounts-payable/vendor/22").json()["ia::result"]
    assert (body["key"], body["id"], body["name"], body["status"]) == (
        "22",
        "V200",
        "Skyline Airlines",
        "active",
    )
    assert body["contacts"]["default"]["email1"] is None
    assert body["href"] == "/objects/accounts-payable/vendor/22"
    assert signed_in.call("GET", "/objects/accounts-payable/vendor/999").status_code == 404


def test_folder_create_then_query_and_xml_see_it(signed_in: RestClient, gw: GatewayClient) -> None:
    reply = signed_in.call("POST", FOLDERS, {"id": "FyleAttachments", "description": "Receipts"})
    assert reply.status_code == 201, reply.text
    created = reply.json()["ia::result"]
    assert created == {"key": "3", "id": "FyleAttachments", "href": "/objects/company-config/folder/3"}
    found = signed_in.query(
        "company-config/folder", ["id", "status"], filters=[{"$eq": {"id": "FyleAttachments"}}]
    )
    assert found.json()["ia::result"] == [{"id": "FyleAttachments", "status": None}]
    xml = gw.call(query("SUPDOCFOLDER", ["NAME"]))
    assert "FyleAttachments" in [el.text for el in xml.result().iter("NAME")]
    again = signed_in.call("POST", FOLDERS, {"id": "FyleAttachments"})
    assert again.status_code == 409
    assert [d["code"] for d in error_of(again)["details"]] == ["BL01001973", "BL34000061"]


def test_idempotency_key_reuse_is_409(signed_in: RestClient) -> None:
    headers = {"Idempotency-Key": "abc-1"}
    first = signed_in.call("POST", FOLDERS, {"id": "F1"}, headers=headers)
    assert first.status_code == 201
    second = signed_in.call("POST", FOLDERS, {"id": "F2"}, headers=headers)
    assert second.status_code == 409
    assert error_of(second)["code"] == "conflict"
    assert (
        signed_in.query("company-config/folder", ["id"], filters=[{"$eq": {"id": "F2"}}]).json()["ia::meta"][
            "totalCount"
        ]
        == 0
    )


def test_idempotency_key_replay_is_a_setting(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", idempotency_key_reuse="replay")
    rest.sign_in()
    first = rest.call("POST", FOLDERS, {"id": "F1"}, headers={"Idempotency-Key": "k"})
    second = rest.call("POST", FOLDERS, {"id": "F1"}, headers={"Idempotency-Key": "k"})
    assert (second.status_code, second.json()) == (201, first.json())


def test_attachment_delete_and_patch_rights(signed_in: RestClient) -> None:
    assert signed_in.call("DELETE", ATTACHMENTS + "/1", {}).status_code == 204
    assert signed_in.call("GET", ATTACHMENTS + "/1").status_code == 404
    # ws_expenses has no Edit on Attachments: PATCH is 403, and so is a create (no Attachments Add).
    patched = signed_in.call("PATCH", ATTACHMENTS + "/2", {"description": "x"})
    assert patched.status_code == 403
    assert "UPDATE" in error_of(patched)["message"]
    assert (
        signed_in.call("POST", ATTACHMENTS, {"id": "EXP-9", "folder": {"id": "Contracts"}}).status_code == 403
    )


def test_patch_with_edit(signed_in: RestClient) -> None:
    grant = {"application": "Company", "activity": "Class", "permission": "Edit"}
    assert signed_in.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", grant).ok
    reply = signed_in.call("PATCH", "/objects/company-config/class/2", {"name": "SMB"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["ia::result"]["key"] == "2"
    assert signed_in.call("GET", "/objects/company-config/class/2").json()["ia::result"]["name"] == "SMB"
    assert signed_in.call("PATCH", "/objects/company-config/class/2", {"nope": 1}).status_code == 400


BILL = {
    "vendor": {"id": "V100"},
    "createdDate": "2024-05-01",
    "billNumber": "B-77",
    "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "25.00", "memo": "Taxi"}],
}


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"vendor": {"id": "V999"}}, "Vendor V999 does not exist."),
        ({"vendor": {"id": "V300"}}, "Vendor V300 is inactive."),
        ({"createdDate": "2023-12-31"}, "The period is closed"),
        ({"lines": [{"glAccount": {"id": "9999"}, "txnAmount": "1"}]}, "GL account 9999 does not exist."),
    ],
)
def test_bills_are_validated_as_on_xml(signed_in: RestClient, change: dict[str, Any], cause: str) -> None:
    reply = signed_in.call("POST", "/objects/accounts-payable/bill", {**BILL, **change})
    assert reply.status_code == 422, reply.text
    error = error_of(reply)
    assert error["code"] == "operationFailed"
    assert cause in [detail["message"] for detail in error["details"]]


def test_bill_journal_entry_and_card_transaction_posts(signed_in: RestClient) -> None:
    bill = signed_in.call("POST", "/objects/accounts-payable/bill", BILL)
    assert bill.status_code == 201, bill.text
    entry = {
        "journal": {"id": "GJ"},
        "postingDate": "2024-06-30",
        "description": "Accrual",
        "lines": [
            {"glAccount": {"id": "6000"}, "txnAmount": "10", "txnType": "debit"},
            {"glAccount": {"id": "2000"}, "txnAmount": "10", "txnType": "credit"},
        ],
    }
    assert signed_in.call("POST", "/objects/general-ledger/journal-entry", entry).status_code == 201
    unbalanced = {**entry, "lines": entry["lines"][:1]}
    assert signed_in.call("POST", "/objects/general-ledger/journal-entry", unbalanced).status_code == 422
    txn = {"creditCardAccount": {"id": "AMEX-CORP"}, "txnDate": "2024-06-01", "payee": "Cab"}
    created = signed_in.call("POST", "/objects/cash-management/credit-card-txn", txn)
    assert created.status_code == 201
    # Attaching an attachment needs Edit, which the 16 permissions do not give.
    key = created.json()["ia::result"]["key"]
    attach = signed_in.call(
        "PATCH", f"/objects/cash-management/credit-card-txn/{key}", {"attachment": {"id": "EXP-1"}}
    )
    assert attach.status_code == 403


def test_limited_user_cannot_add_bills(rest: RestClient) -> None:
    rest.sign_in("ws_limited@DEMO-CO")
    reply = rest.call("POST", "/objects/accounts-payable/bill", BILL)
    assert reply.status_code == 403
    assert error_of(reply)["message"].startswith("You do not have permission for API operation CREATE")


def test_wrong_methods_and_paths(signed_in: RestClient) -> None:
    assert signed_in.call("PUT", "/objects/company-config/class/1", {}).status_code == 405
    assert signed_in.call("GET", "/services/core/query").status_code == 405
    assert signed_in.call("GET", "/objects/company-config").status_code == 404
    assert signed_in.call("GET", "/services/nothing").status_code == 404
    bad_json = signed_in.http.post(
        signed_in.sim.rest_url + "/services/core/query",
        data=b"{nope",
        headers={"Authorization": f"Bearer {signed_in.token}"},
        timeout=10,
    )
    assert bad_json.status_code == 400


def test_session_id_works_on_the_xml_gateway(signed_in: RestClient, gw: GatewayClient) -> None:
    reply = signed_in.call("GET", "/services/core/session/id")
    assert reply.status_code == 200, reply.text
    result = reply.json()["ia::result"]
    assert 21500 < result["expiresIn"] <= 21600
    xml = gw.call(query("DEPARTMENT", ["DEPARTMENTID"]), session=result["sessionId"])
    assert xml.auth_status == "success"
    assert xml.operation.findtext("authentication/userid") == "ws_expenses"
    # The same session each time; another entity gets a session of its own.
    assert (
        signed_in.call("GET", "/services/core/session/id").json()["ia::result"]["sessionId"]
        == result["sessionId"]
    )
    east = signed_in.call("GET", "/services/core/session/id", headers={"X-IA-API-Param-Entity": "US-EAST"})
    east_id = east.json()["ia::result"]["sessionId"]
    assert east_id != result["sessionId"]
    assert (
        gw.call(query("DEPARTMENT", ["DEPARTMENTID"]), session=east_id).operation.findtext(
            "authentication/locationid"
        )
        == "US-EAST"
    )


def test_composite_runs_each_sub_request(signed_in: RestClient) -> None:
    reply = signed_in.call(
        "POST",
        "/services/core/composite",
        [
            {"method": "GET", "path": "/objects/company-config/department/1"},
            {"method": "POST", "path": "/objects/company-config/folder", "body": {"id": "CF"}},
            {"method": "GET", "path": "/objects/projects/project/999"},
            {
                "method": "POST",
                "path": "/services/core/query",
                "body": {"object": "projects/project", "fields": ["id"]},
            },
        ],
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["ia::meta"] == {"totalCount": 4, "totalSuccess": 3, "totalError": 1}
    results = body["ia::result"]
    assert results[0]["ia::result"]["id"] == "D100"
    assert results[1]["ia::result"]["id"] == "CF"
    assert results[2]["ia::result"]["ia::error"]["code"] == "notFound"
    assert results[3]["ia::meta"]["totalCount"] == 2
    for size in (1, 11):
        items = [{"method": "GET", "path": "/objects/company-config/department/1"}] * size
        assert signed_in.call("POST", "/services/core/composite", items).status_code == 400


def test_composite_may_fail_whole(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", composite_failure="whole")
    rest.sign_in()
    reply = rest.call(
        "POST",
        "/services/core/composite",
        [
            {"method": "POST", "path": "/objects/company-config/folder", "body": {"id": "Kept"}},
            {"method": "GET", "path": "/objects/projects/project/999"},
        ],
    )
    assert reply.status_code == 404
    # Not atomic: the first sub-request's folder stays.
    assert rest.call("GET", FOLDERS).json()["ia::meta"]["totalCount"] == 3
