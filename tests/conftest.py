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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything that talks to the simulator, moto or a child process is `integration`; `make test-unit`
    runs the rest (pure and in-memory tests) alone."""
    for item in items:
        parts = set(item.path.parts)
        fixtures = set(getattr(item, "fixturenames", ()))
        if {"integration", "simulator"} & parts or {"stack", "simulator", "simulator_server"} & fixtures:
            item.add_marker(pytest.mark.integration)
