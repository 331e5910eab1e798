"""getAPISession: creation, use, sliding expiry, entity switching, invalid sessions."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.simulator.helpers import GatewayClient, Reply, get_api_session, query

pytestmark = pytest.mark.integration


def _assert_invalid_session(reply: Reply) -> None:
    assert reply.status == 200
    assert reply.control_status == "success"
    assert reply.auth_status == "failure"
    assert reply.results == []
    [error] = reply.auth_errors
    assert error["errorno"] == "XL03000006"
    assert error["description2"] == "Invalid session"


def test_get_api_session_shape(gw: GatewayClient) -> None:
    reply = gw.call(get_api_session())
    result = reply.result()
    assert [child.tag for child in result] == ["status", "function", "controlid", "data"]
    assert result.findtext("function") == "getAPISession"
    assert result.findtext("controlid") == "fn-1"
    session_id, endpoint, location = reply.session()
    assert len(session_id) >= 32
    assert endpoint == gw.sim.gateway_url
    assert location == ""


def test_session_use_and_log(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    reply = gw.call(query("DEPARTMENT", ["RECORDNO"]), session=session_id)
    assert reply.auth_status == "success"
    assert reply.operation.findtext("authentication/userid") == "ws_expenses"
    assert reply.operation.findtext("authentication/companyid") == "DEMO-CO"
    assert reply.result().findtext("status") == "success"
    entry = gw.sim.requests()[-1]
    assert (entry["auth"], entry["company"], entry["user"]) == ("session", "DEMO-CO", "ws_expenses")
    assert session_id not in repr(gw.sim.requests())


def test_unknown_session(gw: GatewayClient) -> None:
    _assert_invalid_session(gw.call(get_api_session(), session="not-a-session"))
    entry = gw.sim.requests()[-1]
    assert entry["company"] is None and entry["auth"] == "session" and entry["sign_in_failed"] is False


def test_session_expires_and_slides(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", session_timeout_seconds=0.6)
    session_id = gw.login_session()
    for _ in range(3):  # each use slides the timeout: 3 x 0.3 s > 0.6 s and still valid
        time.sleep(0.3)
        assert gw.call(query("DEPARTMENT", ["RECORDNO"]), session=session_id).auth_status == "success"
    time.sleep(0.7)
    _assert_invalid_session(gw.call(query("DEPARTMENT", ["RECORDNO"]), session=session_id))


def test_session_timeout_reported_and_slid(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", session_timeout_seconds=5)
    session_id = gw.login_session()
    timeout = "authentication/sessiontimeout"
    first = gw.call(get_api_session(), session=session_id).operation.findtext(timeout)
    time.sleep(1.05)
    second = gw.call(get_api_session(), session=session_id).operation.findtext(timeout)
    assert first is not None and second is not None and second > first


def test_get_api_session_from_a_session_returns_that_session(gw: GatewayClient) -> None:
    session_id = gw.login_session(entity="US-WEST")
    reply = gw.call(get_api_session(), session=session_id)
    assert reply.session()[0] == session_id
    assert reply.session()[2] == "US-WEST"


def test_entity_level_session_from_login(gw: GatewayClient) -> None:
    reply = gw.call(get_api_session("US-EAST"))
    session_id, _, location = reply.session()
    assert location == "US-EAST"
    follow = gw.call(query("DEPARTMENT", ["RECORDNO"]), session=session_id)
    assert follow.operation.findtext("authentication/locationid") == "US-EAST"
    assert gw.sim.requests()[-1]["entity"] == "US-EAST"


def test_switch_entity_and_back_to_top_level(gw: GatewayClient) -> None:
    east = gw.login_session(location="US-EAST")
    west_reply = gw.call(get_api_session("US-WEST"), session=east)
    west, _, location = west_reply.session()
    assert location == "US-WEST" and west != east
    top_reply = gw.call(get_api_session(""), session=west)
    top, _, top_location = top_reply.session()
    assert top_location == "" and top not in (east, west)
    assert gw.call(get_api_session(), session=top).operation.findtext("authentication/locationid") == ""


def test_invalid_entity_in_get_api_session(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    reply = gw.call(get_api_session("MARS"), session=session_id)
    assert reply.status == 200 and reply.auth_status == "success"
    assert reply.result().findtext("status") == "failure"
    assert reply.result_errors() == [
        {
            "errorno": "XL03000006",
            "description": "Invalid location",
            "description2": "The location ID 'MARS' is not valid or the user does not have access to it.",
            "correction": "",
        }
    ]


def test_entity_allow_list(make_sim: Callable[..., GatewayClient]) -> None:
    users = {"ws_expenses": {"password": "Demo-Passw0rd!", "entities": ["US-EAST"]}}
    gw = make_sim("DEMO-CO", users=users)
    session_id = gw.login_session(entity="US-EAST")
    denied = gw.call(get_api_session("US-WEST"), session=session_id)
    assert denied.result_errors()[0]["description"] == "Invalid location"
    # Restricted users cannot get a top-level session either way.
    top = gw.call(get_api_session(""), session=session_id)
    assert top.result_errors()[0]["description"] == "Invalid location"
    assert gw.call().status == 401


def test_deactivating_a_user_ends_their_sessions(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"status": "inactive"}).ok
    _assert_invalid_session(gw.call(get_api_session(), session=session_id))


def test_session_still_subject_to_company_checks(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    assert gw.control("PATCH", "/_sim/companies/DEMO-CO", {"sender_authorized": False}).ok
    reply = gw.call(get_api_session(), session=session_id)
    assert reply.auth_errors[0]["description"] == "Invalid Web Services Authorization"


def test_reset_clears_sessions(gw: GatewayClient) -> None:
    session_id = gw.login_session()
    gw.sim.reset()
    _assert_invalid_session(gw.call(get_api_session(), session=session_id))
