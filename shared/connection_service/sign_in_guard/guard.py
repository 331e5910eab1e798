"""The use case every sign-in goes through: admit (or block) before sending, settle after.

Each decision is a read, the pure rules, and a conditional write of the identity's state; a write that
loses to another Lambda is decided again on the fresh state, so concurrent requests can never both spend
the last attempt. A request that finds another sign-in of the same identity in flight waits for it a
little (`wait_seconds`) and is then told to come back.
"""

from __future__ import annotations

import hmac
import logging
import random
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..intacct import Secret, SignInOutcome
from . import rules
from .identity import Identity
from .ports import Fingerprinter, GuardConflict, GuardStore
from .rules import GuardPolicy, GuardState, Verdict

logger = logging.getLogger(__name__)

# Conflicting writes are decided again at once; this many in a row means heavy contention: say "busy".
MAX_CONFLICTS = 12
POLL_SECONDS = 0.15
SETTLE_ATTEMPTS = 3


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class GuardEvent:
    """For metrics and logs: `refused`, `unanswered`, `blocked` (with the verdict) or `budget_spent` (the
    identity just ran out of attempts: counted once per identity, so an alarm sees many identities)."""

    kind: str
    identity: Identity
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Blocked:
    """No sign-in was sent, and why."""

    verdict: Verdict
    identity: Identity
    since: datetime | None  # refused / unanswered at, or until when the running sign-in stays pending
    attempts_left: int
    confirmation_available_at: datetime  # when an admin's confirmation can buy one more attempt


class Permit:
    """One admitted sign-in, pending until `pending_until` (a sign-in must not be sent after it: the guard
    then counts it as unanswered and may admit the next one). `settle` records its outcome; the first call
    counts, later ones are ignored. Once settled, `attempts_left` is the identity's, as settling left it
    (None if the outcome could not be recorded). `fingerprint` is the keyed fingerprint of the secret it
    presents: a connection whose sign-in is accepted remembers it (`Connection.accepted_fingerprints`)."""

    def __init__(
        self,
        guard: SignInGuard,
        identity: Identity,
        fingerprint: str,
        ticket: str,
        pending_until: datetime,
        *,
        confirmed: bool,
        risks_lockout: bool = True,
        holder: str | None = None,
    ) -> None:
        self._guard = guard
        self.identity = identity
        self.fingerprint = fingerprint
        self._ticket = ticket
        self.pending_until = pending_until
        self.confirmed = confirmed
        self.risks_lockout = risks_lockout
        self.holder = holder
        self.outcome: SignInOutcome | None = None
        self.attempts_left: int | None = None

    def settle(self, outcome: SignInOutcome) -> None:
        if self.outcome is not None:
            return
        self.outcome = outcome
        self.attempts_left = self._guard.settle(
            self.identity,
            self.fingerprint,
            self._ticket,
            outcome,
            risks_lockout=self.risks_lockout,
            holder=self.holder,
        )

    def __repr__(self) -> str:
        return f"Permit({self.identity}, outcome={self.outcome})"


class GuardReader:
    """What the guard would say about an Intacct user, without the means to admit a sign-in: the read-only
    functions need it, and nothing it needs (the password fingerprinter's KMS client) to sign in."""

    def __init__(
        self,
        store: GuardStore,
        *,
        policy: GuardPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self.policy = policy or GuardPolicy()
        self._clock = clock

    def attempts_left(self, company_id: str, user_id: str) -> int:
        state = rules.expire_pending(self._store.load(Identity.of(company_id, user_id)), self._clock())
        return state.attempts_left(self.policy)


class SignInGuard(GuardReader):
    def __init__(
        self,
        store: GuardStore,
        fingerprinter: Fingerprinter,
        *,
        policy: GuardPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_event: Callable[[GuardEvent], None] | None = None,
    ) -> None:
        super().__init__(store, policy=policy, clock=clock)
        self._fingerprinter = fingerprinter
        # Waits are measured on `monotonic` and spent in `sleep` (a test's fake clock takes no real time).
        self._monotonic = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._on_event = on_event

    def admit(
        self,
        company_id: str,
        user_id: str,
        secret: Secret,
        *,
        automatic: bool,
        accepted_fingerprints: Collection[str],
        vouched: bool = False,
        confirm: bool = False,
        pending_seconds: float,
        wait_seconds: float = 0.0,
        risks_lockout: bool = True,
        holder: str | None = None,
        let_go: Callable[[str], bool] | None = None,
    ) -> Permit | Blocked:
        """Asks to send one sign-in presenting `secret` (the password; for a REST token request, which
        `risks_lockout` not, its configuration, asked by the connection `holder`, and `let_go` tells
        whether another recorded token holder has let go of the user). `automatic` (health checks,
        exports) never resends an unanswered secret; `accepted_fingerprints` are those of the credentials
        Intacct accepted on the caller's connection (only a sign-in presenting one of them may spend the
        attempt kept for the known-good password; `vouched`: the caller presents its connection's stored
        credentials, accepted before fingerprints were kept); `confirm` is an admin's word that they reset
        Intacct's count (see rules.py)."""
        identity = Identity.of(company_id, user_id)
        fingerprint = self._fingerprinter.fingerprint(identity, secret)
        proven = vouched or any(
            hmac.compare_digest(fingerprint, accepted) for accepted in accepted_fingerprints
        )
        give_up_at = self._monotonic() + wait_seconds
        conflicts = 0
        while True:
            now = self._clock()
            ticket = uuid.uuid4().hex
            pending_until = now + timedelta(seconds=pending_seconds)
            state = self._store.load(identity)
            recorded = state.token_holder
            other_let_go = (
                not risks_lockout
                and recorded is not None
                and recorded != holder
                and let_go is not None
                and let_go(recorded)
            )
            decision = rules.decide(
                state,
                fingerprint,
                now=now,
                policy=self.policy,
                automatic=automatic,
                confirm=confirm,
                proven=proven,  # the caller's connection was accepted with this very secret
                ticket=ticket,
                pending_until=pending_until,
                risks_lockout=risks_lockout,
                holder=holder,
                holder_let_go=other_let_go,
            )
            try:
                stored = self._store_if_changed(identity, state, decision.state)
            except GuardConflict:
                if decision.admitted and self._written_anyway(identity, ticket):
                    return self._permit(
                        identity, fingerprint, ticket, pending_until, decision, risks_lockout, holder
                    )
                conflicts += 1
                if conflicts >= MAX_CONFLICTS:
                    return self._blocked(Verdict.BUSY, identity, state, now, now + timedelta(seconds=1))
                self._sleep(self._rng.uniform(0, 0.02 * conflicts))
                continue
            if decision.admitted:
                return self._permit(
                    identity, fingerprint, ticket, pending_until, decision, risks_lockout, holder
                )
            if decision.verdict is Verdict.BUSY and self._monotonic() + POLL_SECONDS < give_up_at:
                self._sleep(POLL_SECONDS * self._rng.uniform(0.5, 1.5))
                continue
            return self._blocked(decision.verdict, identity, stored, now, decision.since)

    def _permit(
        self,
        identity: Identity,
        fingerprint: str,
        ticket: str,
        pending_until: datetime,
        decision: rules.Decision,
        risks_lockout: bool,
        holder: str | None,
    ) -> Permit:
        return Permit(
            self,
            identity,
            fingerprint,
            ticket,
            pending_until,
            confirmed=decision.confirmed,
            risks_lockout=risks_lockout,
            holder=holder,
        )

    def settle(
        self,
        identity: Identity,
        fingerprint: str,
        ticket: str,
        outcome: SignInOutcome,
        *,
        risks_lockout: bool = True,
        holder: str | None = None,
    ) -> int | None:
        """Records a sign-in's outcome and returns the identity's attempts left after it (None when it could
        not be recorded). Never raises: a lost settle leaves the strike counted (cautious)."""
        if outcome is SignInOutcome.REFUSED:
            self._emit(GuardEvent("refused", identity))
        elif outcome is SignInOutcome.UNANSWERED and risks_lockout:
            self._emit(GuardEvent("unanswered", identity))
        failures = 0
        for _ in range(MAX_CONFLICTS):
            now = self._clock()
            try:
                state = self._store.load(identity)
                settled = rules.settle(
                    state,
                    ticket=ticket,
                    fingerprint=fingerprint,
                    outcome=outcome,
                    now=now,
                    policy=self.policy,
                    risks_lockout=risks_lockout,
                    holder=holder,
                )
                self._store_if_changed(identity, state, settled)
            except GuardConflict:
                self._sleep(self._rng.uniform(0, 0.02))
                continue
            except Exception as error:  # a throttle or a network hiccup: worth a few more tries
                failures += 1
                if failures < SETTLE_ATTEMPTS:
                    self._sleep(0.1 * failures)
                    continue
                logger.error(
                    "sign-in outcome not recorded; the attempt stays counted",
                    extra={"outcome": outcome.value, "error_type": type(error).__name__},
                )
                return None
            counted = risks_lockout and outcome in (SignInOutcome.REFUSED, SignInOutcome.UNANSWERED)
            if counted and settled.strikes == settled.allowance(self.policy):
                self._emit(GuardEvent("budget_spent", identity))  # this attempt was the identity's last
            return settled.attempts_left(self.policy)
        logger.error(
            "sign-in outcome not recorded after repeated conflicts", extra={"outcome": outcome.value}
        )
        return None

    def _written_anyway(self, identity: Identity, ticket: str) -> bool:
        """A conflict can be our own write whose answer was lost (botocore retried it and then found its
        own item): the stored pending sign-in's ticket tells."""
        pending = self._store.load(identity).pending
        return pending is not None and pending.ticket == ticket

    def _store_if_changed(self, identity: Identity, before: GuardState, after: GuardState) -> GuardState:
        if after == before:
            return before
        return self._store.save(identity, after, expected_version=before.version)

    def _blocked(
        self, verdict: Verdict, identity: Identity, state: GuardState, now: datetime, since: datetime | None
    ) -> Blocked:
        self._emit(GuardEvent("blocked", identity, verdict))
        return Blocked(
            verdict,
            identity,
            since,
            state.attempts_left(self.policy),
            state.confirmation_available_at(self.policy, now),
        )

    def _emit(self, event: GuardEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception as error:  # metrics must never decide a sign-in
            logger.warning("guard event not recorded", extra={"error_type": type(error).__name__})
