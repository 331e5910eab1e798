"""Sign-in: the check order, each error shape, lockout, legacy style, passwords, request log."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from lxml import etree

from tests.simulator.helpers import (
    PASSWORD,
    SENDER_ID,
    GatewayClient,
    Reply,
    build_request,
    get_api_session,
    read_by_query,
)

pytestmark = pytest.mark.integration

SIGN_IN_401 = (
    b"<response><control><status>failure</status></control><errormessage><error><errorno>XMLGW_JPP0002"
    b"</errorno><description>Sign-in information is incorrect. Please check your request.</description>"
    b"</error></errormessage></response>"
)


def _canonical(xml: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml, parser))


def _assert_sign_in_401(reply: Reply) -> None:
    assert reply.status == 401
    assert reply.headers["Content-Type"] == 'text/xml; encoding="UTF-8"'
    assert _canonical(reply.content) == SIGN_IN_401


def test_login_success_authentication_block(gw: GatewayClient) -> None:
    reply = gw.call(get_api_session(), company="demo-co", user="WS_EXPENSES")
    assert reply.status == 200 and reply.control_status == "success"
    auth = reply.operation.find("authentication")
    assert auth is not None
    assert [child.tag for child in auth] == [
        "status",
        "userid",
        "companyid",
        "locationid",
        "sessiontimestamp",
        "sessiontimeout",
    ]
    assert auth.findtext("status") == "success"
    assert auth.findtext("userid") == "ws_expenses"
    assert auth.findtext("companyid") == "DEMO-CO"
    assert auth.findtext("locationid") == ""
    iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"
    assert re.match(iso, auth.findtext("sessiontimestamp") or "")
    assert re.match(iso, auth.findtext("sessiontimeout") or "")


def test_wrong_sender_password(gw: GatewayClient) -> None:
    reply = gw.call(sender_password="sender-demo-1")  # case-sensitive
    assert reply.status == 200
    assert reply.control_status == "failure"
    assert reply.root is not None and reply.root.find("operation") is None
    [error] = reply.control_errors
    assert error["errorno"] == "XL03000006"
    assert error["description"] == ""
    assert error["correction"] == ""
    assert re.fullmatch(
        r"Incorrect Intacct XML Partner ID or password\. \[Support ID: [A-Za-z0-9]+%7E[A-Za-z0-9]+\]",
        error["description2"] or "",
    )
    assert reply.root.findtext("control/senderid") == SENDER_ID
    assert gw.sim.requests()[-1]["sign_in_failed"] is False


def test_sender_id_is_case_sensitive(gw: GatewayClient) -> None:
    reply = gw.call(sender="expenseinmpp")
    assert reply.control_status == "failure"
    assert reply.control_errors[0]["errorno"] == "XL03000006"


def test_unknown_company_is_http_400(gw: GatewayClient) -> None:
    reply = gw.call(company="NO-SUCH-CO")
    assert reply.status == 400
    assert reply.control_status == "failure"
    [error] = reply.control_errors
    assert error["errorno"] == "invalidRequest"
    assert error["description"] == "Invalid Request"
    entry = gw.sim.requests()[-1]
    assert entry["sign_in_failed"] is True
    assert entry["company"] == "NO-SUCH-CO"
    assert entry["http_status"] == 400


def test_expired_demo_company(gw: GatewayClient) -> None:
    reply = gw.call(company="EXPIRED-CO")
    assert reply.status == 200
    assert reply.root is not None
    control = reply.root.find("control")
    assert control is not None
    assert [(child.tag, child.text or "") for child in control] == [
        ("status", "failure"),
        ("senderid", ""),
        ("controlid", ""),
    ]
    [error] = reply.control_errors
    assert error["errorno"] == "PL04000055"
    assert error["description2"] == "This company is a demo company and has expired."


def test_web_services_not_subscribed(gw: GatewayClient) -> None:
    reply = gw.call(company="NOWS-CO")
    assert reply.status == 200
    assert reply.control_status == "success"
    assert reply.auth_status == "failure"
    assert reply.results == []
    [error] = reply.auth_errors
    assert error["errorno"] == "XL03000006"
    assert error["description"] == (
        "This company is not authorized for XML transactions. Please subscribe to the XML Gateway."
    )


def test_inactive_sender_authorization(gw: GatewayClient) -> None:
    reply = gw.call(company="NOSENDER-CO")
    assert reply.status == 200 and reply.control_status == "success"
    assert reply.auth_status == "failure"
    [error] = reply.auth_errors
    assert error == {
        "errorno": "XL03000006",
        "description": "Invalid Web Services Authorization",
        "description2": "The sender ID 'ExpenseInMPP' is not authorized to make Web Services requests to "
        "company ID 'NOSENDER-CO'.",
        "correction": "Contact the company administrator to grant Web Services authorization to this "
        "sender ID.",
    }


def test_missing_sender_authorization(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", sender_authorizations={"SomeoneElse": "active"})
    reply = gw.call()
    assert reply.auth_status == "failure"
    assert reply.auth_errors[0]["description"] == "Invalid Web Services Authorization"


def test_sender_checked_before_company(gw: GatewayClient) -> None:
    reply = gw.call(company="NO-SUCH-CO", sender_password="wrong")
    assert reply.status == 200
    assert reply.control_errors[0]["errorno"] == "XL03000006"


@pytest.mark.parametrize(
    ("user", "password", "entity"),
    [
        ("nobody", PASSWORD, None),
        ("ws_expenses", "demo-passw0rd!", None),
        ("ws_locked", PASSWORD, None),
        ("ws_expenses", PASSWORD, "NO-SUCH-ENTITY"),
    ],
    ids=["unknown-user", "wrong-password-case", "locked-user", "unknown-entity"],
)
def test_sign_in_failures_are_401(gw: GatewayClient, user: str, password: str, entity: str | None) -> None:
    reply = gw.call(user=user, password=password, entity=entity)
    _assert_sign_in_401(reply)
    entry = gw.sim.requests()[-1]
    assert entry["sign_in_failed"] is True
    assert entry["http_status"] == 401
    assert entry["auth"] == "login"


def test_inactive_user(gw: GatewayClient) -> None:
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_limited", {"status": "inactive"}).ok
    _assert_sign_in_401(gw.call(user="ws_limited"))


def test_two_step_verification_on_a_normal_user(make_sim: Callable[..., GatewayClient]) -> None:
    users = {"ws_expenses": {"password": PASSWORD, "web_services_only": False, "two_step_verification": True}}
    gw = make_sim("DEMO-CO", users=users)
    _assert_sign_in_401(gw.call())


def test_legacy_sign_in_failure_style(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", sign_in_failure_style="legacy")
    reply = gw.call(password="nope")
    assert reply.status == 200
    assert reply.control_status == "success"
    assert reply.auth_status == "failure"
    [error] = reply.auth_errors
    assert error["errorno"] == "XL03000006"
    assert error["description2"] == "Sign-in information is incorrect"
    assert gw.sim.requests()[-1]["sign_in_failed"] is True


def test_lockout_after_five_wrong_passwords(gw: GatewayClient) -> None:
    for _ in range(4):
        _assert_sign_in_401(gw.call(password="wrong"))
    user = gw.control("GET", "/_sim/companies/DEMO-CO/users/ws_expenses").json()
    assert user["status"] == "active" and user["failed_sign_ins"] == 4
    _assert_sign_in_401(gw.call(password="wrong"))
    assert gw.control("GET", "/_sim/companies/DEMO-CO/users/ws_expenses").json()["status"] == "locked"
    _assert_sign_in_401(gw.call())  # the right password no longer helps
    log = gw.sim.requests("DEMO-CO")
    assert [entry["sign_in_failed"] for entry in log] == [True] * 6
    assert "password" not in repr(log).lower()
    # An administrator reactivates the user: the counter is reset and the sign-in works again.
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"status": "active"}).ok
    assert gw.call().status == 200


def test_successful_sign_in_resets_failed_counter(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", lockout_after_failed_sign_ins=2)
    _assert_sign_in_401(gw.call(password="wrong"))
    assert gw.call().status == 200
    _assert_sign_in_401(gw.call(password="wrong"))
    assert gw.call().status == 200  # not locked: the success in between reset the counter
    _assert_sign_in_401(gw.call(password="wrong"))
    _assert_sign_in_401(gw.call(password="wrong"))
    _assert_sign_in_401(gw.call())


def test_password_with_xml_special_characters_round_trips(gw: GatewayClient) -> None:
    tricky = "a<b&c]]>\"'"
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": tricky}).ok
    reply = gw.call(password=tricky)
    assert reply.status == 200 and reply.auth_status == "success"
    # The same password sent in CDATA sections is the same password.
    body = build_request(get_api_session(), password="PLACEHOLDER").replace(
        b"PLACEHOLDER", b"<![CDATA[a<b&c]]]]><![CDATA[>\"']]>"
    )
    assert gw.post_raw(body).auth_status == "success"
    _assert_sign_in_401(gw.call(password="a<b&c]]>\"' "))


def test_company_and_user_ids_are_case_insensitive(gw: GatewayClient) -> None:
    reply = gw.call(read_by_query("DEPARTMENT"), company="Demo-Co", user="Ws_Expenses")
    assert reply.auth_status == "success"
    entry = gw.sim.requests()[-1]
    assert (entry["company"], entry["user"]) == ("DEMO-CO", "ws_expenses")


def test_login_at_an_entity(gw: GatewayClient) -> None:
    reply = gw.call(get_api_session(), entity="us-east")
    assert reply.operation.findtext("authentication/locationid") == "US-EAST"
    assert reply.session()[2] == "US-EAST"
    assert gw.sim.requests()[-1]["entity"] == "us-east"
