"""An export worker's XML functions or REST operations run in the customer's Intacct company, without the
worker ever seeing a credential: the session (a token for client credentials) is reused while Intacct keeps
it alive, every sign-in goes through the sign-in guard (an automatic one: a password or a configuration
Intacct refused is never sent again), and a session or token Intacct no longer knows leads to one fresh
sign-in, never a loop. Every REST write carries an idempotency key (from the worker's, or derived from what
the write sends; namespaced by tenant and company), so a worker's retry after a lost answer never posts
twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..company_limit import Slot
from ..connections.errors import (
    ConnectionNotFound,
    FieldProblem,
    IntacctBusy,
    InvalidInput,
    NotConnected,
    RestNeedsClientCredentials,
    SignInBlocked,
    SignInFailed,
)
from ..connections.model import Connection, Status, Trigger
from ..connections.ports import (
    ConnectionRepository,
    FunctionAnswer,
    Intacct,
    OperationAnswer,
    SecretStore,
)
from ..intacct import AuthMethod, ConnectionCredentials, Deadline, SignIn, fold_id
from ..intacct.rest.operations import MAX_OPERATIONS
from ..sign_in_guard import Permit
from ..verification import VerificationResult
from .export_failures import (
    SIGN_IN_REFUSALS,
    ExportAnswer,
    busy,
    refused_for_the_company,
    request_failure,
    says_setup_changed,
    session_gone,
)
from .export_memory import ExportMemory
from .session_cache import SessionCache, SessionKey
from .sign_in import SignInPath, released_unless_settled
from .stored_credentials import stored_credentials
from .verification_flow import VerificationFlow
from .verification_lease import VerificationLease

if TYPE_CHECKING:
    from ..intacct.rest.operations import RestOperation
    from ..intacct.xml.worker_functions import WorkerFunction

logger = logging.getLogger(__name__)

MAX_FUNCTIONS = 100
# Derived idempotency keys start so, so that Intacct's logs tell them from a worker's own.
DERIVED_KEY_PREFIX = "icx-"
# How long a call waits for a slot of its company's limit before answering company-busy.
EXPORT_WAIT_SECONDS = 10.0
# How long a call waits for another sign-in as the same user (another worker's) before sign-in-in-progress.
SIGN_IN_WAIT_SECONDS = 4.0
EXPORT_ACTOR = "export"
# Judging a failed sign-in sends nothing; checking in an open session is one round trip.
FEEDBACK_SECONDS = 10.0
# Below this much time left, a call does not check the connection after a refused right.
MIN_FEEDBACK_SECONDS = 3.0
# After a sign-in Intacct failed without an answer (an outage), no other is sent for this long.
SIGN_IN_REST = timedelta(seconds=30)
# A right refused to a worker leads to a check of the connection at most this often (across environments:
# the connection's last check is stored); so does a refused request the check did not confirm (in one
# environment).
RECHECK_AFTER_REFUSED_RIGHT = timedelta(minutes=5)


@dataclass(frozen=True)
class ExportReport:
    results: tuple[FunctionAnswer, ...] | tuple[OperationAnswer, ...]
    signed_in: bool  # this call opened a session (False: an open one was reused)


class RunExport:
    def __init__(
        self,
        repository: ConnectionRepository,
        secrets: SecretStore,
        sign_in: SignInPath,
        intacct: Intacct,
        lease: VerificationLease,
        flow: VerificationFlow,
        sessions: SessionCache,
        memory: ExportMemory,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._sign_in = sign_in
        self._intacct = intacct
        self._lease = lease
        self._flow = flow
        self._sessions = sessions
        self._memory = memory
        self._clock = clock

    def __call__(
        self,
        tenant_id: str,
        connection_id: str,
        functions: Sequence[WorkerFunction],
        *,
        transaction: bool,
        time_limit_seconds: float,
        operations: Sequence[RestOperation] = (),
    ) -> ExportReport:
        """Runs either XML `functions` (in one request) or REST `operations` (one request each)."""
        if operations:
            _check_operations(operations, functions)
        else:
            _check(functions)
        deadline = Deadline(time_limit_seconds)  # everything below, waits included, fits in it
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None:
            raise ConnectionNotFound()  # also another tenant's connection: its existence is not revealed
        if connection.status is not Status.CONNECTED:
            raise NotConnected(connection.status.value, connection.reason)
        if operations and connection.auth_method is not AuthMethod.CLIENT_CREDENTIALS:
            raise RestNeedsClientCredentials()
        keyed = tuple(_with_key(operation, connection) for operation in operations)
        call = _Call(connection, functions, transaction, deadline, keyed)
        session = self._sessions.get(call.key, self._clock())
        if session is None:
            return self._signing_in(call)
        with self._slot(call) as slot:
            call = call.sending_from(slot)
            answer = self._send(session, call)
            if not session_gone(answer):
                return self._answered(call, session, answer, opened=False)
            # Intacct no longer knows the session (timed out early, signed out): one fresh sign-in, never
            # a loop. This call holds a slot, so it does not wait for another sign-in as the same user.
            self._sessions.drop(call.key)
            credentials, admission = self._admit(call, wait_seconds=0.0)
            with released_unless_settled(admission):
                return self._sign_in_and_call(call, credentials, admission)

    def _signing_in(self, call: _Call) -> ExportReport:
        # The guard first, then the company's slot: the order admins' verifications and health checks
        # take them in, so no call holds a slot while it waits for another sign-in as the same user.
        credentials, admission = self._admit(call, wait_seconds=SIGN_IN_WAIT_SECONDS)
        with released_unless_settled(admission), self._slot(call) as slot:
            return self._sign_in_and_call(call.sending_from(slot), credentials, admission)

    def _sign_in_and_call(
        self, call: _Call, credentials: ConnectionCredentials, permit: Permit
    ) -> ExportReport:
        session = self._signed_in(call, credentials, permit)
        return self._answered(call, session, self._send(session, call), opened=True)

    def _send(self, session: SignIn, call: _Call) -> ExportAnswer:
        if call.operations:
            return self._intacct.run_operations(session, call.operations, deadline=call.deadline)
        return self._intacct.call(
            session, call.functions, deadline=call.deadline, transaction=call.transaction
        )

    def _slot(self, call: _Call) -> AbstractContextManager[Slot | None]:
        assert call.connection.company_id is not None, "a Connected connection has its company"
        return self._flow.slot(
            call.connection.company_id,
            deadline=call.deadline,
            wait_seconds=min(EXPORT_WAIT_SECONDS, call.deadline.remaining() / 2),
        )

    def _admit(self, call: _Call, *, wait_seconds: float) -> tuple[ConnectionCredentials, Permit]:
        """A permit to sign in as the connection's user, or a typed error (nothing sent)."""
        resting = self._memory.resting_until(call.key, self._clock())
        if resting is not None:
            # Intacct failed our last sign-in without an answer: do not spend another attempt yet.
            raise IntacctBusy(max(1, int((resting - self._clock()).total_seconds())), "sign_in_resting")
        credentials = stored_credentials(call.connection, self._secrets)
        # Another sign-in as this user running (another worker, a verification) raises SignInInProgress:
        # its session or its answer will do; the worker retries shortly.
        admission = self._flow.admit(
            call.connection,
            credentials,
            trigger=Trigger.EXPORT,
            actor=EXPORT_ACTOR,
            time_limit_seconds=call.deadline.remaining(),
            wait_seconds=min(wait_seconds, call.deadline.remaining() / 4),
        )
        if isinstance(admission, Permit):
            return credentials, admission
        # A password Intacct refused, or left unanswered: show on the connection what the guard says, as
        # the health check does, and send nothing.
        started_at = self._clock()
        self._feed_back(
            call.connection,
            # A block sends nothing: no place needed.
            lambda: self._sign_in.verify(
                credentials,
                admission,
                deadline=Deadline(FEEDBACK_SECONDS),
                last_reason=call.connection.reason,
            ),
            started_at,
        )
        raise SignInBlocked(admission.verdict.value)

    def _signed_in(self, call: _Call, credentials: ConnectionCredentials, permit: Permit) -> SignIn:
        """Signs in with the permit; raises a typed error when it opened no session."""
        started_at = self._clock()
        session = self._sign_in.open_session(credentials, permit, deadline=call.deadline)
        failure = session.session_failure()
        if failure is None:
            self._memory.signed_in(call.key)
            return session
        if failure.category not in SIGN_IN_REFUSALS:
            # Not the customer's setup (an outage, our sender, an answer we cannot place): nothing to
            # record, and no other sign-in for a while, since the guard may count this one as unanswered.
            self._memory.rest(call.key, self._clock() + SIGN_IN_REST)
            raise busy(failure)
        self._feed_back(
            call.connection,
            lambda: self._intacct.verify(session, deadline=call.deadline.within(1.0)),
            started_at,
        )
        raise SignInFailed(failure.category.value)

    def _answered(self, call: _Call, session: SignIn, answer: ExportAnswer, *, opened: bool) -> ExportReport:
        if says_setup_changed(answer) and self._check_due(call, answer):
            # A right refused to the worker may be one of the 16 taken away, or the sender or Web Services
            # switched off: verify in the same session (one more round trip) and record what the health
            # check would (for a refused right, at most every few minutes).
            self._feed_back(
                call.connection,
                lambda: self._intacct.verify(session, deadline=call.deadline.within(FEEDBACK_SECONDS)),
                self._clock(),
            )
        if answer.failure is not None:
            if not answer.failure.category.transient:
                self._sessions.drop(call.key)  # kept through an outage: signing in again would not help
            raise request_failure(answer.failure)
        self._sessions.keep(call.key, session, self._clock(), answer.session_expires_at)
        return ExportReport(answer.results, signed_in=opened)

    def _check_due(self, call: _Call, answer: ExportAnswer) -> bool:
        if call.deadline.remaining() < MIN_FEEDBACK_SECONDS:
            return False  # no time left to check without putting the worker's answer at risk
        if refused_for_the_company(answer):
            # A recent check (an admin's save a minute ago) says nothing of this refusal: only this
            # environment's own check of one does.
            return self._memory.company_check_due(call.key, self._clock(), RECHECK_AFTER_REFUSED_RIGHT)
        last = call.connection.last_checked_at
        return last is None or self._clock() - last >= RECHECK_AFTER_REFUSED_RIGHT

    def _feed_back(
        self, connection: Connection, judge: Callable[[], VerificationResult], started_at: datetime
    ) -> None:
        """Records what a failure says about the customer's setup on the connection as the health check
        would (status, history, event, the admin's message): the verifier judges a failed sign-in or the
        guard's block without another request, or checks every prerequisite and permission in the open
        session. Best effort: the worker's answer does not depend on it (and the guard already remembers
        a refused password). Skipped while a verification holds the connection: its result will do."""
        if connection.verifying(self._clock()):
            return
        try:
            result = judge()
            self._lease.store_result(connection, result, Trigger.EXPORT, EXPORT_ACTOR, started_at)
        except Exception as error:
            logger.warning(
                "what an export found was not recorded on the connection",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )


@dataclass(frozen=True)
class _Call:
    connection: Connection
    functions: Sequence[WorkerFunction]
    transaction: bool
    deadline: Deadline
    operations: Sequence[RestOperation] = ()

    def sending_from(self, slot: Slot | None) -> _Call:
        """This call with its requests sent from `slot`, its place in the company's limit."""
        return replace(self, deadline=self.deadline.holding(slot))

    @property
    def key(self) -> SessionKey:
        connection = self.connection
        return SessionKey(
            connection.tenant_id, connection.id, connection.credentials_version, connection.secret_version
        )


def _check_operations(operations: Sequence[RestOperation], functions: Sequence[WorkerFunction]) -> None:
    if functions:
        # One kind per call: XML functions go in one request, REST operations in one each; a worker sends
        # two calls rather than one whose failures would mean two different things.
        raise InvalidInput([FieldProblem("operations", "send functions and operations in separate calls")])
    if len(operations) > MAX_OPERATIONS:
        raise InvalidInput([FieldProblem("operations", f"at most {MAX_OPERATIONS} operations per call")])
    if len({operation.operation_id for operation in operations}) != len(operations):
        raise InvalidInput([FieldProblem("operations", "ids must be unique within a call")])


def _with_key(operation: RestOperation, connection: Connection) -> RestOperation:
    """A write's idempotency key, namespaced by the tenant and the company: Intacct keeps one key space per
    company, and two accounts of ours may share one, so another tenant's key can never make this write a
    "repeat" that posts nothing. From the worker's own key when it gives one; otherwise from what the write
    sends (method, path, the entity it runs at, body), so a retry of the same write gets the same key and
    two different records never share one. (Not from the operation's id: workers number operations per
    call, and the next call's first bill is another bill.)"""
    if not operation.writes:
        return operation
    namespace = (connection.tenant_id, fold_id(connection.company_id or ""))
    if operation.idempotency_key:
        parts: tuple[str, ...] = (*namespace, "given", operation.idempotency_key)
    else:
        entity = fold_id(operation.entity_id or connection.entity_id or "")
        body = json.dumps(operation.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        parts = (*namespace, entity, operation.method, operation.path, body)
    seed = "\x1f".join(parts).encode("utf-8", errors="surrogatepass")
    return replace(operation, idempotency_key=DERIVED_KEY_PREFIX + hashlib.sha256(seed).hexdigest()[:40])


def _check(functions: Sequence[WorkerFunction]) -> None:
    if not functions:
        raise InvalidInput([FieldProblem("functions", "at least one function is required")])
    if len(functions) > MAX_FUNCTIONS:
        raise InvalidInput([FieldProblem("functions", f"at most {MAX_FUNCTIONS} functions per call")])
    if len({function.control_id for function in functions}) != len(functions):
        raise InvalidInput([FieldProblem("functions", "control ids must be unique within a call")])
    writes = [function.writes for function in functions]
    if any(writes) and not all(writes):
        # A call of writes is sent with uniqueid true, under which a repeated read could be refused too.
        raise InvalidInput([FieldProblem("functions", "send reads and writes in separate calls")])
