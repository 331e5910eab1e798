"""Composite requests: what goes out (2 to 10 sub-requests in order), each sub-answer judged by its body
alone in whichever envelope it comes, and a call refused as a whole raising like any refused request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from connection_service.intacct import Category, Deadline, IntacctError, Secret
from connection_service.intacct.rest import AccessToken, Query, RestClient, SubRequest, send_composite
from connection_service.intacct.xml.transport import HttpAnswer
from tests.unit.intacct.rest.rest_answers import (
    ACCESS_TOKEN,
    ENVELOPES,
    ScriptedTransport,
    error,
    gateway_error,
    nested,
    reply,
)

TOKEN = AccessToken(Secret(ACCESS_TOKEN), datetime(2030, 1, 1, tzinfo=UTC), "DEMO-CO", "ws_expenses", None)
REQUESTS = [
    SubRequest.query("departments", Query("company-config/department")),
    SubRequest.query("projects", Query("projects/project")),
    SubRequest.get("session", "services/core/session/id"),
]
DENIED = "You do not have permission for API operation READ on objects of type projects/project"
UNSUBSCRIBED = "API operation 'READ' cannot be performed on objects of type projects/project"


def sent_with(*answers: HttpAnswer) -> tuple[ScriptedTransport, RestClient]:
    transport = ScriptedTransport(*answers)
    return transport, RestClient("http://127.0.0.1:9/ia/api/v1", transport=transport, sleep=lambda _: None)


def test_the_sub_requests_go_in_order_in_one_post() -> None:
    results = [{"ia::result": [{"id": "D100"}]}, {"ia::result": []}, {"ia::result": {"sessionId": "S"}}]
    transport, client = sent_with(reply(200, {"ia::result": results, "ia::meta": {"totalCount": 3}}))
    answer = send_composite(client, TOKEN, REQUESTS, deadline=Deadline(5))
    (sent,) = transport.sent
    assert sent.url.endswith("/services/core/composite") and sent.method == "POST"
    assert sent.json() == [
        {
            "method": "POST",
            "path": "/services/core/query",
            "body": {"object": "company-config/department", "fields": ["id"], "start": 1, "size": 1},
        },
        {
            "method": "POST",
            "path": "/services/core/query",
            "body": {"object": "projects/project", "fields": ["id"], "start": 1, "size": 1},
        },
        {"method": "GET", "path": "/services/core/session/id"},
    ]
    assert all(found.ok for found in answer.answers) and answer.answered("session") == results[2]


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    ("message", "category"),
    [(DENIED, Category.PERMISSION_DENIED), (UNSUBSCRIBED, Category.MODULE_NOT_SUBSCRIBED)],
)
def test_a_sub_request_refused_alone_is_judged_by_its_body(
    envelope: Callable[[dict[str, Any]], dict[str, Any]], message: str, category: Category
) -> None:
    refused = envelope(error("permissionDenied", message))
    results = [{"ia::result": []}, refused, {"ia::result": {"sessionId": "S"}}]
    _, client = sent_with(reply(200, {"ia::result": results}))
    answer = send_composite(client, TOKEN, REQUESTS, deadline=Deadline(5))
    projects = answer.get("projects")
    assert projects is not None and not projects.ok and projects.category is category
    assert answer.get("departments") is not None and answer.answered("departments") == {"ia::result": []}
    with pytest.raises(IntacctError) as raised:
        answer.answered("projects")
    assert raised.value.category is category


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        (reply(403, nested(error("permissionDenied", DENIED))), Category.PERMISSION_DENIED),
        (reply(429, gateway_error("GW-0010", "limit")), Category.RATE_LIMITED),
        (
            reply(400, nested(error("tokenInvalid", "The token is not valid", "REST-1206"))),
            Category.SESSION_INVALID,
        ),
        (reply(200, {"ia::result": [{"ia::result": []}]}), Category.UNKNOWN),  # not one answer each
        (reply(200, {"ia::meta": {}}), Category.UNKNOWN),
    ],
)
def test_a_call_refused_or_unreadable_as_a_whole_raises(answer: HttpAnswer, category: Category) -> None:
    _, client = sent_with(answer, answer, answer, answer)
    with pytest.raises(IntacctError) as raised:
        send_composite(client, TOKEN, REQUESTS, deadline=Deadline(5))
    assert raised.value.category is category


def test_two_to_ten_sub_requests() -> None:
    _, client = sent_with()
    for count in (1, 11):
        with pytest.raises(ValueError, match="2 to 10"):
            send_composite(client, TOKEN, REQUESTS[:1] * count, deadline=Deadline(5))
    with pytest.raises(ValueError, match="1 to 4000"):
        Query("company-config/entity", size=5000)
