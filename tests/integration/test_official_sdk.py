"""Sage's official JavaScript SDK (@intacct/intacct-sdk, pinned in tests/sdk/package.json) against the
simulator: the calls it refused before (ReadByQuery, Query with nested filters, count) now answer as
Intacct does. The SDK accepts only *.intacct.com hosts, so its probe resolves those names to 127.0.0.1
and refuses every other name: nothing leaves the machine."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.local_process import ROOT, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SDK_DIR = ROOT / "tests" / "sdk"
NODE = shutil.which("node")
NPM = shutil.which("npm")

if NODE is None or NPM is None:
    pytest.skip("Node.js and npm are needed for the official SDK probe", allow_module_level=True)


@pytest.fixture(scope="module")
def sdk_installed() -> None:
    # Looked for and installed under a lock: two suites run at once from one checkout both ran `npm ci`,
    # which empties node_modules first, and the other's probe found no SDK there.
    with (SDK_DIR / "package-lock.json").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held at most as long as the holder's npm ci (its timeout)
        if not (SDK_DIR / "node_modules" / "@intacct" / "intacct-sdk").is_dir():
            installed = subprocess.run(
                [str(NPM), "ci", "--silent", "--no-audit", "--no-fund"],
                cwd=SDK_DIR,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert installed.returncode == 0, f"npm ci failed: {installed.stderr[-2000:]}"


@pytest.fixture(scope="module")
def probe(sdk_installed: None) -> Iterator[tuple[dict[str, Any], IntacctSimulator]]:
    port = free_port()
    # Real Intacct answers its own endpoint in getAPISession; the probe resolves it back to loopback.
    endpoint = f"http://api.intacct.com:{port}/ia/xml/xmlgw.phtml"
    with IntacctSimulator.from_file(DEMO_DATA_PATH, port=port, session_endpoint=endpoint) as simulator:
        ran = subprocess.run(
            [str(NODE), "official_sdk_probe.js", str(port)],
            cwd=SDK_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr[-2000:]
        yield json.loads(ran.stdout.strip().splitlines()[-1]), simulator


def test_read_by_query_with_the_query_grammar_and_read_more(
    probe: tuple[dict[str, Any], IntacctSimulator],
) -> None:
    answers, _ = probe
    assert answers["readByQuery"] == {"count": 2, "total": 2, "remaining": 0, "resultId": ""}
    assert answers["readMore"] == {"count": 2, "remaining": 1}


def test_query_with_nested_filters_and_a_count(probe: tuple[dict[str, Any], IntacctSimulator]) -> None:
    answers, _ = probe
    assert answers["query"] == {"count": 2, "ids": ["1000", "2100"]}
    assert answers["count"] == {"COUNT.RECORDNO": "3"}


def test_read_read_by_name_and_inspect(probe: tuple[dict[str, Any], IntacctSimulator]) -> None:
    answers, simulator = probe
    assert (answers["read"], answers["readByName"], answers["inspect"]) == (2, 1, 1)
    assert all(entry["errorno"] is None for entry in simulator.requests())  # no call was refused
