"""The sign-in guard's rules, pure: no store, no clock, no AWS."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.intacct import SignInOutcome
from connection_service.sign_in_guard import GuardPolicy, GuardState, Verdict
from connection_service.sign_in_guard.rules import Decision, decide, expire_pending, settle

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BUDGET = 2
POLICY = GuardPolicy(budget=BUDGET)
RIGHT, WRONG_1, WRONG_2, WRONG_3 = "fp-right", "fp-wrong-1", "fp-wrong-2", "fp-wrong-3"


def ask(
    state: GuardState,
    fingerprint: str,
    *,
    at: datetime = NOW,
    automatic: bool = False,
    confirm: bool = False,
    proven: bool = False,
    lease: timedelta = timedelta(seconds=30),
) -> Decision:
    return decide(
        state,
        fingerprint,
        now=at,
        policy=POLICY,
        automatic=automatic,
        confirm=confirm,
        proven=proven,
        ticket=f"lease-{fingerprint}-{at.timestamp()}",
        pending_until=at + lease,
    )


def attempt(
    state: GuardState, fingerprint: str, outcome: SignInOutcome, *, at: datetime = NOW, **options: bool
) -> GuardState:
    """Admits a sign-in (it must be admitted) and settles it with `outcome`."""
    decision = ask(state, fingerprint, at=at, **options)
    assert decision.admitted, decision.verdict
    assert decision.state.pending is not None
    return settle(
        decision.state,
        ticket=decision.state.pending.ticket,
        fingerprint=fingerprint,
        outcome=outcome,
        now=at,
        policy=POLICY,
    )


def _settle_pending(state: GuardState, outcome: SignInOutcome, at: datetime) -> GuardState:
    assert state.pending is not None
    return settle(
        state,
        ticket=state.pending.ticket,
        fingerprint=state.pending.fingerprint,
        outcome=outcome,
        now=at,
        policy=POLICY,
    )


def connected() -> GuardState:
    return attempt(GuardState(), RIGHT, SignInOutcome.ACCEPTED)


def test_a_new_identity_is_admitted_with_its_strike_counted_before_sending() -> None:
    decision = ask(GuardState(), WRONG_1)
    assert decision.admitted and decision.state.strikes == 1
    assert decision.state.pending is not None and decision.state.pending.fingerprint == WRONG_1


def test_a_refused_password_is_never_sent_again_and_says_when_it_was_refused() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    later = NOW + timedelta(days=3)
    for automatic in (False, True):
        decision = ask(state, WRONG_1, at=later, automatic=automatic)
        assert (decision.verdict, decision.since) == (Verdict.REFUSED_PASSWORD, NOW)


def test_the_budget_stops_new_passwords_and_time_alone_never_re_arms_it() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    assert state.attempts_left(POLICY) == 1
    state = attempt(state, WRONG_2, SignInOutcome.REFUSED)
    assert state.attempts_left(POLICY) == 0
    for later in (NOW, NOW + timedelta(days=1), NOW + timedelta(days=365)):
        assert ask(state, RIGHT, at=later).verdict is Verdict.BUDGET_SPENT


def test_a_successful_sign_in_re_arms_the_budget_and_forgets_the_refusals() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    state = attempt(state, RIGHT, SignInOutcome.ACCEPTED)
    assert (state.strikes, state.refused, state.known_good) == (0, {}, RIGHT)
    assert ask(state, WRONG_1).admitted  # forgotten: the password may have been changed to it since


def test_the_last_attempt_is_kept_for_the_known_good_password_s_proven_owner() -> None:
    state = attempt(connected(), WRONG_1, SignInOutcome.REFUSED)
    assert ask(state, WRONG_2).verdict is Verdict.BUDGET_SPENT  # others stop one short of the budget
    for automatic in (False, True):
        assert ask(state, RIGHT, automatic=automatic, proven=True).admitted
    healed = attempt(state, RIGHT, SignInOutcome.ACCEPTED, automatic=True, proven=True)
    assert healed.strikes == 0 and ask(healed, WRONG_3).admitted


def test_without_proof_the_right_password_gets_the_answer_a_wrong_one_gets() -> None:
    """Another tenant that types the right password learns nothing a wrong one would not tell it: the
    attempt kept for the known-good password is only for a caller whose stored credentials Intacct accepted.
    """
    state = attempt(connected(), WRONG_1, SignInOutcome.REFUSED)
    for automatic in (False, True):
        right = ask(state, RIGHT, automatic=automatic)
        wrong = ask(state, WRONG_2, automatic=automatic)
        assert (right.verdict, right.since, right.state) == (wrong.verdict, wrong.since, wrong.state)
        assert right.verdict is Verdict.BUDGET_SPENT
    # A proven caller holding another password gets no kept attempt either.
    assert ask(state, WRONG_2, proven=True).verdict is Verdict.BUDGET_SPENT


def test_a_known_good_password_that_went_unanswered_keeps_its_last_attempt() -> None:
    """Intacct was slow once on the owner's check; a hostile tenant cannot take the last attempt away."""
    state = attempt(connected(), RIGHT, SignInOutcome.UNANSWERED, automatic=True, proven=True)
    assert ask(state, WRONG_1).verdict is Verdict.BUDGET_SPENT
    assert ask(state, RIGHT).verdict is Verdict.BUDGET_SPENT  # typed by anyone: proves nothing
    assert ask(state, RIGHT, automatic=True, proven=True).admitted
    # Only its proven owner resends an unanswered password automatically.
    assert ask(state, RIGHT, automatic=True).verdict is Verdict.UNCONFIRMED_PASSWORD


def test_for_an_unproven_caller_no_decision_depends_on_which_password_is_the_known_good_one() -> None:
    """Over random histories: what the guard answers a caller that is not proven is the same whichever
    password works, so no answer without a round trip tells a guess from the right password."""
    rng = random.Random(11)
    passwords = [RIGHT, WRONG_1, WRONG_2, WRONG_3]
    outcomes = list(SignInOutcome)
    compared = 0
    for _ in range(200):
        state = GuardState()
        at = NOW
        for _ in range(20):
            at += timedelta(seconds=rng.choice([1, 40, 3600]))
            options = {"automatic": rng.random() < 0.5, "confirm": rng.random() < 0.2}
            if state.known_good is not None:
                for fingerprint in passwords:
                    for automatic in (False, True):
                        answers = [
                            ask(replace(state, known_good=good), fingerprint, at=at, automatic=automatic)
                            for good in passwords
                        ]
                        assert len({(d.verdict, d.since, d.confirmed) for d in answers}) == 1
                        compared += 1
            decision = ask(state, rng.choice(passwords), at=at, proven=rng.random() < 0.5, **options)
            state = decision.state
            if decision.admitted and rng.random() < 0.9:
                state = _settle_pending(state, rng.choice(outcomes), at)
    assert compared > 1000


def test_without_confirmations_strikes_never_exceed_the_budget_whatever_happens() -> None:
    rng = random.Random(7)
    passwords = [RIGHT, WRONG_1, WRONG_2, WRONG_3, "fp-other"]
    outcomes = list(SignInOutcome)
    for _ in range(300):
        state = GuardState()
        at = NOW
        for _ in range(30):
            at += timedelta(seconds=rng.choice([1, 40, 3600]))  # pending sign-ins sometimes run out unsettled
            decision = ask(state, rng.choice(passwords), at=at, automatic=rng.random() < 0.5)
            state = decision.state
            if decision.admitted and rng.random() < 0.9:
                state = _settle_pending(state, rng.choice(outcomes), at)
            assert expire_pending(state, at + timedelta(days=1)).strikes <= POLICY.budget


def test_a_refused_password_with_no_attempt_left_answers_like_any_other_for_an_admin() -> None:
    """Otherwise anyone could test guesses against the refused ones for free once the budget is spent."""
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    state = attempt(state, WRONG_2, SignInOutcome.REFUSED)
    assert ask(state, WRONG_1).verdict is Verdict.BUDGET_SPENT
    assert ask(state, WRONG_1, automatic=True).verdict is Verdict.REFUSED_PASSWORD  # a stored password


def test_each_day_a_confirmation_adds_one_attempt_until_a_success() -> None:
    """The documented limit: nobody can check an admin's word, so a hostile tenant can claim it too."""
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    state = attempt(state, WRONG_2, SignInOutcome.REFUSED)
    for day in range(1, 4):
        at = NOW + timedelta(days=day)
        state = attempt(state, f"fp-day-{day}", SignInOutcome.REFUSED, at=at, confirm=True)
        assert (state.strikes, state.extra_attempts) == (BUDGET + day, day)
    state = attempt(state, RIGHT, SignInOutcome.ACCEPTED, at=NOW + timedelta(days=4), confirm=True)
    assert (state.strikes, state.extra_attempts) == (0, 0)


def test_a_known_good_password_that_is_refused_joins_the_refused_ones() -> None:
    state = attempt(connected(), RIGHT, SignInOutcome.REFUSED)  # changed in Intacct meanwhile
    assert state.known_good is None and RIGHT in state.refused
    assert ask(state, RIGHT, automatic=True).verdict is Verdict.REFUSED_PASSWORD


def test_an_unanswered_sign_in_counts_and_is_not_resent_automatically() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.UNANSWERED)
    assert state.strikes == 1 and WRONG_1 in state.unanswered
    decision = ask(state, WRONG_1, automatic=True)
    assert (decision.verdict, decision.since) == (Verdict.UNCONFIRMED_PASSWORD, NOW)
    assert ask(state, WRONG_1).admitted  # an admin may try it once more, within the budget


def test_an_unanswered_known_good_password_is_retried_automatically_only_within_the_budget() -> None:
    state = attempt(connected(), RIGHT, SignInOutcome.UNANSWERED, automatic=True, proven=True)
    state = attempt(state, RIGHT, SignInOutcome.UNANSWERED, automatic=True, proven=True)
    assert state.spent(POLICY)
    assert ask(state, RIGHT, automatic=True).verdict is Verdict.UNCONFIRMED_PASSWORD
    assert ask(state, RIGHT).verdict is Verdict.BUDGET_SPENT  # no bypass for a password gone silent


@pytest.mark.parametrize("outcome", [SignInOutcome.NOT_SENT, SignInOutcome.NOT_JUDGED])
def test_a_sign_in_intacct_did_not_judge_gives_its_strike_back(outcome: SignInOutcome) -> None:
    state = attempt(GuardState(), WRONG_1, outcome)
    assert (state.strikes, state.refused, state.unanswered, state.pending) == (0, {}, {}, None)


def test_one_sign_in_at_a_time_per_identity() -> None:
    admitted = ask(GuardState(), WRONG_1).state
    busy = ask(admitted, RIGHT, at=NOW + timedelta(seconds=1))
    assert busy.verdict is Verdict.BUSY and busy.since == NOW + timedelta(seconds=30)


def test_a_sign_in_never_settled_counts_as_unanswered_once_its_lease_ends() -> None:
    admitted = ask(GuardState(), WRONG_1).state  # the Lambda died after sending
    later = NOW + timedelta(seconds=31)
    expired = expire_pending(admitted, later)
    assert (expired.strikes, expired.pending, expired.unanswered) == (1, None, {WRONG_1: NOW})
    assert ask(admitted, WRONG_1, at=later, automatic=True).verdict is Verdict.UNCONFIRMED_PASSWORD


def test_a_late_settle_still_records_a_success_or_a_refusal_but_refunds_nothing() -> None:
    decision = ask(GuardState(), RIGHT)
    assert decision.state.pending is not None
    lease = decision.state.pending.ticket
    expired = expire_pending(decision.state, NOW + timedelta(minutes=5))
    late = {"ticket": lease, "fingerprint": RIGHT, "now": NOW + timedelta(minutes=5), "policy": POLICY}
    assert settle(expired, outcome=SignInOutcome.NOT_SENT, **late) == expired  # type: ignore[arg-type]
    accepted = settle(expired, outcome=SignInOutcome.ACCEPTED, **late)  # type: ignore[arg-type]
    assert (accepted.strikes, accepted.known_good) == (0, RIGHT)


def test_a_confirmation_buys_exactly_one_more_attempt_once_a_day() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    state = attempt(state, WRONG_2, SignInOutcome.REFUSED)
    confirmed = ask(state, RIGHT, confirm=True)
    assert confirmed.admitted and confirmed.confirmed
    assert confirmed.state.last_confirmation_at == NOW and confirmed.state.extra_attempts == 1
    state = attempt(state, WRONG_3, SignInOutcome.REFUSED, confirm=True)  # the admin mistyped again
    in_an_hour = NOW + timedelta(hours=1)
    assert ask(state, RIGHT, at=in_an_hour, confirm=True).verdict is Verdict.BUDGET_SPENT
    assert state.confirmation_available_at(POLICY, in_an_hour) == NOW + timedelta(hours=24)
    tomorrow = NOW + timedelta(hours=24)
    assert ask(state, RIGHT, at=tomorrow, confirm=True).admitted


def test_a_confirmation_is_not_spent_while_the_budget_lasts() -> None:
    decision = ask(GuardState(), RIGHT, confirm=True)
    assert decision.admitted and not decision.confirmed and decision.state.last_confirmation_at is None


def test_a_confirmation_lets_a_refused_password_be_tried_once_more() -> None:
    """A user locked by someone else answers even the right password with a refusal; once an Intacct admin
    unlocks it, the admin saves the same password again, confirming."""
    state = attempt(GuardState(), RIGHT, SignInOutcome.REFUSED)
    assert ask(state, RIGHT).verdict is Verdict.REFUSED_PASSWORD
    assert ask(state, RIGHT, confirm=True).admitted


def test_the_remembered_passwords_are_bounded() -> None:
    state = GuardState()
    policy = GuardPolicy(budget=2, remembered_passwords=3)
    for n in range(6):
        state = settle(
            state,
            ticket="none",
            fingerprint=f"fp-{n}",
            outcome=SignInOutcome.REFUSED,
            now=NOW + timedelta(seconds=n),
            policy=policy,
        )
    assert list(state.refused) == ["fp-3", "fp-4", "fp-5"]


def test_a_budget_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GuardPolicy(budget=0)


# --- Token requests (client credentials): no lockout at stake, so no budget; one at a time, and a refused
# configuration is kept from automatic callers. -------------------------------------------------------------

TOKEN = "fp-token-config"


def ask_token(
    state: GuardState,
    *,
    holder: str | None = None,
    automatic: bool = False,
    let_go: bool = False,
    at: datetime = NOW,
) -> Decision:
    return decide(
        state,
        TOKEN,
        now=at,
        policy=POLICY,
        automatic=automatic,
        confirm=False,
        proven=False,
        ticket=f"token-{holder}-{at.timestamp()}",
        pending_until=at + timedelta(seconds=60),
        risks_lockout=False,
        holder=holder,
        holder_let_go=let_go,
    )


def settle_token(
    state: GuardState, outcome: SignInOutcome, *, holder: str | None = None, at: datetime = NOW
) -> GuardState:
    """Settles the token request `holder` asked for at `at` (its ticket), pending or not any more."""
    return settle(
        state,
        ticket=f"token-{holder}-{at.timestamp()}",
        fingerprint=TOKEN,
        outcome=outcome,
        now=at,
        policy=POLICY,
        risks_lockout=False,
        holder=holder,
    )


def token_request(
    state: GuardState, outcome: SignInOutcome, *, automatic: bool = False, at: datetime = NOW
) -> GuardState:
    decision = ask_token(state, automatic=automatic, at=at)
    assert decision.admitted, decision.verdict
    assert decision.state.pending is not None and decision.state.strikes == state.strikes
    return settle_token(decision.state, outcome, at=at)


def test_token_requests_neither_spend_nor_re_arm_the_password_budget() -> None:
    state = attempt(GuardState(), WRONG_1, SignInOutcome.REFUSED)
    for _ in range(5):
        state = token_request(state, SignInOutcome.REFUSED)
    assert state.attempts_left(POLICY) == 1
    state = token_request(state, SignInOutcome.ACCEPTED)
    assert state.attempts_left(POLICY) == 1 and state.known_good is None and WRONG_1 in state.refused


def test_a_refused_token_configuration_is_kept_from_automatic_callers_until_one_succeeds() -> None:
    state = token_request(GuardState(), SignInOutcome.REFUSED)
    assert ask_token(state, automatic=True).verdict is Verdict.REFUSED_PASSWORD
    state = token_request(state, SignInOutcome.ACCEPTED)  # an admin's verify, once fixed in Intacct
    assert TOKEN not in state.refused
    token_request(state, SignInOutcome.ACCEPTED, automatic=True)


def test_a_token_request_waits_for_a_password_sign_in_of_the_same_user() -> None:
    pending = ask(GuardState(), RIGHT).state
    assert ask_token(pending).verdict is Verdict.BUSY


def test_only_the_token_holder_may_ask_until_it_lets_go() -> None:
    held = settle_token(ask_token(GuardState(), holder="a/1").state, SignInOutcome.ACCEPTED, holder="a/1")
    assert held.token_holder == "a/1"
    assert ask_token(held, holder="b/2").verdict is Verdict.HELD_ELSEWHERE
    assert ask_token(held, holder="a/1").admitted
    assert ask_token(held, holder="b/2", let_go=True).admitted


def test_a_late_answer_never_takes_the_user_from_a_holder_recorded_meanwhile() -> None:
    stalled = ask_token(GuardState(), holder="globex/b").state  # its answer is late: its pending runs out
    later = NOW + timedelta(seconds=61)
    taken = ask_token(stalled, holder="acme/a", at=later)
    assert taken.admitted
    held = settle_token(taken.state, SignInOutcome.ACCEPTED, holder="acme/a", at=later)
    late = settle_token(held, SignInOutcome.ACCEPTED, holder="globex/b")  # the stalled one's answer
    assert late.token_holder == "acme/a"
