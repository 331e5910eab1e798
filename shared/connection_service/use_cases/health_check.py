"""One scheduled check of a connection the dispatcher claimed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from ..company_limit import CompanyLimiter
from ..connections import transitions
from ..connections.errors import CompanyAtLimit, ConcurrentModification, CredentialsUnavailable
from ..connections.model import Trigger
from ..connections.policy import CheckSchedule
from ..connections.ports import ConnectionRepository, CredentialStore, SecretRef
from ..intacct import Deadline
from ..sign_in_guard import Blocked, Verdict
from .company_slot import slot_for
from .sign_in import SignInPath, released_unless_settled
from .verification_lease import VerificationLease
from .verification_report import VerificationReport
from .verification_run import VerificationRun

# A check waits this long for a slot of its company's limit (exports and admins may hold them), then
# leaves the connection to the next run after its claim.
CHECK_WAIT_SECONDS = 2.0


class HealthCheck:
    def __init__(
        self,
        repository: ConnectionRepository,
        credentials: CredentialStore,
        sign_in: SignInPath,
        lease: VerificationLease,
        run: VerificationRun,
        limiter: CompanyLimiter,
        schedule: CheckSchedule,
        *,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self._repository = repository
        self._credentials = credentials
        self._sign_in = sign_in
        self._lease = lease
        self._run = run
        self._limiter = limiter
        self._schedule = schedule
        self._clock = clock
        self._rng = rng

    def __call__(
        self, tenant_id: str, connection_id: str, *, claimed_until: datetime, time_limit_seconds: float
    ) -> VerificationReport | None:
        """Returns None when the claim is outdated (an edit, a manual verify or a disconnect rescheduled the
        connection since), the connection may no longer be checked automatically, or another sign-in as the
        same Intacct user is running (the connection is checked again once its claim runs out)."""
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None or connection.next_check_at != claimed_until:
            return None
        if self._schedule.next_check_at(connection, self._clock(), self._rng) is None:
            return None  # e.g. credentials refused at sign-in: never signed in again by the health check
        if connection.verifying(self._clock()):
            return None  # an admin's verification is running; its result will do
        self._sign_in.prepare()
        try:
            login = self._credentials.get(SecretRef.recorded_by(connection))
        except CredentialsUnavailable:
            return None  # disconnected meanwhile
        admission = self._sign_in.admit_automatic(
            login, proven=connection.credentials_proven, time_limit_seconds=time_limit_seconds
        )
        if isinstance(admission, Blocked) and admission.verdict is Verdict.BUSY:
            return None
        with released_unless_settled(admission):
            deadline = Deadline(time_limit_seconds)
            try:
                slot = slot_for(
                    self._limiter,
                    admission,
                    login.company_id,
                    time_limit_seconds=time_limit_seconds,
                    wait_seconds=CHECK_WAIT_SECONDS,
                )
            except CompanyAtLimit:
                return None  # the company is busy with admins and exports: checked again after the claim
            with slot as place:
                time_limit_seconds = deadline.remaining()  # the wait for a slot comes off it
                try:
                    # Taking the connection consumes the claim: a redelivered message is outdated from now on.
                    leased = self._repository.save(
                        self._lease.begin(connection, time_limit_seconds, Trigger.HEALTH_CHECK),
                        expected_version=connection.version,
                    )
                except ConcurrentModification:
                    return None  # changed since it was read: whoever changed it decides what happens next
                return self._run(
                    leased,
                    login,
                    admission,
                    trigger=Trigger.HEALTH_CHECK,
                    actor=transitions.SYSTEM_ACTOR,
                    time_limit_seconds=time_limit_seconds,
                    place=place,
                )
