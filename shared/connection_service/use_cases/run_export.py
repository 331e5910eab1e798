"""An export worker's functions run in the customer's Intacct company, without the worker ever seeing the
password: the session is reused while Intacct keeps it alive, every sign-in goes through the sign-in guard
(an automatic one: a password Intacct refused or left unanswered is never sent again), and a session
Intacct no longer knows leads to one fresh sign-in, never a loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..company_limit import CompanyLimiter
from ..connections.errors import (
    ConnectionNotFound,
    FieldProblem,
    IntacctBusy,
    InvalidInput,
    NotConnected,
    RequestRefused,
    SignInBlocked,
    SignInFailed,
    SignInInProgress,
)
from ..connections.model import Connection, Status, Trigger
from ..connections.ports import (
    CallAnswer,
    ConnectionRepository,
    CredentialStore,
    FunctionAnswer,
    Intacct,
    SecretRef,
    SignedIn,
)
from ..intacct import Category, Deadline, IntacctError
from ..sign_in_guard import Blocked, Verdict
from .company_slot import company_slot
from .session_cache import SessionCache, SessionKey
from .sign_in import SIGN_IN_RETRY_AFTER_SECONDS, SignInPath, released_unless_settled
from .verification_lease import VerificationLease

if TYPE_CHECKING:
    from ..intacct.xml.worker_functions import WorkerFunction

logger = logging.getLogger(__name__)

MAX_FUNCTIONS = 100
# How long a call waits for a slot of its company's limit before answering company-busy.
EXPORT_WAIT_SECONDS = 10.0
# How long a call waits for another sign-in as the same user (another worker's) before sign-in-in-progress.
SIGN_IN_WAIT_SECONDS = 4.0
EXPORT_ACTOR = "export"
# Judging a failed sign-in sends nothing; checking in an open session is one round trip.
FEEDBACK_SECONDS = 10.0
# A right refused to a worker leads to a check of the connection at most this often (across environments:
# the connection's last check is stored).
RECHECK_AFTER_REFUSED_RIGHT = timedelta(minutes=5)
# Retry-After for an Intacct that did not answer or rate limited us: its own header when it gave one.
BUSY_RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class ExportReport:
    results: tuple[FunctionAnswer, ...]
    signed_in: bool  # this call opened a session (False: an open one was reused)


class RunExport:
    def __init__(
        self,
        repository: ConnectionRepository,
        credentials: CredentialStore,
        sign_in: SignInPath,
        intacct: Intacct,
        lease: VerificationLease,
        limiter: CompanyLimiter,
        sessions: SessionCache,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._credentials = credentials
        self._sign_in = sign_in
        self._intacct = intacct
        self._lease = lease
        self._limiter = limiter
        self._sessions = sessions
        self._clock = clock

    def __call__(
        self,
        tenant_id: str,
        connection_id: str,
        functions: Sequence[WorkerFunction],
        *,
        transaction: bool,
        time_limit_seconds: float,
    ) -> ExportReport:
        _check(functions)
        connection = self._repository.get(tenant_id, connection_id)
        if connection is None:
            raise ConnectionNotFound()  # also another tenant's connection: its existence is not revealed
        if connection.status is not Status.CONNECTED:
            raise NotConnected(connection.status.value, connection.reason)
        assert connection.company_id is not None, "a Connected connection has its company"
        slot, time_left = company_slot(
            self._limiter,
            connection.company_id,
            time_limit_seconds=time_limit_seconds,
            wait_seconds=min(EXPORT_WAIT_SECONDS, time_limit_seconds / 2),
        )
        with slot:
            return self._in_session(
                connection, functions, transaction=transaction, time_limit_seconds=time_left
            )

    def _in_session(
        self,
        connection: Connection,
        functions: Sequence[WorkerFunction],
        *,
        transaction: bool,
        time_limit_seconds: float,
    ) -> ExportReport:
        key = SessionKey(
            connection.tenant_id, connection.id, connection.credentials_version, connection.secret_version
        )
        deadline = Deadline(time_limit_seconds)
        session = self._sessions.get(key, self._clock())
        opened = session is None
        if session is None:
            session = self._open(connection, time_limit_seconds)
        answer = self._intacct.call(session, functions, deadline=deadline, transaction=transaction)
        if _session_gone(answer) and not opened:
            # Intacct no longer knows the session (timed out early, signed out): one fresh sign-in.
            self._sessions.drop(key)
            session, opened = self._open(connection, deadline.remaining()), True
            answer = self._intacct.call(session, functions, deadline=deadline, transaction=transaction)
        if answer.failure is not None:
            self._sessions.drop(key)
            if _says_setup_changed(answer):
                self._feed_back(connection, session, self._clock())
            raise _request_failure(answer.failure)
        self._sessions.keep(key, session, self._clock(), answer.session_expires_at)
        if _says_setup_changed(answer) and self._check_due(connection):
            # A right refused to the worker may be one of the 16 taken away: verify in the same session
            # (one more round trip) and record what the health check would, at most every few minutes.
            self._feed_back(connection, session, self._clock())
        return ExportReport(answer.results, signed_in=opened)

    def _check_due(self, connection: Connection) -> bool:
        now = self._clock()
        last = connection.last_checked_at
        return last is None or now - last >= RECHECK_AFTER_REFUSED_RIGHT

    def _open(self, connection: Connection, time_limit_seconds: float) -> SignedIn:
        """One sign-in through the guard. Raises a typed error when it opened no session."""
        started_at = self._clock()
        self._sign_in.prepare()
        credentials = self._credentials.get(SecretRef.recorded_by(connection))
        admission = self._sign_in.admit_automatic(
            credentials,
            time_limit_seconds=time_limit_seconds,
            wait_seconds=min(SIGN_IN_WAIT_SECONDS, time_limit_seconds / 4),
        )
        with released_unless_settled(admission):
            if isinstance(admission, Blocked):
                if admission.verdict is Verdict.BUSY:
                    # Another sign-in as this user is running (another worker, a verification): its
                    # session or its answer will do; the worker retries shortly.
                    raise SignInInProgress(SIGN_IN_RETRY_AFTER_SECONDS)
                raise SignInBlocked(admission.verdict.value)
            session = self._sign_in.open_session(
                credentials, admission, time_limit_seconds=time_limit_seconds
            )
        failure = self._intacct.session_failure(session)
        if failure is None:
            return session
        if _transient(failure):
            raise _busy(failure)
        self._feed_back(connection, session, started_at)
        raise SignInFailed(failure.category.value)

    def _feed_back(self, connection: Connection, failed: SignedIn, started_at: datetime) -> None:
        """Records what a failure says about the customer's setup on the connection as the health check
        would (status, history, event, the admin's message): the verifier judges a failed sign-in without
        another request, or checks every prerequisite and permission in the open session. Best effort: the
        worker's answer does not depend on it (and the guard already remembers a refused password).
        Skipped while a verification holds the connection: its result will do."""
        if connection.verifying(self._clock()):
            return
        try:
            result = self._intacct.verify(failed, deadline=Deadline(FEEDBACK_SECONDS))
            self._lease.store_result(connection, result, Trigger.EXPORT, EXPORT_ACTOR, started_at)
        except Exception as error:
            logger.warning(
                "what an export found was not recorded on the connection",
                extra={"connection_id": connection.id, "error_type": type(error).__name__},
            )


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


def _session_gone(answer: CallAnswer) -> bool:
    return answer.failure is not None and answer.failure.category is Category.SESSION_INVALID


# What a worker's call can be refused for that a change of the customer's setup explains.
_SETUP_FAILURES = frozenset(
    {
        Category.SENDER_NOT_AUTHORIZED,
        Category.WEB_SERVICES_DISABLED,
        Category.COMPANY_EXPIRED,
        Category.PERMISSION_DENIED,
        Category.MODULE_NOT_SUBSCRIBED,
    }
)


def _says_setup_changed(answer: CallAnswer) -> bool:
    if answer.failure is not None:
        return answer.failure.category in _SETUP_FAILURES
    return any(result.category in _SETUP_FAILURES for result in answer.results)


def _transient(error: IntacctError) -> bool:
    # Nothing the customer must fix: an outage, a session refused right after a fresh sign-in, our sender.
    return error.category.transient or error.category in (
        Category.SESSION_INVALID,
        Category.SENDER_CREDENTIALS_INVALID,
    )


def _busy(error: IntacctError) -> IntacctBusy:
    wait = int(error.retry_after) if error.retry_after else BUSY_RETRY_AFTER_SECONDS
    return IntacctBusy(max(1, wait), error.category.value)


def _request_failure(error: IntacctError) -> Exception:
    return _busy(error) if _transient(error) else RequestRefused(error.category.value, str(error))
