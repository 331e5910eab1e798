"""Running functions in a fresh API session: sign in with getAPISession (one round trip), then call with the
session (another). The two are separate steps so that whoever holds a sign-in guard's permit settles it in
between, before the second request leaves.

Every run signs in: a scheduled check must prove that the stored password still works, so no cached session
stands in for it (a cached session hid passwords changed in Intacct). Session ids are secrets: they live only
in memory for the run and are never written to DynamoDB or logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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


def sign_in(
    client: IntacctClient,
    login: LoginCredentials,
    *,
    deadline: Deadline,
    at_sign_in: Sequence[GatewayFunction] = (),
) -> SessionRun:
    """Signs in (one round trip) and asks for a session at the login's entity; `at_sign_in` functions travel
    with it and run at the top level. The run's `sign_in` says what the sign-in told us, so the caller can
    settle the sign-in guard before anything else is sent; a refused sign-in is never repeated."""
    try:
        signed_in = client.sign_in(login, deadline=deadline, entity_id=login.entity_id, also=at_sign_in)
    except IntacctError as error:
        return SessionRun(None, None, 1, error.attempts, 1, sign_in_outcome(error), error, Stage.SIGN_IN)
    attempts = signed_in.exchange.attempts
    if signed_in.session is None:
        assert signed_in.failure is not None
        return SessionRun(
            None,
            None,
            1,
            attempts,
            1,
            sign_in_outcome(signed_in.failure),
            signed_in.failure,
            Stage.SIGN_IN,
            signed_in.companions,
        )
    return SessionRun(
        None, signed_in.session, 1, attempts, 1, SignInOutcome.ACCEPTED, at_sign_in=signed_in.companions
    )


def call_in_session(
    client: IntacctClient, signed_in: SessionRun, functions: Sequence[GatewayFunction], *, deadline: Deadline
) -> SessionRun:
    """Runs `functions` in the session a successful `sign_in` opened (one more round trip); a failed sign-in
    is returned as it is."""
    session = signed_in.session
    if session is None or signed_in.failure is not None:
        return signed_in
    try:
        exchange = client.execute(session, functions, deadline=deadline)
    except IntacctError as error:
        return replace(
            signed_in,
            round_trips=signed_in.round_trips + 1,
            attempts=signed_in.attempts + error.attempts,
            failure=error,
            failed_stage=Stage.CALL,
        )
    return replace(
        signed_in,
        exchange=exchange,
        round_trips=signed_in.round_trips + 1,
        attempts=signed_in.attempts + exchange.attempts,
    )
