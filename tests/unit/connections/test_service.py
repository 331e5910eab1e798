"""The use cases against in-memory fakes of every port: milliseconds, and the failures moto cannot stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.bootstrap import UseCases
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import (
    ConcurrentModification,
    SignInBudgetSpent,
    TooManyRefusedSignIns,
    VerificationInProgress,
)
from connection_service.connections.model import Connection, Status, Trigger
from connection_service.intacct import Deadline, LoginCredentials, Secret
from connection_service.sign_in_guard import GuardPolicy, SignInGuard
from tests.support.fakes import (
    UNANSWERED,
    FakeAdapters,
    InMemoryConnectionRepository,
    InMemoryCredentialStore,
    InMemoryRefusalQuota,
    RecordingEventPublisher,
    ScriptedIntacct,
)
from tests.support.guard_fakes import HmacFingerprinter, InMemoryGuardStore

RIGHT = "Right-Passw0rd!"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.repository = InMemoryConnectionRepository()
        self.secrets = InMemoryCredentialStore()
        self.events = RecordingEventPublisher()
        self.intacct = ScriptedIntacct(RIGHT)
        self.guard = SignInGuard(
            InMemoryGuardStore(),
            HmacFingerprinter(),
            policy=GuardPolicy(budget=2),
            clock=self.clock,
            sleep=lambda _: None,
        )
        self.quota = InMemoryRefusalQuota()
        self.use_cases = UseCases(
            FakeAdapters(self.repository, self.secrets, self.events, self.guard, self.quota, self.intacct),
            clock=self.clock,
        )

    def clock(self) -> datetime:
        return self.now

    def connect(self, tenant: str = "acme") -> str:
        return self.use_cases.connect(tenant, actor="admin").id

    def edit(self, connection_id: str, password: str = RIGHT, tenant: str = "acme", **extra: object):  # type: ignore[no-untyped-def]
        body = {"company_id": "DEMO-CO", "user_id": "ws_expenses", "user_password": password, **extra}
        self.now += timedelta(seconds=1)
        given = parse_credentials(body)
        return self.use_cases.edit_credentials(
            tenant, connection_id, given, actor="admin", time_limit_seconds=5
        )

    def stored(self, connection_id: str, tenant: str = "acme") -> Connection:
        connection = self.repository.get(tenant, connection_id)
        assert connection is not None
        return connection


@pytest.fixture
def world() -> World:
    return World()


def test_an_edit_records_stages_and_promotes_the_credentials(world: World) -> None:
    connection_id = world.connect()
    report = world.edit(connection_id)
    stored = world.stored(connection_id)
    assert report.connection.status is Status.CONNECTED and stored.secret_id is not None
    current = world.secrets.current(stored.secret_id)
    assert current is not None and current.password.reveal() == RIGHT
    assert [e.new_status for e in world.events.events] == [Status.AWAITING_CREDENTIALS, Status.CONNECTED]


def test_a_refused_password_is_in_history_and_counts_against_the_user(world: World) -> None:
    connection_id = world.connect()
    assert world.edit(connection_id, "wrong").connection.reason == "INVALID_CREDENTIALS"
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 1
    assert [e.sign_in for e in world.repository.history("acme", connection_id) if e.sign_in] == ["refused"]
    assert world.quota.counts == {"acme": 1}


def test_a_spent_budget_saves_nothing_and_sends_nothing(world: World) -> None:
    connection_id = world.connect()
    world.edit(connection_id, "wrong-1")
    world.edit(connection_id, "wrong-2")
    before = world.stored(connection_id)
    with pytest.raises(SignInBudgetSpent):
        world.edit(connection_id, RIGHT)
    assert world.intacct.sign_ins == ["wrong-1", "wrong-2"]
    assert world.stored(connection_id) == before
    assert world.repository.history("acme", connection_id)[-1].sign_in == "blocked:budget_spent"


def test_a_conflict_storing_the_result_is_read_again_and_applied(world: World) -> None:
    connection_id = world.connect()
    world.repository.before_save = _conflict_on(world, save=3)  # lease, record, then the result
    report = world.edit(connection_id)
    assert report.applied and world.stored(connection_id).status is Status.CONNECTED


def test_a_conflict_taking_the_connection_writes_no_secret_and_costs_no_attempt(world: World) -> None:
    connection_id = world.connect()
    world.repository.before_save = _conflict_on(world, save=1)
    with pytest.raises(ConcurrentModification):
        world.edit(connection_id)
    assert world.secrets.secrets == {} and world.intacct.sign_ins == []
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 2


def test_losing_the_connection_to_another_admins_verification_says_so(world: World) -> None:
    connection_id = world.connect()
    assert world.edit(connection_id).connection.status is Status.CONNECTED

    def another_admin_verifies_first(save: int, _: Connection) -> None:
        if save == 1:  # both read the connection; the other admin's verify stores its lease first
            world.repository.before_save = None
            current = world.stored(connection_id)
            world.repository.connections[("acme", connection_id)] = replace(
                current,
                verifying_until=world.now + timedelta(seconds=20),
                verifying_by=Trigger.MANUAL_VERIFY,
                version=current.version + 1,
            )

    world.repository.saves = 0
    world.repository.before_save = another_admin_verifies_first
    with pytest.raises(VerificationInProgress) as raised:
        world.edit(connection_id)
    assert raised.value.retry_after_seconds >= 1
    assert world.intacct.sign_ins == [RIGHT]  # only the first edit's: the loser sent nothing


def test_a_disconnect_winning_the_race_leaves_no_secret(world: World) -> None:
    connection_id = world.connect()

    def disconnect_meanwhile(save: int, _: Connection) -> None:
        if save == 2:  # after the edit took the connection, before it records the credentials
            world.repository.before_save = None
            world.use_cases.disconnect("acme", connection_id, actor="other admin")

    world.repository.before_save = disconnect_meanwhile
    with pytest.raises(ConcurrentModification):
        world.edit(connection_id)
    assert world.stored(connection_id).status is Status.DISCONNECTED
    assert all(secret.deleted for secret in world.secrets.secrets.values())


def test_a_failure_before_the_sign_in_leaves_gives_the_attempt_back_and_ends_the_lease(world: World) -> None:
    connection_id = world.connect()
    world.intacct.fail_before_sending = True
    with pytest.raises(ConnectionError):
        world.edit(connection_id)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == 2
    assert not world.stored(connection_id).verifying(world.now)
    world.intacct.fail_before_sending = False
    assert world.edit(connection_id).connection.status is Status.CONNECTED


def test_an_error_of_ours_after_the_sign_in_left_costs_an_attempt_and_ends_the_lease(world: World) -> None:
    """Intacct may have judged the password: the guard counts the sign-in as unanswered before the error
    reaches the caller, and the connection is free for the next request."""
    connection_id = world.connect()
    before = world.guard.attempts_left("DEMO-CO", "ws_expenses")
    world.intacct.lose_answers = True
    with pytest.raises(RuntimeError):
        world.edit(connection_id)
    assert world.guard.attempts_left("DEMO-CO", "ws_expenses") == before - 1
    assert not world.stored(connection_id).verifying(world.now)


def test_the_health_check_never_resends_a_refused_password(world: World) -> None:
    connection_ids = [world.connect(tenant) for tenant in ("a", "b")]
    for tenant, connection_id in zip(("a", "b"), connection_ids, strict=True):
        world.edit(connection_id, tenant=tenant)
    world.intacct.right_password = "Rotated-1!"  # changed in Intacct
    for tenant, connection_id in zip(("a", "b"), connection_ids, strict=True):
        connection = world.stored(connection_id, tenant)
        assert connection.next_check_at is not None
        world.now = connection.next_check_at
        report = world.use_cases.health_check(
            tenant, connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
        )
        assert report is not None and report.connection.reason == "INVALID_CREDENTIALS"
    assert world.intacct.sign_ins.count(RIGHT) == 3  # two edits, then one check: the second was told


def test_an_unanswered_password_is_not_resent_by_the_health_check(world: World) -> None:
    connection_id = world.connect()
    world.intacct.next_answers = [UNANSWERED]
    assert world.edit(connection_id, "maybe").connection.health_reason == "INTACCT_UNAVAILABLE"
    connection = world.stored(connection_id)
    assert connection.next_check_at is not None
    world.now = connection.next_check_at
    report = world.use_cases.health_check(
        "acme", connection_id, claimed_until=connection.next_check_at, time_limit_seconds=5
    )
    assert report is not None and report.connection.health_reason == "SIGN_IN_UNCONFIRMED"
    assert world.intacct.sign_ins == ["maybe"]


def test_a_tenant_past_its_hourly_quota_is_told_to_wait(world: World) -> None:
    world.quota.per_hour = 1
    connection_id = world.connect()
    world.edit(connection_id, "wrong")
    with pytest.raises(TooManyRefusedSignIns) as raised:
        world.edit(connection_id, "other")
    assert raised.value.retry_after_seconds > 0 and world.intacct.sign_ins == ["wrong"]


def _conflict_on(world: World, *, save: int) -> Callable[[int, Connection], None]:
    """Makes the repository's `save`-th save lose to another request (connecting makes no save)."""

    def conflict(number: int, _: Connection) -> None:
        if number == save:
            raise ConcurrentModification()

    return conflict


def test_a_health_check_result_never_lands_on_an_admins_lease(world: World) -> None:
    """The admin's edit took the connection while the check was talking to Intacct: the check's older result
    is dropped, so the edit's own writes do not conflict and its lease is not disturbed."""
    connection_id = world.connect()
    world.edit(connection_id)
    checked = world.stored(connection_id)
    lease = world.use_cases._lease
    health_lease = world.repository.save(
        lease.begin(checked, 5, Trigger.HEALTH_CHECK), expected_version=checked.version
    )
    admin_lease = world.repository.save(
        lease.begin(health_lease, 5, Trigger.CREDENTIALS_EDIT), expected_version=health_lease.version
    )
    signed_in = world.intacct.sign_in(
        LoginCredentials("DEMO-CO", "ws_expenses", Secret(RIGHT)), deadline=Deadline(5)
    )
    result = world.intacct.verify(signed_in, deadline=Deadline(5))
    report = lease.store_result(health_lease, result, Trigger.HEALTH_CHECK, "system", world.now)
    assert not report.applied and world.stored(connection_id) == admin_lease
