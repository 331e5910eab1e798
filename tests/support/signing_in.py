"""Sign in and go on in one step, as tests and benchmarks want it. The layer always takes two (the sign-in
guard is settled in between), so these live here and nothing in it exists for tests alone."""

from __future__ import annotations

from collections.abc import Sequence

from connection_service.intacct import Deadline, LoginCredentials
from connection_service.intacct.xml import (
    GatewayFunction,
    IntacctClient,
    SessionCredentials,
    SessionRun,
    call_in_session,
    sign_in,
)
from connection_service.verification import ConnectionVerifier, VerificationResult


def open_session(
    client: IntacctClient, login: LoginCredentials, *, deadline: Deadline
) -> tuple[SessionCredentials, int]:
    """The session a sign-in at the login's entity opened and the HTTP attempts it took; raises why none
    opened."""
    signed_in = client.sign_in(login, deadline=deadline, entity_id=login.entity_id)
    if signed_in.session is None:
        assert signed_in.failure is not None
        raise signed_in.failure
    return signed_in.session, signed_in.exchange.attempts


def sign_in_and_call(
    client: IntacctClient,
    login: LoginCredentials,
    functions: Sequence[GatewayFunction],
    *,
    deadline: Deadline,
) -> SessionRun:
    """Signs in, then runs `functions` in the new session (when one opened)."""
    return call_in_session(client, sign_in(client, login, deadline=deadline), functions, deadline=deadline)


def verify(client: IntacctClient, login: LoginCredentials, *, deadline: Deadline) -> VerificationResult:
    """A whole verification, its sign-in and its check in one go."""
    verifier = ConnectionVerifier(client)
    return verifier.check(verifier.sign_in(login, deadline=deadline), deadline=deadline)
