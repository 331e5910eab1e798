"""Retry rules and time budgets, against a scripted gateway over real HTTP on loopback."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from connection_service.intacct import Category, Deadline, IntacctError, Level, LoginCredentials, Secret
from connection_service.intacct.xml import (
    HttpTransport,
    IntacctClient,
    Query,
    RetryPolicy,
    SessionCredentials,
    Timeouts,
)
from connection_service.intacct.xml.worker_functions import WorkerFunction
from tests.support.demo import LOGIN, SENDER
from tests.support.intacct_xml import (
    SIGN_IN_401,
    control_failure,
    error_xml,
    ok_response,
    result_xml,
    session_result,
)
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.support.signing_in import open_session

OK = ok_response(result_xml("query", "q", data="<x/>"))


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


class SleepRecorder:
    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def make_client(
    url: str, sleep: SleepRecorder | None = None, read_timeout: float = 5.0, attempts: int = 4
) -> IntacctClient:
    return IntacctClient(
        SENDER,
        endpoint_url=url,
        transport=HttpTransport(timeouts=Timeouts(connect=1.0, read=read_timeout)),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05),
        rng=random.Random(7),
        sleep=sleep or SleepRecorder(),
    )


def session_for(url: str) -> SessionCredentials:
    return SessionCredentials(Secret("sess-1"), url, "DEMO-CO", "ws_expenses", None)


def test_a_503_is_retried_and_then_succeeds(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(503, "<html>Service unavailable</html>"), Reply(200, OK))
    exchange = make_client(gateway.url).execute(
        LOGIN, [Query("CLASS", control_id="q")], deadline=Deadline(10)
    )
    assert exchange.attempts == 2 and gateway.request_count == 2
    assert exchange.response.results[0].ok


@pytest.mark.parametrize("status", [500, 502])
def test_other_5xx_are_retried_in_a_session_but_never_for_a_sign_in(
    gateway: ScriptedGateway, status: int
) -> None:
    """After a 500/502 the sign-in may have been processed and refused: repeating it risks a lockout."""
    gateway.script(Reply(status, ""), Reply(200, OK))
    exchange = make_client(gateway.url).execute(
        session_for(gateway.url), [Query("CLASS")], deadline=Deadline(10)
    )
    assert exchange.attempts == 2
    gateway.script(Reply(status, ""), Reply(200, OK))
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url).execute(LOGIN, [Query("CLASS")], deadline=Deadline(10))
    assert caught.value.category is Category.SERVICE_UNAVAILABLE and gateway.request_count == 3


class Place:
    """A place in the company's limit, as the company slot keeps it."""

    def __init__(self) -> None:
        self.occupied = False

    def left_running(self) -> None:
        self.occupied = True


@pytest.mark.parametrize(
    "reply", [Reply(200, OK, delay=1.0), Reply(504, ""), Reply(524, "<html>timeout</html>")]
)
def test_a_request_that_may_still_be_running_keeps_its_place_and_nothing_more_is_sent_from_it(
    gateway: ScriptedGateway, reply: Reply
) -> None:
    """A read timeout, a proxy's 504 or 524: Intacct may still be working on it, so it still takes its place
    in the company's limit; a resend (or the next request of the same work) would be one too many."""
    gateway.script(reply, Reply(200, OK))
    place = Place()
    client = make_client(gateway.url, read_timeout=0.3 if reply.delay else 5.0)
    deadline = Deadline(10, place=place)
    with pytest.raises(IntacctError) as caught:
        client.execute(session_for(gateway.url), [Query("CLASS")], deadline=deadline)
    assert caught.value.may_still_run and caught.value.attempts == 1 and place.occupied
    with pytest.raises(IntacctError) as refused:
        client.execute(session_for(gateway.url), [Query("CLASS")], deadline=deadline.within(5))
    assert refused.value.never_sent and gateway.settled_request_count() == 1


def test_repeated_5xx_gives_up_after_the_attempt_limit(gateway: ScriptedGateway) -> None:
    gateway.script(*[Reply(503, "") for _ in range(6)])
    sleep = SleepRecorder()
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url, sleep).execute(LOGIN, [Query("CLASS")], deadline=Deadline(10))
    assert caught.value.category is Category.SERVICE_UNAVAILABLE
    assert caught.value.attempts == 4 and gateway.request_count == 4
    assert len(sleep.pauses) == 3 and all(0 <= p <= 0.05 for p in sleep.pauses)


@pytest.mark.parametrize(
    ("reply", "category"),
    [
        (Reply(524, "<html>A timeout occurred</html>"), Category.ORIGIN_TIMEOUT),
        (Reply(401, SIGN_IN_401), Category.SIGN_IN_REJECTED),
        (
            Reply(400, control_failure(error_xml("invalidRequest", "Invalid Request"))),
            Category.SIGN_IN_REJECTED,
        ),
        (
            Reply(
                200,
                control_failure(error_xml("XL03000006", "", "Incorrect Intacct XML Partner ID or password.")),
            ),
            Category.SENDER_CREDENTIALS_INVALID,
        ),
        (
            Reply(200, OK[:60]),
            Category.SERVICE_UNAVAILABLE,
        ),  # unreadable 200 to a login: maybe a refused sign-in
    ],
    ids=["524", "401-sign-in", "400-bad-company", "sender", "truncated-login"],
)
def test_unsafe_failures_are_sent_once(gateway: ScriptedGateway, reply: Reply, category: Category) -> None:
    gateway.script(reply, Reply(200, OK))
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url).execute(LOGIN, [Query("CLASS")], deadline=Deadline(10))
    assert caught.value.category is category
    assert gateway.request_count == 1


def test_an_unreadable_200_in_a_session_is_retried(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, OK[:60]), Reply(200, OK))
    exchange = make_client(gateway.url).execute(
        session_for(gateway.url), [Query("CLASS", control_id="q")], deadline=Deadline(10)
    )
    assert exchange.attempts == 2


def test_rate_limit_is_retried_after_retry_after(gateway: ScriptedGateway) -> None:
    gateway.script(
        Reply(429, control_failure(error_xml("GW-0010", "Rate limit")), {"Retry-After": "0.3"}),
        Reply(200, OK),
    )
    sleep = SleepRecorder()
    exchange = make_client(gateway.url, sleep).execute(LOGIN, [Query("CLASS")], deadline=Deadline(10))
    assert exchange.attempts == 2
    assert sleep.pauses == [pytest.approx(0.3)]


def test_retry_after_beyond_the_budget_stops_retrying(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(429, "", {"Retry-After": "30"}), Reply(200, OK))
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url).execute(LOGIN, [Query("CLASS")], deadline=Deadline(5))
    assert caught.value.category is Category.RATE_LIMITED and gateway.request_count == 1


def test_a_read_timeout_is_transient_and_never_resent(gateway: ScriptedGateway) -> None:
    """Intacct may still be working on it: neither a sign-in nor a call in a session is sent again."""
    for auth in (session_for(gateway.url), LOGIN):
        gateway.script(Reply(200, OK, delay=1.0), Reply(200, OK))
        with pytest.raises(IntacctError) as caught:
            make_client(gateway.url, read_timeout=0.2).execute(auth, [Query("CLASS")], deadline=Deadline(10))
        assert caught.value.level is Level.TRANSPORT and caught.value.attempts == 1
        assert caught.value.category.transient and caught.value.may_still_run


def test_a_write_that_may_still_be_running_is_never_sent_again(gateway: ScriptedGateway) -> None:
    """uniqueid stops a write Intacct completed, not one still running: the worker decides, later."""
    bill = WorkerFunction.parse("<create><APBILL><VENDORID>V1</VENDORID></APBILL></create>", "bill-1")
    gateway.script(Reply(200, OK, delay=1.0), Reply(200, OK))
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url, read_timeout=0.2).execute(
            session_for(gateway.url), [bill], deadline=Deadline(10), unique=True
        )
    assert caught.value.attempts == 1 and gateway.settled_request_count() == 1
    gateway.script(Reply(503, "busy"), Reply(200, OK))  # provably not processed: safe to repeat
    exchange = make_client(gateway.url).execute(
        session_for(gateway.url), [bill], deadline=Deadline(10), unique=True
    )
    assert exchange.attempts == 2


def test_the_time_budget_bounds_every_attempt(gateway: ScriptedGateway) -> None:
    gateway.script(*[Reply(200, OK, delay=2.0) for _ in range(4)])
    started = time.monotonic()
    with pytest.raises(IntacctError) as caught:
        make_client(gateway.url, read_timeout=10).execute(LOGIN, [Query("CLASS")], deadline=Deadline(1.2))
    elapsed = time.monotonic() - started
    assert caught.value.level is Level.TRANSPORT and caught.value.category is Category.SERVICE_UNAVAILABLE
    assert elapsed < 1.2 + 0.5  # the budget, plus scheduling slack; not a performance assertion


def test_connection_refused_is_transient_and_safe_to_retry_even_for_a_sign_in() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(IntacctError) as caught:
        make_client(f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml", attempts=2).execute(
            LOGIN, [Query("CLASS")], deadline=Deadline(5)
        )
    assert caught.value.category is Category.SERVICE_UNAVAILABLE and caught.value.attempts == 2


def test_a_spent_budget_sends_nothing(gateway: ScriptedGateway) -> None:
    with pytest.raises(IntacctError, match="time budget"):
        make_client(gateway.url).execute(LOGIN, [Query("CLASS")], deadline=Deadline(0.1))
    assert gateway.request_count == 0


def test_a_session_endpoint_elsewhere_is_refused(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, ok_response(session_result(endpoint="https://attacker.example/xmlgw"))))
    with pytest.raises(IntacctError, match="refusing") as caught:
        open_session(make_client(gateway.url), LOGIN, deadline=Deadline(5))
    assert caught.value.category is Category.UNKNOWN


def test_open_session_signs_in_at_top_level_and_asks_for_the_entity(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, ok_response(session_result(endpoint=gateway.url, locationid="US-EAST"))))
    login = LoginCredentials("DEMO-CO", "ws_expenses", Secret("pw"), entity_id="US-EAST")
    session, attempts = open_session(make_client(gateway.url), login, deadline=Deadline(5))
    assert attempts == 1 and session.entity_id == "US-EAST" and session.endpoint == gateway.url
    assert session.expires_at is not None
    sent = gateway.bodies[0]
    assert (
        b"<login><userid>ws_expenses</userid><companyid>DEMO-CO</companyid><password>pw</password></login>"
        in sent
    )
    assert b"<getAPISession><locationid>US-EAST</locationid></getAPISession>" in sent


def test_a_refused_entity_session_means_the_entity_is_invalid(gateway: ScriptedGateway) -> None:
    failed = result_xml(
        "getAPISession",
        "getAPISession",
        status="failure",
        errors=error_xml("XL03000006", "Something unexpected"),
    )
    gateway.script(Reply(200, ok_response(failed)))
    with pytest.raises(IntacctError) as caught:
        open_session(make_client(gateway.url), replace(LOGIN, entity_id="NOPE"), deadline=Deadline(5))
    assert caught.value.category is Category.ENTITY_INVALID
