"""Verifies a customer's Intacct connection and explains, item by item, what is missing.

Round trips (HTTP requests, not counting retries of the same request) for one verification:
  1. sign in at the top level with `getAPISession` (with `locationid` = Entity ID when one is given) and,
     in the same request, a top-level `query` of the entities the user may open (LOCATIONENTITY): the edit
     form's entity picker, and the names a wrong Entity ID's message offers instead. A refused sign-in ends
     here: at most one failed sign-in per verification.
  2. with the new session: one `query` (pagesize 1) per object for the View rights, plus one
     `getUserPermissions` for the Add/Delete rights, all in one request, each result judged on its own.
So a verification costs 2 round trips on the success path and 1 when the sign-in fails. It always signs in:
the point of a check is to prove that the stored password still works. Nothing is ever created in the
customer's company.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..intacct import Category, Deadline, ErrorDetail, IntacctError, LoginCredentials, SignInOutcome
from ..intacct.xml import (
    FunctionResult,
    GatewayFunction,
    GetUserPermissions,
    IntacctClient,
    Query,
    SessionRun,
    Stage,
    call_in_session,
    sign_in,
)
from .requirements import REQUIRED_PERMISSIONS, Prerequisite, RequiredPermission, prerequisites
from .result import CheckItem, CheckStatus, Entity, Outcome, Reason, VerificationResult
from .rights import UserRights

ROUND_TRIPS_ON_SUCCESS = 2
PERMISSIONS_CONTROL_ID = "permissions"
ENTITIES_CONTROL_ID = "entities"
# A company rarely has more; a longer list is cut here (the picker still accepts a typed Entity ID).
MAX_ENTITIES = 200
ENTITY_FIELDS = ("LOCATIONID", "NAME")

# Which prerequisite a definitive failure points at, and the reason code it gives.
_ACTION_REQUIRED: dict[Category, tuple[str | None, Reason]] = {
    Category.WEB_SERVICES_DISABLED: ("web_services", Reason.WEB_SERVICES_DISABLED),
    Category.SENDER_NOT_AUTHORIZED: ("sender_authorized", Reason.SENDER_NOT_AUTHORIZED),
    Category.SIGN_IN_REJECTED: ("sign_in", Reason.INVALID_CREDENTIALS),
    Category.ENTITY_INVALID: ("entity", Reason.ENTITY_INVALID),
    Category.COMPANY_EXPIRED: (None, Reason.COMPANY_EXPIRED),
}
_INCOMPLETE: dict[Category, Reason] = {
    Category.RATE_LIMITED: Reason.RATE_LIMITED,
    Category.SERVICE_UNAVAILABLE: Reason.INTACCT_UNAVAILABLE,
    Category.ORIGIN_TIMEOUT: Reason.INTACCT_UNAVAILABLE,
    Category.SENDER_CREDENTIALS_INVALID: Reason.PLATFORM_CREDENTIALS_INVALID,
}
_MESSAGES: dict[Reason, str] = {
    Reason.INVALID_CREDENTIALS: "Intacct refused the sign-in: check the Company ID, User ID and password, "
    "and that the user is active and not locked out.",
    Reason.SENDER_NOT_AUTHORIZED: "Our Sender ID is not authorized (or not active) in the company's Web "
    "Services authorizations.",
    Reason.WEB_SERVICES_DISABLED: "The company does not have the Web Services subscription turned on.",
    Reason.ENTITY_INVALID: "The user signed in, but the Entity ID is not an entity the user can open.",
    Reason.COMPANY_EXPIRED: "The Intacct company is a demo company that has expired.",
    Reason.RATE_LIMITED: "Intacct is rate limiting requests right now; the check will be retried.",
    Reason.INTACCT_UNAVAILABLE: "Intacct could not be reached or did not answer in time; the check will be "
    "retried.",
    Reason.PLATFORM_CREDENTIALS_INVALID: "The check could not run because of a problem on our side; our team "
    "has been alerted.",
    Reason.UNEXPECTED_RESPONSE: "Intacct gave an answer we could not interpret; the check will be retried.",
    Reason.SIGN_IN_BLOCKED: "We stopped signing in as this user so Intacct does not lock it out.",
    Reason.SIGN_IN_UNCONFIRMED: "Intacct did not answer our last sign-in with this password; it is not sent "
    "again automatically.",
}


def _view_control_id(permission: RequiredPermission) -> str:
    return f"view.{permission.probe_object}"


@dataclass(frozen=True)
class VerifierSignIn:
    """A verification's sign-in, answered: what it told us about the password, and the session (if one was
    opened) its check runs in. Held in memory only: the session id is a secret."""

    login: LoginCredentials
    run: SessionRun

    @property
    def outcome(self) -> SignInOutcome:
        return self.run.sign_in or SignInOutcome.NOT_SENT


class ConnectionVerifier:
    def __init__(
        self,
        client: IntacctClient,
        *,
        permissions: Sequence[RequiredPermission] = REQUIRED_PERMISSIONS,
    ) -> None:
        self._client = client
        self._permissions = tuple(permissions)

    def sign_in(self, login: LoginCredentials, *, deadline: Deadline) -> VerifierSignIn:
        """The first round trip: sign in, asking for the user's entities in the same request. Its outcome
        is known before anything else is sent (the sign-in guard settles on it)."""
        entities_query = Query(
            "LOCATIONENTITY", fields=ENTITY_FIELDS, page_size=MAX_ENTITIES, control_id=ENTITIES_CONTROL_ID
        )
        return VerifierSignIn(
            login, sign_in(self._client, login, deadline=deadline, at_sign_in=[entities_query])
        )

    def check(self, signed_in: VerifierSignIn, *, deadline: Deadline) -> VerificationResult:
        """The second round trip, in the session the sign-in opened: every permission probed, then judged
        (or, when the sign-in failed, the failure judged without a second request)."""
        login = signed_in.login
        run = call_in_session(self._client, signed_in.run, self._probes(login.user_id), deadline=deadline)
        checks = _Checklist(prerequisites(self._client.sender.sender_id, login.entity_id), self._permissions)
        entities = _entities(run.at_sign_in)
        if run.failure is not None:
            return replace(self._failed(run, run.failure, checks, entities), entities=entities)
        assert run.exchange is not None
        checks.set_prerequisites(CheckStatus.OK)
        return replace(self._judge_permissions(run, checks, login), entities=entities)

    def verify(self, login: LoginCredentials, *, deadline: Deadline) -> VerificationResult:
        """Both round trips, for callers with no sign-in guard to settle in between."""
        return self.check(self.sign_in(login, deadline=deadline), deadline=deadline)

    def _probes(self, user_id: str) -> list[GatewayFunction]:
        functions: list[GatewayFunction] = [
            Query(permission.probe_object, control_id=_view_control_id(permission))
            for permission in self._permissions
            if permission.probe_object
        ]
        functions.append(GetUserPermissions(user_id, control_id=PERMISSIONS_CONTROL_ID))
        return functions

    def _failed(
        self, run: SessionRun, error: IntacctError, checks: _Checklist, entities: tuple[Entity, ...] | None
    ) -> VerificationResult:
        if run.failed_stage is Stage.CALL or error.category is Category.ENTITY_INVALID:
            # The sign-in worked, so everything it depends on is in place.
            checks.set_prerequisites(
                CheckStatus.OK, unless={"entity"} if error.category is Category.ENTITY_INVALID else set()
            )
        target = _ACTION_REQUIRED.get(error.category)
        if target is not None:
            check_id, reason = target
            if check_id is not None:
                checks.mark(check_id, CheckStatus.MISSING)
            message = _MESSAGES[reason]
            if reason is Reason.ENTITY_INVALID:
                message += _entities_offered(entities)
            return checks.result(Outcome.ACTION_REQUIRED, reason, message, run, error.category, error.errors)
        reason = _INCOMPLETE.get(error.category, Reason.UNEXPECTED_RESPONSE)
        return checks.result(Outcome.INCOMPLETE, reason, _MESSAGES[reason], run, error.category, error.errors)

    def _judge_permissions(
        self, run: SessionRun, checks: _Checklist, login: LoginCredentials
    ) -> VerificationResult:
        assert run.exchange is not None
        response = run.exchange.response
        rights_result = _find(response.results, PERMISSIONS_CONTROL_ID)
        rights = UserRights.from_data(rights_result.data) if rights_result and rights_result.ok else None
        transient = [rights_result] if rights_result is not None and _is_transient(rights_result) else []
        for permission in self._permissions:
            probe = _find(response.results, _view_control_id(permission)) if permission.probe_object else None
            status = _judge(permission, probe, rights)
            if probe is not None and _is_transient(probe):
                transient.append(probe)
            note = None
            if status is CheckStatus.NOT_SUBSCRIBED:
                checks.set_permission(permission, status, None, _not_subscribed(permission))
                continue
            if probe is not None and probe.category is Category.OBJECT_UNAVAILABLE:
                note = (
                    f"Intacct does not offer {permission.probe_object} to this company: check that the "
                    f"{permission.application} application is subscribed (Company > Admin > Subscriptions). "
                )
            elif status is CheckStatus.UNKNOWN:
                note = "Intacct did not let us read this right; make sure it is granted. "
            checks.set_permission(permission, status, note)

        missing = checks.with_status(CheckStatus.MISSING)
        unsubscribed = checks.with_status(CheckStatus.NOT_SUBSCRIBED)
        applications = ", ".join(sorted({p.application for p in unsubscribed}))
        also = (
            f" The company does not subscribe to {applications} (see the checklist)." if unsubscribed else ""
        )
        if missing:
            listed = "; ".join(p.label for p in missing)
            message = f"The Web Services user is missing {len(missing)} required permission(s): {listed}."
            return checks.result(
                Outcome.ACTION_REQUIRED,
                Reason.MISSING_PERMISSIONS,
                message + also,
                run,
                Category.PERMISSION_DENIED,
                _errors_of(response.results),
            )
        if unsubscribed:
            message = (
                f"The Intacct company does not subscribe to {applications}, so "
                f"{'; '.join(p.label for p in unsubscribed)} cannot be granted to any user. Subscribe to it "
                "in Intacct, or expenses cannot be coded to what it provides."
            )
            return checks.result(
                Outcome.ACTION_REQUIRED,
                Reason.MODULE_NOT_SUBSCRIBED,
                message,
                run,
                Category.MODULE_NOT_SUBSCRIBED,
                _errors_of(response.results),
            )
        if transient:
            category = transient[0].category or Category.SERVICE_UNAVAILABLE
            reason = _INCOMPLETE.get(category, Reason.INTACCT_UNAVAILABLE)
            return checks.result(
                Outcome.INCOMPLETE, reason, _MESSAGES[reason], run, category, _errors_of(transient)
            )
        unknown = checks.count(CheckStatus.UNKNOWN)
        where = f" (entity {login.entity_id})" if login.entity_id else ""
        message = f"Connected to Intacct company {login.company_id}{where}."
        if unknown:
            message += f" {unknown} permission(s) could not be confirmed; see the checklist."
        return checks.result(Outcome.CONNECTED, None, message, run, None, ())


def not_run(
    reason: Reason,
    login: LoginCredentials,
    sender_id: str,
    permissions: Sequence[RequiredPermission] = REQUIRED_PERMISSIONS,
    *,
    outcome: Outcome = Outcome.INCOMPLETE,
    message: str | None = None,
    blocked: str | None = None,
) -> VerificationResult:
    """The result of a verification that sent nothing: our sender secret is not configured, or the sign-in
    guard kept the sign-in from being sent (`blocked`: its verdict)."""
    checks = _Checklist(prerequisites(sender_id, login.entity_id), permissions)
    if reason is Reason.INVALID_CREDENTIALS:
        checks.mark("sign_in", CheckStatus.MISSING)
    return VerificationResult(outcome, reason, checks.items(), message or _MESSAGES[reason], blocked=blocked)


def _entities(results: Sequence[FunctionResult]) -> tuple[Entity, ...] | None:
    """The entity list read with the sign-in, or None when Intacct did not give it."""
    found = _find(results, ENTITIES_CONTROL_ID)
    if found is None or not found.ok or found.data is None:
        return None
    entities = []
    for record in found.data:
        entity_id = (record.findtext("LOCATIONID") or "").strip()
        if entity_id:
            entities.append(Entity(entity_id, (record.findtext("NAME") or "").strip() or entity_id))
    return tuple(entities)


def _entities_offered(entities: tuple[Entity, ...] | None) -> str:
    if not entities:
        return ""
    listed = ", ".join(f"{entity.entity_id} ({entity.name})" for entity in entities[:20])
    more = f" and {len(entities) - 20} more" if len(entities) > 20 else ""
    return f" Entities this user can open: {listed}{more}."


def _not_subscribed(permission: RequiredPermission) -> str:
    """What an unsubscribed application means for the customer, and the one fix (no role can grant it)."""
    application, activity = permission.application, permission.activity
    return (
        f"Intacct refused every operation on {permission.probe_object}: the company does not subscribe to "
        f"the {application} application, so '{permission.label}' cannot be granted to any user and expenses "
        f"and bills cannot be coded to {activity.lower()}. An Intacct administrator can subscribe to it in "
        f"Company > Admin > Subscriptions > {application}; then grant '{permission.permission}' on "
        f"'{activity}' to the Web Services user and verify again."
    )


def _find(results: Sequence[FunctionResult], control_id: str) -> FunctionResult | None:
    return next((result for result in results if result.control_id == control_id), None)


def _is_transient(result: FunctionResult) -> bool:
    return not result.ok and result.category is not None and result.category.transient


def _errors_of(results: Sequence[FunctionResult]) -> tuple[ErrorDetail, ...]:
    return tuple(error for result in results if not result.ok for error in result.errors)


def _judge(
    permission: RequiredPermission, probe: FunctionResult | None, rights: UserRights | None
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
        if _is_transient(probe):
            return CheckStatus.UNKNOWN
    if rights is None or not len(rights):
        return CheckStatus.UNKNOWN
    if rights.has(permission.application, permission.activity, permission.permission):
        return CheckStatus.OK
    return CheckStatus.MISSING


class _Checklist:
    """Builds the ordered checklist: prerequisites first, then one item per required permission."""

    def __init__(self, items: Sequence[Prerequisite], permissions: Sequence[RequiredPermission]) -> None:
        self._prerequisites = {item.check_id: item for item in items}
        self._status: dict[str, CheckStatus] = {item.check_id: CheckStatus.UNKNOWN for item in items}
        self._permissions = tuple(permissions)
        self._permission_status: dict[str, tuple[CheckStatus, str | None]] = {
            p.check_id: (CheckStatus.UNKNOWN, None) for p in permissions
        }
        self._remediations: dict[str, str] = {}

    def mark(self, check_id: str, status: CheckStatus) -> None:
        if check_id in self._status:
            self._status[check_id] = status

    def set_prerequisites(self, status: CheckStatus, unless: set[str] | None = None) -> None:
        for check_id in self._status:
            if check_id not in (unless or set()):
                self._status[check_id] = status

    def set_permission(
        self,
        permission: RequiredPermission,
        status: CheckStatus,
        note: str | None,
        remediation: str | None = None,
    ) -> None:
        """`note` goes before the permission's usual remediation; `remediation` replaces it."""
        self._permission_status[permission.check_id] = (status, note)
        if remediation is not None:
            self._remediations[permission.check_id] = remediation

    def with_status(self, status: CheckStatus) -> list[RequiredPermission]:
        return [p for p in self._permissions if self._permission_status[p.check_id][0] is status]

    def count(self, status: CheckStatus) -> int:
        return sum(1 for value, _ in self._permission_status.values() if value is status)

    def items(self) -> tuple[CheckItem, ...]:
        items = [
            CheckItem(
                check_id,
                item.label,
                self._status[check_id],
                None if self._status[check_id] is CheckStatus.OK else item.remediation,
            )
            for check_id, item in self._prerequisites.items()
        ]
        for permission in self._permissions:
            status, note = self._permission_status[permission.check_id]
            remediation = None
            if status is not CheckStatus.OK:
                usual = (note or "") + permission.remediation()
                remediation = self._remediations.get(permission.check_id, usual)
            items.append(CheckItem(permission.check_id, permission.label, status, remediation, permission))
        return tuple(items)

    def result(
        self,
        outcome: Outcome,
        reason: Reason | None,
        message: str,
        run: SessionRun,
        category: Category | None,
        errors: tuple[ErrorDetail, ...],
    ) -> VerificationResult:
        return VerificationResult(
            outcome=outcome,
            reason=reason,
            checks=self.items(),
            message=message,
            round_trips=run.round_trips,
            attempts=run.attempts,
            sign_ins=run.sign_ins,
            sign_in=run.sign_in,
            category=category,
            errors=errors,
        )
