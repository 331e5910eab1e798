"""Warm overhead: a warm GET /connections/{id} and POST /connections/{id}/verify through the real handler
(moto in-process, the simulator at zero added latency), against the calls they cannot avoid.

The baseline of each invocation is the time it spent inside those calls, timed where they happen: every AWS
API call at the boto3 client (DynamoDB reads and writes, the KMS MAC and the secret read of a verification)
and every Intacct round trip at the HTTP transport. The ratio is the whole invocation (event parsing,
authorisation, the use case, the guard, XML building and parsing, JSON shaping, Powertools) over that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient

from connection_service.intacct.xml.transport import HttpTransport
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from local_stack.api_gateway import LambdaContext, http_api_event, load_handler, routes_from_template
from tests.support.stack import running_stack

from .measure import Row, Sample

GOAL = "≤ 1.3"


class CallClock:
    """Seconds spent inside AWS API calls and Intacct HTTP requests, and how many, since the last reset."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.aws_calls = 0
        self.intacct_calls = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.seconds, self.aws_calls, self.intacct_calls = 0.0, 0, 0

    def add(self, seconds: float, *, aws: bool) -> None:
        with self._lock:
            self.seconds += seconds
            if aws:
                self.aws_calls += 1
            else:
                self.intacct_calls += 1


@contextmanager
def timed_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallClock]:
    clock = CallClock()
    make_api_call = BaseClient._make_api_call
    post = HttpTransport.post

    def timed_api_call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return make_api_call(self, operation, params)
        finally:
            clock.add(time.perf_counter() - started, aws=True)

    def timed_post(self: HttpTransport, url: str, body: bytes, *, time_left: float) -> Any:
        started = time.perf_counter()
        try:
            return post(self, url, body, time_left=time_left)
        finally:
            clock.add(time.perf_counter() - started, aws=False)

    monkeypatch.setattr(BaseClient, "_make_api_call", timed_api_call)
    monkeypatch.setattr(HttpTransport, "post", timed_post)
    yield clock


def _invoker(route_key: str, claims: dict[str, str]) -> Callable[..., dict[str, Any]]:
    route = next(r for r in routes_from_template() if r.route_key == route_key)
    handler = load_handler(route.code_dir, route.handler)

    def invoke(path: str, body: str | None = None) -> dict[str, Any]:
        parameters = route.match(route.method, path)
        event = http_api_event(
            method=route.method,
            path=path,
            route_key=route.route_key,
            path_parameters=parameters,
            claims=claims,
            body=body,
            headers={"content-type": "application/json"},
        )
        answer = handler(event, LambdaContext(route.function))
        if answer["statusCode"] >= 300:
            raise RuntimeError(f"{route_key} answered {answer['statusCode']}: {answer.get('body')}")
        return answer

    return invoke


def _measure(
    invoke: Callable[[], object], clock: CallClock, runs: int
) -> tuple[Sample, Sample, dict[str, int]]:
    invoke()  # warm: clients, connections, caches
    totals, inside = [], []
    for _ in range(runs):
        clock.reset()
        started = time.perf_counter()
        invoke()
        totals.append(time.perf_counter() - started)
        inside.append(clock.seconds)
    calls = {"aws_calls": clock.aws_calls, "intacct_round_trips": clock.intacct_calls}
    return Sample.of(totals), Sample.of(inside), calls


def run(runs: int) -> list[Row]:
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch, running_stack(simulator, monkeypatch) as stack:
            connection_id = stack.connect()["id"]
            assert stack.edit(connection_id).json["status"] == "CONNECTED"
            claims = {"tenant_id": "acme", "role": "admin", "sub": "admin@acme"}
            get = _invoker("GET /connections/{connection_id}", claims)
            verify = _invoker("POST /connections/{connection_id}/verify", claims)
            with timed_calls(monkeypatch) as clock:
                rows = []
                for name, work in (
                    ("GET /connections/{id}", lambda: get(f"/connections/{connection_id}")),
                    ("POST /connections/{id}/verify", lambda: verify(f"/connections/{connection_id}/verify")),
                ):
                    total, inside, calls = _measure(work, clock, runs)
                    rows.append(
                        Row(
                            "warm overhead",
                            f"{name} (whole handler vs its AWS calls and Intacct round trips)",
                            total,
                            inside,
                            goal=GOAL,
                            note=f"{calls['aws_calls']} AWS calls, {calls['intacct_round_trips']} Intacct "
                            "round trips per invocation; moto in-process, simulator at 0 ms",
                            extra=calls,
                        )
                    )
                return rows
    finally:
        simulator.stop()
