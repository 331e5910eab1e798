"""The Intacct port, scripted: what a sign-in and a verification answer, without any wire."""

from __future__ import annotations

from dataclasses import dataclass, replace

from connection_service.connections.ports import (
    SignedIn,
)
from connection_service.intacct import Deadline, LoginCredentials, SignInOutcome
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


@dataclass(frozen=True)
class ScriptedSignIn:
    credentials: LoginCredentials
    answer: Answer
    lost: Exception | None = None  # an error of ours after the request left, raised by the next call

    @property
    def outcome(self) -> SignInOutcome:
        return SignInOutcome.UNANSWERED if self.lost else self.answer.sign_in


class ScriptedIntacct:
    """The Intacct port, scripted: answers by password (the right one connects, any other is refused)
    unless `next_answers` says otherwise. `fail_before_sending` raises before any sign-in leaves (our
    sender secret unreadable); `lose_answers` loses the answer after it left (a bug of ours reading it)."""

    def __init__(self, right_password: str) -> None:
        self.right_password = right_password
        self.next_answers: list[Answer] = []
        self.sign_ins: list[str] = []
        self.fail_before_sending = False
        self.lose_answers = False

    def prepare(self) -> None:
        return None

    def sign_in(self, credentials: LoginCredentials, *, deadline: Deadline) -> ScriptedSignIn:
        if self.fail_before_sending:
            raise ConnectionError("the sender secret could not be read")
        self.sign_ins.append(credentials.password.reveal())
        if self.next_answers:
            answer = self.next_answers.pop(0)
        else:
            answer = CONNECTED if credentials.password.reveal() == self.right_password else REFUSED
        lost = RuntimeError("the answer could not be read") if self.lose_answers else None
        return ScriptedSignIn(credentials, answer, lost)

    def verify(self, signed_in: SignedIn, *, deadline: Deadline) -> VerificationResult:
        assert isinstance(signed_in, ScriptedSignIn)
        if signed_in.lost is not None:
            raise signed_in.lost
        answer = signed_in.answer
        result = not_run(
            answer.reason or Reason.INTACCT_UNAVAILABLE,
            signed_in.credentials,
            "ExpenseInMPP",
            outcome=answer.outcome,
        )
        return replace(result, reason=answer.reason, sign_in=answer.sign_in, round_trips=1)

    def explain(
        self, credentials: LoginCredentials, *, outcome: Outcome, reason: Reason, message: str, blocked: str
    ) -> VerificationResult:
        return not_run(reason, credentials, "ExpenseInMPP", outcome=outcome, message=message, blocked=blocked)
