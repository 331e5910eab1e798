"""The Intacct port over the XML gateway: our sender credentials (cached for a few minutes), one pooled
client, and the connection verifier."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from ..connections.ports import CallAnswer, FunctionAnswer, SignedIn
from ..intacct import Category, ConnectionCredentials, Deadline, IntacctError, Level, SignInOutcome
from ..intacct.xml import FunctionResult, IntacctClient, SenderCredentials
from ..intacct.xml.worker_functions import WorkerFunction
from ..verification import ConnectionVerifier, Outcome, Reason, VerificationResult, VerifierSignIn, not_run
from .secrets_store import SenderNotConfigured

SENDER_CACHE_SECONDS = 300.0
NOT_CONFIGURED = "(not configured)"


@dataclass(frozen=True)
class _NotSent:
    """A sign-in that never left: our sender secret is missing (our side, never the customer's)."""

    credentials: ConnectionCredentials
    outcome: SignInOutcome = SignInOutcome.NOT_SENT


@dataclass(frozen=True)
class _Lost:
    """A sign-in that left, then an error of ours while its answer was read: Intacct may have judged the
    password, so it counts as unanswered, and the error is raised once the guard has been told."""

    error: Exception
    outcome: SignInOutcome = SignInOutcome.UNANSWERED


@dataclass(frozen=True)
class _Opened:
    """A sign-in that was answered, with the verifier (and so the client and sender) its check must use."""

    verifier: ConnectionVerifier
    signed_in: VerifierSignIn

    @property
    def outcome(self) -> SignInOutcome:
        return self.signed_in.outcome


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

    def _current_client(self) -> IntacctClient:
        with self._lock:
            if self._client is None or time.monotonic() - self._loaded_at > SENDER_CACHE_SECONDS:
                sender = self._load_sender()
                if self._client is None or self._client.sender != sender:
                    self._client = self._client_factory(sender, self._endpoint_url)
                self._loaded_at = time.monotonic()
            return self._client

    def prepare(self) -> None:
        # Not configured is reported by verify as an incomplete check (our side), never as the customer's.
        with contextlib.suppress(SenderNotConfigured):
            self._current_client()

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignedIn:
        try:
            client = self._current_client()  # may raise (AWS busy): nothing has been sent
        except SenderNotConfigured:
            return _NotSent(credentials)
        verifier = ConnectionVerifier(client)
        try:
            return _Opened(verifier, verifier.sign_in(credentials, deadline=deadline))
        except Exception as error:  # the request may have left: see _Lost
            return _Lost(error)

    def session_failure(self, signed_in: SignedIn) -> IntacctError | None:
        if isinstance(signed_in, _Lost):
            raise signed_in.error
        if isinstance(signed_in, _NotSent):
            return IntacctError(
                Category.SENDER_CREDENTIALS_INVALID,
                level=Level.TRANSPORT,
                detail="our sender is not configured",
            )
        assert isinstance(signed_in, _Opened), "a sign-in this gateway did not make"
        run = signed_in.signed_in.run
        if run.session is None:
            return run.failure or IntacctError(Category.UNKNOWN, level=Level.RESULT)
        return None

    def call(
        self,
        signed_in: SignedIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        assert isinstance(signed_in, _Opened) and signed_in.signed_in.run.session is not None, "no session"
        session = signed_in.signed_in.run.session
        writes = any(function.writes for function in functions)
        try:
            exchange = signed_in.verifier.client.execute(
                session, functions, deadline=deadline, transaction=transaction, unique=writes
            )
        except IntacctError as error:
            return CallAnswer((), error, session.expires_at)
        response = exchange.response
        return CallAnswer(
            tuple(_answer(result, unique=writes) for result in response.results),
            None,
            response.authentication.session_timeout or session.expires_at,
        )

    def verify(self, signed_in: SignedIn, *, deadline: Deadline) -> VerificationResult:
        if isinstance(signed_in, _Lost):
            raise signed_in.error
        if isinstance(signed_in, _NotSent):
            return not_run(Reason.PLATFORM_CREDENTIALS_INVALID, signed_in.credentials, NOT_CONFIGURED)
        assert isinstance(signed_in, _Opened), "a sign-in this gateway did not make"
        result = signed_in.verifier.check(signed_in.signed_in, deadline=deadline)
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


def _answer(result: FunctionResult, *, unique: bool) -> FunctionAnswer:
    status = result.status
    if unique and status == "failure" and not result.errors and not result.answered_with_status:
        status = "repeated"  # Intacct's answer to a completed write sent again under uniqueid: no <status>
    data = etree.tostring(result.data, encoding="unicode") if result.data is not None else None
    category = None if status in ("success", "repeated") else result.category
    return FunctionAnswer(result.control_id, result.function, status, data, result.errors, category)
