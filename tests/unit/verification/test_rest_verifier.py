"""The REST verifier's plan (what each round trip asks) and its judgements of answers it is handed, in
milliseconds: above all that an entity is proved applied, never assumed (the simulator proves the rest over
HTTP, tests/unit/adapters/test_intacct_rest_gateway.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pytest
from lxml import etree

from connection_service.intacct import (
    Category,
    ClientCredentials,
    ErrorDetail,
    IntacctError,
    Level,
    SignIn,
    SignInOutcome,
)
from connection_service.intacct.rest import CompositeAnswer, SubAnswer
from connection_service.intacct.xml import Authentication, Exchange, FunctionResult, GatewayResponse
from connection_service.verification import (
    REQUIRED_PERMISSIONS,
    CheckStatus,
    Outcome,
    Reason,
    RestProbed,
    RestVerifier,
    VerificationResult,
)
from connection_service.verification import messages as say
from connection_service.verification.rest_verifier import ENTITIES_LABEL, SESSION_LABEL

VERIFIER = RestVerifier()
AT_ENTITY = ClientCredentials("DEMO-CO", "ws_expenses", "US-EAST")
TOP_LEVEL = ClientCredentials("DEMO-CO", "ws_expenses")


def accepted(credentials: ClientCredentials) -> SignIn:
    return SignIn(credentials, SignInOutcome.ACCEPTED, round_trips=1, attempts=1)


def composite(labels: Iterable[str], refused: dict[str, Category] | None = None) -> CompositeAnswer:
    answers = []
    for label in labels:
        category = (refused or {}).get(label)
        if category is None:
            payload: object = {"ia::result": [{"id": "US-EAST", "name": "US East"}]}
            answers.append(SubAnswer(label, payload))
        else:
            answers.append(SubAnswer(label, {}, category, (ErrorDetail("permissionDenied", "no"),)))
    return CompositeAnswer(tuple(answers), attempts=1)


def rights(*, missing: Iterable[str] = (), located_at: str = "") -> Exchange:
    data = etree.Element("data")
    for permission in REQUIRED_PERMISSIONS:
        if permission.label in set(missing):
            continue
        subscription = etree.SubElement(data, "appSubscription")
        etree.SubElement(subscription, "applicationName").text = permission.application
        policy = etree.SubElement(etree.SubElement(subscription, "policies"), "policy")
        etree.SubElement(policy, "policyName").text = permission.activity
        etree.SubElement(policy, "rights").text = permission.permission
    result = FunctionResult("success", "getUserPermissions", "permissions", data)
    authentication = Authentication("success", "ws_expenses", "DEMO-CO", located_at)
    return Exchange(GatewayResponse(200, "c", authentication, (result,)), attempts=1)


def answered(*, located_at: str = "US-EAST", missing: Iterable[str] = ()) -> RestProbed:
    return RestProbed(
        views=composite(r.label for r in VERIFIER.view_probes()),
        more=composite(r.label for r in VERIFIER.more_probes()),
        rights=rights(missing=missing, located_at=located_at),
        round_trips=3,
        attempts=3,
    )


def judge(
    credentials: ClientCredentials, probed: RestProbed, signed_in: SignIn | None = None
) -> VerificationResult:
    return VERIFIER.judge(
        signed_in or accepted(credentials), sender_id="ExpenseInMPP", client_id="Client-1", probed=probed
    )


def test_the_plan_ten_view_probes_then_the_last_one_the_entities_and_the_session_id() -> None:
    views, more = VERIFIER.view_probes(), VERIFIER.more_probes()
    assert len(views) == 10 and all(r.path == "services/core/query" and r.body["size"] == 1 for r in views)
    assert [r.label for r in more] == ["view.company-config/attachment", ENTITIES_LABEL, SESSION_LABEL]
    assert more[1].body == {
        "object": "company-config/entity",
        "fields": ["id", "name"],
        "start": 1,
        "size": 200,
    }
    assert (more[2].method, more[2].path) == ("GET", "services/core/session/id")
    probed = {r.label for r in views + more if r.label.startswith("view.")}
    assert probed == {f"view.{p.rest_object}" for p in REQUIRED_PERMISSIONS if p.rest_object}
    assert [f.name for f in VERIFIER.rights_request("ws_expenses")] == ["getUserPermissions"]


def test_a_plan_that_does_not_fit_composite_requests_is_refused() -> None:
    with pytest.raises(ValueError, match="fit"):
        RestVerifier(permissions=[p for p in REQUIRED_PERMISSIONS if p.rest_object][:1])


def test_everything_answered_at_the_entity_is_connected_and_costs_what_was_sent() -> None:
    result = judge(AT_ENTITY, answered())
    assert (result.outcome, result.reason, result.round_trips, result.attempts) == (
        Outcome.CONNECTED,
        None,
        4,
        4,
    )
    assert result.message == "Connected to Intacct company DEMO-CO (entity US-EAST)."
    assert result.entities is not None and result.entities[0].entity_id == "US-EAST"


@pytest.mark.parametrize(
    ("credentials", "located_at"),
    [(AT_ENTITY, ""), (AT_ENTITY, "US-WEST"), (TOP_LEVEL, "US-EAST")],
)
def test_a_session_anywhere_else_than_asked_is_never_connected(
    credentials: ClientCredentials, located_at: str
) -> None:
    result = judge(credentials, answered(located_at=located_at))
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.UNEXPECTED_RESPONSE)
    assert result.message == say.entity_not_applied(credentials.entity_id, located_at or None)
    if credentials.entity_id:
        assert result.check("entity").status is CheckStatus.UNKNOWN


def test_the_entity_is_compared_as_intacct_ids_are() -> None:
    assert judge(replace(AT_ENTITY, entity_id="us-east"), answered()).outcome is Outcome.CONNECTED


def test_a_finding_stands_where_the_entity_was_not_applied_with_a_note() -> None:
    result = judge(AT_ENTITY, answered(located_at="", missing=["Accounts Payable / Bills / Add"]))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS)
    assert result.message.endswith(say.entity_not_applied("US-EAST", None))


def test_a_probe_refused_alone_is_missing_and_outranks_the_rights_list() -> None:
    probed = answered()
    probed.views = composite(
        [r.label for r in VERIFIER.view_probes()], {"view.projects/project": Category.PERMISSION_DENIED}
    )
    result = judge(AT_ENTITY, probed)
    assert [p.label for p in result.missing_permissions] == ["Projects / Projects / View"]


def test_a_composite_refused_as_a_whole_leaves_its_rights_to_the_rights_list() -> None:
    probed = answered(missing=["Company / Class / View"])
    probed.views = IntacctError(Category.PERMISSION_DENIED, level=Level.RESULT, http_status=403)
    result = judge(AT_ENTITY, probed)
    assert [p.label for p in result.missing_permissions] == ["Company / Class / View"]


def test_the_check_stops_at_an_outage_and_blames_nothing() -> None:
    probed = RestProbed(
        views=IntacctError(Category.RATE_LIMITED, level=Level.CONTROL, http_status=429),
        round_trips=1,
        attempts=4,
    )
    result = judge(AT_ENTITY, probed)
    assert (result.outcome, result.reason, result.round_trips) == (Outcome.INCOMPLETE, Reason.RATE_LIMITED, 2)
    assert result.check("client_application").status is CheckStatus.OK  # the token came: it is in place


def test_no_session_id_means_no_verdict_on_the_rights() -> None:
    probed = answered()
    probed.rights = None
    probed.bridge = IntacctError(
        Category.UNKNOWN, level=Level.HTTP, detail="the session-id answer holds none"
    )
    result = judge(AT_ENTITY, probed)
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.UNEXPECTED_RESPONSE)


@pytest.mark.parametrize(
    ("category", "reason", "check_id", "status"),
    [
        (
            Category.CLIENT_APP_NOT_AUTHORIZED,
            Reason.CLIENT_APP_NOT_AUTHORIZED,
            "client_application",
            CheckStatus.MISSING,
        ),
        (
            Category.COMPANY_REFUSED_APPLICATION,
            Reason.COMPANY_REFUSED_APPLICATION,
            "web_services",
            CheckStatus.UNKNOWN,
        ),
        (Category.ENTITY_INVALID, Reason.ENTITY_INVALID, "entity", CheckStatus.MISSING),
    ],
)
def test_a_refused_token_is_judged_alone(
    category: Category, reason: Reason, check_id: str, status: CheckStatus
) -> None:
    failure = IntacctError(category, level=Level.AUTHENTICATION, http_status=400)
    signed_in = SignIn(AT_ENTITY, SignInOutcome.REFUSED, failure, round_trips=1, attempts=1)
    result = judge(AT_ENTITY, RestProbed(), signed_in)
    assert (result.outcome, result.reason, result.round_trips) == (Outcome.ACTION_REQUIRED, reason, 1)
    assert result.check(check_id).status is status and result.sign_in is SignInOutcome.REFUSED
    if reason is Reason.CLIENT_APP_NOT_AUTHORIZED:
        assert result.message == say.client_app_not_authorized("Client-1", "ws_expenses")
    if reason is Reason.COMPANY_REFUSED_APPLICATION:
        assert result.message == say.company_refused_application("DEMO-CO", "ExpenseInMPP")
