"""The use cases behind the API and the health check. They speak only to the ports in ports.py.

Every sign-in goes through the sign-in guard (sign_in.py): admitted before the credentials are sent, settled
as soon as Intacct's answer (or its absence) is known.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..intacct import Deadline, LoginCredentials, SignInOutcome
from ..signin_guard import Blocked, Permit, SignInGuard, Verdict
from ..verification import VerificationResult
from . import sign_in, transitions
from .credentials_input import parse_credentials, parse_verify_options
from .errors import (
    CompanyChangeNotConfirmed,
    ConcurrentModification,
    CredentialsUnavailable,
    InvalidState,
    SignInBudgetSpent,
    TooManyRefusedSignIns,
)
from .model import Connection, Status, Trigger
from .outbox import StatusEventOutbox
from .policy import CheckSchedule
from .ports import ConnectionRepository, CredentialStore, EventPublisher, RefusalQuota, SecretRef, Verifier
from .queries import ConnectionQueries
from .verification_lease import VerificationLease, VerificationReport

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_connection_id() -> str:
    return uuid.uuid4().hex


# A sign-in is not started this close to the end of its permit's lease.
PERMIT_MARGIN_SECONDS = 2.0
# A disconnect re-reads and tries again when the connection changed under it (a check storing its result).
DISCONNECT_ATTEMPTS = 5


@dataclass(frozen=True)
class ServiceSettings:
    schedule: CheckSchedule = field(default_factory=CheckSchedule)


class ConnectionService:
    def __init__(
        self,
        repository: ConnectionRepository,
        credentials: CredentialStore,
        events: EventPublisher,
        verifier: Verifier,
        guard: SignInGuard,
        refusals: RefusalQuota,
        *,
        settings: ServiceSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_connection_id,
        rng: random.Random | None = None,
    ) -> None:
        self._repository = repository
        self._credentials = credentials
        self._verifier = verifier
        self._guard = guard
        self._refusals = refusals
        self._settings = settings or ServiceSettings()
        self._clock = clock
        self._new_id = new_id
        self._rng = rng or random.Random()  # noqa: S311 - schedule jitter
        self._outbox = StatusEventOutbox(repository, events)
        self._lease = VerificationLease(
            repository, self._outbox, self._settings.schedule, clock=clock, rng=self._rng
        )
        self.queries = ConnectionQueries(repository, guard)

    # Changing ----------------------------------------------------------------------------------------------

    def connect(self, tenant_id: str, *, actor: str) -> Connection:
        """Creates the tenant's connection, awaiting credentials. One active connection per tenant."""
        connection, entry = transitions.open_connection(
            tenant_id, self._new_id(), now=self._clock(), actor=actor
        )
        self._repository.create(connection, entry)
        self._outbox.publish(entry)
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
        """Saves new credentials (even if they turn out wrong), verifies them and stores the outcome.

        Nothing is saved when the sign-in guard refuses to sign in as the user at all (429) or another
        sign-in as the user is running (409).
        """
        given = parse_credentials(body)
        connection = self._changeable(tenant_id, connection_id)
        if (
            connection.ever_connected
            and connection.company_id is not None
            and given.company_id.casefold() != connection.company_id.casefold()
            and not given.confirm_company_change
        ):
            raise CompanyChangeNotConfirmed(connection.company_id)
        self._lease.check_not_verifying(connection)
        self._verifier.prepare()
        login = given.login()
        admission = self._admit_for_admin(
            connection, login, Trigger.CREDENTIALS_EDIT, actor, given.confirm_sign_in_reset, budget_seconds
        )
        with _released_unless_settled(admission):
            # 1. Take the connection before writing any secret: a racing edit or disconnect loses here, with
            #    nothing written. The secret's name goes in now, so a disconnect from here on deletes it.
            named = replace(
                connection,
                secret_id=connection.secret_id or self._credentials.secret_name(tenant_id, connection_id),
            )
            leased = self._lease.take(named, budget_seconds, Trigger.CREDENTIALS_EDIT)
            # 2. Stage the new value (not current yet), 3. record it, 4. make it current.
            try:
                ref = self._credentials.stage(tenant_id, connection_id, login)
                changed, entry = transitions.record_credentials(
                    leased,
                    company_id=given.company_id,
                    entity_id=given.entity_id,
                    user_id=given.user_id,
                    secret_id=ref.secret_id,
                    secret_version=ref.version,
                    now=self._clock(),
                    actor=actor,
                )
                changed = self._lease.begin(changed, budget_seconds, Trigger.CREDENTIALS_EDIT)
                try:
                    stored = self._repository.save(changed, expected_version=leased.version, entry=entry)
                except Exception:
                    self._discard_if_disconnected(tenant_id, connection_id, ref)
                    raise
            except Exception:
                # Nothing recorded (Secrets Manager or the table failed): the connection is as it was, and
                # its lease ends now rather than keeping admins out for the rest of it.
                self._lease.end_early(leased)
                raise
            self._promote(stored, ref)
            return self._verify_and_store(
                stored, login, admission, Trigger.CREDENTIALS_EDIT, actor, budget_seconds
            )

    def verify(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        actor: str,
        budget_seconds: float,
        body: Mapping[str, Any] | None = None,
    ) -> VerificationReport:
        """Re-runs the verifier with the stored credentials, read fresh from the secret store."""
        confirm = parse_verify_options(body or {})
        connection = self._changeable(tenant_id, connection_id)
        if not connection.has_credentials:
            raise InvalidState("no credentials have been saved for this connection yet")
        self._lease.check_not_verifying(connection)
        self._verifier.prepare()
        login = self._stored_login(connection)
        admission = self._admit_for_admin(
            connection, login, Trigger.MANUAL_VERIFY, actor, confirm, budget_seconds
        )
        with _released_unless_settled(admission):
            leased = self._lease.take(connection, budget_seconds, Trigger.MANUAL_VERIFY)
            return self._verify_and_store(
                leased, login, admission, Trigger.MANUAL_VERIFY, actor, budget_seconds
            )

    def disconnect(self, tenant_id: str, connection_id: str, *, actor: str) -> Connection:
        """Marks the connection DISCONNECTED (history kept) and deletes its secret with a recovery window.

        Idempotent: a repeat, or a disconnect racing another one, answers the same and finishes a deletion
        an earlier attempt could not complete. A concurrent edit or verification does not stop it.
        """
        for _ in range(DISCONNECT_ATTEMPTS):
            connection = self.queries.get(tenant_id, connection_id)
            if connection.status is Status.DISCONNECTED:
                if connection.secret_id is not None:
                    self._credentials.delete(connection.secret_id)
                return connection
            # The secret goes first: if the write below then fails, a repeat finishes it, and no secret is
            # ever left behind by a disconnected connection (an edit meanwhile finds it gone: 409).
            if connection.secret_id is not None:
                self._credentials.delete(connection.secret_id)
            changed, entry = transitions.disconnect(connection, now=self._clock(), actor=actor)
            try:
                stored = self._repository.save(
                    changed, expected_version=connection.version, entry=entry, release_provider=True
                )
            except ConcurrentModification:
                continue  # changed meanwhile (an edit, a check, another disconnect): decide again
            self._outbox.publish(entry)
            return stored
        raise ConcurrentModification()

    def health_check(
        self, tenant_id: str, connection_id: str, *, claimed_until: datetime, budget_seconds: float
    ) -> VerificationReport | None:
        """One scheduled check of a connection the dispatcher claimed.

        Returns None when the claim is outdated (an edit, a manual verify or a disconnect rescheduled the
        connection since), the connection may no longer be checked automatically, or another sign-in as the
        same Intacct user is running (the connection is checked again once its claim runs out).
        """
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None or connection.next_check_at != claimed_until:
            return None
        if self._settings.schedule.next_check_at(connection, self._clock(), self._rng) is None:
            return None  # e.g. credentials refused at sign-in: never signed in again by the health check
        if connection.verifying(self._clock()):
            return None  # an admin's verification is running; its result will do
        self._verifier.prepare()
        try:
            login = self._stored_login(connection)
        except CredentialsUnavailable:
            return None  # disconnected meanwhile
        admission = sign_in.admit_for_health_check(self._guard, login, budget_seconds=budget_seconds)
        if isinstance(admission, Blocked) and admission.verdict is Verdict.BUSY:
            return None
        with _released_unless_settled(admission):
            try:
                # Taking the connection consumes the claim: a redelivered message is outdated from now on.
                leased = self._repository.save(
                    self._lease.begin(connection, budget_seconds, Trigger.HEALTH_CHECK),
                    expected_version=connection.version,
                )
            except ConcurrentModification:
                return None  # changed since it was read: whoever changed it decides what happens next
            return self._verify_and_store(
                leased, login, admission, Trigger.HEALTH_CHECK, transitions.SYSTEM_ACTOR, budget_seconds
            )

    def publish_pending(self, *, stored_before: datetime, limit: int = 200) -> tuple[int, int]:
        """Publishes status changes whose event failed earlier (see outbox.py)."""
        return self._outbox.publish_pending(stored_before=stored_before, limit=limit)

    # Internals ---------------------------------------------------------------------------------------------

    def _changeable(self, tenant_id: str, connection_id: str) -> Connection:
        connection = self.queries.get(tenant_id, connection_id)
        if connection.status is Status.DISCONNECTED:
            raise InvalidState("the connection is disconnected; connect again to start over")
        return connection

    def _admit_for_admin(
        self,
        connection: Connection,
        login: LoginCredentials,
        trigger: Trigger,
        actor: str,
        confirm: bool,
        budget_seconds: float,
    ) -> Permit | Blocked:
        wait = self._refusals.retry_after(connection.tenant_id, self._clock())
        if wait is not None:
            raise TooManyRefusedSignIns(wait, self._refusals.per_hour)
        try:
            return sign_in.admit_for_admin(self._guard, login, confirm=confirm, budget_seconds=budget_seconds)
        except SignInBudgetSpent as spent:
            self._repository.append_history(
                transitions.record_blocked_sign_in(
                    connection,
                    now=self._clock(),
                    trigger=trigger,
                    actor=actor,
                    verdict=Verdict.BUDGET_SPENT.value,
                    detail=f"no sign-in sent: {spent}",
                )
            )
            raise

    def _discard_if_disconnected(self, tenant_id: str, connection_id: str, ref: SecretRef) -> None:
        """After a staged value could not be recorded: a disconnect that won the race leaves the secret to
        nobody, so it goes (no secret outlives its connection). A live connection keeps its current version;
        the staged one is never made current. Best effort: the caller is already failing."""
        try:
            fresh = self._repository.get(tenant_id, connection_id)
            if fresh is None or fresh.status is Status.DISCONNECTED:
                self._credentials.delete(ref.secret_id)
        except Exception as error:
            logger.error(
                "staged credentials not cleaned up",
                extra={"connection_id": connection_id, "error_type": type(error).__name__},
            )

    def _promote(self, connection: Connection, ref: SecretRef) -> None:
        """Makes the recorded version the secret's current one. The connection holds its lease, so no other
        edit can promote in between; a failure is logged (the verification reads by version id anyway)."""
        try:
            self._credentials.promote(ref)
        except Exception as error:
            logger.error(
                "new credentials recorded but not made the secret's current version",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )

    def _stored_login(self, connection: Connection) -> LoginCredentials:
        assert connection.secret_id is not None and connection.secret_version is not None
        return self._credentials.get(SecretRef(connection.secret_id, connection.secret_version))

    def _verify_and_store(
        self,
        connection: Connection,
        login: LoginCredentials,
        admission: Permit | Blocked,
        trigger: Trigger,
        actor: str,
        budget_seconds: float,
    ) -> VerificationReport:
        started_at = self._clock()
        result: VerificationResult
        if isinstance(admission, Permit):
            # Never send after the permit's lease: the guard would count it as unanswered and could let
            # another sign-in of the same user go ahead meanwhile.
            lease_left = (admission.lease_until - self._clock()).total_seconds() - PERMIT_MARGIN_SECONDS
            deadline = Deadline(max(0.0, min(budget_seconds, lease_left)))
            try:
                result = self._verifier.verify(login, deadline=deadline, permit=admission)
            except Exception:
                # Failed before the sign-in left (our sender secret unreadable, …): nothing was sent.
                admission.settle(SignInOutcome.UNANSWERED if admission.sending else SignInOutcome.NOT_SENT)
                self._lease.end_early(connection)
                raise
        else:
            explanation = sign_in.explain(admission, login)
            result = self._verifier.explain(
                login,
                outcome=explanation.outcome,
                reason=explanation.reason,
                message=explanation.message,
                blocked=admission.verdict.value,
            )
        logger.info(
            "verification finished",
            extra={
                "connection_id": connection.id,
                "trigger": trigger.value,
                "outcome": result.outcome.value,
                "reason": result.reason.value if result.reason else None,
                "round_trips": result.round_trips,
                "sign_in": result.sign_in.value if result.sign_in else None,
                "blocked": result.blocked,
                "support_ids": list(result.support_ids),
            },
        )
        try:
            report = self._lease.store_result(connection, result, trigger, actor, started_at)
        except Exception:
            self._lease.end_early(connection)  # the table is failing: do not keep admins out for long
            raise
        if trigger is not Trigger.HEALTH_CHECK and _counts_as_refusal(result):
            try:
                self._refusals.record(connection.tenant_id, self._clock())
            except Exception as error:  # a rate limit must never fail a stored result
                logger.warning("refused sign-in not counted", extra={"error_type": type(error).__name__})
        return report


def _counts_as_refusal(result: VerificationResult) -> bool:
    """What a tenant's hourly quota counts: sign-ins Intacct refused or left unanswered, and answers that a
    password was refused before (free for us, so they must not be a free way to test guesses either)."""
    return result.sign_in in (SignInOutcome.REFUSED, SignInOutcome.UNANSWERED) or (
        result.blocked == Verdict.REFUSED_PASSWORD.value
    )


@contextmanager
def _released_unless_settled(admission: Permit | Blocked) -> Iterator[None]:
    """A permit whose sign-in was never sent (a conflict before the verifier ran, a verifier that could not
    start) gives its strike back; one already settled keeps what it settled."""
    try:
        yield
    finally:
        if isinstance(admission, Permit):
            admission.settle(SignInOutcome.NOT_SENT)


__all__ = ["ConnectionService", "ServiceSettings", "VerificationReport"]
