"""The use cases behind the API and the health check. They speak only to the ports in ports.py."""

from __future__ import annotations

import itertools
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..intacct import Deadline, LoginCredentials
from ..verification import Outcome, VerificationResult
from . import transitions
from .credentials_input import parse_credentials
from .errors import (
    AlreadyConnected,
    CompanyChangeNotConfirmed,
    ConcurrentModification,
    ConnectionNotFound,
    InvalidState,
    TooManyAttempts,
    VerificationInProgress,
)
from .model import Connection, HistoryEntry, Status, Trigger
from .policy import AttemptLimit, CheckSchedule
from .ports import ConnectionRepository, CredentialStore, EventPublisher, SecretRef, StatusChanged, Verifier

logger = logging.getLogger(__name__)

SAVE_ATTEMPTS = 3
# A verification holds its connection for its time budget plus this, to cover storing the result.
LEASE_MARGIN = timedelta(seconds=15)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_connection_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ServiceSettings:
    schedule: CheckSchedule = field(default_factory=CheckSchedule)
    attempts: AttemptLimit = field(default_factory=AttemptLimit)


@dataclass(frozen=True)
class VerificationReport:
    """A connection after a verification, and whether that verification could complete."""

    connection: Connection
    result: VerificationResult | None
    applied: bool = True  # False when newer credentials or a newer verification won and this was dropped
    previous_status: Status | None = None
    event_published: bool = True  # False when the status changed but the event could not be published

    @property
    def status_changed(self) -> bool:
        return (
            self.applied
            and self.previous_status is not None
            and self.previous_status is not self.connection.status
        )

    @property
    def completed(self) -> bool:
        return self.result is not None and self.result.outcome is not Outcome.INCOMPLETE


class ConnectionService:
    def __init__(
        self,
        repository: ConnectionRepository,
        credentials: CredentialStore,
        events: EventPublisher,
        verifier: Verifier,
        *,
        settings: ServiceSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_connection_id,
        rng: random.Random | None = None,
    ) -> None:
        self._repository = repository
        self._credentials = credentials
        self._events = events
        self._verifier = verifier
        self._settings = settings or ServiceSettings()
        self._clock = clock
        self._new_id = new_id
        self._rng = rng or random.Random()  # noqa: S311 - schedule jitter

    # Reading ---------------------------------------------------------------------------------------------

    def get(self, tenant_id: str, connection_id: str) -> Connection:
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None:
            raise ConnectionNotFound()
        return connection

    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return self._repository.list_for_tenant(tenant_id)

    def history(self, tenant_id: str, connection_id: str) -> list[HistoryEntry]:
        self.get(tenant_id, connection_id)
        return self._repository.history(tenant_id, connection_id)

    # Changing ----------------------------------------------------------------------------------------------

    def connect(self, tenant_id: str, *, actor: str) -> Connection:
        """Creates the tenant's connection, awaiting credentials. One active connection per tenant."""
        connection, entry = transitions.open_connection(
            tenant_id, self._new_id(), now=self._clock(), actor=actor
        )
        self._repository.create(connection, entry)
        self._publish(entry)
        return connection

    def edit_credentials(
        self,
        tenant_id: str,
        connection_id: str,
        body: Mapping[str, Any],
        *,
        actor: str,
        budget_seconds: float,
    ) -> VerificationReport:
        """Saves new credentials (even if they turn out wrong), verifies them and stores the outcome."""
        given = parse_credentials(body)
        connection = self._changeable(tenant_id, connection_id)
        if (
            connection.ever_connected
            and connection.company_id is not None
            and given.company_id.casefold() != connection.company_id.casefold()
            and not given.confirm_company_change
        ):
            raise CompanyChangeNotConfirmed(connection.company_id)
        self._check_attempts(connection)
        self._check_not_verifying(connection)

        ref = self._credentials.put(tenant_id, connection_id, given.login())
        changed, entry = transitions.record_credentials(
            connection,
            company_id=given.company_id,
            entity_id=given.entity_id,
            user_id=given.user_id,
            secret_id=ref.secret_id,
            secret_version=ref.version,
            now=self._clock(),
            actor=actor,
        )
        changed = self._begin(changed, budget_seconds, Trigger.CREDENTIALS_EDIT)
        stored = self._repository.save(changed, expected_version=connection.version, entry=entry)
        return self._verify_and_store(stored, given.login(), Trigger.CREDENTIALS_EDIT, actor, budget_seconds)

    def verify(
        self, tenant_id: str, connection_id: str, *, actor: str, budget_seconds: float
    ) -> VerificationReport:
        """Re-runs the verifier with the stored credentials, read fresh from the secret store."""
        connection = self._changeable(tenant_id, connection_id)
        if not connection.has_credentials:
            raise InvalidState("no credentials have been saved for this connection yet")
        self._check_attempts(connection)
        self._check_not_verifying(connection)
        login = self._stored_login(connection)
        leased = self._repository.save(
            self._begin(connection, budget_seconds, Trigger.MANUAL_VERIFY),
            expected_version=connection.version,
        )
        return self._verify_and_store(leased, login, Trigger.MANUAL_VERIFY, actor, budget_seconds)

    def disconnect(self, tenant_id: str, connection_id: str, *, actor: str) -> Connection:
        """Marks the connection DISCONNECTED (history kept) and deletes its secret with a recovery window.

        Repeating it is safe and finishes a deletion an earlier attempt could not complete.
        """
        connection = self.get(tenant_id, connection_id)
        if connection.status is Status.DISCONNECTED:
            if connection.secret_id is not None:
                self._credentials.delete(connection.secret_id)
            return connection
        changed, entry = transitions.disconnect(connection, now=self._clock(), actor=actor)
        stored = self._repository.save(
            changed, expected_version=connection.version, entry=entry, release_provider=True
        )
        if connection.secret_id is not None:
            self._credentials.delete(connection.secret_id)
        self._publish(entry)
        return stored

    def health_check(
        self, tenant_id: str, connection_id: str, *, claimed_until: datetime, budget_seconds: float
    ) -> VerificationReport | None:
        """One scheduled check of a connection the dispatcher claimed.

        Returns None when the claim is outdated (an edit, a manual verify or a disconnect rescheduled the
        connection since) or the connection may no longer be checked automatically.
        """
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None or connection.next_check_at != claimed_until:
            return None
        if self._settings.schedule.next_check_at(connection, self._clock(), self._rng) is None:
            return None  # e.g. credentials refused at sign-in: never signed in again by the health check
        if connection.verifying(self._clock()):
            return None  # an admin's verification is running; its result will do
        login = self._stored_login(connection)
        try:
            # Taking the connection also consumes the claim: a redelivered message is outdated from now on.
            leased = self._repository.save(
                self._begin(connection, budget_seconds, Trigger.HEALTH_CHECK),
                expected_version=connection.version,
            )
        except ConcurrentModification:
            return None  # changed since it was read: whoever changed it decides what happens next
        return self._verify_and_store(
            leased, login, Trigger.HEALTH_CHECK, transitions.SYSTEM_ACTOR, budget_seconds
        )

    # Internals ---------------------------------------------------------------------------------------------

    def _changeable(self, tenant_id: str, connection_id: str) -> Connection:
        connection = self.get(tenant_id, connection_id)
        if connection.status is Status.DISCONNECTED:
            raise InvalidState("the connection is disconnected; connect again to start over")
        return connection

    def _check_not_verifying(self, connection: Connection) -> None:
        now = self._clock()
        if connection.verifying_until is not None and connection.verifying(now, by_admin_only=True):
            raise VerificationInProgress(max(1, int((connection.verifying_until - now).total_seconds()) + 1))

    def _begin(self, connection: Connection, budget_seconds: float, by: Trigger) -> Connection:
        now = self._clock()
        schedule = self._settings.schedule
        checkable = schedule.next_check_at(connection, now, self._rng) is not None
        return transitions.begin_verification(
            connection,
            now=now,
            lease=timedelta(seconds=budget_seconds) + LEASE_MARGIN,
            by=by,
            retry_after=schedule.degraded_base if checkable else None,
        )

    def _check_attempts(self, connection: Connection) -> None:
        limit = self._settings.attempts
        retry_after = limit.retry_after(connection, self._clock())
        if retry_after is not None:
            raise TooManyAttempts(retry_after, limit.limit, int(limit.window.total_seconds() // 60))

    def _stored_login(self, connection: Connection) -> LoginCredentials:
        assert connection.secret_id is not None and connection.secret_version is not None
        return self._credentials.get(SecretRef(connection.secret_id, connection.secret_version))

    def _verify_and_store(
        self,
        connection: Connection,
        login: LoginCredentials,
        trigger: Trigger,
        actor: str,
        budget_seconds: float,
    ) -> VerificationReport:
        started_at = self._clock()
        result = self._verifier.verify(login, deadline=Deadline(budget_seconds))
        logger.info(
            "verification finished",
            extra={
                "connection_id": connection.id,
                "trigger": trigger.value,
                "outcome": result.outcome.value,
                "reason": result.reason.value if result.reason else None,
                "round_trips": result.round_trips,
                "sign_ins": result.sign_ins,
                "support_ids": list(result.support_ids),
            },
        )
        return self._store_result(connection, result, trigger, actor, started_at)

    def _store_result(
        self,
        verified: Connection,
        result: VerificationResult,
        trigger: Trigger,
        actor: str,
        started_at: datetime,
    ) -> VerificationReport:
        """Applies a result with an optimistic lock.

        On a conflict the fresh item is re-read. The result is dropped — never written over newer
        information — if the credentials changed meanwhile, the connection was disconnected, or a
        verification that started later has already stored its result; otherwise it is applied to the fresh
        item (a concurrent change that does not make it stale, such as a dispatcher claim).
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
                schedule=self._settings.schedule,
                attempts=self._settings.attempts,
                rng=self._rng,
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
                    return self._dropped(fresh or current, result, trigger, current.status)
                current = fresh
                continue
            published = self._publish(entry) if entry is not None else True
            return VerificationReport(
                stored, result, previous_status=current.status, event_published=published
            )
        return self._dropped(current, result, trigger, current.status)

    @staticmethod
    def _dropped(
        connection: Connection, result: VerificationResult, trigger: Trigger, previous: Status
    ) -> VerificationReport:
        logger.info(
            "verification result dropped: the connection changed meanwhile",
            extra={"connection_id": connection.id, "trigger": trigger.value},
        )
        return VerificationReport(connection, result, applied=False, previous_status=previous)

    def _publish(self, entry: HistoryEntry) -> bool:
        """Publishes a stored status change and takes it out of the outbox.

        A failure is logged, never raised: the change and its history are committed, the caller must still
        get its answer, and the entry stays in the outbox for `publish_pending` (at least once delivery).
        """
        if not entry.is_status_change:
            return True
        try:
            self._events.publish_status_changed(
                StatusChanged(
                    event_id=entry.entry_id,
                    tenant_id=entry.tenant_id,
                    connection_id=entry.connection_id,
                    old_status=entry.from_status,
                    new_status=entry.to_status,
                    reason=entry.reason,
                    at=entry.at,
                    trigger=entry.trigger.value,
                )
            )
        except Exception as error:
            logger.error(
                "status change event not published; it stays in the outbox",
                extra={
                    "connection_id": entry.connection_id,
                    "to_status": entry.to_status.value,
                    "error_type": type(error).__name__,
                },
            )
            return False
        try:
            self._repository.mark_published(entry)
        except Exception as error:  # published: at worst the outbox sends it once more
            logger.warning(
                "event published but still in the outbox",
                extra={"connection_id": entry.connection_id, "error_type": type(error).__name__},
            )
        return True

    def publish_pending(self, *, stored_before: datetime, limit: int = 200) -> tuple[int, int]:
        """Publishes status changes whose event failed earlier (the outbox), oldest first, at most `limit`
        per call so a long bus outage cannot eat the dispatcher's run. Entries stored after `stored_before`
        are left to the request that stored them. Returns (published, still failing)."""
        published = failing = 0
        for entry in itertools.islice(self._repository.pending_events(stored_before), limit):
            if self._publish(entry):
                published += 1
            else:
                failing += 1
        return published, failing


def _outdated_by(fresh: Connection, verified: Connection, started_at: datetime) -> bool:
    """Whether the stored connection makes a result verified from `verified` at `started_at` stale."""
    return (
        fresh.status is Status.DISCONNECTED
        or fresh.credentials_version != verified.credentials_version
        or (fresh.last_check_started_at is not None and fresh.last_check_started_at > started_at)
    )


__all__ = ["AlreadyConnected", "ConnectionService", "ServiceSettings", "VerificationReport"]
