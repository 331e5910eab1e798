from __future__ import annotations

import pytest
from lxml import etree

from connection_service.intacct import LoginCredentials, Secret
from connection_service.intacct.xml import (
    GetAPISession,
    GetUserPermissions,
    Query,
    ReadByQuery,
    SenderCredentials,
    SessionCredentials,
)
from connection_service.intacct.xml.request import build_request
from tests.support.demo import SENDER

NASTY = "a<b&c]]>\"' \u00e9\u2603 "
LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret(NASTY), entity_id="US-EAST")


def children(element: etree._Element) -> list[str]:
    return [str(child.tag) for child in element]


def test_control_block_in_schema_order_with_explicit_uniqueid_false() -> None:
    root = etree.fromstring(build_request(SENDER, LOGIN, [GetAPISession()], control_id="ctl-1"))
    control = root.find("control")
    assert children(root) == ["control", "operation"]
    assert children(control) == [
        "senderid",
        "password",
        "controlid",
        "uniqueid",
        "dtdversion",
        "includewhitespace",
    ]
    assert [control.findtext(tag) for tag in children(control)] == [
        "ExpenseInMPP",
        "Sender-Demo-1",
        "ctl-1",
        "false",
        "3.0",
        "false",
    ]


def test_login_block_in_schema_order_with_the_entity_only_when_given() -> None:
    top_level = LoginCredentials("DEMO-CO", "ws_expenses", Secret("pw"))
    root = etree.fromstring(build_request(SENDER, top_level, [GetAPISession()]))
    assert children(root.find("operation/authentication/login")) == ["userid", "companyid", "password"]
    root = etree.fromstring(build_request(SENDER, LOGIN, [GetAPISession()]))
    login = root.find("operation/authentication/login")
    assert children(login) == ["userid", "companyid", "password", "locationid"]
    assert login.findtext("locationid") == "US-EAST"


def test_password_reaches_the_wire_byte_for_byte() -> None:
    body = build_request(SENDER, LOGIN, [GetAPISession()])
    assert b"]]>" not in body.replace(b"]]&gt;", b"")  # escaped, so it cannot end a CDATA section
    parsed = etree.fromstring(body)
    assert parsed.findtext("operation/authentication/login/password") == NASTY


def test_operation_and_functions() -> None:
    functions = [
        Query("DEPARTMENT", control_id="view.DEPARTMENT"),
        ReadByQuery("VENDOR", fields=("RECORDNO", "VENDORID"), control_id="rbq"),
        GetUserPermissions("ws_expenses", control_id="permissions"),
    ]
    root = etree.fromstring(build_request(SENDER, LOGIN, functions, transaction=True))
    operation = root.find("operation")
    assert operation.get("transaction") == "true"
    assert children(operation) == ["authentication", "content"]
    content = operation.find("content")
    assert [f.get("controlid") for f in content] == ["view.DEPARTMENT", "rbq", "permissions"]
    query = content[0][0]
    assert children(query) == ["object", "select", "pagesize"]
    assert query.findtext("object") == "DEPARTMENT" and query.findtext("pagesize") == "1"
    assert [f.text for f in query.find("select")] == ["RECORDNO"]
    rbq = content[1][0]
    assert children(rbq) == ["object", "fields", "query", "pagesize"]
    assert rbq.findtext("fields") == "RECORDNO,VENDORID"
    assert content[2][0].findtext("userId") == "ws_expenses"


def test_get_api_session_location_variants() -> None:
    assert etree.tostring(GetAPISession().render()) == b"<getAPISession/>"
    assert etree.tostring(GetAPISession(entity_id="US-EAST").render()) == (
        b"<getAPISession><locationid>US-EAST</locationid></getAPISession>"
    )
    assert (
        etree.tostring(GetAPISession(entity_id="").render())
        == b"<getAPISession><locationid></locationid></getAPISession>"
    )


def test_session_authentication() -> None:
    session = SessionCredentials(
        Secret("sess-123"), "https://x.intacct.com/ia/xml/xmlgw.phtml", "DEMO-CO", "u", None
    )
    root = etree.fromstring(build_request(SENDER, session, [GetAPISession()]))
    assert children(root.find("operation/authentication")) == ["sessionid"]
    assert root.findtext("operation/authentication/sessionid") == "sess-123"


def test_default_function_control_ids_are_unique() -> None:
    root = etree.fromstring(build_request(SENDER, LOGIN, [Query("CLASS"), Query("VENDOR")]))
    assert [f.get("controlid") for f in root.find("operation/content")] == ["query-1", "query-2"]


@pytest.mark.parametrize(
    ("functions", "control_id", "message"),
    [
        ([], None, "at least one function"),
        ([GetAPISession()], "x" * 257, "control ids"),
        ([GetAPISession()], "", None),
        ([Query("A", control_id="same"), Query("B", control_id="same")], None, "duplicate"),
    ],
)
def test_invalid_requests_are_refused_before_sending(
    functions: list[Query], control_id: str | None, message: str | None
) -> None:
    if message is None:
        assert build_request(SENDER, LOGIN, functions, control_id=control_id)  # empty → a generated id
        return
    with pytest.raises(ValueError, match=message):
        build_request(SENDER, LOGIN, functions, control_id=control_id)


def test_blank_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="company_id"):
        LoginCredentials("", "u", Secret("p"))
    with pytest.raises(ValueError, match="user password"):
        LoginCredentials("c", "u", Secret(""))
    with pytest.raises(ValueError, match="sender password"):
        SenderCredentials("s", Secret(""))
