"""The verifier's answer: one outcome, one primary reason, and a checklist the admin can act on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..intacct import Category, ErrorDetail, SignInOutcome
from .requirements import RequiredPermission


class Outcome(StrEnum):
    CONNECTED = "connected"
    ACTION_REQUIRED = "action_required"  # Intacct answered definitively: the customer must fix something
    INCOMPLETE = "incomplete"  # the check could not finish (outage, rate limit, our own configuration)


class Reason(StrEnum):
    # Action required: the customer's Intacct setup.
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    SENDER_NOT_AUTHORIZED = "SENDER_NOT_AUTHORIZED"
    WEB_SERVICES_DISABLED = "WEB_SERVICES_DISABLED"
    ENTITY_INVALID = "ENTITY_INVALID"
    MISSING_PERMISSIONS = "MISSING_PERMISSIONS"
    MODULE_NOT_SUBSCRIBED = "MODULE_NOT_SUBSCRIBED"  # a required right's application is not subscribed
    COMPANY_EXPIRED = "COMPANY_EXPIRED"
    SIGN_IN_BLOCKED = "SIGN_IN_BLOCKED"  # the sign-in guard spent the user's budget: an admin must act
    # REST (client credentials): our client application is not authorized in the company, not linked to the
    # Web Services user, or the user is not active (Intacct's one answer, REST-1216, covers all three).
    CLIENT_APP_NOT_AUTHORIZED = "CLIENT_APP_NOT_AUTHORIZED"
    # REST: Intacct refused our application for the company with GW-0011 "Invalid Request", its one answer
    # for an unknown or inactive company, Web Services off and our Sender ID not authorized.
    COMPANY_REFUSED_APPLICATION = "COMPANY_REFUSED_APPLICATION"
    # REST: another connection of ours holds this Intacct user's client credentials (no password proves who
    # may ask for its tokens, so one connection at a time may).
    USER_CONNECTED_ELSEWHERE = "USER_CONNECTED_ELSEWHERE"
    # Incomplete: nothing is known to be wrong with the customer's setup.
    INTACCT_UNAVAILABLE = "INTACCT_UNAVAILABLE"
    RATE_LIMITED = "RATE_LIMITED"
    PLATFORM_CREDENTIALS_INVALID = "PLATFORM_CREDENTIALS_INVALID"
    UNEXPECTED_RESPONSE = "UNEXPECTED_RESPONSE"
    SIGN_IN_UNCONFIRMED = "SIGN_IN_UNCONFIRMED"  # its last sign-in went unanswered: not resent alone


class CheckStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    NOT_SUBSCRIBED = "not_subscribed"  # the application is not subscribed: no role can grant the right
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckItem:
    check_id: str
    label: str
    status: CheckStatus
    remediation: str | None = None
    permission: RequiredPermission | None = None

    def recorded(self) -> CheckItem:
        """As a connection records it: the item as shown, without the permission it was judged from."""
        return replace(self, permission=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "label": self.label,
            "status": self.status.value,
            "remediation": self.remediation,
        }


@dataclass(frozen=True)
class Entity:
    """An entity (location) of a multi-entity company, as the user may open it."""

    entity_id: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.entity_id, "name": self.name}


@dataclass(frozen=True)
class VerificationResult:
    outcome: Outcome
    reason: Reason | None
    checks: tuple[CheckItem, ...]
    message: str
    round_trips: int = 0
    attempts: int = 0
    sign_ins: int = 0
    sign_in: SignInOutcome | None = None  # what the sign-in told us of the password; None: none was sent
    blocked: str | None = None  # the sign-in guard's verdict when it kept the sign-in from being sent
    category: Category | None = None  # the Intacct failure category behind a non-connected outcome
    errors: tuple[ErrorDetail, ...] = field(default=())
    # The entities the user may open, read with the sign-in; None when they could not be read (refused
    # sign-in, no right to list entities), () for a company without entities.
    entities: tuple[Entity, ...] | None = None

    @property
    def missing_permissions(self) -> tuple[RequiredPermission, ...]:
        return tuple(
            item.permission
            for item in self.checks
            if item.permission is not None and item.status is CheckStatus.MISSING
        )

    @property
    def support_ids(self) -> tuple[str, ...]:
        return tuple(sid for sid in (error.support_id for error in self.errors) if sid)

    def check(self, check_id: str) -> CheckItem:
        for item in self.checks:
            if item.check_id == check_id:
                return item
        raise KeyError(check_id)
