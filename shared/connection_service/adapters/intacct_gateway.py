"""The Intacct port over the XML gateway: our sender credentials (cached for a few minutes), one pooled
client, and the verifier's questions sent with it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence

from lxml import etree

from ..connections.ports import CallAnswer, FunctionAnswer, OperationsAnswer
from ..intacct import (
    Category,
    ConnectionCredentials,
    Deadline,
    IntacctError,
    Level,
    LoginCredentials,
    SignIn,
    SignInOutcome,
)
from ..intacct.rest.operations import RestOperation
from ..intacct.xml import Exchange, FunctionResult, IntacctClient, SenderCredentials, XmlSession, sign_in
from ..intacct.xml.worker_functions import WorkerFunction
from ..verification import ConnectionVerifier, Outcome, Reason, VerificationResult, not_run
from .secrets_store import SenderNotConfigured

SENDER_CACHE_SECONDS = 300.0
NOT_CONFIGURED = "(not configured)"


class IntacctGateway:
    """Loads our sender credentials (cached for a few minutes) and signs in and verifies with a pooled client.

    A missing sender secret does not raise: the verification is reported as incomplete (our side), so the
    customer's connection is never blamed for it.
    """

    def __init__(
        self,
        load_sender: Callable[[], SenderCredentials],
        *,
        endpoint_url: str,
        client_factory: Callable[[SenderCredentials, str], IntacctClient] | None = None,
    ) -> None:
        self._load_sender = load_sender
        self._endpoint_url = endpoint_url
        self._client_factory = client_factory or (lambda sender, url: IntacctClient(sender, endpoint_url=url))
        self._lock = threading.Lock()
        self._client: IntacctClient | None = None
        self._loaded_at = 0.0
        self._verifier = ConnectionVerifier()

    def _current_client(self) -> IntacctClient:
        with self._lock:
            if self._client is None or time.monotonic() - self._loaded_at > SENDER_CACHE_SECONDS:
                sender = self._load_sender()
                if self._client is None or self._client.sender != sender:
                    self._client = self._client_factory(sender, self._endpoint_url)
                self._loaded_at = time.monotonic()
            return self._client

    def prepare(self, credentials: ConnectionCredentials) -> None:
        # Not configured is reported by verify as an incomplete check (our side), never as the customer's.
        with contextlib.suppress(SenderNotConfigured):
            self._current_client()

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignIn:
        if not isinstance(credentials, LoginCredentials):
            raise TypeError("the XML gateway signs in with a Web Services user's password")
        try:
            client = self._current_client()  # may raise (AWS busy): nothing has been sent
        except SenderNotConfigured:
            # Our side, never the customer's: no XML side, so `verify` explains it without Intacct.
            not_configured = IntacctError(
                Category.SENDER_CREDENTIALS_INVALID,
                level=Level.TRANSPORT,
                detail="our sender is not configured",
            )
            return SignIn(credentials, SignInOutcome.NOT_SENT, not_configured)
        # Every sign-in asks for what a verification needs with it: an export's may be verified later.
        return sign_in(client, credentials, deadline=deadline, at_sign_in=self._verifier.asked_at_sign_in())

    def call(
        self,
        signed_in: SignIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        session = signed_in.session
        assert isinstance(session, XmlSession) and session.credentials is not None, "no session"
        opened = session.credentials
        writes = any(function.writes for function in functions)
        try:
            exchange = session.client.execute(
                opened, functions, deadline=deadline, transaction=transaction, unique=writes
            )
        except IntacctError as error:
            return CallAnswer((), error, opened.expires_at)
        response = exchange.response
        return CallAnswer(
            tuple(function_answer(result, unique=writes) for result in response.results),
            None,
            response.authentication.session_timeout or opened.expires_at,
        )

    def run_operations(
        self, signed_in: SignIn, operations: Sequence[RestOperation], *, deadline: Deadline
    ) -> OperationsAnswer:
        # Intacct's REST API takes OAuth tokens, not an XML API session: the export use case answers
        # `rest-needs-client-credentials` for a password connection before anything reaches here.
        raise TypeError("REST operations need a client credentials connection")

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        if signed_in.lost is not None:
            raise signed_in.lost
        session = signed_in.session
        if session is None:  # our sender secret is missing: nothing was sent
            return not_run(Reason.PLATFORM_CREDENTIALS_INVALID, signed_in.credentials, NOT_CONFIGURED)
        assert isinstance(session, XmlSession), "a sign-in this gateway did not make"
        probed: Exchange | IntacctError | None = None
        if session.credentials is not None:
            probes = self._verifier.probes(signed_in.credentials.user_id)
            try:
                probed = session.client.execute(session.credentials, probes, deadline=deadline)
            except IntacctError as error:
                probed = error
        result = self._verifier.judge(
            signed_in,
            sender_id=session.client.sender.sender_id,
            at_sign_in=session.at_sign_in,
            probed=probed,
        )
        if result.reason is Reason.PLATFORM_CREDENTIALS_INVALID:
            with self._lock:
                self._loaded_at = 0.0  # re-read the secret next time: operations may have fixed it
        return result

    def explain(
        self,
        credentials: ConnectionCredentials,
        *,
        outcome: Outcome,
        reason: Reason,
        message: str,
        blocked: str,
    ) -> VerificationResult:
        try:
            sender_id = self._current_client().sender.sender_id
        except SenderNotConfigured:
            sender_id = NOT_CONFIGURED
        return not_run(reason, credentials, sender_id, outcome=outcome, message=message, blocked=blocked)


def function_answer(result: FunctionResult, *, unique: bool) -> FunctionAnswer:
    """One function's result as an export worker reads it, from any XML session (the REST gateway's too)."""
    status = result.status
    if unique and status == "failure" and not result.errors and not result.answered_with_status:
        status = "repeated"  # Intacct's answer to a completed write sent again under uniqueid: no <status>
    data = etree.tostring(result.data, encoding="unicode") if result.data is not None else None
    category = None if status in ("success", "repeated") else result.category
    return FunctionAnswer(result.control_id, result.function, status, data, result.errors, category)
