"""Export workers' REST operations (calls.py) over a scripted transport: each answer read as the operation's
own (success, failure on its merits, or repeated under its Idempotency-Key), the call stopped at the first
one that could not be answered, and nothing sent that must not be."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connection_service.intacct import Category, Deadline, IntacctError, Level, Secret
from connection_service.intacct.rest import AccessToken, RestClient
from connection_service.intacct.rest.calls import OperationReply, send_all
from connection_service.intacct.rest.operations import RestOperation
from connection_service.intacct.xml import RetryPolicy
from connection_service.intacct.xml.transport import HttpAnswer
from tests.unit.intacct.rest.rest_answers import (
    ACCESS_TOKEN,
    ENVELOPES,
    ScriptedTransport,
    bare,
    error,
    gateway_error,
    lost_after_sending,
    nested,
    reply,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)
TOKEN = AccessToken(Secret(ACCESS_TOKEN), NOW + timedelta(hours=6), "DEMO-CO", "ws_expenses", None)
BILL = {"vendor": {"id": "V100"}, "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "25.00"}]}
CREATE = RestOperation("bill-1", "POST", "objects/accounts-payable/bill", BILL, idempotency_key="k-1")
READ = RestOperation("vendor", "GET", "objects/accounts-payable/vendor/22")
CREATED = {"ia::result": {"key": "203", "id": "203"}, "ia::meta": {"totalCount": 1, "totalSuccess": 1}}
KEY_USED = nested(error("conflict", "The Idempotency-Key 'k-1' has already been used"))


class Place:
    def __init__(self) -> None:
        self.occupied = False

    def left_running(self) -> None:
        self.occupied = True


def run(
    transport: ScriptedTransport,
    operations: list[RestOperation],
    *,
    deadline: Deadline | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
) -> tuple[tuple[OperationReply, ...], IntacctError | None]:
    rest = RestClient(
        "http://127.0.0.1:9/ia/api/v1",
        transport=transport,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        rng=random.Random(7),
        sleep=lambda _: None,
    )
    return send_all(rest, TOKEN, operations, deadline=deadline or Deadline(10), clock=clock)


def test_each_answer_is_the_operations_own() -> None:
    transport = ScriptedTransport(
        reply(201, CREATED),
        reply(200, {"ia::result": {"key": "22", "id": "V200"}, "ia::meta": {"totalCount": 1}}),
        reply(204, b""),
        reply(200, [1, 2]),
    )
    delete = RestOperation("del", "DELETE", "objects/company-config/attachment/1", idempotency_key="k-2")
    odd = RestOperation("odd", "GET", "services/x/y")
    replies, failure = run(transport, [CREATE, READ, delete, odd])
    assert failure is None
    assert replies == (
        OperationReply("success", 201, {"key": "203", "id": "203"}, CREATED["ia::meta"]),
        OperationReply("success", 200, {"key": "22", "id": "V200"}, {"totalCount": 1}),
        OperationReply("success", 204, None, None),
        OperationReply("success", 200, [1, 2], None),  # JSON outside the envelope is handed on as it is
    )
    assert [sent.headers.get("Idempotency-Key") for sent in transport.sent] == ["k-1", None, "k-2", None]


def test_a_write_whose_key_was_used_is_repeated_and_a_duplicate_record_is_not() -> None:
    duplicate = nested(error("conflict", "Another record with the ID 'B-77' already exists"))
    transport = ScriptedTransport(reply(409, KEY_USED), reply(409, duplicate), reply(409, KEY_USED))
    again = RestOperation("bill-2", "POST", "objects/accounts-payable/bill", BILL, idempotency_key="k-2")
    replies, failure = run(transport, [CREATE, again, READ])
    assert failure is None
    assert [(r.status, r.category) for r in replies] == [
        ("repeated", None),
        ("failure", Category.DUPLICATE),
        ("failure", Category.DUPLICATE),  # a read sent no key: its 409 cannot be about one
    ]
    assert replies[0].result is None and replies[0].errors[0].support_id == "Sup~123"


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        (
            reply(400, nested(error("invalidRequest", "The entity 'X' is not valid"))),
            Category.REQUEST_INVALID,
        ),
        (
            reply(403, nested(error("permissionDenied", "You do not have permission"))),
            Category.PERMISSION_DENIED,
        ),
        (
            reply(403, nested(error("permissionDenied", "API operation 'READ' cannot be performed"))),
            Category.MODULE_NOT_SUBSCRIBED,
        ),
        (reply(404, nested(error("notFound", "No record"))), Category.OBJECT_UNAVAILABLE),
        (
            reply(
                422,
                nested(
                    error(
                        "operationFailed",
                        "Could not create Apbill record!",
                        details=[{"code": "BL03000025", "message": "Vendor V999 does not exist."}],
                    )
                ),
            ),
            Category.VALIDATION_FAILED,
        ),
    ],
)
def test_a_refusal_on_its_merits_is_that_operations_failure_and_the_next_is_sent(
    answer: HttpAnswer, category: Category
) -> None:
    transport = ScriptedTransport(answer, reply(200, {"ia::result": {"key": "22"}}))
    replies, failure = run(transport, [CREATE, READ])
    assert failure is None and [r.status for r in replies] == ["failure", "success"]
    refused = replies[0]
    assert (refused.category, refused.http_status, refused.result) == (category, answer.status, None)
    assert refused.meta == {"totalCount": 1, "totalError": 1}
    assert refused.errors[0].support_id == "Sup~123"  # kept for Sage support
    if category is Category.VALIDATION_FAILED:
        assert [e.description for e in refused.errors[1:]] == ["Vendor V999 does not exist."]


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_every_envelope_is_read(envelope: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    transport = ScriptedTransport(reply(403, envelope(error("permissionDenied", "no"))))
    replies, _ = run(transport, [READ])
    assert (
        replies[0].category is Category.PERMISSION_DENIED
        and replies[0].errors[0].errorno == "permissionDenied"
    )


TOKEN_REFUSED = nested(error("tokenInvalid", "The token is not valid", "REST-1206"))
TOKEN_REPLACED = bare(error("tokenInvalid", "Token is not valid", "REST-2102"))
CLIENT_REFUSED = nested(error("invalid_client", "incorrect", "REST-1216"))
AUTHENTICATION, HTTP = Level.AUTHENTICATION, Level.HTTP


@pytest.mark.parametrize(
    ("answer", "category", "level"),
    [
        (reply(400, TOKEN_REFUSED), Category.SESSION_INVALID, AUTHENTICATION),
        (reply(401, gateway_error("GW-0040", "Expired token")), Category.SESSION_INVALID, AUTHENTICATION),
        (reply(400, TOKEN_REPLACED), Category.SESSION_INVALID, AUTHENTICATION),
        (
            reply(400, gateway_error("GW-0011", "")),
            Category.COMPANY_REFUSED_APPLICATION,
            AUTHENTICATION,
        ),
        (reply(401, CLIENT_REFUSED), Category.CLIENT_APP_NOT_AUTHORIZED, AUTHENTICATION),
        (
            reply(400, gateway_error("GW-0014", "Invalid Content Type")),
            Category.REQUEST_INVALID,
            Level.CONTROL,
        ),
        (reply(500, b"<html>Internal Server Error</html>"), Category.SERVICE_UNAVAILABLE, HTTP),
        (reply(200, b"<html>maintenance</html>"), Category.UNKNOWN, HTTP),
        (reply(201, b'{"ia::result": {"key": "2'), Category.UNKNOWN, HTTP),
        (reply(403, b""), Category.UNKNOWN, HTTP),
    ],
)
def test_an_answer_to_the_call_itself_ends_it_and_nothing_after_is_sent(
    answer: HttpAnswer, category: Category, level: Level
) -> None:
    transport = ScriptedTransport(reply(200, {"ia::result": {"key": "22"}}), answer, reply(201, CREATED))
    replies, failure = run(transport, [READ, CREATE, CREATE])
    assert [r.status for r in replies] == ["success"]
    assert failure is not None and (failure.category, failure.level) == (category, level)
    assert len(transport.sent) == 2 and failure.attempts == 1  # what Intacct answered is never resent


@pytest.mark.parametrize(
    "answer",
    [
        reply(429, gateway_error("GW-0010", "API rate limit exceeded"), retry_after=1.0),
        reply(503, gateway_error("GW-0001", "The Service is Temporarily Off-line.")),
    ],
)
def test_a_write_refused_before_it_ran_is_retried_by_the_one_policy_then_ends_the_call(
    answer: HttpAnswer,
) -> None:
    transport = ScriptedTransport(*[answer] * RetryPolicy().max_attempts)
    replies, failure = run(transport, [CREATE, READ])
    assert replies == () and failure is not None and failure.category.transient
    assert failure.attempts == RetryPolicy().max_attempts and failure.retry_after == answer.retry_after
    assert [sent.method for sent in transport.sent] == ["POST"] * RetryPolicy().max_attempts


@pytest.mark.parametrize(
    "answer", [lost_after_sending(), reply(524, b"<html>A timeout occurred</html>"), reply(504, b"")]
)
def test_a_write_that_may_still_run_is_sent_once_and_keeps_its_place(
    answer: HttpAnswer | IntacctError,
) -> None:
    transport = ScriptedTransport(answer, reply(201, CREATED))
    place = Place()
    replies, failure = run(transport, [CREATE, READ], deadline=Deadline(10, place=place))
    assert replies == () and failure is not None and failure.may_still_run
    assert len(transport.sent) == 1 and place.occupied


@pytest.mark.parametrize(
    ("operation", "reason"),
    [
        (RestOperation("w", "POST", "objects/accounts-payable/bill", BILL), "Idempotency-Key"),
        (
            RestOperation("w", "PATCH", "objects/company-config/class/2", {}, idempotency_key=""),
            "Idempotency-Key",
        ),
        (RestOperation("s", "GET", "services/core/session/id"), "session-id"),
        (RestOperation("s", "GET", "/Services/Core/Session/ID/"), "session-id"),
        (RestOperation("t", "POST", "oauth2/token", {}, idempotency_key="k"), "objects/ or services/"),
        (RestOperation("u", "GET", "objects/../oauth2/token"), "REST path"),
        (RestOperation("b", "POST", "objects/x", {"n": float("inf")}, idempotency_key="k"), "JSON"),
        (RestOperation("e", "GET", "objects/x", entity_id="US\r\nEAST"), "ASCII"),
    ],
)
def test_nothing_is_sent_when_one_operation_cannot_be(operation: RestOperation, reason: str) -> None:
    transport = ScriptedTransport(reply(200, {"ia::result": {}}))
    replies, failure = run(transport, [READ, operation])
    assert replies == () and transport.sent == []
    assert failure is not None and failure.category is Category.REQUEST_INVALID and failure.never_sent
    assert reason in str(failure) and f"operation {operation.operation_id!r}" in str(failure)


def test_an_entity_is_sent_only_when_the_operation_names_one() -> None:
    transport = ScriptedTransport(*[reply(200, {"ia::result": {}})] * 3)
    named = RestOperation("a", "GET", "objects/x/1", entity_id="US-WEST")
    empty = RestOperation("b", "GET", "objects/x/1", entity_id="")
    run(transport, [named, empty, READ])
    assert [sent.headers.get("X-IA-API-Param-Entity") for sent in transport.sent] == ["US-WEST", None, None]


def test_a_token_expired_by_our_clock_is_not_sent() -> None:
    transport = ScriptedTransport(reply(200, {"ia::result": {}}), reply(200, {"ia::result": {}}))
    times = iter([NOW + timedelta(hours=5, minutes=59), NOW + timedelta(hours=6)])
    replies, failure = run(transport, [READ, READ], clock=lambda: next(times))
    assert [r.status for r in replies] == ["success"] and len(transport.sent) == 1
    assert failure is not None and failure.category is Category.SESSION_INVALID and failure.never_sent
