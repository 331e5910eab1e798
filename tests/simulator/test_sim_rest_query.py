"""REST query service: Sage's filters, expressions, ordering, paging, rights and the entity header."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator.rest_helpers import RestClient, error_of

pytestmark = pytest.mark.integration


@pytest.fixture
def signed_in(rest: RestClient) -> RestClient:
    rest.sign_in()
    return rest


def _ids(reply: Any) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [row["id"] for row in reply.json()["ia::result"]]


def test_count_the_sdk_way(signed_in: RestClient) -> None:
    reply = signed_in.query("company-config/location", ["id"], start=1, size=1)
    body = reply.json()
    assert body["ia::result"] == [{"id": "US-EAST"}]
    assert body["ia::meta"] == {"totalCount": 4, "start": 1, "pageSize": 1, "next": 2, "previous": None}


def test_rows_are_flat_and_keyed_by_the_requested_names(signed_in: RestClient) -> None:
    reply = signed_in.query(
        "accounts-payable/vendor", ["id", "name", "contacts.default.email1", "audit.modifiedDateTime", "key"]
    )
    first = reply.json()["ia::result"][0]
    assert first == {
        "id": "V100",
        "name": "Acme Office Supply",
        "contacts.default.email1": None,
        "audit.modifiedDateTime": None,
        "key": "21",
    }


@pytest.mark.parametrize(
    ("filters", "expression", "expected"),
    [
        ([{"$eq": {"status": "active"}}], None, ["V100", "V200"]),
        ([{"$ne": {"status": "active"}}], "and", ["V300"]),
        ([{"$in": {"id": ["V100", "V300"]}}], None, ["V100", "V300"]),
        ([{"$notIn": {"id": ["V100", "V300"]}}], None, ["V200"]),
        ([{"$contains": {"name": "Air"}}], None, ["V200"]),
        ([{"$startsWith": {"name": "Harbor"}}], None, ["V300"]),
        ([{"$endsWith": {"name": "Supply"}}], None, ["V100"]),
        ([{"$notContains": {"name": "o"}}], None, ["V100", "V200"]),  # case-sensitive, as XML queries
        ([{"$eq": {"taxId": None}}], None, ["V100", "V200", "V300"]),
        ([{"$eq": {"status": "active"}}, {"$eq": {"id": "V300"}}], "or", ["V100", "V200", "V300"]),
        ([{"$eq": {"status": "active"}}, {"$eq": {"id": "V300"}}], "and", []),
        (
            [{"$eq": {"id": "V100"}}, {"$eq": {"id": "V200"}}, {"$eq": {"status": "active"}}],
            "(1 or 2) and 3",
            ["V100", "V200"],
        ),
        ([{"$eq": {"id": "V100"}}, {"$eq": {"id": "V300"}}], "1 OR 2", ["V100", "V300"]),
    ],
)
def test_filters(
    signed_in: RestClient, filters: list[Any], expression: str | None, expected: list[str]
) -> None:
    reply = signed_in.query(
        "accounts-payable/vendor", ["id"], filters=filters, filterExpression=expression, filterParameters={}
    )
    assert _ids(reply) == expected


def test_dates_compare_as_dates_and_come_back_iso(signed_in: RestClient) -> None:
    signed_in.sign_in()
    reply = signed_in.query(
        "company-config/folder",
        ["id", "audit.createdDateTime"],
        filters=[{"$between": {"audit.createdDateTime": ["2024-01-01", "2024-01-31"]}}],
    )
    assert reply.json()["ia::result"] == [{"id": "ExpenseIn Receipts", "audit.createdDateTime": "2024-01-15"}]
    later = signed_in.query(
        "company-config/folder", ["id"], filters=[{"$gte": {"audit.createdDateTime": "2024-01-16T00:00:00Z"}}]
    )
    assert _ids(later) == ["Contracts"]


def test_order_by_and_pages(signed_in: RestClient) -> None:
    pages: list[str] = []
    start: int | None = 1
    for _ in range(5):  # bounded: 4 locations in pages of 3
        assert start is not None
        body = signed_in.query(
            "company-config/location", ["id"], orderBy=[{"id": "desc"}], start=start, size=3
        )
        meta = body.json()["ia::meta"]
        pages.extend(_ids(body))
        start = meta["next"]
        if start is None:
            assert meta["previous"] == 1
            break
    assert pages == ["US-WEST", "US-EAST", "SFO", "NYC"]


@pytest.mark.parametrize(
    "body",
    [
        {"object": "company-config/location", "fields": ["nope"]},
        {"object": "company-config/location", "fields": []},
        {"object": "company-config/location", "fields": ["id"], "size": 4001},
        {"object": "company-config/location", "fields": ["id"], "start": 0},
        {"object": "company-config/location", "fields": ["id"], "filters": [{"$like": {"id": "x"}}]},
        {"object": "company-config/location", "fields": ["id"], "filters": [{"$eq": {"nope": "x"}}]},
        {"object": "company-config/location", "fields": ["id"], "filters": [{"$between": {"id": ["a"]}}]},
        {
            "object": "company-config/location",
            "fields": ["id"],
            "filters": [{"$eq": {"id": "a"}}],
            "filterExpression": "1 and 2",
        },
        {"object": "company-config/location", "fields": ["id"], "orderBy": [{"id": "up"}]},
    ],
)
def test_bad_queries_are_400(signed_in: RestClient, body: dict[str, Any]) -> None:
    reply = signed_in.call("POST", "/services/core/query", body)
    assert reply.status_code == 400, reply.text
    assert error_of(reply)["code"] == "invalidRequest"


def test_size_4000_is_allowed(signed_in: RestClient) -> None:
    assert signed_in.query("company-config/location", ["id"], size=4000).status_code == 200


def test_unknown_object_is_404(signed_in: RestClient) -> None:
    assert signed_in.query("company-config/nothing", ["id"]).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "company-config/department",
        "company-config/location",
        "company-config/folder",
        "company-config/attachment",
        "company-config/class",
        "company-config/entity",
        "general-ledger/account",
        "accounts-payable/vendor",
        "tax/tax-detail",
        "projects/project",
        "cash-management/credit-card-account",
    ],
)
def test_every_view_right_reads(signed_in: RestClient, path: str) -> None:
    reply = signed_in.query(path, ["id"], size=1)
    assert reply.status_code == 200, reply.text
    assert reply.json()["ia::meta"]["totalCount"] >= 1


def test_a_missing_view_right_is_403(rest: RestClient) -> None:
    rest.sign_in("ws_limited@DEMO-CO")
    reply = rest.query("projects/project", ["id"])
    assert reply.status_code == 403
    error = error_of(reply)
    assert (
        error["message"]
        == "You do not have permission for API operation READ on objects of type projects/project"
    )
    assert rest.query("company-config/department", ["id"]).status_code == 200


def test_an_add_right_does_not_give_view(signed_in: RestClient) -> None:
    for path in ("accounts-payable/bill", "general-ledger/journal-entry", "cash-management/credit-card-txn"):
        assert signed_in.query(path, ["id"]).status_code == 403


def test_granting_view_over_the_control_api(signed_in: RestClient) -> None:
    grant = {"application": "Accounts Payable", "activity": "Bills", "permission": "View"}
    assert signed_in.control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", grant).ok
    reply = signed_in.query("accounts-payable/bill", ["id", "vendor.id", "createdDate", "totalTxnAmount"])
    assert reply.json()["ia::result"][0] == {
        "id": "201",
        "vendor.id": "V200",
        "createdDate": "2024-03-01",
        "totalTxnAmount": "412.50",
    }


def test_an_unsubscribed_application_is_403(make_rest: Any) -> None:
    rest = make_rest(
        "NOPROJECTS-CO", client_authorizations={"ExpenseInREST-Demo": {"users": ["ws_expenses"]}}
    )
    rest.sign_in("ws_expenses@NOPROJECTS-CO")
    reply = rest.query("projects/project", ["id"])
    assert reply.status_code == 403
    assert "cannot be performed" in error_of(reply)["message"]


def test_entity_header(rest: RestClient) -> None:
    rest.sign_in()
    assert rest.query("company-config/department", ["id"], headers={"X-IA-API-Param-Entity": "US-EAST"}).ok
    assert rest.sim.requests()[-1]["entity"] == "US-EAST"
    bad = rest.query("company-config/department", ["id"], headers={"X-IA-API-Param-Entity": "NOWHERE"})
    assert bad.status_code == 400
    # Other spellings are ignored (the request runs at the token's entity).
    assert rest.query("company-config/department", ["id"], headers={"X-IA-API-ParamEntity": "NOWHERE"}).ok
    assert rest.sim.requests()[-1]["entity"] is None
    assert rest.query("company-config/department", ["id"], headers={"X-IA-API-Param-Entity": "null"}).ok


def test_entity_header_spellings_are_a_setting(make_rest: Any) -> None:
    rest = make_rest("DEMO-CO", entity_header_names=["X-IA-API-ParamEntity", "X-IA-API-Param-Entity"])
    rest.sign_in()
    assert rest.query("company-config/department", ["id"], headers={"X-IA-API-ParamEntity": "US-WEST"}).ok
    assert rest.sim.requests()[-1]["entity"] == "US-WEST"


def test_an_entity_restricted_user(make_rest: Any, demo_data: dict[str, Any]) -> None:
    users = dict(demo_data["companies"]["DEMO-CO"]["users"])
    users["ws_expenses"] = {**users["ws_expenses"], "entities": ["US-EAST"]}
    rest = make_rest("DEMO-CO", users=users)
    assert rest.client_credentials().status_code == 400  # the top level is refused, as on the XML side
    rest.sign_in("ws_expenses@DEMO-CO|US-EAST")
    assert rest.query("company-config/department", ["id"]).ok
    assert (
        rest.query(
            "company-config/department", ["id"], headers={"X-IA-API-Param-Entity": "US-WEST"}
        ).status_code
        == 400
    )
