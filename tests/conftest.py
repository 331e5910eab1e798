"""Shared fixtures: the Intacct simulator over real HTTP on loopback, and the stack in moto."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator

# Fake credentials and a region for boto3 before anything creates a client; nothing leaves the machine.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "intacct-connections",
        "POWERTOOLS_METRICS_NAMESPACE": "IntacctConnections",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_DEDUPLICATION_DISABLED": "true",
    }
)
for _variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_variable, None)


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[IntacctSimulator]:
    simulator = IntacctSimulator.from_file(DEMO_DATA_PATH).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def simulator(simulator_server: IntacctSimulator) -> IntacctSimulator:
    simulator_server.reset()
    return simulator_server
