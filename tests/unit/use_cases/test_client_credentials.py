"""The second sign-in method, client credentials (REST, our client application): nothing secret is kept for
it, a switch from a password deletes the password only once the new method connected, and token requests take
the sign-in path one at a time without touching the password's budget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import (
    IntacctBusy,
    InvalidInput,
    NotConnected,
    RestNeedsClientCredentials,
)
from connection_service.connections.model import Status, Trigger
from connection_service.intacct import AuthMethod, Category, Deadline
from connection_service.intacct.rest.operations import RestOperation
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.sign_in_guard import Blocked, Verdict
from connection_service.use_cases.verification_report import VerificationReport
from connection_service.verification import Outcome, Reason
from tests.support.fakes.intacct import Answer
from tests.support.world import RIGHT, World


def rest_edit(
    world: World, connection_id: str, user_id: str = "ws_expenses", tenant: str = "acme"
) -> VerificationReport:
    body = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": user_id}
    world.now += timedelta(seconds=1)
    return world.use_cases.edit_credentials(
        tenant, connection_id, parse_credentials(body), actor="admin", time_limit_seconds=5
    )


def health_check(world: World, connection_id: str) -> VerificationReport | None:
    connection = world.stored(connection_id)
    assert connection.next_check_at is not None
    world.now = connection.next_check_at
    return world.use_cases.health_check(
        "acme", connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
    )


def test_client_credentials_connect_and_keep_no_secret(world: World) -> None:
    connection_id = world.connect()
    report = rest_edit(world, connection_id)
    stored = world.stored(connection_id)
    assert report.connection.status is Status.CONNECTED
    assert stored.auth_method is AuthMethod.CLIENT_CREDENTIALS and stored.has_credentials
    assert stored.secret_id is None and world.secrets.secrets == {}
    assert report.sign_in_attempts_left is None  # no password budget applies
    assert world.intacct.sign_ins == ["token:ws_expenses"]


def test_a_password_is_refused_with_client_credentials_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_credentials(
            {"auth_method": "client_credentials", "company_id": "C", "user_id": "u", "user_password": "p"}
        )
    assert [p.field for p in refused.value.problems] == ["user_password"]
    with pytest.raises(InvalidInput) as separators:
        parse_credentials(
            {"auth_method": "client_credentials", "company_id": "A|B", "user_id": "u", "entity_id": "E@F"}
        )
    assert [p.field for p in separators.value.problems] == ["company_id", "entity_id"]
    with pytest.raises(InvalidInput) as unknown:
        parse_credentials({"auth_method": "oauth", "company_id": "C", "user_id": "u"})
    assert [p.field for p in unknown.value.problems] == ["auth_method", "user_password"]


def test_an_unlinked_user_is_action_required_and_not_asked_again_until_an_admin_verifies(
    world: World,
) -> None:
    connection_id = world.connect()
    assert rest_edit(world, connection_id).connection.status is Status.CONNECTED
    world.intacct.linked_users.clear()  # the customer's admin unlinks the user in Intacct
    checked = health_check(world, connection_id)
    assert checked is not None and checked.connection.reason == "CLIENT_APP_NOT_AUTHORIZED"
    assert world.stored(connection_id).next_check_at is None  # nothing automatic asks again
    assert world.quota.counts == {}  # the tenant's quota counts its admins' refusals only
    world.intacct.linked_users.add("ws_expenses")  # linked again
    verified = world.use_cases.verify(
        "acme", connection_id, actor="admin", confirm_sign_in_reset=False, time_limit_seconds=5
    )
    assert verified.connection.status is Status.CONNECTED
    assert world.intacct.sign_ins == ["token:ws_expenses"] * 3
    again = health_check(world, connection_id)
    assert again is not None and again.connection.status is Status.CONNECTED


def test_a_refused_token_counts_against_the_tenant_and_is_kept_from_automatic_callers(world: World) -> None:
    connection_id = world.connect()
    report = rest_edit(world, connection_id, user_id="ws_unlinked")
    assert report.connection.status is Status.ACTION_REQUIRED
    assert report.connection.reason == "CLIENT_APP_NOT_AUTHORIZED"
    assert world.quota.counts == {"acme": 1}  # as a refused password does
    credentials = parse_credentials(
        {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_unlinked"}
    ).credentials()
    sign_in = world.use_cases._sign_in
    blocked = sign_in.admit_automatic(
        credentials, holder=f"acme/{connection_id}", accepted_fingerprints=(), time_limit_seconds=5
    )
    assert isinstance(blocked, Blocked) and blocked.verdict is Verdict.REFUSED_PASSWORD
    explained = sign_in.verify(
        credentials, blocked, deadline=Deadline(1), last_reason=report.connection.reason
    )
    assert explained.reason is Reason.CLIENT_APP_NOT_AUTHORIZED and "do not ask again" in explained.message
    assert world.intacct.sign_ins == ["token:ws_unlinked"]


def test_token_refusals_never_spend_the_users_password_budget(world: World) -> None:
    password_connection = world.connect("other")
    world.edit(password_connection, "wrong", tenant="other")
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1
    world.intacct.linked_users.clear()
    connection_id = world.connect()
    for _ in range(4):
        assert rest_edit(world, connection_id).connection.reason == "CLIENT_APP_NOT_AUTHORIZED"
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1


def test_a_token_success_never_re_arms_the_password_budget(world: World) -> None:
    password_connection = world.connect("other")
    world.edit(password_connection, "wrong-1", tenant="other")
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1
    connection_id = world.connect()
    assert rest_edit(world, connection_id).connection.status is Status.CONNECTED
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1


def test_a_switch_deletes_the_password_only_once_client_credentials_connected(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    secret_id = world.stored(connection_id).secret_id
    assert secret_id is not None
    world.intacct.linked_users.clear()
    failed = rest_edit(world, connection_id)
    assert failed.connection.reason == "CLIENT_APP_NOT_AUTHORIZED"
    assert world.secrets.current(secret_id) is not None  # not proved yet: the password stays
    world.intacct.linked_users.add("ws_expenses")
    switched = rest_edit(world, connection_id)
    assert switched.connection.status is Status.CONNECTED
    assert secret_id not in world.secrets.secrets  # deleted at once, no recovery window
    stored = world.stored(connection_id)
    assert stored.secret_id is None and stored.secret_version is None
    notes = [e.detail or "" for e in world.repository.history("acme", connection_id)]
    assert any("stored password was deleted" in note for note in notes)


def test_switching_back_needs_the_password_again(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    with pytest.raises(InvalidInput):
        parse_credentials({"auth_method": "password", "company_id": "DEMO-CO", "user_id": "ws_expenses"})
    report = world.edit(connection_id, RIGHT)
    stored = world.stored(connection_id)
    assert report.connection.status is Status.CONNECTED and stored.auth_method is AuthMethod.PASSWORD
    assert stored.secret_id is not None and world.secrets.current(stored.secret_id) is not None


def test_an_export_of_a_client_credentials_connection_mints_once_and_reuses_it(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    for _ in range(5):
        world.export(connection_id)
    assert world.intacct.sign_ins == ["token:ws_expenses", "token:ws_expenses"]  # the edit's, the exports'


def test_a_verify_of_a_client_credentials_connection_reads_no_secret(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    world.secrets.get = None  # type: ignore[method-assign, assignment]  # any read would fail loudly
    report = world.use_cases.verify(
        "acme", connection_id, actor="admin", confirm_sign_in_reset=False, time_limit_seconds=5
    )
    assert report.connection.status is Status.CONNECTED
    assert [e.trigger for e in world.repository.history("acme", connection_id)][-1] in (
        Trigger.CREDENTIALS_EDIT,
        Trigger.MANUAL_VERIFY,
    )


def test_a_second_tenant_naming_a_connected_user_gets_no_token_and_is_counted(world: World) -> None:
    owner = world.connect()
    assert rest_edit(world, owner).connection.status is Status.CONNECTED
    intruder = world.connect("globex")
    report = rest_edit(world, intruder, tenant="globex")
    assert report.connection.status is Status.ACTION_REQUIRED
    assert report.connection.reason == "USER_CONNECTED_ELSEWHERE"
    assert world.intacct.sign_ins == ["token:ws_expenses"]  # the intruder's request was never sent
    assert world.quota.counts == {"globex": 1}
    for _ in range(3):  # the owner's checks and exports go on as before
        world.export(owner)
    checked = health_check(world, owner)
    assert checked is not None and checked.connection.status is Status.CONNECTED


def test_only_a_disconnect_frees_the_user_for_another_connection(world: World) -> None:
    owner = world.connect()
    rest_edit(world, owner)
    rest_edit(world, owner, user_id="ws_typo")  # the owner's admin mistypes the User ID: the hold stays
    world.edit(owner, RIGHT)  # and moves to a password: the hold stays too
    other = world.connect("globex")
    assert rest_edit(world, other, tenant="globex").connection.reason == "USER_CONNECTED_ELSEWHERE"
    world.use_cases.disconnect("acme", owner, actor="admin")
    assert rest_edit(world, other, tenant="globex").connection.status is Status.CONNECTED


# --- REST operations through the export interface. ----------------------------------------------------------


def operations(*items: tuple[str, str, str, object]) -> list[RestOperation]:
    return [RestOperation(op_id, method, path, body) for op_id, method, path, body in items]


BILL = ("1", "POST", "objects/accounts-payable/bill", {"vendor": {"id": "V1"}, "referenceNumber": "E-1"})
QUERY = ("2", "POST", "services/core/query", {"object": "accounts-payable/vendor", "fields": ["id"]})


def run(world: World, connection_id: str, *items: tuple[str, str, str, object]) -> object:
    world.now += timedelta(seconds=1)
    return world.use_cases.run_export(
        "acme", connection_id, [], transaction=False, time_limit_seconds=5, operations=operations(*items)
    )


def test_operations_run_with_the_token_and_writes_carry_a_key_stable_across_retries(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    run(world, connection_id, BILL, QUERY)
    run(world, connection_id, BILL)  # the worker's retry after a lost answer
    other = ("1", "POST", "objects/accounts-payable/bill", {"vendor": {"id": "V1"}, "referenceNumber": "E-2"})
    run(world, connection_id, other)
    sent = [op for _, ops in world.intacct.operations for op in ops]
    first_key, query_key, retry_key, other_key = (key for _, _, key in sent)
    assert first_key and first_key == retry_key and other_key not in (None, first_key)
    assert query_key is None or query_key.startswith("icx-")  # the query service is a POST: keyed alike
    assert world.intacct.sign_ins == ["token:ws_expenses", "token:ws_expenses"]  # the edit's, then reuse


def test_a_workers_own_key_is_namespaced_by_tenant_and_company(world: World) -> None:
    """Intacct keeps one key space per company: another tenant's same key must never make a write a repeat."""
    keyed = RestOperation("1", "POST", "objects/accounts-payable/bill", {"a": 1}, idempotency_key="EXP-42")
    sent = []
    for tenant in ("acme", "globex"):
        connection_id = world.connect(tenant)
        world.intacct.linked_users.add(f"ws_{tenant}")
        rest_edit(world, connection_id, user_id=f"ws_{tenant}", tenant=tenant)
        for _ in range(2):  # the same call, retried
            world.use_cases.run_export(
                tenant, connection_id, [], transaction=False, time_limit_seconds=5, operations=[keyed]
            )
            sent.append(world.intacct.operations[-1][1][0][2])
    acme, acme_retry, globex, globex_retry = sent
    assert acme == acme_retry and globex == globex_retry and acme != globex
    assert acme is not None and "EXP-42" not in acme


def test_a_derived_key_follows_the_entity_the_write_runs_at(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    run(world, connection_id, BILL)
    world.now += timedelta(seconds=1)
    body = {"auth_method": "client_credentials", "company_id": "DEMO-CO", "user_id": "ws_expenses"}
    world.use_cases.edit_credentials(  # the admin moves the connection to an entity
        "acme",
        connection_id,
        parse_credentials({**body, "entity_id": "US-WEST"}),
        actor="admin",
        time_limit_seconds=5,
    )
    run(world, connection_id, BILL)  # the same bill, now for US-WEST: another record, another key
    (_, [(_, _, before)]), (_, [(_, _, after)]) = world.intacct.operations
    assert before != after


def test_a_password_connection_is_told_rest_needs_client_credentials(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id)
    with pytest.raises(RestNeedsClientCredentials):
        run(world, connection_id, QUERY)
    assert world.intacct.operations == []


def test_functions_and_operations_go_in_separate_calls(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    function = WorkerFunction.parse("<query/>", "q1")
    with pytest.raises(InvalidInput):
        world.use_cases.run_export(
            "acme",
            connection_id,
            [function],
            transaction=False,
            time_limit_seconds=5,
            operations=operations(QUERY),
        )


def test_an_ended_token_is_minted_again_once(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    run(world, connection_id, QUERY)
    world.intacct.forgotten_sessions.update({1, 2})
    run(world, connection_id, QUERY)
    assert len(world.intacct.sign_ins) == 3
    world.intacct.forgotten_sessions.add(3)
    world.intacct.call_failures = []
    run(world, connection_id, QUERY)  # session 3 forgotten: one new token (4), then the call
    assert len(world.intacct.sign_ins) == 4


def test_a_refused_right_on_an_operation_is_checked_and_fed_back(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    world.intacct.denied.add("1")
    world.intacct.next_verifications = [Answer(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS)]
    world.now += timedelta(minutes=10)
    report = run(world, connection_id, BILL)
    assert world.stored(connection_id).reason == "MISSING_PERMISSIONS"
    assert report is not None
    with pytest.raises(NotConnected):
        run(world, connection_id, QUERY)


def test_a_transient_failure_changes_nothing_and_says_when_to_retry(world: World) -> None:
    connection_id = world.connect()
    rest_edit(world, connection_id)
    world.intacct.call_failures = [Category.RATE_LIMITED]
    with pytest.raises(IntacctBusy):
        run(world, connection_id, QUERY)
    assert world.stored(connection_id).status is Status.CONNECTED
