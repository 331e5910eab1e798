"""Which Intacct objects an export may create, update or delete.

The platform posts bills, journal entries, credit-card transactions, attachments and their folders. A
deployment lists the objects exports may write (template.yaml's `ExportWritableObjects`), so a worker, or
whoever holds its role, cannot change a customer's entities, accounts, vendors or settings. Users, roles
and their rights are never written, listed or not: no export changes who may sign in. Reads are not limited
here. No lxml: the settings read this module at every cold start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Who may sign in and what they may do, the Web Services user's own included.
PROTECTED_OBJECTS = frozenset(
    {
        "USERINFO",
        "USERROLES",
        "ROLES",
        "ROLEPOLICYASSIGNMENT",
        "ROLEASSIGNMENT",
        "MEMBERUSERGROUP",
        "USERGROUP",
        "USERRIGHTS",
        "USERRESTRICTION",
    }
)
# What an expense platform posts, by the names of the generic <create>/<update>/<delete> (the template's
# default).
EXPENSE_PLATFORM_OBJECTS = ("APBILL", "GLBATCH", "CCTRANSACTION", "SUPDOC", "SUPDOCFOLDER")
# The same objects over REST (paths under objects/), so that one list decides what exports write by either
# protocol. A listed name missing here is simply not written over REST; no protected object is here.
REST_OBJECTS = {
    "APBILL": "accounts-payable/bill",
    "GLBATCH": "general-ledger/journal-entry",
    "CCTRANSACTION": "cash-management/credit-card-txn",
    "SUPDOC": "company-config/attachment",
    "SUPDOCFOLDER": "company-config/folder",
    "EEXPENSES": "expenses/employee-expense",
}

# Standard objects' names and custom objects' integration names: ASCII letters, digits and underscores.
_OBJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
# A refusal names the object; a worker's <object> text may be megabytes long.
_SHOWN_CHARACTERS = 64


def protected_refusal(written: str) -> str | None:
    """Why no export may write this object whatever the deployment lists, or None."""
    if written.upper() in PROTECTED_OBJECTS:
        return f"exports may not change {written} (users and their rights)"
    return None


@dataclass(frozen=True)
class WritableObjects:
    """The objects a deployment lets exports write, upper-cased: Intacct compares object names without
    case."""

    names: frozenset[str]

    @classmethod
    def listed(cls, text: str) -> WritableObjects:
        """From a comma-separated list, as the template passes it; ValueError for anything else."""
        names = [name.strip() for name in text.split(",")]
        if not all(_OBJECT_NAME.fullmatch(name) for name in names):
            raise ValueError(f"must be Intacct object names separated by commas, got {text!r}")
        return cls(frozenset(name.upper() for name in names))

    @property
    def rest_objects(self) -> frozenset[str]:
        """The REST objects (paths under objects/) exports may write: those of the listed names."""
        return frozenset(REST_OBJECTS[name] for name in self.names if name in REST_OBJECTS)

    def refusal(self, written: str) -> str | None:
        """Why an export may not write this object, or None if it may."""
        protected = protected_refusal(written)
        if protected:
            return protected
        # ASCII only: str.upper() turns some other letters into ASCII ones (U+0130 into I), and a name
        # Intacct would not read as a listed object must not pass as one.
        if written.isascii() and written.upper() in self.names:
            return None
        shown = written if len(written) <= _SHOWN_CHARACTERS else written[:_SHOWN_CHARACTERS] + "…"
        return (
            f"exports may not write {shown}: not among the objects this deployment allows"
            " (ExportWritableObjects)"
        )


EXPENSE_PLATFORM = WritableObjects(frozenset(EXPENSE_PLATFORM_OBJECTS))
