"""The simulator in its own process with many copies of the demo company (the benchmarks' Intacct), and the
in-memory AWS side a fleet of workers shares, each worker being one execution environment."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests
import yaml

from connection_service.adapters.intacct_gateway import IntacctGateway
from connection_service.bootstrap import UseCases
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.model import Connection, Status
from connection_service.connections.ports import Intacct
from connection_service.intacct import LoginCredentials, Secret
from connection_service.sign_in_guard import GuardPolicy
from intacct_simulator import DEMO_DATA_PATH
from tests.support.demo import DEMO_PASSWORD, SENDER
from tests.support.fakes import (
    FakeAdapters,
    HmacFingerprinter,
    InMemoryConnectionRepository,
    InMemoryGuardStore,
    InMemoryRefusalQuota,
    InMemorySecretStore,
    InMemorySlotStore,
    RecordingEventPublisher,
)
from tests.support.local_process import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_COMPANY = "DEMO-CO"


def scenario(companies: list[str], path: Path, **defaults: Any) -> Path:
    """The demo data with `companies` (copies of DEMO-CO) only, and these simulator defaults."""
    data = yaml.safe_load(DEMO_DATA_PATH.read_text(encoding="utf-8"))
    template = data["companies"][TEMPLATE_COMPANY]
    data["companies"] = {company: copy.deepcopy(template) for company in companies}
    data["defaults"].update(defaults)
    path.write_text(
        yaml.safe_dump({k: v for k, v in data.items() if not k.startswith("x-")}), encoding="utf-8"
    )
    return path


@dataclass
class RunningSimulator:
    base_url: str
    control: requests.Session

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/ia/xml/xmlgw.phtml"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/ia/api/v1"

    def requests(self) -> list[dict[str, Any]]:
        answer = self.control.get(f"{self.base_url}/_sim/requests", timeout=10)
        answer.raise_for_status()
        return list(answer.json()["requests"])

    def max_in_flight(self) -> dict[str, int]:
        return dict(self.control.get(f"{self.base_url}/_sim/stats", timeout=5).json()["max_in_flight"])

    def reset(self) -> None:
        self.control.post(f"{self.base_url}/_sim/reset", timeout=5).raise_for_status()


@contextmanager
def simulator_process(companies: list[str], name: str, **defaults: Any) -> Iterator[RunningSimulator]:
    build = ROOT / "bench" / ".build"
    build.mkdir(parents=True, exist_ok=True)
    data = scenario(companies, build / f"{name}-scenario.yaml", **defaults)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["shared", "tools", "."])}
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_simulator", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    control = requests.Session()
    control.trust_env = False
    running = RunningSimulator(f"http://127.0.0.1:{port}", control)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                control.get(f"{running.base_url}/_sim/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=10)


class Fleet:
    """The AWS side the workers share (in-memory fakes: the figures are our code and Intacct's latency,
    not moto's) and one set of use cases per worker, as one Lambda execution environment has."""

    def __init__(self, gateway_url: str, *, company_limit: int = 2) -> None:
        self.gateway_url = gateway_url
        self.company_limit = company_limit
        self.repository = InMemoryConnectionRepository()
        self.secrets = InMemorySecretStore()
        self.events = RecordingEventPublisher()
        self.guard_store = InMemoryGuardStore()
        self.quota = InMemoryRefusalQuota()
        self.slots = InMemorySlotStore()

    def environment(self, intacct: Intacct | None = None) -> UseCases:
        """One execution environment's use cases; `intacct` is its Intacct port (default: the XML gateway)."""
        intacct = intacct or IntacctGateway(lambda: SENDER, endpoint_url=self.gateway_url)
        adapters = FakeAdapters(
            self.repository,
            self.secrets,
            self.events,
            self.quota,
            intacct,
            guard_store=self.guard_store,
            fingerprinter=HmacFingerprinter(),
            slots=self.slots,
        )
        return UseCases(adapters, company_limit=self.company_limit, guard_policy=GuardPolicy(budget=2))

    def connected(self, company: str) -> Connection:
        """One connection made Connected through the use cases (its credentials verified at `company`)."""
        service = self.environment()
        first = service.connect("seed", actor="bench")
        given = parse_credentials(
            {"company_id": company, "user_id": "ws_expenses", "user_password": DEMO_PASSWORD}
        )
        made = service.edit_credentials(
            "seed", first.id, given, actor="bench", time_limit_seconds=20
        ).connection
        if made.status is not Status.CONNECTED:
            raise RuntimeError(f"the seed connection is {made.status}: {made.reason}")
        return made

    def clone(
        self, made: Connection, tenant: str, connection_id: str, company: str, **changes: Any
    ) -> Connection:
        """`made` copied for another tenant and company, with its own stored credentials."""
        ref = self.secrets.stage(
            tenant, connection_id, LoginCredentials(company, "ws_expenses", Secret(DEMO_PASSWORD))
        )
        self.secrets.promote(ref)
        copy_ = replace(
            made,
            id=connection_id,
            tenant_id=tenant,
            company_id=company,
            secret_id=ref.secret_id,
            secret_version=ref.version,
            **changes,
        )
        self.repository.connections[(tenant, connection_id)] = copy_
        return copy_


def run_workers(threads: list[threading.Thread], *, ideal_seconds: float, what: str) -> float:
    """Starts the workers and waits for them, bounded in time (three times the ideal and a minute, whatever
    happens to them); returns the wall time. Raises when any is still running."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    give_up = started + 3 * ideal_seconds + 60
    for thread in threads:
        thread.join(timeout=max(0.0, give_up - time.perf_counter()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"{what} did not finish in three times the ideal time")
    return time.perf_counter() - started
