"""Running functions in a fresh API session: sign in with getAPISession, then call with the session.

Every run signs in: a scheduled check must prove that the stored password still works, so no cached session
stands in for it (a cached session hid passwords changed in Intacct). Session ids are secrets: they live only
in memory for the run and are never written to DynamoDB or logs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .client import Exchange, IntacctClient
from .credentials import LoginCredentials, SessionCredentials
from .errors import Category, IntacctError, Level
from .functions import GatewayFunction
from .retry import Deadline


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


class Stage(StrEnum):
    SIGN_IN = "sign_in"  # the login + getAPISession request
    CALL = "call"  # the request made with the session


@dataclass(frozen=True)
class SessionRun:
    """The outcome of running functions in a session, with what it cost, whether it succeeded or not."""

    exchange: Exchange | None
    session: SessionCredentials | None
    round_trips: int
    attempts: int
    sign_ins: int
    sign_in: SignInOutcome | None = None  # None: no sign-in was sent
    failure: IntacctError | None = None
    failed_stage: Stage | None = None


def run_in_session(
    client: IntacctClient,
    login: LoginCredentials,
    functions: Sequence[GatewayFunction],
    *,
    deadline: Deadline,
    on_sending: Callable[[], None] | None = None,
    on_sign_in: Callable[[SignInOutcome], None] | None = None,
) -> SessionRun:
    """Signs in (one round trip), then runs `functions` in the new session at the login's entity (one more).

    `on_sign_in` hears the sign-in's outcome as soon as it is known, before the second round trip, so the
    sign-in guard can let the next sign-in of this user go ahead; `on_sending` just before the sign-in
    request is built and sent. A refused sign-in is never repeated.
    """
    if on_sending is not None:
        on_sending()
    try:
        session, attempts = client.open_session(login, deadline=deadline, location_id=login.entity_id)
    except IntacctError as error:
        outcome = sign_in_outcome(error)
        if on_sign_in is not None:
            on_sign_in(outcome)
        return SessionRun(None, None, 1, error.attempts, 1, outcome, error, Stage.SIGN_IN)
    if on_sign_in is not None:
        on_sign_in(SignInOutcome.ACCEPTED)
    try:
        exchange = client.execute(session, functions, deadline=deadline)
    except IntacctError as error:
        return SessionRun(
            None, session, 2, attempts + error.attempts, 1, SignInOutcome.ACCEPTED, error, Stage.CALL
        )
    return SessionRun(exchange, session, 2, attempts + exchange.attempts, 1, SignInOutcome.ACCEPTED)
