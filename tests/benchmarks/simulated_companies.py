"""The simulator in its own process with many copies of the demo company (the benchmarks' Intacct), and the
in-memory AWS side a fleet of workers shares, each worker being one execution environment."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from intacct_simulator import DEMO_DATA_PATH
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
