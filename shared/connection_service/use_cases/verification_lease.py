"""The verification lease: one verification at a time per connection, and how its result is stored.

A verification first takes the connection (a lease in the item, written with the version check), so
parallel requests cannot verify one connection in parallel; an admin's request still goes ahead of a
running health check, whose older result is then dropped. Its result is written with an optimistic lock
and dropped, never written over newer information, when the connection changed in a way that makes it
stale.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from ..connections import transitions
from ..connections.errors import ConcurrentModification, VerificationInProgress
from ..connections.model import Connection, Status, Trigger
from ..connections.policy import CheckSchedule
from ..connections.ports import ConnectionRepository
from ..verification import VerificationResult
from .outbox import StatusEventOutbox
from .verification_report import VerificationReport

logger = logging.getLogger(__name__)

SAVE_ATTEMPTS = 3
# A verification holds its connection for its time limit plus this, to cover storing the result.
VERIFICATION_LEASE_MARGIN = timedelta(seconds=15)
# What an admin is told to wait when another admin's verification holds the connection: verifications take
# about a second, so the lease's end (its worst case) would say a wait ten times too long.
TYPICAL_VERIFICATION_SECONDS = 3


class VerificationLease:
    def __init__(
        self,
        repository: ConnectionRepository,
        outbox: StatusEventOutbox,
        schedule: CheckSchedule,
        *,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._schedule = schedule
        self._clock = clock
        self._rng = rng

    def check_not_verifying(self, connection: Connection) -> None:
        now = self._clock()
        if connection.verifying_until is not None and connection.verifying(now, by_admin_only=True):
            left = int((connection.verifying_until - now).total_seconds()) + 1
            raise VerificationInProgress(max(1, min(left, TYPICAL_VERIFICATION_SECONDS)))

    def take(self, connection: Connection, time_limit_seconds: float, by: Trigger) -> Connection:
        """Stores the lease (`begin`) on the connection as read, or as it is now if only verifications
        changed it meanwhile (a request that waited for the guard or a slot while another admin's
        verification ran and finished). Losing the race to a running admin's verification is reported as
        such (409 verification-in-progress, with when to look again); only a change of what the caller
        read (an edit, a disconnect) is a concurrent modification. A health check never takes the fresh
        connection: any change since its claim was read makes its claim outdated."""
        for _ in range(SAVE_ATTEMPTS):
            try:
                return self._repository.save(
                    self.begin(connection, time_limit_seconds, by), expected_version=connection.version
                )
            except ConcurrentModification:
                current = self._repository.get(connection.tenant_id, connection.id)
                if current is None:
                    raise
                self.check_not_verifying(current)
                if by is Trigger.HEALTH_CHECK or not _same_credentials(current, connection):
                    raise
                connection = current
        raise ConcurrentModification()

    def begin(self, connection: Connection, time_limit_seconds: float, by: Trigger) -> Connection:
        """The connection taken for one verification (not stored yet: the caller saves it)."""
        now = self._clock()
        return transitions.begin_verification(
            connection,
            now=now,
            lease=timedelta(seconds=time_limit_seconds) + VERIFICATION_LEASE_MARGIN,
            by=by,
            # If no result is ever stored, the health check looks at these credentials after the lease.
            retry_after=self._schedule.degraded_base if connection.has_credentials else None,
        )

    def end_early(self, connection: Connection) -> None:
        """After a verification failed unexpectedly: ends its lease now, so admins are not told one is
        running for the rest of it. The lease stays in the item (expired), marking the verification as
        interrupted, so the health check still looks at these credentials. Best effort: never raises."""
        try:
            self._repository.save(
                replace(connection, verifying_until=self._clock()), expected_version=connection.version
            )
        except Exception as error:
            logger.warning(
                "verification lease not ended early; it runs out by itself",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )

    def store_result(
        self,
        verified: Connection,
        result: VerificationResult,
        trigger: Trigger,
        actor: str,
        started_at: datetime,
        accepted_fingerprint: str | None = None,
        *,
        password_deleted: bool = False,
    ) -> VerificationReport:
        """Applies a result with an optimistic lock (`accepted_fingerprint`: of the credentials whose
        sign-in the result records, remembered by the connection when Intacct accepted them).

        On a conflict the fresh item is re-read. The result is dropped if the credentials changed meanwhile,
        the connection was disconnected, or a verification that started later has already stored its
        result; otherwise it is applied to the fresh item (a concurrent change that does not make it stale,
        such as a dispatcher claim).
        """
        current = verified
        for _ in range(SAVE_ATTEMPTS):
            changed, entry = transitions.apply_verification(
                current,
                result,
                now=self._clock(),
                started_at=started_at,
                trigger=trigger,
                actor=actor,
                schedule=self._schedule,
                rng=self._rng,
                accepted_fingerprint=accepted_fingerprint,
                password_deleted=password_deleted,
            )
            if current.verifying_until != verified.verifying_until:
                # Someone else's verification holds the connection now: its lease is not ours to release.
                changed = replace(
                    changed, verifying_until=current.verifying_until, verifying_by=current.verifying_by
                )
            try:
                stored = self._repository.save(changed, expected_version=current.version, entry=entry)
            except ConcurrentModification:
                fresh = self._repository.get(current.tenant_id, current.id)
                if fresh is None or _outdated_by(fresh, verified, started_at):
                    return _dropped(fresh or current, result, trigger, current.status)
                current = fresh
                continue
            published = self._outbox.publish(entry) if entry is not None else True
            return VerificationReport(
                stored, result, previous_status=current.status, event_published=published
            )
        return _dropped(current, result, trigger, current.status)


def _dropped(
    connection: Connection, result: VerificationResult, trigger: Trigger, previous: Status
) -> VerificationReport:
    logger.info(
        "verification result dropped: the connection changed meanwhile",
        extra={"connection_id": connection.id, "trigger": trigger.value},
    )
    return VerificationReport(connection, result, applied=False, previous_status=previous)


def _outdated_by(fresh: Connection, verified: Connection, started_at: datetime) -> bool:
    """Whether the stored connection makes a result verified from `verified` at `started_at` stale: it was
    disconnected, its credentials changed, a later verification stored its result, or an admin's
    verification took the connection since (its result will be newer; ours must not bump the version under
    it, which would make the admin's own writes conflict)."""
    lease_changed = (fresh.verifying_until, fresh.verifying_by) != (
        verified.verifying_until,
        verified.verifying_by,
    )
    taken_by_an_admin = (
        fresh.verifying_until is not None and lease_changed and fresh.verifying_by is not Trigger.HEALTH_CHECK
    )
    return (
        fresh.status is Status.DISCONNECTED
        or fresh.credentials_version != verified.credentials_version
        or (fresh.last_check_started_at is not None and fresh.last_check_started_at > started_at)
        or taken_by_an_admin
    )


def _same_credentials(current: Connection, read: Connection) -> bool:
    """The connection still holds the credentials the caller read (and is not disconnected)."""
    return (
        current.status is not Status.DISCONNECTED
        and current.credentials_version == read.credentials_version
        and current.secret_version == read.secret_version
    )
