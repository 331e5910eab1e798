"""The company limiter's SlotStore port's contract, kept by the DynamoDB adapter and the in-memory fake
alike: slots read back per company, and only a save from the version read lands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connection_service.adapters.dynamodb_slot_store import DynamoDBSlotStore
from connection_service.company_limit import SlotConflict, Slots
from connection_service.company_limit.ports import SlotStore
from connection_service.company_limit.rules import Waiter
from tests.support.fakes import InMemorySlotStore

from .conftest import MEMORY, ON_AWS

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture(params=[MEMORY, ON_AWS])
def store(request: pytest.FixtureRequest) -> SlotStore:
    if request.param == MEMORY:
        return InMemorySlotStore()
    resources = request.getfixturevalue("aws")
    return DynamoDBSlotStore(boto3.client("dynamodb"), resources.table_name, clock=lambda: NOW)


def test_slots_read_back_per_company(store: SlotStore) -> None:
    assert store.load("DEMO-CO") == Slots()
    slots = Slots(
        holders={"ticket-1": NOW + timedelta(seconds=30)},
        waiters={"ticket-2": Waiter(queued_at=NOW, seen_at=NOW + timedelta(seconds=1))},
    )
    stored = store.save("DEMO-CO", slots, expected_version=0)
    assert stored.version == 1 and store.load("DEMO-CO") == stored
    assert store.load("OTHER-CO") == Slots()


def test_only_a_save_from_the_version_read_lands(store: SlotStore) -> None:
    first = store.save("DEMO-CO", Slots(holders={"a": NOW + timedelta(seconds=30)}), expected_version=0)
    with pytest.raises(SlotConflict):
        store.save("DEMO-CO", Slots(holders={"b": NOW + timedelta(seconds=30)}), expected_version=0)
    assert store.load("DEMO-CO") == first
