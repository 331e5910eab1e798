"""Runs the REST gateway's paths (refused and broken token answers, a verification, bridged calls, a
forgotten session, REST operations) with all logging captured at DEBUG, and checks that our client secret,
the access and refresh tokens, the session id, our sender password and a worker's body show up nowhere: not
in logs, exceptions or reprs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connection_service.adapters.intacct_rest_gateway import IntacctRestGateway
from connection_service.intacct import Category, Deadline, IntacctError, Secret
from connection_service.intacct.rest import RestClient, RestSession
from connection_service.intacct.rest.operations import RestOperation
from connection_service.intacct.xml import IntacctClient, RetryPolicy, SenderCredentials
from connection_service.intacct.xml.transport import HttpAnswer
from connection_service.intacct.xml.worker_functions import WorkerFunction
from connection_service.verification import Outcome, RestVerifier
from tests.support.intacct_xml import auth_failure, auth_xml, error_xml, ok_response, result_xml
from tests.support.logs import all_logs, rendered
from tests.support.scripted_gateway import Reply, ScriptedGateway, scripted_gateway
from tests.unit.intacct.rest.rest_answers import (
    ACCESS_TOKEN,
    APP,
    AT_ENTITY,
    CLIENT_SECRET,
    ENVELOPES,
    REFRESH_TOKEN,
    SESSION_ID,
    ScriptedTransport,
    error,
    gateway_error,
    lost_after_sending,
    nested,
    reply,
    session_answer,
    token_answer,
)

SENDER_PASSWORD = "Sndr-S3cret-&<x>"
SENDER = SenderCredentials("ExpenseInMPP", Secret(SENDER_PASSWORD))
# A worker's body is its own data: never logged (it is not ours to show), so it is checked like a secret.
BODY_MARKER = "Worker-Body-7f3a9c"
SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, SESSION_ID, SENDER_PASSWORD)
WHOLE_TOKEN_ANSWER = json.dumps(token_answer()).encode()

TOKEN_REFUSALS: list[HttpAnswer | IntacctError] = [
    *(reply(401, envelope(error("invalid_client", "incorrect", "REST-1216"))) for envelope in ENVELOPES),
    reply(400, gateway_error("GW-0011", "Invalid Request")),
    reply(400, {"error": "invalid_client", "error_description": "bad"}),
    reply(500, b"<html>oops</html>"),
    reply(200, WHOLE_TOKEN_ANSWER[: len(WHOLE_TOKEN_ANSWER) - 5]),  # cut after the whole token
    reply(200, WHOLE_TOKEN_ANSWER.replace(b"Bearer", b"MAC")),
    lost_after_sending(),
]


@pytest.fixture
def xml_gateway() -> Iterator[ScriptedGateway]:
    with scripted_gateway() as running:
        yield running


def assert_clean(*texts: str, also: tuple[str, ...] = ()) -> None:
    for text in texts:
        for secret in SECRETS + also:
            assert secret not in text
            assert secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") not in text


def gateway(transport: ScriptedTransport, xml_url: str) -> IntacctRestGateway:
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    return IntacctRestGateway(
        lambda: APP,
        lambda: SENDER,
        rest_url="http://127.0.0.1:9/ia/api/v1",
        xml_endpoint_url=xml_url,
        rest_client_factory=lambda url: RestClient(
            url, transport=transport, retry=retry, sleep=lambda _: None
        ),
        xml_client_factory=lambda sender, url: IntacctClient(
            sender, endpoint_url=url, retry=retry, sleep=lambda _: None
        ),
    )


def test_every_path_keeps_secrets_out_of_logs_exceptions_and_reprs(xml_gateway: ScriptedGateway) -> None:
    with all_logs() as records:
        surfaces = _run_every_path(xml_gateway)
    assert any("**********" in rendered(record) for record in records)  # bridged XML bodies, redacted
    assert len(records) > len(TOKEN_REFUSALS)
    assert_clean(*surfaces, *(rendered(record) for record in records), also=(BODY_MARKER,))


def _run_every_path(xml_gateway: ScriptedGateway) -> list[str]:
    transport = ScriptedTransport()
    intacct = gateway(transport, xml_gateway.url)
    surfaces: list[str] = []
    for refusal in TOKEN_REFUSALS:
        transport.script(refusal)
        signed_in = intacct.sign_in(AT_ENTITY, deadline=Deadline(5))
        assert signed_in.failure is not None
        result = intacct.verify(signed_in, deadline=Deadline(5))
        failure = signed_in.failure
        surfaces += [
            repr(signed_in),
            str(failure),
            repr(failure),
            repr(vars(failure)),
            repr(result),
            result.message,
        ]

    # A verification that opens everything, then calls in its session until the XML side forgets it.
    verifier = RestVerifier()
    views: dict[str, object] = {"ia::result": [{"ia::result": []} for _ in verifier.view_probes()]}
    more = {"ia::result": [{"ia::result": []}, {"ia::result": []}, session_answer()]}
    transport.script(reply(200, token_answer()), reply(200, views), reply(200, more))
    rights = result_xml("getUserPermissions", "permissions", data="<permissions/>")
    xml_gateway.script(Reply(200, ok_response(rights, auth=auth_xml(locationid="US-EAST"))))
    signed_in = intacct.sign_in(AT_ENTITY, deadline=Deadline(5))
    result = intacct.verify(signed_in, deadline=Deadline(5))
    assert result.outcome is Outcome.CONNECTED
    session = signed_in.session
    assert isinstance(session, RestSession) and session.token is not None
    assert session.token.value.reveal() == ACCESS_TOKEN  # the value is there for whoever must use it
    surfaces += [repr(signed_in), str(signed_in), repr(session), repr(session.token), str(session.token)]
    surfaces += [repr(result), result.message, repr(intacct), repr(session.client), repr(session.bridge)]

    gone = auth_failure(error_xml("XL03000006", "", "Invalid session"))
    read = [
        WorkerFunction.parse(
            "<query><object>VENDOR</object><select><field>VENDORID</field></select></query>", "r"
        )
    ]
    transport.script(reply(400, nested(error("tokenInvalid", "The token is not valid", "REST-1206"))))
    xml_gateway.script(Reply(200, gone))
    answer = intacct.call(signed_in, read, deadline=Deadline(5), transaction=False)
    assert answer.failure is not None and answer.failure.category is Category.SESSION_INVALID
    surfaces += [repr(answer), str(answer.failure), repr(vars(answer.failure))]

    # REST operations with the token: a write answered, refused on its merits, then the token refused.
    bill = {"vendor": {"id": "V100"}, "memo": BODY_MARKER}
    write = RestOperation("bill", "POST", "objects/accounts-payable/bill", bill, idempotency_key="k-1")
    transport.script(
        reply(201, {"ia::result": {"key": "7"}}),
        reply(403, nested(error("permissionDenied", "You do not have permission"))),
        reply(400, nested(error("tokenInvalid", "The token is not valid", "REST-1206"))),
    )
    operations = intacct.run_operations(signed_in, [write, write, write], deadline=Deadline(5))
    assert [r.status for r in operations.results] == ["success", "failure"]
    assert operations.failure is not None and operations.failure.category is Category.SESSION_INVALID
    surfaces += [repr(operations), str(operations.failure), repr(vars(operations.failure))]
    unsendable = RestOperation("bad", "POST", "objects/x", {"memo": BODY_MARKER, "n": float("nan")}, "k-2")
    refused = intacct.run_operations(signed_in, [unsendable], deadline=Deadline(5))
    assert refused.failure is not None and refused.failure.never_sent
    surfaces += [repr(refused), str(refused.failure), repr(unsendable)]
    return surfaces
