"""Verify again: the verifier re-run with the stored credentials, read fresh from the secret store."""

from __future__ import annotations

from ..company_limit import CompanyLimiter
from ..connections import transitions
from ..connections.errors import InvalidState
from ..connections.model import Trigger
from ..connections.ports import ConnectionRepository, CredentialStore, SecretRef
from ..intacct import Deadline
from .company_slot import ADMIN_WAIT_SECONDS, slot_for
from .sign_in import SignInPath, released_unless_settled
from .verification_lease import VerificationLease
from .verification_report import VerificationReport
from .verification_run import VerificationRun


class Verify:
    def __init__(
        self,
        repository: ConnectionRepository,
        credentials: CredentialStore,
        sign_in: SignInPath,
        lease: VerificationLease,
        run: VerificationRun,
        limiter: CompanyLimiter,
    ) -> None:
        self._repository = repository
        self._credentials = credentials
        self._sign_in = sign_in
        self._lease = lease
        self._run = run
        self._limiter = limiter

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
        self._lease.check_not_verifying(connection)
        self._sign_in.prepare()
        login = self._credentials.get(SecretRef.recorded_by(connection))
        deadline = Deadline(time_limit_seconds)  # waits for a sign-in or a slot come off it
        admission = self._sign_in.admit_admin(
            connection,
            login,
            trigger=Trigger.MANUAL_VERIFY,
            actor=actor,
            confirm=confirm_sign_in_reset,
            proven=connection.credentials_proven,
            time_limit_seconds=time_limit_seconds,
        )
        with released_unless_settled(admission):
            slot = slot_for(
                self._limiter,
                admission,
                login.company_id,
                time_limit_seconds=deadline.remaining(),
                wait_seconds=ADMIN_WAIT_SECONDS,
            )
            with slot as place:
                time_left = deadline.remaining()
                leased = self._lease.take(connection, time_left, Trigger.MANUAL_VERIFY)
                return self._run(
                    leased,
                    login,
                    admission,
                    trigger=Trigger.MANUAL_VERIFY,
                    actor=actor,
                    time_limit_seconds=time_left,
                    place=place,
                )
