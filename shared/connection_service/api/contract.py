"""The HTTP contract as types: what each route accepts and answers.

The serializers are typed with these (mypy checks every body the service builds against them), each route
module declares its `CONTRACT` next to its handler, and the OpenAPI document (`tools/local_stack/openapi.py`)
is generated from both. Only `typing` at runtime: the layer pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, TypeVar
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from .problems import ProblemType

StatusName = Literal["AWAITING_CREDENTIALS", "CONNECTED", "ACTION_REQUIRED", "DISCONNECTED"]
StatusLabel = Literal["Awaiting Credentials", "Connected", "Action Required", "Disconnected"]
HealthName = Literal["OK", "DEGRADED", "UNKNOWN"]
CheckStatusName = Literal["ok", "missing", "not_subscribed", "unknown"]


# Requests ------------------------------------------------------------------------------------------------


class ConnectRequest(TypedDict):
    provider: Literal["sage_intacct"]


class CredentialsRequest(TypedDict):
    # "password" (the default: the Web Services user's password, over the XML gateway) or
    # "client_credentials" (our OAuth 2.0 client application over the REST API: no password is sent).
    auth_method: NotRequired[Literal["password", "client_credentials"]]
    company_id: str
    user_id: str
    # Required with auth_method "password", refused with "client_credentials"; never returned, logged or
    # stored outside Secrets Manager.
    user_password: NotRequired[str]
    entity_id: NotRequired[str | None]  # empty or absent: the top level
    confirm_company_change: NotRequired[bool]  # required to change the company of a connected connection
    confirm_sign_in_reset: NotRequired[bool]  # the admin reset the user's failed sign-ins in Intacct


class ClientApplicationJson(TypedDict):
    client_id: str | None  # None: the platform has no REST client application configured


class VerifyRequest(TypedDict, total=False):
    confirm_sign_in_reset: bool


# Answers -------------------------------------------------------------------------------------------------


class CheckJson(TypedDict):
    id: str
    label: str
    status: CheckStatusName
    remediation: str | None


class PermissionJson(TypedDict):
    application: str
    activity: str
    permission: str


class EntityJson(TypedDict):
    id: str
    name: str


class ConnectionJson(TypedDict):
    id: str
    provider: Literal["sage_intacct"]
    status: StatusName
    status_label: StatusLabel
    reason: str | None
    message: str | None
    checks: list[CheckJson]
    missing_permissions: list[PermissionJson]
    health: HealthName
    health_reason: str | None
    company_id: str | None
    entity_id: str | None
    user_id: str | None
    auth_method: Literal["password", "client_credentials"]
    entities: list[EntityJson]
    support_ids: list[str]
    sign_in_attempts_left: int | None
    last_verified_at: str | None
    last_checked_at: str | None
    next_check_at: str | None
    created_at: str | None
    updated_at: str | None
    version: int


class VerificationJson(TypedDict):
    completed: bool
    applied: bool
    outcome: Literal["connected", "action_required", "incomplete"] | None
    reason: str | None
    message: str | None
    round_trips: int
    sign_in: Literal["accepted", "refused", "unanswered", "not_judged", "not_sent"] | None
    blocked: str | None


class VerifiedConnectionJson(ConnectionJson):
    verification: VerificationJson


class ConnectionListJson(TypedDict):
    connections: list[ConnectionJson]


class HistoryEntryJson(TypedDict):
    at: str
    trigger: str
    actor: str
    from_status: str | None
    to_status: str
    reason: str | None
    detail: str | None
    sign_in: str | None


class HistoryJson(TypedDict):
    history: list[HistoryEntryJson]


class FieldErrorJson(TypedDict):
    field: str
    message: str


class ProblemJson(TypedDict):
    """RFC 9457 problem details; some types add members (see PROBLEM_TYPES)."""

    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[list[FieldErrorJson]]
    existing_id: NotRequired[str]
    company_id: NotRequired[str | None]
    user_id: NotRequired[str]
    sign_in_attempts_left: NotRequired[int]
    confirm_field: NotRequired[str]
    confirmation_available_at: NotRequired[str]
    confirmation_refused: NotRequired[bool]
    retry_after_seconds: NotRequired[int]


# Routes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteContract:
    """What one route accepts and answers, for the OpenAPI document. `problems`: the problem types it may
    answer besides those every route may (api/problems.py)."""

    summary: str
    success: int
    answer: type | None  # None: no body (204)
    body: type | None = None
    body_required: bool = False
    problems: tuple[ProblemType, ...] = ()
    admin_only: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # request headers it reads, with their meaning

    @property
    def answered_problems(self) -> tuple[ProblemType, ...]:
        from .problems import EVERY_ROUTE_PROBLEMS  # the table imports Powertools; this module only typing

        return (*self.problems, *EVERY_ROUTE_PROBLEMS)


Handler = TypeVar("Handler", bound=Callable[..., object])
# Each route handler's contract, filled by `declare` as the route modules are imported.
# Weak keys: routers are built per execution environment (and many times over in tests).
CONTRACTS: WeakKeyDictionary[Callable[..., object], RouteContract] = WeakKeyDictionary()


def declare(contract: RouteContract) -> Callable[[Handler], Handler]:
    """Records a handler's contract (under the router's decorator: the router registers the same function)."""

    def record(handler: Handler) -> Handler:
        CONTRACTS[handler] = contract
        return handler

    return record
