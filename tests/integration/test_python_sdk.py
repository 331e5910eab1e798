"""The popular Python SDK (sageintacctsdk, used by an open-source expense integration) reads every object
the 16 permissions concern from the simulator with the fields it selects from real companies; before the
objects had their standard fields, most of these failed with 'The following fields cannot be queried'."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.local_process import ROOT, free_port

pytestmark = pytest.mark.integration

PROBE = ROOT / "tests" / "sdk" / "python_sdk_probe.py"


def test_every_get_all_reads_its_records() -> None:
    port = free_port()
    # Real Intacct answers its own endpoint; the probe sends that back to the simulator too.
    endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    with IntacctSimulator.from_file(DEMO_DATA_PATH, port=port, session_endpoint=endpoint) as simulator:
        ran = subprocess.run(
            [sys.executable, str(PROBE), str(port)], capture_output=True, text=True, timeout=120
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
        answers = json.loads(ran.stdout.strip().splitlines()[-1])
        assert answers == {
            "departments": 3,
            "locations": 4,
            "location_entities": 2,
            "classes": 2,
            "accounts": 5,
            "vendors": 3,
            "tax_details": 2,
            "projects": 2,
            "charge_card_accounts": 2,
        }, answers
        assert all(entry["errorno"] is None for entry in simulator.requests())
