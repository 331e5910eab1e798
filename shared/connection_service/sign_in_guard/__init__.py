"""The sign-in guard: one budget of refused or unanswered sign-ins per Intacct user, shared by every tenant,
connection and path, so that connecting us can never lock the customer's Intacct user out.

Pure rules (rules.py) over a small state per identity, kept by a store port with optimistic concurrency
(ports.py); guard.py is the use case every sign-in goes through.
"""

from .guard import Blocked, GuardEvent, GuardReader, Permit, SignInGuard
from .identity import Identity
from .ports import Fingerprinter, GuardConflict, GuardStore
from .rules import GuardPolicy, GuardState, Pending, Verdict

__all__ = [
    "Blocked",
    "Fingerprinter",
    "GuardConflict",
    "GuardEvent",
    "GuardPolicy",
    "GuardReader",
    "GuardState",
    "GuardStore",
    "Identity",
    "Pending",
    "Permit",
    "SignInGuard",
    "Verdict",
]
