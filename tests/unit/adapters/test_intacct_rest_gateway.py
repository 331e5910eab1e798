"""The Intacct port over the REST API, against the simulator over real HTTP on loopback: what each demo case
verifies to and what it costs (round trips counted from the simulator's own request log), the whole-call
composite mode, outages, and exports' XML functions run through the session-id bridge."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import yaml

from connection_service.adapters.intacct_rest_gateway import IntacctRestGateway
from connection_service.adapters.secrets_store import SenderNotConfigured
from connection_service.intacct import (
    Category,
    ClientCredentials,
    Deadline,
    Level,
    LoginCredentials,
    Secret,
    SignIn,
    SignInOutcome,
)
from connection_service.intacct.rest import (
    ClientApplication,
    ClientApplicationNotConfigured,
    RestClient,
    RestSession,
)
from connection_service.intacct.rest.operations import RestOperation
from connection_service.intacct.xml import (
    HttpTransport,
    IntacctClient,
    RetryPolicy,
    SenderCredentials,
    Timeouts,
)
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.verification import (
    REQUIRED_PERMISSIONS,
    REST_ROUND_TRIPS_ON_SUCCESS,
    CheckStatus,
    Outcome,
    Reason,
    VerificationResult,
)
from connection_service.verification import messages as say
from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator
from tests.support.demo import SENDER

APP = ClientApplication("ExpenseInREST-Demo", Secret("Client-Demo-Secret-1"))
ADD_DELETE = {p.check_id for p in REQUIRED_PERMISSIONS if p.rest_object is None}


def gateway_for(
    sim: IntacctSimulator,
    *,
    load_client: Callable[[], ClientApplication] = lambda: APP,
    load_sender: Callable[[], SenderCredentials] = lambda: SENDER,
    read_timeout: float = 5.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> IntacctRestGateway:
    transport = HttpTransport(timeouts=Timeouts(connect=1.0, read=read_timeout))
    retry = RetryPolicy(base_delay=0.01, max_delay=0.05)
    return IntacctRestGateway(
        load_client,
        load_sender,
        rest_url=sim.rest_url,
        xml_endpoint_url=sim.gateway_url,
        rest_client_factory=lambda url: RestClient(
            url, transport=transport, retry=retry, sleep=lambda _: None
        ),
        xml_client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, transport=transport, retry=retry, sleep=lambda _: None
        ),
        clock=clock,
    )


def verified(
    sim: IntacctSimulator, credentials: ClientCredentials, intacct: IntacctRestGateway | None = None
) -> tuple[SignIn, VerificationResult, list[dict[str, Any]]]:
    intacct = intacct or gateway_for(sim)
    signed_in = intacct.sign_in(credentials, deadline=Deadline(15))
    result = intacct.verify(signed_in, deadline=Deadline(15))
    return signed_in, result, sim.requests(credentials.company_id)


def control(sim: IntacctSimulator, method: str, path: str, body: Any = None) -> None:
    reply = requests.request(method, sim.base_url + "/_sim" + path, json=body, timeout=5)
    assert reply.status_code < 300, reply.text


def sent(log: list[dict[str, Any]]) -> list[str]:
    """Each request as `METHOD path` (REST) or `XML functions` (the gateway)."""
    return [
        f"{entry['method']} {entry['path']}"
        if entry.get("api") == "rest"
        else f"XML {','.join(entry['functions'])}"
        for entry in log
    ]


def not_ok(result: VerificationResult) -> dict[str, CheckStatus]:
    return {item.check_id: item.status for item in result.checks if item.status is not CheckStatus.OK}


SUCCESS_PATH = [
    "POST /oauth2/token",
    "POST /services/core/composite",
    "POST /services/core/composite",
    "XML getUserPermissions",
]


# -- verification -------------------------------------------------------------------------------------------


def test_a_connected_user_costs_four_round_trips(simulator: IntacctSimulator) -> None:
    signed_in, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert (result.outcome, result.reason) == (Outcome.CONNECTED, None)
    assert result.round_trips == REST_ROUND_TRIPS_ON_SUCCESS == 4 and result.attempts == 4
    assert sent(log) == SUCCESS_PATH
    assert (result.sign_ins, result.sign_in, signed_in.round_trips) == (1, SignInOutcome.ACCEPTED, 1)
    assert not_ok(result) == {} and result.check("client_application").status is CheckStatus.OK
    assert "sign_in" not in {item.check_id for item in result.checks}  # no password in this method
    assert result.entities is not None and [e.entity_id for e in result.entities] == ["US-EAST", "US-WEST"]
    assert result.message == "Connected to Intacct company DEMO-CO."


def test_at_an_entity_the_token_is_minted_there_and_the_session_proved_there(
    simulator: IntacctSimulator,
) -> None:
    _, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses", "us-east"))
    assert result.outcome is Outcome.CONNECTED and result.round_trips == 4
    assert result.check("entity").status is CheckStatus.OK
    assert [entry["entity"] for entry in log] == ["us-east", "US-EAST", "US-EAST", "US-EAST"]
    assert log[-1]["auth"] == "session"  # getUserPermissions in the token's own session, at the entity


@pytest.fixture
def restricted() -> Iterator[IntacctSimulator]:
    """DEMO-CO's ws_expenses restricted to US-EAST (no top-level access), and ws_limited not allowed to read
    its own permissions."""
    with open(DEMO_DATA_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    users = data["companies"]["DEMO-CO"]["users"]
    users["ws_expenses"] = {**copy.deepcopy(users["ws_expenses"]), "entities": ["US-EAST"]}
    users["ws_limited"] = {**copy.deepcopy(users["ws_limited"]), "can_read_permissions": False}
    with IntacctSimulator(data) as sim:
        yield sim


def test_a_user_restricted_to_its_entity_connects_there_and_is_refused_at_the_top_level(
    restricted: IntacctSimulator,
) -> None:
    _, at_entity, _ = verified(restricted, ClientCredentials("DEMO-CO", "ws_expenses", "US-EAST"))
    assert at_entity.outcome is Outcome.CONNECTED and at_entity.round_trips == 4
    restricted.reset()
    _, top_level, log = verified(restricted, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert (top_level.outcome, top_level.reason) == (Outcome.ACTION_REQUIRED, Reason.ENTITY_INVALID)
    assert top_level.round_trips == 1 and len(log) == 1
    assert top_level.message == say.top_level_refused("ws_expenses")


def test_a_wrong_entity_is_refused_by_the_token_request_alone(simulator: IntacctSimulator) -> None:
    signed_in, result, log = verified(
        simulator, ClientCredentials("DEMO-CO", "ws_expenses", "NO-SUCH-ENTITY")
    )
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.ENTITY_INVALID)
    assert signed_in.outcome is SignInOutcome.REFUSED and result.sign_in is SignInOutcome.REFUSED
    assert result.round_trips == 1 and sent(log) == ["POST /oauth2/token"]
    assert result.check("entity").status is CheckStatus.MISSING
    assert result.check("client_application").status is CheckStatus.OK  # the entity is all it refused


def test_a_user_not_linked_to_our_client_application(simulator: IntacctSimulator) -> None:
    signed_in, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_unlinked"))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.CLIENT_APP_NOT_AUTHORIZED)
    assert signed_in.outcome is SignInOutcome.REFUSED and result.round_trips == 1 and len(log) == 1
    assert result.check("client_application").status is CheckStatus.MISSING
    assert result.message == say.client_app_not_authorized("ExpenseInREST-Demo", "ws_unlinked")
    assert result.category is Category.CLIENT_APP_NOT_AUTHORIZED and result.support_ids


@pytest.mark.parametrize("company", ["NOSENDER-CO", "NOWS-CO"])
def test_a_company_that_refuses_our_application(simulator: IntacctSimulator, company: str) -> None:
    _, result, log = verified(simulator, ClientCredentials(company, "ws_expenses"))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.COMPANY_REFUSED_APPLICATION)
    assert result.round_trips == 1 and len(log) == 1
    assert result.message == say.company_refused_application(company, "ExpenseInMPP")
    assert result.check("web_services").status is CheckStatus.UNKNOWN
    assert result.check("sender_authorized").status is CheckStatus.UNKNOWN


def test_missing_permissions_are_named(simulator: IntacctSimulator) -> None:
    _, result, _ = verified(simulator, ClientCredentials("DEMO-CO", "ws_limited"))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS)
    assert [p.label for p in result.missing_permissions] == [
        "Accounts Payable / Bills / Add",
        "Projects / Projects / View",
    ]
    assert result.round_trips == 4 and result.category is Category.PERMISSION_DENIED


def test_an_unsubscribed_application(simulator: IntacctSimulator) -> None:
    control(
        simulator,
        "PUT",
        "/companies/NOPROJECTS-CO/client-applications/ExpenseInREST-Demo",
        {"users": ["ws_expenses"]},
    )
    _, result, _ = verified(simulator, ClientCredentials("NOPROJECTS-CO", "ws_expenses"))
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MODULE_NOT_SUBSCRIBED)
    assert not_ok(result) == {"permission.projects.projects.view": CheckStatus.NOT_SUBSCRIBED}


def test_rights_the_user_may_not_read_stay_unconfirmed(restricted: IntacctSimulator) -> None:
    _, result, _ = verified(restricted, ClientCredentials("DEMO-CO", "ws_limited"))
    # Projects View is refused to its probe; the Add and Delete rights cannot be read at all.
    assert result.reason is Reason.MISSING_PERMISSIONS
    assert [p.label for p in result.missing_permissions] == ["Projects / Projects / View"]
    unknown = {item.check_id for item in result.checks if item.status is CheckStatus.UNKNOWN}
    assert unknown == ADD_DELETE
    assert all(say.RIGHT_UNCONFIRMED in (result.check(check_id).remediation or "") for check_id in unknown)


def test_a_connected_user_whose_rights_cannot_be_read(restricted: IntacctSimulator) -> None:
    control(
        restricted,
        "POST",
        "/companies/DEMO-CO/users/ws_limited/grant",
        _right("Projects", "Projects", "View"),
    )
    _, result, _ = verified(restricted, ClientCredentials("DEMO-CO", "ws_limited"))
    assert result.outcome is Outcome.CONNECTED and result.round_trips == 4
    assert result.message.endswith(
        f"{len(ADD_DELETE)} permission(s) could not be confirmed; see the checklist."
    )


def _right(application: str, activity: str, permission: str) -> dict[str, str]:
    return {"application": application, "activity": activity, "permission": permission}


# -- composite requests failing as a whole -------------------------------------------------------------------


def test_whole_mode_a_connected_user_still_costs_four(simulator: IntacctSimulator) -> None:
    control(simulator, "PATCH", "/companies/DEMO-CO", {"composite_failure": "whole"})
    _, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert result.outcome is Outcome.CONNECTED and result.round_trips == 4 and sent(log) == SUCCESS_PATH


def test_whole_mode_the_rights_list_decides_the_view_rights(simulator: IntacctSimulator) -> None:
    control(simulator, "PATCH", "/companies/DEMO-CO", {"composite_failure": "whole"})
    _, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_limited"))
    assert result.reason is Reason.MISSING_PERMISSIONS and result.round_trips == 4
    assert [entry["http_status"] for entry in log] == [200, 403, 200, 200]
    assert [p.label for p in result.missing_permissions] == [
        "Accounts Payable / Bills / Add",
        "Projects / Projects / View",
    ]


def test_whole_mode_a_refused_third_request_costs_a_fifth_for_the_session_id(
    simulator: IntacctSimulator,
) -> None:
    control(simulator, "PATCH", "/companies/DEMO-CO", {"composite_failure": "whole"})
    control(
        simulator,
        "POST",
        "/companies/DEMO-CO/users/ws_expenses/revoke",
        _right("Company", "Attachments", "View"),
    )
    _, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert sent(log) == [*SUCCESS_PATH[:3], "GET /services/core/session/id", "XML getUserPermissions"]
    assert result.round_trips == 5 and result.reason is Reason.MISSING_PERMISSIONS
    assert [p.label for p in result.missing_permissions] == ["Company / Attachments / View"]
    assert result.entities is None  # the entity list went down with the third request


def test_whole_mode_without_the_rights_list_the_refused_object_is_named(restricted: IntacctSimulator) -> None:
    control(restricted, "PATCH", "/companies/DEMO-CO", {"composite_failure": "whole"})
    _, result, _ = verified(restricted, ClientCredentials("DEMO-CO", "ws_limited"))
    assert [p.label for p in result.missing_permissions] == ["Projects / Projects / View"]
    assert not_ok(result)["permission.company.departments.view"] is CheckStatus.UNKNOWN  # not probed alone


# -- outages, throttling, our own configuration --------------------------------------------------------------


def test_a_throttled_token_request_is_retried_then_incomplete_and_never_sent(
    simulator: IntacctSimulator,
) -> None:
    control(simulator, "POST", "/companies/DEMO-CO/faults", {"kind": "rate_limit", "always": True})
    signed_in, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert signed_in.outcome is SignInOutcome.NOT_SENT and len(log) == RetryPolicy().max_attempts
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.RATE_LIMITED)
    assert not_ok(result).get("client_application") is CheckStatus.UNKNOWN  # nothing blamed


def test_an_outage_after_the_token_is_incomplete(simulator: IntacctSimulator) -> None:
    control(
        simulator,
        "POST",
        "/companies/DEMO-CO/faults",
        {"kind": "temporarily_offline", "always": True, "auth": "token"},
    )
    _, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"))
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE)
    assert (
        sent(log) == ["POST /oauth2/token"] + ["POST /services/core/composite"] * RetryPolicy().max_attempts
    )
    assert result.round_trips == 2 and result.attempts == 1 + RetryPolicy().max_attempts


def test_a_request_that_timed_out_is_not_sent_again(simulator: IntacctSimulator) -> None:
    fault = {"kind": "slow", "always": True, "auth": "token", "delay_ms": 800}
    control(simulator, "POST", "/companies/DEMO-CO/faults", fault)
    intacct = gateway_for(simulator, read_timeout=0.3)
    _, result, _ = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"), intacct)
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE)
    assert result.round_trips == 2 and result.attempts == 2
    # The simulator logs the slow request once it has answered it.
    give_up_at = time.monotonic() + 3
    while len(simulator.requests("DEMO-CO")) < 2 and time.monotonic() < give_up_at:
        time.sleep(0.05)
    assert sent(simulator.requests("DEMO-CO")) == ["POST /oauth2/token", "POST /services/core/composite"]


def test_a_flaky_company_connects_after_retries(simulator: IntacctSimulator) -> None:
    control(
        simulator,
        "PUT",
        "/companies/FLAKY-CO/client-applications/ExpenseInREST-Demo",
        {"users": ["ws_expenses"]},
    )
    _, result, log = verified(simulator, ClientCredentials("FLAKY-CO", "ws_expenses"))
    assert result.outcome is Outcome.CONNECTED and result.round_trips == 4
    assert result.attempts == len(log) == 8 and [e["http_status"] for e in log].count(503) == 4


def test_without_our_client_application_nothing_is_sent_and_the_check_is_ours(
    simulator: IntacctSimulator,
) -> None:
    def missing() -> ClientApplication:
        raise ClientApplicationNotConfigured("client application secret is empty")

    intacct = gateway_for(simulator, load_client=missing)
    intacct.prepare(
        ClientCredentials("DEMO-CO", "ws_expenses")
    )  # a missing configuration is reported by the verification, not raised
    signed_in, result, log = verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"), intacct)
    assert signed_in.outcome is SignInOutcome.NOT_SENT and log == []
    assert signed_in.failure is not None and signed_in.failure.category is Category.SENDER_CREDENTIALS_INVALID
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.PLATFORM_CREDENTIALS_INVALID)
    assert result.check("client_application").label.startswith("Client application '(not configured)'")
    assert result.check("sender_authorized").label == "Sender ID 'ExpenseInMPP' is authorized for the company"


def test_without_our_sender_nothing_is_sent_either(simulator: IntacctSimulator) -> None:
    def missing() -> SenderCredentials:
        raise SenderNotConfigured("sender secret is empty")

    signed_in, result, log = verified(
        simulator, ClientCredentials("DEMO-CO", "ws_expenses"), gateway_for(simulator, load_sender=missing)
    )
    assert signed_in.outcome is SignInOutcome.NOT_SENT and log == []
    assert result.reason is Reason.PLATFORM_CREDENTIALS_INVALID


def test_platform_secrets_are_loaded_once_for_a_few_minutes(simulator: IntacctSimulator) -> None:
    loads: list[str] = []

    def load_client() -> ClientApplication:
        loads.append("client")
        return APP

    def load_sender() -> SenderCredentials:
        loads.append("sender")
        return SENDER

    intacct = gateway_for(simulator, load_client=load_client, load_sender=load_sender)
    for _ in range(2):
        verified(simulator, ClientCredentials("DEMO-CO", "ws_expenses"), intacct)
    assert loads == ["client", "sender"]


def test_a_blocked_sign_in_is_explained_without_a_request(simulator: IntacctSimulator) -> None:
    result = gateway_for(simulator).explain(
        ClientCredentials("DEMO-CO", "ws_unlinked"),
        outcome=Outcome.ACTION_REQUIRED,
        reason=Reason.CLIENT_APP_NOT_AUTHORIZED,
        message="blocked",
        blocked="refused_password",
    )
    assert result.check("client_application").status is CheckStatus.MISSING
    assert "ExpenseInREST-Demo" in result.check("client_application").label
    assert simulator.requests("DEMO-CO") == []


def test_password_credentials_are_not_this_gateways(simulator: IntacctSimulator) -> None:
    with pytest.raises(TypeError):
        gateway_for(simulator).sign_in(LoginCredentials("DEMO-CO", "u", Secret("p")), deadline=Deadline(5))


# -- exports: the worker's XML functions through the session-id bridge ---------------------------------------

READ = "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>"
WRITE = "<create><CLASS><CLASSID>C-REST</CLASSID><NAME>Made over REST</NAME></CLASS></create>"


def test_an_export_reads_and_writes_in_the_bridged_session_until_the_token_expires(
    simulator: IntacctSimulator,
) -> None:
    control(
        simulator, "POST", "/companies/DEMO-CO/users/ws_expenses/grant", _right("Company", "Class", "Add")
    )
    intacct = gateway_for(simulator)
    before = datetime.now(UTC)
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses", "US-EAST"), deadline=Deadline(10))
    read = intacct.call(
        signed_in, [WorkerFunction.parse(READ, "r1")], deadline=Deadline(10), transaction=False
    )
    assert (
        read.failure is None
        and read.results[0].status == "success"
        and "V100" in (read.results[0].data or "")
    )
    # The token's expiry, not the XML session's (an hour in the simulator): one token for six hours.
    assert read.session_expires_at is not None
    assert before + timedelta(hours=6) <= read.session_expires_at <= datetime.now(UTC) + timedelta(hours=6)
    write = WorkerFunction.parse(WRITE, "w-1")
    first = intacct.call(signed_in, [write], deadline=Deadline(10), transaction=False)
    again = intacct.call(signed_in, [write], deadline=Deadline(10), transaction=False)  # the worker's retry
    assert [first.results[0].status, again.results[0].status] == ["success", "repeated"]  # uniqueid: once
    log = simulator.requests("DEMO-CO")
    assert (
        sent(log)
        == ["POST /oauth2/token", "GET /services/core/session/id"] + ["XML query"] + ["XML create"] * 2
    )
    assert {entry["entity"] for entry in log[1:]} == {"US-EAST"}


def test_a_verification_hands_its_xml_session_to_the_calls_after_it(simulator: IntacctSimulator) -> None:
    intacct = gateway_for(simulator)
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses"), deadline=Deadline(10))
    assert intacct.verify(signed_in, deadline=Deadline(10)).outcome is Outcome.CONNECTED
    answer = intacct.call(
        signed_in, [WorkerFunction.parse(READ, "r1")], deadline=Deadline(10), transaction=False
    )
    assert answer.failure is None and sent(simulator.requests("DEMO-CO"))[4:] == ["XML query"]


@pytest.mark.parametrize("style", ["rest_1206", "gw_0040"])
def test_an_expired_token_comes_back_as_session_invalid(simulator: IntacctSimulator, style: str) -> None:
    control(
        simulator,
        "PATCH",
        "/companies/DEMO-CO",
        {"access_token_lifetime_seconds": 0.3, "expired_token_style": style},
    )
    intacct = gateway_for(simulator)
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses"), deadline=Deadline(10))
    time.sleep(0.4)  # Intacct's token (and its session) expired; ours says a second (expires_in is whole)
    answer = intacct.call(
        signed_in, [WorkerFunction.parse(READ, "r1")], deadline=Deadline(10), transaction=False
    )
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    assert sent(simulator.requests("DEMO-CO")) == ["POST /oauth2/token", "GET /services/core/session/id"]


def test_a_token_ended_in_intacct_is_session_invalid_after_one_more_fetch(
    simulator: IntacctSimulator,
) -> None:
    intacct = gateway_for(simulator)
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses"), deadline=Deadline(10))
    read = [WorkerFunction.parse(READ, "r1")]
    assert intacct.call(signed_in, read, deadline=Deadline(10), transaction=False).failure is None
    control(simulator, "DELETE", "/companies/DEMO-CO/sessions")
    answer = intacct.call(signed_in, read, deadline=Deadline(10), transaction=False)
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    # The XML gateway no longer knows the session (logged without a company), then the token is refused.
    assert sent(simulator.requests())[3:] == ["XML query", "GET /services/core/session/id"]


@pytest.mark.parametrize(
    ("fault", "category"),
    [("rate_limit", Category.RATE_LIMITED), ("temporarily_offline", Category.SERVICE_UNAVAILABLE)],
)
def test_an_outage_during_a_call_is_transient_and_keeps_the_sign_in(
    simulator: IntacctSimulator, fault: str, category: Category
) -> None:
    intacct = gateway_for(simulator)
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses"), deadline=Deadline(10))
    control(simulator, "POST", "/companies/DEMO-CO/faults", {"kind": fault, "always": True, "auth": "token"})
    read = [WorkerFunction.parse(READ, "r1")]
    answer = intacct.call(signed_in, read, deadline=Deadline(10), transaction=False)
    assert answer.failure is not None and answer.failure.category is category and category.transient
    assert answer.failure.attempts == RetryPolicy().max_attempts  # provably not run: retried
    control(simulator, "DELETE", "/companies/DEMO-CO/faults")
    assert intacct.call(signed_in, read, deadline=Deadline(10), transaction=False).failure is None


def test_a_token_past_its_expiry_is_not_sent(simulator: IntacctSimulator) -> None:
    later = [datetime.now(UTC)]
    intacct = gateway_for(simulator, clock=lambda: later[0])
    signed_in = intacct.sign_in(ClientCredentials("DEMO-CO", "ws_expenses"), deadline=Deadline(10))
    later[0] += timedelta(hours=6, seconds=1)
    answer = intacct.call(
        signed_in, [WorkerFunction.parse(READ, "r1")], deadline=Deadline(10), transaction=False
    )
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    assert answer.failure.never_sent and len(simulator.requests("DEMO-CO")) == 1


# -- exports: REST operations sent with the token ------------------------------------------------------------

BILLS = "objects/accounts-payable/bill"
BILL = {
    "vendor": {"id": "V100"},
    "createdDate": "2024-05-01",
    "billNumber": "EXP-0042",
    "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "42.00", "memo": "Taxi"}],
}
VENDOR = RestOperation("vendor", "GET", "objects/accounts-payable/vendor/22")


def post_bill(operation_id: str = "bill", key: str = "bill-EXP-0042", **changes: Any) -> RestOperation:
    return RestOperation(operation_id, "POST", BILLS, {**BILL, **changes}, idempotency_key=key)


def query(operation_id: str, object_name: str, *fields: str, **filters: str) -> RestOperation:
    body: dict[str, Any] = {"object": object_name, "fields": list(fields)}
    if filters:
        body["filters"] = [{"$eq": {name: value}} for name, value in filters.items()]
    # A query is a POST: it goes with a key like any operation that is not a GET.
    return RestOperation(
        operation_id, "POST", "services/core/query", body, idempotency_key=f"{operation_id}-q"
    )


class Place:
    """A slot of the company's limit, as the company limiter hands one out."""

    def __init__(self) -> None:
        self.occupied = False

    def left_running(self) -> None:
        self.occupied = True


def signed_in_as(
    sim: IntacctSimulator,
    user: str = "ws_expenses",
    entity: str = "",
    company: str = "DEMO-CO",
    **options: Any,
) -> tuple[IntacctRestGateway, SignIn]:
    intacct = gateway_for(sim, **options)
    signed_in = intacct.sign_in(ClientCredentials(company, user, entity), deadline=Deadline(10))
    assert signed_in.failure is None
    return intacct, signed_in


def rest_sent(sim: IntacctSimulator, company: str = "DEMO-CO") -> list[str]:
    """The calls after the token request."""
    return sent(sim.requests(company))[1:]


def bills_numbered(sim: IntacctSimulator, number: str) -> int:
    intacct, signed_in = signed_in_as(sim)
    found = intacct.run_operations(
        signed_in, [query("count", "accounts-payable/bill", "id", billNumber=number)], deadline=Deadline(10)
    )
    assert found.failure is None and found.results[0].status == "success", found
    return int(found.results[0].meta["totalCount"])


@pytest.fixture
def bills_visible(simulator: IntacctSimulator) -> IntacctSimulator:
    """ws_expenses may read bills too (the 16 rights hold only their Add), so a test can count them."""
    control(
        simulator,
        "POST",
        "/companies/DEMO-CO/users/ws_expenses/grant",
        _right("Accounts Payable", "Bills", "View"),
    )
    return simulator


def test_reads_answer_their_result_and_meta_until_the_tokens_expiry(simulator: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(simulator)
    assert isinstance(signed_in.session, RestSession) and signed_in.session.token is not None
    answer = intacct.run_operations(
        signed_in, [query("vendors", "accounts-payable/vendor", "id", "name"), VENDOR], deadline=Deadline(10)
    )
    assert answer.failure is None and answer.session_expires_at == signed_in.session.token.expires_at
    vendors, vendor = answer.results
    assert (vendors.operation_id, vendors.status, vendors.http_status) == ("vendors", "success", 200)
    assert [row["id"] for row in vendors.result] == ["V100", "V200", "V300"] and vendors.meta[
        "totalCount"
    ] == 3
    assert (vendor.operation_id, vendor.result["id"], vendor.result["key"]) == ("vendor", "V200", "22")
    assert rest_sent(simulator) == ["POST /services/core/query", "GET /objects/accounts-payable/vendor/22"]


def test_a_bill_posted_again_under_its_key_is_repeated_and_exists_once(
    bills_visible: IntacctSimulator,
) -> None:
    intacct, signed_in = signed_in_as(bills_visible)
    first = intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10))
    again = intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10))  # the worker's retry
    [created], [repeated] = first.results, again.results
    assert (created.status, created.http_status, created.category) == ("success", 201, None)
    assert created.result["key"] and created.result["href"].endswith("/" + created.result["key"])
    assert (repeated.status, repeated.http_status, repeated.category) == ("repeated", 409, None)
    assert repeated.result is None and repeated.errors[0].support_id  # the 409 itself, for support
    assert bills_numbered(bills_visible, "EXP-0042") == 1


def test_with_replayed_keys_the_first_answer_comes_back_as_a_success(bills_visible: IntacctSimulator) -> None:
    control(bills_visible, "PATCH", "/companies/DEMO-CO", {"idempotency_key_reuse": "replay"})
    intacct, signed_in = signed_in_as(bills_visible)
    first, again = (intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10)) for _ in range(2))
    assert first.results == again.results and first.results[0].status == "success"
    assert bills_numbered(bills_visible, "EXP-0042") == 1


def test_a_second_record_with_the_same_id_is_a_duplicate_not_a_repeat(simulator: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(simulator)
    folders = [
        RestOperation(
            f"folder-{n}",
            "POST",
            "objects/company-config/folder",
            {"id": "Receipts"},
            idempotency_key=f"f-{n}",
        )
        for n in (1, 2)
    ]
    answer = intacct.run_operations(signed_in, folders, deadline=Deadline(10))
    assert [(r.status, r.http_status, r.category) for r in answer.results] == [
        ("success", 201, None),
        ("failure", 409, Category.DUPLICATE),
    ]


def test_patch_and_delete(simulator: IntacctSimulator) -> None:
    control(
        simulator, "POST", "/companies/DEMO-CO/users/ws_expenses/grant", _right("Company", "Class", "Edit")
    )
    intacct, signed_in = signed_in_as(simulator)
    operations = [
        RestOperation(
            "rename", "PATCH", "objects/company-config/class/2", {"name": "SMB"}, idempotency_key="p-1"
        ),
        RestOperation("remove", "DELETE", "objects/company-config/attachment/1", idempotency_key="d-1"),
        RestOperation("renamed", "GET", "objects/company-config/class/2"),
        RestOperation("removed", "GET", "objects/company-config/attachment/1"),
    ]
    answer = intacct.run_operations(signed_in, operations, deadline=Deadline(10))
    rename, remove, renamed, removed = answer.results
    assert (rename.status, rename.http_status, rename.result["key"]) == ("success", 200, "2")
    assert (remove.status, remove.http_status, remove.result, remove.meta) == ("success", 204, None, None)
    assert renamed.result["name"] == "SMB"
    assert (removed.status, removed.http_status, removed.category) == (
        "failure",
        404,
        Category.OBJECT_UNAVAILABLE,
    )


def test_refusals_on_their_merits_are_each_operations_own_and_the_call_goes_on(
    simulator: IntacctSimulator,
) -> None:
    intacct, signed_in = signed_in_as(simulator, "ws_limited")  # no Accounts Payable / Bills / Add
    answer = intacct.run_operations(signed_in, [post_bill(), VENDOR], deadline=Deadline(10))
    denied, vendor = answer.results
    assert (denied.status, denied.http_status, denied.category) == (
        "failure",
        403,
        Category.PERMISSION_DENIED,
    )
    assert "CREATE" in denied.errors[0].description and denied.errors[0].support_id
    assert answer.failure is None and vendor.status == "success"
    simulator.reset()
    intacct, signed_in = signed_in_as(simulator)
    answer = intacct.run_operations(signed_in, [post_bill(vendor={"id": "V999"})], deadline=Deadline(10))
    [refused] = answer.results
    assert (refused.status, refused.http_status, refused.category) == (
        "failure",
        422,
        Category.VALIDATION_FAILED,
    )
    assert "Vendor V999 does not exist." in [error.description for error in refused.errors]
    assert refused.meta["totalError"] == 1


def test_an_unsubscribed_module(simulator: IntacctSimulator) -> None:
    control(
        simulator,
        "PUT",
        "/companies/NOPROJECTS-CO/client-applications/ExpenseInREST-Demo",
        {"users": ["ws_expenses"]},
    )
    intacct, signed_in = signed_in_as(simulator, company="NOPROJECTS-CO")
    answer = intacct.run_operations(
        signed_in, [query("projects", "projects/project", "id")], deadline=Deadline(10)
    )
    assert answer.results[0].category is Category.MODULE_NOT_SUBSCRIBED


def test_an_operations_entity_is_sent_and_otherwise_the_tokens_applies(simulator: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(simulator)
    at_west = RestOperation("west", "GET", VENDOR.path, entity_id="US-WEST")
    answer = intacct.run_operations(signed_in, [at_west, VENDOR], deadline=Deadline(10))
    assert answer.failure is None
    assert [entry["entity"] for entry in simulator.requests("DEMO-CO")[1:]] == ["US-WEST", None]
    simulator.reset()
    intacct, signed_in = signed_in_as(simulator, entity="US-EAST")
    unknown = RestOperation("nowhere", "GET", VENDOR.path, entity_id="NO-SUCH-ENTITY")
    answer = intacct.run_operations(signed_in, [VENDOR, unknown, VENDOR], deadline=Deadline(10))
    assert [entry["entity"] for entry in simulator.requests("DEMO-CO")[1:]] == ["US-EAST", None, "US-EAST"]
    assert [r.status for r in answer.results] == ["success", "failure", "success"]
    assert (
        answer.results[1].category is Category.REQUEST_INVALID
    )  # the operation's entity, not the connection's


@pytest.mark.parametrize("style", ["rest_1206", "gw_0040"])
def test_a_token_intacct_ended_is_session_invalid_and_nothing_after_it_is_sent(
    simulator: IntacctSimulator, style: str
) -> None:
    control(
        simulator,
        "PATCH",
        "/companies/DEMO-CO",
        {"access_token_lifetime_seconds": 0.3, "expired_token_style": style},
    )
    intacct, signed_in = signed_in_as(simulator)
    time.sleep(0.4)  # Intacct's token expired; ours says a second (expires_in is whole)
    answer = intacct.run_operations(signed_in, [VENDOR, post_bill()], deadline=Deadline(10))
    assert answer.results == () and answer.failure is not None
    assert answer.failure.category is Category.SESSION_INVALID  # the export mints once more
    assert rest_sent(simulator) == ["GET /objects/accounts-payable/vendor/22"]


def test_a_token_ended_between_calls_is_session_invalid(simulator: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(simulator)
    assert intacct.run_operations(signed_in, [VENDOR], deadline=Deadline(10)).failure is None
    control(simulator, "DELETE", "/companies/DEMO-CO/sessions")
    answer = intacct.run_operations(signed_in, [post_bill(), VENDOR], deadline=Deadline(10))
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    assert rest_sent(simulator) == ["GET /objects/accounts-payable/vendor/22", f"POST /{BILLS}"]


def test_a_token_past_its_expiry_by_our_clock_sends_nothing(simulator: IntacctSimulator) -> None:
    later = [datetime.now(UTC)]
    intacct, signed_in = signed_in_as(simulator, clock=lambda: later[0])
    later[0] += timedelta(hours=6, seconds=1)
    answer = intacct.run_operations(signed_in, [VENDOR], deadline=Deadline(10))
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    assert answer.failure.never_sent and rest_sent(simulator) == []


def test_a_company_that_refuses_our_application_ends_the_call(simulator: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(simulator)
    control(simulator, "PATCH", "/companies/DEMO-CO", {"web_services_enabled": False})
    answer = intacct.run_operations(signed_in, [VENDOR, VENDOR], deadline=Deadline(10))
    assert answer.failure is not None and answer.failure.category is Category.COMPANY_REFUSED_APPLICATION
    assert len(rest_sent(simulator)) == 1


@pytest.mark.parametrize(
    ("fault", "category", "retry_after"),
    [("rate_limit", Category.RATE_LIMITED, 1.0), ("temporarily_offline", Category.SERVICE_UNAVAILABLE, None)],
)
def test_a_throttled_or_offline_write_is_transient_and_ends_the_call(
    bills_visible: IntacctSimulator, fault: str, category: Category, retry_after: float | None
) -> None:
    intacct, signed_in = signed_in_as(bills_visible)
    control(
        bills_visible, "POST", "/companies/DEMO-CO/faults", {"kind": fault, "always": True, "auth": "token"}
    )
    answer = intacct.run_operations(signed_in, [post_bill(), VENDOR], deadline=Deadline(10))
    assert answer.results == () and answer.failure is not None
    assert (answer.failure.category, answer.failure.retry_after) == (category, retry_after)
    assert answer.failure.category.transient and answer.failure.not_processed
    # The one policy resends only what provably did not run: every attempt was refused before running.
    attempts = bills_visible.requests("DEMO-CO")[1:]
    assert len(attempts) == RetryPolicy().max_attempts and {entry["fault"] for entry in attempts} == {fault}
    assert rest_sent(bills_visible) == [f"POST /{BILLS}"] * RetryPolicy().max_attempts  # the vendor never
    control(bills_visible, "DELETE", "/companies/DEMO-CO/faults")
    assert bills_numbered(bills_visible, "EXP-0042") == 0


def test_a_write_refused_once_as_offline_is_posted_on_the_retry_once(bills_visible: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(bills_visible)
    control(bills_visible, "POST", "/companies/DEMO-CO/faults", {"kind": "temporarily_offline", "nth": [2]})
    answer = intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10))
    assert answer.failure is None and answer.results[0].status == "success"
    assert [entry["http_status"] for entry in bills_visible.requests("DEMO-CO")[1:]] == [503, 201]
    assert bills_numbered(bills_visible, "EXP-0042") == 1


def test_a_write_that_timed_out_is_never_resent_and_keeps_its_place(bills_visible: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(bills_visible, read_timeout=0.3)
    slow = {"kind": "slow", "always": True, "auth": "token", "delay_ms": 800}
    control(bills_visible, "POST", "/companies/DEMO-CO/faults", slow)
    place = Place()
    answer = intacct.run_operations(signed_in, [post_bill(), VENDOR], deadline=Deadline(10, place=place))
    assert answer.results == () and answer.failure is not None
    assert answer.failure.may_still_run and answer.failure.attempts == 1 and place.occupied
    give_up_at = time.monotonic() + 3  # the simulator logs the slow request once it has answered it
    while len(bills_visible.requests("DEMO-CO")) < 2 and time.monotonic() < give_up_at:
        time.sleep(0.05)
    assert rest_sent(bills_visible) == [f"POST /{BILLS}"]  # once, and the vendor never
    control(bills_visible, "DELETE", "/companies/DEMO-CO/faults")
    assert bills_numbered(bills_visible, "EXP-0042") == 1  # it ran after we stopped waiting
    # The worker sends the call again once the place is free: the key tells Intacct it ran.
    again = intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10))
    assert again.results[0].status == "repeated" and bills_numbered(bills_visible, "EXP-0042") == 1


def test_an_answer_that_is_not_json_ends_the_call_as_unknown(bills_visible: IntacctSimulator) -> None:
    intacct, signed_in = signed_in_as(bills_visible)
    control(
        bills_visible,
        "POST",
        "/companies/DEMO-CO/faults",
        {"kind": "committed_then_truncated_xml", "nth": [2]},
    )
    answer = intacct.run_operations(signed_in, [post_bill(), VENDOR], deadline=Deadline(10))
    assert answer.results == () and answer.failure is not None
    assert (answer.failure.category, answer.failure.level) == (Category.UNKNOWN, Level.HTTP)
    assert rest_sent(bills_visible) == [f"POST /{BILLS}"]  # not resent: it may have run (it did)
    again = intacct.run_operations(signed_in, [post_bill()], deadline=Deadline(10))
    assert again.results[0].status == "repeated" and bills_numbered(bills_visible, "EXP-0042") == 1
