"""Writes with Intacct's rights and answers: visible to later reads, duplicates refused in the BL01001973
wrapper, rolled back with their transaction, never repeated under uniqueid=true, and committed even when
the answer is lost (what retry-safe posting must cope with)."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.simulator.helpers import GatewayClient, element, query

pytestmark = pytest.mark.integration


def _class(class_id: str) -> etree._Element:
    return element(
        "create", None, element("CLASS", None, element("CLASSID", class_id), element("NAME", "Unit"))
    )


def _class_ids(gw: GatewayClient) -> list[str]:
    data = gw.call(query("CLASS", ["CLASSID"])).result().find("data")
    assert data is not None
    return [record.findtext("CLASSID") or "" for record in data]


@pytest.fixture
def writer(gw: GatewayClient) -> GatewayClient:
    granted = gw.control(
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/grant",
        {"application": "Company", "activity": "Class", "permission": "Add"},
    )
    assert granted.ok, granted.text
    return gw


def test_a_create_answers_its_record_number_and_is_read_back(writer: GatewayClient) -> None:
    reply = writer.call(_class("UT01"))
    result = reply.result()
    assert result.findtext("status") == "success", reply.result_errors()
    data = result.find("data")
    assert data is not None and data.get("listtype") == "objects" and data.get("count") == "1"
    assert data[0].findtext("CLASSID") == "UT01" and data[0].findtext("RECORDNO")
    assert "UT01" in _class_ids(writer)


def test_a_duplicate_is_refused_inside_the_business_layer_wrapper(writer: GatewayClient) -> None:
    writer.call(_class("UT02"))
    errors = writer.call(_class("UT02")).result_errors()
    assert [e["errorno"] for e in errors] == ["BL01001973", "BL34000061"]
    assert "already exists" in (errors[1]["description"] or "")
    assert _class_ids(writer).count("UT02") == 1


def test_a_write_without_the_right_is_denied_like_a_read(gw: GatewayClient) -> None:
    vendor = element(
        "create", None, element("VENDOR", None, element("VENDORID", "V900"), element("NAME", "X"))
    )
    [error] = gw.call(vendor).result_errors()
    assert error["errorno"] == "PL04000005" and "CREATE" in (error["description2"] or "")


def test_a_failed_transaction_takes_every_write_back(writer: GatewayClient) -> None:
    writer.call(_class("UT03"))
    reply = writer.call(_class("UT04"), _class("UT03"), transaction=True)
    statuses = [result.findtext("status") for result in reply.results]
    assert statuses == ["aborted", "failure"]
    assert "UT04" not in _class_ids(writer)


def test_uniqueid_true_never_writes_twice(writer: GatewayClient) -> None:
    first = writer.call(_class("UT05"), uniqueid="true")
    assert first.result().findtext("status") == "success"
    again = writer.call(_class("UT05"), uniqueid="true")  # the same function controlid, sent again
    assert again.result().find("status") is None  # Intacct's answer has no status (SDK issue #70)
    assert _class_ids(writer).count("UT05") == 1


def test_a_write_commits_even_when_its_answer_is_lost(writer: GatewayClient) -> None:
    # The first gateway request of the test (the simulator is reset before each) is processed, then lost.
    writer.control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "committed_then_http_500", "nth": [1]})
    lost = writer.call(_class("UT06"))
    assert lost.status == 500
    writer.control("DELETE", "/_sim/companies/DEMO-CO/faults")
    assert "UT06" in _class_ids(writer)
