"""The SecretStore port in memory: staged, promoted and deleted secret versions like Secrets Manager."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from connection_service.connections.errors import (
    CredentialsUnavailable,
)
from connection_service.connections.ports import (
    SecretRef,
)
from connection_service.connections.secret_names import connection_secret_name
from connection_service.intacct import LoginCredentials


@dataclass
class _Secret:
    versions: dict[str, LoginCredentials] = field(default_factory=dict)
    current: str | None = None
    deleted: bool = False


class InMemorySecretStore:
    def __init__(self) -> None:
        self.secrets: dict[str, _Secret] = {}

    def secret_name(self, tenant_id: str, connection_id: str) -> str:
        return connection_secret_name(tenant_id, connection_id)

    def stage(self, tenant_id: str, connection_id: str, credentials: LoginCredentials) -> SecretRef:
        name = self.secret_name(tenant_id, connection_id)
        secret = self.secrets.setdefault(name, _Secret())
        if secret.deleted:
            raise CredentialsUnavailable()
        version = uuid.uuid4().hex
        secret.versions[version] = credentials  # staged; the placeholder stays current until promoted
        return SecretRef(name, version)

    def promote(self, ref: SecretRef) -> None:
        secret = self.secrets.get(ref.secret_id)
        if secret is None or secret.deleted:
            raise CredentialsUnavailable()
        secret.current = ref.version

    def get(self, ref: SecretRef) -> LoginCredentials:
        secret = self.secrets.get(ref.secret_id)
        if secret is None or secret.deleted or ref.version not in secret.versions:
            raise CredentialsUnavailable()
        return secret.versions[ref.version]

    def delete(self, secret_id: str, *, at_once: bool = False) -> None:
        if at_once:
            self.secrets.pop(secret_id, None)  # no recovery window: the name is free again
        elif secret_id in self.secrets:
            self.secrets[secret_id].deleted = True

    def current(self, secret_id: str) -> LoginCredentials | None:
        secret = self.secrets[secret_id]
        return secret.versions[secret.current] if secret.current and not secret.deleted else None
