"""SignInGuard over in-memory fakes: concurrency, conflicts, waiting, events, and failure of its store."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from connection_service.intacct import Secret, SignInOutcome
from connection_service.sign_in_guard import (
    Blocked,
    GuardConflict,
    GuardEvent,
    GuardPolicy,
    GuardState,
    Identity,
    Permit,
    SignInGuard,
    Verdict,
)
from tests.support.clock import FakeClock
from tests.support.fakes import HmacFingerprinter, InMemoryGuardStore


def guard_with(
    store: InMemoryGuardStore, events: list[GuardEvent] | None = None, clock: FakeClock | None = None
) -> SignInGuard:
    clock = clock or FakeClock()
    return SignInGuard(
        store,
        HmacFingerprinter(),
        policy=GuardPolicy(budget=2),
        clock=clock,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        on_event=events.append if events is not None else None,
    )


def admit(guard: SignInGuard, password: str, **options: object) -> Permit | Blocked:
    options.setdefault("accepted_fingerprints", ())
    return guard.admit("DEMO-CO", "ws_expenses", Secret(password), pending_seconds=30, **options)  # type: ignore[arg-type]


def test_company_and_user_are_one_identity_whatever_their_case_and_spaces() -> None:
    store = InMemoryGuardStore()
    guard = guard_with(store)
    permit = guard.admit(
        " demo-co ",
        "WS_Expenses ",
        Secret("wrong"),
        automatic=False,
        accepted_fingerprints=(),
        pending_seconds=30,
    )
    assert isinstance(permit, Permit)
    permit.settle(SignInOutcome.REFUSED)
    assert set(store.states) == {Identity("demo-co", "ws_expenses")}
    again = admit(guard, "wrong", automatic=False)
    assert isinstance(again, Blocked) and again.verdict is Verdict.REFUSED_PASSWORD
    assert guard.attempts_left("DEMO-CO", "ws_expenses") == 1


def test_another_user_id_has_a_budget_of_its_own() -> None:
    guard = guard_with(InMemoryGuardStore())
    for password in ("w1", "w2"):
        permit = admit(guard, password, automatic=False)
        assert isinstance(permit, Permit)
        permit.settle(SignInOutcome.REFUSED)
    assert guard.attempts_left("DEMO-CO", "ws_expenses") == 0
    assert guard.attempts_left("DEMO-CO", "ws_limited") == 2


def test_twenty_concurrent_wrong_passwords_never_exceed_the_budget() -> None:
    store, clock = InMemoryGuardStore(), FakeClock()
    guard = guard_with(store, clock=clock)
    sent: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> str:
        # Twenty waiters spend one clock: a wait long on it still lets the first settle before they give up.
        admission = admit(guard, f"wrong-{n}", automatic=n % 2 == 0, wait_seconds=20.0)
        if isinstance(admission, Blocked):
            return admission.verdict.value
        with lock:
            sent.append(f"wrong-{n}")
        clock.sleep(0.01)  # Intacct thinking
        admission.settle(SignInOutcome.REFUSED)
        return "sent"

    with ThreadPoolExecutor(max_workers=20) as pool:
        verdicts = list(pool.map(one, range(20)))
    assert len(sent) == 2 and verdicts.count("sent") == 2
    assert set(verdicts) - {"sent"} <= {Verdict.BUDGET_SPENT.value, Verdict.BUSY.value}
    assert store.states[Identity.of("DEMO-CO", "ws_expenses")].strikes == 2


def test_conflicting_writes_are_decided_again_and_endless_ones_answer_busy() -> None:
    store = InMemoryGuardStore()
    guard = guard_with(store)
    store.conflicts = 3
    assert isinstance(admit(guard, "pw", automatic=False), Permit)
    store.conflicts = 1000
    blocked = admit(guard, "other", automatic=False)
    assert isinstance(blocked, Blocked) and blocked.verdict is Verdict.BUSY


def test_a_request_waits_for_a_running_sign_in_of_the_same_user() -> None:
    clock = FakeClock()
    guard = guard_with(InMemoryGuardStore(), clock=clock)
    first = admit(guard, "right", automatic=False)
    assert isinstance(first, Permit)
    clock.after(0.2, lambda: first.settle(SignInOutcome.ACCEPTED))
    second = admit(guard, "right", automatic=True, wait_seconds=3.0)
    assert isinstance(second, Permit)
    impatient = admit(guard, "right", automatic=True)  # the health check does not wait
    assert isinstance(impatient, Blocked) and impatient.verdict is Verdict.BUSY


def test_events_name_refusals_unanswered_sign_ins_blocks_and_a_budget_spent_once() -> None:
    events: list[GuardEvent] = []
    guard = guard_with(InMemoryGuardStore(), events)
    for password, outcome in (("w1", SignInOutcome.REFUSED), ("w2", SignInOutcome.UNANSWERED)):
        permit = admit(guard, password, automatic=False)
        assert isinstance(permit, Permit)
        permit.settle(outcome)
    admit(guard, "w3", automatic=False)
    admit(guard, "w1", automatic=True)
    assert [(e.kind, e.verdict) for e in events] == [
        ("refused", None),
        ("unanswered", None),
        ("budget_spent", None),  # when an outcome leaves no attempt, not when the last one is admitted
        ("blocked", Verdict.BUDGET_SPENT),
        ("blocked", Verdict.REFUSED_PASSWORD),
    ]


def test_a_typo_then_the_right_password_is_no_budget_spent() -> None:
    events: list[GuardEvent] = []
    guard = guard_with(InMemoryGuardStore(), events)
    for password, outcome in (("typo", SignInOutcome.REFUSED), ("right", SignInOutcome.ACCEPTED)):
        permit = admit(guard, password, automatic=False)
        assert isinstance(permit, Permit)
        permit.settle(outcome)
    assert [e.kind for e in events] == ["refused"]


class LostAnswerStore(InMemoryGuardStore):
    """Writes, then fails as if DynamoDB's answer was lost and botocore's retry found its own item."""

    def __init__(self) -> None:
        super().__init__()
        self.lose_next = True

    def save(self, identity: Identity, state: GuardState, *, expected_version: int) -> GuardState:
        stored = super().save(identity, state, expected_version=expected_version)
        if self.lose_next:
            self.lose_next = False
            raise GuardConflict()
        return stored


def test_an_admission_whose_answer_was_lost_is_still_ours() -> None:
    store = LostAnswerStore()
    permit = admit(guard_with(store), "pw", automatic=False)
    assert isinstance(permit, Permit)
    permit.settle(SignInOutcome.ACCEPTED)
    assert store.states[Identity.of("DEMO-CO", "ws_expenses")].strikes == 0


class FlakyStore(InMemoryGuardStore):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def load(self, identity: Identity) -> GuardState:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("throttled")
        return super().load(identity)


def test_settling_tries_again_after_a_transient_store_error() -> None:
    store = FlakyStore(0)
    guard = guard_with(store)
    permit = admit(guard, "pw", automatic=False)
    assert isinstance(permit, Permit)
    store.failures = 2
    permit.settle(SignInOutcome.ACCEPTED)
    assert store.states[Identity.of("DEMO-CO", "ws_expenses")].strikes == 0


def test_a_settle_is_counted_once() -> None:
    store = InMemoryGuardStore()
    guard = guard_with(store)
    permit = admit(guard, "w1", automatic=False)
    assert isinstance(permit, Permit)
    permit.settle(SignInOutcome.REFUSED)
    permit.settle(SignInOutcome.NOT_SENT)  # e.g. the service's safety net after the verifier settled it
    assert guard.attempts_left("DEMO-CO", "ws_expenses") == 1


def test_a_store_that_fails_while_settling_leaves_the_attempt_counted() -> None:
    store = InMemoryGuardStore()
    guard = guard_with(store)
    permit = admit(guard, "w1", automatic=False)
    assert isinstance(permit, Permit)
    store.broken = True
    permit.settle(SignInOutcome.NOT_SENT)  # logged, never raised
    store.broken = False
    assert guard.attempts_left("DEMO-CO", "ws_expenses") == 1


def test_a_store_that_fails_before_admitting_sends_nothing() -> None:
    store = InMemoryGuardStore()
    store.broken = True
    with pytest.raises(ConnectionError):
        admit(guard_with(store), "pw", automatic=False)


def test_blocked_answers_say_when_a_confirmation_is_possible() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    clock = FakeClock(now)
    guard = SignInGuard(
        InMemoryGuardStore(), HmacFingerprinter(), clock=clock, monotonic=clock.monotonic, sleep=clock.sleep
    )
    for password in ("w1", "w2"):
        permit = admit(guard, password, automatic=False)
        assert isinstance(permit, Permit)
        permit.settle(SignInOutcome.REFUSED)
    blocked = admit(guard, "w3", automatic=False)
    assert isinstance(blocked, Blocked)
    assert (blocked.attempts_left, blocked.confirmation_available_at) == (0, now)
