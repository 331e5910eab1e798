"""The guard's rules as pure functions over one identity's state. No AWS, no clock: `now` is passed in.

The state counts *strikes*: sign-ins that Intacct refused, or whose answer never came back readable (so it
may have refused them), since the identity's last successful sign-in. A strike is counted when the sign-in
is admitted, before it is sent, so a crash between sending and recording can only over-count; an attempt
that provably never reached Intacct gives its strike back.

The *limit* is the budget plus the attempts admins' confirmations bought; while a password is known to
work (the last success, not refused since), the last attempt is kept for it, so strikes never exceed the
limit and nobody can spend the known-good password's last attempt for its owner. Only a *proven* caller
may spend that attempt: one whose connection Intacct accepted this very secret on (its health check,
export, admin's verify, or its admin retyping it after a typo). To anyone else every password, the right
one included, stops one short: whatever the guard answers without a round trip is the same for the right
password and a wrong one, so it can never tell a guessing tenant which of its guesses is right.

Whether to admit a sign-in with password fingerprint F (automatic: a health check or an export; admin: an
edit or verify, which may carry a confirmation):
1. another sign-in of this identity is in flight                -> BUSY (one at a time per identity)
2. F was refused since the last success                         -> REFUSED_PASSWORD, or for an admin with
                                                                   no attempt left BUDGET_SPENT (so nobody
                                                                   can test guesses against it for free);
                                                                   a confirmation tries it once more
3. automatic, F's last sign-in went unanswered, and F is not
   a proven caller's known-good password with an attempt left   -> UNCONFIRMED_PASSWORD
4. an attempt is left for F                                     -> admitted
5. the admin confirms, and no confirmation in the last 24 hours -> admitted (one more attempt)
6. otherwise                                                    -> BUDGET_SPENT
Time alone never re-arms the budget: Intacct may never forget failures. Only a successful sign-in does.

A sign-in that risks no lockout (a REST token request with our client application: no password is
presented) takes the same path without the budget: one at a time per identity (rule 1), and a
configuration Intacct refused is not sent again automatically (rule 2); it takes no strike, and its success
re-arms nothing (it says nothing about the user's password, so it must never reset the password's count).
Its first success makes the caller's connection the user's *token holder*: nobody needs the customer's
password to ask for a token, so one connection of ours holds a user's client credentials at a time, and
another connection's request is HELD_ELSEWHERE until the holder has let go (disconnected). A second tenant
naming a user someone already connected cannot act as it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ..intacct import SignInOutcome


class Verdict(StrEnum):
    ADMITTED = "admitted"
    BUSY = "sign_in_in_progress"
    REFUSED_PASSWORD = "refused_password"  # noqa: S105 - a verdict name, not a password
    UNCONFIRMED_PASSWORD = "unconfirmed_password"  # noqa: S105 - a verdict name
    BUDGET_SPENT = "budget_spent"
    HELD_ELSEWHERE = "held_by_another_connection"  # the user's client credentials belong to another one


@dataclass(frozen=True)
class GuardPolicy:
    budget: int = 2  # refused or unanswered sign-ins in a row per identity (SignInRefusalBudget)
    confirmation_every: timedelta = timedelta(hours=24)
    remembered_passwords: int = 16  # fingerprints kept per list; each one cost a strike to learn

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise ValueError("the sign-in refusal budget must be at least 1")


@dataclass(frozen=True)
class Pending:
    """A sign-in admitted and not settled yet. Past `until` it counts as unanswered."""

    ticket: str
    fingerprint: str
    started_at: datetime
    until: datetime


@dataclass(frozen=True)
class GuardState:
    strikes: int = 0
    # fingerprint -> when Intacct refused it / when its sign-in went unanswered (since the last success)
    refused: dict[str, datetime] = field(default_factory=dict)
    unanswered: dict[str, datetime] = field(default_factory=dict)
    known_good: str | None = None  # the fingerprint of the last successful sign-in
    last_success_at: datetime | None = None
    extra_attempts: int = 0  # bought by admins' confirmations since the last success
    last_confirmation_at: datetime | None = None
    pending: Pending | None = None
    # The connection (an opaque key) whose token request for this user last succeeded: the only one that
    # may ask for the user's tokens while it holds them.
    token_holder: str | None = None
    updated_at: datetime | None = None
    version: int = 0

    def allowance(self, policy: GuardPolicy) -> int:
        return policy.budget + self.extra_attempts

    def limit_for(self, fingerprint: str, policy: GuardPolicy, *, proven: bool) -> int:
        """Strikes after which `fingerprint` is no longer sent: while a password is known to work, one short
        of the allowance for everyone but a proven caller presenting that password (its owner)."""
        reserved = 1 if self.known_good is not None and not self.holds_known_good(fingerprint, proven) else 0
        return self.allowance(policy) - reserved

    def holds_known_good(self, fingerprint: str, proven: bool) -> bool:
        """Whether the caller is the known-good password's owner: it presents that password and Intacct
        accepted it on the caller's connection before (a caller that merely typed it proves nothing)."""
        return proven and fingerprint == self.known_good

    def attempts_left(self, policy: GuardPolicy) -> int:
        """Refused or unanswered sign-ins that may still happen before the guard stops sending any."""
        return max(0, self.allowance(policy) - self.strikes)

    def spent(self, policy: GuardPolicy) -> bool:
        return self.strikes >= self.allowance(policy)

    def confirmation_available_at(self, policy: GuardPolicy, now: datetime) -> datetime:
        if self.last_confirmation_at is None:
            return now
        return max(now, self.last_confirmation_at + policy.confirmation_every)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    state: GuardState  # the state to store (unchanged unless admitted or a stale pending sign-in expired)
    since: datetime | None = None  # refused or unanswered at; for BUSY, until when
    confirmed: bool = False  # an admin's confirmation bought this attempt

    @property
    def admitted(self) -> bool:
        return self.verdict is Verdict.ADMITTED


def expire_pending(state: GuardState, now: datetime) -> GuardState:
    """A pending sign-in whose time ran out was never settled (a crash, a timeout): it stays a strike and
    its password counts as unanswered."""
    pending = state.pending
    if pending is None or pending.until > now:
        return state
    unanswered = _remember(state.unanswered, pending.fingerprint, pending.started_at)
    return replace(state, pending=None, unanswered=unanswered, updated_at=now)


def decide(
    state: GuardState,
    fingerprint: str,
    *,
    now: datetime,
    policy: GuardPolicy,
    automatic: bool,
    confirm: bool,
    proven: bool,
    ticket: str,
    pending_until: datetime,
    risks_lockout: bool = True,
    holder: str | None = None,
    holder_let_go: bool = False,
) -> Decision:
    """Whether a sign-in with `fingerprint` may be sent now; the admitted state holds it as pending (until
    `pending_until`, under `ticket`) with its strike (none when it `risks_lockout` not; then `holder` is the
    asking connection, and `holder_let_go` whether the recorded token holder, another, let go of the user).

    `proven`: Intacct accepted this very secret on the caller's connection before. For a caller that is
    not proven the decision never depends on which password is the known-good one
    (tests/unit/sign_in_guard/test_rules.py checks it over random histories)."""
    state = expire_pending(state, now)
    if state.pending is not None:
        return Decision(Verdict.BUSY, state, since=state.pending.until)
    if not risks_lockout:
        held = state.token_holder is not None and state.token_holder != holder
        if held and not holder_let_go:
            return Decision(Verdict.HELD_ELSEWHERE, state)
        refused_at = state.refused.get(fingerprint)
        if automatic and refused_at is not None:
            return Decision(Verdict.REFUSED_PASSWORD, state, since=refused_at)
        pending = Pending(ticket, fingerprint, now, pending_until)
        return Decision(Verdict.ADMITTED, replace(state, pending=pending, updated_at=now))

    confirmation_open = confirm and state.confirmation_available_at(policy, now) <= now
    room = state.strikes < state.limit_for(fingerprint, policy, proven=proven)
    refused_at = state.refused.get(fingerprint)
    if refused_at is not None:
        if confirmation_open:
            return _admit(state, fingerprint, now, ticket, pending_until, bought=not room)
        if room or automatic:
            return Decision(Verdict.REFUSED_PASSWORD, state, since=refused_at)
        return Decision(Verdict.BUDGET_SPENT, state)

    unanswered_at = state.unanswered.get(fingerprint)
    owner_may_retry = state.holds_known_good(fingerprint, proven) and room
    if automatic and unanswered_at is not None and not owner_may_retry:
        return Decision(Verdict.UNCONFIRMED_PASSWORD, state, since=unanswered_at)

    if room:
        return _admit(state, fingerprint, now, ticket, pending_until, bought=False)
    if confirmation_open:
        return _admit(state, fingerprint, now, ticket, pending_until, bought=True)
    return Decision(Verdict.BUDGET_SPENT, state)


def _admit(
    state: GuardState,
    fingerprint: str,
    now: datetime,
    ticket: str,
    pending_until: datetime,
    *,
    bought: bool,
) -> Decision:
    """Admits a sign-in; `bought` when an admin's confirmation pays for it (exactly one more attempt)."""
    admitted = replace(
        state,
        strikes=state.strikes + 1,
        extra_attempts=state.extra_attempts + (1 if bought else 0),
        last_confirmation_at=now if bought else state.last_confirmation_at,
        pending=Pending(ticket, fingerprint, now, pending_until),
        updated_at=now,
    )
    return Decision(Verdict.ADMITTED, admitted, confirmed=bought)


def settle(
    state: GuardState,
    *,
    ticket: str,
    fingerprint: str,
    outcome: SignInOutcome,
    now: datetime,
    policy: GuardPolicy,
    risks_lockout: bool = True,
    holder: str | None = None,
) -> GuardState:
    """Records what became of an admitted sign-in (one that `risks_lockout` not took no strike: its outcome
    only says whether the configuration it presented may be sent automatically again).

    If it was pending too long already (and was counted as unanswered), a success or a refusal is still
    information worth keeping; "not sent" can no longer give the strike back, the cautious side.
    """
    ours = state.pending is not None and state.pending.ticket == ticket
    if not ours and outcome not in (SignInOutcome.ACCEPTED, SignInOutcome.REFUSED):
        return state
    pending = None if ours else state.pending
    if not risks_lockout:
        refused = {fp: at for fp, at in state.refused.items() if fp != fingerprint}
        if outcome is SignInOutcome.REFUSED:
            refused = _remember(refused, fingerprint, now, policy.remembered_passwords)
        # A late answer never takes the user from a holder recorded meanwhile.
        takes = outcome is SignInOutcome.ACCEPTED and holder and state.token_holder in (None, holder)
        token_holder = holder if takes else state.token_holder
        return replace(state, refused=refused, pending=pending, token_holder=token_holder, updated_at=now)
    if outcome is SignInOutcome.ACCEPTED:
        return replace(
            state,
            strikes=0,
            refused={},
            unanswered={},
            known_good=fingerprint,
            last_success_at=now,
            extra_attempts=0,
            pending=pending,
            updated_at=now,
        )
    if outcome is SignInOutcome.REFUSED:
        unanswered = {fp: at for fp, at in state.unanswered.items() if fp != fingerprint}
        return replace(
            state,
            refused=_remember(state.refused, fingerprint, now, policy.remembered_passwords),
            unanswered=unanswered,
            known_good=None if state.known_good == fingerprint else state.known_good,
            pending=pending,
            updated_at=now,
        )
    if outcome is SignInOutcome.UNANSWERED:
        return replace(
            state,
            unanswered=_remember(state.unanswered, fingerprint, now, policy.remembered_passwords),
            pending=pending,
            updated_at=now,
        )
    # Not sent, or answered without judging the password: the strike taken at admission goes back.
    return replace(state, strikes=max(0, state.strikes - 1), pending=pending, updated_at=now)


def _remember(
    known: dict[str, datetime], fingerprint: str, at: datetime, limit: int = 16
) -> dict[str, datetime]:
    """Adds a fingerprint, keeping the `limit` newest (every entry cost a strike, so the list stays short)."""
    updated = {fp: when for fp, when in known.items() if fp != fingerprint}
    updated[fingerprint] = at
    newest = sorted(updated.items(), key=lambda item: item[1])[-limit:]
    return dict(newest)
