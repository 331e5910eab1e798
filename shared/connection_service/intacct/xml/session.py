"""Running functions in a fresh API session: sign in with getAPISession, then call with the session.

Every run signs in: a scheduled check must prove that the stored password still works, so no cached session
stands in for it (a cached session hid passwords changed in Intacct). Session ids are secrets: they live only
in memory for the run and are never written to DynamoDB or logs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..credentials import LoginCredentials
from ..deadline import Deadline
from ..errors import IntacctError
from ..outcomes import SignInOutcome, sign_in_outcome
from .client import Exchange, IntacctClient
from .credentials import SessionCredentials
from .functions import GatewayFunction
from .response import FunctionResult


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
    # Results of the functions sent with the sign-in (`at_sign_in`), there even when the session was refused.
    at_sign_in: tuple[FunctionResult, ...] = ()


def run_in_session(
    client: IntacctClient,
    login: LoginCredentials,
    functions: Sequence[GatewayFunction],
    *,
    deadline: Deadline,
    at_sign_in: Sequence[GatewayFunction] = (),
    on_sending: Callable[[], None] | None = None,
    on_sign_in: Callable[[SignInOutcome], None] | None = None,
) -> SessionRun:
    """Signs in (one round trip), then runs `functions` in the new session at the login's entity (one more).

    `at_sign_in` functions travel with the sign-in and run at the top level. `on_sign_in` hears the
    sign-in's outcome as soon as it is known, before the second round trip, so the sign-in guard can let the
    next sign-in of this user go ahead; `on_sending` just before the sign-in request is built and sent. A
    refused sign-in is never repeated.
    """
    if on_sending is not None:
        on_sending()
    try:
        signed_in = client.sign_in(login, deadline=deadline, location_id=login.entity_id, also=at_sign_in)
    except IntacctError as error:
        outcome = sign_in_outcome(error)
        if on_sign_in is not None:
            on_sign_in(outcome)
        return SessionRun(None, None, 1, error.attempts, 1, outcome, error, Stage.SIGN_IN)
    attempts = signed_in.exchange.attempts
    if signed_in.session is None:
        assert signed_in.failure is not None
        outcome = sign_in_outcome(signed_in.failure)
        if on_sign_in is not None:
            on_sign_in(outcome)
        return SessionRun(
            None,
            None,
            1,
            attempts,
            1,
            outcome,
            signed_in.failure,
            Stage.SIGN_IN,
            signed_in.companions,
        )
    if on_sign_in is not None:
        on_sign_in(SignInOutcome.ACCEPTED)
    session, companions = signed_in.session, signed_in.companions
    try:
        exchange = client.execute(session, functions, deadline=deadline)
    except IntacctError as error:
        return SessionRun(
            None,
            session,
            2,
            attempts + error.attempts,
            1,
            SignInOutcome.ACCEPTED,
            error,
            Stage.CALL,
            companions,
        )
    return SessionRun(
        exchange, session, 2, attempts + exchange.attempts, 1, SignInOutcome.ACCEPTED, at_sign_in=companions
    )
