"""Signing in, then running functions in the fresh session, and what each sign-in told us of the password
(the guard's input)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connection_service.intacct import Category, Deadline, IntacctError, SignInOutcome
from connection_service.intacct.xml import (
    Exchange,
    IntacctClient,
    Query,
    RetryPolicy,
    Timeouts,
    sign_in,
)
from connection_service.intacct.xml.transport import HttpTransport
from tests.support.demo import LOGIN, SENDER
from tests.support.intacct_xml import (
    SIGN_IN_401,
    auth_failure,
    auth_xml,
    control_failure,
    error_xml,
    ok_response,
    result_xml,
    session_result,
)
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.support.signing_in import call_in_session, sign_in_and_call

QUERY_OK = ok_response(
    result_xml("query", "q", data="<x/>"), auth=auth_xml(timeout="2026-11-24T12:00:00+00:00")
)


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def client_for(gateway: ScriptedGateway, read_timeout: float = 20.0) -> IntacctClient:
    return IntacctClient(
        SENDER,
        endpoint_url=gateway.url,
        transport=HttpTransport(timeouts=Timeouts(connect=1.0, read=read_timeout)),
        retry=RetryPolicy(base_delay=0.01),
        sleep=lambda _: None,
    )


def test_a_run_signs_in_then_calls_two_round_trips(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, ok_response(session_result(endpoint=gateway.url))), Reply(200, QUERY_OK))
    signed_in, answer = sign_in_and_call(
        client_for(gateway), LOGIN, [Query("CLASS", control_id="q")], deadline=Deadline(5)
    )
    assert signed_in.failure is None and isinstance(answer, Exchange) and signed_in.round_trips == 1
    assert signed_in.outcome is SignInOutcome.ACCEPTED and gateway.request_count == 2
    assert b"<login>" in gateway.bodies[0] and b"<sessionid>" in gateway.bodies[1]


def test_the_outcome_is_known_before_the_second_round_trip(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, ok_response(session_result(endpoint=gateway.url))), Reply(200, QUERY_OK))
    client = client_for(gateway)
    signed_in = sign_in(client, LOGIN, deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.ACCEPTED and gateway.request_count == 1
    assert signed_in.failure is None and signed_in.round_trips == 1
    answer = call_in_session(signed_in, [Query("CLASS", control_id="q")], deadline=Deadline(5))
    assert isinstance(answer, Exchange) and gateway.request_count == 2


def test_a_failed_sign_in_is_not_followed_by_a_call(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(401, SIGN_IN_401))
    client = client_for(gateway)
    signed_in = sign_in(client, LOGIN, deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.REFUSED
    assert call_in_session(signed_in, [Query("CLASS")], deadline=Deadline(5)) is None
    assert gateway.request_count == 1


def test_a_session_refused_after_a_good_sign_in_is_not_signed_in_again(gateway: ScriptedGateway) -> None:
    gateway.script(
        Reply(200, ok_response(session_result(endpoint=gateway.url))),
        Reply(200, auth_failure(error_xml("XL03000006", "Invalid session"))),
    )
    signed_in, answer = sign_in_and_call(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert isinstance(answer, IntacctError) and answer.category is Category.SESSION_INVALID
    assert signed_in.failure is None and gateway.request_count == 2
    assert signed_in.outcome is SignInOutcome.ACCEPTED


def test_a_failed_sign_in_is_reported_with_its_stage(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(401, SIGN_IN_401))
    signed_in, answer = sign_in_and_call(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert answer is None and signed_in.round_trips == 1 and gateway.request_count == 1
    assert signed_in.failure is not None and signed_in.failure.category is Category.SIGN_IN_REJECTED


SENDER_NOT_AUTHORIZED = auth_failure(
    error_xml("XL03000006", "Invalid Web Services Authorization", "The sender ID is not authorized.")
)
ENTITY_REFUSED = ok_response(
    result_xml("getAPISession", "s", status="failure", errors=error_xml("XL03000006", "Invalid location"))
)


@pytest.mark.parametrize(
    ("replies", "outcome"),
    [
        ([Reply(401, SIGN_IN_401)], SignInOutcome.REFUSED),
        (
            [Reply(200, auth_failure(error_xml("XL03000006", "Sign-in information is incorrect")))],
            SignInOutcome.REFUSED,
        ),
        ([Reply(200, SENDER_NOT_AUTHORIZED)], SignInOutcome.NOT_JUDGED),
        (
            [
                Reply(
                    200,
                    control_failure(error_xml("XL03000006", "Incorrect Intacct XML Partner ID or password.")),
                )
            ],
            SignInOutcome.NOT_JUDGED,
        ),
        ([Reply(200, ENTITY_REFUSED)], SignInOutcome.ACCEPTED),  # signed in; only the entity was refused
        ([Reply(503, "")] * 4, SignInOutcome.NOT_SENT),  # never processed, retried, then given up
        ([Reply(429, "", {"Retry-After": "0"})] * 4, SignInOutcome.NOT_SENT),
        ([Reply(500, "<html>oops</html>")], SignInOutcome.UNANSWERED),  # processed? nobody knows
        ([Reply(502, "<html>bad gateway</html>")], SignInOutcome.UNANSWERED),
        ([Reply(524, "<html>timeout</html>")], SignInOutcome.UNANSWERED),
        ([Reply(200, "<response><control><status>succ")], SignInOutcome.UNANSWERED),  # truncated
        ([Reply(200, "<html>proxy</html>")], SignInOutcome.UNANSWERED),
    ],
)
def test_each_sign_in_answer_tells_the_guard_what_happened(
    gateway: ScriptedGateway, replies: list[Reply], outcome: SignInOutcome
) -> None:
    gateway.script(*replies)
    signed_in, _ = sign_in_and_call(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert signed_in.outcome is outcome
    if outcome is not SignInOutcome.NOT_SENT:
        assert gateway.request_count == 1  # a sign-in Intacct may have seen is never repeated


def test_a_sign_in_answered_after_the_read_timeout_is_unanswered(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(401, SIGN_IN_401, delay=0.5))
    signed_in, _ = sign_in_and_call(
        client_for(gateway, read_timeout=0.1), LOGIN, [Query("CLASS")], deadline=Deadline(5)
    )
    assert signed_in.outcome is SignInOutcome.UNANSWERED and gateway.settled_request_count() == 1


def test_no_connection_at_all_is_not_sent() -> None:
    client = IntacctClient(
        SENDER,
        endpoint_url="http://127.0.0.1:9/ia/xml/xmlgw.phtml",  # discard port: nothing listens
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
        sleep=lambda _: None,
    )
    signed_in, _ = sign_in_and_call(client, LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert signed_in.outcome is SignInOutcome.NOT_SENT


def test_no_time_left_to_send_is_not_sent(gateway: ScriptedGateway) -> None:
    signed_in, _ = sign_in_and_call(client_for(gateway), LOGIN, [Query("CLASS")], deadline=Deadline(0.1))
    assert signed_in.outcome is SignInOutcome.NOT_SENT and gateway.request_count == 0
