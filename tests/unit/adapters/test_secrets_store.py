"""The SecretStore port's contract, kept by the Secrets Manager adapter and the in-memory fake alike:
each staged value read back by its exact version, and nothing read, staged or promoted once deleted."""

from __future__ import annotations

import boto3
import pytest

from connection_service.adapters.secrets_store import SecretsManagerSecretStore
from connection_service.connections.errors import CredentialsUnavailable
from connection_service.connections.ports import SecretStore
from connection_service.intacct import LoginCredentials, Secret
from tests.support.fakes import InMemorySecretStore

from .conftest import MEMORY, ON_AWS


@pytest.fixture(params=[MEMORY, ON_AWS])
def store(request: pytest.FixtureRequest) -> SecretStore:
    if request.param == MEMORY:
        return InMemorySecretStore()
    resources = request.getfixturevalue("aws")
    return SecretsManagerSecretStore(
        boto3.client("secretsmanager"), name_prefix=resources.secret_prefix, kms_key_id=resources.kms_key_id
    )


def _login(password: str) -> LoginCredentials:
    return LoginCredentials(
        company_id="DEMO-CO", user_id="ws_expenses", password=Secret(password), entity_id="US"
    )


def test_each_staged_value_reads_back_by_its_own_version(store: SecretStore) -> None:
    first = store.stage("acme", "c1", _login("first a<b&c]]>\"'"))
    second = store.stage("acme", "c1", _login("second"))
    assert first.secret_id == second.secret_id and first.version != second.version
    store.promote(second)
    store.promote(second)  # promoting the current version again changes nothing
    assert store.get(first).password.reveal() == "first a<b&c]]>\"'"
    assert store.get(second) == _login("second")


def test_every_connection_has_its_own_secret(store: SecretStore) -> None:
    names = {store.secret_name(t, c) for t, c in (("acme", "c1"), ("acme", "c2"), ("globex", "c1"))}
    assert len(names) == 3
    with pytest.raises(ValueError, match="safe secret-name parts"):
        store.secret_name("acme/../globex", "c1")


@pytest.mark.parametrize(
    ("tenant_id", "connection_id"), [(".", "c1"), ("..", "c1"), ("acme", ".."), ("acme", "...")]
)
def test_a_name_part_made_only_of_dots_is_refused(
    store: SecretStore, tenant_id: str, connection_id: str
) -> None:
    """Defence in depth behind the edge: "." and ".." would read as path steps in the secret's name."""
    with pytest.raises(ValueError, match="safe secret-name parts"):
        store.secret_name(tenant_id, connection_id)
    assert store.secret_name("acme.eu", "..c1.").endswith("tenant/acme.eu/connection/..c1.")


def test_nothing_is_read_staged_or_promoted_once_deleted(store: SecretStore) -> None:
    ref = store.stage("acme", "c1", _login("right"))
    store.delete(ref.secret_id)
    store.delete(ref.secret_id)  # a repeat (a retried disconnect) is fine
    with pytest.raises(CredentialsUnavailable):
        store.get(ref)
    with pytest.raises(CredentialsUnavailable):
        store.stage("acme", "c1", _login("again"))
    with pytest.raises(CredentialsUnavailable):
        store.promote(ref)
