"""Slots of one company: who holds one (until when) and who waits for one (in arrival order).

A slot ends by itself at its `until`, so a Lambda that crashed while holding one never blocks the company
for longer than one call's time limit. A waiter that stops asking (its Lambda gave up or died) is dropped
after WAITER_STALE. Waiting is fair: a waiter takes a slot only when fewer than the limit are held by
others and by those who queued before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

WAITER_STALE = timedelta(seconds=3)


@dataclass(frozen=True)
class Waiter:
    queued_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class Slots:
    holders: dict[str, datetime] = field(default_factory=dict)  # ticket -> until
    waiters: dict[str, Waiter] = field(default_factory=dict)
    version: int = 0

    def live(self, now: datetime) -> Slots:
        return replace(
            self,
            holders={t: until for t, until in self.holders.items() if until > now},
            waiters={t: w for t, w in self.waiters.items() if w.seen_at > now - WAITER_STALE},
        )

    def take(self, ticket: str, *, now: datetime, limit: int, until: datetime) -> Slots | None:
        """The state with `ticket` holding a slot, or None when it must wait its turn."""
        current = self.live(now)
        if ticket in current.holders:  # our own write landed, its answer did not: we hold it already
            return replace(current, holders={**current.holders, ticket: until})
        mine = current.waiters.get(ticket)
        ahead = [
            other
            for other, waiter in current.waiters.items()
            if other != ticket and (mine is None or (waiter.queued_at, other) < (mine.queued_at, ticket))
        ]
        if len(current.holders) + len(ahead) >= limit:
            return None
        waiters = {t: w for t, w in current.waiters.items() if t != ticket}
        return replace(current, holders={**current.holders, ticket: until}, waiters=waiters)

    def wait(self, ticket: str, *, now: datetime) -> Slots:
        """The state with `ticket` in the queue (keeping its place) and seen now."""
        current = self.live(now)
        queued_at = current.waiters[ticket].queued_at if ticket in current.waiters else now
        return replace(current, waiters={**current.waiters, ticket: Waiter(queued_at, now)})

    def held_until(self, ticket: str, until: datetime) -> Slots:
        """The state with `ticket`'s slot ending at `until` (never later than it was taken for); waiters
        lose nothing, since a slot only ever ends sooner."""
        if ticket not in self.holders:
            return self
        return replace(self, holders={**self.holders, ticket: min(self.holders[ticket], until)})

    def without(self, ticket: str) -> Slots:
        return replace(
            self,
            holders={t: u for t, u in self.holders.items() if t != ticket},
            waiters={t: w for t, w in self.waiters.items() if t != ticket},
        )
