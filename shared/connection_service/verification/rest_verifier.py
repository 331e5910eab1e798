"""Verifies a connection that signs in with our client application (REST API, client credentials) and
explains, item by item, what is missing. As over XML, the verifier says what to ask and judges the answers
(with the judging both protocols share, judging.py); the REST adapter sends them.

Round trips (HTTP requests, not counting retries of the same request) for one verification:
  1. the token request at the credentials' entity (`user@company|entity`). A refused one ends here.
  2. a composite request of size-1 queries, one per View right the REST API shows directly (ten).
  3. a composite request of the remaining View probe, the entities the user may open (the edit form's
     picker) and the token's session id (the session-id bridge to XML).
  4. one XML request in that session: getUserPermissions for the user, for the Add and Delete rights no
     read can show. Its authentication block says which entity the session is at: the entity is proved
     applied there, never assumed.
So 4 round trips on the success path and 1 when the token is refused. Where Intacct fails a composite
request as a whole for one refused sub-request, the rights list decides those View rights instead; a
separate session-id request (a 5th round trip) is sent only when the third request failed that way.
Nothing is ever created in the customer's company.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..intacct import Category, ErrorDetail, IntacctError, SignIn, fold_id
from ..intacct.rest import CompositeAnswer, Query, SubRequest, rows
from ..intacct.rest.bridge import SESSION_ID_PATH
from ..intacct.xml import Exchange, GatewayFunction, GetUserPermissions
from . import messages as say
from .checklist import Checklist, prerequisites_of
from .judging import Probe, Spent, failed, judge_permissions
from .requirements import REQUIRED_PERMISSIONS, RequiredPermission
from .result import CheckStatus, Entity, Outcome, Reason, VerificationResult
from .rights import UserRights

REST_ROUND_TRIPS_ON_SUCCESS = 4
PERMISSIONS_CONTROL_ID = "permissions"
ENTITIES_LABEL = "entities"
SESSION_LABEL = "session"
ENTITY_OBJECT = "company-config/entity"
ENTITY_FIELDS = ("id", "name")
MAX_ENTITIES = 200  # as over XML: a longer list is cut (the picker still accepts a typed Entity ID)
# The View probe whose meaning the reference leaves open (a size-1 query of attachments, §6 #20) rides with
# the entity list and the session id; the other ten fill the first composite request.
LATER_PROBES = frozenset({"company-config/attachment"})
# A composite request holds at most this many sub-requests.
MAX_BATCH = 10
# What a composite request refused as a whole for one refused sub-request answers with: the check goes on,
# those View rights judged from the rights list. Anything else (an outage, a refused token) ends the check.
_SUB_REQUEST_REFUSALS = frozenset(
    {Category.PERMISSION_DENIED, Category.MODULE_NOT_SUBSCRIBED, Category.OBJECT_UNAVAILABLE}
)


def _label(permission: RequiredPermission) -> str:
    return f"view.{permission.rest_object}"


@dataclass
class RestProbed:
    """What the requests after the token answered (None: not sent), and what they cost."""

    views: CompositeAnswer | IntacctError | None = None  # request 2
    more: CompositeAnswer | IntacctError | None = None  # request 3
    bridge: IntacctError | None = None  # why no XML session could be had
    rights: Exchange | IntacctError | None = None  # request 4
    round_trips: int = 0
    attempts: int = 0

    def count(self, attempts: int) -> None:
        """One request's cost: a round trip if it was sent at all, and its HTTP attempts."""
        self.round_trips += 1 if attempts else 0
        self.attempts += attempts


@dataclass(frozen=True)
class _RefusedAlone:
    """The sub-request a composite request refused as a whole was for, when its refusal names the object."""

    category: Category
    errors: tuple[ErrorDetail, ...]
    ok: bool = False


class RestVerifier:
    def __init__(self, *, permissions: Sequence[RequiredPermission] = REQUIRED_PERMISSIONS) -> None:
        self._permissions = tuple(permissions)
        probed = [p for p in self._permissions if p.rest_object]
        self._first = tuple(p for p in probed if p.rest_object not in LATER_PROBES)
        self._later = tuple(p for p in probed if p.rest_object in LATER_PROBES)
        if not 2 <= len(self._first) <= MAX_BATCH or len(self._later) + 2 > MAX_BATCH:
            raise ValueError("the View probes do not fit the composite requests")

    def view_probes(self) -> list[SubRequest]:
        """Request 2: a size-1 query per View right."""
        return [_probe(permission) for permission in self._first]

    def more_probes(self) -> list[SubRequest]:
        """Request 3: the remaining View probes, the entity list and the session id."""
        entities = Query(ENTITY_OBJECT, fields=ENTITY_FIELDS, size=MAX_ENTITIES)
        return [
            *(_probe(permission) for permission in self._later),
            SubRequest.query(ENTITIES_LABEL, entities),
            SubRequest.get(SESSION_LABEL, SESSION_ID_PATH),
        ]

    def rights_request(self, user_id: str) -> list[GatewayFunction]:
        """Request 4, over XML in the token's session."""
        return [GetUserPermissions(user_id, control_id=PERMISSIONS_CONTROL_ID)]

    @staticmethod
    def goes_on_after(answer: CompositeAnswer | IntacctError) -> bool:
        """Whether the check goes on after a composite request's answer: it does after one refused as a whole
        for a sub-request's right (its rights are then read from the rights list)."""
        return not isinstance(answer, IntacctError) or answer.category in _SUB_REQUEST_REFUSALS

    def judge(
        self, signed_in: SignIn, *, sender_id: str, client_id: str, probed: RestProbed
    ) -> VerificationResult:
        """The verification's result from the token request's answer and what the requests after it
        answered (`probed`: nothing when the token was refused, so a refusal is judged without another
        request)."""
        credentials = signed_in.credentials
        spent = Spent(
            signed_in.outcome,
            signed_in.round_trips + probed.round_trips,
            signed_in.attempts + probed.attempts,
        )
        checks = Checklist(prerequisites_of(credentials, sender_id, client_id), self._permissions)
        wording = {
            Reason.CLIENT_APP_NOT_AUTHORIZED: say.client_app_not_authorized(client_id, credentials.user_id),
            Reason.COMPANY_REFUSED_APPLICATION: say.company_refused_application(
                credentials.company_id, sender_id
            ),
        }
        if not credentials.entity_id:  # no Entity ID to blame: the top level itself was refused
            wording[Reason.ENTITY_INVALID] = say.top_level_refused(credentials.user_id)
        else:  # nothing signed in: the token request at that entity was refused
            wording[Reason.ENTITY_INVALID] = say.ENTITY_TOKEN_REFUSED
        entities = _entities(probed.more)
        if signed_in.failure is not None:
            judged = failed(spent, signed_in.failure, checks, entities, session_opened=False, wording=wording)
            return replace(judged, entities=entities)
        stop = _first_stop((probed.views, probed.more), probed.bridge, probed.rights)
        if stop is not None:
            judged = failed(spent, stop, checks, entities, session_opened=True, wording=wording)
            return replace(judged, entities=entities)
        assert isinstance(probed.rights, Exchange), "nothing failed, so the rights were read"
        response = probed.rights.response
        checks.set_prerequisites(CheckStatus.OK)
        applied = response.authentication.entity_id or None
        scoped = fold_id(applied or "") == fold_id(credentials.entity_id or "")
        if not scoped:
            checks.mark("entity", CheckStatus.UNKNOWN)  # accepted for the token, not shown applied
        rights_result = next((r for r in response.results if r.control_id == PERMISSIONS_CONTROL_ID), None)
        probes = {**self._probes(probed.views, self._first), **self._probes(probed.more, self._later)}
        judged = judge_permissions(
            self._permissions,
            checks,
            spent,
            credentials,
            probes=probes,
            rights_probe=rights_result,
            rights=UserRights.answered(rights_result),
            answered=[*probes.values(), *response.results],
        )
        if not scoped:
            judged = _not_applied(judged, credentials.entity_id, applied)
        unnamed = any(
            isinstance(answer, IntacctError) and not self._probes(answer, group)
            for answer, group in ((probed.views, self._first), (probed.more, self._later))
        )
        if unnamed and judged.outcome is Outcome.CONNECTED:
            # Intacct refused a right of a group without naming which, and nothing else decided it: a
            # refusal is never read as Connected.
            judged = replace(
                judged,
                outcome=Outcome.ACTION_REQUIRED,
                reason=Reason.MISSING_PERMISSIONS,
                message=say.UNNAMED_VIEW_RIGHT_REFUSED,
                category=Category.PERMISSION_DENIED,
            )
        return replace(judged, entities=entities)

    @staticmethod
    def _probes(
        answer: CompositeAnswer | IntacctError | None, permissions: Sequence[RequiredPermission]
    ) -> Mapping[str, Probe]:
        """Each permission's probe in a composite answer. A request refused as a whole answered for one
        sub-request: the one whose object its refusal names (if exactly one) gets that refusal, the others
        no probe (the rights list decides them)."""
        if isinstance(answer, CompositeAnswer):
            found = {p.check_id: answer.get(_label(p)) for p in permissions}
            return {check_id: probe for check_id, probe in found.items() if probe is not None}
        if isinstance(answer, IntacctError):
            text = " ".join(error.text for error in answer.errors).casefold()
            named = [p for p in permissions if p.rest_object and p.rest_object.casefold() in text]
            if len(named) == 1:
                return {named[0].check_id: _RefusedAlone(answer.category, answer.errors)}
        return {}


def _probe(permission: RequiredPermission) -> SubRequest:
    assert permission.rest_object is not None
    return SubRequest.query(_label(permission), Query(permission.rest_object))


def _first_stop(
    composites: Sequence[CompositeAnswer | IntacctError | None],
    bridge: IntacctError | None,
    rights: Exchange | IntacctError | None,
) -> IntacctError | None:
    """The failure that ended the check, in the order the requests went."""
    for answer in composites:
        if isinstance(answer, IntacctError) and not RestVerifier.goes_on_after(answer):
            return answer
    if bridge is not None:
        return bridge
    return rights if isinstance(rights, IntacctError) else None


def _entities(more: CompositeAnswer | IntacctError | None) -> tuple[Entity, ...] | None:
    """The entity list read in request 3, or None when Intacct did not give it."""
    found = more.get(ENTITIES_LABEL) if isinstance(more, CompositeAnswer) else None
    if found is None or not found.ok:
        return None
    entities = []
    for row in rows(found.payload):
        entity_id = str(row.get("id") or "").strip()
        if entity_id:
            entities.append(Entity(entity_id, str(row.get("name") or "").strip() or entity_id))
    return tuple(entities)


def _not_applied(
    judged: VerificationResult, requested: str | None, applied: str | None
) -> VerificationResult:
    """A session at another entity than the token was asked for: never Connected (nothing read is known to
    hold for the connection's entity); a definitive finding keeps its outcome, with the note."""
    note = say.entity_not_applied(requested, applied)
    if judged.outcome is Outcome.CONNECTED:
        return replace(
            judged,
            outcome=Outcome.INCOMPLETE,
            reason=Reason.UNEXPECTED_RESPONSE,
            message=note,
            category=Category.UNKNOWN,
        )
    return replace(judged, message=f"{judged.message} {note}")
