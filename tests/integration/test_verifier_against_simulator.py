"""The client and the verifier against the simulator over real HTTP, for every demo case."""

from __future__ import annotations

import time

import pytest
import requests

from connection_service.intacct import Deadline, LoginCredentials, Secret
from connection_service.intacct.xml import (
    HttpTransport,
    IntacctClient,
    Query,
    RetryPolicy,
    Timeouts,
)
from connection_service.verification import (
    REQUIRED_PERMISSIONS,
    ROUND_TRIPS_ON_SUCCESS,
    CheckStatus,
    Outcome,
    Reason,
)
from intacct_simulator import IntacctSimulator
from tests.support.demo import DEMO_PASSWORD, SENDER
from tests.support.signing_in import sign_in_and_call, verify


def client_for(simulator: IntacctSimulator) -> IntacctClient:
    return IntacctClient(SENDER, endpoint_url=simulator.gateway_url, retry=RetryPolicy(base_delay=0.05))


CASES = [
    # company, user, password, entity, outcome, reason, round trips, failed sign-ins
    ("DEMO-CO", "ws_expenses", DEMO_PASSWORD, None, Outcome.CONNECTED, None, 2, 0),
    ("DEMO-CO", "ws_expenses", DEMO_PASSWORD, "US-EAST", Outcome.CONNECTED, None, 2, 0),
    ("DEMO-CO", "ws_limited", DEMO_PASSWORD, None, Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS, 2, 0),
    (
        "DEMO-CO",
        "ws_expenses",
        "Wrong-Passw0rd!",
        None,
        Outcome.ACTION_REQUIRED,
        Reason.INVALID_CREDENTIALS,
        1,
        1,
    ),
    (
        "DEMO-CO",
        "ws_expenses",
        DEMO_PASSWORD,
        "NO-SUCH-ENTITY",
        Outcome.ACTION_REQUIRED,
        Reason.ENTITY_INVALID,
        1,
        0,
    ),
    ("DEMO-CO", "ws_locked", DEMO_PASSWORD, None, Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS, 1, 1),
    (
        "NOSENDER-CO",
        "ws_expenses",
        DEMO_PASSWORD,
        None,
        Outcome.ACTION_REQUIRED,
        Reason.SENDER_NOT_AUTHORIZED,
        1,
        0,
    ),
    (
        "NOWS-CO",
        "ws_expenses",
        DEMO_PASSWORD,
        None,
        Outcome.ACTION_REQUIRED,
        Reason.WEB_SERVICES_DISABLED,
        1,
        0,
    ),
    ("EXPIRED-CO", "ws_expenses", DEMO_PASSWORD, None, Outcome.ACTION_REQUIRED, Reason.COMPANY_EXPIRED, 1, 0),
    ("FLAKY-CO", "ws_expenses", DEMO_PASSWORD, None, Outcome.CONNECTED, None, 2, 0),
    (
        "NO-SUCH-CO",
        "ws_expenses",
        DEMO_PASSWORD,
        None,
        Outcome.ACTION_REQUIRED,
        Reason.INVALID_CREDENTIALS,
        1,
        1,
    ),
]


@pytest.mark.parametrize(
    ("company", "user", "password", "entity", "outcome", "reason", "round_trips", "failed_sign_ins"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[3] or 'top'}-{'ok' if c[2] == DEMO_PASSWORD else 'badpw'}" for c in CASES],
)
def test_demo_case(
    simulator: IntacctSimulator,
    company: str,
    user: str,
    password: str,
    entity: str | None,
    outcome: Outcome,
    reason: Reason | None,
    round_trips: int,
    failed_sign_ins: int,
) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials(company, user, Secret(password), entity),
        deadline=Deadline(20),
    )
    assert (result.outcome, result.reason) == (outcome, reason)
    assert result.round_trips == round_trips
    log = simulator.requests(company)
    logical_requests = [e for e in log if e["fault"] is None]
    assert (
        len(logical_requests) == round_trips
    )  # retries of faulted attempts aside, one request per round trip
    assert sum(1 for e in log if e["sign_in_failed"]) == failed_sign_ins
    assert len(result.checks) == (4 if entity else 3) + len(REQUIRED_PERMISSIONS)
    if outcome is Outcome.CONNECTED:
        assert all(item.status is CheckStatus.OK for item in result.checks)
        assert logical_requests[0]["functions"] == ["getAPISession", "query"]  # + the entity list
        assert logical_requests[0]["entity"] in ("", None)  # signed in at the top level
        assert logical_requests[1]["auth"] == "session"


def test_round_trips_on_the_success_path_are_as_documented(simulator: IntacctSimulator) -> None:
    assert ROUND_TRIPS_ON_SUCCESS == 2
    result = verify(
        client_for(simulator),
        LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD), "US-EAST"),
        deadline=Deadline(20),
    )
    assert result.round_trips == ROUND_TRIPS_ON_SUCCESS
    second = simulator.requests("DEMO-CO")[1]
    probes = [name for name in second["functions"] if name == "query"]
    assert len(probes) == sum(1 for p in REQUIRED_PERMISSIONS if p.probe_object)
    assert second["functions"][-1] == "getUserPermissions"
    assert second["entity"] == "US-EAST"  # the probes ran in the entity-level session


def test_flaky_company_costs_retries_not_round_trips(simulator: IntacctSimulator) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials("FLAKY-CO", "ws_expenses", Secret(DEMO_PASSWORD)),
        deadline=Deadline(20),
    )
    assert result.outcome is Outcome.CONNECTED
    assert (result.round_trips, result.attempts) == (2, 4)
    assert [e["fault"] for e in simulator.requests("FLAKY-CO")] == ["http_503", None, "http_503", None]


def test_a_revoked_permission_is_found_and_its_restoration_too(simulator: IntacctSimulator) -> None:
    client = client_for(simulator)
    login = LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD))
    grant = {"application": "Cash Management", "activity": "Credit Card Transactions", "permission": "Add"}
    control = requests.Session()
    control.trust_env = False
    control.post(
        f"{simulator.base_url}/_sim/companies/DEMO-CO/users/ws_expenses/revoke", json=grant, timeout=5
    )
    broken = verify(client, login, deadline=Deadline(20))
    assert broken.reason is Reason.MISSING_PERMISSIONS
    assert [p.label for p in broken.missing_permissions] == [
        "Cash Management / Credit Card Transactions / Add"
    ]
    control.post(
        f"{simulator.base_url}/_sim/companies/DEMO-CO/users/ws_expenses/grant", json=grant, timeout=5
    )
    assert verify(client, login, deadline=Deadline(20)).outcome is Outcome.CONNECTED


def test_every_verification_signs_in_so_a_changed_password_is_seen_at_once(
    simulator: IntacctSimulator,
) -> None:
    client = client_for(simulator)
    login = LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD))
    first = verify(client, login, deadline=Deadline(20))
    assert (first.outcome, first.round_trips, first.sign_ins) == (Outcome.CONNECTED, 2, 1)

    control = requests.Session()
    control.trust_env = False
    control.patch(
        f"{simulator.base_url}/_sim/companies/DEMO-CO/users/ws_expenses",
        json={"password": "Rotated-1!"},
        timeout=5,
    )
    changed = verify(client, login, deadline=Deadline(20))
    assert (changed.reason, changed.sign_ins, changed.round_trips) == (Reason.INVALID_CREDENTIALS, 1, 1)


def test_many_wrong_passwords_do_lock_the_simulated_user(simulator: IntacctSimulator) -> None:
    """The reason the service limits attempts: the simulator, like Intacct, locks the user."""
    client = client_for(simulator)
    wrong = LoginCredentials("DEMO-CO", "ws_limited", Secret("nope"))
    for _ in range(5):
        sign_in_and_call(client, wrong, [Query("CLASS")], deadline=Deadline(5))
    right = LoginCredentials("DEMO-CO", "ws_limited", Secret(DEMO_PASSWORD))
    assert verify(client, right, deadline=Deadline(5)).reason is Reason.INVALID_CREDENTIALS


def test_a_sign_in_that_times_out_is_not_repeated(simulator: IntacctSimulator) -> None:
    """Intacct may still process (and refuse) a sign-in whose answer we gave up on: never send it twice."""
    control = requests.Session()
    control.trust_env = False
    control.post(
        f"{simulator.base_url}/_sim/companies/DEMO-CO/faults",
        json={"kind": "slow", "nth": [1], "delay_ms": 1500},
        timeout=5,
    )
    client = IntacctClient(
        SENDER,
        endpoint_url=simulator.gateway_url,
        transport=HttpTransport(timeouts=Timeouts(connect=1.0, read=0.4)),
        retry=RetryPolicy(base_delay=0.01),
    )
    result = verify(
        client, LoginCredentials("DEMO-CO", "ws_expenses", Secret("Wrong-Passw0rd!")), deadline=Deadline(10)
    )
    assert (result.outcome, result.reason) == (Outcome.INCOMPLETE, Reason.INTACCT_UNAVAILABLE)
    time.sleep(1.5)  # let the slow request finish on the simulator's side
    log = simulator.requests("DEMO-CO")
    assert len(log) == 1 and sum(1 for e in log if e["sign_in_failed"]) <= 1


def test_the_entities_the_user_may_open_come_with_the_sign_in(simulator: IntacctSimulator) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD)),
        deadline=Deadline(20),
    )
    assert result.outcome is Outcome.CONNECTED and result.round_trips == 2
    assert [(e.entity_id, e.name) for e in result.entities or ()] == [
        ("US-EAST", "US East"),
        ("US-WEST", "US West"),
    ]
    first = simulator.requests("DEMO-CO")[0]
    assert first["functions"] == ["getAPISession", "query"]  # the list travels with the sign-in


def test_a_wrong_entity_is_answered_with_the_entities_the_user_can_open(simulator: IntacctSimulator) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD), "US-NORTH"),
        deadline=Deadline(20),
    )
    assert (result.reason, result.round_trips, result.sign_ins) == (Reason.ENTITY_INVALID, 1, 1)
    assert "US-EAST (US East), US-WEST (US West)" in result.message
    assert result.entities is not None and len(result.entities) == 2


def test_a_refused_sign_in_reads_no_entities(simulator: IntacctSimulator) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials("DEMO-CO", "ws_expenses", Secret("Wrong-Passw0rd!")),
        deadline=Deadline(20),
    )
    assert result.reason is Reason.INVALID_CREDENTIALS and result.entities is None


def test_a_module_the_company_does_not_subscribe_to_is_its_own_finding(simulator: IntacctSimulator) -> None:
    result = verify(
        client_for(simulator),
        LoginCredentials("NOPROJECTS-CO", "ws_expenses", Secret(DEMO_PASSWORD)),
        deadline=Deadline(20),
    )
    assert (result.outcome, result.reason) == (Outcome.ACTION_REQUIRED, Reason.MODULE_NOT_SUBSCRIBED)
    assert result.round_trips == 2 and result.missing_permissions == ()
    by_label = {item.label: item for item in result.checks}
    projects = by_label["Projects / Projects / View"]
    assert projects.status is CheckStatus.NOT_SUBSCRIBED
    assert (
        projects.remediation is not None
        and "Company > Admin > Subscriptions > Projects" in projects.remediation
    )
    assert "does not subscribe to Projects" in result.message
    assert all(item.status is CheckStatus.OK for label, item in by_label.items() if label != projects.label)
