"""The REST client's one retry policy: only what provably did not run is sent again (no connection, 429,
503), after Retry-After or Intacct's throttle header; nothing Intacct may still be running, and nothing it
answered, ever is. Scripted transports (no network), and real loopback for timeouts and refused
connections."""

from __future__ import annotations

import json
import random
import socket
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connection_service.intacct import Category, Deadline, IntacctError, Secret
from connection_service.intacct.rest import TOKEN_PATH, AccessToken, RestClient, RestExchange
from connection_service.intacct.xml import HttpTransport, RetryPolicy, Timeouts
from connection_service.intacct.xml.transport import HttpAnswer
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.unit.intacct.rest.rest_answers import (
    ACCESS_TOKEN,
    ScriptedTransport,
    error,
    gateway_error,
    lost_after_sending,
    nested,
    never_connected,
    reply,
    token_answer,
)

TOKEN = AccessToken(Secret(ACCESS_TOKEN), datetime(2030, 1, 1, tzinfo=UTC), "DEMO-CO", "ws_expenses", None)
OK = {"ia::result": [{"id": "D100"}], "ia::meta": {"totalCount": 3}}
QUERY = {"object": "company-config/department", "fields": ["id"], "start": 1, "size": 1}


class Pauses(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Place:
    """A slot of the company's limit, as the company limiter hands one out."""

    def __init__(self, occupied: bool = False) -> None:
        self.occupied = occupied

    def left_running(self) -> None:
        self.occupied = True


def client(transport: HttpTransport, pauses: Pauses | None = None, attempts: int = 4) -> RestClient:
    return RestClient(
        "http://127.0.0.1:9/ia/api/v1",
        transport=transport,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05),
        rng=random.Random(7),
        sleep=pauses if pauses is not None else Pauses(),
    )


def query(rest: RestClient, deadline: Deadline | None = None) -> RestExchange:
    return rest.send(
        "POST", "services/core/query", deadline=deadline or Deadline(10), token=TOKEN, body=QUERY
    )


def test_what_goes_out_a_json_call_with_the_bearer_token_and_a_form_encoded_token_request() -> None:
    transport = ScriptedTransport(reply(200, OK), reply(200, token_answer()))
    rest = client(transport)
    assert query(rest).payload == OK
    rest.send(
        "POST",
        TOKEN_PATH,
        deadline=Deadline(10),
        form={"grant_type": "client_credentials", "username": "u@c|e"},
    )
    call, token_request = transport.sent
    assert call.url == "http://127.0.0.1:9/ia/api/v1/services/core/query" and call.json() == QUERY
    assert call.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert call.headers["Content-Type"] == "application/json"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in token_request.headers
    assert urllib.parse.parse_qs((token_request.body or b"").decode()) == {
        "grant_type": ["client_credentials"],
        "username": ["u@c|e"],
    }


@pytest.mark.parametrize(
    "first",
    [
        reply(429, gateway_error("GW-0010", "API rate limit exceeded"), retry_after=2.0),
        reply(503, gateway_error("GW-0001", "The Service is Temporarily Off-line.")),
        reply(503, b""),
        never_connected(),
    ],
)
def test_what_provably_did_not_run_is_sent_again(first: HttpAnswer | IntacctError) -> None:
    pauses = Pauses()
    transport = ScriptedTransport(first, reply(200, OK))
    rest = client(transport, pauses)
    exchange = rest.send("POST", "services/core/query", deadline=Deadline(10), token=TOKEN, body=QUERY)
    assert exchange.attempts == 2 and len(transport.sent) == 2
    if isinstance(first, IntacctError) or first.retry_after is None:
        assert pauses[0] <= 0.05
    else:
        assert pauses == [2.0]  # Retry-After honoured


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        (lost_after_sending(), Category.SERVICE_UNAVAILABLE),
        (reply(504, b"<html>Gateway Timeout</html>"), Category.SERVICE_UNAVAILABLE),
        (reply(524, b"<html>A timeout occurred</html>"), Category.ORIGIN_TIMEOUT),
    ],
)
def test_a_request_intacct_may_still_run_is_never_sent_again_and_keeps_its_place(
    answer: HttpAnswer | IntacctError, category: Category
) -> None:
    transport = ScriptedTransport(answer, reply(200, OK))
    place = Place()
    with pytest.raises(IntacctError) as raised:
        query(client(transport), Deadline(10, place=place))
    assert raised.value.may_still_run and raised.value.category is category
    assert len(transport.sent) == 1 and place.occupied
    with pytest.raises(IntacctError) as again:  # nothing else leaves that place meanwhile
        query(client(transport), Deadline(10, place=place))
    assert again.value.never_sent and len(transport.sent) == 1


@pytest.mark.parametrize(
    "answer",
    [
        reply(500, b"<html>Internal Server Error</html>"),
        reply(502, b"<html>Bad gateway</html>"),
        reply(200, b'{"ia::result": [{"id": "D1'),
        reply(403, nested(error("permissionDenied", "You do not have permission"))),
    ],
)
def test_what_intacct_answered_is_never_sent_again(answer: HttpAnswer | IntacctError) -> None:
    transport = ScriptedTransport(answer, reply(200, OK))
    with pytest.raises(IntacctError) as raised:
        query(client(transport))
    assert raised.value.attempts == 1 and len(transport.sent) == 1


@pytest.mark.parametrize(
    "answer",
    [
        reply(401, nested(error("invalid_client", "incorrect", "REST-1216"))),
        reply(400, gateway_error("GW-0011", "Invalid Request")),
        reply(500, b"<html>Internal Server Error</html>"),
        lost_after_sending(),
    ],
)
def test_a_token_request_that_may_have_been_judged_is_never_sent_again(
    answer: HttpAnswer | IntacctError,
) -> None:
    transport = ScriptedTransport(answer, reply(200, token_answer()))
    with pytest.raises(IntacctError):
        client(transport).send(
            "POST", TOKEN_PATH, deadline=Deadline(10), form={"grant_type": "client_credentials"}
        )
    assert len(transport.sent) == 1


def test_retries_stop_at_the_policy_and_at_the_time_limit() -> None:
    throttled = [reply(429, gateway_error("GW-0010", "limit")) for _ in range(5)]
    transport = ScriptedTransport(*throttled)
    with pytest.raises(IntacctError) as raised:
        query(client(transport, attempts=3))
    assert raised.value.category is Category.RATE_LIMITED and raised.value.attempts == 3
    # A Retry-After beyond the time left: answered now, not slept through.
    transport = ScriptedTransport(
        reply(429, gateway_error("GW-0010", "limit"), retry_after=30.0), reply(200, OK)
    )
    with pytest.raises(IntacctError) as waited:
        query(client(transport), Deadline(5))
    assert waited.value.retry_after == 30.0 and len(transport.sent) == 1


def test_nothing_is_sent_without_time_to_finish_or_from_an_occupied_place() -> None:
    transport = ScriptedTransport(reply(200, OK))
    for deadline in (Deadline(0.1), Deadline(10, place=Place(occupied=True))):
        with pytest.raises(IntacctError) as raised:
            query(client(transport), deadline)
        assert raised.value.never_sent and raised.value.attempts == 0
    assert transport.sent == []


# -- over real loopback --------------------------------------------------------------------------------------


@pytest.fixture
def gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def over_http(url: str, *, read_timeout: float = 5.0, pauses: Pauses | None = None) -> RestClient:
    return RestClient(
        url,
        transport=HttpTransport(timeouts=Timeouts(connect=1.0, read=read_timeout)),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        sleep=pauses if pauses is not None else Pauses(),
    )


def test_a_read_timeout_is_not_resent(gateway: ScriptedGateway) -> None:
    gateway.script(Reply(200, json.dumps(OK), delay=1.0), Reply(200, json.dumps(OK)))
    with pytest.raises(IntacctError) as raised:
        query(over_http(gateway.url, read_timeout=0.3))
    assert raised.value.stopped_waiting and raised.value.may_still_run
    assert gateway.settled_request_count() == 1


def test_a_refused_connection_is_retried_up_to_the_policy() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(IntacctError) as raised:
        query(over_http(f"http://127.0.0.1:{port}/ia/api/v1"))
    assert raised.value.never_sent and raised.value.attempts == RetryPolicy().max_attempts


def test_intacct_throttle_header_is_honoured_when_a_429_has_no_retry_after(gateway: ScriptedGateway) -> None:
    throttled = Reply(
        429,
        json.dumps(gateway_error("GW-0010", "API rate limit exceeded")),
        {"Content-Type": "application/json", "X-IA-Throttle-RetryAfter": "1"},
    )
    gateway.script(throttled, Reply(200, json.dumps(OK), {"Content-Type": "application/json"}))
    pauses = Pauses()
    assert (
        over_http(gateway.url, pauses=pauses)
        .send("POST", "services/core/query", deadline=Deadline(10), token=TOKEN, body=QUERY)
        .payload
        == OK
    )
    assert pauses == [1.0]


def test_only_intacct_or_loopback_over_https() -> None:
    for url in ("http://api.intacct.com/ia/api/v1", "https://intacct.com.evil.example/ia/api/v1"):
        with pytest.raises(ValueError, match="refusing"):
            RestClient(url)
    assert RestClient("https://api.intacct.com/ia/api/v1/").base_url == "https://api.intacct.com/ia/api/v1"


# -- requests built before sending: the URL, the headers, the body -------------------------------------------

BASE = "http://127.0.0.1:9/ia/api/v1"


def test_an_operation_goes_out_as_compact_json_with_its_key_and_entity() -> None:
    transport = ScriptedTransport(reply(201, {"ia::result": {"key": "7"}}))
    rest = client(transport)
    request = rest.request(
        "POST",
        "objects/accounts-payable/bill",
        body={"vendor": {"id": "V100"}, "memo": "Café"},
        idempotency_key="bill-EXP-0042",
        entity_id="US-EAST",
    )
    exchange = rest.deliver(request, deadline=Deadline(10), token=TOKEN)
    assert (exchange.http_status, exchange.payload, exchange.refusal) == (
        201,
        {"ia::result": {"key": "7"}},
        None,
    )
    [sent] = transport.sent
    assert sent.url == f"{BASE}/objects/accounts-payable/bill"
    assert sent.body == '{"vendor":{"id":"V100"},"memo":"Café"}'.encode()
    assert {name: sent.headers[name] for name in ("Accept", "Content-Type", "Idempotency-Key")} == {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Idempotency-Key": "bill-EXP-0042",
    }
    assert sent.headers["X-IA-API-Param-Entity"] == "US-EAST"
    assert sent.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert ACCESS_TOKEN not in repr(request)  # the token is added only as the request leaves


def test_a_read_has_no_body_and_no_optional_header() -> None:
    transport = ScriptedTransport(reply(204, b""))
    rest = client(transport)
    exchange = rest.deliver(rest.request("GET", "/objects/company-config/class/2/"), deadline=Deadline(10))
    assert (exchange.http_status, exchange.payload) == (204, None)
    [sent] = transport.sent
    assert sent.url == f"{BASE}/objects/company-config/class/2" and sent.body is None
    assert sent.headers["Content-Type"] == "application/json"
    assert not {"Idempotency-Key", "X-IA-API-Param-Entity", "Authorization"} & set(sent.headers)


@pytest.mark.parametrize(
    ("path", "sent_path"),
    [
        ("//evil.example/objects/x", "/ia/api/v1/evil.example/objects/x"),
        ("objects/x@evil.example:443", "/ia/api/v1/objects/x@evil.example:443"),
        ("objects/%2e%2e/%2e%2e/oauth2/token", "/ia/api/v1/objects/%252e%252e/%252e%252e/oauth2/token"),
        ("objects/..%2F..%2Foauth2", "/ia/api/v1/objects/..%252F..%252Foauth2"),
        ("objects\\..\\..\\oauth2", "/ia/api/v1/objects%5C..%5C..%5Coauth2"),
        ("objects/a\r\nHost: evil.example", "/ia/api/v1/objects/a%0D%0AHost:%20evil.example"),
        ("https:/evil.example", "/ia/api/v1/https:/evil.example"),
        ("objects/ä b", "/ia/api/v1/objects/%C3%A4%20b"),
    ],
)
def test_a_path_is_taken_literally_under_the_base_url(path: str, sent_path: str) -> None:
    url = client(ScriptedTransport()).url_for(path)
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:9", sent_path)
    assert (parts.query, parts.fragment) == ("", "")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/",
        "../oauth2/token",
        "objects/../../../oauth2/token",
        "objects/./x",
        "objects//x",
        "http://evil.example/objects/x",
        "objects/x#fragment",
    ],
)
def test_a_path_that_could_leave_the_base_is_refused_before_anything_is_sent(path: str) -> None:
    transport = ScriptedTransport(reply(200, OK))
    with pytest.raises(ValueError, match="REST path"):
        client(transport).send("GET", path, deadline=Deadline(10), token=TOKEN)
    assert transport.sent == []


def test_a_query_string_is_kept_re_encoded_and_never_named_in_the_logs() -> None:
    names: list[tuple[str, ...]] = []
    transport = ScriptedTransport(reply(200, OK))
    rest = RestClient(BASE, transport=transport, on_attempt=lambda attempt: names.append(attempt.functions))
    rest.send("GET", "services/core/model?name=accounts-payable/bill&note=a+b", deadline=Deadline(10))
    assert transport.sent[0].url == f"{BASE}/services/core/model?name=accounts-payable/bill&note=a%20b"
    assert names == [("GET services/core/model",)]


@pytest.mark.parametrize(
    ("key", "entity"),
    [("k\r\nX-Injected: 1", None), (None, "US-EAST\n"), ("", None), (None, "Zürich"), (" k", None)],
)
def test_a_header_value_is_one_line_of_printable_ascii(key: str | None, entity: str | None) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        client(ScriptedTransport()).request(
            "POST", "objects/x", body={}, idempotency_key=key, entity_id=entity
        )


@pytest.mark.parametrize("body", [{"amount": float("nan")}, {"ids": {1, 2}}, {"text": "\ud800"}])
def test_a_body_json_cannot_carry_is_refused_without_quoting_it(body: Any) -> None:
    with pytest.raises(ValueError, match=r"^a REST body must be a JSON value$"):  # never quoting it
        client(ScriptedTransport()).request("POST", "objects/x", body=body)


# -- refusals of the request itself, answered rather than raised ---------------------------------------------


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        (reply(400, nested(error("invalidRequest", "bad filter"))), Category.REQUEST_INVALID),
        (reply(403, nested(error("permissionDenied", "no"))), Category.PERMISSION_DENIED),
        (reply(404, nested(error("notFound", "none"))), Category.OBJECT_UNAVAILABLE),
        (reply(405, nested(error("methodNotAllowed", "no"))), Category.UNKNOWN),
        (reply(409, nested(error("conflict", "exists"))), Category.DUPLICATE),
        (
            reply(422, nested(error("operationFailed", "Vendor V999 does not exist."))),
            Category.VALIDATION_FAILED,
        ),
    ],
)
def test_a_refusal_on_the_requests_merits_is_answered_when_asked(
    answer: HttpAnswer, category: Category
) -> None:
    transport = ScriptedTransport(answer)
    rest = client(transport)
    exchange = rest.deliver(rest.request("GET", "objects/x/1"), deadline=Deadline(10), answer_refusals=True)
    assert exchange.refusal is not None and exchange.refusal.category is category
    assert exchange.http_status == answer.status and exchange.payload == json.loads(answer.body)
    with pytest.raises(IntacctError):  # not asked: raised, as every other request expects
        client(ScriptedTransport(answer)).send("GET", "objects/x/1", deadline=Deadline(10))


@pytest.mark.parametrize(
    "answer",
    [
        reply(400, nested(error("tokenInvalid", "The token is not valid", "REST-1206"))),
        reply(401, gateway_error("GW-0040", "Expired token")),
        reply(400, gateway_error("GW-0011", "Invalid Request")),
        reply(400, gateway_error("GW-0014", "Invalid Content Type")),
        reply(401, nested(error("invalid_client", "incorrect", "REST-1216"))),
        reply(500, nested(error("internalError", "oops"))),
        reply(200, b"<html>maintenance</html>"),
    ],
)
def test_a_refusal_of_the_call_itself_still_raises(answer: HttpAnswer) -> None:
    rest = client(ScriptedTransport(answer))
    with pytest.raises(IntacctError):
        rest.deliver(rest.request("GET", "objects/x/1"), deadline=Deadline(10), answer_refusals=True)
