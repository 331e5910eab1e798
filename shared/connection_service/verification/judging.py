"""How a verification's answers become its result, whichever protocol asked (verifier.py over the XML
gateway, rest_verifier.py over the REST API): a failed sign-in or request judged into the prerequisite it
points at, and each required permission judged from its probe and the user's rights list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..intacct import Category, ConnectionCredentials, ErrorDetail, IntacctError, SignInOutcome
from . import messages as say
from .checklist import Checklist
from .requirements import CLIENT_APPLICATION_CHECK, RequiredPermission
from .result import CheckStatus, Entity, Outcome, Reason, VerificationResult
from .rights import UserRights


class Probe(Protocol):
    """One answered question: an XML function's result, or a REST sub-request's answer."""

    @property
    def ok(self) -> bool: ...

    @property
    def category(self) -> Category | None: ...

    @property
    def errors(self) -> tuple[ErrorDetail, ...]: ...


# Which prerequisite a definitive failure points at, and the reason code it gives.
ACTION_REQUIRED: dict[Category, tuple[str | None, Reason]] = {
    Category.WEB_SERVICES_DISABLED: ("web_services", Reason.WEB_SERVICES_DISABLED),
    Category.SENDER_NOT_AUTHORIZED: ("sender_authorized", Reason.SENDER_NOT_AUTHORIZED),
    Category.SIGN_IN_REJECTED: ("sign_in", Reason.INVALID_CREDENTIALS),
    Category.ENTITY_INVALID: ("entity", Reason.ENTITY_INVALID),
    Category.COMPANY_EXPIRED: (None, Reason.COMPANY_EXPIRED),
    Category.CLIENT_APP_NOT_AUTHORIZED: (CLIENT_APPLICATION_CHECK, Reason.CLIENT_APP_NOT_AUTHORIZED),
    # One answer for three causes: none of their items can be marked missing.
    Category.COMPANY_REFUSED_APPLICATION: (None, Reason.COMPANY_REFUSED_APPLICATION),
}
INCOMPLETE: dict[Category, Reason] = {
    Category.RATE_LIMITED: Reason.RATE_LIMITED,
    Category.SERVICE_UNAVAILABLE: Reason.INTACCT_UNAVAILABLE,
    Category.ORIGIN_TIMEOUT: Reason.INTACCT_UNAVAILABLE,
    Category.SENDER_CREDENTIALS_INVALID: Reason.PLATFORM_CREDENTIALS_INVALID,
}


@dataclass(frozen=True)
class Spent:
    """What a verification cost, for its result: what its one sign-in told us, round trips and HTTP
    attempts."""

    sign_in: SignInOutcome
    round_trips: int
    attempts: int


def failed(
    spent: Spent,
    error: IntacctError,
    checks: Checklist,
    entities: tuple[Entity, ...] | None,
    *,
    session_opened: bool,
    wording: Mapping[Reason, str] | None = None,
) -> VerificationResult:
    """`session_opened`: the sign-in worked, and a request in its session failed. `wording`: messages that
    replace a reason's usual one (naming what only the caller knows, such as our client ID)."""
    if session_opened or error.category is Category.ENTITY_INVALID:
        # The sign-in worked, so everything it depends on is in place.
        checks.set_prerequisites(
            CheckStatus.OK, unless={"entity"} if error.category is Category.ENTITY_INVALID else set()
        )
    target = ACTION_REQUIRED.get(error.category)
    if target is not None:
        check_id, reason = target
        if check_id is not None:
            checks.mark(check_id, CheckStatus.MISSING)
        message = (wording or {}).get(reason, say.MESSAGES[reason])
        if reason is Reason.ENTITY_INVALID:
            message += say.entities_offered(entities)
        return result(checks, Outcome.ACTION_REQUIRED, reason, message, spent, error.category, error.errors)
    reason = INCOMPLETE.get(error.category, Reason.UNEXPECTED_RESPONSE)
    return result(
        checks, Outcome.INCOMPLETE, reason, say.MESSAGES[reason], spent, error.category, error.errors
    )


def judge_permissions(
    permissions: Sequence[RequiredPermission],
    checks: Checklist,
    spent: Spent,
    credentials: ConnectionCredentials,
    *,
    probes: Mapping[str, Probe],
    rights_probe: Probe | None,
    rights: UserRights | None,
    answered: Sequence[Probe],
) -> VerificationResult:
    """Every permission judged from its probe (`probes`, by check id) and the rights list (`rights`: None
    when `rights_probe` failed or never ran); `answered`: every probe, whose errors the result keeps."""
    transient = [rights_probe] if rights_probe is not None and is_transient(rights_probe) else []
    for permission in permissions:
        probe = probes.get(permission.check_id)
        status = judge_right(permission, probe, rights)
        if probe is not None and is_transient(probe):
            transient.append(probe)
        note = None
        if status is CheckStatus.NOT_SUBSCRIBED:
            checks.set_permission(permission, status, None, say.not_subscribed(permission))
            continue
        if probe is not None and probe.category is Category.OBJECT_UNAVAILABLE:
            note = say.object_unavailable(permission)
        elif status is CheckStatus.UNKNOWN:
            note = say.RIGHT_UNCONFIRMED
        checks.set_permission(permission, status, note)

    missing = checks.with_status(CheckStatus.MISSING)
    unsubscribed = checks.with_status(CheckStatus.NOT_SUBSCRIBED)
    applications = ", ".join(sorted({p.application for p in unsubscribed}))
    also = say.also_not_subscribed(applications) if unsubscribed else ""
    if missing:
        return result(
            checks,
            Outcome.ACTION_REQUIRED,
            Reason.MISSING_PERMISSIONS,
            say.missing_permissions(missing) + also,
            spent,
            Category.PERMISSION_DENIED,
            errors_of(answered),
        )
    if unsubscribed:
        return result(
            checks,
            Outcome.ACTION_REQUIRED,
            Reason.MODULE_NOT_SUBSCRIBED,
            say.applications_not_subscribed(applications, unsubscribed),
            spent,
            Category.MODULE_NOT_SUBSCRIBED,
            errors_of(answered),
        )
    if transient:
        category = transient[0].category or Category.SERVICE_UNAVAILABLE
        reason = INCOMPLETE.get(category, Reason.INTACCT_UNAVAILABLE)
        return result(
            checks, Outcome.INCOMPLETE, reason, say.MESSAGES[reason], spent, category, errors_of(transient)
        )
    message = say.connected(credentials.company_id, credentials.entity_id, checks.count(CheckStatus.UNKNOWN))
    return result(checks, Outcome.CONNECTED, None, message, spent, None, ())


def is_transient(probe: Probe) -> bool:
    return not probe.ok and probe.category is not None and probe.category.transient


def errors_of(probes: Sequence[Probe]) -> tuple[ErrorDetail, ...]:
    return tuple(error for probe in probes if not probe.ok for error in probe.errors)


def judge_right(
    permission: RequiredPermission, probe: Probe | None, rights: UserRights | None
) -> CheckStatus:
    """A query probe is the strongest evidence (Intacct checks the right before reading a row); the rights
    list decides when there is no probe or the probe was inconclusive."""
    if probe is not None:
        if probe.ok:
            return CheckStatus.OK
        if probe.category is Category.MODULE_NOT_SUBSCRIBED:
            return CheckStatus.NOT_SUBSCRIBED
        if probe.category in (Category.PERMISSION_DENIED, Category.OBJECT_UNAVAILABLE):
            return CheckStatus.MISSING
        if is_transient(probe):
            return CheckStatus.UNKNOWN
    if rights is None or not len(rights):
        return CheckStatus.UNKNOWN
    if rights.has(permission.application, permission.activity, permission.permission):
        return CheckStatus.OK
    return CheckStatus.MISSING


def result(
    checks: Checklist,
    outcome: Outcome,
    reason: Reason | None,
    message: str,
    spent: Spent,
    category: Category | None,
    errors: tuple[ErrorDetail, ...],
) -> VerificationResult:
    return VerificationResult(
        outcome=outcome,
        reason=reason,
        checks=checks.items(),
        message=message,
        round_trips=spent.round_trips,
        attempts=spent.attempts,
        sign_ins=1,  # a verification always signs in, once
        sign_in=spent.sign_in,
        category=category,
        errors=errors,
    )
