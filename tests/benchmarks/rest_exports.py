"""REST operations through the export interface, for client credentials connections.

Overhead: one REST call (a size-1 query of services/core/query, and a bill POSTed to
objects/accounts-payable/bill) through the real Export function handler (functions/export/app.py, loaded as
the local stack loads it: Powertools, the payload's parsing, run_export, the sign-in guard, the company limit,
the session cache, the REST gateway over HTTP to the simulator in its own process; the AWS ports are the
in-memory fakes, as in export_throughput.py) against the same request sent straight to the simulator with a
token in hand (a plain requests.Session with the bearer token).

Token mints: steady traffic of REST operation calls, as client_credentials.token_mints measures XML calls
through the session-id bridge.

Mixed fleet: 20 workers into 5 companies at the company limit of 2, Intacct answering after 200 ms, half the
calls XML functions (through the bridge) and half REST operations, all on each company's client credentials
connection: wall time against the ideal, and the requests in flight per company at the simulator.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
import requests

from connection_service import bootstrap
from connection_service.bootstrap import UseCases
from connection_service.config import Settings
from connection_service.connections.errors import RetryLater
from connection_service.connections.model import Connection
from connection_service.intacct.rest.operations import RestOperation, parse_operation
from connection_service.intacct.xml.writable_objects import EXPENSE_PLATFORM
from local_stack.api_gateway import LambdaContext, load_handler

from .client_credentials import CLIENT_APPLICATION, _by_method, _connected, token_mint_rows
from .export_throughput import _call
from .measure import Row, Sample
from .simulated_companies import ROOT, Fleet, RunningSimulator, run_workers, simulator_process

QUERY_BODY = {"object": "accounts-payable/vendor", "fields": ["id"], "size": 1}
QUERY = {"method": "POST", "path": "services/core/query", "body": QUERY_BODY}
LATENCY_SECONDS = 0.2
COMPANY_LIMIT = 2
MAX_RETRIES = 10


def bill(reference: str) -> dict[str, Any]:
    """A one-line bill, its reference unique per call (so that its derived idempotency key is too)."""
    return {
        "vendor": {"id": "V100"},
        "createdDate": "2024-05-01",
        "referenceNumber": reference,
        "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "25.00", "memo": "Taxi"}],
    }


def operation(operation_id: str, item: dict[str, Any]) -> RestOperation:
    """A worker's item, parsed at the edge as the interface parses it."""
    return parse_operation({"id": operation_id, **item}, writable=EXPENSE_PLATFORM)


def rest_call(service: UseCases, connection: Connection, operation_id: str) -> int:
    """One REST call (a size-1 query) as a worker makes it, sent again when told to retry later. Returns
    the retries."""
    operations = [operation(operation_id, QUERY)]
    for retries in range(MAX_RETRIES):
        try:
            report = service.run_export(
                connection.tenant_id,
                connection.id,
                [],
                transaction=False,
                time_limit_seconds=30,
                operations=operations,
            )
        except RetryLater as busy:
            time.sleep(busy.retry_after_seconds)
            continue
        if report.results[0].status != "success":
            raise RuntimeError(f"a REST export call failed: {report.results[0]}")
        return retries
    raise RuntimeError(f"a REST export call was told to retry {MAX_RETRIES} times")


# --- Overhead: through the Export function's handler, against a request sent straight ---------------------


def _settings() -> Settings:
    """The Export function's settings as the handler reads them (only the writable objects matter here:
    the AWS ports are the in-memory fakes)."""
    return Settings(
        table_name="bench",
        secret_prefix="bench/",
        kms_key_id="bench",
        sender_secret_id="bench",
        event_bus_name="bench",
        export_writable_objects=EXPENSE_PLATFORM,
    )


@contextmanager
def _export_handler(service: UseCases) -> Iterator[Callable[[dict[str, Any]], dict[str, Any]]]:
    """The real Export function handler, its execution environment being `service` (one environment)."""
    handler = load_handler(ROOT / "functions" / "export", "app.handler")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(bootstrap, "_environment", bootstrap.Environment(_settings(), service))

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            return dict(handler(event, LambdaContext("ExportFunction", 60)))

        yield invoke


class _Straight:
    """The same requests without the service: a plain requests.Session, a token minted once."""

    def __init__(self, sim: RunningSimulator, company: str) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.rest_url = sim.rest_url
        form = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_APPLICATION.client_id,
            "client_secret": CLIENT_APPLICATION.client_secret.reveal(),
            "username": f"ws_expenses@{company}",
        }
        answer = self.session.post(f"{self.rest_url}/oauth2/token", data=form, timeout=10)
        answer.raise_for_status()
        self.headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {answer.json()['access_token']}",
        }

    def send(self, item: dict[str, Any], *, idempotency_key: str | None = None) -> None:
        """The item's request with the bearer token (JSON, as requests writes it), its answer read."""
        headers = dict(self.headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        answer = self.session.request(
            item["method"], f"{self.rest_url}/{item['path']}", json=item["body"], headers=headers, timeout=10
        )
        if answer.status_code >= 300:
            raise RuntimeError(f"a straight REST call answered {answer.status_code}: {answer.text[:200]}")
        answer.json()  # read as a worker would read it

    def close(self) -> None:
        self.session.close()


def _through(
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
    connection: Connection,
    item: dict[str, Any],
    *,
    signs_in: bool = False,
) -> None:
    """One REST operation through the handler; raises unless it succeeded, signing in only if `signs_in`."""
    event = {
        "tenant_id": connection.tenant_id,
        "connection_id": connection.id,
        "operations": [{"id": "op-1", **item}],
    }
    answer = invoke(event)
    if not answer["ok"] or answer["results"][0]["status"] != "success" or answer["signed_in"] != signs_in:
        raise RuntimeError(f"a REST export call through the handler did not go as expected: {answer}")


BILL_PATH = "objects/accounts-payable/bill"


def _bill(n: int) -> dict[str, Any]:
    return {"method": "POST", "path": BILL_PATH, "body": bill(f"BENCH-{n}")}


def interface_overhead(runs: int) -> list[Row]:
    """`runs` calls of each kind through the handler (and a query through run_export alone) and the same
    request sent straight, interleaved."""
    company = "RESTOVERHEAD-CO"
    with simulator_process([company], "rest-overhead") as sim:
        fleet = Fleet(sim.gateway_url, company_limit=COMPANY_LIMIT)
        connection = _connected(fleet, fleet.environment(_by_method(sim)), company)
        sim.reset()  # the edit's token ends; only the calls' requests are counted
        service = fleet.environment(_by_method(sim))  # the handler's execution environment
        straight = _Straight(sim, company)
        times: dict[str, tuple[list[float], list[float]]] = {
            kind: ([], []) for kind in ("query", "bill", "query, run_export alone")
        }

        def measured(kind: str, through: Callable[[], object], direct: Callable[[], object]) -> None:
            started = time.perf_counter()
            through()
            times[kind][0].append(time.perf_counter() - started)
            started = time.perf_counter()
            direct()
            times[kind][1].append(time.perf_counter() - started)

        def use_case_query(n: int) -> None:
            report = service.run_export(
                connection.tenant_id,
                connection.id,
                [],
                transaction=False,
                time_limit_seconds=30,
                operations=[operation(f"q{n}", QUERY)],  # parsed at the edge, as the handler does
            )
            if report.signed_in or report.results[0].status != "success":
                raise RuntimeError(f"a warm REST export call failed or signed in again: {report}")

        try:
            with _export_handler(service) as invoke:
                _through(invoke, connection, QUERY, signs_in=True)  # warm: the token minted here
                straight.send(QUERY)
                for n in range(runs):  # interleaved, so that drift hits both alike
                    measured(
                        "query", lambda: _through(invoke, connection, QUERY), lambda: straight.send(QUERY)
                    )
                    measured(
                        "bill",
                        partial(_through, invoke, connection, _bill(2 * n)),
                        partial(straight.send, _bill(2 * n + 1), idempotency_key=f"bench-{uuid.uuid4().hex}"),
                    )
                    measured(
                        "query, run_export alone", partial(use_case_query, n), partial(straight.send, QUERY)
                    )
        finally:
            straight.close()
        mints = sum(
            str(entry.get("path", "")).endswith("oauth2/token")
            for entry in sim.requests()
            if entry.get("api") == "rest"
        )

    def added(kind: str) -> float:
        through, direct = times[kind]
        return (statistics.median(through) - statistics.median(direct)) * 1000

    def row(kind: str, name: str, goal: str, note: str) -> Row:
        through, direct = times[kind]
        return Row(
            "export over REST",
            name,
            Sample.of(through),
            Sample.of(direct),
            unit="ms",
            goal=goal,
            note=f"{added(kind):.2f} ms of ours per call {note}",
        )

    handler_share = added("query") - added("query, run_export alone")
    common = (
        f"simulator answering at once, the token reused ({mints} token requests in the run: the "
        "service's and the straight one's); in AWS add the call's DynamoDB requests (the connection, the "
        "company's slot taken and given back) and the Lambda invocation"
    )
    return [
        row(
            "query",
            "one REST export call through the Export handler, a size-1 query of services/core/query (vs "
            "the same request sent straight with the token in hand)",
            "≤ 1.2",
            f"(Powertools, the payload's parsing, run_export, the REST gateway); {common}",
        ),
        row(
            "bill",
            f"one REST export call through the Export handler, a bill POSTed to {BILL_PATH} (vs the same "
            "request sent straight with the token in hand)",
            "≤ 1.2",
            "(as the query's, and the idempotency key derived from the bill; sent straight with a key of "
            f"its own); {common}",
        ),
        row(
            "query, run_export alone",
            "the same query through run_export alone, without the handler (vs sent straight), as the "
            "export section's XML row measures",
            "",
            f"(run_export and the REST gateway); the handler adds {handler_share:.2f} ms to it; {common}",
        ),
    ]


# --- Token mints per 1,000 REST operation calls ------------------------------------------------------------


def token_mints() -> list[Row]:
    return token_mint_rows(rest_call, "REST export calls (a size-1 query each)", "export over REST")


# --- Mixed fleet: XML functions and REST operations, 20 workers into 5 companies ---------------------------


def fleet_throughput(workers: int = 20, companies: int = 5, calls_per_worker: int = 25) -> list[Row]:
    names = [f"MIXED-{n:02d}" for n in range(companies)]
    latency_ms = int(LATENCY_SECONDS * 1000)
    with simulator_process(
        names, "rest-mixed-fleet", latency_ms=latency_ms, concurrency_limit=COMPANY_LIMIT
    ) as sim:
        fleet = Fleet(sim.gateway_url, company_limit=COMPANY_LIMIT)
        # Each company's client credentials connection, made and verified through the use cases (the
        # copies of DEMO-CO carry its client application authorization and links).
        connections = [
            _connected(fleet, fleet.environment(_by_method(sim)), name, f"tenant-{index:03d}")
            for index, name in enumerate(names)
        ]
        sim.reset()  # a fresh log and no tokens: every worker starts cold
        failures: list[BaseException] = []
        retries: dict[str, list[int]] = {"xml": [], "rest": []}

        def worker(n: int) -> None:
            service, connection = fleet.environment(_by_method(sim)), connections[n % companies]
            try:
                for call in range(calls_per_worker):
                    if (n + call) % 2:
                        retries["rest"].append(rest_call(service, connection, f"w{n}-{call}"))
                    else:
                        retries["xml"].append(_call(service, connection, f"w{n}-{call}"))
            except BaseException as error:  # reported below; a worker must not die silently
                failures.append(error)

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(workers)]
        ideal_calls = workers * calls_per_worker * LATENCY_SECONDS / (companies * COMPANY_LIMIT)
        wall = run_workers(threads, ideal_seconds=ideal_calls, what="the mixed export fleet")
        if failures:
            raise RuntimeError(f"the mixed export fleet did not finish: {failures[:3]}")
        sent = sim.requests()
        in_flight = sim.max_in_flight()
    ideal = len(sent) * LATENCY_SECONDS / (companies * COMPANY_LIMIT)
    refused = sum(entry["http_status"] == 429 for entry in sent)
    rest = [entry for entry in sent if entry.get("api") == "rest"]
    mints = sum(str(entry.get("path", "")).endswith("oauth2/token") for entry in rest)
    bridges = sum(str(entry.get("path", "")).endswith("session/id") for entry in rest)
    calls = {kind: len(values) for kind, values in retries.items()}
    shape = f"{workers} workers, {companies} companies, limit {COMPANY_LIMIT}, L={latency_ms} ms"
    requests_seen = (
        f"{len(sent)} requests to Intacct ({len(sent) - len(rest)} XML, {len(rest)} REST of which {mints} "
        f"token requests and {bridges} session-id requests)"
    )
    return [
        Row(
            "export over REST",
            f"mixed XML and REST calls: wall time vs ideal requests·L/(companies·limit) ({shape})",
            Sample.of([wall]),
            Sample.of([ideal]),
            unit="s",
            goal="≤ 1.11",
            note=f"{ideal / wall:.0%} of ideal (goal ≥ 90 %), client credentials connections, every worker "
            f"starting cold (its token request waits for the other workers' as the same user); "
            f"{calls['xml']} XML calls and {calls['rest']} REST calls, "
            f"{sum(retries['xml']) + sum(retries['rest'])} retried; {requests_seen}; {refused} refused "
            "with 429",
            extra={
                "xml_calls": calls["xml"],
                "rest_calls": calls["rest"],
                "requests": len(sent),
                "token_requests": mints,
                "session_id_requests": bridges,
                "refused_429": refused,
            },
        ),
        Row(
            "export over REST",
            "mixed XML and REST calls: requests in flight per company at the simulator (max over companies)",
            Sample.of([float(max(in_flight.values(), default=0))]),
            Sample.of([float(COMPANY_LIMIT)]),
            unit="count",
            goal=f"≤ {COMPANY_LIMIT}",
            goal_on="measured",
            note="never above the company's limit, XML and REST counted together (one counter at the "
            f"simulator); per company: {dict(sorted(in_flight.items()))}",
        ),
    ]
