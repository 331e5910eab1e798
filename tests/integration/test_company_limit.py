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
