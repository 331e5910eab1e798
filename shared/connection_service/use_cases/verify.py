"""Verify again: the verifier re-run with the stored credentials, read fresh from the secret store."""

from __future__ import annotations

from ..connections import transitions
from ..connections.errors import InvalidState
from ..connections.model import Trigger
from ..connections.ports import ConnectionRepository, SecretStore
from .stored_credentials import stored_credentials
from .verification_flow import VerificationFlow
from .verification_report import VerificationReport


class Verify:
    def __init__(
        self,
        repository: ConnectionRepository,
        secrets: SecretStore,
        flow: VerificationFlow,
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._flow = flow

    def __call__(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        actor: str,
        confirm_sign_in_reset: bool,
        time_limit_seconds: float,
    ) -> VerificationReport:
        connection = transitions.require_changeable(self._repository.get(tenant_id, connection_id))
        if not connection.has_credentials:
            raise InvalidState("no credentials have been saved for this connection yet")
        login = stored_credentials(connection, self._secrets)
        return self._flow(
            connection,
            login,
            trigger=Trigger.MANUAL_VERIFY,
            actor=actor,
            confirm=confirm_sign_in_reset,
            time_limit_seconds=time_limit_seconds,
        )
