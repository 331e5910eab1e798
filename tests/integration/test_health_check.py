"""The scheduled health check through dispatcher → SQS FIFO → worker, against moto and the simulator."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from connection_service import bootstrap
from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.model import HistoryEntry, Status, Trigger
from connection_service.health.runner import run_dispatcher
from connection_service.intacct import Deadline, SignIn
from connection_service.verification import VerificationResult
from local_stack.api_gateway import LambdaContext, load_handler
from local_stack.health_loop import WORKER, sqs_event
from tests.support.health import dispatch, drain
from tests.support.stack import Stack

REVOKE = {"application": "Projects", "activity": "Projects", "permission": "View"}


def connected(stack: Stack, tenant: str = "acme", **fields: str) -> str:
    connection_id = stack.connect(tenant)["id"]
    reply = stack.edit(connection_id, tenant=tenant, **fields)
    assert reply.status == 200, reply.text
    return str(connection_id)


def status(stack: Stack, connection_id: str, tenant: str = "acme") -> dict[str, object]:
    return dict(stack.call("GET", f"/connections/{connection_id}", tenant=tenant, role="member").json)


def test_a_lost_permission_is_noticed_and_its_repair_too(stack: Stack) -> None:
    connection_id = connected(stack)
    stack.published_events()  # forget the connect/edit events
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/revoke", REVOKE)

    assert dispatch().dispatched == 1
    assert drain(stack.resources.queue_url) == 1
    broken = status(stack, connection_id)
    assert (broken["status"], broken["reason"]) == ("ACTION_REQUIRED", "MISSING_PERMISSIONS")
    assert broken["missing_permissions"] == [REVOKE]

    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", REVOKE)
    assert dispatch().dispatched == 1
    drain(stack.resources.queue_url)
    assert status(stack, connection_id)["status"] == "CONNECTED"

    events = [e["detail"] for e in stack.published_events()]
    assert [(e["old_status"], e["new_status"], e["reason"], e["trigger"]) for e in events] == [
        ("CONNECTED", "ACTION_REQUIRED", "MISSING_PERMISSIONS", "health_check"),
        ("ACTION_REQUIRED", "CONNECTED", None, "health_check"),
    ]
    history = stack.call("GET", f"/connections/{connection_id}/history").json["history"]
    assert [h["trigger"] for h in history][-2:] == ["health_check", "health_check"]


def test_rejected_credentials_are_never_signed_in_again_by_the_health_check(stack: Stack) -> None:
    connection_id = connected(stack, user_password="Wrong-Passw0rd!")
    assert status(stack, connection_id)["reason"] == "INVALID_CREDENTIALS"
    stack.simulator.reset()
    assert dispatch(hours_ahead=48).found == 0
    drain(stack.resources.queue_url)
    assert stack.simulator.requests() == []
    # Even a forged or stale message cannot make it sign in.
    far = datetime.now(UTC) + timedelta(days=3)
    report = bootstrap.use_cases().health_check(
        "acme", connection_id, claimed_until=far, time_limit_seconds=5
    )
    assert report is None and stack.simulator.requests() == []


def test_transient_faults_leave_status_alone_and_mark_health(stack: Stack) -> None:
    connection_id = connected(stack)
    stack.published_events()
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_503", "always": True})
    dispatch()
    drain(stack.resources.queue_url)
    after = status(stack, connection_id)
    assert (after["status"], after["health"], after["health_reason"]) == (
        "CONNECTED",
        "DEGRADED",
        "INTACCT_UNAVAILABLE",
    )
    next_check = datetime.fromisoformat(str(after["next_check_at"]))
    assert next_check - datetime.now(UTC) < timedelta(minutes=10)  # retried soon, with backoff
    assert stack.published_events() == []  # no status change, no event

    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    dispatch()
    drain(stack.resources.queue_url)
    healed = status(stack, connection_id)
    assert (healed["status"], healed["health"]) == ("CONNECTED", "OK")
    assert stack.published_events() == []


def test_one_request_in_flight_per_company_with_many_connections_and_workers(stack: Stack) -> None:
    tenants = [f"tenant{n:02d}" for n in range(12)]
    for tenant in tenants:
        connected(stack, tenant)
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"latency_ms": 40})
    before = len(stack.simulator.requests("DEMO-CO"))
    assert dispatch().dispatched == len(tenants)
    assert drain(stack.resources.queue_url, workers=4) == len(tenants)
    # Every check proves the password: a sign-in and one request per connection.
    assert len(stack.simulator.requests("DEMO-CO")) - before == 2 * len(tenants)
    assert stack.simulator.max_in_flight("DEMO-CO") == 1
    assert all(
        status(stack, cid, t)["status"] == "CONNECTED"
        for t in tenants
        for cid in [stack.call("GET", "/connections", tenant=t).json["connections"][0]["id"]]
    )


def test_each_due_connection_is_enqueued_once_per_due_time(stack: Stack) -> None:
    connected(stack)
    first = dispatch()
    assert (first.found, first.dispatched) == (1, 1)
    again = dispatch()  # before the worker ran: the claim moved the next check ahead
    assert again.found == 0
    assert drain(stack.resources.queue_url) == 1


def test_a_health_check_racing_an_admin_edit_never_overwrites_the_newer_result(stack: Stack) -> None:
    connection_id = connected(stack, user_id="ws_limited")
    assert status(stack, connection_id)["reason"] == "MISSING_PERMISSIONS"
    dispatch()

    def admin_edits() -> None:  # while the health check is talking to Intacct
        assert stack.edit(connection_id, user_id="ws_expenses").json["status"] == "CONNECTED"

    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.next_check_at is not None
    report = bootstrap.build(intacct=MeanwhileIntacct(admin_edits)).health_check(
        "acme", connection_id, claimed_until=stored.next_check_at, time_limit_seconds=10
    )
    assert report is not None and report.applied is False
    assert report.result is not None and report.result.reason is not None  # it did find ws_limited lacking
    final = status(stack, connection_id)
    assert (final["status"], final["user_id"], final["reason"]) == ("CONNECTED", "ws_expenses", None)


DUE_VARIANTS: dict[str, tuple[Status, str | None, bool]] = {
    "connected": (Status.CONNECTED, None, True),
    "missing-permissions": (Status.ACTION_REQUIRED, "MISSING_PERMISSIONS", True),
    "sender": (Status.ACTION_REQUIRED, "SENDER_NOT_AUTHORIZED", True),
    "web-services": (Status.ACTION_REQUIRED, "WEB_SERVICES_DISABLED", True),
    "expired": (Status.ACTION_REQUIRED, "COMPANY_EXPIRED", True),
    "entity": (Status.ACTION_REQUIRED, "ENTITY_INVALID", False),
    "invalid-credentials": (Status.ACTION_REQUIRED, "INVALID_CREDENTIALS", False),
    "awaiting": (Status.AWAITING_CREDENTIALS, None, False),
    "disconnected": (Status.DISCONNECTED, None, False),
}


def test_the_due_index_holds_exactly_the_connections_the_rules_allow(stack: Stack) -> None:
    repository = bootstrap.use_cases().adapters.repository
    schedule = bootstrap.use_cases().schedule
    template = repository.get("acme", connected(stack))
    assert template is not None
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    expected = set()
    for index, (name, (state, reason, due)) in enumerate(DUE_VARIANTS.items()):
        candidate = replace(
            template, id=f"{index:032x}", tenant_id=f"rules-{name}", status=state, reason=reason
        )
        candidate = replace(
            candidate, next_check_at=schedule.next_check_at(candidate, long_ago, random.Random(1))
        )
        assert (candidate.next_check_at is not None) is due, name
        repository.create(
            candidate,
            HistoryEntry(candidate.id, candidate.tenant_id, long_ago, Trigger.CONNECT, "test", None, state),
        )
        if due:
            expected.add(candidate.id)
    stack.simulator.reset()
    due_now = dispatch(hours_ahead=0)
    assert due_now.dispatched == len(expected)  # the connection made by connected() is not due yet
    assert queued_connection_ids(stack) == expected


def queued_connection_ids(stack: Stack) -> set[str]:
    sqs = boto3.client("sqs")
    found: set[str] = set()
    while batch := sqs.receive_message(QueueUrl=stack.resources.queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        found |= {json.loads(message["Body"])["connection_id"] for message in batch}
        for message in batch:
            sqs.delete_message(QueueUrl=stack.resources.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_an_older_health_check_never_overwrites_a_newer_manual_verify(stack: Stack) -> None:
    connection_id = connected(stack)
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/revoke", REVOKE)
    dispatch()

    def admin_fixes_and_verifies() -> None:  # the check saw the missing right; the admin grants it
        stack.simulator_control("POST", "/_sim/companies/DEMO-CO/users/ws_expenses/grant", REVOKE)
        assert stack.call("POST", f"/connections/{connection_id}/verify").json["status"] == "CONNECTED"

    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.next_check_at is not None
    stack.published_events()
    report = bootstrap.build(intacct=MeanwhileIntacct(admin_fixes_and_verifies)).health_check(
        "acme", connection_id, claimed_until=stored.next_check_at, time_limit_seconds=10
    )
    assert report is not None and report.applied is False
    assert status(stack, connection_id)["status"] == "CONNECTED"
    assert stack.published_events() == []  # no false "Action Required" e-mail


def test_credentials_saved_during_an_outage_are_checked_once_intacct_is_back(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.simulator_control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "http_503", "always": True})
    saved = stack.edit(connection_id).json
    assert (saved["status"], saved["health"]) == ("AWAITING_CREDENTIALS", "DEGRADED")
    stack.simulator_control("DELETE", "/_sim/companies/DEMO-CO/faults", None)
    assert dispatch().dispatched == 1
    drain(stack.resources.queue_url)
    assert status(stack, connection_id)["status"] == "CONNECTED"


def test_a_worker_without_time_left_hands_the_message_back(stack: Stack) -> None:
    connected(stack)
    dispatch()
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.resources.queue_url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"]
    )["Messages"]
    before = len(stack.simulator.requests())
    result = invoke_worker(stack, messages, timeout_seconds=5)
    assert result["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]
    assert len(stack.simulator.requests()) == before  # not even started


def invoke_worker(stack: Stack, messages: list[Any], *, timeout_seconds: float) -> dict[str, Any]:
    """Hands received messages to the worker Lambda as the event source mapping would."""
    arn = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources.queue_url, AttributeNames=["QueueArn"]
    )
    worker = load_handler(WORKER, "app.handler")
    return worker(
        sqs_event(messages, arn["Attributes"]["QueueArn"]), LambdaContext("worker", timeout_seconds)
    )


class Crash(Exception):
    pass


class MeanwhileIntacct:
    """The real Intacct gateway, then `meanwhile()` before a verification's result goes back: what happens
    while a verification is talking to Intacct (another request, a crash)."""

    def __init__(self, meanwhile: Callable[[], None]) -> None:
        self.real = bootstrap.build().adapters.intacct
        self.meanwhile = meanwhile
        self.explain = self.real.explain
        self.prepare = self.real.prepare
        self.sign_in = self.real.sign_in

    def verify(self, signed_in: SignIn, *, deadline: Deadline) -> VerificationResult:
        result = self.real.verify(signed_in, deadline=deadline)
        self.meanwhile()
        return result


def _crash() -> None:
    raise Crash("died before storing the result")


def CrashesAfterSigningIn() -> MeanwhileIntacct:
    """Talks to Intacct for real, then dies before the result is stored (a timeout, a crash)."""
    return MeanwhileIntacct(_crash)


@pytest.mark.parametrize("first_save", [False, True])
def test_an_edit_that_never_stores_its_result_is_checked_again_later(stack: Stack, first_save: bool) -> None:
    # A first save used to be left "not verified yet" for ever: nothing scheduled its check.
    connection_id = stack.connect()["id"] if first_save else connected(stack)
    body = {"company_id": "DEMO-CO", "user_id": "ws_limited", "user_password": "Demo-Passw0rd!"}
    with pytest.raises(Crash):
        bootstrap.build(intacct=CrashesAfterSigningIn()).edit_credentials(
            "acme", connection_id, parse_credentials(body), actor="admin", time_limit_seconds=5
        )
    stuck = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stuck is not None and stuck.user_id == "ws_limited" and stuck.next_check_at is not None
    assert stuck.verifying_until is not None and stuck.next_check_at > stuck.verifying_until
    # Time passes: the lease runs out (the worker reads the real clock, so the test moves the lease back).
    bootstrap.use_cases().adapters.repository.save(
        replace(stuck, verifying_until=datetime.now(UTC) - timedelta(seconds=1)),
        expected_version=stuck.version,
    )
    assert dispatch(hours_ahead=1).dispatched == 1
    drain(stack.resources.queue_url)
    final = status(stack, connection_id)
    assert (final["user_id"], final["reason"]) == ("ws_limited", "MISSING_PERMISSIONS")


def test_a_redelivered_check_after_a_crash_does_not_sign_in_again(stack: Stack) -> None:
    connection_id = connected(stack)
    dispatch()
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.next_check_at is not None
    before = len(stack.simulator.requests())
    with pytest.raises(Crash):
        bootstrap.build(intacct=CrashesAfterSigningIn()).health_check(
            "acme", connection_id, claimed_until=stored.next_check_at, time_limit_seconds=5
        )
    signed_in = len(stack.simulator.requests()) - before
    redelivered = bootstrap.use_cases().health_check(
        "acme", connection_id, claimed_until=stored.next_check_at, time_limit_seconds=5
    )
    assert redelivered is None
    assert len(stack.simulator.requests()) - before == signed_in == 2


def test_parallel_edits_cannot_sign_in_in_parallel(stack: Stack) -> None:
    connection_id = stack.connect()["id"]
    stack.simulator_control("PATCH", "/_sim/companies/DEMO-CO", {"latency_ms": 300})
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda _: stack.edit(connection_id, user_password="Wrong-Passw0rd!"), range(6))
        )
    statuses = sorted(reply.status for reply in replies)
    assert set(statuses) <= {200, 409, 429} and 409 in statuses
    # A loser either finds the winner's verification running, or (having waited for the user's sign-in
    # slot) finds the connection already changed by it: both say so, neither sent a password.
    conflicts = {r.json.get("type") for r in replies if r.status == 409}
    assert conflicts <= {"/problems/verification-in-progress", "/problems/concurrent-modification"}
    refused = [r for r in stack.simulator.requests("DEMO-CO") if r["sign_in_failed"]]
    assert 1 <= len(refused) <= 3  # the attempt limit holds even for requests sent at once


def test_dispatcher_lag_keeps_growing_while_a_check_never_happens(stack: Stack) -> None:
    connection_id = connected(stack)
    stored = bootstrap.use_cases().adapters.repository.get("acme", connection_id)
    assert stored is not None and stored.next_check_at is not None
    due_at = stored.next_check_at
    first = run_dispatcher(bootstrap.environment(), due_at + timedelta(minutes=1))
    assert (first.dispatched, first.lag_seconds) == (1, 60.0)
    # The message is lost (never processed); the claim runs out and the connection is due again.
    again = run_dispatcher(bootstrap.environment(), due_at + timedelta(minutes=40))
    assert (again.dispatched, again.lag_seconds) == (1, 40 * 60.0)


def test_a_password_reset_found_by_the_health_check_stops_its_sign_ins(stack: Stack) -> None:
    connection_id = connected(stack)
    stack.simulator_control(
        "PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"password": "Reset-by-admin-1"}
    )
    dispatch()
    drain(stack.resources.queue_url)
    broken = status(stack, connection_id)
    assert (broken["status"], broken["reason"], broken["next_check_at"]) == (
        "ACTION_REQUIRED",
        "INVALID_CREDENTIALS",
        None,
    )
    refused = sum(1 for r in stack.simulator.requests("DEMO-CO") if r["sign_in_failed"])
    assert refused == 1
    for hours in (2, 6, 24, 72):
        dispatch(hours_ahead=hours)
        drain(stack.resources.queue_url)
    assert sum(1 for r in stack.simulator.requests("DEMO-CO") if r["sign_in_failed"]) == refused


def test_one_failing_company_does_not_hand_back_the_others(stack: Stack) -> None:
    connected(stack)
    sqs = boto3.client("sqs")
    sqs.send_message(
        QueueUrl=stack.resources.queue_url,
        MessageBody="not a check request",
        MessageGroupId="another-company",
        MessageDeduplicationId="poison-1",
    )
    dispatch()  # then one real check, in its own company's group
    messages = sqs.receive_message(
        QueueUrl=stack.resources.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] == "not a check request" for m in messages] == [True, False]  # the poison comes first
    before = len(stack.simulator.requests())
    result = invoke_worker(stack, messages, timeout_seconds=60)
    assert result["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]
    assert len(stack.simulator.requests()) > before  # the other company's check ran
