"""Whether a user may do an operation on an object: the one rule the XML functions and the REST API share.

An object is guarded by one (application, policy) pair (`Scenario.object_permissions`); an operation needs one
right on it (View to read, Add, Edit, Delete to write). A company that does not subscribe to the application
refuses the operation whatever the role gives.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from .scenario import Company, User


class Refusal(enum.Enum):
    UNKNOWN_OBJECT = "unknown_object"
    NOT_SUBSCRIBED = "not_subscribed"
    DENIED = "denied"


def refusal(
    object_permissions: Mapping[str, tuple[str, str]],
    company: Company,
    user: User,
    object_name: str,
    right: str,
) -> Refusal | None:
    """Why `user` may not use `right` on `object_name` (upper case), or None when it may."""
    permission = object_permissions.get(object_name)
    if permission is None:
        return Refusal.UNKNOWN_OBJECT
    application, policy = permission
    if any(application.casefold() == a.casefold() for a in company.unsubscribed_applications):
        return Refusal.NOT_SUBSCRIBED
    if not user.has_right(application, policy, right):
        return Refusal.DENIED
    return None
