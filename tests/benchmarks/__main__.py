"""`make bench`: costs measured as ratios against a baseline in the same run (never asserted in tests).

1. Verification, batched (ours: sign-in + one request with every probe) vs one request per probe.
2. Parsing a 10-result response with classification vs a bare lxml parse of the same bytes.
Requests go to the Intacct simulator on 127.0.0.1 with 20 ms of latency per request.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import requests
from lxml import etree

from connection_service.intacct import (
    Deadline,
    GetUserPermissions,
    IntacctClient,
    Query,
    parse_response,
)
from connection_service.intacct.request import build_request
from connection_service.verification import REQUIRED_PERMISSIONS, ConnectionVerifier, Outcome
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.demo import LOGIN, SENDER

LATENCY_MS = 20
ROUNDS = 15


def median_seconds(work: Callable[[], object], rounds: int = ROUNDS) -> float:
    work()  # warm up connections and caches
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def one_request_per_probe(client: IntacctClient) -> None:
    """The baseline: what a verifier without batching would do (a sign-in, then a request per probe)."""
    session, _ = client.open_session(LOGIN, deadline=Deadline(30))
    for permission in REQUIRED_PERMISSIONS:
        if permission.probe_object:
            client.execute(session, [Query(permission.probe_object)], deadline=Deadline(30))
    client.execute(session, [GetUserPermissions(LOGIN.user_id)], deadline=Deadline(30))


def main() -> None:
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    control = requests.Session()
    control.trust_env = False
    control.patch(f"{simulator.base_url}/_sim/companies/DEMO-CO", json={"latency_ms": LATENCY_MS}, timeout=5)
    client = IntacctClient(SENDER, endpoint_url=simulator.gateway_url)
    fresh = ConnectionVerifier(client)
    assert fresh.verify(LOGIN, deadline=Deadline(30)).outcome is Outcome.CONNECTED

    rows = []
    batched = median_seconds(lambda: fresh.verify(LOGIN, deadline=Deadline(30)))
    unbatched = median_seconds(lambda: one_request_per_probe(client))
    rows.append(("verification: batched probes vs one request per probe", batched, unbatched))

    session, _ = client.open_session(LOGIN, deadline=Deadline(30))
    probes = [
        Query(p.probe_object, control_id=f"q{i}")
        for i, p in enumerate(REQUIRED_PERMISSIONS)
        if p.probe_object
    ]
    request = build_request(SENDER, session, [*probes, GetUserPermissions(LOGIN.user_id)])
    body = control.post(session.endpoint, data=request, timeout=10).content
    ours = median_seconds(lambda: parse_response(200, body, session_auth=True), rounds=2000)
    bare = median_seconds(lambda: etree.fromstring(body), rounds=2000)
    rows.append(("parsing: parse_response vs bare lxml parse (10 results)", ours, bare))
    simulator.stop()

    print(f"{'benchmark':58} {'measured':>11} {'baseline':>11} {'ratio':>7}")
    for name, measured, baseline in rows:
        print(f"{name:58} {measured * 1000:9.2f}ms {baseline * 1000:9.2f}ms {measured / baseline:7.2f}")
    print(
        f"(median of {ROUNDS} runs for the verifications, 2000 for parsing; "
        f"simulator latency {LATENCY_MS} ms)"
    )


if __name__ == "__main__":
    main()
