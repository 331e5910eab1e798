"""Health-check throughput: N connections over many companies, Intacct answering after L seconds, C workers.

Each worker stands for one Lambda execution environment: its own service and pooled Intacct client, taking
one message at a time from a queue that keeps SQS FIFO's rule (one message of a company's group in flight).
The service is the real one (guard, verifier, Intacct client over HTTP to the simulator, which runs in its
own process); the AWS ports are the in-memory fakes, so the figure is our code and Intacct's latency, not
moto's. The ideal is N·L·(round trips per check)/C; the simulator counts requests in flight per company.
"""

from __future__ import annotations

import collections
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connection_service.connections.model import Connection
from local_stack.cfn_template import load_template

from .measure import Row, Sample
from .simulated_companies import Fleet, run_workers, simulator_process

ROOT = Path(__file__).resolve().parents[2]
LATENCY_SECONDS = 0.2
ROUND_TRIPS_PER_CHECK = 2  # the sign-in, then every probe in one request
TEMPLATE_COMPANY = "DEMO-CO"
# AWS Lambda on arm64 (us-east-1, first pricing tier), https://aws.amazon.com/lambda/pricing/ (2026-11).
PRICE_PER_GB_SECOND = 0.0000133334
PRICE_PER_MILLION_REQUESTS = 0.20


class CompanyQueue:
    """SQS FIFO's ordering rule: a message group (one Intacct company) has at most one message in flight."""

    def __init__(self, messages: list[tuple[str, Connection]]) -> None:
        self._waiting: dict[str, collections.deque[Connection]] = collections.defaultdict(collections.deque)
        for group, message in messages:
            self._waiting[group].append(message)
        self._ready = collections.deque(self._waiting)
        self._lock = threading.Condition()
        self._in_flight = 0

    def take(self) -> tuple[str, Connection] | None:
        with self._lock:
            while not self._ready:
                if self._in_flight == 0:
                    return None  # nothing waiting and nothing that could hand a group back
                self._lock.wait()
            group = self._ready.popleft()
            self._in_flight += 1
            return group, self._waiting[group].popleft()

    def done(self, group: str) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._waiting[group]:
                self._ready.append(group)
            self._lock.notify_all()


def seed(
    fleet: Fleet, companies: list[str], per_company: int, due_at: datetime
) -> list[tuple[str, Connection]]:
    """One connection made through the use cases, then cloned for every tenant and company."""
    made = fleet.connected(companies[0])
    messages = []
    for index in range(len(companies) * per_company):
        company = companies[index % len(companies)]
        clone = fleet.clone(made, f"tenant-{index:05d}", f"{index:032x}", company, next_check_at=due_at)
        messages.append((company, clone))
    return messages


def _worker(fleet: Fleet, queue: CompanyQueue, durations: list[float], round_trips: list[int]) -> None:
    service = fleet.environment()
    while (taken := queue.take()) is not None:
        group, connection = taken
        started = time.perf_counter()
        try:
            assert connection.next_check_at is not None
            report = service.health_check(
                connection.tenant_id,
                connection.id,
                claimed_until=connection.next_check_at,
                time_limit_seconds=50,
            )
            if report is None or report.result is None:
                raise RuntimeError(f"the check of {connection.id} did not run")
            round_trips.append(report.result.round_trips)
        finally:
            durations.append(time.perf_counter() - started)
            queue.done(group)


def _cost_per_10000(seconds_per_check: float, memory_gb: float, batch_size: int) -> float:
    compute = 10_000 * seconds_per_check * memory_gb * PRICE_PER_GB_SECOND
    return compute + (10_000 / batch_size) * PRICE_PER_MILLION_REQUESTS / 1e6


def _worker_sizing() -> tuple[int, int]:
    """The health worker's memory (MB) and SQS batch size, as the template deploys them."""
    template = load_template()
    function = template["Resources"]["HealthWorkerFunction"]["Properties"]
    memory_mb = int(function.get("MemorySize", template["Globals"]["Function"]["MemorySize"]))
    return memory_mb, int(template["Resources"]["HealthWorkerEventSource"]["Properties"]["BatchSize"])


def run(connections: int, companies: int, workers: int) -> list[Row]:
    names = [f"BENCH-{n:04d}" for n in range(companies)]
    with simulator_process(names, "throughput", latency_ms=int(LATENCY_SECONDS * 1000)) as simulator:
        fleet = Fleet(simulator.gateway_url)
        due_at = datetime.now(UTC) - timedelta(minutes=1)
        messages = seed(fleet, names, connections // companies, due_at)
        simulator.reset()
        queue = CompanyQueue(messages)
        durations: list[float] = []
        round_trips: list[int] = []
        threads = [
            threading.Thread(target=_worker, args=(fleet, queue, durations, round_trips), daemon=True)
            for _ in range(workers)
        ]
        ideal_checks = len(messages) * LATENCY_SECONDS * ROUND_TRIPS_PER_CHECK / workers
        wall = run_workers(threads, ideal_seconds=ideal_checks, what="the health checks")
        in_flight = simulator.max_in_flight()
    checked = len(durations)
    if checked != len(messages) or len(round_trips) != checked:
        raise RuntimeError(f"{checked} of {len(messages)} checks ran, {len(round_trips)} succeeded")
    per_check = sum(round_trips) / checked
    ideal = checked * LATENCY_SECONDS * per_check / workers
    memory_mb, batch_size = _worker_sizing()
    memory_gb = memory_mb / 1024
    mean_seconds = sum(durations) / checked
    cost = _cost_per_10000(mean_seconds, memory_gb, batch_size)
    waiting_only = _cost_per_10000(LATENCY_SECONDS * per_check, memory_gb, batch_size)
    worst = max(in_flight.values(), default=0)
    shape = f"N={checked}, {companies} companies, C={workers}, L={int(LATENCY_SECONDS * 1000)} ms"
    return [
        Row(
            "health throughput",
            f"wall time vs ideal N·L·{per_check:g}/C ({shape})",
            Sample.of([wall]),
            Sample.of([ideal]),
            unit="s",
            goal="≤ 1.11",
            note=f"{ideal / wall:.0%} of ideal (goal ≥ 90 %); {checked / wall:.1f} checks/s",
            extra={
                "efficiency": round(ideal / wall, 3),
                "checks": checked,
                "round_trips_per_check": per_check,
                "mean_check_seconds": round(mean_seconds, 4),
                "lambda_cost_per_10000_checks_usd": round(cost, 4),
                "memory_mb": memory_mb,
            },
        ),
        Row(
            "health throughput",
            "requests in flight per company at the simulator (max over companies)",
            Sample.of([float(worst)]),
            Sample.of([1.0]),
            unit="count",
            goal="≤ 1",
            note="one request at a time per Intacct company",
        ),
        Row(
            "health throughput",
            f"Lambda cost per 10,000 checks at {memory_mb} MB (USD)",
            Sample.of([cost]),
            Sample.of([waiting_only]),
            unit="USD",
            note=f"mean check {mean_seconds * 1000:.0f} ms x {memory_gb:g} GB x ${PRICE_PER_GB_SECOND}/GB-s "
            f"+ ${PRICE_PER_MILLION_REQUESTS}/million invocations of {batch_size} checks; baseline: the same "
            "for checks that only wait for Intacct's answers",
        ),
    ]
