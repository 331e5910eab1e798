"""REST requests share the XML gateway's per-company limits: one in-flight counter, latency, fault rules."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.simulator.helpers import GatewayClient, get_api_session
from tests.simulator.rest_helpers import RestClient, error_of

pytestmark = pytest.mark.integration

DEPARTMENTS = "/objects/company-config/department"


def _in_background(action: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(action()))
    thread.start()
    return thread, results


def test_one_in_flight_counter_for_xml_and_rest(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", latency_ms=400, concurrency_limit=1)
    token = rest.sign_in()
    gw = GatewayClient(rest.sim)
    try:
        thread, results = _in_background(lambda: gw.call(get_api_session()).status)
        time.sleep(0.15)
        reply = rest.call("GET", DEPARTMENTS, token=token)  # the XML request holds the company's one slot
        thread.join(5)
    finally:
        gw.http.close()
    assert results == [200]
    assert reply.status_code == 429
    assert reply.json()["ia::error"]["code"] == "GW-0010"
    assert reply.headers["Retry-After"] == "1"
    assert reply.headers["X-IA-Throttle-Limit"] == "1"
    assert reply.headers["X-IA-Throttle-Remaining"] == "0"
    assert rest.sim.max_in_flight("DEMO-CO") == 2
    rejected = rest.sim.requests("DEMO-CO")[-2]
    assert (rejected["api"], rejected["http_status"], rejected["errorno"]) == ("rest", 429, "GW-0010")


def test_token_requests_count_too(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", latency_ms=400, concurrency_limit=1)
    thread, results = _in_background(lambda: rest.client_credentials().status_code)
    time.sleep(0.15)
    assert rest.client_credentials().status_code == 429
    thread.join(5)
    assert results == [200]


def test_latency_applies(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", latency_ms=200)
    started = time.monotonic()
    rest.sign_in()
    assert time.monotonic() - started >= 0.2
    assert rest.sim.requests()[-1]["duration_ms"] >= 200


def test_flaky_company_fails_rest_requests_too(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("FLAKY-CO", client_authorizations={"ExpenseInREST-Demo": {"users": ["ws_expenses"]}})
    statuses = [rest.client_credentials("ws_expenses@FLAKY-CO").status_code for _ in range(4)]
    assert statuses == [503, 200, 503, 200]
    assert [e["fault"] for e in rest.sim.requests("FLAKY-CO")] == ["http_503", None, "http_503", None]


@pytest.mark.parametrize(
    ("kind", "status", "content_type"),
    [
        ("http_500", 500, "text/html"),
        ("http_502", 502, "text/html"),
        ("http_524", 524, "text/html"),
        ("non_xml", 200, "text/html"),
        ("rate_limit", 429, "application/json"),
        ("temporarily_offline", 503, "application/json"),
        ("truncated_xml", 200, "application/json"),
    ],
)
def test_fault_kinds_over_rest(
    make_rest: Callable[..., RestClient], kind: str, status: int, content_type: str
) -> None:
    rest = make_rest("DEMO-CO", faults=[{"kind": kind, "always": True, "auth": "token"}])
    token = rest.sign_in()  # `auth: token` leaves the token request alone
    reply = rest.call("GET", DEPARTMENTS, token=token)
    assert reply.status_code == status
    assert reply.headers["Content-Type"].startswith(content_type)
    if kind == "truncated_xml":
        with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
            reply.json()


def test_faults_may_target_token_requests(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", faults=[{"kind": "http_503", "always": True, "auth": "token_request"}])
    assert rest.client_credentials().status_code == 503
    gw = GatewayClient(rest.sim)
    try:
        assert gw.call(get_api_session()).status == 200  # XML sign-ins are not token requests
    finally:
        gw.http.close()


def test_committed_then_lost(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", faults=[{"kind": "committed_then_http_500", "nth": [2]}])
    rest.sign_in()  # request 1
    lost = rest.call("POST", "/objects/company-config/folder", {"id": "Lost"})  # request 2
    assert lost.status_code == 500
    again = rest.call("POST", "/objects/company-config/folder", {"id": "Lost"})
    assert again.status_code == 409  # it had been written


def test_slow_rest_calls_hold_their_slot(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest(
        "DEMO-CO",
        concurrency_limit=1,
        faults=[{"kind": "slow", "always": True, "auth": "token", "delay_ms": 400}],
    )
    token = rest.sign_in()
    thread, results = _in_background(lambda: rest.call("GET", DEPARTMENTS, token=token).status_code)
    time.sleep(0.15)
    assert rest.client_credentials().status_code == 429
    thread.join(5)
    assert results == [200]


def test_reset_clears_tokens() -> None:
    with IntacctSimulator.from_file(DEMO_DATA_PATH) as sim:
        rest = RestClient(sim)
        try:
            token = rest.sign_in()
            sim.reset()
            reply = rest.call("GET", DEPARTMENTS, token=token)
            assert reply.status_code == 400 and error_of(reply)["errorId"] == "REST-1206"
        finally:
            rest.http.close()
