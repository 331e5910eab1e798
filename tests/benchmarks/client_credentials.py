"""The client credentials sign-in (REST, our OAuth 2.0 client application) against the password one (XML).

Verification: round trips and wall time of a successful verification over REST against the XML one, with
Intacct answering after 200 ms, and the round trips of each failure beside the same connection details
verified over XML (counted at the simulator, in-process on loopback).

Token mints: steady export traffic of one client credentials connection through the real use cases
(run_export, the sign-in guard, the company limit, the session cache, the REST gateway over HTTP to the
simulator in its own process; the AWS ports are the in-memory fakes, as in export_throughput.py), with a
token lifetime of a few seconds so that several lifetimes pass in a bounded run: token requests counted in
the simulator's log.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Callable
from datetime import datetime

import requests

from connection_service.adapters.intacct_by_method import IntacctByMethod
from connection_service.adapters.intacct_gateway import IntacctGateway
from connection_service.adapters.intacct_rest_gateway import IntacctRestGateway
from connection_service.bootstrap import UseCases
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.model import Connection, Status
from connection_service.intacct import ClientCredentials, Deadline, LoginCredentials, Secret
from connection_service.intacct.rest import ClientApplication, RestClient
from connection_service.intacct.xml import HttpTransport, IntacctClient, RetryPolicy, Timeouts
from connection_service.verification import Outcome, VerificationResult
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.demo import DEMO_PASSWORD, SENDER
from tests.support.signing_in import verify

from .export_throughput import _call
from .measure import Row, Sample
from .simulated_companies import Fleet, RunningSimulator, simulator_process

CLIENT_APPLICATION = ClientApplication("ExpenseInREST-Demo", Secret("Client-Demo-Secret-1"))
LATENCY_MS = 200
REST_GOAL_ROUND_TRIPS = 4
# (case, company, user, entity): each verified over REST (client credentials) and, as the baseline, over
# XML with the user's password.
CASES = [
    ("success", "DEMO-CO", "ws_expenses", None),
    ("success in an entity", "DEMO-CO", "ws_expenses", "US-EAST"),
    ("missing permissions", "DEMO-CO", "ws_limited", None),
    ("user not linked to our client application", "DEMO-CO", "ws_unlinked", None),
    ("unknown entity", "DEMO-CO", "ws_expenses", "NO-SUCH-ENTITY"),
    ("sender not authorised", "NOSENDER-CO", "ws_expenses", None),
    ("Web Services off", "NOWS-CO", "ws_expenses", None),
]
# Steady traffic: 1,000 calls over 13.5 s against a 3 s token (6 h scaled 1:7,200), 4.5 lifetimes: the run
# ends mid-lifetime, so a token minted a little early (the session cache's margin) does not add a mint.
TOKEN_COMPANY = "TOKEN-CO"
TOKEN_LIFETIME_SECONDS = 3.0
STEADY_SECONDS = 13.5
STEADY_CALLS = 1_000


def rest_gateway(rest_url: str, xml_endpoint_url: str) -> IntacctRestGateway:
    """The REST side as the tests build it: our demo client application and sender, one connection pool for
    both APIs, short retry pauses."""
    transport = HttpTransport(timeouts=Timeouts(connect=1.0, read=10.0))
    retry = RetryPolicy(base_delay=0.01, max_delay=0.05)
    return IntacctRestGateway(
        lambda: CLIENT_APPLICATION,
        lambda: SENDER,
        rest_url=rest_url,
        xml_endpoint_url=xml_endpoint_url,
        rest_client_factory=lambda url: RestClient(url, transport=transport, retry=retry),
        xml_client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, transport=transport, retry=retry
        ),
    )


def _rest_verify(gateway: IntacctRestGateway, credentials: ClientCredentials) -> VerificationResult:
    signed_in = gateway.sign_in(credentials, deadline=Deadline(30))
    return gateway.verify(signed_in, deadline=Deadline(30))


def _patch_company(sim: IntacctSimulator, company: str, **knobs: object) -> None:
    with requests.Session() as control:
        control.trust_env = False
        control.patch(f"{sim.base_url}/_sim/companies/{company}", json=knobs, timeout=5).raise_for_status()


def _case_rows(sim: IntacctSimulator, gateway: IntacctRestGateway, client: IntacctClient) -> list[Row]:
    rows = []
    for case, company, user, entity in CASES:
        sim.reset()  # a fresh log, no latency
        result = _rest_verify(gateway, ClientCredentials(company, user, entity))
        rest = len(sim.requests(company))
        if case.startswith("success") and result.outcome is not Outcome.CONNECTED:
            raise RuntimeError(f"the REST verification of {case!r} is {result.outcome}: {result.reason}")
        sim.reset()
        verify(client, LoginCredentials(company, user, Secret(DEMO_PASSWORD), entity), deadline=Deadline(30))
        xml = len(sim.requests(company))
        rows.append(
            Row(
                "client credentials",
                f"REST verification round trips, {case} (vs XML, same user)",
                Sample.of([float(rest)]),
                Sample.of([float(xml)]),
                unit="count",
                goal=f"≤ {REST_GOAL_ROUND_TRIPS}" if case.startswith("success") else "",
                goal_on="measured",
                note=f"REST: {result.outcome.value}"
                + (f", {result.reason.value}" if result.reason else "")
                + "; baseline: the same company, user and entity over XML with the user's password",
            )
        )
    return rows


def verification(runs: int) -> list[Row]:
    """Round trips per case, then `runs` successful verifications each way at 200 ms, interleaved."""
    sim = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    try:
        gateway = rest_gateway(sim.rest_url, sim.gateway_url)
        client = IntacctClient(SENDER, endpoint_url=sim.gateway_url, retry=RetryPolicy(base_delay=0.01))
        rows = _case_rows(sim, gateway, client)
        sim.reset()
        _patch_company(sim, "DEMO-CO", latency_ms=LATENCY_MS)
        rest_login = ClientCredentials("DEMO-CO", "ws_expenses")
        xml_login = LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD))
        times: dict[str, list[float]] = {"rest": [], "xml": []}
        trips: dict[str, list[float]] = {"rest": [], "xml": []}

        def measured(kind: str, work: Callable[[], VerificationResult]) -> None:
            before = len(sim.requests("DEMO-CO"))
            started = time.perf_counter()
            result = work()
            times[kind].append(time.perf_counter() - started)
            trips[kind].append(float(len(sim.requests("DEMO-CO")) - before))
            if result.outcome is not Outcome.CONNECTED:
                raise RuntimeError(f"a {kind} verification is {result.outcome}: {result.reason}")

        _rest_verify(gateway, rest_login)  # warm both connection pools (not measured)
        verify(client, xml_login, deadline=Deadline(30))
        for _ in range(runs):  # interleaved, so that drift hits both alike
            measured("rest", lambda: _rest_verify(gateway, rest_login))
            measured("xml", lambda: verify(client, xml_login, deadline=Deadline(30)))
    finally:
        sim.stop()
    floor = statistics.median(trips["rest"]) / statistics.median(trips["xml"])
    return [
        Row(
            "client credentials",
            f"REST verification round trips, success at L={LATENCY_MS} ms (vs XML)",
            Sample.of(trips["rest"]),
            Sample.of(trips["xml"]),
            unit="count",
            goal=f"≤ {REST_GOAL_ROUND_TRIPS}",
            goal_on="measured",
            note="token, 2 composite requests, getUserPermissions over the session-id bridge; XML: sign-in, "
            "then one request for every check",
        ),
        Row(
            "client credentials",
            f"REST verification wall time, success at L={LATENCY_MS} ms (vs XML)",
            Sample.of(times["rest"]),
            Sample.of(times["xml"]),
            unit="ms",
            note=f"the latency alone makes it {floor:.2f}x (round trips x {LATENCY_MS} ms)",
        ),
        *rows,
    ]


def _connected(fleet: Fleet, service: UseCases, company: str, tenant: str = "tenant-rest") -> Connection:
    """One client credentials connection made Connected through the use cases (its edit verified it)."""
    first = service.connect(tenant, actor="bench")
    given = parse_credentials(
        {"auth_method": "client_credentials", "company_id": company, "user_id": "ws_expenses"}
    )
    made = service.edit_credentials(tenant, first.id, given, actor="bench", time_limit_seconds=20).connection
    if made.status is not Status.CONNECTED:
        raise RuntimeError(f"the client credentials connection is {made.status}: {made.reason}")
    return made


def _by_method(sim: RunningSimulator) -> IntacctByMethod:
    """The Intacct port as the composition root builds it: XML for passwords, REST built on first use."""
    password = IntacctGateway(lambda: SENDER, endpoint_url=sim.gateway_url)
    return IntacctByMethod(password, lambda: rest_gateway(sim.rest_url, sim.gateway_url))


def _mint_times(sim: RunningSimulator) -> list[datetime]:
    return [
        datetime.fromisoformat(entry["time"])
        for entry in sim.requests()
        if entry.get("api") == "rest" and str(entry.get("path", "")).endswith("oauth2/token")
    ]


def token_mints() -> list[Row]:
    return token_mint_rows(_call, "export calls")


def token_mint_rows(
    call: Callable[[UseCases, Connection, str], int], calls: str, section: str = "client credentials"
) -> list[Row]:
    """Token mints of one environment sending STEADY_CALLS `call`s (each returns its retries) at a steady
    pace; `calls` names them in the row."""
    with simulator_process(
        [TOKEN_COMPANY], "rest-tokens", access_token_lifetime_seconds=TOKEN_LIFETIME_SECONDS
    ) as sim:
        fleet = Fleet(sim.gateway_url)
        connection = _connected(fleet, fleet.environment(_by_method(sim)), TOKEN_COMPANY)
        sim.reset()  # the edit's token ends; only the exports' requests are counted
        service = fleet.environment(_by_method(sim))  # one execution environment
        pause = STEADY_SECONDS / STEADY_CALLS
        retries = 0
        started = time.perf_counter()
        give_up = started + 2 * STEADY_SECONDS + 30
        for n in range(STEADY_CALLS):
            if time.perf_counter() > give_up:
                raise RuntimeError("the steady export traffic did not finish in twice its time")
            retries += call(service, connection, f"steady-{n}")
            time.sleep(max(0.0, started + (n + 1) * pause - time.perf_counter()))
        elapsed = time.perf_counter() - started
        mints = _mint_times(sim)
        sent = sim.requests()
    refused = sum(entry["http_status"] != 200 or entry["errorno"] is not None for entry in sent)
    lifetimes = elapsed / TOKEN_LIFETIME_SECONDS
    spanned = max(1, math.ceil(lifetimes))
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(mints)]
    shape = (
        f"{elapsed:.1f} s of steady traffic, 1 environment, {TOKEN_LIFETIME_SECONDS:.0f} s token "
        "lifetime; 6 h scaled 1:7,200"
    )
    rows = [
        Row(
            section,
            f"token mints per {STEADY_CALLS:,} {calls} ({shape}) vs token lifetimes the traffic spans",
            Sample.of([float(len(mints))]),
            Sample.of([float(spanned)]),
            unit="count",
            goal="≤ 1",
            note=f"ratio: mints per token lifetime begun; {len(mints) / lifetimes:.2f} per lifetime elapsed "
            f"({lifetimes:.2f} lifetimes, the first mint opening the run); {len(sent)} requests to Intacct, "
            f"{refused} refused, {retries} calls told to retry",
            extra={
                "calls": STEADY_CALLS,
                "elapsed_seconds": round(elapsed, 2),
                "token_lifetime_seconds": TOKEN_LIFETIME_SECONDS,
                "mints": len(mints),
                "mints_per_lifetime_elapsed": round(len(mints) / lifetimes, 3),
                "seconds_between_mints": [round(gap, 3) for gap in gaps],
            },
        )
    ]
    if gaps:
        rows.append(
            Row(
                section,
                "shortest time between two token mints of one environment (vs the token lifetime)",
                Sample.of([min(gaps)]),
                Sample.of([TOKEN_LIFETIME_SECONDS]),
                unit="s",
                goal="≥ 0.95",
                note="a second mint within a token's lifetime would show here as a gap far below it; "
                f"median gap {statistics.median(gaps):.3f} s",
            )
        )
    return rows
