"""The sign-in guard's GuardStore port in memory, with the conflicts and failures DynamoDB cannot be made
to give on demand."""

from __future__ import annotations

import threading
from dataclasses import replace

from connection_service.sign_in_guard import GuardConflict, GuardState, Identity


class InMemoryGuardStore:
    """Conditional writes under one lock, like DynamoDB's version condition. `conflicts` makes the next N
    saves fail as if another Lambda had written first; `broken` makes every call raise."""

    def __init__(self) -> None:
        self.states: dict[Identity, GuardState] = {}
        self.conflicts = 0
        self.broken = False
        self.saves = 0
        self.loads = 0
        self._lock = threading.Lock()

    def load(self, identity: Identity) -> GuardState:
        with self._lock:
            self._check()
            self.loads += 1
            return self.states.get(identity, GuardState())

    def save(self, identity: Identity, state: GuardState, *, expected_version: int) -> GuardState:
        with self._lock:
            self._check()
            if self.conflicts:
                self.conflicts -= 1
                raise GuardConflict()
            if self.states.get(identity, GuardState()).version != expected_version:
                raise GuardConflict()
            stored = replace(state, version=expected_version + 1)
            self.states[identity] = stored
            self.saves += 1
            return stored

    def _check(self) -> None:
        if self.broken:
            raise ConnectionError("the table is unreachable")
