"""What the guard needs: a place to keep one state per identity, and fingerprints of the secrets tried."""

from __future__ import annotations

from typing import Protocol

from ..intacct import Secret
from .identity import Identity
from .rules import GuardState


class GuardConflict(Exception):
    """The identity's state changed since it was read (another Lambda decided first): read it again."""


class GuardStore(Protocol):
    def load(self, identity: Identity) -> GuardState:
        """The identity's state; a fresh state (version 0) for an identity never seen."""

    def save(self, identity: Identity, state: GuardState, *, expected_version: int) -> GuardState:
        """Stores `state` as version `expected_version + 1` if the stored version is still `expected_version`
        (0: nothing stored yet); raises GuardConflict otherwise. Returns what was stored."""


class Fingerprinter(Protocol):
    def fingerprint(self, identity: Identity, secret: Secret) -> str:
        """A keyed, irreversible fingerprint of the secret a sign-in presents for this identity (the Web
        Services password today; a client secret would do for an OAuth client). Equal secrets of one identity
        give equal fingerprints; nothing stored can be reversed or brute-forced without the key."""
