"""The Intacct port, scripted: what a sign-in, a verification and an export call answer, without any wire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import count

from connection_service.connections.ports import (
    CallAnswer,
    FunctionAnswer,
    OperationAnswer,
    OperationsAnswer,
)
from connection_service.intacct import (
    Category,
    ClientCredentials,
    ConnectionCredentials,
    Deadline,
    IntacctError,
    Level,
    LoginCredentials,
    SignIn,
    SignInOutcome,
)
from connection_service.intacct.rest.operations import RestOperation
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.verification import Outcome, Reason, VerificationResult, not_run


@dataclass
class Answer:
    """What the scripted Intacct answers one verification with."""

    outcome: Outcome
    reason: Reason | None = None
    sign_in: SignInOutcome = SignInOutcome.ACCEPTED


CONNECTED = Answer(Outcome.CONNECTED)


REFUSED = Answer(Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS, SignInOutcome.REFUSED)


UNANSWERED = Answer(Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE, SignInOutcome.UNANSWERED)


# A token refused for client credentials: our client application is not linked to the user.
NOT_LINKED = Answer(Outcome.ACTION_REQUIRED, Reason.CLIENT_APP_NOT_AUTHORIZED, SignInOutcome.REFUSED)


@dataclass(frozen=True)
class ScriptedSession:
    """This fake's side of a sign-in (its `SignIn.session`)."""

    answer: Answer
    number: int  # which sign-in of this fake opened it (sessions numbered from 1)


# Why a sign-in with this outcome opened no session, as Intacct would have said it (None: one opened).
_FAILURES = {
    SignInOutcome.ACCEPTED: None,
    SignInOutcome.REFUSED: Category.SIGN_IN_REJECTED,
    SignInOutcome.NOT_JUDGED: Category.SENDER_NOT_AUTHORIZED,
}


class ScriptedIntacct:
    """The Intacct port, scripted: answers by password (the right one connects, any other is refused), or
    for client credentials by user (one in `linked_users` connects, any other is not linked), unless
    `next_answers` says otherwise. `fail_before_sending` raises before any sign-in leaves (our
    sender secret unreadable); `lose_answers` loses the answer after it left (a bug of ours reading it)."""

    def __init__(self, right_password: str) -> None:
        self.right_password = right_password
        self.next_answers: list[Answer] = []
        self.sign_ins: list[str] = []  # the passwords sent, or "token:<user>" for a token request
        self.linked_users: set[str] = {"ws_expenses"}
        self.fail_before_sending = False
        self.lose_answers = False
        self.calls: list[tuple[int, list[str]]] = []  # (session number, control ids) per export call
        # (session number, [(method, path, idempotency key)]) per export call of REST operations
        self.operations: list[tuple[int, list[tuple[str, str, str | None]]]] = []
        self.forgotten_sessions: set[int] = set()  # sessions Intacct no longer knows ("Invalid session")
        self.call_failures: list[Category] = []  # the next export calls fail as a whole with these
        self.denied: set[str] = set()  # control ids of export functions refused for a missing right
        self.next_verifications: list[Answer] = []  # what verifying in an open session finds next
        self.sign_in_failure: Category | None = None  # the next sign-in opens no session, for this reason
        # The next sign-ins / requests in a session time out on read while Intacct goes on working on
        # them, as the client reports it: their place stays taken (`Deadline.place.left_running`).
        self.sign_in_time_outs = 0
        self.session_time_outs = 0
        self._numbers = count(1)

    def prepare(self, credentials: ConnectionCredentials) -> None:
        return None

    def sign_in(self, credentials: ConnectionCredentials, *, deadline: Deadline) -> SignIn:
        if self.fail_before_sending:
            raise ConnectionError("the sender secret could not be read")
        self.sign_ins.append(_presented(credentials))
        timed_out = self.sign_in_time_outs > 0
        if timed_out:
            self.sign_in_time_outs -= 1
            _leave_running(deadline)
            answer = UNANSWERED
        elif self.next_answers:
            answer = self.next_answers.pop(0)
        elif isinstance(credentials, ClientCredentials):
            answer = CONNECTED if credentials.user_id in self.linked_users else NOT_LINKED
        else:
            answer = CONNECTED if credentials.password.reveal() == self.right_password else REFUSED
        session = ScriptedSession(answer, next(self._numbers))
        if self.lose_answers and not timed_out:
            lost = RuntimeError("the answer could not be read")
            return SignIn(credentials, SignInOutcome.UNANSWERED, None, session, 1, 1, lost)
        category = _FAILURES.get(answer.sign_in, Category.SERVICE_UNAVAILABLE)
        if answer.reason is Reason.CLIENT_APP_NOT_AUTHORIZED:
            category = Category.CLIENT_APP_NOT_AUTHORIZED
        if self.sign_in_failure is not None:
            category, self.sign_in_failure = self.sign_in_failure, None
        failure = None if category is None else IntacctError(category, level=Level.AUTHENTICATION)
        return SignIn(credentials, answer.sign_in, failure, session, round_trips=1, attempts=1)

    def call(
        self,
        signed_in: SignIn,
        functions: Sequence[WorkerFunction],
        *,
        deadline: Deadline,
        transaction: bool,
    ) -> CallAnswer:
        session = signed_in.session
        assert isinstance(session, ScriptedSession) and signed_in.outcome is SignInOutcome.ACCEPTED
        self.calls.append((session.number, [function.control_id for function in functions]))
        if self.session_time_outs:
            self.session_time_outs -= 1
            _leave_running(deadline)
            timed_out = IntacctError(Category.SERVICE_UNAVAILABLE, level=Level.TRANSPORT, detail="timed out")
            timed_out.stopped_waiting = True
            return CallAnswer((), timed_out, None)
        if session.number in self.forgotten_sessions:
            return CallAnswer((), IntacctError(Category.SESSION_INVALID, level=Level.AUTHENTICATION), None)
        if self.call_failures:
            return CallAnswer((), IntacctError(self.call_failures.pop(0), level=Level.CONTROL), None)
        results = tuple(
            FunctionAnswer(f.control_id, f.name, "failure", None, (), Category.PERMISSION_DENIED)
            if f.control_id in self.denied
            else FunctionAnswer(f.control_id, f.name, "success", "<data/>")
            for f in functions
        )
        return CallAnswer(results, None, None)

    def run_operations(
        self, signed_in: SignIn, operations: Sequence[RestOperation], *, deadline: Deadline
    ) -> OperationsAnswer:
        session = signed_in.session
        assert isinstance(session, ScriptedSession) and signed_in.outcome is SignInOutcome.ACCEPTED
        assert isinstance(signed_in.credentials, ClientCredentials), "REST operations need a token"
        self.operations.append((session.number, [(o.method, o.path, o.idempotency_key) for o in operations]))
        if session.number in self.forgotten_sessions:
            refused = IntacctError(Category.SESSION_INVALID, level=Level.AUTHENTICATION)
            return OperationsAnswer((), refused, None)
        if self.call_failures:
            return OperationsAnswer((), IntacctError(self.call_failures.pop(0), level=Level.HTTP), None)
        results = tuple(
            OperationAnswer(o.operation_id, "failure", 403, None, None, (), Category.PERMISSION_DENIED)
            if o.operation_id in self.denied
            else OperationAnswer(o.operation_id, "success", 201 if o.writes else 200, {"key": "1"})
            for o in operations
        )
        return OperationsAnswer(results, None, None)

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        if signed_in.lost is not None:
            raise signed_in.lost
        assert isinstance(signed_in.session, ScriptedSession)
        answer = signed_in.session.answer
        if answer.sign_in is SignInOutcome.ACCEPTED and self.session_time_outs:
            self.session_time_outs -= 1  # the verification's own round trip: the sign-in was answered
            _leave_running(deadline)
            timed_out = not_run(Reason.INTACCT_UNAVAILABLE, signed_in.credentials, "ExpenseInMPP")
            return replace(timed_out, sign_in=SignInOutcome.ACCEPTED, round_trips=2)
        if answer.sign_in is SignInOutcome.ACCEPTED and self.next_verifications:
            answer = self.next_verifications.pop(0)  # checked in the open session: what it finds now
        result = not_run(
            answer.reason or Reason.INTACCT_UNAVAILABLE,
            signed_in.credentials,
            "ExpenseInMPP",
            outcome=answer.outcome,
            message=f"scripted: {answer.outcome.value} {answer.reason.value if answer.reason else ''}",
        )
        return replace(result, reason=answer.reason, sign_in=answer.sign_in, round_trips=1)

    def explain(
        self,
        credentials: ConnectionCredentials,
        *,
        outcome: Outcome,
        reason: Reason,
        message: str,
        blocked: str,
    ) -> VerificationResult:
        return not_run(reason, credentials, "ExpenseInMPP", outcome=outcome, message=message, blocked=blocked)


def _presented(credentials: ConnectionCredentials) -> str:
    if isinstance(credentials, LoginCredentials):
        return credentials.password.reveal()
    return f"token:{credentials.user_id}"


def _leave_running(deadline: Deadline) -> None:
    """What the client does with a request Intacct may still be running: its place stays taken."""
    assert deadline.place is not None, "a request sent from no place in the company's limit"
    assert not deadline.place.occupied, "a request sent from a place still taken by one left running"
    deadline.place.left_running()
