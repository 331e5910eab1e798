"""One Intacct company's limit of requests in flight, held across every path: export workers in their own
execution environments and admins' verifications together, against the simulator enforcing the same
limit (it answers 429 GW-0010 past it) with 200 ms of latency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from connection_service import bootstrap
from connection_service.connections.errors import RetryLater
from connection_service.intacct.xml.worker_functions import WorkerFunction
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

QUERY = "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>"


def test_exports_and_verifications_together_never_exceed_the_companys_limit(stack: Stack) -> None:
    connection_id = str(stack.connect()["id"])
    assert stack.edit(connection_id).json["status"] == "CONNECTED"
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"latency_ms": 200, "concurrency_limit": 2})
    sent_before = len(stack.simulator.requests("DEMO-CO"))

    def worker(n: int) -> int:
        use_cases = bootstrap.build()  # its own execution environment: own session cache and clients
        done = 0
        for call in range(3):
            function = [WorkerFunction.parse(QUERY, f"w{n}-{call}")]
            for _ in range(40):  # a worker retries what it is told to retry
                try:
                    use_cases.run_export(
                        "acme", connection_id, function, transaction=False, time_limit_seconds=20
                    )
                    done += 1
                    break
                except RetryLater as busy:
                    time.sleep(min(0.5, busy.retry_after_seconds / 4))
        return done

    def admin(_: int) -> int:
        reply = stack.call("POST", f"/connections/{connection_id}/verify")
        return reply.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        workers = [pool.submit(worker, n) for n in range(6)]
        admins = [pool.submit(admin, n) for n in range(2)]
        exported = [w.result(timeout=120) for w in workers]
        verified = [a.result(timeout=120) for a in admins]
    assert exported == [3] * 6
    assert all(status in (200, 409, 429) for status in verified), verified
    assert stack.simulator.max_in_flight("DEMO-CO") <= 2
    refused = [r for r in stack.simulator.requests("DEMO-CO")[sent_before:] if r["http_status"] == 429]
    assert refused == []  # Intacct never had to refuse one of ours


SLOW_SECONDS = 2.5  # how long the simulator works on each request in a session
READ_TIMEOUT_SECONDS = "1"  # we stop waiting long before it answers
LOST_REQUEST_SECONDS = "4"  # and take it to be finished 4 s after we stopped waiting


@pytest.fixture
def slow_company(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> tuple[Stack, list[tuple[str, str]]]:
    """Three tenants connected to DEMO-CO; then every request in a session takes 2.5 s at Intacct, far
    past our read timeout."""
    monkeypatch.setenv("INTACCT_READ_TIMEOUT_SECONDS", READ_TIMEOUT_SECONDS)
    monkeypatch.setenv("INTACCT_LOST_REQUEST_SECONDS", LOST_REQUEST_SECONDS)
    bootstrap.reset()
    connections = []
    for tenant in ("tenant-a", "tenant-b", "tenant-c"):
        connection_id = str(stack.connect(tenant)["id"])
        assert stack.edit(connection_id, tenant=tenant).json["status"] == "CONNECTED"
        connections.append((tenant, connection_id))
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"concurrency_limit": 2})
    stack.simulator_control(
        "POST",
        "/_sim/companies/DEMO-CO/faults",
        {"kind": "slow", "always": True, "auth": "session", "delay_ms": int(SLOW_SECONDS * 1000)},
    )
    return stack, connections


def _health_check(tenant: str, connection_id: str) -> str:
    use_cases = bootstrap.build()
    connection = use_cases.adapters.repository.get(tenant, connection_id)
    assert connection is not None and connection.next_check_at is not None
    report = use_cases.health_check(
        tenant, connection_id, claimed_until=connection.next_check_at, time_limit_seconds=8
    )
    return "skipped" if report is None else str(report.connection.health_reason)


def _export(tenant: str, connection_id: str) -> str:
    try:
        bootstrap.build().run_export(
            tenant, connection_id, [WorkerFunction.parse(QUERY, "q")], transaction=False, time_limit_seconds=8
        )
    except RetryLater as busy:
        return type(busy).__name__
    return "answered"


@pytest.mark.parametrize("path", ["verify", "health_check", "export"])
def test_a_slow_intacct_never_sees_more_than_the_limit_and_nothing_is_resent(
    slow_company: tuple[Stack, list[tuple[str, str]]], path: str
) -> None:
    """Requests we stopped waiting for go on at Intacct: they keep their place in the company's limit until
    Intacct is taken to be done, and none is sent again meanwhile, on every path."""
    stack, connections = slow_company
    sent_before = len(stack.simulator.requests("DEMO-CO"))

    def run(target: tuple[str, str]) -> object:
        tenant, connection_id = target
        if path == "verify":
            return stack.call("POST", f"/connections/{connection_id}/verify", tenant=tenant).status
        if path == "health_check":
            return _health_check(tenant, connection_id)
        return _export(tenant, connection_id)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(run, connections, timeout=60))
    time.sleep(SLOW_SECONDS)  # every request still running at the simulator has finished
    sent = stack.simulator.requests("DEMO-CO")[sent_before:]
    in_session = [entry for entry in sent if entry["auth"] == "session"]
    assert [entry for entry in sent if entry["http_status"] == 429] == [], outcomes  # never past the limit
    assert stack.simulator.max_in_flight("DEMO-CO") <= 2
    assert 1 <= len(in_session) <= len(connections), outcomes  # each sent at most once, never resent
