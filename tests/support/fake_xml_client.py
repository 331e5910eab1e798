"""An Intacct XML client that answers from a description of the customer's company instead of the wire, so
the verifier's judgements are tested in milliseconds (the simulator proves them over HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from connection_service.intacct import (
    Category,
    Deadline,
    ErrorDetail,
    IntacctError,
    Level,
    LoginCredentials,
    Secret,
)
from connection_service.intacct.xml import (
    Authentication,
    Exchange,
    FunctionResult,
    GatewayFunction,
    GatewayResponse,
    GetAPISession,
    GetUserPermissions,
    Query,
    SenderCredentials,
    SessionCredentials,
)
from connection_service.verification import REQUIRED_PERMISSIONS

SENDER = SenderCredentials("ExpenseInMPP", Secret("sender-password"))


def _every_right() -> dict[tuple[str, str], set[str]]:
    rights: dict[tuple[str, str], set[str]] = {}
    for permission in REQUIRED_PERMISSIONS:
        rights.setdefault((permission.application, permission.activity), set()).add(permission.permission)
    return rights


@dataclass
class Company:
    """The customer's Intacct company as the verifier would find it. By default everything is in place."""

    sign_in_refused_with: Category | None = None  # the sign-in's request fails (refused, unavailable, …)
    entities: tuple[tuple[str, str], ...] = (("US", "United States"),)
    rights: dict[tuple[str, str], set[str]] = field(default_factory=_every_right)
    unsubscribed_objects: set[str] = field(default_factory=set)  # their application is not subscribed
    unavailable_objects: set[str] = field(default_factory=set)  # Intacct says "no such object"
    transient_objects: set[str] = field(default_factory=set)  # their probe answers "try again later"
    rights_unreadable: bool = False  # getUserPermissions itself is denied

    def revoke(self, application: str, activity: str, permission: str) -> None:
        self.rights.get((application, activity), set()).discard(permission)


class FakeXmlClient:
    """Duck-types IntacctClient's execute; records the functions each request carried."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.sender = SENDER
        self.endpoint_url = "http://127.0.0.1:9/"  # never reached
        self.requests: list[list[str]] = []

    def execute(
        self,
        auth: LoginCredentials | SessionCredentials,
        functions: Sequence[GatewayFunction],
        *,
        deadline: Deadline,
        transaction: bool = False,
        unique: bool = False,
    ) -> Exchange:
        self.requests.append([f.name for f in functions])
        if isinstance(auth, LoginCredentials):
            results = self._sign_in(functions)
        else:
            results = tuple(self._answer(f) for f in functions)
        return Exchange(GatewayResponse(200, "c", Authentication("success"), results), attempts=1)

    def _sign_in(self, functions: Sequence[GatewayFunction]) -> tuple[FunctionResult, ...]:
        refused = self.company.sign_in_refused_with
        if refused is not None:
            raise IntacctError(
                refused, level=Level.AUTHENTICATION, errors=[ErrorDetail("XL03000006", "refused")]
            )
        return tuple(
            self._session(f) if isinstance(f, GetAPISession) else self._entities(f)
            for f in functions
            if isinstance(f, GetAPISession | Query)
        )

    def _session(self, function: GetAPISession) -> FunctionResult:
        known = {entity for entity, _ in self.company.entities}
        if function.entity_id and function.entity_id not in known:
            return FunctionResult("failure", function.name, function.control_id)  # read as a wrong entity
        data = etree.Element("data")
        api = etree.SubElement(data, "api")
        etree.SubElement(api, "sessionid").text = "session-id"
        etree.SubElement(api, "endpoint").text = self.endpoint_url
        etree.SubElement(api, "locationid").text = function.entity_id or ""
        return FunctionResult("success", function.name, function.control_id, data)

    def _entities(self, query: Query) -> FunctionResult:
        data = etree.Element("data")
        for entity_id, name in self.company.entities:
            record = etree.SubElement(data, "LOCATIONENTITY")
            etree.SubElement(record, "LOCATIONID").text = entity_id
            etree.SubElement(record, "NAME").text = name
        return FunctionResult("success", "query", query.control_id, data)

    def _answer(self, function: GatewayFunction) -> FunctionResult:
        if isinstance(function, GetUserPermissions):
            if self.company.rights_unreadable:
                return _failed(function.name, function.control_id, Category.PERMISSION_DENIED)
            return FunctionResult("success", function.name, function.control_id, self._rights())
        assert isinstance(function, Query)
        name = function.object_name
        if name in self.company.unsubscribed_objects:
            return _failed("query", function.control_id, Category.MODULE_NOT_SUBSCRIBED)
        if name in self.company.unavailable_objects:
            return _failed("query", function.control_id, Category.OBJECT_UNAVAILABLE)
        if name in self.company.transient_objects:
            return _failed("query", function.control_id, Category.SERVICE_UNAVAILABLE)
        viewable = {
            p.probe_object
            for p in REQUIRED_PERMISSIONS
            if p.permission in self.company.rights.get((p.application, p.activity), set())
        }
        if name not in viewable:
            return _failed("query", function.control_id, Category.PERMISSION_DENIED)
        return FunctionResult("success", "query", function.control_id, etree.Element("data"))

    def _rights(self) -> etree._Element:
        data = etree.Element("data")
        applications: dict[str, etree._Element] = {}
        for (application, activity), granted in self.company.rights.items():
            if application not in applications:
                subscription = etree.SubElement(data, "appSubscription")
                etree.SubElement(subscription, "applicationName").text = application
                applications[application] = etree.SubElement(subscription, "policies")
            policy = etree.SubElement(applications[application], "policy")
            etree.SubElement(policy, "policyName").text = activity
            etree.SubElement(policy, "rights").text = "|".join(sorted(granted))
        return data


def _failed(function: str, control_id: str, category: Category) -> FunctionResult:
    error = ErrorDetail("PL04000005", f"{category.value} (scripted)")
    return FunctionResult("failure", function, control_id, None, (error,), category)
