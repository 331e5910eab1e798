"""One scheduled check of a connection the dispatcher claimed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from ..connections import transitions
from ..connections.errors import (
    CompanyAtLimit,
    ConcurrentModification,
    CredentialsUnavailable,
    SignInInProgress,
    VerificationInProgress,
)
from ..connections.model import Trigger
from ..connections.policy import CheckSchedule
from ..connections.ports import ConnectionRepository, SecretStore
from .stored_credentials import stored_credentials
from .verification_flow import VerificationFlow
from .verification_report import VerificationReport

# What makes a check leave the connection to the next run after its claim: another sign-in as the same
# user, the company busy with admins and exports, an admin's verification, or a change since the claim.
_LEFT_FOR_LATER = (SignInInProgress, CompanyAtLimit, VerificationInProgress, ConcurrentModification)


class HealthCheck:
    def __init__(
        self,
        repository: ConnectionRepository,
        secrets: SecretStore,
        flow: VerificationFlow,
        schedule: CheckSchedule,
        *,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._flow = flow
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
        try:
            login = stored_credentials(connection, self._secrets)
        except CredentialsUnavailable:
            return None  # disconnected meanwhile
        try:
            # Taking the connection consumes the claim: a redelivered message is outdated from then on.
            return self._flow(
                connection,
                login,
                trigger=Trigger.HEALTH_CHECK,
                actor=transitions.SYSTEM_ACTOR,
                time_limit_seconds=time_limit_seconds,
            )
        except _LEFT_FOR_LATER:
            return None
