"""Fixtures for the Intacct simulator tests: real HTTP over loopback against started simulators."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.simulator.helpers import GatewayClient
from tests.simulator.rest_helpers import RestClient


@pytest.fixture(scope="session")
def demo_data() -> dict[str, Any]:
    with open(DEMO_DATA_PATH, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@pytest.fixture(scope="session")
def demo_sim() -> Iterator[IntacctSimulator]:
    with IntacctSimulator.from_file(DEMO_DATA_PATH) as sim:
        yield sim


@pytest.fixture
def sim(demo_sim: IntacctSimulator) -> IntacctSimulator:
    demo_sim.reset()
    return demo_sim


@pytest.fixture
def gw(sim: IntacctSimulator) -> Iterator[GatewayClient]:
    client = GatewayClient(sim)
    yield client
    client.http.close()


@pytest.fixture
def make_sim(demo_data: dict[str, Any]) -> Iterator[Any]:
    """Starts a simulator from the demo data with overrides for one company: make_sim(company, **changes)."""
    yield from _started_with_overrides(demo_data, GatewayClient)


@pytest.fixture
def rest(sim: IntacctSimulator) -> Iterator[RestClient]:
    client = RestClient(sim)
    yield client
    client.http.close()


@pytest.fixture
def make_rest(demo_data: dict[str, Any]) -> Iterator[Any]:
    """Starts a simulator from the demo data with overrides for one company: make_rest(company, **changes)."""
    yield from _started_with_overrides(demo_data, RestClient)


def _started_with_overrides(demo_data: dict[str, Any], client_type: Any) -> Iterator[Any]:
    """A factory of simulators with one company's data changed, each with a client of `client_type`; every
    simulator started is stopped after the test."""
    started: list[tuple[IntacctSimulator, Any]] = []

    def factory(company: str = "DEMO-CO", **changes: Any) -> Any:
        data = copy.deepcopy(demo_data)
        data["companies"][company].update(changes)
        sim = IntacctSimulator(data).start()
        client = client_type(sim)
        started.append((sim, client))
        return client

    yield factory
    for sim, client in started:
        client.http.close()
        sim.stop()
