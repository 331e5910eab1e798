"""Export calls: a session reused while Intacct keeps it, every sign-in through the guard, one fresh sign-in
for a forgotten session, and a typed error, with nothing sent, for what an export cannot do."""

from __future__ import annotations

import pytest

from connection_service.connections.errors import (
    CompanyAtLimit,
    ConnectionNotFound,
    IntacctBusy,
    InvalidInput,
    NotConnected,
    RequestRefused,
    SignInBlocked,
    SignInFailed,
    SignInInProgress,
)
from connection_service.connections.model import Health, Status, Trigger
from connection_service.intacct import Category, Secret, SignInOutcome
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.sign_in_guard import Permit
from connection_service.use_cases.run_export import RECHECK_AFTER_REFUSED_RIGHT, SIGN_IN_REST
from connection_service.use_cases.session_cache import DEFAULT_LIFETIME
from connection_service.verification import Outcome, Reason
from tests.support.fakes import UNANSWERED, Answer
from tests.support.world import RIGHT, World


@pytest.fixture
def connected(world: World) -> str:
    connection_id = world.connect()
    assert world.edit(connection_id).connection.status is Status.CONNECTED
    world.intacct.sign_ins.clear()
    return connection_id


def test_a_steady_export_signs_in_once_per_session(world: World, connected: str) -> None:
    reports = [world.export(connected, f"q{i}") for i in range(20)]
    assert world.intacct.sign_ins == [world.intacct.right_password]
    assert [r.signed_in for r in reports] == [True] + [False] * 19
    assert {session for session, _ in world.intacct.calls} == {2}  # the edit's verification was 1
    assert reports[-1].results[0].status == "success"


def test_a_session_near_its_timeout_is_not_reused(world: World, connected: str) -> None:
    world.export(connected)
    world.now += DEFAULT_LIFETIME
    assert world.export(connected).signed_in
    assert len(world.intacct.sign_ins) == 2


def test_new_credentials_get_a_new_session(world: World, connected: str) -> None:
    world.export(connected)
    world.edit(connected)  # the admin saved the password again: a new secret version
    world.intacct.sign_ins.clear()
    assert world.export(connected).signed_in and len(world.intacct.sign_ins) == 1


def test_a_forgotten_session_gets_one_fresh_sign_in_never_a_loop(world: World, connected: str) -> None:
    world.export(connected)
    world.intacct.forgotten_sessions.update({2, 3})  # the fresh session is refused too
    with pytest.raises(IntacctBusy):
        world.export(connected, "q2")
    assert len(world.intacct.sign_ins) == 2 and [s for s, _ in world.intacct.calls] == [2, 2, 3]
    world.intacct.forgotten_sessions.clear()
    assert world.export(connected, "q3").signed_in  # nothing kept of the refused sessions


def test_a_forgotten_session_is_replaced_and_the_call_answered(world: World, connected: str) -> None:
    world.export(connected)
    world.intacct.forgotten_sessions.add(2)
    report = world.export(connected, "q2")
    assert report.signed_in and report.results[0].control_id == "q2"


def test_a_refused_password_shows_on_the_connection_and_is_never_sent_again(
    world: World, connected: str
) -> None:
    world.intacct.right_password = "changed-in-intacct"
    with pytest.raises(SignInFailed) as refused:
        world.export(connected)
    assert refused.value.category == Category.SIGN_IN_REJECTED.value
    stored = world.stored(connected)  # as the health check would have recorded it
    assert (stored.status, stored.reason) == (Status.ACTION_REQUIRED, "INVALID_CREDENTIALS")
    [entry] = [e for e in world.repository.entries if e.trigger is Trigger.EXPORT]
    assert (entry.from_status, entry.to_status) == (Status.CONNECTED, Status.ACTION_REQUIRED)
    assert world.events.events[-1].trigger is Trigger.EXPORT
    for _ in range(3):
        with pytest.raises(NotConnected) as again:
            world.export(connected)  # the same answer, without a round trip
        assert again.value.reason == "INVALID_CREDENTIALS"
    assert len(world.intacct.sign_ins) == 1


def test_an_admins_running_verification_is_left_to_record_the_failure(world: World, connected: str) -> None:
    stored = world.stored(connected)
    world.repository.save(
        world.use_cases._lease.begin(stored, 20, Trigger.MANUAL_VERIFY), expected_version=stored.version
    )
    world.intacct.right_password = "changed-in-intacct"
    with pytest.raises(SignInFailed):
        world.export(connected)
    kept = world.stored(connected)
    assert kept.status is Status.CONNECTED and kept.verifying_by is Trigger.MANUAL_VERIFY


def test_a_transient_sign_in_failure_changes_nothing(world: World, connected: str) -> None:
    world.intacct.next_answers = [UNANSWERED]
    with pytest.raises(IntacctBusy):
        world.export(connected)
    assert world.stored(connected).status is Status.CONNECTED
    assert not [e for e in world.repository.entries if e.trigger is Trigger.EXPORT]


def test_an_unanswered_sign_in_is_busy_and_costs_one_attempt(world: World, connected: str) -> None:
    before = world.guard.attempts_left("DEMO-CO", "ws_expenses")
    world.intacct.next_answers = [UNANSWERED]
    with pytest.raises(IntacctBusy):
        world.export(connected)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == before - 1


def test_a_sign_in_running_elsewhere_says_retry_shortly_and_sends_nothing(
    world: World, connected: str
) -> None:
    running = world.guard.admit(
        "DEMO-CO", "ws_expenses", Secret(RIGHT), automatic=True, accepted_fingerprints=(), pending_seconds=30
    )
    assert isinstance(running, Permit)  # another worker, or an admin's verification, is signing in
    with pytest.raises(SignInInProgress) as busy:
        world.export(connected)
    assert busy.value.retry_after_seconds > 0 and world.intacct.sign_ins == []
    running.settle(SignInOutcome.ACCEPTED)
    assert world.export(connected).signed_in


def test_a_failure_before_sending_costs_no_attempt(world: World, connected: str) -> None:
    before = world.guard.attempts_left("DEMO-CO", "ws_expenses")
    world.intacct.fail_before_sending = True
    with pytest.raises(ConnectionError):
        world.export(connected)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == before


@pytest.mark.parametrize(
    ("category", "error", "kept"),
    [(Category.RATE_LIMITED, IntacctBusy, True), (Category.REQUEST_INVALID, RequestRefused, False)],
)
def test_a_failed_call_says_why_and_keeps_the_session_only_through_an_outage(
    world: World, connected: str, category: Category, error: type[Exception], kept: bool
) -> None:
    world.export(connected)
    world.intacct.call_failures.append(category)
    with pytest.raises(error):
        world.export(connected)
    assert world.export(connected).signed_in is not kept  # an outage is no reason to sign in again


def test_after_an_unanswered_sign_in_exports_rest_before_signing_in_again(
    world: World, connected: str
) -> None:
    world.intacct.next_answers = [UNANSWERED]
    with pytest.raises(IntacctBusy):
        world.export(connected)
    with pytest.raises(IntacctBusy) as resting:
        world.export(connected)  # nothing sent: another unanswered attempt would cost the user a strike
    assert resting.value.category == "sign_in_resting" and len(world.intacct.sign_ins) == 1
    world.now += SIGN_IN_REST
    assert world.export(connected).signed_in


def test_a_blocked_password_shows_on_the_connection(world: World, connected: str) -> None:
    world.intacct.next_answers = [UNANSWERED, UNANSWERED]
    for _ in range(2):  # two unanswered sign-ins spend the budget of 2 for an automatic sign-in
        with pytest.raises(IntacctBusy):
            world.export(connected)
        world.now += SIGN_IN_REST
    with pytest.raises(SignInBlocked):
        world.export(connected)
    stored = world.stored(connected)
    # As the health check records it: still Connected (the password may be right), health degraded, and
    # the admin told to verify or save the password; history has the block.
    assert (stored.status, stored.health, stored.health_reason) == (
        Status.CONNECTED,
        Health.DEGRADED,
        "SIGN_IN_UNCONFIRMED",
    )
    assert [e.trigger for e in world.repository.entries][-1] is Trigger.EXPORT
    assert len(world.intacct.sign_ins) == 2


def test_only_a_connected_connection_of_the_callers_tenant_exports(world: World, connected: str) -> None:
    with pytest.raises(ConnectionNotFound):
        world.export(connected, tenant="other-tenant")
    awaiting = world.connect("second")
    with pytest.raises(NotConnected) as not_connected:
        world.export(awaiting, tenant="second")
    assert not_connected.value.status == "AWAITING_CREDENTIALS"
    world.use_cases.disconnect("acme", connected, actor="admin")
    with pytest.raises(NotConnected):
        world.export(connected)
    assert world.intacct.sign_ins == [] and world.intacct.calls == []


@pytest.mark.parametrize(
    ("functions", "why"),
    [
        ([], "at least one"),
        ([("<query/>", "a"), ("<query/>", "a")], "unique"),
        ([("<query/>", "a"), ("<create_bill/>", "b")], "separate calls"),
        ([("<query/>", f"q{i}") for i in range(101)], "at most 100"),
    ],
)
def test_malformed_calls_are_refused_before_anything_is_sent(
    world: World, connected: str, functions: list[tuple[str, str]], why: str
) -> None:
    parsed = [WorkerFunction.parse(xml, control_id) for xml, control_id in functions]
    with pytest.raises(InvalidInput, match=why):
        world.use_cases.run_export("acme", connected, parsed, transaction=False, time_limit_seconds=5)
    assert world.intacct.sign_ins == []


def test_writes_travel_with_their_control_ids(world: World, connected: str) -> None:
    report = world.export(connected, "bill-1", "bill-2", writes=True)
    assert [r.control_id for r in report.results] == ["bill-1", "bill-2"]
    assert world.intacct.calls[-1] == (2, ["bill-1", "bill-2"])


def test_a_company_at_its_limit_answers_busy_and_sends_nothing(world: World, connected: str) -> None:
    held = [world.use_cases._limiter.acquire("demo-co", hold_seconds=30, wait_seconds=0) for _ in range(2)]
    with pytest.raises(CompanyAtLimit) as busy:
        world.export(connected, time_limit_seconds=0.1)  # waits half its time limit at most
    assert busy.value.retry_after_seconds > 0 and world.intacct.sign_ins == []
    with held[0]:
        pass
    assert world.export(connected).signed_in  # a slot came free


def test_a_refused_right_leads_to_a_check_recorded_as_the_health_check_would(
    world: World, connected: str
) -> None:
    world.export(connected)
    world.intacct.denied.add("projects")
    world.intacct.next_verifications = [Answer(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS)]
    world.now += RECHECK_AFTER_REFUSED_RIGHT
    report = world.export(connected, "projects")
    assert report.results[0].category is Category.PERMISSION_DENIED  # the worker gets its answer
    stored = world.stored(connected)
    assert (stored.status, stored.reason) == (Status.ACTION_REQUIRED, "MISSING_PERMISSIONS")
    assert [e.trigger for e in world.repository.entries][-1] is Trigger.EXPORT
    with pytest.raises(NotConnected):
        world.export(connected)


def test_refused_rights_are_checked_at_most_every_few_minutes(world: World, connected: str) -> None:
    world.intacct.denied.add("projects")
    world.intacct.next_verifications = [Answer(Outcome.CONNECTED)] * 3  # an object beyond the 16 rights
    world.now += RECHECK_AFTER_REFUSED_RIGHT
    for _ in range(3):
        world.export(connected, "projects")
    assert len(world.intacct.next_verifications) == 2  # one check, then the connection's last check is recent
    assert world.stored(connected).status is Status.CONNECTED


@pytest.mark.parametrize(
    ("category", "reason"),
    [
        (Category.SENDER_NOT_AUTHORIZED, Reason.SENDER_NOT_AUTHORIZED),
        (Category.WEB_SERVICES_DISABLED, Reason.WEB_SERVICES_DISABLED),
        (Category.COMPANY_EXPIRED, Reason.COMPANY_EXPIRED),
    ],
)
def test_a_request_refused_for_the_companys_setup_is_checked_even_right_after_a_check(
    world: World, connected: str, category: Category, reason: Reason
) -> None:
    """Unlike a refused right, a whole request refused is never waved through by a recent check (the
    admin's save just now): it goes on the connection, and the next export is answered without sending."""
    world.export(connected)  # a session is open; the connection was checked a second ago
    world.intacct.call_failures.append(category)
    world.intacct.next_verifications = [Answer(Outcome.ACTION_REQUIRED, reason)]
    with pytest.raises(RequestRefused):
        world.export(connected)
    stored = world.stored(connected)
    assert (stored.status, stored.reason) == (Status.ACTION_REQUIRED, reason.value)
    sign_ins = len(world.intacct.sign_ins)
    with pytest.raises(NotConnected):
        world.export(connected)
    assert len(world.intacct.sign_ins) == sign_ins


def test_a_company_refusal_the_check_does_not_confirm_is_checked_again_only_after_a_while(
    world: World, connected: str
) -> None:
    world.export(connected)
    world.intacct.next_verifications = [Answer(Outcome.CONNECTED)] * 3  # a blip: the check finds it fine
    for _ in range(3):
        world.intacct.call_failures.append(Category.WEB_SERVICES_DISABLED)
        with pytest.raises(RequestRefused):
            world.export(connected)
    assert len(world.intacct.next_verifications) == 2  # one check, not one per refused call
    world.now += RECHECK_AFTER_REFUSED_RIGHT
    world.intacct.call_failures.append(Category.WEB_SERVICES_DISABLED)
    with pytest.raises(RequestRefused):
        world.export(connected)
    assert len(world.intacct.next_verifications) == 1
    assert world.stored(connected).status is Status.CONNECTED


def test_a_sign_in_answer_we_cannot_place_is_busy_not_the_customers_fault(
    world: World, connected: str
) -> None:
    world.intacct.sign_in_failure = Category.UNKNOWN
    with pytest.raises(IntacctBusy):
        world.export(connected)
    stored = world.stored(connected)
    assert stored.status is Status.CONNECTED and not [
        e for e in world.repository.entries if e.trigger is Trigger.EXPORT
    ]
