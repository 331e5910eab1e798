"""In-memory fakes of the sign-in guard's ports: the guard's rules tested in milliseconds, including what
DynamoDB cannot be made to do on demand (conflicting writes, a failing store)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import replace

from connection_service.intacct import Secret
from connection_service.sign_in_guard import GuardConflict, GuardState, Identity


class InMemoryGuardStore:
    """Conditional writes under one lock, like DynamoDB's version condition. `conflicts` makes the next N
    saves fail as if another Lambda had written first; `broken` makes every call raise."""

    def __init__(self) -> None:
        self.states: dict[Identity, GuardState] = {}
        self.conflicts = 0
        self.broken = False
        self.saves = 0
        self._lock = threading.Lock()

    def load(self, identity: Identity) -> GuardState:
        with self._lock:
            self._check()
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


class HmacFingerprinter:
    """The KMS fingerprinter's contract with a local key: equal passwords of one identity match."""

    def __init__(self) -> None:
        self.calls = 0

    def fingerprint(self, identity: Identity, secret: Secret) -> str:
        self.calls += 1
        message = f"{identity.company_id}\x1f{identity.user_id}\x1f{secret.reveal()}".encode()
        return hmac.new(b"test-key", message, hashlib.sha256).hexdigest()[:24]
