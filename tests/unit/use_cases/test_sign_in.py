"""The sign-in path every verification takes: the tenant's quota, the guard, and who pays for a failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from connection_service.connections.errors import SignInBudgetSpent, TooManyRefusedSignIns
from connection_service.connections.model import Status
from tests.support.world import RIGHT, World


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


def test_a_tenant_past_its_hourly_quota_is_told_to_wait(world: World) -> None:
    world.quota.per_hour = 1
    connection_id = world.connect()
    world.edit(connection_id, "wrong")
    with pytest.raises(TooManyRefusedSignIns) as raised:
        world.edit(connection_id, "other")
    assert raised.value.retry_after_seconds > 0 and world.intacct.sign_ins == ["wrong"]


def _answer(world: World, connection_id: str, password: str) -> tuple[str, object]:
    """What tenant A is told when it saves `password` for the victim's Company ID and User ID."""
    try:
        report = world.edit(connection_id, password, tenant="attacker")
    except (SignInBudgetSpent, TooManyRefusedSignIns) as error:
        return type(error).__name__, str(error)
    return "saved", (report.connection.status, report.connection.reason, report.sign_in_attempts_left)


def test_another_tenant_cannot_tell_the_right_password_from_a_wrong_one_without_a_round_trip(
    world: World,
) -> None:
    """The issue's steps: V connects with the right password; A saves a wrong one for the same Intacct user
    (refused by Intacct, one attempt left); from then on A's right password and A's wrong ones get the same
    answer, sent nowhere, and each one costs A's tenant a place in its hourly quota."""
    victim = world.connect("victim")
    assert world.edit(victim, tenant="victim").connection.status is Status.CONNECTED
    attacker = world.connect("attacker")
    assert _answer(world, attacker, "Wrong-1") == (
        "saved",
        (Status.ACTION_REQUIRED, "INVALID_CREDENTIALS", 1),
    )
    sent = list(world.intacct.sign_ins)

    wrong, right = _answer(world, attacker, "Wrong-2"), _answer(world, attacker, RIGHT)
    assert wrong == right and wrong[0] == "SignInBudgetSpent"
    assert world.intacct.sign_ins == sent  # neither reached Intacct
    assert world.quota.counts["attacker"] == 3  # the refusal and both answers

    # Every further guess, right or wrong, is counted until the quota stops the tenant.
    answers = {_answer(world, attacker, guess)[0] for guess in [f"Guess-{n}" for n in range(10)] + [RIGHT]}
    assert answers == {"SignInBudgetSpent", "TooManyRefusedSignIns"}
    assert world.quota.counts["attacker"] == world.quota.per_hour
    assert world.intacct.sign_ins == sent


def test_the_owner_keeps_its_attempt_and_re_arms_the_budget_for_everyone(world: World) -> None:
    """V's stored password was accepted, so V's own check may spend the attempt kept for it; the success
    re-arms the budget, which gives A exactly one more guess sent to Intacct, not a free answer."""
    victim = world.connect("victim")
    world.edit(victim, tenant="victim")
    attacker = world.connect("attacker")
    _answer(world, attacker, "Wrong-1")
    world.now += timedelta(seconds=1)
    checked = world.use_cases.verify(
        "victim", victim, actor="admin", confirm_sign_in_reset=False, time_limit_seconds=5
    )
    assert checked.connection.status is Status.CONNECTED and checked.sign_in_attempts_left == 2
    assert _answer(world, attacker, "Wrong-2") == (
        "saved",
        (Status.ACTION_REQUIRED, "INVALID_CREDENTIALS", 1),
    )
    assert _answer(world, attacker, "Wrong-3")[0] == "SignInBudgetSpent"


def test_only_a_connection_intacct_accepted_the_password_for_may_spend_the_kept_attempt(world: World) -> None:
    """V's connection proved it holds the right password (Intacct accepted it there): after a typo of V's
    own, V's admin retypes it and signs in. A typing the same password learns nothing: a wrong one's answer.
    """
    victim = world.connect("victim")
    world.edit(victim, tenant="victim")
    assert world.stored(victim, "victim").accepted_fingerprints
    typo = world.edit(victim, "Typo-1", tenant="victim")  # V's own typo: refused, one attempt left
    assert typo.connection.reason == "INVALID_CREDENTIALS" and typo.sign_in_attempts_left == 1
    attacker = world.connect("attacker")
    assert _answer(world, attacker, RIGHT) == _answer(world, attacker, "Wrong-2")  # nothing sent
    report = world.edit(victim, tenant="victim")  # ...then the password V's connection had proved
    assert report.connection.status is Status.CONNECTED and report.sign_in_attempts_left == 2


def test_an_owner_connected_before_fingerprints_were_kept_still_spends_its_kept_attempt(world: World) -> None:
    """Upgrade: a connection stored before accepted fingerprints existed (read back as legacy_accepted)
    still holds its stored password: one foreign refusal cannot block the owner's next check, and its
    first judged sign-in records the fingerprint."""
    victim = world.connect("victim")
    world.edit(victim, tenant="victim")
    stored = world.stored(victim, "victim")
    legacy = replace(stored, accepted_fingerprints=(), legacy_accepted=True)
    world.repository.save(legacy, expected_version=stored.version)
    attacker = world.connect("attacker")
    assert _answer(world, attacker, "Wrong-1")[0] == "saved"  # refused by Intacct: one strike
    owner = world.stored(victim, "victim")
    assert owner.next_check_at is not None
    world.now = owner.next_check_at
    report = world.use_cases.health_check(
        "victim", victim, claimed_until=owner.next_check_at, time_limit_seconds=5
    )
    assert report is not None and report.connection.status is Status.CONNECTED
    assert report.connection.accepted_fingerprints and not report.connection.legacy_accepted
    # A typed password never rides on the legacy mark: the attacker's right guess still gets a guess's answer.
    assert _answer(world, attacker, "Wrong-2")[0] == "saved"
    assert _answer(world, attacker, RIGHT) == _answer(world, attacker, "Wrong-3")
