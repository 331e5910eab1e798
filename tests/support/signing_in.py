"""Sign in and go on in one step, as tests and benchmarks want it. The layer always takes two (the sign-in
guard is settled in between), so these live here and nothing in it exists for tests alone."""

from __future__ import annotations

from collections.abc import Sequence

from connection_service.adapters.intacct_gateway import IntacctGateway
from connection_service.intacct import Deadline, IntacctError, LoginCredentials, SignIn
from connection_service.intacct.xml import (
    Exchange,
    GatewayFunction,
    IntacctClient,
    SessionCredentials,
    XmlSession,
    sign_in,
)
from connection_service.verification import VerificationResult


def open_session(
    client: IntacctClient, login: LoginCredentials, *, deadline: Deadline
) -> tuple[SessionCredentials, int]:
    """The session a sign-in at the login's entity opened and the HTTP attempts it took; raises why none
    opened."""
    signed_in = sign_in(client, login, deadline=deadline)
    if signed_in.lost is not None:
        raise signed_in.lost
    if signed_in.failure is not None:
        raise signed_in.failure
    return _session_of(signed_in), signed_in.attempts


def call_in_session(
    signed_in: SignIn, functions: Sequence[GatewayFunction], *, deadline: Deadline
) -> Exchange | IntacctError | None:
    """Runs `functions` in the session `signed_in` opened (one more round trip) and returns the answer or
    why the request failed; None, sending nothing, when the sign-in opened no session."""
    if signed_in.failure is not None or signed_in.lost is not None:
        return None
    session = signed_in.session
    assert isinstance(session, XmlSession)
    try:
        return session.client.execute(_session_of(signed_in), functions, deadline=deadline)
    except IntacctError as error:
        return error


def sign_in_and_call(
    client: IntacctClient,
    login: LoginCredentials,
    functions: Sequence[GatewayFunction],
    *,
    deadline: Deadline,
) -> tuple[SignIn, Exchange | IntacctError | None]:
    """Signs in, then runs `functions` in the new session (when one opened)."""
    signed_in = sign_in(client, login, deadline=deadline)
    return signed_in, call_in_session(signed_in, functions, deadline=deadline)


def gateway_over(client: IntacctClient) -> IntacctGateway:
    """The Intacct port over `client` (its sender and endpoint): what verifies in the service."""
    return IntacctGateway(
        lambda: client.sender, endpoint_url=client.endpoint_url, client_factory=lambda sender, url: client
    )


def verify(client: IntacctClient, login: LoginCredentials, *, deadline: Deadline) -> VerificationResult:
    """A whole verification, its sign-in and its check in one go."""
    intacct = gateway_over(client)
    return intacct.verify(intacct.sign_in(login, deadline=deadline), deadline=deadline)


def _session_of(signed_in: SignIn) -> SessionCredentials:
    session = signed_in.session
    assert isinstance(session, XmlSession) and session.credentials is not None, "no session opened"
    return session.credentials
