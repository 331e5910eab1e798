"""Whose sign-ins the guard counts: an Intacct user, named by Company ID and User ID."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..intacct import fold_id


@dataclass(frozen=True)
class Identity:
    """Company ID and User ID, folded by the one rule for Intacct IDs (`intacct.ids.fold_id`): Intacct
    compares both without regard to case, so `DEMO-CO`/`WS_Expenses` and `demo-co`/`ws_expenses` are one
    user with one lockout counter. Folding is generous (accents, look-alike letters and invisible characters
    too): two spellings Intacct might take for one user must never get two budgets; a false match only
    shares one."""

    company_id: str
    user_id: str

    @classmethod
    def of(cls, company_id: str, user_id: str) -> Identity:
        return cls(fold_id(company_id), fold_id(user_id))

    @property
    def key(self) -> str:
        """A fixed-length storage key (IDs may hold any printable character)."""
        return hashlib.sha256(f"{self.company_id}\x1f{self.user_id}".encode()).hexdigest()

    def __str__(self) -> str:
        return f"{self.company_id}/{self.user_id}"
