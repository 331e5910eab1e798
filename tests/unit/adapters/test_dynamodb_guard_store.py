"""The sign-in guard's GuardStore port's contract, kept by the DynamoDB adapter and the in-memory fake
alike: a state reads back whole, per identity, and only a save from the version read lands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connection_service.adapters.dynamodb_guard_store import DynamoDBGuardStore
from connection_service.sign_in_guard import GuardConflict, GuardState, GuardStore, Identity
from connection_service.sign_in_guard.rules import Pending
from tests.support.fakes import InMemoryGuardStore

from .conftest import MEMORY, ON_AWS

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
USER = Identity.of("DEMO-CO", "ws_expenses")


@pytest.fixture(params=[MEMORY, ON_AWS])
def store(request: pytest.FixtureRequest) -> GuardStore:
    if request.param == MEMORY:
        return InMemoryGuardStore()
    resources = request.getfixturevalue("aws")
    return DynamoDBGuardStore(boto3.client("dynamodb"), resources.table_name)


def test_an_identity_never_seen_has_a_fresh_state(store: GuardStore) -> None:
    assert store.load(USER) == GuardState()


def test_a_state_reads_back_whole_and_only_for_its_identity(store: GuardStore) -> None:
    state = GuardState(
        strikes=2,
        refused={"fp-refused": NOW},
        unanswered={"fp-unanswered": NOW + timedelta(seconds=1)},
        known_good="fp-good",
        last_success_at=NOW - timedelta(days=1),
        extra_attempts=1,
        last_confirmation_at=NOW - timedelta(hours=2),
        pending=Pending("lease-1", "fp-new", NOW, NOW + timedelta(seconds=30)),
        token_holder="acme/c1",
        updated_at=NOW,
    )
    stored = store.save(USER, state, expected_version=0)
    assert stored.version == 1
    assert store.load(USER) == stored
    assert store.load(Identity.of("DEMO-CO", "another_user")) == GuardState()


def test_only_a_save_from_the_version_read_lands(store: GuardStore) -> None:
    first = store.save(USER, GuardState(strikes=1, updated_at=NOW), expected_version=0)
    with pytest.raises(GuardConflict):
        store.save(USER, GuardState(strikes=5, updated_at=NOW), expected_version=0)  # read before `first`
    assert store.load(USER) == first
    assert store.save(USER, GuardState(strikes=2, updated_at=NOW), expected_version=1).version == 2
