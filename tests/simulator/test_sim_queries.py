"""Reads as clients write them: every filter operator of the v3.0 schema with and/or nesting, readByQuery's
query grammar, and select aggregates, against the demo GL accounts (1000, 2000, 2100, 6000, 6100)."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.simulator.helpers import GatewayClient, element, query, read_by_query

pytestmark = pytest.mark.integration


def _account_numbers(data: etree._Element | None) -> list[str]:
    assert data is not None
    return [record.findtext("ACCOUNTNO") or "" for record in data]


def _filtered(gw: GatewayClient, expression: etree._Element) -> list[str]:
    reply = gw.call(
        query("GLACCOUNT", ["ACCOUNTNO"], filter_=expression, orderby=[("ACCOUNTNO", "ascending")])
    )
    assert reply.result().findtext("status") == "success", reply.result_errors()
    return _account_numbers(reply.result().find("data"))


def _op(tag: str, field: str, *values: str) -> etree._Element:
    return element(tag, None, element("field", field), *[element("value", v) for v in values])


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (_op("greaterthan", "ACCOUNTNO", "2000"), ["2100", "6000", "6100"]),
        (_op("lessthanorequalto", "ACCOUNTNO", "2000"), ["1000", "2000"]),
        (_op("between", "ACCOUNTNO", "2000", "6000"), ["2000", "2100", "6000"]),
        (_op("in", "ACCOUNTNO", "1000", "6100", "9999"), ["1000", "6100"]),
        (_op("notin", "ACCOUNTNO", "1000", "6100"), ["2000", "2100", "6000"]),
        (_op("like", "TITLE", "%Payable"), ["2000", "2100"]),
        (_op("like", "TITLE", "%payable"), []),  # case-sensitive, as Intacct queries are by default
        (_op("notlike", "TITLE", "%Payable"), ["1000", "6000", "6100"]),
        (_op("isnotnull", "TITLE"), ["1000", "2000", "2100", "6000", "6100"]),
        (_op("isnull", "TITLE"), []),
        (
            element(
                "or",
                None,
                _op("equalto", "ACCOUNTNO", "1000"),
                element(
                    "and", None, _op("like", "TITLE", "%Payable%"), _op("notequalto", "ACCOUNTNO", "2000")
                ),
            ),
            ["1000", "2100"],
        ),
    ],
)
def test_every_filter_operator_and_nesting(
    gw: GatewayClient, expression: etree._Element, expected: list[str]
) -> None:
    assert _filtered(gw, expression) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACCOUNTNO >= '6000'", ["6000", "6100"]),
        ("ACCOUNTNO < 2000 OR ACCOUNTNO = '6100'", ["1000", "6100"]),
        (
            "(ACCOUNTTYPE = 'balancesheet' AND NORMALBALANCE = 'credit') OR ACCOUNTNO = '1000'",
            ["1000", "2000", "2100"],
        ),
        ("ACCOUNTNO IN ('1000', '6000')", ["1000", "6000"]),
        ("ACCOUNTNO NOT IN ('1000', '6000')", ["2000", "2100", "6100"]),
        ("TITLE LIKE 'Travel%'", ["6000"]),
        ("TITLE IS NOT NULL AND NOT ACCOUNTNO = '1000'", ["2000", "2100", "6000", "6100"]),
        ("TITLE IS NULL", []),
    ],
)
def test_read_by_query_grammar(gw: GatewayClient, text: str, expected: list[str]) -> None:
    reply = gw.call(read_by_query("GLACCOUNT", "ACCOUNTNO", text))
    assert reply.result().findtext("status") == "success", reply.result_errors()
    assert sorted(_account_numbers(reply.result().find("data"))) == expected


def test_a_query_text_that_cannot_be_parsed_is_a_query_failure(gw: GatewayClient) -> None:
    [error] = gw.call(read_by_query("GLACCOUNT", "ACCOUNTNO", "ACCOUNTNO = ")).result_errors()
    assert error["errorno"] == "Query Failed"


def test_select_count_and_aggregates(gw: GatewayClient) -> None:
    select = element(
        "select",
        None,
        element("count", "RECORDNO"),
        element("min", "ACCOUNTNO"),
        element("max", "ACCOUNTNO"),
    )
    reply = gw.call(element("query", None, element("object", "GLACCOUNT"), select))
    data = reply.result().find("data")
    assert data is not None and data.get("count") == "1", reply.result_errors()
    record = data[0]
    assert (
        record.findtext("COUNT.RECORDNO"),
        record.findtext("MIN.ACCOUNTNO"),
        record.findtext("MAX.ACCOUNTNO"),
    ) == (
        "5",
        "1000",
        "6100",
    )
