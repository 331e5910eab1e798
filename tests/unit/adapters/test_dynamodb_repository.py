"""The ConnectionRepository port's contract, kept by the DynamoDB adapter and the in-memory fake alike:
items round-trip whole, one active connection per tenant, version-checked saves, history, the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connection_service.adapters.dynamodb_repository import DynamoDBConnectionRepository
from connection_service.connections import transitions
from connection_service.connections.errors import AlreadyConnected, ConcurrentModification
from connection_service.connections.model import Connection, HistoryEntry, Status
from connection_service.connections.ports import ConnectionRepository
from tests.support.fakes import InMemoryConnectionRepository

from .conftest import MEMORY, ON_AWS

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture(params=[MEMORY, ON_AWS])
def repository(request: pytest.FixtureRequest) -> ConnectionRepository:
    if request.param == MEMORY:
        return InMemoryConnectionRepository()
    resources = request.getfixturevalue("aws")
    return DynamoDBConnectionRepository(boto3.client("dynamodb"), resources.table_name)


def _open(repository: ConnectionRepository, tenant: str = "acme", connection_id: str = "c1") -> Connection:
    connection, entry = transitions.open_connection(tenant, connection_id, now=NOW, actor="admin")
    repository.create(connection, entry)
    return connection


def _with_credentials(connection: Connection) -> tuple[Connection, HistoryEntry]:
    return transitions.record_credentials(
        connection,
        company_id="DEMO-CO",
        entity_id="US",
        user_id="ws_expenses",
        secret_id="arn:secret",
        secret_version="v1",
        now=NOW + timedelta(seconds=1),
        actor="admin",
    )


def test_a_connection_reads_back_whole_and_only_for_its_tenant(repository: ConnectionRepository) -> None:
    connection = _open(repository)
    assert repository.get("acme", "c1") == connection
    assert repository.get("globex", "c1") is None and repository.list_for_tenant("globex") == []
    changed, entry = _with_credentials(connection)
    stored = repository.save(changed, expected_version=connection.version, entry=entry)
    assert stored.version == connection.version + 1
    assert repository.get("acme", "c1") == stored


def test_a_tenant_has_one_active_connection_until_it_is_disconnected(
    repository: ConnectionRepository,
) -> None:
    first = _open(repository)
    with pytest.raises(AlreadyConnected):
        _open(repository, connection_id="c2")
    _open(repository, tenant="globex", connection_id="c3")  # other tenants are not affected
    gone, entry = transitions.disconnect(first, now=NOW, actor="admin")
    repository.save(gone, expected_version=first.version, entry=entry, release_provider=True)
    _open(repository, connection_id="c2")
    assert {c.id for c in repository.list_for_tenant("acme")} == {"c1", "c2"}


def test_a_save_from_a_stale_read_changes_nothing(repository: ConnectionRepository) -> None:
    connection = _open(repository)
    changed, entry = _with_credentials(connection)
    repository.save(changed, expected_version=connection.version, entry=entry)
    before = repository.get("acme", "c1")
    history = repository.history("acme", "c1")
    with pytest.raises(ConcurrentModification):
        repository.save(replace(changed, message="stale"), expected_version=connection.version)
    assert repository.get("acme", "c1") == before and repository.history("acme", "c1") == history


def test_history_is_the_connections_own_in_order(repository: ConnectionRepository) -> None:
    connection = _open(repository)
    _open(repository, tenant="globex", connection_id="c9")
    changed, entry = _with_credentials(connection)
    repository.save(changed, expected_version=connection.version, entry=entry)
    history = repository.history("acme", "c1")
    assert [(e.connection_id, e.trigger.value) for e in history] == [
        ("c1", "connect"),
        ("c1", "credentials_edit"),
    ]


def test_status_changes_wait_in_the_outbox_until_published(repository: ConnectionRepository) -> None:
    _open(repository)
    [pending] = list(repository.pending_events(NOW + timedelta(seconds=1)))
    assert (pending.connection_id, pending.to_status) == ("c1", Status.AWAITING_CREDENTIALS)
    assert list(repository.pending_events(NOW)) == []  # stored at NOW: not older than NOW
    repository.mark_published(pending)
    assert list(repository.pending_events(NOW + timedelta(seconds=1))) == []
