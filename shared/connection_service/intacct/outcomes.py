"""What one sign-in told us about the user's password: the words the sign-in guard settles in.

Kept apart from the client so the guard, the verification result and the read-only functions can use them
without importing the HTTP and XML stack.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import Category, IntacctError, Level


class SignInOutcome(StrEnum):
    """What one sign-in told us about the user's password (what a lockout counter would have seen)."""

    ACCEPTED = "accepted"  # Intacct accepted the credentials (even if the entity-level session then failed)
    REFUSED = "refused"  # Intacct refused them
    UNANSWERED = "unanswered"  # sent, but no readable answer came back: Intacct may have refused them
    NOT_JUDGED = "not_judged"  # Intacct answered without looking at the user (control or company level)
    NOT_SENT = "not_sent"  # provably never processed: no connection, 429, 503, no time left to send


_COMPANY_LEVEL = frozenset(
    {Category.SENDER_NOT_AUTHORIZED, Category.WEB_SERVICES_DISABLED, Category.COMPANY_EXPIRED}
)


def sign_in_outcome(error: IntacctError | None) -> SignInOutcome:
    """Classifies a sign-in request's failure (None: it succeeded) for the sign-in guard.

    A control-level failure means Intacct executed nothing (authentication included). Company-level
    refusals (sender not authorized, Web Services off, expired company) are taken as answered before the
    user's password is checked, as the gateway's order of checks suggests (unverified against Intacct). Any
    other authentication-level answer, even "try again later", may have judged the password: unanswered.
    """
    if error is None or error.level is Level.RESULT:
        return SignInOutcome.ACCEPTED  # the sign-in worked; a function after it failed
    if error.not_processed:
        return SignInOutcome.NOT_SENT
    if error.category is Category.SIGN_IN_REJECTED:
        return SignInOutcome.REFUSED
    if error.level is Level.CONTROL or (
        error.level is Level.AUTHENTICATION and error.category in _COMPANY_LEVEL
    ):
        return SignInOutcome.NOT_JUDGED
    return SignInOutcome.UNANSWERED
