"""Verifies a customer's Intacct connection and explains, item by item, what is missing. The verifier says
what to ask Intacct and judges the answers; the Intacct adapter, which holds the client, sends them.

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

from ..intacct import Category, ConnectionCredentials, ErrorDetail, IntacctError, SignIn, SignInOutcome
from ..intacct.xml import (
    Exchange,
    FunctionResult,
    GatewayFunction,
    GatewayResponse,
    GetUserPermissions,
    Query,
)
from . import messages as say
from .checklist import Checklist
from .requirements import REQUIRED_PERMISSIONS, RequiredPermission, prerequisites
from .result import CheckStatus, Entity, Outcome, Reason, VerificationResult
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


def _view_control_id(permission: RequiredPermission) -> str:
    return f"view.{permission.probe_object}"


@dataclass(frozen=True)
class _Spent:
    """What a verification cost, for its result: what its one sign-in told us, round trips and HTTP
    attempts."""

    sign_in: SignInOutcome
    round_trips: int
    attempts: int


class ConnectionVerifier:
    def __init__(self, *, permissions: Sequence[RequiredPermission] = REQUIRED_PERMISSIONS) -> None:
        self._permissions = tuple(permissions)

    def asked_at_sign_in(self) -> list[GatewayFunction]:
        """Sent with the sign-in (the first round trip): the entities the user may open. Its outcome is
        known before anything else is sent (the sign-in guard settles on it)."""
        return [
            Query(
                "LOCATIONENTITY", fields=ENTITY_FIELDS, page_size=MAX_ENTITIES, control_id=ENTITIES_CONTROL_ID
            )
        ]

    def probes(self, user_id: str) -> list[GatewayFunction]:
        """Sent in the session the sign-in opened (the second round trip): every permission probed."""
        functions: list[GatewayFunction] = [
            Query(permission.probe_object, control_id=_view_control_id(permission))
            for permission in self._permissions
            if permission.probe_object
        ]
        functions.append(GetUserPermissions(user_id, control_id=PERMISSIONS_CONTROL_ID))
        return functions

    def judge(
        self,
        signed_in: SignIn,
        *,
        sender_id: str,
        at_sign_in: Sequence[FunctionResult],
        probed: Exchange | IntacctError | None,
    ) -> VerificationResult:
        """The verification's result: what the sign-in and the functions sent with it answered and, when it
        opened a session, what the session answered the probes (`probed`; None when nothing more was sent,
        so a failed sign-in is judged without a second request)."""
        login = signed_in.credentials
        spent = _Spent(signed_in.outcome, signed_in.round_trips, signed_in.attempts)
        if probed is not None:
            spent = replace(
                spent, round_trips=spent.round_trips + 1, attempts=spent.attempts + probed.attempts
            )
        checks = Checklist(prerequisites(sender_id, login.entity_id), self._permissions)
        entities = _entities(at_sign_in)
        if signed_in.failure is not None:
            failed = self._failed(spent, signed_in.failure, checks, entities, session_opened=False)
            return replace(failed, entities=entities)
        if isinstance(probed, IntacctError):
            failed = self._failed(spent, probed, checks, entities, session_opened=True)
            return replace(failed, entities=entities)
        assert probed is not None, "a session opened, so its probes were sent"
        checks.set_prerequisites(CheckStatus.OK)
        return replace(self._judge_permissions(probed.response, spent, checks, login), entities=entities)

    def _failed(
        self,
        spent: _Spent,
        error: IntacctError,
        checks: Checklist,
        entities: tuple[Entity, ...] | None,
        *,
        session_opened: bool,
    ) -> VerificationResult:
        """`session_opened`: the sign-in worked, and the request in its session failed."""
        if session_opened or error.category is Category.ENTITY_INVALID:
            # The sign-in worked, so everything it depends on is in place.
            checks.set_prerequisites(
                CheckStatus.OK, unless={"entity"} if error.category is Category.ENTITY_INVALID else set()
            )
        target = _ACTION_REQUIRED.get(error.category)
        if target is not None:
            check_id, reason = target
            if check_id is not None:
                checks.mark(check_id, CheckStatus.MISSING)
            message = say.MESSAGES[reason]
            if reason is Reason.ENTITY_INVALID:
                message += say.entities_offered(entities)
            return _result(
                checks, Outcome.ACTION_REQUIRED, reason, message, spent, error.category, error.errors
            )
        reason = _INCOMPLETE.get(error.category, Reason.UNEXPECTED_RESPONSE)
        return _result(
            checks, Outcome.INCOMPLETE, reason, say.MESSAGES[reason], spent, error.category, error.errors
        )

    def _judge_permissions(
        self, response: GatewayResponse, spent: _Spent, checks: Checklist, login: ConnectionCredentials
    ) -> VerificationResult:
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
            return _result(
                checks,
                Outcome.ACTION_REQUIRED,
                Reason.MISSING_PERMISSIONS,
                say.missing_permissions(missing) + also,
                spent,
                Category.PERMISSION_DENIED,
                _errors_of(response.results),
            )
        if unsubscribed:
            return _result(
                checks,
                Outcome.ACTION_REQUIRED,
                Reason.MODULE_NOT_SUBSCRIBED,
                say.applications_not_subscribed(applications, unsubscribed),
                spent,
                Category.MODULE_NOT_SUBSCRIBED,
                _errors_of(response.results),
            )
        if transient:
            category = transient[0].category or Category.SERVICE_UNAVAILABLE
            reason = _INCOMPLETE.get(category, Reason.INTACCT_UNAVAILABLE)
            return _result(
                checks,
                Outcome.INCOMPLETE,
                reason,
                say.MESSAGES[reason],
                spent,
                category,
                _errors_of(transient),
            )
        message = say.connected(login.company_id, login.entity_id, checks.count(CheckStatus.UNKNOWN))
        return _result(checks, Outcome.CONNECTED, None, message, spent, None, ())


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


def _result(
    checks: Checklist,
    outcome: Outcome,
    reason: Reason | None,
    message: str,
    spent: _Spent,
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
