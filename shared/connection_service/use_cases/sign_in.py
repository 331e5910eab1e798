"""The one path every sign-in takes: the tenant's quota, the sign-in guard, Intacct, and the guard settled.

Admission happens before anything is written or sent; the permit's outcome is settled as soon as Intacct's
answer (or its absence) is known; a permit whose sign-in never left gives its strike back. A sign-in the
guard blocks still makes an answer: the verifier's checklist with the guard's reason, no round trip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from ..connections import transitions
from ..connections.errors import SignInBudgetSpent, SignInInProgress, TooManyRefusedSignIns
from ..connections.model import Connection, Status, Trigger
from ..connections.ports import ConnectionRepository, Intacct, RefusalQuota
from ..intacct import AuthMethod, ConnectionCredentials, Deadline, SignIn, SignInOutcome
from ..sign_in_guard import Blocked, GuardReader, Permit, SignInGuard, Verdict
from ..verification import Outcome, Reason, VerificationResult

logger = logging.getLogger(__name__)

# A pending sign-in outlives the verification's time limit by this much (a crashed request's sign-in then
# stops being pending, and its attempt counts as unanswered).
PENDING_SIGN_IN_MARGIN_SECONDS = 10.0
# A sign-in is not started this close to the end of its time as pending.
PENDING_SIGN_IN_CUTOFF_SECONDS = 2.0
# How long an admin's request waits for another sign-in as the same user to finish before answering 409.
ADMIN_SIGN_IN_WAIT_SECONDS = 4.0
# Retry-After for that 409: sign-ins take about a second; the pending time's end is only the worst case.
SIGN_IN_RETRY_AFTER_SECONDS = 2

Admission = Permit | Blocked


@dataclass(frozen=True)
class Explanation:
    """A guard block as a verification outcome, with the admin's one-line message."""

    outcome: Outcome
    reason: Reason
    message: str


class SignInPath:
    def __init__(
        self,
        guard: SignInGuard,
        refusals: RefusalQuota,
        intacct: Intacct,
        repository: ConnectionRepository,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._guard = guard
        self._refusals = refusals
        self._intacct = intacct
        self._repository = repository
        self._clock = clock

    def prepare(self, credentials: ConnectionCredentials) -> None:
        """Loads what signing in with `credentials` needs (our sender credentials, our client application's)
        before anything is written."""
        self._intacct.prepare(credentials)

    def admit_admin(
        self,
        connection: Connection,
        credentials: ConnectionCredentials,
        *,
        trigger: Trigger,
        actor: str,
        confirm: bool,
        accepted_fingerprints: Collection[str],
        vouched: bool = False,
        time_limit_seconds: float,
    ) -> Admission:
        """An admin's edit or verify. Returns a permit, or a block that still makes an answer (a password
        Intacct already refused); raises for the tenant's spent quota (429), the user's spent budget (429,
        recorded in the connection's history and counted against the tenant's quota) and a sign-in that
        stays busy (409). `accepted_fingerprints`: of the credentials Intacct accepted on this
        connection (see SignInGuard.admit)."""
        wait = self._refusals.retry_after(connection.tenant_id, self._clock())
        if wait is not None:
            raise TooManyRefusedSignIns(wait, self._refusals.per_hour)
        admission = self._guard.admit(
            credentials.company_id,
            credentials.user_id,
            credentials.presented,
            automatic=False,
            risks_lockout=credentials.risks_lockout,
            holder=holder_key(connection),
            let_go=self._let_go,
            accepted_fingerprints=accepted_fingerprints,
            vouched=vouched,
            confirm=confirm,
            pending_seconds=time_limit_seconds + PENDING_SIGN_IN_MARGIN_SECONDS,
            wait_seconds=ADMIN_SIGN_IN_WAIT_SECONDS,
        )
        if isinstance(admission, Permit) or admission.verdict in _EXPLAINED_TO_ADMINS:
            return admission
        if admission.verdict is Verdict.BUSY:
            raise SignInInProgress(SIGN_IN_RETRY_AFTER_SECONDS)
        spent = SignInBudgetSpent(
            company_id=credentials.company_id,
            user_id=credentials.user_id,
            budget=self._guard.policy.budget,
            confirmation_available_at=admission.confirmation_available_at,
            confirmation_used=confirm,
        )
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
        # The answer is the same for every password, the right one included (rules.py), so it teaches a
        # guesser nothing; it is counted all the same, so no answer of ours is free to ask for.
        self._count(connection.tenant_id)
        raise spent

    def admit_automatic(
        self,
        credentials: ConnectionCredentials,
        *,
        holder: str,
        accepted_fingerprints: Collection[str],
        vouched: bool = False,
        time_limit_seconds: float,
        wait_seconds: float = 0.0,
    ) -> Admission:
        """A scheduled check or an export of the connection's stored credentials (`accepted_fingerprints`:
        of the credentials Intacct accepted on the connection): never confirms, never resends an
        unanswered password; waits `wait_seconds` for a running sign-in as the same user (a health check
        does not wait). `holder`: the connection's key (`holder_key`), for client credentials."""
        return self._guard.admit(
            credentials.company_id,
            credentials.user_id,
            credentials.presented,
            automatic=True,
            risks_lockout=credentials.risks_lockout,
            holder=holder,
            let_go=self._let_go,
            accepted_fingerprints=accepted_fingerprints,
            vouched=vouched,
            pending_seconds=time_limit_seconds + PENDING_SIGN_IN_MARGIN_SECONDS,
            wait_seconds=wait_seconds,
        )

    def _let_go(self, holder: str) -> bool:
        """Whether the connection recorded as holding a user's client credentials (`holder_key`) let go of
        them: it is gone or disconnected. Nothing else frees the user (a holder whose admin mistypes a User
        ID, or moves to another method or user, keeps it until it disconnects), so no slip of the owner's
        opens a moment for another tenant to take the user."""
        tenant_id, _, connection_id = holder.rpartition("/")
        held_by = self._repository.get(tenant_id, connection_id)
        return held_by is None or held_by.status is Status.DISCONNECTED

    def verify(
        self,
        credentials: ConnectionCredentials,
        admission: Admission,
        *,
        deadline: Deadline,
        last_reason: str | None = None,
    ) -> VerificationResult:
        """Signs in with the permit and checks every prerequisite, or explains the block, within `deadline`
        and from its place (the company slot the caller holds). `last_reason`: the connection's, which a
        refused token request's block keeps (the guard remembers that it was refused, not why)."""
        if isinstance(admission, Blocked):
            explanation = explain(admission, credentials, last_reason)
            return self._intacct.explain(
                credentials,
                outcome=explanation.outcome,
                reason=explanation.reason,
                message=explanation.message,
                blocked=admission.verdict.value,
            )
        deadline = self._deadline(admission, deadline)
        signed_in = self._settled_sign_in(credentials, admission, deadline)
        return self._intacct.verify(signed_in, deadline=deadline)

    def open_session(
        self, credentials: ConnectionCredentials, permit: Permit, *, deadline: Deadline
    ) -> SignIn:
        """Signs in for an export with the permit (within `deadline`, from its place), and settles it with
        what the sign-in told us."""
        return self._settled_sign_in(credentials, permit, self._deadline(permit, deadline))

    def _settled_sign_in(
        self, credentials: ConnectionCredentials, permit: Permit, deadline: Deadline
    ) -> SignIn:
        try:
            signed_in = self._intacct.sign_in(credentials, deadline=deadline)
        except Exception:
            # Raised before the sign-in left (our sender secret unreadable, …): nothing was sent.
            permit.settle(SignInOutcome.NOT_SENT)
            raise
        # Settled before anything else is sent, so the next sign-in as this user may go ahead.
        permit.settle(signed_in.outcome)
        return signed_in

    def _deadline(self, permit: Permit, deadline: Deadline) -> Deadline:
        # Never send once the sign-in stopped pending: the guard would count it as unanswered and could let
        # another sign-in of the same user go ahead meanwhile.
        pending_left = (permit.pending_until - self._clock()).total_seconds() - PENDING_SIGN_IN_CUTOFF_SECONDS
        return deadline.within(max(0.0, pending_left))

    def count_refusal(self, tenant_id: str, result: VerificationResult) -> None:
        """Counts an admin's refused sign-in against the tenant's hourly quota (best effort)."""
        if _counts_as_refusal(result):
            self._count(tenant_id)

    def _count(self, tenant_id: str) -> None:
        try:
            self._refusals.record(tenant_id, self._clock())
        except Exception as error:  # a rate limit must never fail a stored result or change an answer
            logger.warning("refused sign-in not counted", extra={"error_type": type(error).__name__})

    def attempts_left(self, connection: Connection) -> int | None:
        """Sign-ins as the connection's Intacct user that may still be refused or go unanswered before the
        guard stops sending any (the last one is kept for the password that last worked)."""
        return attempts_left(self._guard, connection)


def holder_key(connection: Connection) -> str:
    """The connection as the guard records a user's token holder (connection ids hold no '/')."""
    return f"{connection.tenant_id}/{connection.id}"


def attempts_left(guard: GuardReader, connection: Connection) -> int | None:
    """None where no password is at stake: no credentials, or client credentials (no budget applies)."""
    if not uses_password(connection):
        return None
    assert connection.company_id is not None and connection.user_id is not None
    return guard.attempts_left(connection.company_id, connection.user_id)


def uses_password(connection: Connection) -> bool:
    """Whether the connection signs in with a password the guard budgets (so has attempts left to show)."""
    return (
        connection.status is not Status.DISCONNECTED
        and connection.company_id is not None
        and bool(connection.user_id)
        and connection.auth_method is AuthMethod.PASSWORD
    )


@contextmanager
def released_unless_settled(admission: Admission) -> Iterator[None]:
    """A permit whose sign-in was never sent (a conflict before the verifier ran, a verifier that could not
    start) gives its strike back; one already settled keeps what it settled."""
    try:
        yield
    finally:
        if isinstance(admission, Permit):
            admission.settle(SignInOutcome.NOT_SENT)


def _counts_as_refusal(result: VerificationResult) -> bool:
    """What a tenant's hourly quota counts: sign-ins Intacct refused or left unanswered, and answers that a
    password was refused before (free for us, so they must not be a free way to test guesses either)."""
    return result.sign_in in (SignInOutcome.REFUSED, SignInOutcome.UNANSWERED) or (
        result.blocked in (Verdict.REFUSED_PASSWORD.value, Verdict.HELD_ELSEWHERE.value)
    )


# Blocks an admin's request is answered with (a checklist that says why), not an error.
_EXPLAINED_TO_ADMINS = frozenset({Verdict.REFUSED_PASSWORD, Verdict.HELD_ELSEWHERE})

# Why Intacct refuses a token request: what a block of one that was refused keeps saying.
_TOKEN_REFUSALS = frozenset(
    {Reason.CLIENT_APP_NOT_AUTHORIZED, Reason.COMPANY_REFUSED_APPLICATION, Reason.ENTITY_INVALID}
)


def explain(
    block: Blocked, credentials: ConnectionCredentials, last_reason: str | None = None
) -> Explanation:
    who = f"user {credentials.user_id} of company {credentials.company_id}"
    since = f" on {_when(block.since)}" if block.since else ""
    if block.verdict is Verdict.HELD_ELSEWHERE:
        return Explanation(
            Outcome.ACTION_REQUIRED,
            Reason.USER_CONNECTED_ELSEWHERE,
            f"Intacct {who} is already connected with our client application by another account of ours, "
            "so we do not ask for its tokens here (nothing but that link in Intacct proves who may). In "
            "Intacct, link another Web Services user to our client application and enter that user here, "
            "or disconnect the other account first; if you know of no other account, contact support.",
        )
    if block.verdict is Verdict.REFUSED_PASSWORD and not credentials.risks_lockout:
        reason = next(
            (r for r in _TOKEN_REFUSALS if r.value == last_reason), Reason.CLIENT_APP_NOT_AUTHORIZED
        )
        return Explanation(
            Outcome.ACTION_REQUIRED,
            reason,
            f"Intacct refused our client application's token request for {who}{since}; we do not ask "
            "again on our own. Fix what the checklist names in Intacct, then verify now.",
        )
    if block.verdict is Verdict.REFUSED_PASSWORD:
        return Explanation(
            Outcome.ACTION_REQUIRED,
            Reason.INVALID_CREDENTIALS,
            f"Intacct refused this password for {who}{since}; we did not send it again, so the user cannot "
            "be locked out by us. Enter the user's current password.",
        )
    if block.verdict is Verdict.UNCONFIRMED_PASSWORD:
        return Explanation(
            Outcome.INCOMPLETE,
            Reason.SIGN_IN_UNCONFIRMED,
            f"Intacct did not answer our last sign-in as {who}{since}, so it may have refused it. We do not "
            "send this password again on our own: verify now to try it once more, or save the current "
            "password.",
        )
    return Explanation(
        Outcome.ACTION_REQUIRED,
        Reason.SIGN_IN_BLOCKED,
        f"Sign-ins as {who} were refused or went unanswered since its last successful sign-in, so we "
        "stopped signing in as it before Intacct locks it out. Sign in to Intacct once as this user with "
        "the password you mean (that resets Intacct's count), or reset the password there; then save it "
        "here again, confirming the reset.",
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
