"""Transport and envelope: POST only, content types, schema order, parse errors, control echo."""

from __future__ import annotations

import re

import pytest
import requests
from lxml import etree

from intacct_simulator import IntacctSimulator
from tests.simulator.helpers import (
    PASSWORD,
    SENDER_ID,
    SENDER_PASSWORD,
    GatewayClient,
    Reply,
    element,
    get_api_session,
)

pytestmark = pytest.mark.integration


def _raw_request(
    login_children: str, control_children: str | None = None, content: str | None = None
) -> bytes:
    control = control_children or (
        f"<senderid>{SENDER_ID}</senderid><password>{SENDER_PASSWORD}</password><controlid>c-9</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>"
    )
    body = content or '<function controlid="f1"><getAPISession/></function>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><request><control>{control}</control><operation>'
        f"<authentication><login>{login_children}</login></authentication><content>{body}</content>"
        "</operation></request>"
    ).encode()


GOOD_LOGIN = f"<userid>ws_expenses</userid><companyid>DEMO-CO</companyid><password>{PASSWORD}</password>"


def _assert_schema_error(reply: Reply, fragment: str) -> None:
    assert reply.status == 200
    assert reply.control_status == "failure"
    assert reply.root is not None and reply.root.find("operation") is None
    [error] = reply.control_errors
    assert error["errorno"] == "XL03000003"
    assert error["description2"] is not None
    assert error["description2"].startswith("XML Parse schema error: ")
    assert fragment in error["description2"]


def test_get_is_405(sim: IntacctSimulator) -> None:
    response = requests.get(sim.gateway_url, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_success_content_type_and_control_echo(gw: GatewayClient) -> None:
    reply = gw.call(get_api_session(), controlid="my-control-42")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == 'text/xml; encoding="UTF-8"'
    assert reply.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    control = reply.root.find("control") if reply.root is not None else None
    assert control is not None
    assert [child.tag for child in control] == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert control.findtext("senderid") == SENDER_ID
    assert control.findtext("controlid") == "my-control-42"
    assert control.findtext("uniqueid") == "false"
    assert control.findtext("dtdversion") == "3.0"


def test_malformed_xml(gw: GatewayClient) -> None:
    _assert_schema_error(gw.post_raw(b"<request><control>"), "")


def test_empty_body(gw: GatewayClient) -> None:
    _assert_schema_error(gw.post_raw(b""), "empty")


def test_login_children_out_of_order(gw: GatewayClient) -> None:
    # "<companyid/> must precede <password/> or login will fail" (reference §2).
    login = f"<userid>ws_expenses</userid><password>{PASSWORD}</password><companyid>DEMO-CO</companyid>"
    reply = gw.post_raw(_raw_request(login))
    _assert_schema_error(
        reply, "Element 'password': This element is not expected. Expected is ( companyid )."
    )
    assert gw.sim.requests()[-1]["sign_in_failed"] is False


def test_control_children_out_of_order(gw: GatewayClient) -> None:
    control = (
        f"<password>{SENDER_PASSWORD}</password><senderid>{SENDER_ID}</senderid><controlid>c</controlid>"
    )
    _assert_schema_error(gw.post_raw(_raw_request(GOOD_LOGIN, control)), "Expected is ( senderid )")


def test_missing_required_login_element(gw: GatewayClient) -> None:
    login = "<userid>ws_expenses</userid><companyid>DEMO-CO</companyid>"
    _assert_schema_error(
        gw.post_raw(_raw_request(login)), "Missing child element(s). Expected is ( password )"
    )


def test_missing_controlid_is_schema_error_and_echoes_sender(gw: GatewayClient) -> None:
    control = f"<senderid>{SENDER_ID}</senderid><password>{SENDER_PASSWORD}</password>"
    reply = gw.post_raw(_raw_request(GOOD_LOGIN, control))
    _assert_schema_error(reply, "Expected is ( controlid )")
    assert reply.root is not None and reply.root.findtext("control/senderid") == SENDER_ID


def test_function_without_controlid_attribute(gw: GatewayClient) -> None:
    reply = gw.post_raw(_raw_request(GOOD_LOGIN, content="<function><getAPISession/></function>"))
    _assert_schema_error(reply, "The attribute 'controlid' is required")


def test_query_without_select_is_schema_error(gw: GatewayClient) -> None:
    content = '<function controlid="f"><query><object>DEPARTMENT</object></query></function>'
    _assert_schema_error(gw.post_raw(_raw_request(GOOD_LOGIN, content=content)), "Expected is ( select )")


def test_wrong_root(gw: GatewayClient) -> None:
    _assert_schema_error(gw.post_raw(b"<hello/>"), "No matching global declaration")


def test_doctype_rejected(gw: GatewayClient) -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY x "y">]><request/>'
    _assert_schema_error(gw.post_raw(body), "DOCTYPE")


def test_support_id_format(gw: GatewayClient) -> None:
    reply = gw.post_raw(b"<request/>")
    description2 = reply.control_errors[0]["description2"] or ""
    assert re.search(r"\[Support ID: [A-Za-z0-9]+%7E[A-Za-z0-9]+\]$", description2)


def test_unsupported_function_fails_only_that_function(gw: GatewayClient) -> None:
    reply = gw.call(element("getTrialBalance", None, element("reportingperiodname", "Q1")), get_api_session())
    assert reply.status == 200
    assert reply.control_status == "success"
    assert reply.auth_status == "success"
    first, second = reply.results
    assert first.findtext("status") == "failure"
    assert first.findtext("function") == "getTrialBalance"
    assert first.findtext("controlid") == "fn-1"
    [error] = reply.result_errors(0)
    assert error["errorno"] == "XL03000003"
    assert "not support the function 'getTrialBalance'" in (error["description2"] or "")
    assert second.findtext("status") == "success"


def test_unknown_path_is_404(sim: IntacctSimulator) -> None:
    assert requests.post(sim.base_url + "/ia/xml/other.phtml", data=b"<x/>", timeout=5).status_code == 404


def test_includewhitespace_default_pretty_prints(gw: GatewayClient) -> None:
    body = _raw_request(GOOD_LOGIN)
    reply = gw.post_raw(body)
    assert b"\n  <control>" in reply.content
    assert reply.root is not None
    etree.tostring(reply.root)  # parses back fine


def test_invalid_transport_policy(gw: GatewayClient) -> None:
    control = (
        f"<senderid>{SENDER_ID}</senderid><password>{SENDER_PASSWORD}</password><controlid>c</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion><policyid>NOPE</policyid>"
    )
    reply = gw.post_raw(_raw_request(GOOD_LOGIN, control))
    assert reply.status == 200 and reply.control_status == "failure"
    assert reply.control_errors[0]["errorno"] == "XL03000006"
    assert reply.control_errors[0]["description2"] == "NOPE is not a valid transport policy."
