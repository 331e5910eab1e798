"""How the use cases ask the sign-in guard, and what its answers mean for a connection and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..intacct import LoginCredentials
from ..signin_guard import Blocked, Permit, SignInGuard, Verdict
from ..verification import Outcome, Reason
from .errors import SignInBudgetSpent, SignInInProgress

# The identity's sign-in lease outlives the verification's time budget by this much (a crashed request's
# lease then ends, and its attempt counts as unanswered).
GUARD_LEASE_MARGIN_SECONDS = 10.0
# How long an admin's request waits for another sign-in as the same user to finish before answering 409.
ADMIN_WAIT_SECONDS = 4.0
# Retry-After for that 409: sign-ins take about a second; the lease's end is only the worst case.
SIGN_IN_RETRY_AFTER_SECONDS = 2


@dataclass(frozen=True)
class Explanation:
    """A guard block as a verification outcome, with the admin's one-line message."""

    outcome: Outcome
    reason: Reason
    message: str


def admit_for_admin(
    guard: SignInGuard, login: LoginCredentials, *, confirm: bool, budget_seconds: float
) -> Permit | Blocked:
    """An admin's edit or verify. Returns a permit, or a block that still makes an answer (a password Intacct
    already refused); raises for a spent budget (429) and a sign-in that stays busy (409)."""
    admission = guard.admit(
        login.company_id,
        login.user_id,
        login.password,
        automatic=False,
        confirm=confirm,
        lease_seconds=budget_seconds + GUARD_LEASE_MARGIN_SECONDS,
        wait_seconds=ADMIN_WAIT_SECONDS,
    )
    if isinstance(admission, Permit) or admission.verdict is Verdict.REFUSED_PASSWORD:
        return admission
    if admission.verdict is Verdict.BUSY:
        raise SignInInProgress(SIGN_IN_RETRY_AFTER_SECONDS)
    raise SignInBudgetSpent(
        company_id=login.company_id,
        user_id=login.user_id,
        budget=guard.policy.budget,
        confirmation_available_at=admission.confirmation_available_at,
        confirmation_used=confirm,
    )


def admit_for_health_check(
    guard: SignInGuard, login: LoginCredentials, *, budget_seconds: float
) -> Permit | Blocked:
    """A scheduled check: never waits, never confirms, never resends an unanswered password."""
    return guard.admit(
        login.company_id,
        login.user_id,
        login.password,
        automatic=True,
        lease_seconds=budget_seconds + GUARD_LEASE_MARGIN_SECONDS,
    )


def explain(block: Blocked, login: LoginCredentials) -> Explanation:
    who = f"user {login.user_id} of company {login.company_id}"
    since = f" on {_when(block.since)}" if block.since else ""
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
