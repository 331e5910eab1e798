"""Domain errors: each one maps to one HTTP problem type in the API layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class ConnectionNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__("no such connection for this tenant")


class AlreadyConnected(DomainError):
    def __init__(self, existing_id: str) -> None:
        self.existing_id = existing_id
        super().__init__(f"the tenant already has a Sage Intacct connection ({existing_id})")


class ConcurrentModification(DomainError):
    def __init__(self) -> None:
        super().__init__("the connection was changed by another request; reload it and try again")


class InvalidState(DomainError):
    """The request does not fit the connection's state (e.g. verify before any credentials were saved)."""


class CredentialsUnavailable(InvalidState):
    """The connection's secret is being deleted: a disconnect won the race against this request."""

    def __init__(self) -> None:
        super().__init__("the connection was disconnected meanwhile; connect again to start over")


class CompanyChangeNotConfirmed(DomainError):
    def __init__(self, current: str) -> None:
        self.current = current
        super().__init__(
            f"the connection is linked to company {current}; send confirm_company_change=true to link another"
        )


class RetryLater(DomainError):
    """The request may succeed unchanged after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int, message: str) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


class VerificationInProgress(RetryLater):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            retry_after_seconds,
            "a verification of this connection is already running; try again when it is done",
        )


class SignInInProgress(RetryLater):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            retry_after_seconds,
            "another sign-in as this Intacct user is running (from this or another connection); we sign in "
            "as one user one request at a time so its lockout counter is never raced",
        )


class TooManyRefusedSignIns(RetryLater):
    def __init__(self, retry_after_seconds: int, limit: int) -> None:
        super().__init__(
            retry_after_seconds,
            f"Intacct refused {limit} sign-ins from this account's admins within the hour; wait before "
            "trying other credentials",
        )


class SignInBudgetSpent(DomainError):
    """The sign-in guard stopped sending sign-ins for this Intacct user until an admin acts."""

    def __init__(
        self,
        *,
        company_id: str,
        user_id: str,
        budget: int,
        confirmation_available_at: datetime,
        confirmation_used: bool,
    ) -> None:
        self.company_id = company_id
        self.user_id = user_id
        self.budget = budget
        self.confirmation_available_at = confirmation_available_at
        self.confirmation_used = confirmation_used
        message = (
            f"Intacct refused, or did not answer, {budget} sign-in(s) as user {user_id} of company "
            f"{company_id} since its last successful sign-in, so we stopped signing in as it: one more could "
            "lock the user out. Sign in to Intacct once as this user with the password you mean (that "
            "resets Intacct's count of failed sign-ins), or have an Intacct admin reset the password; then "
            'save the password here again with "confirm_sign_in_reset": true. A connection whose saved '
            "password Intacct accepted keeps one attempt: Verify now on it still signs in."
        )
        if confirmation_used:
            message += (
                " A confirmation was already used for this user in the last 24 hours; the next one is "
                f"accepted from {confirmation_available_at:%Y-%m-%d %H:%M} UTC."
            )
        super().__init__(message)


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidInput(DomainError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


class NotConnected(InvalidState):
    """An export asked for a connection that does not read Connected: nothing is sent to Intacct."""

    def __init__(self, status: str, reason: str | None) -> None:
        self.status = status
        self.reason = reason
        why = f" ({reason})" if reason else ""
        super().__init__(f"the connection is {status}{why}, not CONNECTED: fix it in the admin screens first")


class RestNeedsClientCredentials(InvalidState):
    """REST operations were asked of a connection that signs in with a password: Intacct's REST API takes
    OAuth tokens, not an XML API session, so the call could never be made (nothing is sent)."""

    def __init__(self) -> None:
        super().__init__(
            "the connection signs in with a Web Services password; REST operations need the client "
            "credentials method: switch the connection in the admin screens, or send XML functions"
        )


class SignInBlocked(DomainError):
    """The sign-in guard kept an export from signing in as the user (a password Intacct refused or left
    unanswered): nothing was sent, and an admin must act before any export can sign in again."""

    def __init__(self, verdict: str) -> None:
        self.verdict = verdict
        super().__init__(
            f"the sign-in guard did not let us sign in as the connection's Intacct user ({verdict}); an "
            "admin must save the user's current password before exports can run"
        )


class SignInFailed(DomainError):
    """Intacct refused the export's sign-in for a reason the customer must fix (category names it)."""

    def __init__(self, category: str) -> None:
        self.category = category
        super().__init__(
            f"Intacct refused the sign-in ({category}); the connection needs an admin's attention"
        )


class IntacctBusy(RetryLater):
    """Intacct did not answer, or answered "try later": the same call may succeed unchanged."""

    def __init__(self, retry_after_seconds: int, category: str) -> None:
        self.category = category
        super().__init__(
            retry_after_seconds, f"Intacct is unavailable or rate limiting ({category}); retry later"
        )


class RequestRefused(DomainError):
    """Intacct refused an export's request as a whole (a malformed function, for example): nothing ran."""

    def __init__(self, category: str, detail: str) -> None:
        self.category = category
        super().__init__(f"Intacct refused the request ({category}): {detail}")


class CompanyAtLimit(RetryLater):
    """The customer's company already has the limit of requests in flight at Intacct (from verifications,
    health checks and exports together): nothing was sent."""

    def __init__(self, retry_after_seconds: int, limit: int) -> None:
        self.limit = limit
        super().__init__(
            retry_after_seconds,
            f"the Intacct company already has {limit} requests of ours in flight (its limit); try again "
            "shortly",
        )
