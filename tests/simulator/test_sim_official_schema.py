"""The request structure follows Intacct's official v3.0 schema (api.xsd), not our own ordering: `xs:all`
children in any order, optional elements optional, ranges as ranges, every 3.0 control element accepted.
Requests here are shaped the way the official SDKs and the popular Python SDK send them."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import GatewayClient, element

pytestmark = pytest.mark.integration


def _schema_error(reply: object) -> str:
    errors = reply.control_errors  # type: ignore[attr-defined]
    assert reply.control_status == "failure", "expected a schema error"  # type: ignore[attr-defined]
    assert errors[0]["errorno"] == "XL03000003"
    return str(errors[0]["description2"])


def test_read_by_query_children_in_any_order_and_without_fields(gw: GatewayClient) -> None:
    # The official SDK's ReadByQuery: object, query, then pagesize; no fields (all of them).
    reply = gw.call(
        element(
            "readByQuery",
            None,
            element("query", "STATUS = 'active'"),
            element("object", "DEPARTMENT"),
            element("pagesize", "2"),
        )
    )
    result = reply.result()
    assert result.findtext("status") == "success", reply.result_errors()
    data = result.find("data")
    assert data is not None and data.get("count") == "2"
    assert data[0].findtext("DEPARTMENTID")  # every field when none is named


def test_query_children_in_any_order(gw: GatewayClient) -> None:
    # The official SDK's Query writes <select> before <object>.
    reply = gw.call(
        element(
            "query",
            None,
            element("select", None, element("field", "DEPARTMENTID")),
            element("object", "DEPARTMENT"),
            element("pagesize", "1"),
        )
    )
    assert reply.result().findtext("status") == "success", reply.result_errors()


def test_a_child_twice_in_an_all_group_is_refused(gw: GatewayClient) -> None:
    reply = gw.call(
        element(
            "query",
            None,
            element("object", "DEPARTMENT"),
            element("object", "LOCATION"),
            element("select", None, element("field", "RECORDNO")),
        )
    )
    assert "Element 'object': This element is not expected." in _schema_error(reply)


@pytest.mark.parametrize(
    ("pagesize", "expected"),
    [
        ("0", "[facet 'minInclusive'] The value '0' is less than the minimum value allowed ('1')."),
        (
            "5000",
            "[facet 'maxInclusive'] The value '5000' is greater than the maximum value allowed ('2000').",
        ),
    ],
)
def test_query_pagesize_out_of_range_is_refused(gw: GatewayClient, pagesize: str, expected: str) -> None:
    reply = gw.call(
        element(
            "query",
            None,
            element("object", "DEPARTMENT"),
            element("select", None, element("field", "RECORDNO")),
            element("pagesize", pagesize),
        )
    )
    assert f"Element 'pagesize': {expected}" in _schema_error(reply)


def test_every_3_0_control_element_is_accepted(gw: GatewayClient) -> None:
    reply = gw.call(
        element("getAPISession"),
        control_prefix=[element("appid", "expense-platform")],
        control_suffix=[element("showadditionalerrorinfo", "true")],
    )
    assert reply.control_status == "success", reply.control_errors


def test_the_session_endpoint_can_be_answered_as_intacct_does() -> None:
    from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
    from tests.simulator.helpers import GatewayClient as Client
    from tests.simulator.helpers import get_api_session

    real = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    with IntacctSimulator.from_file(DEMO_DATA_PATH, session_endpoint=real) as sim:
        reply = Client(sim).call(get_api_session())
        assert reply.result().findtext("data/api/endpoint") == real
