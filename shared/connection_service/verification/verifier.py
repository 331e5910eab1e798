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
from dataclasses import replace

from ..intacct import IntacctError, SignIn
from ..intacct.xml import (
    Exchange,
    FunctionResult,
    GatewayFunction,
    GetUserPermissions,
    Query,
)
from .checklist import Checklist
from .judging import Probe, Spent, failed, judge_permissions
from .requirements import REQUIRED_PERMISSIONS, RequiredPermission, prerequisites
from .result import CheckStatus, Entity, VerificationResult
from .rights import UserRights

ROUND_TRIPS_ON_SUCCESS = 2
PERMISSIONS_CONTROL_ID = "permissions"
ENTITIES_CONTROL_ID = "entities"
# A company rarely has more; a longer list is cut here (the picker still accepts a typed Entity ID).
MAX_ENTITIES = 200
ENTITY_FIELDS = ("LOCATIONID", "NAME")


def _view_control_id(permission: RequiredPermission) -> str:
    return f"view.{permission.probe_object}"


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
        spent = Spent(signed_in.outcome, signed_in.round_trips, signed_in.attempts)
        if probed is not None:
            spent = replace(
                spent, round_trips=spent.round_trips + 1, attempts=spent.attempts + probed.attempts
            )
        checks = Checklist(prerequisites(sender_id, login.entity_id), self._permissions)
        entities = _entities(at_sign_in)
        if signed_in.failure is not None:
            judged = failed(spent, signed_in.failure, checks, entities, session_opened=False)
            return replace(judged, entities=entities)
        if isinstance(probed, IntacctError):
            judged = failed(spent, probed, checks, entities, session_opened=True)
            return replace(judged, entities=entities)
        assert probed is not None, "a session opened, so its probes were sent"
        checks.set_prerequisites(CheckStatus.OK)
        results = probed.response.results
        rights_result = _find(results, PERMISSIONS_CONTROL_ID)
        probes: dict[str, Probe] = {}
        for permission in self._permissions:
            found = _find(results, _view_control_id(permission)) if permission.probe_object else None
            if found is not None:
                probes[permission.check_id] = found
        judged = judge_permissions(
            self._permissions,
            checks,
            spent,
            login,
            probes=probes,
            rights_probe=rights_result,
            rights=UserRights.answered(rights_result),
            answered=results,
        )
        return replace(judged, entities=entities)


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
