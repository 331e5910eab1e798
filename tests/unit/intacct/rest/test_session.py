"""The REST sign-in (one token request at the credentials' entity) and what it tells the sign-in guard; the
token answer read into a Secret with its expiry; the session's XML side through the session-id bridge,
fetched once per sign-in and again (same token, no new token request) only when the XML gateway forgets
it."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from connection_service.intacct import (
    Category,
    ClientCredentials,
    Deadline,
    IntacctError,
    Secret,
    SignIn,
    SignInOutcome,
)
from connection_service.intacct.rest import Bridge, RestClient, RestSession, sign_in, username
from connection_service.intacct.rest.token import DEFAULT_LIFETIME, token_from
from connection_service.intacct.xml import IntacctClient, Query, RetryPolicy, Timeouts
from connection_service.intacct.xml.transport import HttpAnswer, HttpTransport
from connection_service.intacct.xml.worker_functions import WorkerFunction
from tests.support.demo import SENDER
from tests.support.intacct_xml import auth_failure, auth_xml, error_xml, ok_response, result_xml
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.unit.intacct.rest.rest_answers import (
    ACCESS_TOKEN,
    APP,
    AT_ENTITY,
    SESSION_ID,
    USER,
    ScriptedTransport,
    error,
    gateway_error,
    lost_after_sending,
    nested,
    never_connected,
    reply,
    session_answer,
    token_answer,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
XML_URL = "http://127.0.0.1:9/ia/xml/xmlgw.phtml"


def clock() -> datetime:
    return NOW


def rest_client(transport: HttpTransport) -> RestClient:
    return RestClient(
        "http://127.0.0.1:9/ia/api/v1",
        transport=transport,
        retry=RetryPolicy(base_delay=0.01),
        sleep=lambda _: None,
    )


def bridge(url: str = XML_URL) -> Bridge:
    return Bridge(IntacctClient(SENDER, endpoint_url=url, sleep=lambda _: None), url)


def signing_in(transport: HttpTransport, credentials: ClientCredentials = AT_ENTITY) -> SignIn:
    return sign_in(
        rest_client(transport), APP, credentials, bridge=bridge(), deadline=Deadline(5), clock=clock
    )


def test_one_token_request_at_the_entity_holds_the_token_as_a_secret_with_its_expiry() -> None:
    transport = ScriptedTransport(reply(200, token_answer(expires_in=3600)))
    signed_in = sign_in(
        rest_client(transport), APP, AT_ENTITY, bridge=bridge(), deadline=Deadline(5), clock=clock
    )
    assert (signed_in.outcome, signed_in.failure, signed_in.round_trips, signed_in.attempts) == (
        SignInOutcome.ACCEPTED,
        None,
        1,
        1,
    )
    (sent,) = transport.sent
    assert sent.url.endswith("/ia/api/v1/oauth2/token")
    assert urllib.parse.parse_qs((sent.body or b"").decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["ExpenseInREST-Demo"],
        "client_secret": [APP.client_secret.reveal()],
        "username": ["ws_expenses@DEMO-CO|US-EAST"],
    }
    session = signed_in.session
    assert isinstance(session, RestSession) and session.token is not None
    assert session.token.value.reveal() == ACCESS_TOKEN and session.token.entity_id == "US-EAST"
    assert session.token.expires_at == NOW + timedelta(hours=1)
    assert ACCESS_TOKEN not in repr(signed_in) + repr(session) + repr(session.token) + str(session.token)


def test_the_top_level_has_no_entity_in_the_username() -> None:
    assert username(USER) == "ws_expenses@DEMO-CO"
    assert username(AT_ENTITY) == "ws_expenses@DEMO-CO|US-EAST"


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [
        (7200, timedelta(hours=2)),
        ("600", timedelta(minutes=10)),
        (None, DEFAULT_LIFETIME),
        (0, DEFAULT_LIFETIME),
        ("soon", DEFAULT_LIFETIME),
        (True, timedelta(seconds=1)),
    ],
)
def test_the_expiry_is_now_plus_expires_in_six_hours_when_missing(
    expires_in: object, lifetime: timedelta
) -> None:
    assert timedelta(hours=6) == DEFAULT_LIFETIME
    assert token_from(token_answer(expires_in=expires_in), USER, NOW).expires_at == NOW + lifetime


@pytest.mark.parametrize(
    "answer", [{"token_type": "Bearer"}, {"access_token": ""}, {"access_token": "x", "token_type": "MAC"}, []]
)
def test_an_answer_without_a_bearer_token_is_unknown_and_never_quoted(answer: object) -> None:
    with pytest.raises(IntacctError) as raised:
        token_from(answer, USER, NOW)
    assert raised.value.category is Category.UNKNOWN


@pytest.mark.parametrize(
    ("answer", "category", "outcome"),
    [
        (
            reply(401, nested(error("invalid_client", "incorrect", "REST-1216"))),
            Category.CLIENT_APP_NOT_AUTHORIZED,
            SignInOutcome.REFUSED,
        ),
        (
            reply(400, gateway_error("GW-0011", "Invalid Request")),
            Category.COMPANY_REFUSED_APPLICATION,
            SignInOutcome.REFUSED,
        ),
        (
            reply(400, nested(error("invalidRequest", "The entity 'US-EAST' is not valid for this user"))),
            Category.ENTITY_INVALID,
            SignInOutcome.REFUSED,
        ),
        (
            reply(400, gateway_error("GW-0012", "Missing Tenant Data")),
            Category.REQUEST_INVALID,
            SignInOutcome.NOT_JUDGED,
        ),
        (reply(500, b"<html>oops</html>"), Category.SERVICE_UNAVAILABLE, SignInOutcome.UNANSWERED),
        (reply(200, b'{"access_token": "eyJ'), Category.UNKNOWN, SignInOutcome.UNANSWERED),
        (lost_after_sending(), Category.SERVICE_UNAVAILABLE, SignInOutcome.UNANSWERED),
        (reply(524, b"<html/>"), Category.ORIGIN_TIMEOUT, SignInOutcome.UNANSWERED),
    ],
)
def test_what_a_token_request_tells_the_sign_in_guard(
    answer: HttpAnswer | IntacctError, category: Category, outcome: SignInOutcome
) -> None:
    transport = ScriptedTransport(answer, reply(200, token_answer()))
    signed_in = signing_in(transport)
    assert signed_in.outcome is outcome and signed_in.failure is not None
    assert signed_in.failure.category is category
    assert signed_in.round_trips == 1 and len(transport.sent) == 1


def test_throttled_or_unreachable_until_the_end_is_not_sent() -> None:
    throttled = [reply(429, gateway_error("GW-0010", "limit")) for _ in range(4)]
    signed_in = signing_in(ScriptedTransport(*throttled))
    assert signed_in.outcome is SignInOutcome.NOT_SENT and signed_in.attempts == 4
    signed_in = signing_in(ScriptedTransport(*(never_connected() for _ in range(4))))
    assert signed_in.outcome is SignInOutcome.NOT_SENT


def test_ids_a_username_cannot_carry_are_never_sent() -> None:
    transport = ScriptedTransport(reply(200, token_answer()))
    for credentials in (ClientCredentials("DEMO|CO", "u"), ClientCredentials("DEMO-CO", "u", "US@EAST")):
        signed_in = signing_in(transport, credentials)
        assert signed_in.outcome is SignInOutcome.NOT_SENT and signed_in.failure is not None
        assert signed_in.failure.category is Category.REQUEST_INVALID
    assert transport.sent == []


class _Broken(HttpTransport):
    def send(
        self, method: str, url: str, body: bytes | None, *, headers: Mapping[str, str], time_left: float
    ) -> HttpAnswer:
        raise RuntimeError("a bug of ours while reading the answer")


def test_an_error_of_ours_once_sent_is_unanswered_and_kept_for_later() -> None:
    signed_in = signing_in(_Broken())
    assert signed_in.outcome is SignInOutcome.UNANSWERED
    assert isinstance(signed_in.lost, RuntimeError)


# -- the session's XML side ------------------------------------------------------------------------------


@pytest.fixture
def xml_gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


QUERY_OK = ok_response(result_xml("query", "q", data="<x/>"), auth=auth_xml(locationid="US-EAST"))
SESSION_GONE = auth_failure(error_xml("XL03000006", "", "Invalid session"))


def opened(transport: ScriptedTransport, xml_gateway: ScriptedGateway) -> RestSession:
    transport.script(reply(200, token_answer()))
    signed_in = sign_in(
        rest_client(transport),
        APP,
        AT_ENTITY,
        bridge=bridge(xml_gateway.url),
        deadline=Deadline(5),
        clock=clock,
    )
    assert isinstance(signed_in.session, RestSession)
    return signed_in.session


def test_the_xml_session_is_fetched_once_with_the_token_and_used_as_sessionid(
    xml_gateway: ScriptedGateway,
) -> None:
    transport = ScriptedTransport()
    session = opened(transport, xml_gateway)
    transport.script(reply(200, session_answer()))
    xml_gateway.script(Reply(200, QUERY_OK), Reply(200, QUERY_OK))
    for _ in range(2):
        exchange = session.run_xml([Query("CLASS", control_id="q")], deadline=Deadline(5))
        assert exchange.response.results[0].ok
    _, fetch = transport.sent
    assert fetch.method == "GET" and fetch.url.endswith("/services/core/session/id")
    assert fetch.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert all(f"<sessionid>{SESSION_ID}</sessionid>".encode() in body for body in xml_gateway.bodies)


def test_a_session_the_xml_gateway_forgot_is_fetched_again_with_the_same_token_once(
    xml_gateway: ScriptedGateway,
) -> None:
    transport = ScriptedTransport()
    session = opened(transport, xml_gateway)
    transport.script(reply(200, session_answer("OLD..")), reply(200, session_answer("NEW..")))
    xml_gateway.script(Reply(200, SESSION_GONE), Reply(200, QUERY_OK))
    exchange = session.run_xml([Query("CLASS", control_id="q")], deadline=Deadline(5))
    assert exchange.response.results[0].ok
    assert [s.url.rsplit("/", 3)[-3:] for s in transport.sent[1:]] == [["core", "session", "id"]] * 2
    assert b"OLD.." in xml_gateway.bodies[0] and b"NEW.." in xml_gateway.bodies[1]
    # Forgotten again: SESSION_INVALID goes to the caller (the export mints a new token), no loop.
    transport.script(reply(200, session_answer("NEWER..")))
    xml_gateway.script(Reply(200, SESSION_GONE), Reply(200, SESSION_GONE))
    with pytest.raises(IntacctError) as raised:
        session.run_xml([Query("CLASS", control_id="q")], deadline=Deadline(5))
    assert raised.value.category is Category.SESSION_INVALID and xml_gateway.request_count == 4


def test_a_refused_token_at_the_bridge_is_session_invalid(xml_gateway: ScriptedGateway) -> None:
    transport = ScriptedTransport()
    session = opened(transport, xml_gateway)
    transport.script(reply(400, nested(error("tokenInvalid", "The token is not valid", "REST-1206"))))
    with pytest.raises(IntacctError) as raised:
        session.run_xml([Query("CLASS", control_id="q")], deadline=Deadline(5))
    assert raised.value.category is Category.SESSION_INVALID and xml_gateway.request_count == 0


def test_concurrent_calls_of_one_sign_in_fetch_its_xml_session_once(xml_gateway: ScriptedGateway) -> None:
    transport = ScriptedTransport()
    session = opened(transport, xml_gateway)
    transport.script(reply(200, session_answer()), reply(200, session_answer("SECOND..")))
    xml_gateway.script(*(Reply(200, QUERY_OK) for _ in range(8)))
    threads = [
        threading.Thread(
            target=session.run_xml, args=([Query("CLASS", control_id="q")],), kwargs={"deadline": Deadline(5)}
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(transport.sent) == 2 and xml_gateway.request_count == 8  # one token request, one fetch
    assert all(SESSION_ID.encode() in body for body in xml_gateway.bodies)


def test_the_bridge_only_reaches_intacct_or_loopback() -> None:
    with pytest.raises(ValueError, match="refusing"):
        Bridge(IntacctClient(SENDER), "https://evil.example/ia/xml/xmlgw.phtml")
    assert Secret("x") != Secret("y")


def test_a_write_that_may_have_run_is_never_sent_again(xml_gateway: ScriptedGateway) -> None:
    transport = ScriptedTransport(reply(200, token_answer()), reply(200, session_answer()))
    slow = IntacctClient(
        SENDER,
        endpoint_url=xml_gateway.url,
        transport=HttpTransport(timeouts=Timeouts(connect=1.0, read=0.3)),
        sleep=lambda _: None,
    )
    signed_in = sign_in(
        rest_client(transport), APP, AT_ENTITY, bridge=Bridge(slow, xml_gateway.url), deadline=Deadline(5)
    )
    assert isinstance(signed_in.session, RestSession)
    xml_gateway.script(Reply(200, QUERY_OK, delay=1.0), Reply(200, QUERY_OK))
    write = WorkerFunction.parse("<create><CLASS><CLASSID>C1</CLASSID></CLASS></create>", "w-1")
    with pytest.raises(IntacctError) as raised:
        signed_in.session.run_xml([write], deadline=Deadline(5), unique=True)
    assert raised.value.may_still_run and xml_gateway.settled_request_count() == 1
    assert b"<uniqueid>true</uniqueid>" in xml_gateway.bodies[0]
