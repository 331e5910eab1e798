"""Export calls: sign-ins per 1,000 calls, the interface's cost per call, and 20 workers into 5 companies.

The service is the real one (run_export, the sign-in guard, the company limit, the session cache, the
Intacct gateway over HTTP to the simulator in its own process); the AWS ports are the in-memory fakes, so
the figures are our code and Intacct's latency, not moto's (in AWS each call adds its DynamoDB requests:
the connection, and the company's slot taken and given back). Each worker is one execution environment:
its own use cases, session cache and Intacct client; the workers share the AWS side.
"""

from __future__ import annotations

import math
import statistics
import threading
import time

from connection_service.bootstrap import UseCases
from connection_service.connections.errors import RetryLater
from connection_service.connections.model import Connection
from connection_service.intacct import Deadline, LoginCredentials, Secret
from connection_service.intacct.xml import IntacctClient
from connection_service.intacct.xml.worker_functions import WorkerFunction
from tests.support.demo import DEMO_PASSWORD, SENDER
from tests.support.signing_in import open_session

from .measure import Row, Sample
from .simulated_companies import Fleet, RunningSimulator, run_workers, simulator_process

QUERY = "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>"
LATENCY_SECONDS = 0.2
COMPANY_LIMIT = 2
# Steady traffic, scaled 1:60 in time: 10 minutes of calls against a 15-minute sliding session timeout.
STEADY_SECONDS = 10.0
SESSION_TIMEOUT_SECONDS = 15.0
STEADY_CALLS = 1_000


def _connections(fleet: Fleet, companies: list[str]) -> list[Connection]:
    """One connection per company (each its own tenant), from one made through the use cases."""
    made = fleet.connected(companies[0])
    return [
        fleet.clone(made, f"tenant-{index:03d}", f"{index:032x}", company)
        for index, company in enumerate(companies)
    ]


def _call(service: UseCases, connection: Connection, control_id: str) -> int:
    """One call as a worker makes it, sending it again when told to retry later. Returns the retries."""
    function = [WorkerFunction.parse(QUERY, control_id)]
    for retries in range(10):
        try:
            report = service.run_export(
                connection.tenant_id, connection.id, function, transaction=False, time_limit_seconds=30
            )
        except RetryLater as busy:
            time.sleep(busy.retry_after_seconds)
            continue
        if report.results[0].status != "success":
            raise RuntimeError(f"an export call failed: {report.results[0]}")
        return retries
    raise RuntimeError("an export call was told to retry ten times")


def _sign_ins(simulator: RunningSimulator) -> int:
    return sum("getAPISession" in entry["functions"] for entry in simulator.requests())


def steady_sign_ins() -> Row:
    with simulator_process(
        ["STEADY-CO"], "export-steady", session_timeout_seconds=SESSION_TIMEOUT_SECONDS
    ) as sim:
        fleet = Fleet(sim.gateway_url, company_limit=COMPANY_LIMIT)
        [connection] = _connections(fleet, ["STEADY-CO"])
        sim.reset()
        service = fleet.environment()
        pause = STEADY_SECONDS / STEADY_CALLS
        started = time.perf_counter()
        for n in range(STEADY_CALLS):
            _call(service, connection, f"steady-{n}")
            time.sleep(max(0.0, started + (n + 1) * pause - time.perf_counter()))
        elapsed = time.perf_counter() - started
        sign_ins = _sign_ins(sim)
    lifetimes = max(1, math.ceil(elapsed / SESSION_TIMEOUT_SECONDS))
    return Row(
        "export",
        f"sign-ins per {STEADY_CALLS:,} export calls over {elapsed:.0f} s of steady traffic (1 user, sliding "
        f"{SESSION_TIMEOUT_SECONDS:.0f} s session timeout; 10 min against 15 min, scaled 1:60)",
        Sample.of([float(sign_ins)]),
        Sample.of([float(lifetimes)]),
        unit="count",
        goal="≤ 1",
        note="baseline: one sign-in per session lifetime the traffic spans",
    )


def interface_overhead(runs: int) -> Row:
    """One call through run_export against the same function sent straight in an open session."""
    with simulator_process(["OVERHEAD-CO"], "export-overhead") as sim:
        fleet = Fleet(sim.gateway_url, company_limit=COMPANY_LIMIT)
        [connection] = _connections(fleet, ["OVERHEAD-CO"])
        service = fleet.environment()
        _call(service, connection, "warm")  # the session is open and cached from here on
        client = IntacctClient(SENDER, endpoint_url=sim.gateway_url)
        login = LoginCredentials("OVERHEAD-CO", "ws_expenses", Secret(DEMO_PASSWORD))
        session, _ = open_session(client, login, deadline=Deadline(20))
        through, straight = [], []
        for n in range(runs):  # interleaved, so that drift hits both alike
            started = time.perf_counter()
            _call(service, connection, f"through-{n}")
            through.append(time.perf_counter() - started)
            function = [WorkerFunction.parse(QUERY, f"straight-{n}")]
            started = time.perf_counter()
            client.execute(session, function, deadline=Deadline(20))
            straight.append(time.perf_counter() - started)
    added = (statistics.median(through) - statistics.median(straight)) * 1000
    return Row(
        "export",
        "one export call through the interface (vs the same function sent straight in an open session)",
        Sample.of(through),
        Sample.of(straight),
        unit="ms",
        goal="≤ 1.2",
        note=f"{added:.1f} ms of ours per call, simulator answering at once; in AWS add the call's DynamoDB "
        "requests (the connection, the company's slot taken and given back) and the Lambda invocation",
    )


def fleet_throughput(workers: int = 20, companies: int = 5, calls_per_worker: int = 25) -> list[Row]:
    names = [f"EXPORT-{n:02d}" for n in range(companies)]
    latency_ms = int(LATENCY_SECONDS * 1000)
    with simulator_process(
        names, "export-fleet", latency_ms=latency_ms, concurrency_limit=COMPANY_LIMIT
    ) as sim:
        fleet = Fleet(sim.gateway_url, company_limit=COMPANY_LIMIT)
        connections = _connections(fleet, names)
        sim.reset()
        failures: list[BaseException] = []
        retries: list[int] = []

        def worker(n: int) -> None:
            service, connection = fleet.environment(), connections[n % companies]
            try:
                for call in range(calls_per_worker):
                    retries.append(_call(service, connection, f"w{n}-{call}"))
            except BaseException as error:  # reported below; a worker must not die silently
                failures.append(error)

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(workers)]
        ideal_calls = workers * calls_per_worker * LATENCY_SECONDS / (companies * COMPANY_LIMIT)
        wall = run_workers(threads, ideal_seconds=ideal_calls, what="the export fleet")
        if failures:
            raise RuntimeError(f"the export fleet did not finish: {failures[:3]}")
        sent = sim.requests()
        in_flight = sim.max_in_flight()
    ideal = len(sent) * LATENCY_SECONDS / (companies * COMPANY_LIMIT)
    refused = sum(entry["http_status"] == 429 for entry in sent)
    shape = f"{workers} workers, {companies} companies, limit {COMPANY_LIMIT}, L={latency_ms} ms"
    return [
        Row(
            "export",
            f"wall time vs ideal requests·L/(companies·limit) ({shape})",
            Sample.of([wall]),
            Sample.of([ideal]),
            unit="s",
            goal="≤ 1.11",
            note=f"{ideal / wall:.0%} of ideal (goal ≥ 90 %), every worker starting cold (its sign-in waits "
            f"for the other workers' as the same user); {len(sent)} requests to Intacct, "
            f"{workers * calls_per_worker} calls, {sum(retries)} retried; {refused} refused with 429",
        ),
        Row(
            "export",
            "requests in flight per company at the simulator (max over companies)",
            Sample.of([float(max(in_flight.values(), default=0))]),
            Sample.of([float(COMPANY_LIMIT)]),
            unit="count",
            goal="≤ 1",
            note="never above the company's limit",
        ),
    ]


def run(runs: int) -> list[Row]:
    return [steady_sign_ins(), interface_overhead(runs), *fleet_throughput()]
