"""The pure domain: check schedule, transitions and input rules — no AWS, no HTTP."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.connections import transitions
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import InvalidInput
from connection_service.connections.model import Connection, Health, Status, Trigger
from connection_service.connections.policy import CheckSchedule
from connection_service.intacct import LoginCredentials, Secret, SignInOutcome
from connection_service.verification import Outcome, Reason, VerificationResult, not_run

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCHEDULE = CheckSchedule(interval=timedelta(hours=1), degraded_base=timedelta(minutes=5), jitter=0.1)
LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret("pw"))


def saved(status: Status = Status.CONNECTED, **fields: object) -> Connection:
    base = Connection(
        id="c1",
        tenant_id="acme",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        company_id="DEMO-CO",
        user_id="ws_expenses",
        secret_id="arn",
        secret_version="v1",
        credentials_version=1,
        version=3,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def result(outcome: Outcome, reason: Reason | None = None) -> VerificationResult:
    incomplete = not_run(Reason.INTACCT_UNAVAILABLE, LOGIN, "ExpenseInMPP")
    return replace(incomplete, outcome=outcome, reason=reason, message=f"{outcome} {reason}")


@pytest.mark.parametrize(
    ("connection", "due"),
    [
        (saved(Status.CONNECTED), True),
        (saved(Status.ACTION_REQUIRED, reason="MISSING_PERMISSIONS"), True),
        (saved(Status.ACTION_REQUIRED, reason="SENDER_NOT_AUTHORIZED"), True),
        (saved(Status.ACTION_REQUIRED, reason="WEB_SERVICES_DISABLED"), True),
        (saved(Status.ACTION_REQUIRED, reason="COMPANY_EXPIRED"), True),
        (saved(Status.ACTION_REQUIRED, reason="ENTITY_INVALID"), False),  # a typo in our stored credentials
        (saved(Status.ACTION_REQUIRED, reason="INVALID_CREDENTIALS"), False),
        (saved(Status.AWAITING_CREDENTIALS), False),
        (
            saved(Status.AWAITING_CREDENTIALS, health=Health.DEGRADED, transient_failures=1),
            True,
        ),  # outage at save
        (
            saved(Status.AWAITING_CREDENTIALS, credentials_version=0, secret_id=None, health=Health.DEGRADED),
            False,
        ),
        (saved(Status.DISCONNECTED), False),
        (saved(Status.CONNECTED, credentials_version=0, secret_id=None), False),
    ],
)
def test_which_connections_the_health_check_may_look_at(connection: Connection, due: bool) -> None:
    assert (SCHEDULE.next_check_at(connection, NOW, random.Random(1)) is not None) is due


def test_checks_are_spread_by_jitter_over_the_interval() -> None:
    rng = random.Random(3)
    times = [SCHEDULE.next_check_at(saved(), NOW, rng) for _ in range(500)]
    offsets = sorted((t - NOW).total_seconds() for t in times if t is not None)
    assert offsets[0] >= 3600 * 0.9 and offsets[-1] <= 3600 * 1.1
    assert offsets[-1] - offsets[0] > 3600 * 0.15  # spread, not one instant


def test_degraded_connections_back_off_up_to_the_interval() -> None:
    no_jitter = replace(SCHEDULE, jitter=0.0)
    waits = [
        no_jitter.next_check_at(saved(health=Health.DEGRADED, transient_failures=n), NOW, random.Random(1))
        for n in (1, 2, 3, 4, 5, 30)
    ]
    assert [(w - NOW).total_seconds() / 60 for w in waits if w] == [5, 10, 20, 40, 60, 60]


def apply(connection: Connection, outcome: VerificationResult) -> tuple[Connection, object]:
    return transitions.apply_verification(
        connection,
        outcome,
        now=NOW,
        started_at=NOW,
        trigger=Trigger.HEALTH_CHECK,
        actor="system",
        schedule=SCHEDULE,
        rng=random.Random(1),
    )


def test_an_incomplete_check_never_changes_status_or_checklist() -> None:
    before = saved(Status.CONNECTED, reason=None, health=Health.OK)
    after, entry = apply(before, result(Outcome.INCOMPLETE, Reason.RATE_LIMITED))
    assert (after.status, after.reason, after.checks) == (before.status, before.reason, before.checks)
    assert (after.health, after.health_reason, after.transient_failures) == (
        Health.DEGRADED,
        "RATE_LIMITED",
        1,
    )
    assert entry is None and after.last_verified_at is None and after.last_checked_at == NOW


def test_a_definitive_answer_changes_status_and_writes_history() -> None:
    after, entry = apply(saved(Status.CONNECTED), result(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS))
    assert (after.status, after.reason, after.health) == (
        Status.ACTION_REQUIRED,
        "MISSING_PERMISSIONS",
        Health.OK,
    )
    assert entry is not None
    same, no_entry = apply(after, result(Outcome.ACTION_REQUIRED, Reason.MISSING_PERMISSIONS))
    assert no_entry is None and same.status is Status.ACTION_REQUIRED


def test_refused_sign_ins_stop_the_schedule_and_each_one_is_in_history() -> None:
    refused = replace(
        result(Outcome.ACTION_REQUIRED, Reason.INVALID_CREDENTIALS), sign_in=SignInOutcome.REFUSED
    )
    after, entry = apply(saved(Status.CONNECTED), refused)
    assert after.next_check_at is None and entry is not None and entry.sign_in == "refused"
    _, second = apply(after, refused)  # same status and reason: still a history entry
    assert second is not None and second.sign_in == "refused" and not second.is_status_change


def test_a_guard_block_found_again_by_the_health_check_is_not_repeated_in_history() -> None:
    blocked = replace(result(Outcome.ACTION_REQUIRED, Reason.SIGN_IN_BLOCKED), blocked="budget_spent")
    after, entry = apply(saved(Status.CONNECTED), blocked)
    assert entry is not None and entry.sign_in == "blocked:budget_spent"
    assert after.next_check_at is not None  # re-checked: the guard may have been re-armed meanwhile
    _, repeated = apply(after, blocked)
    assert repeated is None


def test_an_unconfirmed_password_keeps_the_status_and_tells_the_admin() -> None:
    unconfirmed = replace(
        result(Outcome.INCOMPLETE, Reason.SIGN_IN_UNCONFIRMED), blocked="unconfirmed_password"
    )
    after, entry = apply(saved(Status.CONNECTED, message="Connected."), unconfirmed)
    assert (after.status, after.health, after.health_reason) == (
        Status.CONNECTED,
        Health.DEGRADED,
        "SIGN_IN_UNCONFIRMED",
    )
    assert after.message == unconfirmed.message and entry is not None


def test_connected_marks_the_company_as_confirmed_until_it_changes() -> None:
    connected, _ = apply(saved(Status.AWAITING_CREDENTIALS), result(Outcome.CONNECTED))
    assert connected.ever_connected
    kept, _ = transitions.record_credentials(
        connected,
        company_id="demo-co",
        entity_id=None,
        user_id="u",
        secret_id="arn",
        secret_version="v2",
        now=NOW,
        actor="admin",
    )
    assert kept.ever_connected and kept.credentials_version == 2 and kept.checks == ()
    moved, _ = transitions.record_credentials(
        connected,
        company_id="OTHER",
        entity_id=None,
        user_id="u",
        secret_id="arn",
        secret_version="v3",
        now=NOW,
        actor="admin",
    )
    assert not moved.ever_connected


def test_input_rules_trim_ids_and_keep_the_password_exact() -> None:
    given = parse_credentials(
        {"company_id": " DEMO-CO ", "entity_id": "  ", "user_id": "\tws ", "user_password": " p w "}
    )
    assert (given.company_id, given.entity_id, given.user_id) == ("DEMO-CO", None, "ws")
    assert given.password.reveal() == " p w "


def test_input_problems_are_all_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_credentials({"company_id": 1, "user_password": "", "extra": True})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("extra", "is not a known field"),
        ("company_id", "must be a string"),
        ("user_id", "is required"),
        ("user_password", "must be 1 to 256 characters"),
    ]
