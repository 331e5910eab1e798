"""Edit Credentials: save Company/Entity/User ID and password (the password to the secret store only), or
the same IDs for our client application (no password at all), verify them, store the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from ..connections import transitions
from ..connections.credentials_input import CredentialsInput
from ..connections.model import Connection, Status, Trigger
from ..connections.ports import ConnectionRepository, SecretRef, SecretStore
from ..intacct import LoginCredentials
from .verification_flow import Renewal, VerificationFlow
from .verification_report import VerificationReport

logger = logging.getLogger(__name__)


class EditCredentials:
    def __init__(
        self,
        repository: ConnectionRepository,
        secrets: SecretStore,
        flow: VerificationFlow,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._flow = flow
        self._clock = clock

    def __call__(
        self,
        tenant_id: str,
        connection_id: str,
        given: CredentialsInput,
        *,
        actor: str,
        time_limit_seconds: float,
    ) -> VerificationReport:
        """Saves new credentials (even if they turn out wrong), verifies them and stores the outcome.

        Nothing is saved when the sign-in guard refuses to sign in as the user at all (429) or another
        sign-in as the user is running (409).
        """
        connection = transitions.require_changeable(self._repository.get(tenant_id, connection_id))
        transitions.require_company_change_confirmed(
            connection, given.company_id, confirmed=given.confirm_company_change
        )
        credentials = given.credentials()

        def save_credentials(leased: Connection, renew_lease: Renewal) -> Connection:
            """With the connection taken (a racing edit or disconnect lost there, with nothing written):
            stage a new password (not current yet), record the credentials, make the password current.
            Client credentials stage nothing: a password kept from before stays until they are verified."""
            ref = (
                self._secrets.stage(tenant_id, connection_id, credentials)
                if isinstance(credentials, LoginCredentials)
                else None
            )
            changed, entry = transitions.record_credentials(
                leased,
                company_id=given.company_id,
                entity_id=given.entity_id,
                user_id=given.user_id,
                auth_method=credentials.auth_method,
                secret_id=ref.secret_id if ref is not None else leased.secret_id,
                secret_version=ref.version if ref is not None else None,
                now=self._clock(),
                actor=actor,
            )
            changed = renew_lease(changed)  # now with credentials: checked by the health check if we crash
            try:
                stored = self._repository.save(changed, expected_version=leased.version, entry=entry)
            except Exception:
                if ref is not None:
                    self._discard_if_disconnected(tenant_id, connection_id, ref)
                raise
            if ref is not None:
                self._promote(stored, ref)
            return stored

        named = connection
        if isinstance(credentials, LoginCredentials) and connection.secret_id is None:
            # The secret's name goes in with the lease, so a disconnect from then on deletes it.
            named = replace(connection, secret_id=self._secrets.secret_name(tenant_id, connection_id))
        return self._flow(
            named,
            credentials,
            trigger=Trigger.CREDENTIALS_EDIT,
            actor=actor,
            time_limit_seconds=time_limit_seconds,
            confirm=given.confirm_sign_in_reset,
            with_lease=save_credentials,
        )

    def _discard_if_disconnected(self, tenant_id: str, connection_id: str, ref: SecretRef) -> None:
        """After a staged value could not be recorded: a disconnect that won the race leaves the secret to
        nobody, so it goes (no secret outlives its connection). A live connection keeps its current version;
        the staged one is never made current. Best effort: the caller is already failing."""
        try:
            fresh = self._repository.get(tenant_id, connection_id)
            if fresh is None or fresh.status is Status.DISCONNECTED:
                self._secrets.delete(ref.secret_id)
        except Exception as error:
            logger.error(
                "staged credentials not cleaned up",
                extra={"connection_id": connection_id, "error_type": type(error).__name__},
            )

    def _promote(self, connection: Connection, ref: SecretRef) -> None:
        """Makes the recorded version the secret's current one. The connection holds its lease, so no other
        edit can promote in between; a failure is logged (the verification reads by version id anyway)."""
        try:
            self._secrets.promote(ref)
        except Exception as error:
            logger.error(
                "new credentials recorded but not made the secret's current version",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )
