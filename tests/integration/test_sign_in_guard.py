"""Connecting us must never lock the customer's Intacct user: the sign-in guard against the simulator.

The simulator locks a user after 3 failed sign-ins in a row here (below its demo default of 5). Each test
reads the simulator's own request log: never more than 2 refused or unanswered sign-ins in a row for one
user, and the user is still active at the end.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from connection_service import bootstrap
from connection_service.adapters.intacct_gateway import IntacctGateway
from connection_service.connections.errors import DomainError
from connection_service.intacct.xml.worker_functions import WorkerFunction
from tests.support.demo import DEMO_PASSWORD
from tests.support.health import dispatch, drain
from tests.support.stack import ApiReply, Stack

LOCKOUT = 3
BUDGET = 2


@pytest.fixture
def guarded(stack: Stack) -> Stack:
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"lockout_after_failed_sign_ins": LOCKOUT})
    return stack


def worst_streak(stack: Stack, user: str = "ws_expenses") -> int:
    """The most refused or unanswered sign-ins in a row the simulator saw for DEMO-CO / `user`."""
    streak = worst = 0
    for entry in stack.simulator.requests("DEMO-CO"):
        if entry["auth"] != "login" or str(entry["user"]).casefold() != user:
            continue
        if entry["sign_in_failed"] or entry["fault"] not in (None, "slow"):
            streak += 1
            worst = max(worst, streak)
        elif entry["http_status"] == 200:
            streak = 0  # a successful sign-in resets Intacct's count
    return worst


def failed_sign_ins(stack: Stack) -> int:
    return sum(1 for e in stack.simulator.requests("DEMO-CO") if e["auth"] == "login" and e["sign_in_failed"])


def assert_never_locked(stack: Stack, user: str = "ws_expenses") -> None:
    assert worst_streak(stack, user) <= BUDGET
    summary = stack.simulator_control("GET", f"/_sim/companies/DEMO-CO/users/{user}", None)
    assert summary["status"] == "active"


def connection(stack: Stack, connection_id: str, tenant: str = "acme") -> dict[str, Any]:
    return dict(stack.call("GET", f"/connections/{connection_id}", tenant=tenant).json)


def is_spent(reply: ApiReply) -> bool:
    return reply.status == 429 and reply.json["type"] == "/problems/sign-in-budget-spent"


def test_reconnecting_does_not_reset_the_budget(guarded: Stack) -> None:
    first = guarded.connect()["id"]
    assert guarded.edit(first, user_password="wrong-1").json["reason"] == "INVALID_CREDENTIALS"
    assert guarded.edit(first, user_password="wrong-2").json["reason"] == "INVALID_CREDENTIALS"
    assert is_spent(guarded.edit(first, user_password="wrong-3"))
    assert guarded.call("DELETE", f"/connections/{first}").status == 204

    second = guarded.connect()["id"]
    for password in ("wrong-4", "wrong-5", "wrong-6", DEMO_PASSWORD):
        assert is_spent(guarded.edit(second, user_password=password))
    assert connection(guarded, second)["status"] == "AWAITING_CREDENTIALS"  # nothing saved by a 429
    assert failed_sign_ins(guarded) == BUDGET

    # The admin signs in to Intacct once (resetting its count), then confirms here: one more attempt.
    confirmed = guarded.edit(second, confirm_sign_in_reset=True)
    assert confirmed.json["status"] == "CONNECTED" and confirmed.json["sign_in_attempts_left"] == BUDGET
    assert_never_locked(guarded)
    history = guarded.call("GET", f"/connections/{first}/history").json["history"]
    assert [h["sign_in"] for h in history if h["sign_in"]] == ["refused", "refused", "blocked:budget_spent"]


def test_a_second_tenant_shares_the_budget_and_cannot_lock_the_user(guarded: Stack) -> None:
    owner = guarded.connect("tenant-a")["id"]
    other = guarded.connect("tenant-b")["id"]
    answers = [guarded.edit(owner, tenant="tenant-a", user_password=f"a-{n}") for n in range(3)]
    answers += [guarded.edit(other, tenant="tenant-b", user_password=f"b-{n}") for n in range(3)]
    assert [a.status for a in answers] == [200, 200, 429, 429, 429, 429]
    assert failed_sign_ins(guarded) == BUDGET

    assert guarded.edit(owner, tenant="tenant-a", confirm_sign_in_reset=True).json["status"] == "CONNECTED"
    # The success re-armed the budget for everyone: the other tenant's right password goes through.
    assert guarded.edit(other, tenant="tenant-b").json["status"] == "CONNECTED"
    assert_never_locked(guarded)


def test_a_password_rotated_in_intacct_is_refused_once_for_every_connection_holding_it(
    guarded: Stack,
) -> None:
    tenants = [f"tenant-{n}" for n in range(5)]
    ids = {tenant: guarded.connect(tenant)["id"] for tenant in tenants}
    for tenant, connection_id in ids.items():
        assert guarded.edit(connection_id, tenant=tenant).json["status"] == "CONNECTED"
    before = failed_sign_ins(guarded)
    guarded.simulator_control(
        "PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": "Rotated-2!"}
    )

    assert dispatch().dispatched == len(tenants)
    assert drain(guarded.resources.queue_url, workers=4) == len(tenants)
    found = [connection(guarded, ids[t], t) for t in tenants]
    assert {(c["status"], c["reason"]) for c in found} == {("ACTION_REQUIRED", "INVALID_CREDENTIALS")}
    assert failed_sign_ins(guarded) - before == 1  # the first check learned it; the others were told

    for tenant in tenants:  # each admin saves the new password
        saved = guarded.edit(ids[tenant], tenant=tenant, user_password="Rotated-2!")
        assert saved.json["status"] == "CONNECTED", saved.text
    assert_never_locked(guarded)


def test_an_unanswered_sign_in_counts_and_the_health_check_never_resends_it(
    guarded: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_VERIFICATION_TIME_LIMIT_SECONDS", "1.5")
    bootstrap.reset()
    connection_id = guarded.connect()["id"]
    guarded.simulator_control(
        "POST", "/_sim/companies/DEMO-CO/faults", {"kind": "slow", "always": True, "delay_ms": 2500}
    )
    late = guarded.edit(connection_id, user_password="wrong-1")  # Intacct answers after we gave up
    assert (late.json["health"], late.json["verification"]["sign_in"]) == ("DEGRADED", "unanswered")
    assert late.json["sign_in_attempts_left"] == BUDGET - 1
    guarded.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    time.sleep(1.5)  # the simulator finishes the slow request (and counts its refusal)
    logins = len([e for e in guarded.simulator.requests("DEMO-CO") if e["auth"] == "login"])

    for hours in (1, 3, 6, 12):  # the health check's backoff, as time passes
        dispatch(hours_ahead=hours)
        drain(guarded.resources.queue_url)
    assert len([e for e in guarded.simulator.requests("DEMO-CO") if e["auth"] == "login"]) == logins
    waiting = connection(guarded, connection_id)
    assert (waiting["health"], waiting["health_reason"]) == ("DEGRADED", "SIGN_IN_UNCONFIRMED")

    # The admin tries it once more (within the budget): refused.
    retried = guarded.call("POST", f"/connections/{connection_id}/verify").json
    assert retried["reason"] == "INVALID_CREDENTIALS" and retried["sign_in_attempts_left"] == 0
    assert is_spent(guarded.edit(connection_id))
    assert guarded.edit(connection_id, confirm_sign_in_reset=True).json["status"] == "CONNECTED"
    assert_never_locked(guarded)


def test_a_password_changed_in_intacct_is_noticed_by_the_next_check(guarded: Stack) -> None:
    connection_id = guarded.connect()["id"]
    assert guarded.edit(connection_id).json["status"] == "CONNECTED"
    guarded.simulator_control(
        "PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": "Changed-3!"}
    )
    dispatch()
    drain(guarded.resources.queue_url)
    noticed = connection(guarded, connection_id)
    assert (noticed["status"], noticed["reason"]) == ("ACTION_REQUIRED", "INVALID_CREDENTIALS")
    assert guarded.edit(connection_id, user_password="Changed-3!").json["status"] == "CONNECTED"
    assert_never_locked(guarded)


def test_refusals_of_other_users_do_not_count_against_this_one(guarded: Stack) -> None:
    connection_id = guarded.connect()["id"]
    assert guarded.edit(connection_id, user_password="wrong").json["sign_in_attempts_left"] == 1
    other_user = guarded.edit(connection_id, user_id="ws_limited", user_password="wrong")
    assert other_user.json["sign_in_attempts_left"] == 1  # ws_limited's own budget
    metacharacters = guarded.edit(connection_id, user_password="a<b&c]]>\"'")
    assert metacharacters.json["reason"] == "INVALID_CREDENTIALS"
    # Two refusals for ws_expenses: the budget is spent, and the problem says exactly what to do.
    spent = guarded.edit(connection_id)
    assert is_spent(spent)
    problem = spent.json
    assert (problem["company_id"], problem["user_id"], problem["sign_in_attempts_left"]) == (
        "DEMO-CO",
        "ws_expenses",
        0,
    )
    assert "Sign in to Intacct once as this user" in problem["detail"] and problem["confirm_field"]
    assert guarded.edit(connection_id, confirm_sign_in_reset=True).json["status"] == "CONNECTED"
    assert_never_locked(guarded)
    assert_never_locked(guarded, "ws_limited")


def test_the_known_good_password_still_connects_after_others_spent_the_budget(guarded: Stack) -> None:
    owner = guarded.connect("owner")["id"]
    assert guarded.edit(owner, tenant="owner").json["status"] == "CONNECTED"
    other = guarded.connect("other")["id"]
    for password in ("typo-1", "typo-2"):
        guarded.edit(other, tenant="other", user_password=password)
    checked = guarded.call("POST", f"/connections/{owner}/verify", tenant="owner").json
    assert checked["status"] == "CONNECTED"  # the owner's stored, accepted password: no confirmation needed
    assert_never_locked(guarded)


def test_a_typo_then_the_password_the_connection_had_proved_connects_without_a_confirmation(
    guarded: Stack,
) -> None:
    """The connection proved it holds the right password (Intacct accepted it there), so its admin's
    retyping spends the attempt kept for it; another tenant typing the same password gets a guess's answer.
    """
    connection_id = guarded.connect()["id"]
    assert guarded.edit(connection_id).json["status"] == "CONNECTED"
    assert guarded.edit(connection_id, user_password="typo-1").json["reason"] == "INVALID_CREDENTIALS"
    other = guarded.connect("other")["id"]
    right, guess = guarded.edit(other, tenant="other"), guarded.edit(other, tenant="other", user_password="g")
    same = ("type", "detail", "sign_in_attempts_left", "confirmation_refused")
    assert is_spent(right) and [right.json[k] for k in same] == [guess.json[k] for k in same]
    retyped = guarded.edit(connection_id).json
    assert retyped["status"] == "CONNECTED" and retyped["sign_in_attempts_left"] == BUDGET
    assert_never_locked(guarded)


def test_a_confirmation_is_honoured_once_a_day_whichever_tenant_asks(guarded: Stack) -> None:
    ids = {tenant: guarded.connect(tenant)["id"] for tenant in ("tenant-a", "tenant-b")}
    for password in ("w-1", "w-2"):
        guarded.edit(ids["tenant-a"], tenant="tenant-a", user_password=password)
    used = guarded.edit(ids["tenant-a"], tenant="tenant-a", user_password="w-3", confirm_sign_in_reset=True)
    assert used.json["reason"] == "INVALID_CREDENTIALS"
    again = guarded.edit(ids["tenant-b"], tenant="tenant-b", confirm_sign_in_reset=True)
    assert is_spent(again) and again.json["confirmation_refused"] is True
    assert failed_sign_ins(guarded) == BUDGET + 1


def test_twenty_concurrent_wrong_passwords_from_several_tenants_stay_within_the_budget(
    guarded: Stack,
) -> None:
    tenants = [f"tenant-{n}" for n in range(4)]
    ids = {tenant: guarded.connect(tenant)["id"] for tenant in tenants}
    guarded.edit(ids["tenant-0"], tenant="tenant-0", user_password="wrong-stored")  # one refusal spent

    def request(n: int) -> int:
        tenant = tenants[n % len(tenants)]
        if n % 4 == 0:  # tenant-0 verifies the wrong password it stored
            return guarded.call("POST", f"/connections/{ids[tenant]}/verify", tenant=tenant).status
        return guarded.edit(ids[tenant], tenant=tenant, user_password=f"wrong-{n}").status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(request, range(20)))
    assert all(status in (200, 409, 429) for status in statuses), statuses
    assert failed_sign_ins(guarded) <= BUDGET
    assert_never_locked(guarded)


def test_twenty_export_workers_racing_a_password_changed_in_intacct_stay_within_the_budget(
    guarded: Stack,
) -> None:
    """Each worker is its own execution environment (its own session cache and clients), all cold."""
    connection_id = guarded.connect()["id"]
    assert guarded.edit(connection_id).json["status"] == "CONNECTED"
    guarded.simulator_control(
        "PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": "Rotated-7!"}
    )
    query = [WorkerFunction.parse("<query><object>VENDOR</object></query>", "q")]

    def worker(_: int) -> str:
        try:
            bootstrap.build().run_export(
                "acme", connection_id, query, transaction=False, time_limit_seconds=10
            )
        except DomainError as error:
            return type(error).__name__
        return "posted"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(worker, range(20)))
    assert "posted" not in outcomes
    assert set(outcomes) <= {"SignInFailed", "SignInBlocked", "SignInInProgress", "NotConnected"}, outcomes
    assert 1 <= failed_sign_ins(guarded) <= BUDGET
    assert_never_locked(guarded)


def test_other_tenants_spending_the_budget_cannot_stop_the_owners_connection(guarded: Stack) -> None:
    owner = guarded.connect("owner")["id"]
    assert guarded.edit(owner, tenant="owner").json["status"] == "CONNECTED"
    attackers = {tenant: guarded.connect(tenant)["id"] for tenant in ("mallory", "trudy")}
    for round_number in range(3):
        for tenant, connection_id in attackers.items():
            for n in range(3):
                guarded.edit(connection_id, tenant=tenant, user_password=f"{tenant}-{round_number}-{n}")
        checked = guarded.call("POST", f"/connections/{owner}/verify", tenant="owner").json
        assert checked["status"] == "CONNECTED", checked
        dispatch(hours_ahead=2 + 2 * round_number)
        drain(guarded.resources.queue_url)
        assert connection(guarded, owner, "owner")["status"] == "CONNECTED"
    assert_never_locked(guarded)


def test_a_tenant_trying_passwords_on_many_users_is_stopped_by_its_hourly_quota(guarded: Stack) -> None:
    connection_id = guarded.connect()["id"]
    users = [f"ws_user_{n}" for n in range(12)]  # unknown users are refused like wrong passwords
    answers = [guarded.edit(connection_id, user_id=user, user_password="Summer2026!") for user in users]
    assert [a.status for a in answers[:10]] == [200] * 10
    stopped = answers[10]
    assert stopped.status == 429 and stopped.json["type"] == "/problems/too-many-refused-sign-ins"
    assert 0 < int(stopped.headers["retry-after"]) <= 3601
    assert guarded.connect("another-tenant")  # other tenants are not affected
    other = guarded.connect("third-tenant")["id"]
    assert guarded.edit(other, tenant="third-tenant").json["status"] == "CONNECTED"


def test_a_failure_on_our_side_before_sending_costs_the_user_nothing(
    guarded: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection_id = guarded.connect()["id"]

    def sender_unreadable(self: IntacctGateway) -> None:
        raise ConnectionError("Secrets Manager throttled the sender secret")

    monkeypatch.setattr(IntacctGateway, "_current_client", sender_unreadable)
    for _ in range(3):
        assert guarded.edit(connection_id).status == 500
    monkeypatch.undo()
    assert guarded.simulator.requests("DEMO-CO") == []
    saved = guarded.edit(connection_id)
    assert saved.json["status"] == "CONNECTED" and saved.json["sign_in_attempts_left"] == BUDGET
