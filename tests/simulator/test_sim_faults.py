"""Fault rules (every kind), the FLAKY-CO pattern, latency and the per-company concurrency limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from tests.simulator.helpers import GatewayClient, Reply, build_request, get_api_session, read_by_query

pytestmark = pytest.mark.integration


def _add_fault(gw: GatewayClient, rule: dict[str, Any], company: str = "DEMO-CO") -> None:
    response = gw.control("POST", f"/_sim/companies/{company}/faults", rule)
    assert response.status_code == 200, response.text


def _assert_429(reply: Reply) -> None:
    assert reply.status == 429
    assert reply.control_status == "failure"
    [error] = reply.control_errors
    assert error["errorno"] == "GW-0010"
    assert error["description"] == "Too many requests. The client has hit its assigned rate limit."


@pytest.mark.parametrize(("kind", "status"), [("http_500", 500), ("http_502", 502), ("http_524", 524)])
def test_html_server_errors(gw: GatewayClient, kind: str, status: int) -> None:
    _add_fault(gw, {"kind": kind, "always": True})
    reply = gw.call(password="wrong")
    assert reply.status == status
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.content.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    assert b"<response>" not in reply.content
    if kind == "http_524":
        assert b"524" in reply.content and b"Cloudflare" in reply.content
    entry = gw.sim.requests()[-1]
    assert entry["fault"] == kind and entry["http_status"] == status
    assert entry["sign_in_failed"] is False  # a faulted request never reaches sign-in


def test_http_503_has_an_empty_body(gw: GatewayClient) -> None:
    _add_fault(gw, {"kind": "http_503", "nth": [1]})
    reply = gw.call()
    assert reply.status == 503 and reply.content == b""
    assert gw.call().status == 200


def test_non_xml_200(gw: GatewayClient) -> None:
    _add_fault(gw, {"kind": "non_xml", "always": True})
    reply = gw.call()
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"<response" not in reply.content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(reply.content)


def test_truncated_xml(gw: GatewayClient) -> None:
    _add_fault(gw, {"kind": "truncated_xml", "always": True})
    response = gw.http.post(gw.sim.gateway_url, data=build_request(read_by_query("DEPARTMENT")), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == 'text/xml; encoding="UTF-8"'
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<response>')
    assert not response.content.rstrip().endswith(b"</response>")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


def test_rate_limit_fault(gw: GatewayClient) -> None:
    _add_fault(gw, {"kind": "rate_limit", "always": True})
    _assert_429(gw.call())
    assert gw.sim.requests()[-1]["fault"] == "rate_limit"


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("api_rate_limit_text", "API rate limit exceeded"),
        ("temporarily_offline", "The Service is Temporarily Off-line"),
    ],
)
def test_control_failure_text_faults(gw: GatewayClient, kind: str, text: str) -> None:
    _add_fault(gw, {"kind": kind, "always": True})
    reply = gw.call(controlid="ctl-77")
    assert reply.status == 200
    assert reply.control_status == "failure"
    assert reply.root is not None and reply.root.find("operation") is None
    assert reply.root.findtext("control/controlid") == "ctl-77"
    [error] = reply.control_errors
    assert text in (error["description2"] or "")


def test_slow_fault_answers_normally(gw: GatewayClient) -> None:
    _add_fault(gw, {"kind": "slow", "always": True, "delay_ms": 200})
    started = time.monotonic()
    reply = gw.call()
    assert time.monotonic() - started >= 0.2
    assert reply.status == 200 and reply.result().findtext("status") == "success"
    assert gw.sim.requests()[-1]["fault"] == "slow"


def test_flaky_company_fails_odd_requests(gw: GatewayClient) -> None:
    statuses = [gw.call(read_by_query("DEPARTMENT"), company="FLAKY-CO").status for _ in range(5)]
    assert statuses == [503, 200, 503, 200, 503]
    gw.sim.reset()
    assert gw.call(company="FLAKY-CO").status == 503  # counting restarts at reset
    assert gw.call(company="FLAKY-CO").status == 200
    assert [e["fault"] for e in gw.sim.requests("flaky-co")] == ["http_503", None]


def test_faults_do_not_count_as_sign_in_attempts(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", lockout_after_failed_sign_ins=2, faults=[{"kind": "http_502", "every": 1}])
    for _ in range(3):
        assert gw.call(password="wrong").status == 502
    assert gw.control("DELETE", "/_sim/companies/DEMO-CO/faults").ok
    assert gw.call().status == 200  # not locked out


def test_fault_rule_offsets_and_nth(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", faults=[{"kind": "http_500", "every": 3}, {"kind": "http_502", "nth": [1]}])
    assert [gw.call().status for _ in range(7)] == [502, 200, 500, 200, 200, 500, 200]


def _concurrent(gw: GatewayClient, count: int, **kwargs: Any) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()
    body = build_request(get_api_session(), **kwargs)

    def worker() -> None:
        status = gw.post_raw(body).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return sorted(statuses)


def test_concurrency_limit_429(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", latency_ms=400)
    statuses = _concurrent(gw, 3)
    assert statuses == [200, 200, 429]
    assert gw.sim.max_in_flight("demo-co") == 3
    rejected = [e for e in gw.sim.requests("DEMO-CO") if e["http_status"] == 429]
    assert len(rejected) == 1 and rejected[0]["errorno"] == "GW-0010"
    stats = gw.control("GET", "/_sim/stats").json()
    assert stats["max_in_flight"]["DEMO-CO"] == 3
    gw.sim.reset()
    assert gw.sim.max_in_flight("DEMO-CO") == 0


def test_concurrency_is_per_company(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", latency_ms=300, concurrency_limit=1)
    body = build_request(get_api_session())
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(gw.post_raw(body).status))
    thread.start()
    time.sleep(0.1)
    other = gw.call(company="NOWS-CO")  # another company is not limited by DEMO-CO's traffic
    _assert_429(gw.call())
    thread.join(5)
    assert results == [200] and other.status == 200
    assert gw.sim.max_in_flight("NOWS-CO") == 1


def test_serial_requests_have_max_in_flight_one(gw: GatewayClient) -> None:
    for _ in range(3):
        gw.call()
    assert gw.sim.max_in_flight("DEMO-CO") == 1
    assert gw.sim.max_in_flight("FLAKY-CO") == 0


def test_latency(make_sim: Callable[..., GatewayClient]) -> None:
    gw = make_sim("DEMO-CO", latency_ms=150)
    started = time.monotonic()
    assert gw.call().status == 200
    assert time.monotonic() - started >= 0.15
