"""Reads getUserPermissions data (application → policy → pipe-delimited rights) into a lookup.

The exact application and policy names Intacct returns are not published, so names are compared loosely
(case, spacing, punctuation and simple plurals ignored) and a few known synonyms are accepted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from ..intacct.xml import FunctionResult

# "Classes" only loses its final s below, hence "classe".
_SYNONYMS = {"chargecard": "creditcard", "glaccount": "account", "classe": "class"}


def normalize(name: str) -> str:
    text = re.sub(r"[^a-z0-9]", "", name.casefold())
    if text.endswith("ies"):
        text = text[:-3] + "y"
    elif text.endswith("s") and not text.endswith("ss"):
        text = text[:-1]
    for alias, canonical in _SYNONYMS.items():
        text = text.replace(alias, canonical)
    return text


class UserRights:
    """Effective rights of one user, as getUserPermissions reported them."""

    def __init__(self, rights: dict[tuple[str, str], frozenset[str]]) -> None:
        self._rights = rights

    @classmethod
    def answered(cls, result: FunctionResult | None) -> UserRights | None:
        """The rights a getUserPermissions result reports; None when it failed or was never answered."""
        return cls.from_data(result.data) if result is not None and result.ok else None

    @classmethod
    def from_data(cls, data: etree._Element | None) -> UserRights:
        rights: dict[tuple[str, str], frozenset[str]] = {}
        if data is not None:
            for subscription in data.iter("appSubscription"):
                application = normalize(subscription.findtext("applicationName") or "")
                for policy in subscription.iter("policy"):
                    activity = normalize(policy.findtext("policyName") or "")
                    granted = frozenset(
                        normalize(right)
                        for right in (policy.findtext("rights") or "").split("|")
                        if right.strip()
                    )
                    key = (application, activity)
                    rights[key] = rights.get(key, frozenset()) | granted
        return cls(rights)

    def has(self, application: str, activity: str, permission: str) -> bool:
        granted = self._rights.get((normalize(application), normalize(activity)), frozenset())
        return normalize(permission) in granted

    def __len__(self) -> int:
        return len(self._rights)
