"""One verification of a connection, in the one order every caller takes.

1. admit the sign-in on the sign-in path (the tenant's quota, then the sign-in guard);
2. take a slot of the company's limit of requests in flight (none for a sign-in the guard blocked: its
   answer needs no request);
3. take the connection's verification lease;
4. the caller's own step, if any, with the lease held (an edit stages, records and promotes its secret);
5. sign in, settle the guard with what the sign-in told us, verify in the session;
6. store the result through the lease, count a refused sign-in against the tenant's quota, and answer with
   the attempts left as settling the guard left them.

Every hold ends early on failure: the guard's permit gives its strike back if nothing was sent, the slot is
released (or kept while a request Intacct may still be running holds it), the lease ends at once.

Edit Credentials, Verify and the health check ask this flow; exports ask it for their admission and their
slot (`admit`, `slot`) and keep their session reuse (run_export.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from ..company_limit import CompanyLimiter, Slot
from ..company_limit.limiter import CompanyBusy
from ..connections.errors import CompanyAtLimit, SignInInProgress
from ..connections.model import Connection, Trigger
from ..connections.ports import SecretStore
from ..intacct import ConnectionCredentials, Deadline
from ..sign_in_guard import Blocked, Permit, Verdict
from ..verification import Outcome, VerificationResult
from .sign_in import (
    SIGN_IN_RETRY_AFTER_SECONDS,
    Admission,
    SignInPath,
    holder_key,
    released_unless_settled,
    uses_password,
)
from .verification_lease import VerificationLease
from .verification_report import VerificationReport

logger = logging.getLogger(__name__)

# A slot outlives the call's time limit by this much: storing the result, a crash's margin.
SLOT_MARGIN_SECONDS = 10.0
# How long an admin's request waits for a slot before answering 429 company-busy; a health check waits
# less and leaves the connection to its next run.
ADMIN_SLOT_WAIT_SECONDS = 4.0
CHECK_SLOT_WAIT_SECONDS = 2.0
# Retry-After for company-busy: calls at Intacct take about a second.
COMPANY_BUSY_RETRY_AFTER_SECONDS = 2

# The caller's own step with the lease held: given the leased connection and how to renew the lease on a
# connection it changed (before storing it), it returns the connection as stored after it (an edit: the
# new credentials recorded).
Renewal = Callable[[Connection], Connection]
LeasedStep = Callable[[Connection, Renewal], Connection]


class VerificationFlow:
    def __init__(
        self,
        sign_in: SignInPath,
        lease: VerificationLease,
        limiter: CompanyLimiter,
        secrets: SecretStore,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._sign_in = sign_in
        self._lease = lease
        self._limiter = limiter
        self._secrets = secrets
        self._clock = clock

    def __call__(
        self,
        connection: Connection,
        login: ConnectionCredentials,
        *,
        trigger: Trigger,
        actor: str,
        time_limit_seconds: float,
        confirm: bool = False,
        with_lease: LeasedStep | None = None,
    ) -> VerificationReport:
        """Verifies `login` for `connection` (see the module's order).

        Raises for the answers that send nothing: an admin's TooManyRefusedSignIns, SignInBudgetSpent,
        SignInInProgress, CompanyAtLimit, VerificationInProgress or ConcurrentModification; a health check
        gets SignInInProgress, CompanyAtLimit, VerificationInProgress or ConcurrentModification (it leaves
        the connection to its next run)."""
        if not trigger.automatic:
            self._lease.check_not_verifying(connection)  # another admin's verification: 409, nothing spent
        deadline = Deadline(time_limit_seconds)  # waits for a sign-in or a slot come off it
        admission = self.admit(
            connection,
            login,
            trigger=trigger,
            actor=actor,
            confirm=confirm,
            time_limit_seconds=time_limit_seconds,
        )
        with released_unless_settled(admission):
            wait = CHECK_SLOT_WAIT_SECONDS if trigger is Trigger.HEALTH_CHECK else ADMIN_SLOT_WAIT_SECONDS
            with self.slot(
                login.company_id, deadline=deadline, wait_seconds=wait, admission=admission
            ) as place:
                leased = self._lease.take(connection, deadline.remaining(), trigger)
                started_at = self._clock()
                try:
                    if with_lease is not None:
                        leased = with_lease(
                            leased, lambda changed: self._lease.begin(changed, deadline.remaining(), trigger)
                        )
                    result = self._sign_in.verify(
                        login, admission, deadline=deadline.holding(place), last_reason=leased.reason
                    )
                    _log(leased, trigger, result)
                    report = self._lease.store_result(
                        leased,
                        result,
                        trigger,
                        actor,
                        started_at,
                        _fingerprint(admission),
                        password_deleted=self._retire_password(leased, result, trigger),
                    )
                except Exception:
                    # Nothing stored (Intacct, Secrets Manager or the table failed): admins are not kept
                    # out for the rest of the lease, and the health check still looks at these credentials.
                    self._lease.end_early(leased)
                    raise
        if trigger is Trigger.HEALTH_CHECK:
            return report  # nobody reads its attempts left, and the quota counts admins only
        self._sign_in.count_refusal(connection.tenant_id, result)
        return report.with_attempts_left(self._attempts_left(report.connection, admission))

    def _retire_password(self, connection: Connection, result: VerificationResult, trigger: Trigger) -> bool:
        """A password kept from before a switch to client credentials goes once the new method connects
        (verified first, deleted only then), at once and for good: nothing may keep a password the
        connection no longer uses. Deleted before the connection stops recording it, so a crash in between
        leaves a record of a deleted secret (deleted again, harmlessly), never a secret nobody records.

        Only by an admin's edit or verify: their lease keeps every other edit out until the result is
        stored, whereas an admin may take the connection from a running health check and save a password
        into the same secret meanwhile (the health check's delete would then take the new one)."""
        if trigger.automatic or result.outcome is not Outcome.CONNECTED:
            return False
        if not connection.holds_unused_password:
            return False
        assert connection.secret_id is not None
        try:
            self._secrets.delete(connection.secret_id, at_once=True)
        except Exception as error:  # the next successful verification tries again
            logger.error(
                "unused password not deleted",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )
            return False
        return True

    def admit(
        self,
        connection: Connection,
        login: ConnectionCredentials,
        *,
        trigger: Trigger,
        actor: str,
        time_limit_seconds: float,
        confirm: bool = False,
        wait_seconds: float = 0.0,
    ) -> Admission:
        """Step 1: what the sign-in path says of a sign-in with `login`, before anything is written or
        sent. An admin's request waits a little for another sign-in as the same user (then 409); an
        automatic one waits `wait_seconds` (an export a little, a health check not at all), then raises
        SignInInProgress. Only `login` equal to credentials Intacct accepted on this connection (the last
        few it remembers, typed or stored alike) may spend the attempt the guard keeps for the known-good
        password."""
        self._sign_in.prepare(login)
        holds = connection.accepted_fingerprints
        # The connection's stored credentials (never typed ones) accepted before fingerprints were kept.
        vouched = connection.legacy_accepted and trigger is not Trigger.CREDENTIALS_EDIT
        if not trigger.automatic:
            return self._sign_in.admit_admin(
                connection,
                login,
                trigger=trigger,
                actor=actor,
                confirm=confirm,
                accepted_fingerprints=holds,
                vouched=vouched,
                time_limit_seconds=time_limit_seconds,
            )
        admission = self._sign_in.admit_automatic(
            login,
            holder=holder_key(connection),
            accepted_fingerprints=holds,
            vouched=vouched,
            time_limit_seconds=time_limit_seconds,
            wait_seconds=wait_seconds,
        )
        if isinstance(admission, Blocked) and admission.verdict is Verdict.BUSY:
            raise SignInInProgress(SIGN_IN_RETRY_AFTER_SECONDS)
        return admission

    def slot(
        self,
        company_id: str,
        *,
        deadline: Deadline,
        wait_seconds: float,
        admission: Admission | None = None,
    ) -> AbstractContextManager[Slot | None]:
        """Step 2: a slot of the company's limit for the rest of `deadline` when a request will be sent;
        none for a sign-in the guard blocked (its answer needs no request)."""
        if isinstance(admission, Blocked):
            return nullcontext()
        return company_slot(
            self._limiter, company_id, time_limit_seconds=deadline.remaining(), wait_seconds=wait_seconds
        )

    def _attempts_left(self, connection: Connection, admission: Admission) -> int | None:
        """As settling the guard left them (no second read), or as the guard's block found them."""
        if not uses_password(connection):
            return None
        settled = admission.attempts_left
        if settled is None:  # the outcome could not be recorded: ask the guard
            return self._sign_in.attempts_left(connection)
        return settled


def _fingerprint(admission: Admission) -> str | None:
    """The fingerprint of what a permit's sign-in presented (a blocked one presented nothing)."""
    return admission.fingerprint if isinstance(admission, Permit) else None


def company_slot(
    limiter: CompanyLimiter, company_id: str, *, time_limit_seconds: float, wait_seconds: float
) -> Slot:
    """A slot of the company's limit of requests in flight, for every path (an admin's verification, a
    health check, an export call) and the whole of its sequential requests, taken before anything is
    written or sent (a busy company costs nothing). A `with` block releases it; the caller's Deadline counts
    the wait and sends from it (`Deadline.holding`), so that a request Intacct may still be running keeps
    it taken. Raises CompanyAtLimit when none came free within `wait_seconds`."""
    try:
        return limiter.acquire(
            company_id, hold_seconds=time_limit_seconds + SLOT_MARGIN_SECONDS, wait_seconds=wait_seconds
        )
    except CompanyBusy:
        raise CompanyAtLimit(COMPANY_BUSY_RETRY_AFTER_SECONDS, limiter.limit) from None


def _log(connection: Connection, trigger: Trigger, result: VerificationResult) -> None:
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
