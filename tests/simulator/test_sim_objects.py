"""Objects with their standard fields: any of them can be selected (empty where the demo row has none),
`inspect` answers from the same definitions, and `read` / `readByName` find records by key."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import GatewayClient, element, query, read_by_query

pytestmark = pytest.mark.integration


def test_the_fields_a_popular_client_selects_exist(gw: GatewayClient) -> None:
    # What the Python SDK's departments.get_all() and locations.get_all() select beyond the demo rows.
    departments = gw.call(
        query("DEPARTMENT", ["DEPARTMENTID", "PARENTKEY", "PARENTID", "SUPERVISORNAME", "CUSTTITLE"])
    )
    assert departments.result().findtext("status") == "success", departments.result_errors()
    record = departments.result().find("data/DEPARTMENT")
    assert record is not None and record.findtext("DEPARTMENTID") and record.findtext("PARENTKEY") == ""
    locations = gw.call(query("LOCATION", ["LOCATIONID", "CURRENCY"]))
    assert locations.result().findtext("status") == "success", locations.result_errors()


def test_star_returns_every_standard_field(gw: GatewayClient) -> None:
    data = gw.call(read_by_query("VENDOR", "*", "", 1)).result().find("data")
    assert data is not None
    names = [field.tag for field in data[0]]
    assert {"VENDORID", "NAME", "TERMNAME", "DISPLAYCONTACT.EMAIL1", "WHENCREATED"} <= set(names)


def test_an_unknown_field_is_still_refused(gw: GatewayClient) -> None:
    [error] = gw.call(query("DEPARTMENT", ["NOPE"])).result_errors()
    assert error["errorno"] == "XL03000006"


def test_read_by_record_number_and_by_name(gw: GatewayClient) -> None:
    read = gw.call(
        element(
            "read",
            None,
            element("object", "VENDOR"),
            element("keys", "21,23,99"),
            element("fields", "VENDORID,NAME"),
        )
    )
    data = read.result().find("data")
    assert data is not None and data.get("count") == "2", read.result_errors()
    assert [record.findtext("VENDORID") for record in data] == ["V100", "V300"]
    by_name = gw.call(element("readByName", None, element("object", "GLACCOUNT"), element("keys", "6000")))
    data = by_name.result().find("data")
    assert data is not None and data[0].findtext("TITLE") == "Travel"


def test_read_checks_the_view_permission_first(gw: GatewayClient) -> None:
    reply = gw.call(
        element("read", None, element("object", "PROJECT"), element("keys", "41")), user="ws_limited"
    )
    [error] = reply.result_errors()
    assert error["errorno"] == "PL04000005"


def test_inspect_lists_the_definition_and_needs_no_permission(gw: GatewayClient) -> None:
    reply = gw.call(element("inspect", None, element("object", "PROJECT")), user="ws_limited")
    fields = [field.text for field in reply.result().findall("data/Type/Fields/Field")]
    assert reply.result().find("data/Type").get("Name") == "PROJECT"  # type: ignore[union-attr]
    assert {"PROJECTID", "NAME", "PROJECTSTATUS", "BEGINDATE"} <= set(fields)
    detailed = gw.call(element("inspect", None, element("object", "CLASS"), detail="1"))
    names = [field.findtext("Name") for field in detailed.result().findall("data/Type/Fields/Field")]
    assert "CLASSID" in names
    [error] = gw.call(element("inspect", None, element("object", "NOPE"))).result_errors()
    assert error["errorno"] == "Query Failed"


def test_lookup_lists_the_fields_without_a_permission_check(gw: GatewayClient) -> None:
    reply = gw.call(element("lookup", None, element("object", "VENDOR")), user="ws_limited")
    fields = reply.result().findall("data/Type/Fields/Field")
    ids = [field.findtext("ID") for field in fields]
    assert {"VENDORID", "NAME", "TERMNAME"} <= set(ids), reply.result_errors()
    assert fields[0].findtext("REQUIRED") in ("true", "false")
