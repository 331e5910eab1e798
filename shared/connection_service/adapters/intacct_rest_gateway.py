"""The Intacct port over the REST API, for connections that sign in with our client application (client
credentials): our client application's and our sender's credentials (each cached for a few minutes), one
pooled REST client, the XML client the session-id bridge sends through, the REST verifier's questions sent
with them, and export workers' REST operations sent with the token."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from ..connections.ports import CallAnswer, OperationAnswer, OperationsAnswer
from ..intacct import (
    Category,
    ClientCredentials,
    ConnectionCredentials,
    Deadline,
    IntacctError,
    Level,
    SignIn,
    SignInOutcome,
)
from ..intacct.rest import (
    Bridge,
    ClientApplication,
    ClientApplicationNotConfigured,
    CompositeAnswer,
    RestClient,
    RestSession,
    SubRequest,
    send_composite,
    sign_in,
)
from ..intacct.rest.calls import send_all
from ..intacct.rest.operations import RestOperation
from ..intacct.rest.session import utc_now
from ..intacct.xml import HttpTransport, IntacctClient, SenderCredentials, SessionCredentials, Timeouts
from ..intacct.xml.retry import Attempt
from ..intacct.xml.worker_functions import WorkerFunction
from ..verification import Outcome, Reason, RestProbed, RestVerifier, VerificationResult, not_run
from ..verification.rest_verifier import SESSION_LABEL
from .intacct_gateway import NOT_CONFIGURED, SENDER_CACHE_SECONDS, function_answer
from .secrets_store import SenderNotConfigured

_NOT_CONFIGURED = (ClientApplicationNotConfigured, SenderNotConfigured)
T = TypeVar("T")


class _Cached(Generic[T]):
    """A platform secret's value, loaded again after a few minutes (operations may rotate it) or when a
    verification found it wrong."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._value: T | None = None
        self._loaded_at = 0.0

    def get(self) -> T:
        if self._value is None or time.monotonic() - self._loaded_at > SENDER_CACHE_SECONDS:
            self._value = self._load()
            self._loaded_at = time.monotonic()
        return self._value

    def expire(self) -> None:
        self._loaded_at = 0.0


class IntacctRestGateway:
    """Signs in with a token request, and verifies and runs exports' XML functions (through the session-id
    bridge) and REST operations with the token. A missing client application or sender secret does not
    raise: nothing is sent, and the verification is reported as incomplete on our side, never blamed on
    the customer."""

    def __init__(
        self,
        load_client: Callable[[], ClientApplication],
        load_sender: Callable[[], SenderCredentials],
        *,
        rest_url: str,
        xml_endpoint_url: str,
        timeouts: Timeouts | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        rest_client_factory: Callable[[str], RestClient] | None = None,
        xml_client_factory: Callable[[SenderCredentials, str], IntacctClient] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        # One connection pool for both APIs: Intacct serves them from the same host.
        transport = HttpTransport(timeouts=timeouts)
        self._rest_url = rest_url
        self._xml_endpoint_url = xml_endpoint_url
        self._rest_client_factory = rest_client_factory or (
            lambda url: RestClient(url, transport=transport, on_attempt=on_attempt)
        )
        self._xml_client_factory = xml_client_factory or (
            lambda sender, url: IntacctClient(
                sender, endpoint_url=url, transport=transport, on_attempt=on_attempt
            )
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._application = _Cached(load_client)
        self._sender = _Cached(load_sender)
        self._rest: RestClient | None = None
        self._xml: IntacctClient | None = None
        self._verifier = RestVerifier()

    def _current(self) -> tuple[RestClient, ClientApplication, IntacctClient]:
        """Raises ClientApplicationNotConfigured or SenderNotConfigured (nothing sent), or whatever the
        loaders raise (AWS busy)."""
        with self._lock:
            application = self._application.get()
            sender = self._sender.get()
            if self._xml is None or self._xml.sender != sender:
                self._xml = self._xml_client_factory(sender, self._xml_endpoint_url)
            if self._rest is None:
                self._rest = self._rest_client_factory(self._rest_url)
            return self._rest, application, self._xml

    def _names(self) -> tuple[str, str]:
        """Our sender ID and client ID as the checklist names them, "(not configured)" for a missing one."""
        with self._lock:
            try:
                sender_id = self._sender.get().sender_id
            except SenderNotConfigured:
                sender_id = NOT_CONFIGURED
            try:
                client_id = self._application.get().client_id
            except ClientApplicationNotConfigured:
                client_id = NOT_CONFIGURED
        return sender_id, client_id

    def prepare(self, credentials: ConnectionCredentials) -> None:
        # Not configured is reported by verify as an incomplete check (our side), never as the customer's.
        with contextlib.suppress(*_NOT_CONFIGURED):
            self._current()

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignIn:
        if not isinstance(credentials, ClientCredentials):
            raise TypeError("the REST gateway signs in with our client application (client credentials)")
        try:
            rest, application, xml = self._current()  # may raise (AWS busy): nothing has been sent
        except _NOT_CONFIGURED as missing:
            whose = "client application" if isinstance(missing, ClientApplicationNotConfigured) else "sender"
            not_configured = IntacctError(
                Category.SENDER_CREDENTIALS_INVALID,
                level=Level.TRANSPORT,
                detail=f"our {whose} is not configured",
                never_sent=True,
            )
            return SignIn(credentials, SignInOutcome.NOT_SENT, not_configured)
        bridge = Bridge(xml, self._xml_endpoint_url)
        return sign_in(rest, application, credentials, bridge=bridge, deadline=deadline, clock=self._clock)

    def call(
        self,
        signed_in: SignIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        session = signed_in.session
        assert isinstance(session, RestSession) and session.token is not None, "no session"
        token = session.token
        # The token's expiry, never the XML session's: the export keeps the sign-in for the token's life.
        expires_at = token.expires_at
        expired = token.expiry_failure(self._clock())
        if expired is not None:
            return CallAnswer((), expired, expires_at)
        writes = any(function.writes for function in functions)
        try:
            exchange = session.run_xml(functions, deadline=deadline, transaction=transaction, unique=writes)
        except IntacctError as error:
            return CallAnswer((), error, expires_at)
        results = tuple(function_answer(result, unique=writes) for result in exchange.response.results)
        return CallAnswer(results, None, expires_at)

    def run_operations(
        self, signed_in: SignIn, operations: Sequence[RestOperation], *, deadline: Deadline
    ) -> OperationsAnswer:
        session = signed_in.session
        assert isinstance(session, RestSession) and session.token is not None, "no session"
        token = session.token
        replies, failure = send_all(session.client, token, operations, deadline=deadline, clock=self._clock)
        answers = tuple(
            OperationAnswer(
                operation.operation_id,
                reply.status,
                reply.http_status,
                reply.result,
                reply.meta,
                reply.errors,
                reply.category,
            )
            for operation, reply in zip(operations, replies, strict=False)
        )
        # The token's expiry: the export keeps the sign-in for the token's life.
        return OperationsAnswer(answers, failure, token.expires_at)

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        if signed_in.lost is not None:
            raise signed_in.lost
        session = signed_in.session
        if session is None:  # our client application or sender secret is missing: nothing was sent
            sender_id, client_id = self._names()
            reason = Reason.PLATFORM_CREDENTIALS_INVALID
            return not_run(reason, signed_in.credentials, sender_id, client_id=client_id)
        assert isinstance(session, RestSession), "a sign-in this gateway did not make"
        probed = RestProbed()
        if signed_in.failure is None and session.token is not None:
            self._probe(session, signed_in.credentials.user_id, probed, deadline)
        result = self._verifier.judge(
            signed_in, sender_id=session.sender_id, client_id=session.client_id, probed=probed
        )
        if result.reason is Reason.PLATFORM_CREDENTIALS_INVALID:
            self._expire_platform_secrets()
        return result

    def _probe(self, session: RestSession, user_id: str, probed: RestProbed, deadline: Deadline) -> None:
        """Sends the verification's requests after the token, each only when the one before allows it."""
        verifier = self._verifier
        probed.views = self._composite(session, verifier.view_probes(), probed, deadline)
        if not verifier.goes_on_after(probed.views):
            return
        probed.more = self._composite(session, verifier.more_probes(), probed, deadline)
        if not verifier.goes_on_after(probed.more):
            return
        xml_session = self._xml_session(session, probed, deadline)
        if xml_session is None:
            return
        session.keep_xml_session(xml_session)  # an export using this sign-in needs no other request for it
        try:
            exchange = session.bridge.xml.execute(
                xml_session, verifier.rights_request(user_id), deadline=deadline
            )
        except IntacctError as error:
            probed.count(error.attempts)
            probed.rights = error
            return
        probed.count(exchange.attempts)
        probed.rights = exchange

    def _composite(
        self, session: RestSession, requests: list[SubRequest], probed: RestProbed, deadline: Deadline
    ) -> CompositeAnswer | IntacctError:
        assert session.token is not None
        try:
            answer = send_composite(session.client, session.token, requests, deadline=deadline)
        except IntacctError as error:
            probed.count(error.attempts)
            return error
        probed.count(answer.attempts)
        return answer

    def _xml_session(
        self, session: RestSession, probed: RestProbed, deadline: Deadline
    ) -> SessionCredentials | None:
        """The token's XML session from request 3's answer; when that request was refused as a whole, from a
        session-id request of its own (a 5th round trip on that path only). None: `probed.bridge` says why."""
        token = session.token
        assert token is not None
        if isinstance(probed.more, CompositeAnswer):
            try:
                return session.bridge.session_from(
                    probed.more.answered(SESSION_LABEL), token, now=self._clock()
                )
            except IntacctError as error:
                probed.bridge = error
                return None
        try:
            xml_session, attempts = session.bridge.fetch(
                session.client, token, deadline=deadline, now=self._clock()
            )
        except IntacctError as error:
            probed.count(error.attempts)
            probed.bridge = error
            return None
        probed.count(attempts)
        return xml_session

    def explain(
        self,
        credentials: ConnectionCredentials,
        *,
        outcome: Outcome,
        reason: Reason,
        message: str,
        blocked: str,
    ) -> VerificationResult:
        sender_id, client_id = self._names()
        return not_run(
            reason,
            credentials,
            sender_id,
            client_id=client_id,
            outcome=outcome,
            message=message,
            blocked=blocked,
        )

    def _expire_platform_secrets(self) -> None:
        with self._lock:  # read them again next time: operations may have fixed them
            self._application.expire()
            self._sender.expire()
